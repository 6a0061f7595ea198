/**
 * A stored snapshot that cannot be used is told before a poll reads it (issue 14: one corrupt state must become a
 * fresh start, never an error on every poll). The first tests hold for any stored form; the ones marked "this
 * encoding" damage the present stored form (base 85 user records, Rice-coded key heads, base64 group records) in
 * the ways a cut or edited state would.
 */
import fc from 'fast-check';
import { groupRecordOf, groupRecordProblem } from '../../core/changes/snapshot/group-record';
import { decodeSnapshot, emptySnapshot, encodeSnapshot, snapshotProblem } from '../../core/changes/snapshot/snapshot';
import { userRecordOf } from '../../core/changes/snapshot/user-record';
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
			['userKeyHeads', []],
			['groups', {}],
			['groups', 'g'],
		] as const)
			expect(snapshotProblem({ ...sound, [part]: value })).toBe('the snapshot has parts of the wrong type');
	});

	it('whatever is changed in it, either a problem is told or every record reads back', () => {
		const sound = stored();
		const part = fc.constantFrom('users', 'userKeyHeads', 'groups', 'passwords');
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
	it('user records cut short or holding a character outside their alphabet', () => {
		const sound = stored();
		expect(snapshotProblem({ ...sound, users: sound.users.slice(0, -1) })).toBe('the user records are damaged');
		expect(snapshotProblem({ ...sound, users: `"${sound.users.slice(1)}` })).toBe('the user records are damaged');
		expect(snapshotProblem({ ...sound, users: `${sound.users.slice(0, -1)}\u00e9` })).toBe(
			'the user records are damaged',
		);
	});

	it('key heads that are not Rice-coded text, or end before the last user', () => {
		const sound = stored();
		expect(snapshotProblem({ ...sound, userKeyHeads: '' })).toBe('the key heads are not Rice-coded text');
		expect(snapshotProblem({ ...sound, userKeyHeads: `Z${sound.userKeyHeads.slice(1)}` })).toBe(
			'the key heads are not Rice-coded text',
		);
		expect(snapshotProblem({ ...sound, userKeyHeads: `${sound.userKeyHeads}"` })).toBe(
			'the key heads are not Rice-coded text',
		);
		expect(snapshotProblem({ ...sound, userKeyHeads: sound.userKeyHeads.slice(0, 1) })).toMatch(
			/^the key heads end after 0 of 3 users$/,
		);
	});

	it('group records that are no base64, too short, or name users the snapshot does not hold', () => {
		const sound = stored();
		const [group] = sound.groups as string[];
		expect(groupRecordProblem(group, 3)).toBeUndefined();
		expect(groupRecordProblem(group, 2)).toBe('a group record names a user the snapshot does not hold');
		expect(groupRecordProblem(42, 3)).toBe('a group record is not base64 text');
		expect(groupRecordProblem('a"b', 3)).toBe('a group record is not base64 text');
		expect(groupRecordProblem(group.slice(0, 32), 3)).toBe('a group record is too short');
		const bytes = Buffer.from(group, 'base64');
		expect(groupRecordProblem(bytes.subarray(0, bytes.length - 1).toString('base64'), 3)).toBe(
			'a group record ends inside a member hash',
		);
		expect(snapshotProblem({ ...sound, groups: [group, 7] })).toBe('a group record is not base64 text');
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
