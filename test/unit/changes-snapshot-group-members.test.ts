/**
 * A group's record in the snapshot: its values hash kept across versions, its member list (sorted, each member
 * once), and the stored member part (users as Rice-coded positions, other members as DN hashes) read back
 * exactly, at its edges (no member, 127 / 128 members where the count takes a second byte, gaps that end on a
 * byte), and about as small as the code promises.
 */
import fc from 'fast-check';
import * as groupRecord from '../../core/changes/snapshot/group-record';
import {
	decodeGroupParts,
	encodePositions,
	groupRecordOf,
	groupRecordProblem,
	sortedUniqueHashes,
} from '../../core/changes/snapshot/group-record';
import { dnHash } from '../../core/changes/snapshot/dn-hash';
import { decodeSnapshot, emptySnapshot, encodeSnapshot, snapshotProblem } from '../../core/changes/snapshot/snapshot';
import { userRecordOf } from '../../core/changes/snapshot/user-record';
import { UserTable } from '../../core/changes/snapshot/user-table';
import type { DirectoryGroup } from '../../core/model/directory-group';
import type { DirectoryUser } from '../../core/model/directory-user';

const group = (overrides: Partial<DirectoryGroup> = {}): DirectoryGroup => ({
	id: 'a0000000-1111-4222-8333-444455556666',
	dn: 'cn=Staff,ou=groups,dc=example',
	name: 'Staff',
	privileged: false,
	attributes: {},
	...overrides,
});

function person(index: number): DirectoryUser {
	return {
		id: `${index.toString(16).padStart(8, '0')}-1111-4222-8333-444455556666`,
		dn: `uid=u${index},ou=people,dc=example`,
		login: `u${index}`,
		memberOf: [],
		status: { disabled: false, locked: false, passwordResetRequired: false },
		attributes: {},
	};
}

/** A stored group record: a header of 25 bytes (key, format, hashes) and the member part of these members. */
function storedGroup(positions: number[], others: number[]): string {
	return Buffer.concat([new Uint8Array(25), encodePositions(positions, others)]).toString('base64');
}

describe("a group's record", () => {
	it('keeps the values hash of its name, description and extra attributes across versions', () => {
		// A changed formula would report every group as changed on the first poll after an update.
		expect(groupRecordOf(group(), []).valuesHash).toBe(0x11a25514);
		expect(groupRecordOf(group({ description: 'All staff' }), []).valuesHash).toBe(0x8e9ecfd3);
		// A missing description is an empty one.
		expect(groupRecordOf(group({ description: '' }), []).valuesHash).toBe(0x11a25514);
		const withExtras = group({ attributes: { businessCategory: ['b', 'a'], l: 'Berlin' } });
		expect(groupRecordOf(withExtras, [], ['businessCategory', 'l']).valuesHash).toBe(0x06ff98c7);
		// The attribute's name in any case, its values in any order: the same hash.
		const spelledOtherwise = group({ attributes: { BusinessCategory: ['a', 'b'], l: 'Berlin' } });
		expect(groupRecordOf(spelledOtherwise, [], ['BusinessCategory', 'l']).valuesHash).toBe(0x06ff98c7);
	});

	it('lists each member once, by DN hash in ascending order, however the directory spelled or ordered them', () => {
		const members = ['uid=b,dc=example', 'UID=A, dc=Example', 'uid=c,dc=example', 'uid=a,dc=example'];
		const record = groupRecordOf(group({ privileged: true }), members);
		const hashes = [...new Set(['uid=a,dc=example', 'uid=b,dc=example', 'uid=c,dc=example'].map(dnHash))];
		expect(record.memberHashes).toEqual(hashes.sort((a, b) => a - b));
		expect(record).toEqual(
			expect.objectContaining({ dnHash: dnHash('cn=staff,ou=groups,dc=example'), privileged: true }),
		);
		expect(sortedUniqueHashes([7, 3, 7, 0xffffffff, 3, 0])).toEqual([0, 3, 7, 0xffffffff]);
		expect(sortedUniqueHashes([])).toEqual([]);
	});
});

