/**
 * A faster decoder for ldapts 8's SearchResultEntry messages, installed on its exported SearchEntry class.
 *
 * Why: reading 58,000 entries of 16 attributes, ldapts spent most of its time (profiled) making one Buffer
 * per attribute value, decoding each through a fatal TextDecoder, testing a regular expression per
 * attribute, then copying everything into the entry object in toObject with a locale-aware lower-casing
 * of every attribute name; a fifth of the time went to collecting that garbage. This decoder reads the
 * BER of one entry in a single pass straight into the entry object ldapts would have built, making
 * Buffers only where ldapts returns Buffers.
 *
 * Same results as ldapts's own SearchEntry.toObject (a test compares both on real entries): `dn`, then
 * each returned attribute under its type as the server spelled it, one value bare, several as an array,
 * none as []; values as text when they are valid UTF-8, else every value of that attribute as a Buffer;
 * `;binary` types and `explicitBufferAttributes` as Buffers; requested attributes that did not come back
 * as []. One deliberate difference: a value starting with a byte order mark keeps it (ldapts's
 * TextDecoder drops it), so that text and bytes of a value always agree.
 *
 * It relies on the BER reader ldapts hands to parseMessage (asn1 0.2: `_buf`, `_offset`, `_size`); when
 * the reader does not look like that, it falls back to ldapts's own parsing.
 */

/** Only asked when a value decodes to text containing U+FFFD: were its bytes valid UTF-8 after all? */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function isUtf8(bytes: Uint8Array): boolean {
	try {
		strictUtf8.decode(bytes);
		return true;
	} catch {
		return false;
	}
}

type Value = string | Buffer;
type DecodedEntry = Record<string, Value | Value[]> & { dn: string };

/** The parts of asn1's BerReader this decoder reads and advances. */
interface BerReaderState {
	_buf: Buffer;
	_offset: number;
	_size: number;
}

/** The parts of ldapts's SearchEntry class this decoder replaces. */
interface SearchEntryClass {
	prototype: {
		parseMessage(reader: unknown): void;
		toObject(requestAttributes: string[], explicitBufferAttributes: string[]): unknown;
	};
}

interface DecodingSearchEntry {
	name: string;
	/** The entry decoded by parseMessage, until toObject hands it out. */
	[DECODED]?: DecodedEntry;
	/** The attribute types in the order they came, for toObject. */
	[TYPES]?: string[];
	/** Whether toObject already handed the decoded entry out. */
	[HANDED_OUT]?: boolean;
}

const DECODED = Symbol('decoded entry');
const TYPES = Symbol('attribute types');
const HANDED_OUT = Symbol('handed out');
const INSTALLED = Symbol('ldapts own search entry methods');

const OCTET_STRING = 0x04;
const SEQUENCE = 0x30;
const SET = 0x31;

class BerSyntaxError extends Error {}

/** Buffer's own byte-to-text copy, without toString's argument handling (about half of a short value's cost). */
interface Latin1Slicer {
	latin1Slice(start: number, end: number): string;
}

/** A position in one message's bytes. */
class BerCursor {
	/** Whether the last decode() had non-ASCII bytes to decode as UTF-8. */
	decodedUtf8 = false;
	private readonly latin1: Latin1Slicer;

	constructor(
		readonly bytes: Buffer,
		public position: number,
		readonly end: number,
	) {
		const slicer = bytes as unknown as Partial<Latin1Slicer>;
		this.latin1 =
			typeof slicer.latin1Slice === 'function'
				? (slicer as Latin1Slicer)
				: { latin1Slice: (start, finish) => bytes.toString('latin1', start, finish) };
	}

	/** Reads a tag (which must be `tag`) and its length; returns where the content ends. */
	enter(tag: number): number {
		const { bytes } = this;
		if (this.position >= this.end) throw new BerSyntaxError('unexpected end of a search entry');
		const found = bytes[this.position];
		if (found !== tag)
			throw new BerSyntaxError(`expected tag 0x${tag.toString(16)}, got 0x${found.toString(16)} in a search entry`);
		let at = this.position + 1;
		let length = bytes[at++];
		if (length & 0x80) {
			const octets = length & 0x7f;
			if (octets === 0 || octets > 4) throw new BerSyntaxError('unsupported length in a search entry');
			length = 0;
			for (let index = 0; index < octets; index++) length = length * 256 + bytes[at++];
		}
		const contentEnd = at + length;
		if (contentEnd > this.end) throw new BerSyntaxError('a search entry is longer than its message');
		this.position = at;
		return contentEnd;
	}

	/** Reads an OCTET STRING as text, replacing invalid UTF-8 (as ldapts reads DNs and attribute types). */
	text(): string {
		const end = this.enter(OCTET_STRING);
		const value = this.decode(this.position, end);
		this.position = end;
		return value;
	}

