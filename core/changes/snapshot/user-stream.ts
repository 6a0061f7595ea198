/**
 * The users as stored: chunks of up to USERS_PER_CHUNK users sorted by key, each chunk one base 85 string
 * (record-codec.ts) of
 *   count (2 bytes) · the users · zero padding to a whole block
 * and each user
 *   byte 0       bits 0–3 how many first key bytes it shares with the user before it in the chunk (0 for the
 *                first); bits 4–6 status; bit 7 the password hash's bit 0
 *   the rest of its key (16 − shared bytes)
 *   byte 0       bits 0–1 key format; bits 2–4 extras hash; bits 5–7 the password hash's bits 1–3
 *   bytes 1–4    whole hash · bytes 5–7 field hashes · bytes 8–11 DN hash (user-record.ts)
 * Sorted time-based UUIDs share about 12 of their 16 key bytes with their neighbour, so a user of OpenLDAP
 * takes about 17 bytes; a random id (AD objectGUID, OTDS uuid) about 27 (the id alone needs 14).
 *
 * Chunks make a poll's cost follow what changed: a poll that changed 100 users encodes again the chunks that
 * hold them and keeps every other chunk's string as it is.
 */
import { BASE85_BLOCK_BYTES, BASE85_BLOCK_CHARS, decodeBase85Into, encodeBase85, isBase85Text } from './record-codec';
import {
	USER_DN_HASH_OFFSET,
	USER_FIELD_HASHES_OFFSET,
	USER_PASSWORD_BYTE,
	USER_RECORD_BYTES,
	USER_STATUS_BYTE,
	USER_VALUES_HASH_OFFSET,
} from './user-record';

/** Users per chunk as written (a chunk that grew past twice this is split when it is written again). */
export const USERS_PER_CHUNK = 128;
const KEY_BYTES = 16;
/** The most a user takes stored: a byte, a whole key, 12 bytes. */
const MAX_STORED_USER = 1 + KEY_BYTES + 12;

/** How many users a stored chunk holds, from its first block alone (−1: not a chunk). */
export function chunkUserCount(text: unknown): number {
	if (typeof text !== 'string' || text.length < BASE85_BLOCK_CHARS) return -1;
	const head = new Uint8Array(BASE85_BLOCK_BYTES);
	decodeBase85Into(text, 0, 1, head, 0);
	return head[0] | (head[1] << 8);
}

/** Orders the in-memory records at `a` and `b` by key, then key format: as the users are sorted. */
export function compareRecords(bytes: Uint8Array, a: number, other: Uint8Array, b: number): number {
	for (let index = 0; index < KEY_BYTES; index++)
		if (bytes[a + index] !== other[b + index]) return bytes[a + index] - other[b + index];
	return ((bytes[a + USER_STATUS_BYTE] >>> 3) & 3) - ((other[b + USER_STATUS_BYTE] >>> 3) & 3);
}

/** How many first key bytes the record at `position` shares with the one before it in a chunk starting at `from`. */
function sharedKeyBytes(records: Uint8Array, position: number, from: number): number {
	if (position === from) return 0;
	const offset = position * USER_RECORD_BYTES;
	const previous = offset - USER_RECORD_BYTES;
	let shared = 0;
	while (shared < 15 && records[offset + shared] === records[previous + shared]) shared++;
	return shared;
}

/** Writes the stored form of the record at `position` (sharing `shared` key bytes) into `bytes` at `out`; returns its end. */
function writeStoredUser(
	records: Uint8Array,
	position: number,
	shared: number,
	bytes: Uint8Array,
	out: number,
): number {
	const offset = position * USER_RECORD_BYTES;
	const flags = records[offset + USER_STATUS_BYTE];
	const password = records[offset + USER_PASSWORD_BYTE];
	bytes[out++] = shared | ((flags & 0x07) << 4) | ((password & 1) << 7);
	for (let index = shared; index < KEY_BYTES; index++) bytes[out++] = records[offset + index];
	bytes[out++] = ((flags >>> 3) & 0x03) | (((flags >>> 5) & 0x07) << 2) | (((password >>> 1) & 0x07) << 5);
	for (let index = 0; index < 4; index++) bytes[out++] = records[offset + USER_VALUES_HASH_OFFSET + index];
	for (let index = 0; index < 3; index++) bytes[out++] = records[offset + USER_FIELD_HASHES_OFFSET + index];
	for (let index = 0; index < 4; index++) bytes[out++] = records[offset + USER_DN_HASH_OFFSET + index];
	return out;
}

/** The in-memory records [from, to) of `records` as one stored chunk. */
export function encodeUserChunk(records: Uint8Array, from: number, to: number): string {
	const count = to - from;
	const bytes = new Uint8Array(Math.ceil((2 + count * MAX_STORED_USER) / 4) * 4);
	bytes[0] = count & 0xff;
	bytes[1] = count >>> 8;
	let out = 2;
	for (let position = from; position < to; position++)
		out = writeStoredUser(records, position, sharedKeyBytes(records, position, from), bytes, out);
	return encodeBase85(bytes.subarray(0, Math.ceil(out / 4) * 4));
}

/**
 * The chunk `text` (the stored form of the records [from, to) before) after the records at `positions` (ascending,
 * within [from, to)) changed anything but their keys: a user's stored bytes keep their place and length then, so
 * only the blocks that hold them are encoded again (a poll of 100 changes wrote 100 chunks of 128 users whole).
 * A text not laid out as encodeUserChunk writes it is encoded whole.
 */
