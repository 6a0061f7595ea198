/**
 * A poll that only changed users writes the chunks that hold them by patching the blocks of each changed user
 * (patchUserChunk) instead of encoding the chunk whole: the text must be exactly what encoding it whole gives,
 * whatever the keys share, however many users of a chunk changed and wherever they sit (two in one block too).
 */
import fc from 'fast-check';
import { decodeUserChunk, encodeUserChunk, patchUserChunk } from '../../core/changes/snapshot/user-stream';
import { USER_PASSWORD_BYTE, USER_RECORD_BYTES, USER_STATUS_BYTE } from '../../core/changes/snapshot/user-record';

/** Sorted distinct 16-byte keys, many sharing a long prefix (as time-based UUIDs do). */
const keys = fc
	.array(
		fc.tuple(fc.integer({ min: 0, max: 16 }), fc.uint8Array({ minLength: 16, maxLength: 16 })).map(([prefix, key]) => {
			key.fill(7, 0, prefix);
			return key;
		}),
		{ minLength: 1, maxLength: 160 },
	)
	.map((list) => {
		const text = (key: Uint8Array) => Buffer.from(key).toString('hex');
		return [...new Map(list.map((key) => [text(key), key])).values()].sort((a, b) => (text(a) < text(b) ? -1 : 1));
	});

/** Records of these keys with the other bytes from `fill` (the key format bits of the status byte kept 0). */
function recordsOf(sorted: Uint8Array[], fill: Uint8Array): Uint8Array {
	const records = new Uint8Array(sorted.length * USER_RECORD_BYTES);
	sorted.forEach((key, at) => {
		const offset = at * USER_RECORD_BYTES;
		records.set(key, offset);
		for (let byte = 16; byte < 29; byte++) records[offset + byte] = fill[(at * 13 + byte) % fill.length];
		records[offset + USER_STATUS_BYTE] &= 0xe7;
		// The password hash has 4 bits.
		records[offset + USER_PASSWORD_BYTE] &= 0x0f;
	});
	return records;
}

/** Changes every byte of the records at `positions` but their keys. */
function change(records: Uint8Array, positions: number[], seed: number): void {
	for (const position of positions)
		for (let byte = 16; byte < 29; byte++) {
			const offset = position * USER_RECORD_BYTES + byte;
			records[offset] = (records[offset] + seed + byte) & 0xff;
			if (byte === USER_STATUS_BYTE) records[offset] &= 0xe7;
			if (byte === USER_PASSWORD_BYTE) records[offset] &= 0x0f;
		}
}

const fill = fc.uint8Array({ minLength: 13, maxLength: 64 });

describe('a chunk patched where its users changed', () => {
	it('is the chunk encoded whole, whatever changed in it', () => {
		fc.assert(
			fc.property(
				keys,
				fill,
				fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
				fc.nat(255),
				(sorted, bytes, picks, seed) => {
					const records = recordsOf(sorted, bytes);
					const before = encodeUserChunk(records, 0, sorted.length);
					const positions = [...new Set(picks.map((pick) => pick % sorted.length))].sort((a, b) => a - b);
					change(records, positions, seed + 1);
					const patched = patchUserChunk(before, records, 0, sorted.length, positions);
					expect(patched).toBe(encodeUserChunk(records, 0, sorted.length));
					const read = new Uint8Array(records.length);
					expect(decodeUserChunk(patched, read, 0)).toBe(sorted.length);
					for (let at = 0; at < sorted.length; at++)
						expect(read.subarray(at * USER_RECORD_BYTES, at * USER_RECORD_BYTES + 29)).toEqual(
							records.subarray(at * USER_RECORD_BYTES, at * USER_RECORD_BYTES + 29),
						);
				},
			),
			{ seed: 18, numRuns: 400 },
		);
	});

	it('a chunk within a larger table: positions counted from its first user', () => {
		fc.assert(
			fc.property(keys, fill, fc.nat(), fc.nat(), (sorted, bytes, cut, pick) => {
				const records = recordsOf(sorted, bytes);
				const from = cut % sorted.length;
				const position = from + (pick % (sorted.length - from));
				const before = encodeUserChunk(records, from, sorted.length);
				change(records, [position], 3);
				expect(patchUserChunk(before, records, from, sorted.length, [position])).toBe(
					encodeUserChunk(records, from, sorted.length),
				);
			}),
			{ seed: 18, numRuns: 200 },
		);
	});

	it('two changed users in one block, and neighbours changed one after the other', () => {
		const sorted = Array.from({ length: 40 }, (_, at) =>
			Uint8Array.from({ length: 16 }, (_, byte) => (byte < 15 ? 1 : at)),
		);
		const records = recordsOf(
			sorted,
			Uint8Array.from({ length: 13 }, (_, at) => at * 17),
		);
		const before = encodeUserChunk(records, 0, 40);
		// Each of these users takes 1 + 1 + 12 bytes: users 5 and 6 share the block that starts at byte 72.
		const positions = [5, 6, 7, 20, 39];
		change(records, positions, 99);
		expect(patchUserChunk(before, records, 0, 40, positions)).toBe(encodeUserChunk(records, 0, 40));
	});

	it('writes only the users listed: one changed but not listed keeps its stored bytes (the chunk is not encoded whole)', () => {
		fc.assert(
			fc.property(keys, fill, fc.nat(), fc.nat(), (sorted, bytes, listedPick, otherPick) => {
				fc.pre(sorted.length >= 2);
				const records = recordsOf(sorted, bytes);
				const before = encodeUserChunk(records, 0, sorted.length);
				const listed = listedPick % sorted.length;
				const other = (listed + 1 + (otherPick % (sorted.length - 1))) % sorted.length;
				change(records, [listed], 7);
				const expected = encodeUserChunk(records, 0, sorted.length);
				// A change the caller did not list: the patch leaves that user as stored.
				change(records, [other], 11);
				expect(patchUserChunk(before, records, 0, sorted.length, [listed])).toBe(expected);
			}),
			{ seed: 18, numRuns: 300 },
		);
	});

	it('a text not laid out as the records say (another count, or shorter) is encoded whole', () => {
		const sorted = Array.from({ length: 10 }, (_, at) => Uint8Array.from({ length: 16 }, (_, byte) => byte * at));
		const records = recordsOf(
			sorted,
			Uint8Array.from({ length: 13 }, (_, at) => at + 1),
		);
		const whole = encodeUserChunk(records, 0, 10);
		const other = encodeUserChunk(records, 0, 9);
		change(records, [4], 5);
		const expected = encodeUserChunk(records, 0, 10);
		expect(patchUserChunk(other, records, 0, 10, [4])).toBe(expected);
		expect(patchUserChunk(whole.slice(0, 20), records, 0, 10, [4])).toBe(expected);
		expect(patchUserChunk(`${whole}#####`, records, 0, 10, [4])).toBe(expected);
		// A user whose stored first byte claims another shared length.
		expect(patchUserChunk(encodeUserChunk(records, 1, 10), records, 0, 10, [4])).toBe(expected);
	});
});