	/**
	 * Reads an attribute type, returning the very string the previous entry had at this place when the
	 * bytes are the same: entries of one search mostly come with the same attributes in the same order,
	 * and a string already used as a property key is cheaper to use as one again.
	 */
	type(index: number): string {
		const end = this.enter(OCTET_STRING);
		const known = recentTypes[index];
		if (known !== undefined && known.length === end - this.position) {
			let at = this.position;
			while (at < end && this.bytes[at] === known.charCodeAt(at - this.position)) at++;
			if (at === end) {
				this.position = end;
				return known;
			}
		}
		const type = this.decode(this.position, end);
		this.position = end;
		// Only ASCII types: the comparison above matches bytes with characters.
		if (!this.decodedUtf8 && index < 256) recentTypes[index] = type;
		return type;
	}

	/**
	 * The bytes as UTF-8 text, invalid sequences replaced by U+FFFD. ASCII (nearly all directory data) is
	 * copied byte for byte: cheaper than decoding, and unlike a substring of the whole message it does
	 * not keep the message's text alive as long as the value.
	 */
	decode(start: number, end: number): string {
		this.decodedUtf8 = !this.isAscii(start, end);
		return this.decodedUtf8 ? this.bytes.toString('utf8', start, end) : this.latin1.latin1Slice(start, end);
	}

	isAscii(start: number, end: number): boolean {
		const { bytes } = this;
		for (let at = start; at < end; at++) if (bytes[at] > 0x7f) return false;
		return true;
	}
}

/** The attribute types of the last entries decoded, by position (see BerCursor.type). */
const recentTypes: string[] = [];

/**
 * Reads the values of one attribute (the cursor is on its SET) as ldapts would: texts, unless one of them
 * is not valid UTF-8 or the type is `;binary`, in which case all of them are Buffers. One value comes back
 * bare (no array made for it: most attributes have one), several as an array, none as [].
 */
function readValues(cursor: BerCursor, binary: boolean): Value | Value[] {
	const setEnd = cursor.enter(SET);
	const start = cursor.position;
	if (!binary) {
		let first: string | undefined;
		let several: string[] | undefined;
		while (cursor.position < setEnd) {
			const end = cursor.enter(OCTET_STRING);
			const value = cursor.decode(cursor.position, end);
			// U+FFFD is rare in directory data: only then check whether the bytes were valid UTF-8.
			if (cursor.decodedUtf8 && value.includes('\uFFFD') && !isUtf8(cursor.bytes.subarray(cursor.position, end))) {
				binary = true;
				break;
			}
			cursor.position = end;
			if (first === undefined) first = value;
			else if (several === undefined) several = [first, value];
			else several.push(value);
		}
		if (!binary) return several ?? first ?? [];
		cursor.position = start;
	}
	const buffers: Buffer[] = [];
	while (cursor.position < setEnd) {
		const end = cursor.enter(OCTET_STRING);
		// A copy: a view would keep the whole socket chunk alive as long as the value.
		buffers.push(Buffer.from(cursor.bytes.subarray(cursor.position, end)));
		cursor.position = end;
	}
	return buffers.length === 1 ? buffers[0] : buffers;
}

function isBinaryType(type: string): boolean {
	return type.length > 7 && type.charCodeAt(type.length - 7) === 0x3b && type.slice(-6).toLowerCase() === 'binary';
}

function isReaderState(reader: unknown): reader is BerReaderState {
	const state = reader as Partial<BerReaderState> | null;
	return (
		state !== null &&
		typeof state === 'object' &&
		Buffer.isBuffer(state._buf) &&
		typeof state._offset === 'number' &&
		typeof state._size === 'number'
	);
}

function decodeEntry(entry: DecodingSearchEntry, reader: BerReaderState): void {
	const cursor = new BerCursor(reader._buf, reader._offset, reader._size);
	const dn = cursor.text();
	const attributesEnd = cursor.enter(SEQUENCE);
	const decoded = { dn } as DecodedEntry;
	const types: string[] = [];
	while (cursor.position < attributesEnd) {
		const attributeEnd = cursor.enter(SEQUENCE);
		const type = cursor.type(types.length);
		const values = cursor.position < attributeEnd ? readValues(cursor, isBinaryType(type)) : [];
		cursor.position = attributeEnd;
		types.push(type);
		decoded[type] = values;
	}
	reader._offset = attributesEnd;
	entry.name = dn;
	entry[DECODED] = decoded;
	entry[TYPES] = types;
}

