/**
 * The users as stored (user-stream.ts): a chunk of in-memory records written front-coded and read back, its count
 * in two bytes, its size following what neighbouring keys share, the order it keeps, and a chunk read into a
 * target too small for it.
 */
import { decodeBase85Into, encodeBase85 } from '../../core/changes/snapshot/record-codec';
import { writeKey } from '../../core/changes/snapshot/record-key';
import {
	USER_RECORD_BYTES,
	USER_STATUS_BYTE,
	writeUserRecord,
	type UserRecord,
} from '../../core/changes/snapshot/user-record';
import {
	chunkUserCount,
	compareRecords,
	decodeUserChunk,
	encodeUserChunk,
} from '../../core/changes/snapshot/user-stream';

/** In-memory records of these ids, every value over its whole width, in the order given. */
function recordsOf(ids: string[]): Uint8Array {
	const bytes = new Uint8Array(ids.length * USER_RECORD_BYTES);
	ids.forEach((id, index) => {
		const record: UserRecord = {
			id,
			status: { disabled: (index & 1) !== 0, locked: (index & 2) !== 0, passwordResetRequired: (index & 4) !== 0 },
			valuesHash: Math.imul(index + 7, 0x9e3779b1) >>> 0,
			fieldHashes: Array.from({ length: 12 }, (_, field) => (index >> field) & 3),
			extrasHash: index % 8,
			dnHash: Math.imul(index + 3, 0x85ebca6b) >>> 0,
			passwordHash: index % 16,
		};
		writeUserRecord(record, bytes, index * USER_RECORD_BYTES);
	});
	return bytes;
}

/** Sorted random-form UUIDs `step` apart (1: they share 15 key bytes, 256: 14). */
const sortedIds = (count: number, step = 1) =>
	Array.from(
		{ length: count },
		(_, index) => `00000000-0000-4000-8000-${(index * step).toString(16).padStart(12, '0')}`,
	);

/** Reads a chunk back into a fresh array. */
function decoded(chunk: string, count = chunkUserCount(chunk)): { result: number | string; records: Uint8Array } {
	const records = new Uint8Array(count * USER_RECORD_BYTES);
	return { result: decodeUserChunk(chunk, records, 0), records };
}

describe('a stored chunk of users', () => {
	it('reads back every record as it was in memory, from any first position', () => {
		const records = recordsOf(sortedIds(40));
		for (const [from, to] of [
			[0, 40],
			[1, 40],
			[17, 23],
			[39, 40],
		]) {
			const chunk = encodeUserChunk(records, from, to);
			expect(chunkUserCount(chunk)).toBe(to - from);
			const back = decoded(chunk);
			expect(back.result).toBe(to - from);
			expect(back.records).toEqual(records.subarray(from * USER_RECORD_BYTES, to * USER_RECORD_BYTES));
		}
		expect(decoded(encodeUserChunk(records, 5, 5)).result).toBe(0);
	});

	it('counts in two bytes: a chunk of more than 255 users reads back whole', () => {
		const records = recordsOf(sortedIds(300));
		const chunk = encodeUserChunk(records, 0, 300);
		expect(chunkUserCount(chunk)).toBe(300);
		const back = decoded(chunk);
		expect(back.result).toBe(300);
		expect(back.records).toEqual(records);
	});

	it('a key is written only past what it shares with the one before it', () => {
		// After 2 bytes of count and a first user of 29 bytes, sorted UUIDs sharing 15 key bytes take a byte, one key
		// byte and 12 bytes each; sharing 14, a key byte more.
		expect(encodeUserChunk(recordsOf(sortedIds(100)), 0, 100)).toHaveLength(Math.ceil((2 + 29 + 99 * 14) / 4) * 5);
		expect(encodeUserChunk(recordsOf(sortedIds(100, 256)), 0, 100)).toHaveLength(Math.ceil((2 + 29 + 99 * 15) / 4) * 5);
		// Random keys share nothing (or next to nothing): each takes its whole key.
		const random = ['f', '3', 'a', '0', '7', 'c', '5', '9']
			.map(
				(digit, index) =>
					`${digit}${index}${'1'.repeat(6)}-${digit.repeat(4)}-4${digit.repeat(3)}-8${digit.repeat(3)}-${digit.repeat(12)}`,
			)
			.sort();
		const chunk = encodeUserChunk(recordsOf(random), 0, 8);
		expect(chunk).toHaveLength(Math.ceil((2 + 8 * 29) / 4) * 5);
		expect(decoded(chunk).records).toEqual(recordsOf(random));
	});

	it('users that share 15 key bytes with a user before them in another chunk start afresh', () => {
		const records = recordsOf(sortedIds(4));
		const second = encodeUserChunk(records, 2, 4);
		const target = new Uint8Array(4 * USER_RECORD_BYTES);
		expect(decodeUserChunk(encodeUserChunk(records, 0, 2), target, 0)).toBe(2);
		expect(decodeUserChunk(second, target, 2)).toBe(2);
		expect(target).toEqual(records);
	});

	it('is refused when the target has no room for the users it counts', () => {
		const chunk = encodeUserChunk(recordsOf(sortedIds(3)), 0, 3);
		expect(decodeUserChunk(chunk, new Uint8Array(3 * USER_RECORD_BYTES - 1), 0)).toBe(
			'the user records hold more users than counted',
		);
		expect(decodeUserChunk(chunk, new Uint8Array(4 * USER_RECORD_BYTES), 1)).toBe(3);
		expect(decodeUserChunk(chunk, new Uint8Array(4 * USER_RECORD_BYTES), 2)).toBe(
			'the user records hold more users than counted',
		);
	});

	it('whose last user ends on the last byte reads back (no padding needed)', () => {
		// 2 bytes of count, a first user of 29 bytes and three of 15: 76 bytes, 19 blocks of 4.
		const records = recordsOf(sortedIds(4, 256));
		const chunk = encodeUserChunk(records, 0, 4);
		expect(chunk).toHaveLength((76 / 4) * 5);
		expect(decoded(chunk)).toEqual({ result: 4, records });
	});
});

