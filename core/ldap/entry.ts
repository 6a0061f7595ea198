import type { Entry } from '../../transport/ldap/ldapts';

/** Helpers to read ldapts entries, whose attribute names keep the server's case and whose values vary in shape. */

/** An attribute's value as ldapts gives it (texts or Buffers, bare or in an array), in any case of its name. */
export function rawValue(entry: Entry, name: string): Entry[string] | undefined {
	if (name in entry) return entry[name];
	// Called for every attribute an entry lacks (most status attributes, on most entries): no list of the keys, and
	// only keys of the name's length lower-cased.
	let lower: string | undefined;
	for (const key in entry) {
		if (key.length !== name.length || !Object.prototype.hasOwnProperty.call(entry, key)) continue;
		lower ??= name.toLowerCase();
		if (key.toLowerCase() === lower) return entry[key];
	}
	return undefined;
}

function asText(value: string | Buffer): string {
	return typeof value === 'string' ? value : value.toString('utf8');
}

/** All values of an attribute as strings (binary values read as UTF-8). */
export function attributeValues(entry: Entry, name: string): string[] {
	const value = rawValue(entry, name);
	if (value === undefined) return [];
	return (Array.isArray(value) ? value : [value]).map(asText);
}

/** The first value of an attribute, or undefined. */
export function attributeValue(entry: Entry, name: string): string | undefined {
	const value = rawValue(entry, name);
	// The first of attributeValues(), without the arrays (read for every entry of a full read).
	const first = Array.isArray(value) ? value[0] : value;
	return first === undefined ? undefined : asText(first);
}

/** The raw buffer of a binary attribute (objectGUID), when it was requested as a buffer. */
export function binaryValue(entry: Entry, name: string): Buffer | undefined {
	const value = rawValue(entry, name);
	const single = Array.isArray(value) ? value[0] : value;
	return Buffer.isBuffer(single) ? single : undefined;
}

/** An LDAP boolean ("TRUE"/"FALSE", case-insensitive). */
export function isTrue(value: string | undefined): boolean {
	return value !== undefined && value.trim().toUpperCase() === 'TRUE';
}
