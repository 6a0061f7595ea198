/**
 * Text forms of the snapshot's binary records, dense and JSON-safe:
 * - base 85 over an alphabet in ascending ASCII order, 4 bytes → 5 characters (base64 needs 5.33), with
 *   no character JSON escapes; fixed-size records stay character-aligned, so one record can be read
 *   from the stored text without decoding the rest;
 * - the key heads: users are sorted by key, so the first two key bytes of consecutive users rise slowly;
 *   they are stored once for all users as Rice-coded gaps (about 1.7 bits per user at 100,000 users)
 *   instead of 2 bytes in every record;
 * - and, inside the records, the 32-bit numbers (hashes) as 4 bytes, least significant first.
 */

/** 85 printable ASCII characters in ascending order, without `"` `\` `'` `<` `>` `&` `` ` `` or `$`. */
const ALPHABET = '#%()*+,-./0123456789:;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_abcdefghijklmnopqrstuvwxyz{|}~';
const DIGITS = ALPHABET.split('').sort().join('');
const VALUE_OF = new Int8Array(128).fill(-1);
for (let index = 0; index < DIGITS.length; index++) VALUE_OF[DIGITS.charCodeAt(index)] = index;

/** Text made only of whole base 85 blocks of the alphabet. */
export function isBase85Text(text: string): boolean {
	if (text.length % BASE85_BLOCK_CHARS !== 0) return false;
	for (let index = 0; index < text.length; index++) {
		const code = text.charCodeAt(index);
		if (code >= 128 || VALUE_OF[code] < 0) return false;
	}
	return true;
}

export const BASE85_BLOCK_BYTES = 4;
export const BASE85_BLOCK_CHARS = 5;

/** `bytes` (a multiple of 4 long) as base 85 text. */
export function encodeBase85(bytes: Uint8Array): string {
	const chars: string[] = [];
	const digits = new Array<string>(BASE85_BLOCK_CHARS);
	for (let offset = 0; offset < bytes.length; offset += BASE85_BLOCK_BYTES) {
		let value =
			((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>> 0;
		for (let digit = BASE85_BLOCK_CHARS - 1; digit >= 0; digit--) {
			digits[digit] = DIGITS[value % 85];
			value = Math.floor(value / 85);
		}
		chars.push(digits.join(''));
	}
	return chars.join('');
}

/** Decodes `blocks` blocks of base 85 text starting at character `from` into `target` at `offset`. */
export function decodeBase85Into(text: string, from: number, blocks: number, target: Uint8Array, offset: number): void {
	let at = from;
	let out = offset;
	for (let block = 0; block < blocks; block++) {
		let value = 0;
		for (let digit = 0; digit < BASE85_BLOCK_CHARS; digit++)
			value = value * 85 + VALUE_OF[text.charCodeAt(at++) & 0x7f];
		target[out++] = (value >>> 24) & 0xff;
		target[out++] = (value >>> 16) & 0xff;
		target[out++] = (value >>> 8) & 0xff;
		target[out++] = value & 0xff;
	}
}

/**
 * Sorted 16-bit values (the users' key heads) as text: Rice parameter letter, then base64 of the bit
 * stream of gaps (quotient in unary, `k` low bits as they are). `k` fits the mean gap, 65,536 ÷ count.
 */
export function encodeKeyHeads(heads: Uint16Array): string {
	let k = 0;
	while (k < 15 && heads.length << (k + 1) <= 65536) k++;
	const bytes = new Uint8Array(Math.ceil((heads.length * (k + 1) + 65536 / 2 ** k + 8) / 8));
	let bit = 0;
	const put = (one: boolean) => {
		if (one) bytes[bit >>> 3] |= 0x80 >>> (bit & 7);
		bit++;
	};
	let previous = 0;
	for (const head of heads) {
		const gap = head - previous;
		previous = head;
		for (let quotient = gap >>> k; quotient > 0; quotient--) put(true);
		put(false);
		for (let index = k - 1; index >= 0; index--) put(((gap >>> index) & 1) === 1);
	}
	return String.fromCharCode(97 + k) + Buffer.from(bytes.subarray(0, Math.ceil(bit / 8))).toString('base64');
}

export function decodeKeyHeads(text: string, count: number): Uint16Array {
	const heads = new Uint16Array(count);
	if (count === 0) return heads;
	const k = text.charCodeAt(0) - 97;
	const bytes = Buffer.from(text.slice(1), 'base64');
	let bit = 0;
	const next = () => {
		const one = (bytes[bit >>> 3] & (0x80 >>> (bit & 7))) !== 0;
		bit++;
		return one;
	};
	let previous = 0;
	for (let index = 0; index < count; index++) {
		let gap = 0;
		while (next()) gap++;
		for (let low = 0; low < k; low++) gap = (gap << 1) | (next() ? 1 : 0);
		previous += gap;
		heads[index] = previous;
	}
	return heads;
}

/** Why `text` cannot be the key heads of `count` records (read past its end, or heads beyond two bytes); undefined when it can. */
export function keyHeadsProblem(text: string, count: number): string | undefined {
	if (count === 0) return undefined;
	const k = text.charCodeAt(0) - 97;
	if (!(k >= 0 && k <= 16) || !/^[A-Za-z0-9+/]*=*$/.test(text.slice(1))) return 'the key heads are not Rice-coded text';
	const bytes = Buffer.from(text.slice(1), 'base64');
	const bits = bytes.length * 8;
	let bit = 0;
	let previous = 0;
	for (let index = 0; index < count; index++) {
		let gap = 0;
		while (bit < bits && (bytes[bit >>> 3] & (0x80 >>> (bit & 7))) !== 0) {
			gap++;
			bit++;
		}
		bit += 1 + k;
		if (bit > bits) return `the key heads end after ${index} of ${count} users`;
		for (let low = k; low > 0; low--)
			gap = gap * 2 + ((bytes[(bit - low) >>> 3] & (0x80 >>> ((bit - low) & 7))) !== 0 ? 1 : 0);
		previous += gap;
		if (previous > 0xffff) return 'the key heads go beyond two bytes';
	}
	return undefined;
}

export function writeUint32(value: number, target: Uint8Array, offset: number): void {
	for (let index = 0; index < 4; index++) target[offset + index] = (value >>> (8 * index)) & 0xff;
}

export function readUint32(source: Uint8Array, offset: number): number {
	return (source[offset] | (source[offset + 1] << 8) | (source[offset + 2] << 16) | (source[offset + 3] << 24)) >>> 0;
}
