/**
 * The snapshot against a plain model: whatever users and groups a poll stores, changes and deletes, the stored
 * state read back (through JSON, as n8n keeps it) holds exactly those records, and a table's pending changes never
 * touch the state they were made over. Records and ids are generated, so every bit of a record and every kind of
 * id (lower-case UUID, GUID in braces, nsUniqueId, any other text) goes through the stored form; only the public
 * functions are used, so these tests hold for any encoding.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { decodeGroupRecord, encodeGroupRecord, type GroupRecord } from '../../core/changes/snapshot/group-record';
import { recordKeyOf } from '../../core/changes/snapshot/record-key';
import {
	decodeSnapshot,
	emptySnapshot,
	encodeSnapshot,
	snapshotProblem,
	type Snapshot,
} from '../../core/changes/snapshot/snapshot';
import { decodeUserRecord, encodeUserRecord, type UserRecord } from '../../core/changes/snapshot/user-record';

const hex = (length: number) =>
	fc
		.array(fc.constantFrom(...'0123456789abcdef'), { minLength: length, maxLength: length })
		.map((chars) => chars.join(''));
const id = fc.oneof(
	fc.uuid(),
	fc.uuid().map((uuid) => `{${uuid.toUpperCase()}}`),
	fc.tuple(hex(8), hex(8), hex(8), hex(8)).map((parts) => parts.join('-')),
	fc.string({ minLength: 1, maxLength: 12 }),
);
const uint32 = fc.nat({ max: 0xffffffff });
/** Every value a user record holds, over its whole width: a 32-bit whole hash, 2-bit field hashes, a 3-bit
 * extras hash, a 4-bit password hash (user-record.ts). */
const userBody = fc.record({
	status: fc.record({ disabled: fc.boolean(), locked: fc.boolean(), passwordResetRequired: fc.boolean() }),
	valuesHash: uint32,
	fieldHashes: fc.array(fc.nat({ max: 3 }), { minLength: 12, maxLength: 12 }),
	extrasHash: fc.nat({ max: 7 }),
	dnHash: uint32,
	passwordHash: fc.nat({ max: 15 }),
});
const groupBody = fc.record({ valuesHash: uint32, dnHash: uint32, privileged: fc.boolean() });

type Model = { users: Map<string, UserRecord>; groups: Map<string, GroupRecord> };

/** A poll's changes: users and groups set (new or again) and deleted, group members among the users or not. */
const poll = fc.record({
	users: fc.array(fc.tuple(id, userBody), { maxLength: 40 }),
	deletedUsers: fc.array(fc.nat(), { maxLength: 8 }),
	groups: fc.array(fc.tuple(id, groupBody, fc.array(fc.nat(), { maxLength: 12 }), fc.array(uint32, { maxLength: 3 })), {
		maxLength: 6,
	}),
	deletedGroups: fc.array(fc.nat(), { maxLength: 3 }),
});

type Poll = typeof poll extends fc.Arbitrary<infer T> ? T : never;

function apply(change: Poll, snapshot: Snapshot, model: Model): void {
	for (const [userId, body] of change.users) {
		// Plain objects, as the strategies make them (fast-check's records have no prototype).
		const record: UserRecord = {
			id: recordKeyOf(userId),
			...body,
			status: { ...body.status },
			fieldHashes: [...body.fieldHashes],
		};
		snapshot.users.set(userId, record);
		model.users.set(record.id, record);
	}
	const userKeys = [...model.users.keys()];
	for (const pick of change.deletedUsers) {
		if (userKeys.length === 0) break;
		const key = userKeys[pick % userKeys.length];
		expect(snapshot.users.delete(key)).toBe(model.users.delete(key));
	}
	const dnHashes = [...model.users.values()].map((record) => record.dnHash);
	for (const [groupId, body, members, others] of change.groups) {
		const memberHashes = [
			...new Set([
				...members.filter(() => dnHashes.length > 0).map((pick) => dnHashes[pick % dnHashes.length]),
				...others,
			]),
		].sort((a, b) => a - b);
		const record: GroupRecord = { id: recordKeyOf(groupId), ...body, memberHashes };
		snapshot.groups.set(groupId, record);
		model.groups.set(record.id, record);
	}
	const groupKeys = [...model.groups.keys()];
	for (const pick of change.deletedGroups) {
		if (groupKeys.length === 0) break;
		const key = groupKeys[pick % groupKeys.length];
		expect(snapshot.groups.delete(key)).toBe(model.groups.delete(key));
	}
}