describe('the order of in-memory records', () => {
	it('by key bytes, then by key format; status and hashes do not count', () => {
		const bytes = new Uint8Array(4 * USER_RECORD_BYTES);
		writeKey('00000000-0000-4000-8000-000000000001', bytes, 0);
		writeKey('00000000-0000-4000-8000-000000000002', bytes, USER_RECORD_BYTES);
		writeKey('00000000-0000-4000-8000-000000000001', bytes, 2 * USER_RECORD_BYTES);
		bytes.fill(0xff, 2 * USER_RECORD_BYTES + USER_STATUS_BYTE, 3 * USER_RECORD_BYTES);
		bytes[2 * USER_RECORD_BYTES + USER_STATUS_BYTE] = 0xe7;
		bytes.copyWithin(3 * USER_RECORD_BYTES, 0, USER_RECORD_BYTES);
		bytes[3 * USER_RECORD_BYTES + USER_STATUS_BYTE] = 2 << 3;
		const compare = (a: number, b: number) =>
			Math.sign(compareRecords(bytes, a * USER_RECORD_BYTES, bytes, b * USER_RECORD_BYTES));
		expect([compare(0, 1), compare(1, 0), compare(0, 0)]).toEqual([-1, 1, 0]);
		// Same key and format, other status and hashes.
		expect(compare(0, 2)).toBe(0);
		// Same key, another format.
		expect([compare(0, 3), compare(3, 0), compare(3, 1)]).toEqual([-1, 1, -1]);
	});
});

describe('a stored chunk that is no chunk', () => {
	it('text shorter than a block counts no users', () => {
		for (const text of ['', '#', '####', 7, undefined]) expect(chunkUserCount(text)).toBe(-1);
		expect(chunkUserCount('#####')).toBe(0);
		expect(decodeUserChunk('', new Uint8Array(0), 0)).toBe('the user records are damaged');
	});

	it('a character outside the alphabet is refused even where its low seven bits are a digit', () => {
		const chunk = encodeUserChunk(recordsOf(sortedIds(3)), 0, 3);
		for (const at of [7, chunk.length - 6]) {
			const foreign = `${chunk.slice(0, at)}${String.fromCharCode(chunk.charCodeAt(at) | 0x80)}${chunk.slice(at + 1)}`;
			expect(decoded(foreign, 3).result).toBe('the user records are damaged');
		}
	});

	it('counting one user more than it holds, with no padding after the last, is cut short', () => {
		const chunk = encodeUserChunk(recordsOf(sortedIds(4, 256)), 0, 4);
		const bytes = new Uint8Array((chunk.length / 5) * 4);
		decodeBase85Into(chunk, 0, chunk.length / 5, bytes, 0);
		bytes[0] = 5;
		expect(decoded(encodeBase85(bytes), 5).result).toBe('the user records are cut short');
	});
});