describe("a stored group's members", () => {
	it('read back as the sorted positions (each once) and the other members written, whatever they are', () => {
		const positions = fc.array(fc.nat({ max: 5000 }), { maxLength: 300 });
		const others = fc.array(fc.nat({ max: 0xffffffff }), { maxLength: 5 });
		fc.assert(
			fc.property(positions, others, (written, outside) => {
				const text = storedGroup(written, outside);
				const parts = decodeGroupParts(text);
				expect(parts.positions).toEqual([...new Set(written)].sort((a, b) => a - b));
				expect(parts.others).toEqual(outside);
				const needed = written.length === 0 ? 0 : Math.max(...written) + 1;
				expect(groupRecordProblem(text, needed)).toBeUndefined();
				if (needed > 0)
					expect(groupRecordProblem(text, needed - 1)).toBe('a group record names a user the snapshot does not hold');
			}),
			{ seed: 14, numRuns: 100 },
		);
	});

	it('at the edges: no member, 127 and 128 of them (the count takes a second byte), positions from 0 up', () => {
		for (const count of [0, 1, 127, 128, 129, 300]) {
			const written = Array.from({ length: count }, (_, index) => index * 3);
			const outside = Array.from({ length: count }, (_, index) => index * 7919);
			const parts = decodeGroupParts(storedGroup(written, outside));
			expect([parts.positions, parts.others]).toEqual([written, outside]);
			expect(groupRecordProblem(storedGroup(written, outside), 3 * count)).toBeUndefined();
		}
		// Dense groups (gaps of 0, one bit each) whose bits end on a byte and just past one.
		for (const count of [8, 9, 15, 16, 17, 64]) {
			const written = Array.from({ length: count }, (_, index) => index);
			expect(decodeGroupParts(storedGroup(written, [])).positions).toEqual(written);
			expect(groupRecordProblem(storedGroup(written, []), count)).toBeUndefined();
		}
	});

	it('take about 2 bits a member for half the users and about 8 for a hundredth', () => {
		const bitsPerMember = (every: number, users: number) => {
			const written = Array.from({ length: Math.floor(users / every) }, (_, index) => index * every);
			// The member part less its counts (2 bytes) and its Rice parameter (1 byte).
			return ((encodePositions(written, []).length - 3) * 8) / written.length;
		};
		expect(bitsPerMember(1, 4000)).toBeLessThanOrEqual(1.01);
		expect(bitsPerMember(2, 4000)).toBeLessThanOrEqual(2.01);
		expect(bitsPerMember(8, 4000)).toBeLessThanOrEqual(4.1);
		expect(bitsPerMember(100, 4000)).toBeLessThanOrEqual(8.2);
		expect(bitsPerMember(1000, 100_000)).toBeLessThanOrEqual(11.1);
		// Rice parameter: the mean gap's bit length, or no bits at all for the dense group.
		expect(encodePositions([0, 1, 2, 3], [])[2]).toBe(0);
		expect(encodePositions([99, 199, 299, 399], [])[2]).toBe(6);
	});

	it("a record cut inside its last member's low bits lists more members than it holds", () => {
		// Gaps of 99 with a Rice parameter of 6: one byte a member, so the cut takes the last member's low bits.
		const whole = Buffer.from(storedGroup([99, 199, 299, 399], []), 'base64');
		expect(groupRecordProblem(whole.toString('base64'), 1000)).toBeUndefined();
		expect(groupRecordProblem(whole.subarray(0, whole.length - 1).toString('base64'), 1000)).toBe(
			'a group record lists more members than it holds',
		);
	});

	it('a damaged record read without the check fails with a message that says so', () => {
		const [text] = encodeSnapshot(withGroupOf([1, 2])).groups;
		const bytes = Buffer.from(text, 'base64');
		bytes[25] = 100;
		expect(() => decodeGroupParts(bytes.toString('base64'))).toThrow(
			'The stored snapshot cannot be read: a group record lists more members than it holds',
		);
	});
});

