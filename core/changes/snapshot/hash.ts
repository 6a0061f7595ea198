/**
 * Small non-cryptographic hashes for the change snapshot and event ids. Two independent 32-bit FNV-1a
 * variants over the UTF-16 code units give up to 8 bytes; they only have to tell "changed" from
 * "unchanged" and survive a JSON round trip, never to resist an attacker (ids are not secrets).
 */

function fnv1a(text: string, seed: number): number {
	let hash = seed >>> 0;
	for (let index = 0; index < text.length; index++) {
		hash ^= text.charCodeAt(index);
		hash = Math.imul(hash, 0x01000193);
	}
	// A final avalanche, so that short inputs differing in one character differ in every byte.
	hash ^= hash >>> 16;
	hash = Math.imul(hash, 0x85ebca6b);
	hash ^= hash >>> 13;
	return hash >>> 0;
}

const SEED_A = 0x811c9dc5;
const SEED_B = 0x050c5d1f;

/** The 32-bit hash writeHash's first four bytes hold (little-endian), without allocating. */
export function hash32(text: string): number {
	return fnv1a(text, SEED_A);
}

/** Streaming form of hash32: start, feed UTF-16 code units, finish (for text never built as a string). */
export const HASH32_START = SEED_A | 0;

export function hash32Feed(hash: number, code: number): number {
	return Math.imul(hash ^ code, 0x01000193);
}

export function hash32Finish(state: number): number {
	let hash = state;
	hash ^= hash >>> 16;
	hash = Math.imul(hash, 0x85ebca6b);
	hash ^= hash >>> 13;
	return hash >>> 0;
}

/** `size` (1–8) hash bytes of the text, written into `target` at `offset`. */
export function writeHash(text: string, size: number, target: Uint8Array, offset: number): void {
	const a = fnv1a(text, SEED_A);
	const b = size > 4 ? fnv1a(text, SEED_B) : 0;
	for (let index = 0; index < size; index++) {
		const word = index < 4 ? a : b;
		target[offset + index] = (word >>> (8 * (index % 4))) & 0xff;
	}
}

/** A 4-bit hash (0–15) of the text. */
export function nibbleHash(text: string): number {
	return fnv1a(text, SEED_B) & 0x0f;
}

/** A 2-bit hash (0–3) of the text: the same bits as the low bits of nibbleHash. */
export function twoBitHash(text: string): number {
	return fnv1a(text, SEED_B) & 0x03;
}

/** A hash of the text in 1–`values` (never 0: 0 marks "not stored", e.g. in records written before it). */
export function nonZeroHash(text: string, values: number): number {
	return 1 + ((fnv1a(text, SEED_B) >>> 4) % values);
}

/** A 64-bit hash as 16 hex characters. */
export function hashHex(text: string): string {
	// writeHash's 8 bytes (each word little-endian) in hex, without the bytes: one per event id of every poll.
	return wordHex(fnv1a(text, SEED_A)) + wordHex(fnv1a(text, SEED_B));
}

/** Each byte's two hex digits, made on first use. */
let hexBytes: string[] | undefined;

/** A 32-bit word's bytes, least significant first, in hex. */
function wordHex(word: number): string {
	const hex = (hexBytes ??= Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0')));
	return hex[word & 0xff] + hex[(word >>> 8) & 0xff] + hex[(word >>> 16) & 0xff] + hex[word >>> 24];
}

/** A value as the text that is hashed: a multi-valued attribute's values sorted (their order does not count). */
export function valueText(value: string | string[] | undefined): string {
	if (value === undefined) return '';
	return Array.isArray(value) ? [...value].sort().join('\u0001') : value;
}
