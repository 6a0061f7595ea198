/**
 * A stored snapshot that cannot be used is told before a poll reads it (issue 14: one corrupt state must become a
 * fresh start, never an error on every poll). The first tests hold for any stored form; the ones marked "this
 * encoding" damage the present stored form (chunks of front-coded base 85 user records, base64 group records with
 * Rice-coded member positions) in the ways a cut or edited state would.
 */
import fc from 'fast-check';
import { groupRecordOf, groupRecordProblem } from '../../core/changes/snapshot/group-record';
import { decodeSnapshot, emptySnapshot, encodeSnapshot, snapshotProblem } from '../../core/changes/snapshot/snapshot';
import { decodeBase85Into, encodeBase85 } from '../../core/changes/snapshot/record-codec';
import { USER_RECORD_BYTES, userRecordOf, writeUserRecord } from '../../core/changes/snapshot/user-record';
import * as userStream from '../../core/changes/snapshot/user-stream';
import type { DirectoryUser } from '../../core/model/directory-user';

function person(index: number): DirectoryUser {
	return {
		id: `0000000${index}-1111-4222-8333-444455556666`,
		dn: `uid=u${index},ou=people,dc=example`,
		login: `u${index}`,
		memberOf: [],
		status: { disabled: false, locked: false, passwordResetRequired: false },
		attributes: {},
	};
}

/** A stored snapshot of three users and a group of two of them and one member from elsewhere. */
function stored() {
	const snapshot = emptySnapshot();
	for (let index = 1; index <= 3; index++) {
		const record = userRecordOf(person(index), `2026120${index}000000Z`);
		snapshot.users.set(record.id, record);
	}
	const group = groupRecordOf(
		{ id: 'a0000000-1111-4222-8333-444455556666', dn: 'cn=g,dc=example', name: 'g', privileged: false, attributes: {} },
		['uid=u1,ou=people,dc=example', 'uid=u3,ou=people,dc=example', 'cn=outside,dc=example'],
	);
	snapshot.groups.set(group.id, group);
	snapshot.passwords?.note(snapshot.users.get(person(3).id)?.id ?? '', '20261203000000Z');
	return JSON.parse(JSON.stringify(encodeSnapshot(snapshot)));
}

describe('a stored snapshot that cannot be used (any stored form)', () => {
	it('a sound one has no problem', () => {
		expect(snapshotProblem(stored())).toBeUndefined();
		expect(snapshotProblem(JSON.parse(JSON.stringify(encodeSnapshot(emptySnapshot()))))).toBeUndefined();
	});

	it('no object at all', () => {
		for (const value of [undefined, null, [], 'users', 42]) expect(snapshotProblem(value)).toBe('there is no snapshot');
	});

	it('a part of the wrong type', () => {
		const sound = stored();
		for (const [part, value] of [
			['users', 1],
			['users', null],
			// The users as one text: the form before stored-state version 3.
			['users', 'users'],
			['users', {}],
			['groups', {}],
			['groups', 'g'],
		] as const)
			expect(snapshotProblem({ ...sound, [part]: value })).toBe('the snapshot has parts of the wrong type');
	});

	it('whatever is changed in it, either a problem is told or every record reads back', () => {
		const sound = stored();
		const part = fc.constantFrom('users', 'groups', 'passwords');
		const damage = fc.oneof(
			fc.constant((text: string) => text.slice(0, -1)),
			fc.constant((text: string) => text.slice(1)),
			fc.constant((text: string) => `${text}A`),
			fc
				.nat()
				.map(
					(at) => (text: string) =>
						text === '' ? '"' : `${text.slice(0, at % text.length)}"${text.slice((at % text.length) + 1)}`,
				),
		);
		const damaged = (value: unknown, change: (text: string) => string): unknown => {
			if (typeof value === 'string') return change(value);
			if (Array.isArray(value)) return value.map((item) => damaged(item, change));
			if (value !== null && typeof value === 'object')
				return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, damaged(item, change)]));
			return value;
		};
		fc.assert(
			fc.property(part, damage, (name, change) => {
				const state = { ...sound, [name]: damaged(sound[name], change) };
				if (snapshotProblem(state) !== undefined) return;
				const snapshot = decodeSnapshot(state);
				expect(() => [...snapshot.users.entries(), ...snapshot.groups.entries()]).not.toThrow();
			}),
			{ seed: 14, numRuns: 150 },
		);
	});
});

