/**
 * Users added in bulk (a first activation, an OTDS listing read whole) go through UserTableBuilder: byte records
 * sorted once, instead of an object per user kept until the merge. The table it builds must be the one the users
 * set one by one would make: the same records under the same keys, the last record of an id read twice, the
 * same stored form, and a table that later polls change like any other.
 */
import fc from 'fast-check';
import { recordKeyOf } from '../../core/changes/snapshot/record-key';
import { decodeSnapshot, emptySnapshot, encodeSnapshot, snapshotProblem } from '../../core/changes/snapshot/snapshot';
import type { UserRecord } from '../../core/changes/snapshot/user-record';
import { UserTableBuilder } from '../../core/changes/snapshot/user-table';

const runs = { seed: 18, numRuns: 60 };

const uint32 = fc.nat({ max: 0xffffffff });
const id = fc.oneof(
	fc.uuid(),
	fc.uuid().map((uuid) => `{${uuid.toUpperCase()}}`),
	fc.string({ minLength: 1, maxLength: 10 }),
	// A few ids that come back, to read an id twice.
	fc.constantFrom('a', 'b', '00000000-0000-1000-8000-000000000001'),
);
const record = fc
	.tuple(
		id,
		fc.record({ disabled: fc.boolean(), locked: fc.boolean(), passwordResetRequired: fc.boolean() }),
		uint32,
		fc.array(fc.nat({ max: 3 }), { minLength: 12, maxLength: 12 }),
		fc.nat({ max: 7 }),
		uint32,
		fc.nat({ max: 15 }),
	)
	.map(([userId, status, valuesHash, fieldHashes, extrasHash, dnHash, passwordHash]): UserRecord => ({
		id: recordKeyOf(userId),
		status: { ...status },
		valuesHash,
		fieldHashes: [...fieldHashes],
		extrasHash,
		dnHash,
		passwordHash,
	}));
// Up to 700 users: several chunks of 128.
const users = fc.array(record, { maxLength: 700 });

function built(records: UserRecord[]) {
	const builder = new UserTableBuilder();
	for (const each of records) builder.add(each);
	return emptySnapshot(builder.build());
}

function setOneByOne(records: UserRecord[]) {
	const snapshot = emptySnapshot();
	for (const each of records) snapshot.users.set(each.id, each);
	return snapshot;
}

describe('a table built in bulk', () => {
	it('holds the last record of every id read, each once', () => {
		fc.assert(
			fc.property(users, (records) => {
				const expected = new Map(records.map((each) => [each.id, each]));
				const table = built(records).users;
				expect(table.size).toBe(expected.size);
				for (const [key, each] of expected) expect(table.get(key)).toEqual(each);
				expect(new Set(table.keys()).size).toBe(expected.size);
			}),
			runs,
		);
	});

	it('is stored as the same records, read back through JSON as n8n keeps it', () => {
		fc.assert(
			fc.property(users, (records) => {
				const stored = JSON.parse(JSON.stringify(encodeSnapshot(built(records))));
				const reference = JSON.parse(JSON.stringify(encodeSnapshot(setOneByOne(records))));
				expect(snapshotProblem(stored)).toBeUndefined();
				const readBack = decodeSnapshot(stored).users;
				const expected = decodeSnapshot(reference).users;
				expect([...readBack.entries()]).toEqual([...expected.entries()]);
			}),
			runs,
		);
	});

	it('is changed by a later poll like any stored table, and the built one stays as it was', () => {
		fc.assert(
			fc.property(users, users, (first, later) => {
				const snapshot = built(first);
				const before = [...snapshot.users.entries()];
				const next = snapshot.users.clone();
				for (const each of later) next.set(each.id, each);
				const expected = new Map([...first, ...later].map((each) => [each.id, each]));
				const after = decodeSnapshot(JSON.parse(JSON.stringify(encodeSnapshot(emptySnapshot(next))))).users;
				expect(after.size).toBe(expected.size);
				for (const [key, each] of expected) expect(after.get(key)).toEqual(each);
				expect([...snapshot.users.entries()]).toEqual(before);
			}),
			runs,
		);
	});

	it('of no users is an empty table', () => {
		const table = new UserTableBuilder().build();
		expect(table.size).toBe(0);
		expect(encodeSnapshot(emptySnapshot(table)).users).toEqual([]);
	});
});
