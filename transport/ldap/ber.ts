/**
 * The little BER (X.690) a listening search needs beyond ldapts: reading the tag-length-value elements
 * of LDAP messages and of the control values ldapts does not know, and writing those control values.
 * Definite lengths only, as LDAP requires (RFC 4511, section 5.1).
 */

export const BER = {
	BOOLEAN: 0x01,
	INTEGER: 0x02,
	OCTET_STRING: 0x04,
	ENUMERATED: 0x0a,
	SEQUENCE: 0x30,
	SET: 0x31,
} as const;

export class BerError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'BerError';
	}
}

/** One element: its tag and where its content lies in the bytes it was read from. */
export interface BerElement {
	tag: number;
	/** First content byte. */
	start: number;
	/** One past the last content byte (the next element starts here). */
	end: number;
}

/**
 * The element at `at`, or undefined when `bytes` (up to `limit`) does not yet hold all of it: a stream
 * reader then waits for more. Throws on what can never become valid.
 */
export function peekElement(bytes: Uint8Array, at: number, limit = bytes.length): BerElement | undefined {
	const header = peekHeader(bytes, at, limit);
	return header === undefined || header.end > limit ? undefined : header;
}

/**
 * The element at `at` as its header tells it, its content not necessarily there yet (`end` may lie past `limit`):
 * how long a message is once its first bytes arrived. Undefined while the header itself is cut.
 */
export function peekHeader(bytes: Uint8Array, at: number, limit = bytes.length): BerElement | undefined {
	if (at + 2 > limit) return undefined;
	const tag = bytes[at];
	if ((tag & 0x1f) === 0x1f) throw new BerError('multi-byte tags are not used by LDAP');
	let position = at + 1;
	let length = bytes[position++];
	if (length & 0x80) {
		const octets = length & 0x7f;
		if (octets === 0) throw new BerError('indefinite lengths are not allowed in LDAP');
		if (octets > 4) throw new BerError('element longer than 4 GiB');
		if (position + octets > limit) return undefined;
		length = 0;
		for (let index = 0; index < octets; index++) length = length * 256 + bytes[position++];
	}
	return { tag, start: position, end: position + length };
}

/** Reads the elements of a constructed element (or of any byte range) one after the other. */
export class BerReader {
	private position: number;

	constructor(
		readonly bytes: Buffer,
		start = 0,
		private readonly limit = bytes.length,
	) {
		this.position = start;
	}

	get done(): boolean {
		return this.position >= this.limit;
	}

	/** The tag of the next element, undefined at the end. */
	peekTag(): number | undefined {
		return this.done ? undefined : this.bytes[this.position];
	}

	/** The next element; its tag must be `tag` when given. */
	next(tag?: number): BerElement {
		const element = peekElement(this.bytes, this.position, this.limit);
		if (element === undefined) throw new BerError('element runs past the end of its container');
		if (tag !== undefined && element.tag !== tag)
			throw new BerError(`expected tag 0x${tag.toString(16)}, found 0x${element.tag.toString(16)}`);
		this.position = element.end;
		return element;
	}

	/** A reader over the content of the next element (a SEQUENCE, a SET, a constructed choice). */
	enter(tag?: number): BerReader {
		const element = this.next(tag);
		return new BerReader(this.bytes, element.start, element.end);
	}

	bytesOf(tag: number = BER.OCTET_STRING): Buffer {
		const element = this.next(tag);
		return this.bytes.subarray(element.start, element.end);
	}

	string(tag: number = BER.OCTET_STRING): string {
		return this.bytesOf(tag).toString('utf8');
	}

	/** An INTEGER or ENUMERATED (or an implicitly tagged one), at most 6 bytes, two's complement. */
	integer(tag: number = BER.INTEGER): number {
		const { start, end } = this.next(tag);
		if (end === start || end - start > 6) throw new BerError('integer of unsupported size');
		let value = this.bytes[start] & 0x80 ? -1 : 0;
		for (let index = start; index < end; index++) value = value * 256 + this.bytes[index];
		return value;
	}

	boolean(tag: number = BER.BOOLEAN): boolean {
		const { start, end } = this.next(tag);
		if (end - start !== 1) throw new BerError('boolean of wrong size');
		return this.bytes[start] !== 0;
	}
}

/** Writing: each function returns one whole element. */
export function berElement(tag: number, content: Uint8Array): Buffer {
	const length = content.length;
	let header: number[];
	if (length < 0x80) header = [tag, length];
	else {
		const octets: number[] = [];
		for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
		header = [tag, 0x80 | octets.length, ...octets];
	}
	return Buffer.concat([Buffer.from(header), content]);
}

export const berSequence = (...elements: Uint8Array[]): Buffer => berElement(BER.SEQUENCE, Buffer.concat(elements));

export function berInteger(value: number, tag: number = BER.INTEGER): Buffer {
	if (!Number.isSafeInteger(value)) throw new BerError('integer out of range');
	const octets: number[] = [];
	let rest = value;
	do {
		octets.unshift(((rest % 256) + 256) % 256);
		rest = Math.floor(rest / 256);
	} while (rest !== 0 && rest !== -1);
	// A sign byte when the top bit says otherwise.
	if (value >= 0 && octets[0] & 0x80) octets.unshift(0);
	if (value < 0 && !(octets[0] & 0x80)) octets.unshift(0xff);
	return berElement(tag, Buffer.from(octets));
}

export const berEnumerated = (value: number): Buffer => berInteger(value, BER.ENUMERATED);
export const berBoolean = (value: boolean): Buffer => berElement(BER.BOOLEAN, Buffer.from([value ? 0xff : 0]));
export const berOctetString = (value: Uint8Array | string, tag: number = BER.OCTET_STRING): Buffer =>
	berElement(tag, typeof value === 'string' ? Buffer.from(value, 'utf8') : value);
