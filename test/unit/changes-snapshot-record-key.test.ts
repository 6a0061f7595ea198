/**
 * The key the snapshot stores a user or group under (record-key.ts): which ids keep their text (lower-case UUIDs,
 * with or without braces; nsUniqueIds), which become a hash, the key format each is read back with, and the byte
 * order of a time-based UUID's key that lets sorted neighbours share their first bytes.
 */
import { readKey, recordKeyOf, writeKey } from '../../core/changes/snapshot/record-key';

const KEY_UUID = 0;
const KEY_NS_UNIQUE_ID = 1;
const KEY_HASHED = 2;
const KEY_TIME_UUID = 3;

/** The 16 key bytes and the format of an id. */
function keyOf(id: string): { hex: string; format: number } {
	const bytes = new Uint8Array(16);
	const format = writeKey(id, bytes);
	return { hex: Buffer.from(bytes).toString('hex'), format };
}

const random = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
// Version 1: time low 1cd63b12, time mid 85cb, version and time high 1041, clock sequence 87eb, node ebcda8695a50.
const timeBased = '1cd63b12-85cb-1041-87eb-ebcda8695a50';

describe('record keys', () => {
	it('a random lower-case UUID is its own key, its bytes as written', () => {
		expect(keyOf(random)).toEqual({ hex: random.replaceAll('-', ''), format: KEY_UUID });
		expect(recordKeyOf(random)).toBe(random);
	});

	it('a time-based UUID is kept in time order: node, time high, mid and low, then clock sequence', () => {
		expect(keyOf(timeBased)).toEqual({
			hex: 'ebcda8695a50' + '1041' + '85cb' + '1cd63b12' + '87eb',
			format: KEY_TIME_UUID,
		});
		expect(recordKeyOf(timeBased)).toBe(timeBased);
		// A version in the high digits is not version 1.
		const version3 = '1cd63b12-85cb-3041-87eb-ebcda8695a50';
		expect(keyOf(version3).format).toBe(KEY_UUID);
	});

	it('every key reads back to the id it was written from, in its format', () => {
		for (const id of [
			random,
			timeBased,
			'c2b1d281-1dd111b2-80a1d0c4-8c5b2b65',
			'00000000-0000-0000-0000-000000000000',
		]) {
			const bytes = new Uint8Array(40);
			const format = writeKey(id, bytes, 7);
			expect(readKey(bytes, format, 7)).toBe(id);
			expect(bytes.subarray(0, 7).every((byte) => byte === 0)).toBe(true);
			expect(bytes.subarray(23).every((byte) => byte === 0)).toBe(true);
		}
	});

	it('every hex digit of a UUID counts, in upper and lower half of each byte', () => {
		const digits = '0123456789abcdef';
		const seen = new Set<string>();
		for (let digit = 0; digit < 16; digit++) {
			const id = `${digits[digit].repeat(8)}-${digits[15 - digit].repeat(4)}-4${digits[digit].repeat(3)}-8${digits[digit].repeat(3)}-${digits[digit].repeat(12)}`;
			expect(keyOf(id)).toEqual({ hex: id.replaceAll('-', ''), format: KEY_UUID });
			expect(recordKeyOf(id)).toBe(id);
			seen.add(keyOf(id).hex);
		}
		expect(seen.size).toBe(16);
	});

	it('a UUID in braces, on either side or both, has the key of the bare UUID', () => {
		for (const id of [`{${random}}`, `{${random}`, `${random}}`]) {
			expect(keyOf(id)).toEqual(keyOf(random));
			expect(recordKeyOf(id)).toBe(random);
		}
		expect(recordKeyOf(`{${timeBased}}`)).toBe(timeBased);
		expect(keyOf(`{${timeBased}}`).format).toBe(KEY_TIME_UUID);
	});

	it('an nsUniqueId (389 DS) keeps its text under its own format', () => {
		const nsUniqueId = 'c2b1d281-1dd111b2-80a1d0c4-8c5b2b65';
		expect(keyOf(nsUniqueId)).toEqual({ hex: nsUniqueId.replaceAll('-', ''), format: KEY_NS_UNIQUE_ID });
		expect(recordKeyOf(nsUniqueId)).toBe(nsUniqueId);
	});

	it('anything else, upper-case ids included, is a hash whose key is its own key', () => {
		const others = [
			'jdoe',
			random.toUpperCase(),
			`{${random.toUpperCase()}}`,
			'C2B1D281-1DD111B2-80A1D0C4-8C5B2B65',
			// Almost UUIDs: a character other than a dash where a dash goes, a digit that is no hex digit, cut short,
			// longer, text around it.
			...[8, 13, 18, 23].map((at) => `${random.slice(0, at)}0${random.slice(at + 1)}`),
			...[0, 1, 9, 35].map((at) => `${random.slice(0, at)}g${random.slice(at + 1)}`),
			...['/', ':', '`', 'G', '@'].map((char) => `${random.slice(0, 35)}${char}`),
			random.slice(0, 35),
			`${random}0`,
			`x${random}`,
			`${random}x`,
			`c2b1d281-1dd111b2-80a1d0c4-8c5b2b6`,
			`xc2b1d281-1dd111b2-80a1d0c4-8c5b2b65`,
			`c2b1d281-1dd111b2-80a1d0c4-8c5b2b65x`,
			`{c2b1d281-1dd111b2-80a1d0c4-8c5b2b65}`,
		];
		const keys = new Set<string>();
		for (const id of others) {
			const key = recordKeyOf(id);
			expect([id, key]).toEqual([id, expect.stringMatching(/^hash:[0-9a-f]{32}$/)]);
			expect(keyOf(id).format).toBe(KEY_HASHED);
			expect(recordKeyOf(key)).toBe(key);
			expect(keyOf(key)).toEqual(keyOf(id));
			keys.add(key);
		}
		expect(keys.size).toBe(others.length);
	});

	it('a hashed key is taken as it is only when it is one exactly', () => {
		const key = recordKeyOf('jdoe');
		for (const near of [`x${key}`, `${key}x`, key.toUpperCase(), key.slice(0, -1)]) {
			expect(recordKeyOf(near)).toMatch(/^hash:[0-9a-f]{32}$/);
			expect(recordKeyOf(near)).not.toBe(key);
		}
	});

	it('a stored key reads back whatever key was written last, and writing one touches its 16 bytes alone', () => {
		const bytes = new Uint8Array(34).fill(0xff);
		expect(writeKey(timeBased, bytes, 1)).toBe(KEY_TIME_UUID);
		expect([bytes[0], bytes[17]]).toEqual([0xff, 0xff]);
		const other = new Uint8Array(16);
		writeKey('0ed4e3c2-1111-11ef-9c3a-0242ac120002', other);
		writeKey(random, other);
		expect(readKey(bytes, KEY_TIME_UUID, 1)).toBe(timeBased);
	});
});
