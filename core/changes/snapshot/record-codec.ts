/**
 * Text forms of the snapshot's binary records, dense and JSON-safe:
 * - base 85 over an alphabet in ascending ASCII order, 4 bytes → 5 characters (base64 needs 5.33), with
 *   no character JSON escapes; fixed-size records stay character-aligned, so one record can be read
 *   from the stored text without decoding the rest;
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

const DIGIT_CODES = Uint8Array.from(DIGITS, (digit) => digit.charCodeAt(0));

/** `bytes` (a multiple of 4 long) as base 85 text. */
export function encodeBase85(bytes: Uint8Array): string {
	const chars = Buffer.allocUnsafe((bytes.length / BASE85_BLOCK_BYTES) * BASE85_BLOCK_CHARS);
	let out = 0;
	for (let offset = 0; offset < bytes.length; offset += BASE85_BLOCK_BYTES) {
		let value =
			((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>> 0;
		for (let digit = BASE85_BLOCK_CHARS - 1; digit >= 0; digit--) {
			const quotient = Math.floor(value / 85);
			chars[out + digit] = DIGIT_CODES[value - quotient * 85];
			value = quotient;
		}
		out += BASE85_BLOCK_CHARS;
	}
	return chars.toString('latin1');
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

export function writeUint32(value: number, target: Uint8Array, offset: number): void {
	for (let index = 0; index < 4; index++) target[offset + index] = (value >>> (8 * index)) & 0xff;
}

export function readUint32(source: Uint8Array, offset: number): number {
	return (source[offset] | (source[offset + 1] << 8) | (source[offset + 2] << 16) | (source[offset + 3] << 24)) >>> 0;
}
