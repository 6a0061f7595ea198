/**
 * The user table of the snapshot (user-table.ts) through its own interface: what it counts, finds and lists with
 * changes pending; which stored chunks a merge writes again, how it splits a grown chunk, and where each user's
 * position went (what group members follow); the decodings it remembers between polls.
 */
import * as userStream from '../../core/changes/snapshot/user-stream';
import { chunkUserCount, USERS_PER_CHUNK } from '../../core/changes/snapshot/user-stream';
import { USER_RECORD_BYTES, type UserRecord } from '../../core/changes/snapshot/user-record';
import { decodeUsers, UserTable } from '../../core/changes/snapshot/user-table';

/** A lower-case random-form UUID whose key orders as `index` does. */
const idOf = (index: number) => `00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;

function recordOf(index: number, valuesHash = index): UserRecord {
	return {
		id: idOf(index),
		status: { disabled: index % 2 === 1, locked: index % 3 === 1, passwordResetRequired: index % 5 === 1 },
		valuesHash,
		fieldHashes: Array.from({ length: 12 }, (_, field) => (index + field) % 4),
		extrasHash: index % 8,
		dnHash: (index * 2654435761) >>> 0,
		passwordHash: index % 16,
	};
}

/** The chunks of a table holding the users of these indexes. */
function chunksOf(indexes: number[]): string[] {
	const table = new UserTable([]);
	for (const index of indexes) table.set(idOf(index), recordOf(index));
	return table.merge().chunks;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, offset) => from + offset);
/** Every chunk's user count. */
const counts = (chunks: string[]) => chunks.map(chunkUserCount);
/** Which chunks differ from the ones before. */
const rewritten = (before: string[], after: string[]) => after.map((chunk, index) => chunk !== before[index]);

describe('a user table with changes pending', () => {
	it('counts, finds and lists the stored users and the pending ones, stored first in key order', () => {
		// Even indexes stored: 0, 2, ..., 18.
		const table = new UserTable(chunksOf(range(0, 10).map((index) => index * 2)));
		expect(table.baseCount).toBe(10);
		expect(table.storedBytes()).toHaveLength(10 * USER_RECORD_BYTES);
		expect(table.basePosition(idOf(6))).toBe(3);
		expect(table.basePosition(idOf(0))).toBe(0);
		expect(table.basePosition(idOf(18))).toBe(9);
		for (const missing of [idOf(7), idOf(19), idOf(1), 'no-uuid']) expect(table.basePosition(missing)).toBe(-1);
		expect(table.recordAt(3)).toEqual(recordOf(6));
		expect(table.dnHashAt(3)).toBe(recordOf(6).dnHash);

		table.set(idOf(5), recordOf(5));
		table.set(idOf(4), recordOf(4, 99));
		table.delete(idOf(8));
		// Deleting what is not stored changes no count.
		expect(table.delete(idOf(9))).toBe(false);
		expect(table.size).toBe(10);
		table.set(idOf(21), recordOf(21));
		expect(table.size).toBe(11);
		table.delete(idOf(10));
		expect(table.size).toBe(10);
		// The stored part is as it was.
		expect(table.baseCount).toBe(10);
		expect(table.basePosition(idOf(8))).toBe(4);

		expect([...table.keys()]).toEqual([0, 2, 6, 12, 14, 16, 18].map(idOf).concat([idOf(5), idOf(4), idOf(21)]));
		expect([...table.entries()].find(([id]) => id === idOf(4))?.[1]).toEqual(recordOf(4, 99));
		expect([...table.pendingRecords()].map(([id]) => id)).toEqual([idOf(5), idOf(21)]);
		expect(table.get(idOf(8))).toBeUndefined();
		expect(table.get(idOf(12))).toEqual(recordOf(12));
	});

	it('a clone keeps its own changes; the table it came from does not see them', () => {
		const table = new UserTable(chunksOf([1, 2, 3]));
		table.set(idOf(4), recordOf(4));
		const clone = table.clone();
		clone.delete(idOf(1));
		clone.set(idOf(5), recordOf(5));
		expect([...table.keys()]).toEqual([1, 2, 3, 4].map(idOf));
		expect([...clone.keys()]).toEqual([2, 3, 4, 5].map(idOf));
	});
});

describe('a merge writes again only the chunks that hold a change', () => {
	// Three stored chunks of USERS_PER_CHUNK users at even indexes.
	const stored = range(0, 3 * USERS_PER_CHUNK).map((index) => index * 2);
	const lastOf = (chunk: number) => stored[(chunk + 1) * USERS_PER_CHUNK - 1];
	const firstOf = (chunk: number) => stored[chunk * USERS_PER_CHUNK];

	function merged(change: (table: UserTable) => void) {
		const chunks = chunksOf(stored);
		const table = new UserTable(chunks);
		change(table);
		const result = table.merge();
		return { before: chunks, result, table: new UserTable(result.chunks) };
	}

	it('the stored chunks are USERS_PER_CHUNK users each', () => {
		expect(counts(chunksOf(stored))).toEqual([USERS_PER_CHUNK, USERS_PER_CHUNK, USERS_PER_CHUNK]);
	});

	it('a changed user: its chunk alone, in place (positions unchanged)', () => {
		for (const chunk of [0, 1, 2]) {
			const index = stored[chunk * USERS_PER_CHUNK + 5];
			const { before, result, table } = merged((next) => next.set(idOf(index), recordOf(index, 7)));
			expect(rewritten(before, result.chunks)).toEqual([0, 1, 2].map((other) => other === chunk));
			expect(result.samePositions).toBe(true);
			expect(result.count).toBe(stored.length);
			expect(table.get(idOf(index))).toEqual(recordOf(index, 7));
		}
	});

	it('the first and the last user of a chunk belong to that chunk', () => {
		for (const [index, chunk] of [
			[firstOf(1), 1],
			[lastOf(1), 1],
			[lastOf(0), 0],
			[firstOf(2), 2],
		]) {
			const { before, result } = merged((next) => next.set(idOf(index), recordOf(index, 7)));
			expect(rewritten(before, result.chunks)).toEqual([0, 1, 2].map((other) => other === chunk));
			const deleted = merged((next) => next.delete(idOf(index)));
			expect(rewritten(deleted.before, deleted.result.chunks)).toEqual([0, 1, 2].map((other) => other === chunk));
			expect(counts(deleted.result.chunks)[chunk]).toBe(USERS_PER_CHUNK - 1);
		}
	});

	it('a new user: the chunk of the user before it, the first chunk for a key before every stored one', () => {
		for (const [index, chunk] of [
			[lastOf(0) + 1, 0],
			[firstOf(1) + 1, 1],
			[lastOf(1) + 1, 1],
			[lastOf(2) + 1, 2],
		]) {
			const { before, result, table } = merged((next) => next.set(idOf(index), recordOf(index)));
			expect(rewritten(before, result.chunks)).toEqual([0, 1, 2].map((other) => other === chunk));
			expect(counts(result.chunks)).toEqual([0, 1, 2].map((other) => USERS_PER_CHUNK + (other === chunk ? 1 : 0)));
			expect(table.get(idOf(index))).toEqual(recordOf(index));
			expect(table.size).toBe(stored.length + 1);
		}
		const chunks = chunksOf(range(1, 1 + 2 * USERS_PER_CHUNK));
		const table = new UserTable(chunks);
		table.set(idOf(0), recordOf(0));
		const result = table.merge();
		expect(rewritten(chunks, result.chunks)).toEqual([true, false]);
		expect(new UserTable(result.chunks).recordAt(0)).toEqual(recordOf(0));
	});

	it('deleting what is not stored, or nothing pending, writes nothing again', () => {
		for (const change of [(next: UserTable) => next.delete(idOf(1)), () => undefined]) {
			const { before, result } = merged(change);
			expect(result.chunks).toEqual(before);
			expect(result.samePositions).toBe(true);
			expect(result.count).toBe(stored.length);
		}
	});

	it('changes in several chunks at once: each of those chunks, read back whole', () => {
		const { before, result, table } = merged((next) => {
			next.set(idOf(firstOf(0) + 1), recordOf(firstOf(0) + 1));
			next.delete(idOf(firstOf(2)));
			next.set(idOf(lastOf(2)), recordOf(lastOf(2), 3));
		});
		expect(rewritten(before, result.chunks)).toEqual([true, false, true]);
		expect(counts(result.chunks)).toEqual([USERS_PER_CHUNK + 1, USERS_PER_CHUNK, USERS_PER_CHUNK - 1]);
		const expected = [firstOf(0), firstOf(0) + 1, ...stored.slice(1)].filter((index) => index !== firstOf(2));
		expect([...table.keys()]).toEqual(expected.map(idOf));
		expect([...table.entries()].map(([, record]) => record)).toEqual(
			expected.map((index) => (index === lastOf(2) ? recordOf(index, 3) : recordOf(index))),
		);
	});

	it('a chunk grown to one and a half times its size is split into even pieces; one emptied is dropped', () => {
		const grown = (added: number) =>
			merged((next) => {
				// Odd indexes fall between the stored users of the first chunk.
				for (const index of range(0, added).map((at) => 2 * at + 1)) next.set(idOf(index), recordOf(index));
			});
		// 191 users stay one chunk; 192 become two of 96.
		expect(counts(grown(USERS_PER_CHUNK / 2 - 1).result.chunks)).toEqual([191, 128, 128]);
		const split = grown(USERS_PER_CHUNK / 2);
		expect(counts(split.result.chunks)).toEqual([96, 96, 128, 128]);
		expect(split.result.chunks.slice(2)).toEqual(split.before.slice(1));
		expect(split.table.size).toBe(stored.length + USERS_PER_CHUNK / 2);
		// Into an empty table: 300 users as two chunks of 150.
		const fresh = new UserTable([]);
		for (const index of range(0, 300)) fresh.set(idOf(index), recordOf(index));
		expect(counts(fresh.merge().chunks)).toEqual([150, 150]);
		const emptied = merged((next) => {
			for (const index of stored.slice(USERS_PER_CHUNK, 2 * USERS_PER_CHUNK)) next.delete(idOf(index));
		});
		expect(emptied.result.chunks).toEqual([emptied.before[0], emptied.before[2]]);
		expect(emptied.table.size).toBe(2 * USERS_PER_CHUNK);
		const none = new UserTable(chunksOf([1, 2]));
		none.delete(idOf(1));
		none.delete(idOf(2));
		expect(none.merge()).toMatchObject({ chunks: [], count: 0 });
	});
});

describe('where the users went: what group members follow', () => {
	it('each old position maps to the position of the same user after users were added and deleted', () => {
		const stored = range(0, 300).map((index) => index * 3);
		const table = new UserTable(chunksOf(stored));
		const deleted = new Set([0, 3, 150, 897]);
		for (const index of deleted) table.delete(idOf(index));
		for (const index of [1, 2, 4, 151, 500, 898, 2000]) table.set(idOf(index), recordOf(index));
		table.set(idOf(300), recordOf(300, 5));
		const result = table.merge();
		expect(result.samePositions).toBe(false);
		expect(result.count).toBe(300 - 4 + 7);
		const after = new UserTable(result.chunks);
		stored.forEach((index, old) => {
			const position = result.newPosition(old);
			if (deleted.has(index)) expect(position).toBe(-1);
			else {
				expect(after.recordAt(position).id).toBe(idOf(index));
				expect(result.positionOf(idOf(index))).toBe(position);
				expect(result.dnHashAt(position)).toBe(recordOf(index).dnHash);
			}
		});
		expect(result.positionOf(idOf(2000))).toBe(result.count - 1);
		expect(result.positionOf(idOf(0))).toBeUndefined();
	});

	it('changes alone are written where the records lie, yet the table they were made over still reads as it was', () => {
		const chunks = chunksOf(range(0, 200));
		const stored = new UserTable(chunks);
		expect(stored.get(idOf(150))).toEqual(recordOf(150));
		const next = stored.clone();
		next.set(idOf(150), recordOf(150, 1));
		const result = next.merge();
		expect(rewritten(chunks, result.chunks)).toEqual([false, true]);
		expect(stored.get(idOf(150))).toEqual(recordOf(150));
		expect(stored.dnHashAt(150)).toBe(recordOf(150).dnHash);
		expect(next.get(idOf(150))).toEqual(recordOf(150, 1));
		expect(new UserTable(result.chunks).get(idOf(150))).toEqual(recordOf(150, 1));
		// A second poll from the same stored state (the first one's result was not stored).
		const again = stored.clone();
		again.set(idOf(3), recordOf(3, 2));
		const second = again.merge();
		expect(rewritten(chunks, second.chunks)).toEqual([true, false]);
		expect(new UserTable(second.chunks).get(idOf(150))).toEqual(recordOf(150));
		expect(new UserTable(second.chunks).get(idOf(3))).toEqual(recordOf(3, 2));
	});

	it('after changes alone, every position stays', () => {
		const table = new UserTable(chunksOf([1, 2, 3]));
		table.set(idOf(2), recordOf(2, 9));
		const result = table.merge();
		expect(result.samePositions).toBe(true);
		expect([0, 1, 2].map(result.newPosition)).toEqual([0, 1, 2]);
		expect(result.positionOf(idOf(3))).toBe(2);
		expect(result.positionOf(idOf(4))).toBeUndefined();
		expect(result.dnHashAt(1)).toBe(recordOf(2).dnHash);
	});
});

describe('the decodings remembered between polls', () => {
	it('the stored chunks, or an equal copy of them, are decoded once; a longer list starting with them is not they', () => {
		const chunks = chunksOf([1, 2, 3]);
		const first = decodeUsers(chunks);
		expect(decodeUsers(JSON.parse(JSON.stringify(chunks)))).toBe(first);
		const longer = [...chunks, ...chunksOf([9])];
		expect(decodeUsers(longer)).not.toBe(first);
		expect(decodeUsers(longer)).toMatchObject({ records: expect.objectContaining({ length: 4 * USER_RECORD_BYTES }) });
		expect(decodeUsers('chunks')).toBe('the snapshot has parts of the wrong type');
		expect(decodeUsers([chunks[0], 'ab'])).toBe('the user records are damaged');
	});

	it('the last two read or written are remembered, the one used last kept longest', () => {
		const [a, b, c] = [chunksOf([1]), chunksOf([2]), chunksOf([3])];
		const decodedA = decodeUsers(a);
		const decodedB = decodeUsers(b);
		// Equal lists (a state read back from JSON) find a remembered decoding by content.
		expect(decodeUsers([...a])).toBe(decodedA);
		// B used again is still one entry: A is not pushed out by it.
		expect(decodeUsers([...b])).toBe(decodedB);
		expect(decodeUsers([...b])).toBe(decodedB);
		expect(decodeUsers([...a])).toBe(decodedA);
		decodeUsers(c);
		// A was used after B: B is forgotten, A is not.
		expect(decodeUsers([...a])).toBe(decodedA);
		expect(decodeUsers([...b])).not.toBe(decodedB);
		// The very list a state holds still finds its own decoding.
		expect(decodeUsers(b)).toBe(decodedB);
	});

	it('the state read by the first poll, which then wrote its changes in place, still reads as it was', () => {
		jest.isolateModules(() => {
			// A fresh process: nothing remembered yet.
			// eslint-disable-next-line @typescript-eslint/no-require-imports
			const fresh =
				require('../../core/changes/snapshot/user-table') as typeof import('../../core/changes/snapshot/user-table');
			const chunks = chunksOf([1, 2, 3]);
			expect(typeof fresh.decodeUsers(chunks)).toBe('object');
			const table = new fresh.UserTable(chunks);
			table.set(idOf(2), recordOf(2, 9));
			table.merge();
			expect(new fresh.UserTable(chunks).get(idOf(2))).toEqual(recordOf(2));
			expect(new fresh.UserTable(JSON.parse(JSON.stringify(chunks))).get(idOf(2))).toEqual(recordOf(2));
		});
	});

	it('a table decodes its stored chunks once, however many other states were decoded since', () => {
		const table = new UserTable(chunksOf([1, 2, 3]));
		expect(table.get(idOf(1))).toEqual(recordOf(1));
		// Two other states written: the first one is no longer remembered.
		chunksOf([4]);
		chunksOf([5]);
		const decodes = jest.spyOn(userStream, 'decodeUserChunk');
		try {
			expect(table.get(idOf(2))).toEqual(recordOf(2));
			expect(table.baseCount).toBe(3);
			expect(decodes).not.toHaveBeenCalled();
			// Another table over those chunks: they were forgotten, so they are decoded again.
			expect(new UserTable(JSON.parse(JSON.stringify(table.merge().chunks))).size).toBe(3);
			expect(decodes).toHaveBeenCalledTimes(1);
		} finally {
			decodes.mockRestore();
		}
	});
});

describe('many lookups', () => {
	/** Comparisons of keys made by `lookups`. */
	function comparisons(lookups: () => void): number {
		const compares = jest.spyOn(userStream, 'compareRecords');
		try {
			lookups();
			return compares.mock.calls.length;
		} finally {
			compares.mockRestore();
		}
	}

	it('in a table of more than 4,096 users: once its keys are indexed, about one comparison each', () => {
		const table = new UserTable(chunksOf(range(0, 5000).map((index) => index * 2)));
		for (let lookup = 0; lookup < 255; lookup++) expect(table.basePosition(idOf(lookup * 38))).toBe(lookup * 19);
		// The 256th lookup is still a binary search: over 5,000 users, 12 or 13 comparisons. The index is made by the next.
		expect(comparisons(() => table.basePosition(idOf(2)))).toBeGreaterThan(10);
		const found = comparisons(() => {
			for (let lookup = 0; lookup < 1000; lookup++) expect(table.basePosition(idOf(lookup * 10))).toBe(lookup * 5);
		});
		expect(found).toBeLessThan(1500);
		const missing = comparisons(() => {
			for (let lookup = 0; lookup < 1000; lookup++) expect(table.basePosition(idOf(lookup * 10 + 1))).toBe(-1);
			expect(table.basePosition(idOf(10_001))).toBe(-1);
		});
		expect(missing).toBeLessThan(2000);
	});

	it('in a table of 4,096 users or fewer: never indexed, a binary search each', () => {
		const table = new UserTable(chunksOf(range(0, 4096)));
		for (let lookup = 0; lookup < 300; lookup++) expect(table.basePosition(idOf(lookup * 13))).toBe(lookup * 13);
		const found = comparisons(() => {
			for (let lookup = 0; lookup < 100; lookup++) expect(table.basePosition(idOf(lookup * 40))).toBe(lookup * 40);
		});
		expect(found).toBeGreaterThan(100 * 9);
	});
});

describe('what a merge costs and keeps', () => {
	/** Calls made to one function of user-stream.ts by `run`. */
	function calls(name: 'encodeUserChunk' | 'patchUserChunk' | 'decodeUserChunk', run: () => void): number {
		const spy = jest.spyOn(userStream, name);
		try {
			run();
			return spy.mock.calls.length;
		} finally {
			spy.mockRestore();
		}
	}
	const stored = range(0, 3 * USERS_PER_CHUNK).map((index) => index * 2);

	it('encodes only the chunks that hold a change', () => {
		const table = new UserTable(chunksOf(stored));
		table.set(idOf(stored[130]), recordOf(stored[130], 1));
		// A change alone is patched into its chunk where it lies (user-stream.ts), not encoded whole.
		expect(calls('patchUserChunk', () => table.merge())).toBe(1);
		const grown = new UserTable(chunksOf(stored));
		grown.set(idOf(1), recordOf(1));
		grown.delete(idOf(stored[300]));
		expect(calls('encodeUserChunk', () => grown.merge())).toBe(2);
	});

	it('changes alone, the first user among them, are written into the records as they lie (no copy)', () => {
		const table = new UserTable(chunksOf(stored));
		const records = table.storedBytes();
		table.set(idOf(0), recordOf(0, 1));
		const result = table.merge();
		expect(result.samePositions).toBe(true);
		expect(result.positionOf(idOf(0))).toBe(0);
		const after = new UserTable(result.chunks);
		expect(after.storedBytes()).toBe(records);
		expect(after.recordAt(0)).toEqual(recordOf(0, 1));
		expect([...after.pendingRecords()]).toEqual([]);
		const next = after.clone();
		next.set(idOf(0), recordOf(0, 2));
		expect([...next.pendingRecords()]).toEqual([]);
	});

	it('a chunk after the first grown to one and a half times its size is split into even pieces', () => {
		const table = new UserTable(chunksOf(stored));
		const added = range(0, USERS_PER_CHUNK / 2).map((at) => stored[USERS_PER_CHUNK + at] + 1);
		for (const index of added) table.set(idOf(index), recordOf(index));
		const result = table.merge();
		expect(counts(result.chunks)).toEqual([128, 96, 96, 128]);
		expect([...new UserTable(result.chunks).keys()]).toEqual([...stored, ...added].sort((a, b) => a - b).map(idOf));
	});

	it('writing in place forgets the decoding it overwrote, not another one', () => {
		const table = new UserTable(chunksOf([1, 2, 3]));
		expect(table.size).toBe(3);
		const [b, c] = [chunksOf([4]), chunksOf([5])];
		table.set(idOf(2), recordOf(2, 9));
		table.merge();
		// Looked up by content (equal lists), as a state read back from JSON is.
		expect(calls('decodeUserChunk', () => decodeUsers([...c]))).toBe(0);
		expect(calls('decodeUserChunk', () => decodeUsers([...b]))).toBe(1);
	});

	it('a table whose chunks cannot be read says so when it is read', () => {
		expect(() => new UserTable([chunksOf([1])[0].slice(0, -5)]).size).toThrow(
			'The stored snapshot cannot be read: the user records are cut short',
		);
		expect(() => new UserTable([`${chunksOf([1])[0]}!`]).get(idOf(1))).toThrow(
			'The stored snapshot cannot be read: the user records are damaged',
		);
	});
});
