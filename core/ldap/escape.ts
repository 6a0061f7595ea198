/**
 * Escaping of values that users (or events) put into LDAP filters and DNs, so that a value can never
 * change the structure of a filter or a DN. RFC 4515 for filters, RFC 4514 for DNs.
 */

/** Escapes a value for use inside an LDAP filter assertion, e.g. `(uid=${escapeFilterValue(x)})`. */
export function escapeFilterValue(value: string): string {
	let escaped = '';
	for (const byte of Buffer.from(value, 'utf8')) {
		// Escape the five characters RFC 4515 requires, plus every non-ASCII and control byte, so the
		// filter is plain ASCII whatever the server's parser does with UTF-8.
		if (byte === 0x2a || byte === 0x28 || byte === 0x29 || byte === 0x5c || byte < 0x20 || byte > 0x7e) {
			escaped += `\\${byte.toString(16).padStart(2, '0')}`;
		} else {
			escaped += String.fromCharCode(byte);
		}
	}
	return escaped;
}

/**
 * A binary value (AD's objectGUID, objectSid) for a filter assertion: every byte escaped, since the server compares
 * the raw bytes and any of them may be one of the characters a filter reserves.
 */
export function escapeFilterBytes(bytes: Uint8Array): string {
	return Array.from(bytes, (byte) => `\\${byte.toString(16).padStart(2, '0')}`).join('');
}

/** Escapes a value for use as an attribute value in a DN, e.g. `uid=${escapeDnValue(x)},ou=people,...`. */
export function escapeDnValue(value: string): string {
	let escaped = '';
	for (let index = 0; index < value.length; index++) {
		const char = value[index];
		const first = index === 0;
		const last = index === value.length - 1;
		if (char === '\0') {
			escaped += '\\00';
		} else if ('"+,;<>\\='.includes(char) || (first && (char === '#' || char === ' ')) || (last && char === ' ')) {
			escaped += `\\${char}`;
		} else {
			escaped += char;
		}
	}
	return escaped;
}
