/**
 * Distinguished names (RFC 4514): parsing, so that a DN typed by a user is refused with a clear message
 * before it reaches the server, and normalizing, so that two spellings of one DN compare equal
 * (`CN=Sales, OU=Groups` and `cn=sales,ou=groups`) in the sets that cut cycles and remove duplicates.
 */
import { ConfigurationError } from '../errors';
import { escapeDnValue } from './escape';

/** One attribute type and value of an RDN, the value unescaped. */
export interface AttributeTypeAndValue {
	type: string;
	value: string;
}

/** A relative distinguished name: usually one type and value, several when joined with `+`. */
export type Rdn = AttributeTypeAndValue[];

const DESCR = /^[A-Za-z][A-Za-z0-9-]*$/;
const NUMERIC_OID = /^\d+(\.\d+)+$/;
const SPECIAL = '"+,;<>\\=#';

class DnSyntaxError extends Error {}

/**
 * Parses a DN into its RDNs, most specific first. Accepts what RFC 4514 produces plus the spaces people
 * put around `,` `+` and `=`; refuses unescaped special characters, bad escapes, NUL and invalid UTF-8.
 * The empty string is the root DSE (no RDNs). `field` names the editor field in the error.
 */
export function parseDn(dn: string, field = 'DN'): Rdn[] {
	let failure: unknown;
	try {
		return parse(dn);
	} catch (error) {
		failure = error;
	}
	if (!(failure instanceof DnSyntaxError)) throw failure;
	throw new ConfigurationError(
		field,
		`"${printable(dn)}" is not a valid DN: ${failure.message} (a DN looks like uid=jdoe,ou=people,dc=example,dc=com; escape , + " \\ < > ; = with a backslash)`,
	);
}

/** Whether the text is a syntactically valid, non-empty DN. */
export function isDn(text: string): boolean {
	try {
		return parse(text).length > 0;
	} catch {
		return false;
	}
}

/**
 * A canonical form for comparing DNs: attribute types lower-cased, values lower-cased with runs of
 * spaces collapsed (the caseIgnore matching nearly every naming attribute uses), multi-valued RDNs
 * sorted, everything re-escaped the one RFC 4514 way. Not for sending to a server.
 */
export function normalizeDn(dn: string, field = 'DN'): string {
	return parseDn(dn, field)
		.map((rdn) =>
			rdn
				.map((ava) => `${ava.type.toLowerCase()}=${escapeDnValue(ava.value.toLowerCase().replace(/\s+/g, ' ').trim())}`)
				.sort()
				.join('+'),
		)
		.join(',');
}

/** The DN of the parent entry (empty for a top-level entry). */
export function parentDn(dn: string, field = 'DN'): string {
	return formatDn(parseDn(dn, field).slice(1));
}

/** Writes RDNs back as a DN string, escaping values per RFC 4514. */
export function formatDn(rdns: Rdn[]): string {
	return rdns.map((rdn) => rdn.map((ava) => `${ava.type}=${escapeDnValue(ava.value)}`).join('+')).join(',');
}

function printable(text: string): string {
	const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text;
	return shown.replace(/[\u0000-\u001f\u007f]/g, (char) => `\\${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function parse(dn: string): Rdn[] {
	const rdns: Rdn[] = [];
	if (dn.trim() === '') return rdns;
	let position = 0;
	const skipSpaces = () => {
		while (dn[position] === ' ') position++;
	};
	let rdn: Rdn = [];
	for (;;) {
		skipSpaces();
		const typeStart = position;
		while (position < dn.length && /[A-Za-z0-9.-]/.test(dn[position])) position++;
		let type = dn.slice(typeStart, position);
		if (/^oid\./i.test(type)) type = type.slice(4);
		if (type === '') throw new DnSyntaxError(`an attribute type is missing at position ${typeStart + 1}`);
		if (!DESCR.test(type) && !NUMERIC_OID.test(type)) throw new DnSyntaxError(`"${type}" is not an attribute type`);
		skipSpaces();
		if (dn[position] !== '=') throw new DnSyntaxError(`"=" expected after "${type}"`);
		position++;
		skipSpaces();
		const { value, end } = dn[position] === '#' ? readHexValue(dn, position) : readStringValue(dn, position);
		position = end;
		rdn.push({ type, value });
		if (position >= dn.length) {
			rdns.push(rdn);
			return rdns;
		}
		const separator = dn[position];
		position++;
		if (separator === ',') {
			rdns.push(rdn);
			rdn = [];
			if (dn.slice(position).trim() === '') throw new DnSyntaxError('it ends with ","');
		} else if (separator !== '+') {
			throw new DnSyntaxError(`unexpected "${separator}" at position ${position}`);
		}
	}
}

/** `#` followed by the hex of a BER encoding; kept as that text (servers compare it as such). */
function readHexValue(dn: string, start: number): { value: string; end: number } {
	let position = start + 1;
	while (position < dn.length && /[0-9A-Fa-f]/.test(dn[position])) position++;
	const hex = dn.slice(start + 1, position);
	if (hex.length === 0 || hex.length % 2 !== 0)
		throw new DnSyntaxError('a value starting with "#" needs an even number of hex digits');
	while (dn[position] === ' ') position++;
	if (position < dn.length && dn[position] !== ',' && dn[position] !== '+')
		throw new DnSyntaxError(`unexpected "${dn[position]}" after a hex value`);
	return { value: `#${hex.toLowerCase()}`, end: position };
}

function readStringValue(dn: string, start: number): { value: string; end: number } {
	const bytes: number[] = [];
	let position = start;
	/** Bytes up to the last non-space or escaped character: unescaped trailing spaces are dropped. */
	let significant = 0;
	while (position < dn.length) {
		const char = dn[position];
		if (char === ',' || char === '+') break;
		if (char === '\\') {
			const next = dn[position + 1];
			if (next === undefined) throw new DnSyntaxError('it ends with a lone backslash');
			if (/[0-9A-Fa-f]/.test(next) && /[0-9A-Fa-f]/.test(dn[position + 2] ?? '')) {
				bytes.push(parseInt(dn.slice(position + 1, position + 3), 16));
				position += 3;
			} else if (SPECIAL.includes(next) || next === ' ') {
				bytes.push(next.charCodeAt(0));
				position += 2;
			} else {
				throw new DnSyntaxError(`"\\${next}" is not a valid escape`);
			}
			significant = bytes.length;
			continue;
		}
		if (char === '\0') throw new DnSyntaxError('it contains a NUL character');
		if ('";<>'.includes(char)) throw new DnSyntaxError(`"${char}" must be escaped as "\\${char}"`);
		// Whole code points, so characters outside the BMP keep both halves of their surrogate pair.
		const codePoint = String.fromCodePoint(dn.codePointAt(position) ?? 0);
		for (const byte of Buffer.from(codePoint, 'utf8')) bytes.push(byte);
		if (char !== ' ') significant = bytes.length;
		position += codePoint.length;
	}
	const value = decodeUtf8(Buffer.from(bytes.slice(0, significant)));
	if (value === undefined) throw new DnSyntaxError('an escaped value is not valid UTF-8');
	if (value.includes('\0')) throw new DnSyntaxError('it contains a NUL character');
	return { value, end: position };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The text the bytes encode, or undefined when they are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
	try {
		return UTF8.decode(bytes);
	} catch {
		return undefined;
	}
}