export function patchUserChunk(
	text: string,
	records: Uint8Array,
	from: number,
	to: number,
	positions: number[],
): string {
	const parts: string[] = [];
	/** Blocks of `text` already in `parts`. */
	let copied = 0;
	/** The blocks being patched: [first, first + patched.length / 4). */
	let patched: Uint8Array | undefined;
	let first = 0;
	const flush = () => {
		if (patched === undefined) return;
		parts.push(text.slice(copied * BASE85_BLOCK_CHARS, first * BASE85_BLOCK_CHARS), encodeBase85(patched));
		copied = first + patched.length / BASE85_BLOCK_BYTES;
		patched = undefined;
	};
	const user = new Uint8Array(BASE85_BLOCK_BYTES);
	let offset = 2;
	let next = 0;
	for (let position = from; position < to; position++) {
		const shared = sharedKeyBytes(records, position, from);
		const end = offset + 1 + KEY_BYTES - shared + 12;
		if (next < positions.length && positions[next] === position) {
			next++;
			const start = offset >>> 2;
			const stop = (end + 3) >>> 2;
			if (stop * BASE85_BLOCK_CHARS > text.length) return encodeUserChunk(records, from, to);
			// The stored user must say it shares as many bytes as its key does, or the layout is not this encoder's.
			decodeBase85Into(text, start * BASE85_BLOCK_CHARS, 1, user, 0);
			if ((user[offset - start * BASE85_BLOCK_BYTES] & 0x0f) !== shared) return encodeUserChunk(records, from, to);
			const patchedEnd = patched === undefined ? 0 : first + patched.length / BASE85_BLOCK_BYTES;
			if (patched !== undefined && start < patchedEnd) {
				// Shares a block with the user patched before: the range grows.
				if (stop > patchedEnd) {
					const grown = new Uint8Array((stop - first) * BASE85_BLOCK_BYTES);
					grown.set(patched);
					decodeBase85Into(text, patchedEnd * BASE85_BLOCK_CHARS, stop - patchedEnd, grown, patched.length);
					patched = grown;
				}
			} else {
				flush();
				first = start;
				patched = new Uint8Array((stop - start) * BASE85_BLOCK_BYTES);
				decodeBase85Into(text, start * BASE85_BLOCK_CHARS, stop - start, patched, 0);
			}
			writeStoredUser(records, position, shared, patched as Uint8Array, offset - first * BASE85_BLOCK_BYTES);
		}
		offset = end;
	}
	if (next < positions.length || Math.ceil(offset / 4) * BASE85_BLOCK_CHARS !== text.length)
		return encodeUserChunk(records, from, to);
	flush();
	parts.push(text.slice(copied * BASE85_BLOCK_CHARS));
	return parts.join('');
}

/**
 * Decodes a stored chunk into in-memory records at `position` of `target`, which must have room for its
 * users. Returns the count, or why the text is no chunk (foreign characters, cut short, keys out of order:
 * also against the record before `position`, the last of the chunk before).
 */
export function decodeUserChunk(text: unknown, target: Uint8Array, position: number): number | string {
	const count = chunkUserCount(text);
	if (count < 0 || !isBase85Text(text as string)) return 'the user records are damaged';
	const chars = text as string;
	const bytes = new Uint8Array((chars.length / BASE85_BLOCK_CHARS) * BASE85_BLOCK_BYTES);
	decodeBase85Into(chars, 0, chars.length / BASE85_BLOCK_CHARS, bytes, 0);
	if (target.length < (position + count) * USER_RECORD_BYTES) return 'the user records hold more users than counted';
	let at = 2;
	for (let index = 0; index < count; index++) {
		const offset = (position + index) * USER_RECORD_BYTES;
		if (at >= bytes.length) return 'the user records are cut short';
		const first = bytes[at++];
		const shared = first & 0x0f;
		if (index === 0 && shared !== 0) return 'the user records are damaged';
		if (at + KEY_BYTES - shared + 12 > bytes.length) return 'the user records are cut short';
		if (shared > 0) target.copyWithin(offset, offset - USER_RECORD_BYTES, offset - USER_RECORD_BYTES + shared);
		for (let key = shared; key < KEY_BYTES; key++) target[offset + key] = bytes[at++];
		// Shares every key byte it has in common with the user before (as encodeUserChunk writes it): patchUserChunk
		// finds a user's bytes by that layout.
		if (index > 0 && shared < 15 && target[offset + shared] === target[offset - USER_RECORD_BYTES + shared])
			return 'the user records are damaged';
		const rest = bytes[at++];
		target[offset + USER_STATUS_BYTE] = ((first >>> 4) & 0x07) | ((rest & 0x03) << 3) | (((rest >>> 2) & 0x07) << 5);
		target[offset + USER_PASSWORD_BYTE] = (first >>> 7) | ((rest >>> 5) << 1);
		for (let byte = 0; byte < 4; byte++) target[offset + USER_VALUES_HASH_OFFSET + byte] = bytes[at++];
		for (let byte = 0; byte < 3; byte++) target[offset + USER_FIELD_HASHES_OFFSET + byte] = bytes[at++];
		for (let byte = 0; byte < 4; byte++) target[offset + USER_DN_HASH_OFFSET + byte] = bytes[at++];
		target[offset + 29] = target[offset + 30] = target[offset + 31] = 0;
		if (position + index > 0 && compareRecords(target, offset - USER_RECORD_BYTES, target, offset) >= 0)
			return 'the user records are not in key order';
	}
	for (; at < bytes.length; at++) if (bytes[at] !== 0) return 'the user records hold more than they count';
	return count;
}