function expectHolds(snapshot: Snapshot, model: Model): void {
	expect(snapshot.users.size).toBe(model.users.size);
	expect(differences(snapshot.users.entries(), model.users)).toEqual([]);
	// Iterating a table, its values and its keys list the same records.
	expect(differences(snapshot.users, model.users)).toEqual([]);
	expect([...snapshot.users.values()]).toEqual([...snapshot.users.entries()].map(([, record]) => record));
	expect([...snapshot.users.keys()]).toEqual([...snapshot.users.entries()].map(([key]) => key));
	expect([...snapshot.groups.values()]).toEqual([...snapshot.groups.entries()].map(([, record]) => record));
	expect([...model.users].filter(([key, record]) => !isDeepStrictEqual(snapshot.users.get(key), record))).toEqual([]);
	expect(differences(snapshot.groups.entries(), model.groups)).toEqual([]);
	expect([...model.groups].filter(([key, record]) => !isDeepStrictEqual(snapshot.groups.get(key), record))).toEqual([]);
}

/** The entries listed that the model does not hold as they are, and the model's keys not listed (jest's deep
 * equality of thousands of records is slow: compared one by one). */
function differences<R>(listed: Iterable<[string, R]>, model: Map<string, R>): unknown[] {
	const found: unknown[] = [];
	const seen = new Set<string>();
	for (const [key, record] of listed) {
		if (seen.has(key) || !isDeepStrictEqual(model.get(key), record)) found.push(['listed', key, record]);
		seen.add(key);
	}
	for (const key of model.keys()) if (!seen.has(key)) found.push(['missing', key]);
	return found;
}

/** Stored as n8n stores it (JSON), checked as every poll checks it, and read back. */
function storedAndRead(snapshot: Snapshot): Snapshot {
	const serialized = JSON.parse(JSON.stringify(encodeSnapshot(snapshot)));
	expect(snapshotProblem(serialized)).toBeUndefined();
	return decodeSnapshot(serialized);
}

/** The next poll works on clones, as the strategies do: the stored state must stay as it was. */
function nextPoll(stored: Snapshot): Snapshot {
	const users = stored.users.clone();
	return { users, groups: stored.groups.clone(users), passwords: stored.passwords?.clone() };
}