function toBuffers(value: Value | Value[]): Buffer | Buffer[] {
	const asBuffer = (item: Value) => (typeof item === 'string' ? Buffer.from(item, 'utf8') : item);
	return Array.isArray(value) ? value.map(asBuffer) : asBuffer(value);
}

function copyEntry(decoded: DecodedEntry, types: string[]): DecodedEntry {
	const copy = { dn: decoded.dn } as DecodedEntry;
	for (const type of types) {
		const value = decoded[type];
		copy[type] = Array.isArray(value) ? [...value] : value;
	}
	return copy;
}

function finishEntry(
	entry: DecodingSearchEntry,
	requestAttributes: string[],
	explicitBufferAttributes: string[],
): DecodedEntry {
	const decoded = entry[DECODED] as DecodedEntry;
	const types = entry[TYPES] as string[];
	// ldapts builds a fresh object per call: the decoded one is handed out once, later calls get copies.
	const result: DecodedEntry = entry[HANDED_OUT] ? copyEntry(decoded, types) : decoded;
	entry[HANDED_OUT] = true;
	for (const type of explicitBufferAttributes) {
		if (types.includes(type)) result[type] = toBuffers(decoded[type]);
	}
	for (const attribute of missingAttributes(requestAttributes, types, result)) result[attribute] = [];
	return result;
}

/** The requested attributes an entry came without, as found for the last entry (see missingAttributes). */
let lastMissing: { requested: string[]; types: string[]; missing: string[] } | undefined;

/**
 * The requested attributes that did not come back, in any spelling (the server may write givenname as
 * givenName). Entries of one search mostly have the same attribute types as the entry before, then the
 * answer is the same.
 */
function missingAttributes(requested: string[], types: string[], result: DecodedEntry): string[] {
	if (
		lastMissing !== undefined &&
		sameStrings(lastMissing.requested, requested) &&
		sameStrings(lastMissing.types, types)
	)
		return lastMissing.missing;
	const missing: string[] = [];
	for (const attribute of requested) {
		if (result[attribute] !== undefined) continue;
		const wanted = lowerCase(attribute);
		if (!types.some((type) => type.length === attribute.length && lowerCase(type) === wanted)) missing.push(attribute);
	}
	lastMissing = { requested: [...requested], types, missing };
	return missing;
}

function sameStrings(known: string[], given: string[]): boolean {
	if (known.length !== given.length) return false;
	for (let index = 0; index < known.length; index++) if (known[index] !== given[index]) return false;
	return true;
}

/** Lower-cased attribute names, remembered: a listing meets the same few names in every entry. */
const lowerCased = new Map<string, string>();

function lowerCase(name: string): string {
	let lower = lowerCased.get(name);
	if (lower === undefined) {
		if (lowerCased.size >= 1000) lowerCased.clear();
		lower = name.toLowerCase();
		lowerCased.set(name, lower);
	}
	return lower;
}

interface LdaptsMethods {
	parseMessage: SearchEntryClass['prototype']['parseMessage'];
	toObject: SearchEntryClass['prototype']['toObject'];
}

type InstallablePrototype = SearchEntryClass['prototype'] & { [INSTALLED]?: LdaptsMethods };

/**
 * Installs the decoder on ldapts's SearchEntry class (once). Returns false, changing nothing, when the
 * class does not have the methods it replaces.
 */
export function installSearchEntryDecoder(searchEntryClass: SearchEntryClass): boolean {
	const prototype = searchEntryClass.prototype as InstallablePrototype;
	if (prototype[INSTALLED] !== undefined) return true;
	const { parseMessage, toObject } = prototype;
	if (typeof parseMessage !== 'function' || typeof toObject !== 'function') return false;
	prototype[INSTALLED] = { parseMessage, toObject };
	prototype.parseMessage = function (this: DecodingSearchEntry, reader: unknown): void {
		if (isReaderState(reader)) decodeEntry(this, reader);
		else parseMessage.call(this, reader);
	};
	prototype.toObject = function (
		this: DecodingSearchEntry,
		requestAttributes: string[],
		explicitBufferAttributes: string[],
	): unknown {
		if (this[DECODED] === undefined) return toObject.call(this, requestAttributes, explicitBufferAttributes);
		return finishEntry(this, requestAttributes ?? [], explicitBufferAttributes ?? []);
	};
	return true;
}

/** Puts ldapts's own decoding back (for tests and benchmarks that compare both). */
export function uninstallSearchEntryDecoder(searchEntryClass: SearchEntryClass): void {
	const prototype = searchEntryClass.prototype as InstallablePrototype;
	const own = prototype[INSTALLED];
	if (own === undefined) return;
	prototype.parseMessage = own.parseMessage;
	prototype.toObject = own.toObject;
	delete prototype[INSTALLED];
}