describe('a stored snapshot that cannot be used (this encoding)', () => {
	/** A stored chunk's bytes, changed by `edit`, as a chunk again. */
	const edited = (chunk: string, edit: (bytes: Uint8Array) => void): string => {
		const bytes = new Uint8Array((chunk.length / 5) * 4);
		decodeBase85Into(chunk, 0, chunk.length / 5, bytes, 0);
		edit(bytes);
		return encodeBase85(bytes);
	};

	it('user chunks cut short, holding a character outside their alphabet, or not text', () => {
		const sound = stored();
		const [chunk] = sound.users as string[];
		expect(sound.users).toHaveLength(1);
		expect(snapshotProblem({ ...sound, users: [chunk.slice(0, -1)] })).toBe('the user records are damaged');
		expect(snapshotProblem({ ...sound, users: [chunk.slice(0, -5)] })).toBe('the user records are cut short');
		expect(snapshotProblem({ ...sound, users: [chunk.slice(0, 3)] })).toBe('the user records are damaged');
		expect(snapshotProblem({ ...sound, users: [`"${chunk.slice(1)}`] })).toBe('the user records are damaged');
		expect(snapshotProblem({ ...sound, users: [`${chunk.slice(0, -1)}\u00e9`] })).toBe('the user records are damaged');
		expect(snapshotProblem({ ...sound, users: [chunk, 7] })).toBe('the user records are damaged');
		expect(snapshotProblem({ ...sound, users: [chunk, null] })).toBe('the user records are damaged');
	});

	it('user chunks whose count, front coding or key order does not hold', () => {
		const sound = stored();
		const [chunk] = sound.users as string[];
		// Without the group, which needs three users: only the users are checked.
		const problem = (users: string[]) => snapshotProblem({ ...sound, users, groups: [] });
		expect(problem([edited(chunk, (bytes) => (bytes[0] = 4))])).toBe('the user records are cut short');
		expect(problem([edited(chunk, (bytes) => (bytes[0] = 2))])).toBe('the user records hold more than they count');
		expect(problem([edited(chunk, (bytes) => (bytes[1] = 1))])).toBe('the user records are cut short');
		// The first user of a chunk shares no key bytes with one before it.
		expect(problem([edited(chunk, (bytes) => (bytes[2] |= 1))])).toBe('the user records are damaged');
		// Bytes past the last user are zero.
		expect(problem([`${chunk}${encodeBase85(Uint8Array.of(0, 0, 0, 1))}`])).toBe(
			'the user records hold more than they count',
		);
		// The same users twice, and chunks swapped: keys not in order across chunks.
		expect(problem([chunk, chunk])).toBe('the user records are not in key order');
		const single = (index: number) => {
			const snapshot = emptySnapshot();
			const record = userRecordOf(person(index), undefined);
			snapshot.users.set(record.id, record);
			return encodeSnapshot(snapshot).users[0];
		};
		expect(problem([single(1), single(2)])).toBeUndefined();
		expect(problem([single(2), single(1)])).toBe('the user records are not in key order');
		// Inside a chunk: users written out of key order, or one user twice.
		const inChunk = (...indexes: number[]) => {
			const records = new Uint8Array(indexes.length * USER_RECORD_BYTES);
			indexes.forEach((index, at) =>
				writeUserRecord(userRecordOf(person(index), undefined), records, at * USER_RECORD_BYTES),
			);
			return userStream.encodeUserChunk(records, 0, indexes.length);
		};
		expect(problem([inChunk(1, 2, 3)])).toBeUndefined();
		expect(problem([inChunk(1, 3, 2)])).toBe('the user records are not in key order');
		expect(problem([inChunk(1, 2, 2)])).toBe('the user records are not in key order');
		// A user that says it shares fewer key bytes than it does (the rest of its key written out): the records
		// read the same, but not at the places a poll patches them (patchUserChunk), so it is damage too.
		const sharedLess = (less: number) => {
			const pair = inChunk(1, 2);
			const bytes = new Uint8Array((pair.length / 5) * 4);
			decodeBase85Into(pair, 0, pair.length / 5, bytes, 0);
			// The second user starts after the count (2 bytes) and the first user (1 + 16 + 12 bytes).
			const second = 2 + 1 + 16 + 12;
			const shared = bytes[second] & 0x0f;
			const key = userRecordOf(person(2), undefined);
			const keyBytes = new Uint8Array(USER_RECORD_BYTES);
			writeUserRecord(key, keyBytes, 0);
			const written = [
				...bytes.subarray(0, second),
				(bytes[second] & 0xf0) | (shared - less),
				...keyBytes.subarray(shared - less, shared),
				...bytes.subarray(second + 1, second + 1 + 16 - shared + 12),
			];
			while (written.length % 4 !== 0) written.push(0);
			return encodeBase85(Uint8Array.from(written));
		};
		expect(problem([sharedLess(0)])).toBeUndefined();
		expect(problem([sharedLess(1)])).toBe('the user records are damaged');
		expect(problem([sharedLess(3)])).toBe('the user records are damaged');
	});

	it('group records that are no base64, too short, badly Rice-coded, or name users the snapshot does not hold', () => {
		const sound = stored();
		const [group] = sound.groups as string[];
		expect(groupRecordProblem(group, 3)).toBeUndefined();
		// Known sound over 3 users, it is not so over 2 (the memo of sound records keeps how many they need).
		expect(groupRecordProblem(group, 2)).toBe('a group record names a user the snapshot does not hold');
		expect(groupRecordProblem(group, 3)).toBeUndefined();
		expect(groupRecordProblem(42, 3)).toBe('a group record is not base64 text');
		expect(groupRecordProblem('a"b', 3)).toBe('a group record is not base64 text');
		expect(groupRecordProblem(group.slice(0, 32), 3)).toBe('a group record is too short');
		// key (16) · format (1) · hashes (8) · 2 positions · 1 other member · its hash (4) · k · Rice bits
		const bytes = Buffer.from(group, 'base64');
		expect([bytes[25], bytes[26]]).toEqual([2, 1]);
		const changed = (edit: (copy: Buffer) => Buffer) => edit(Buffer.from(bytes)).toString('base64');
		expect(
			groupRecordProblem(
				changed((copy) => copy.subarray(0, 31)),
				3,
			),
		).toBe('a group record lists more members than it holds');
		expect(
			groupRecordProblem(
				changed((copy) => ((copy[31] = 31), copy)),
				3,
			),
		).toBe('a group record is damaged');
		// More positions counted than the Rice bits hold: past the users, or, over many users, past the bits.
		const overcounted = changed((copy) => ((copy[25] = 100), copy));
		expect(groupRecordProblem(overcounted, 3)).toBe('a group record names a user the snapshot does not hold');
		expect(groupRecordProblem(overcounted, 1000)).toBe('a group record lists more members than it holds');
		// Every gap bit set: a unary quotient that runs past the users.
		expect(
			groupRecordProblem(
				changed((copy) => (copy.fill(0xff, 32), copy)),
				3,
			),
		).toMatch(/^a group record (names a user the snapshot does not hold|lists more members than it holds)$/);
		expect(snapshotProblem({ ...sound, groups: [group, 7] })).toBe('a group record is not base64 text');
		// The users of a snapshot that holds only the first two: the group names the third.
		const fewer = emptySnapshot();
		for (let index = 1; index <= 2; index++) {
			const record = userRecordOf(person(index), undefined);
			fewer.users.set(record.id, record);
		}
		expect(snapshotProblem({ ...sound, users: encodeSnapshot(fewer).users })).toBe(
			'a group record names a user the snapshot does not hold',
		);
	});

	it('a state this process wrote is checked without decoding its users again, until a chunk of it is changed in place', () => {
		const snapshot = emptySnapshot();
		for (let index = 1; index <= 3; index++) {
			const record = userRecordOf(person(index), undefined);
			snapshot.users.set(record.id, record);
		}
		const written = encodeSnapshot(snapshot);
		const decodes = jest.spyOn(userStream, 'decodeUserChunk');
		try {
			expect(snapshotProblem(written)).toBeUndefined();
			expect(decodeSnapshot(written).users.size).toBe(3);
			expect(decodes).not.toHaveBeenCalled();
			written.users[0] = `${written.users[0].slice(0, -5)}`;
			expect(snapshotProblem(written)).toBe('the user records are cut short');
			expect(decodes).toHaveBeenCalledTimes(1);
		} finally {
			decodes.mockRestore();
		}
	});

	it('a password watermark of the wrong shape', () => {
		const sound = stored();
		expect(sound.passwords).toEqual({ upTo: expect.any(String), atUpTo: expect.any(String) });
		for (const passwords of [null, 'x', { upTo: 1, atUpTo: '' }, { upTo: '', atUpTo: 1 }, { upTo: '', atUpTo: '"' }])
			expect(snapshotProblem({ ...sound, passwords })).toBe('the password watermark is damaged');
		const { passwords: _left, ...withoutWatermark } = sound;
		expect(snapshotProblem(withoutWatermark)).toBeUndefined();
	});
});