describe('the stored snapshot holds exactly what the polls stored', () => {
	it('over generated polls: sets, changes and deletions of users and groups, read back after each poll', () => {
		fc.assert(
			fc.property(fc.array(poll, { minLength: 1, maxLength: 3 }), (polls) => {
				const model: Model = { users: new Map(), groups: new Map() };
				let stored = storedAndRead(emptySnapshot());
				for (const change of polls) {
					const before: Model = { users: new Map(model.users), groups: new Map(model.groups) };
					const next = nextPoll(stored);
					apply(change, next, model);
					expectHolds(next, model);
					// The poll's changes are pending over the stored state, which is as it was.
					expectHolds(stored, before);
					stored = storedAndRead(next);
					expectHolds(stored, model);
				}
				for (const missing of ['hash:00000000000000000000000000000000', '00000000-0000-4000-8000-000000000000'])
					if (!model.users.has(missing)) expect(stored.users.has(missing)).toBe(false);
			}),
			{ seed: 14, numRuns: 25 },
		);
	});

	it("one record's text (an event's change stamp) reads back to the record, and another record has another text", () => {
		fc.assert(
			fc.property(id, userBody, userBody, (userId, body, other) => {
				const record: UserRecord = {
					id: recordKeyOf(userId),
					...body,
					status: { ...body.status },
					fieldHashes: [...body.fieldHashes],
				};
				const text = encodeUserRecord(record);
				expect(decodeUserRecord(text)).toEqual(record);
				const changed = { ...record, ...other, status: { ...other.status }, fieldHashes: [...other.fieldHashes] };
				if (!isDeepStrictEqual(changed, record)) expect(encodeUserRecord(changed)).not.toBe(text);
			}),
			{ seed: 14, numRuns: 100 },
		);
		fc.assert(
			fc.property(id, groupBody, fc.array(uint32, { maxLength: 5 }), (groupId, body, hashes) => {
				const memberHashes = [...new Set(hashes)].sort((a, b) => a - b);
				const record: GroupRecord = { id: recordKeyOf(groupId), ...body, memberHashes };
				expect(decodeGroupRecord(encodeGroupRecord(record))).toEqual(record);
			}),
			{ seed: 14, numRuns: 100 },
		);
	});

	it('a table of more than 4,096 users answers many lookups (an index is built) as it answers a few', () => {
		const random = mulberry32(14);
		const snapshot = emptySnapshot();
		const model: Model = { users: new Map(), groups: new Map() };
		for (let index = 0; index < 4200; index++) {
			const userId = index % 3 === 0 ? `user-${index}` : uuidFrom(random);
			const record: UserRecord = {
				id: recordKeyOf(userId),
				status: { disabled: random() < 0.5, locked: random() < 0.5, passwordResetRequired: random() < 0.5 },
				valuesHash: Math.floor(random() * 0x100000000),
				fieldHashes: Array.from({ length: 12 }, () => Math.floor(random() * 4)),
				extrasHash: Math.floor(random() * 8),
				dnHash: Math.floor(random() * 0x100000000),
				passwordHash: Math.floor(random() * 16),
			};
			snapshot.users.set(userId, record);
			model.users.set(record.id, record);
		}
		const stored = storedAndRead(snapshot);
		const keys = [...model.users.keys()];
		for (let lookup = 0; lookup < 300; lookup++) {
			const key = keys[Math.floor(random() * keys.length)];
			expect(isDeepStrictEqual(stored.users.get(key), model.users.get(key))).toBe(true);
			expect(stored.users.has(`user-missing-${lookup}`)).toBe(false);
			expect(stored.users.has(uuidFrom(random))).toBe(false);
		}
		expect(stored.users.size).toBe(4200);
		expect(differences(stored.users.entries(), model.users)).toEqual([]);
		// Two more polls over the many stored chunks: one that only changes users (written where they lie), one
		// that also adds and deletes them (chunks written again and split); each read back whole.
		let current = stored;
		for (const addsAndDeletes of [false, true]) {
			const next = nextPoll(current);
			for (let change = 0; change < 300; change++) {
				const key = keys[Math.floor(random() * keys.length)];
				if (!model.users.has(key)) continue;
				if (addsAndDeletes && change % 3 === 0) {
					expect(next.users.delete(key)).toBe(true);
					model.users.delete(key);
					continue;
				}
				const record = { ...(model.users.get(key) as UserRecord), valuesHash: Math.floor(random() * 0x100000000) };
				next.users.set(key, record);
				model.users.set(key, record);
				if (addsAndDeletes) {
					const added: UserRecord = { ...record, id: recordKeyOf(uuidFrom(random)) };
					next.users.set(added.id, added);
					model.users.set(added.id, added);
				}
			}
			current = storedAndRead(next);
			expect(current.users.size).toBe(model.users.size);
			expect(differences(current.users.entries(), model.users)).toEqual([]);
		}
	});
});

/** A small seeded generator, so the large table is the same on every run. */
function mulberry32(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let value = Math.imul(state ^ (state >>> 15), 1 | state);
		value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
		return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
	};
}

function uuidFrom(random: () => number): string {
	const digits = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
	return `${digits.slice(0, 8)}-${digits.slice(8, 12)}-${digits.slice(12, 16)}-${digits.slice(16, 20)}-${digits.slice(20)}`;
}