/** A snapshot of five users (or those given) and one group of the users at these indexes. */
function withGroupOf(indexes: number[], privileged = false, users = [0, 1, 2, 3, 4]) {
	const snapshot = emptySnapshot();
	for (const index of users) {
		const record = userRecordOf(person(index), undefined);
		snapshot.users.set(record.id, record);
	}
	const record = groupRecordOf(group({ privileged }), [
		...indexes.map((index) => person(index).dn),
		'cn=outside,dc=example',
	]);
	snapshot.groups.set(record.id, record);
	return snapshot;
}

describe('the group table', () => {
	it('a stored group replaced without being read first is written with its new members', () => {
		const stored = decodeSnapshot(JSON.parse(JSON.stringify(encodeSnapshot(withGroupOf([1, 3])))));
		const users = stored.users.clone();
		const groups = stored.groups.clone(users);
		const replaced = groupRecordOf(group({ name: 'Renamed' }), [person(0).dn, person(4).dn, 'cn=outside,dc=example']);
		groups.set(replaced.id, replaced);
		const written = JSON.parse(JSON.stringify(encodeSnapshot({ users, groups })));
		expect(snapshotProblem(written)).toBeUndefined();
		expect(decodeSnapshot(written).groups.get(replaced.id)).toEqual(replaced);
	});

	it('knows no group it was never given', () => {
		const stored = decodeSnapshot(JSON.parse(JSON.stringify(encodeSnapshot(withGroupOf([1])))));
		expect(stored.groups.get('b0000000-1111-4222-8333-444455556666')).toBeUndefined();
		expect(stored.groups.has('b0000000-1111-4222-8333-444455556666')).toBe(false);
		expect(stored.groups.clone(stored.users).delete('b0000000-1111-4222-8333-444455556666')).toBe(false);
	});

	it('a poll that added or deleted no user writes the groups it did not change as stored, without reading them', () => {
		const storedText = JSON.parse(JSON.stringify(encodeSnapshot(withGroupOf([0, 2, 4]))));
		const stored = decodeSnapshot(storedText);
		const users = stored.users.clone();
		const changed = { ...(users.get(person(2).id) as ReturnType<typeof userRecordOf>), valuesHash: 7 };
		users.set(changed.id, changed);
		const decodes = jest.spyOn(groupRecord, 'decodeGroupParts');
		try {
			expect(encodeSnapshot({ users, groups: stored.groups.clone(users) }).groups).toEqual(storedText.groups);
			expect(decodes).not.toHaveBeenCalled();
		} finally {
			decodes.mockRestore();
		}
	});

	it('a group not read again, after users were added among its members, is stored as it would be anew', () => {
		// Users 1, 3, 5 stored; the group holds the first of them (position 0, where it stays), the last (moved),
		// and one from outside.
		const stored = decodeSnapshot(JSON.parse(JSON.stringify(encodeSnapshot(withGroupOf([1, 5], false, [1, 3, 5])))));
		const users = stored.users.clone();
		for (const index of [2, 4, 6]) {
			const record = userRecordOf(person(index), undefined);
			users.set(record.id, record);
		}
		const written = encodeSnapshot({ users, groups: stored.groups.clone(users) });
		const anew = encodeSnapshot(withGroupOf([1, 5], false, [1, 2, 3, 4, 5, 6]));
		expect(written.groups).toEqual(anew.groups);
		expect(decodeSnapshot(written).groups.get(groupRecordOf(group(), []).id)).toEqual(
			groupRecordOf(group(), [person(1).dn, person(5).dn, 'cn=outside,dc=example']),
		);
	});

	it('a group read again that still lists a renamed member by the former DN keeps that DN hash', () => {
		const stored = decodeSnapshot(JSON.parse(JSON.stringify(encodeSnapshot(withGroupOf([1, 3])))));
		const key = groupRecordOf(group(), []).id;
		// The group is read (decoded) before the poll changes it, as the differ reads it.
		expect(stored.groups.get(key)?.memberHashes).toContain(dnHash(person(3).dn));
		const users = stored.users.clone();
		const renamed = userRecordOf({ ...person(3), dn: 'uid=renamed,ou=people,dc=example' }, undefined);
		users.set(renamed.id, renamed);
		const added = userRecordOf(person(9), undefined);
		users.set(added.id, added);
		const groups = stored.groups.clone(users);
		const reread = groupRecordOf(group({ name: 'Staff again' }), [person(1).dn, person(3).dn, person(9).dn]);
		groups.set(key, reread);
		const written = JSON.parse(JSON.stringify(encodeSnapshot({ users, groups })));
		expect(snapshotProblem(written)).toBeUndefined();
		expect(decodeSnapshot(written).groups.get(key)).toEqual(reread);
	});

	it('decodes a stored group once, however often it is read', () => {
		const stored = decodeSnapshot(JSON.parse(JSON.stringify(encodeSnapshot(withGroupOf([1, 3])))));
		const decodes = jest.spyOn(groupRecord, 'decodeGroupParts');
		try {
			const key = groupRecordOf(group(), []).id;
			expect(stored.groups.get(key)).toEqual(stored.groups.get(key));
			expect([...stored.groups.values()]).toHaveLength(1);
			expect(decodes).toHaveBeenCalledTimes(1);
		} finally {
			decodes.mockRestore();
		}
	});

	it('a changed group finds its known members where they moved, and looks up all users once for new ones', () => {
		const snapshot = emptySnapshot();
		for (let index = 0; index < 1000; index++) {
			const record = userRecordOf(person(index), undefined);
			snapshot.users.set(record.id, record);
		}
		const members = [0, 500, 999].map((index) => person(index).dn);
		const first = groupRecordOf(group(), members);
		snapshot.groups.set(first.id, first);
		const stored = decodeSnapshot(JSON.parse(JSON.stringify(encodeSnapshot(snapshot))));
		expect(stored.groups.get(first.id)).toEqual(first);
		const lookups = jest.spyOn(UserTable.prototype, 'dnHashAt');
		try {
			for (const added of [[], [1000, 1001]]) {
				const users = stored.users.clone();
				// A user deleted after the first member: the others move down by one.
				users.delete(person(1).id);
				for (const index of added) {
					const record = userRecordOf(person(index), undefined);
					users.set(record.id, record);
				}
				const groups = stored.groups.clone(users);
				const changed = groupRecordOf(group({ name: 'Changed' }), [
					...members,
					...added.map((index) => person(index).dn),
				]);
				groups.set(changed.id, changed);
				lookups.mockClear();
				const written = encodeSnapshot({ users, groups });
				// Known members: a few lookups; new members: every user's DN hash once (one index for both).
				if (added.length === 0) expect(lookups.mock.calls.length).toBeLessThan(50);
				else expect(lookups.mock.calls.length).toBeLessThan(1500);
				expect(decodeSnapshot(written).groups.get(changed.id)).toEqual(changed);
			}
		} finally {
			lookups.mockRestore();
		}
	});

	it("lists each group's DN hash once: a changed group's new one, none for a deleted group", () => {
		const stored = decodeSnapshot(JSON.parse(JSON.stringify(encodeSnapshot(withGroupOf([1, 3], true)))));
		const key = groupRecordOf(group(), []).id;
		expect([...stored.groups.dnHashes()]).toEqual([[key, dnHash('cn=staff,ou=groups,dc=example')]]);
		const groups = stored.groups.clone(stored.users);
		groups.set(key, groupRecordOf(group({ dn: 'cn=Moved,dc=example' }), []));
		expect([...groups.dnHashes()]).toEqual([[key, dnHash('cn=moved,dc=example')]]);
		groups.delete(key);
		expect([...groups.dnHashes()]).toEqual([]);
		expect([...groups.entries()]).toEqual([]);
		expect(stored.groups.get(key)?.privileged).toBe(true);
	});
});
