import { randomUUID } from 'node:crypto';
import type { DirectoryUser } from '../../core/model/directory-user';
import { diffGroup, diffUser, type DiffEnvironment } from '../../core/changes/differ';
import { eventId, generalizedTimeToIso, type EventSource } from '../../core/changes/events';
import { normalizeDn } from '../../core/ldap/dn';
import { hash32 } from '../../core/changes/snapshot/hash';
import { comparableDn, dnHash } from '../../core/changes/snapshot/dn-hash';
import { type GroupRecord, groupRecordOf } from '../../core/changes/snapshot/group-record';
import { recordKeyOf } from '../../core/changes/snapshot/record-key';
import { decodeSnapshot, emptySnapshot, encodeSnapshot, type Snapshot } from '../../core/changes/snapshot/snapshot';
import { decodeUserRecord, encodeUserRecord, userRecordOf } from '../../core/changes/snapshot/user-record';
import { finishEvents } from '../../core/changes/state';

function withGroup(group: GroupRecord): Snapshot {
	const snapshot = emptySnapshot();
	snapshot.groups.set(group.id, group);
	return snapshot;
}

const source: EventSource = {
	kind: 'ldap',
	server: 'ldap://dir.example',
	strategy: 'snapshot',
	base: 'dc=example,dc=com',
};

function user(overrides: Partial<DirectoryUser> = {}): DirectoryUser {
	return {
		id: '750f6b7a-7e3f-1041-9059-a59237d5930e',
		dn: 'uid=adavis,ou=people,dc=example,dc=com',
		login: 'adavis',
		mail: 'arjun.davis@example.com',
		displayName: 'Davis, Arjun',
		title: 'Chief Executive Officer',
		department: 'Executive Office',
		memberOf: [],
		status: { disabled: false, locked: false, passwordResetRequired: false },
		attributes: {},
		...overrides,
	};
}

const env = (members: Record<number, string> = {}): DiffEnvironment => ({
	source,
	detectedAt: '2026-11-27T00:00:00.000Z',
	attributeOf: (field) =>
		(
			({ login: 'uid', surname: 'sn', department: 'ou', location: 'l', businessUnit: 'businessCategory' }) as Record<
				string,
				string
			>
		)[field] ?? field,
	extraAttributes: [],
	memberByDnHash: (hash) => (members[hash] ? { id: members[hash] } : undefined),
	memberByDn: (dn) => ({ id: `id-of-${dn}`, dn }),
});

describe('compact snapshot encoding', () => {
	it('reads a user record back as it was written, for time-based, random and hashed ids', () => {
		for (const id of ['1cd63b12-85cb-1041-87eb-ebcda8695a50', randomUUID(), 'jdoe@Content Server Members']) {
			const record = userRecordOf(
				user({ id, status: { disabled: true, locked: false, passwordResetRequired: true } }),
				'20261126101010Z',
			);
			const text = encodeUserRecord(record);
			expect(JSON.stringify(text)).toHaveLength(text.length + 2);
			expect(decodeUserRecord(text)).toEqual(record);
			const snapshot = emptySnapshot();
			snapshot.users.set(record.id, record);
			expect(decodeSnapshot(JSON.parse(JSON.stringify(encodeSnapshot(snapshot)))).users.get(id)).toEqual(record);
		}
	});

	/** OpenLDAP's entryUUID: a version 1 UUID of the time of creation (100 ns steps), its clock sequence and node. */
	function timeUuid(index: number): string {
		const time = 0x1f0_0000_0000_0000n + BigInt(index) * 3_000n;
		const hex = time.toString(16).padStart(15, '0');
		const sequence = (0x8000 | (index & 0x3fff)).toString(16);
		return `${hex.slice(7)}-${hex.slice(3, 7)}-1${hex.slice(0, 3)}-${sequence}-ebcda8695a50`;
	}

	it.each([
		['time-based ids (OpenLDAP entryUUID)', timeUuid, 24],
		['random ids (AD objectGUID, OTDS)', () => randomUUID(), 37],
	])('keeps 100,000 users with their group memberships within the bytes per user it states: %s', (_, idOf, limit) => {
		const snapshot: Snapshot = emptySnapshot();
		const dns: string[] = [];
		for (let index = 0; index < 100_000; index++) {
			const dn = `uid=u${index},ou=people,dc=example,dc=com`;
			const record = userRecordOf(user({ id: idOf(index), dn, login: `u${index}` }), `2026${index}`);
			snapshot.users.set(record.id, record);
			dns.push(dn);
		}
		// Like the bench's fixture: everyone in one of 12 departments and one of 10 locations, a quarter in a VPN group.
		const groups = [
			...Array.from({ length: 12 }, (_, department) => dns.filter((_, index) => index % 12 === department)),
			...Array.from({ length: 10 }, (_, location) => dns.filter((_, index) => Math.floor(index / 7) % 10 === location)),
			dns.filter((_, index) => index % 4 === 1),
		];
		groups.forEach((members, index) => {
			const record = groupRecordOf(
				{
					id: randomUUID(),
					dn: `cn=g${index},ou=groups,dc=example,dc=com`,
					name: `g${index}`,
					privileged: false,
					attributes: {},
				},
				members,
			);
			snapshot.groups.set(record.id, record);
		});
		const json = JSON.stringify(encodeSnapshot(snapshot));
		const bytesPerUser = Buffer.byteLength(json) / 100_000;
		expect(bytesPerUser).toBeLessThanOrEqual(limit);
		const decoded = decodeSnapshot(JSON.parse(json));
		expect(decoded.users.size).toBe(100_000);
		const [id, record] = [...snapshot.users.entries()][12345];
		expect(decoded.users.get(id)).toEqual(record);
	});

	it('keeps nsUniqueId keys restorable and other ids as hashes', () => {
		expect(recordKeyOf('c2b1d281-1dd111b2-80a1d0c4-8c5b2b65')).toBe('c2b1d281-1dd111b2-80a1d0c4-8c5b2b65');
		expect(recordKeyOf('jdoe@Content Server Members')).toMatch(/^hash:[0-9a-f]{32}$/);
		const group = groupRecordOf(
			{
				id: '11111111-2222-3333-4444-555555555555',
				dn: 'cn=Finance,ou=groups,dc=example,dc=com',
				name: 'Finance',
				privileged: false,
				attributes: {},
			},
			['uid=a,ou=people,dc=example,dc=com', 'UID=A, ou=People,dc=example,dc=com'],
		);
		expect(group.memberHashes).toHaveLength(1);
		const decoded = decodeSnapshot(encodeSnapshot(withGroup(group)));
		expect(decoded.groups.get(group.id)).toEqual(group);
		// OTDS group ids (name@partition) are hashed keys: they survive a round trip too.
		const otdsGroup = groupRecordOf(
			{
				id: 'Executives@Content Server Members',
				dn: 'oTGroup=1,orgunit=groups',
				name: 'Executives',
				privileged: false,
				attributes: {},
			},
			[],
		);
		const again = decodeSnapshot(encodeSnapshot(withGroup(otdsGroup)));
		expect(again.groups.get(recordKeyOf('Executives@Content Server Members'))).toEqual(otdsGroup);
	});
});

describe('group member sets in the snapshot', () => {
	it('stores user members as Rice-coded positions (a few bits each) and others as hashes', () => {
		const snapshot: Snapshot = emptySnapshot();
		const dns: string[] = [];
		// Fewer users under mutation (each mutant of the group records runs this test): the same codes, smaller.
		const userCount = process.env.MUTATION_TARGET ? 2_000 : 10_000;
		for (let index = 0; index < userCount; index++) {
			const dn = `uid=u${index},ou=people,dc=example,dc=com`;
			const record = userRecordOf(user({ id: randomUUID(), dn }), 'p');
			snapshot.users.set(record.id, record);
			dns.push(dn);
		}
		const everyone = groupRecordOf(
			{ id: randomUUID(), dn: 'cn=All,ou=groups,dc=example,dc=com', name: 'All', privileged: false, attributes: {} },
			[...dns, 'cn=Nested,ou=groups,dc=example,dc=com'],
		);
		const sparse = groupRecordOf(
			{ id: randomUUID(), dn: 'cn=Few,ou=groups,dc=example,dc=com', name: 'Few', privileged: false, attributes: {} },
			dns.filter((_, index) => index % 97 === 0),
		);
		snapshot.groups.set(everyone.id, everyone);
		snapshot.groups.set(sparse.id, sparse);
		const serialized = encodeSnapshot(snapshot);
		const decoded = decodeSnapshot(JSON.parse(JSON.stringify(serialized)));
		expect(decoded.groups.get(everyone.id)).toEqual(everyone);
		expect(decoded.groups.get(sparse.id)).toEqual(sparse);
		const memberships = everyone.memberHashes.length + sparse.memberHashes.length;
		const groupChars = serialized.groups.reduce((total, text) => total + text.length, 0);
		// About 1.2 characters a membership: the sparse group takes 8 bits a member, the full one 1 bit.
		expect(groupChars / memberships).toBeLessThan(0.3);
	});
});

describe('snapshot tables: changes cost what changed', () => {
	it('merges modifications, additions and deletions into the sorted string; group members follow the users', () => {
		const snapshot = emptySnapshot();
		const people = Array.from({ length: 500 }, (_, index) =>
			userRecordOf(
				user({ id: randomUUID(), dn: `uid=p${index},ou=people,dc=example,dc=com`, login: `p${index}` }),
				'p',
			),
		);
		for (const record of people) snapshot.users.set(record.id, record);
		const dns = (indexes: number[]) => indexes.map((index) => `uid=p${index},ou=people,dc=example,dc=com`);
		const group = groupRecordOf(
			{ id: randomUUID(), dn: 'cn=G,ou=groups,dc=example,dc=com', name: 'G', privileged: false, attributes: {} },
			dns([1, 7, 250, 499]),
		);
		const other = groupRecordOf(
			{ id: randomUUID(), dn: 'cn=H,ou=groups,dc=example,dc=com', name: 'H', privileged: false, attributes: {} },
			dns([3, 4]),
		);
		snapshot.groups.set(group.id, group);
		snapshot.groups.set(other.id, other);
		const stored = decodeSnapshot(JSON.parse(JSON.stringify(encodeSnapshot(snapshot))));
		expect(stored.users.size).toBe(500);
		expect(stored.users.get(people[42].id)).toEqual(people[42]);
		expect(stored.groups.get(group.id)).toEqual(group);

		// The next poll: one modified, one deleted (a member of G), one added; H untouched.
		const users = stored.users.clone();
		const next = { users, groups: stored.groups.clone(users) };
		const modified = { ...people[10], valuesHash: (people[10].valuesHash + 1) & 0xffff };
		next.users.set(modified.id, modified);
		next.users.delete(people[7].id);
		const added = userRecordOf(
			user({ id: randomUUID(), dn: 'uid=new,ou=people,dc=example,dc=com', login: 'new' }),
			'p',
		);
		next.users.set(added.id, added);
		const regrouped = groupRecordOf(
			{ id: group.id, dn: 'cn=G,ou=groups,dc=example,dc=com', name: 'G', privileged: false, attributes: {} },
			[...dns([1, 250, 499]), 'uid=new,ou=people,dc=example,dc=com'],
		);
		next.groups.set(group.id, regrouped);
		expect(stored.users.get(people[7].id)).toEqual(people[7]);
		const after = decodeSnapshot(JSON.parse(JSON.stringify(encodeSnapshot(next))));
		expect(after.users.size).toBe(500);
		expect(after.users.get(people[7].id)).toBeUndefined();
		expect(after.users.get(modified.id)).toEqual(modified);
		expect(after.users.get(added.id)).toEqual(added);
		expect(after.groups.get(group.id)).toEqual(regrouped);
		expect(after.groups.get(other.id)).toEqual(other);
		expect([...after.users.keys()].sort()).toEqual(
			[...people.filter((_, index) => index !== 7).map((record) => record.id), added.id].sort(),
		);
	});

	it('a poll that only changed users writes them in place, yet the state it read still reads as it was (a result not stored)', () => {
		const snapshot = emptySnapshot();
		const people = Array.from({ length: 1000 }, (_, index) =>
			userRecordOf(
				user({ id: randomUUID(), dn: `uid=r${index},ou=people,dc=example,dc=com`, login: `r${index}` }),
				'p',
			),
		);
		for (const record of people) snapshot.users.set(record.id, record);
		const storedText = JSON.parse(JSON.stringify(encodeSnapshot(snapshot)));
		const stored = decodeSnapshot(storedText);
		expect(stored.users.get(people[500].id)).toEqual(people[500]);
		const users = stored.users.clone();
		const modified = { ...people[500], valuesHash: (people[500].valuesHash + 1) >>> 0 };
		users.set(modified.id, modified);
		const written = encodeSnapshot({ users, groups: stored.groups.clone(users) });
		// Only the chunk holding the change was written again.
		expect(written.users.filter((chunk, index) => chunk !== storedText.users[index])).toHaveLength(1);
		expect(decodeSnapshot(written).users.get(modified.id)).toEqual(modified);
		// The state read before the poll, by the table that read it and decoded anew, is unchanged.
		expect(stored.users.get(people[500].id)).toEqual(people[500]);
		expect(decodeSnapshot(storedText).users.get(people[500].id)).toEqual(people[500]);
	});

	it('a group not read again keeps a member who left the users (deleted, or out of the scope) by DN hash: the group still lists them', () => {
		const snapshot = emptySnapshot();
		const people = Array.from({ length: 20 }, (_, index) =>
			userRecordOf(
				user({ id: randomUUID(), dn: `uid=q${index},ou=people,dc=example,dc=com`, login: `q${index}` }),
				'p',
			),
		);
		for (const record of people) snapshot.users.set(record.id, record);
		const group = groupRecordOf(
			{ id: randomUUID(), dn: 'cn=K,ou=groups,dc=example,dc=com', name: 'K', privileged: false, attributes: {} },
			['uid=q2,ou=people,dc=example,dc=com', 'uid=q5,ou=people,dc=example,dc=com'],
		);
		snapshot.groups.set(group.id, group);
		const stored = decodeSnapshot(JSON.parse(JSON.stringify(encodeSnapshot(snapshot))));
		const users = stored.users.clone();
		const next = { users, groups: stored.groups.clone(users) };
		next.users.delete(people[5].id);
		const after = decodeSnapshot(JSON.parse(JSON.stringify(encodeSnapshot(next))));
		expect(after.users.get(people[5].id)).toBeUndefined();
		expect(after.groups.get(group.id)).toEqual(group);
	});
});

describe('differ', () => {
	const context = { stamp: 's1' };

	it('derives created, deleted and nothing for an unchanged user', () => {
		const now = { user: user(), record: userRecordOf(user(), 'p') };
		expect(diffUser(undefined, now, context, env()).map((event) => event.type)).toEqual(['user.created']);
		expect(diffUser(now.record, undefined, context, env()).map((event) => event.type)).toEqual(['user.deleted']);
		expect(diffUser(now.record, now, context, env())).toEqual([]);
	});

	it('derives a rename (same key, new DN), status transitions and the changed attribute', () => {
		const before = userRecordOf(user(), 'p1');
		const after = user({
			dn: 'uid=arjun,ou=people,dc=example,dc=com',
			title: 'Chair',
			status: { disabled: true, locked: true, passwordResetRequired: false },
		});
		const events = diffUser(
			before,
			{ user: after, record: userRecordOf(after, 'p1') },
			{ stamp: 's2', before: { title: ['Chief Executive Officer'] } },
			env(),
		);
		expect(events.map((event) => event.type).sort()).toEqual([
			'user.disabled',
			'user.locked',
			'user.renamed',
			'user.updated',
		]);
		expect(events.find((event) => event.type === 'user.updated')?.changes).toEqual([
			{ attribute: 'title', before: 'Chief Executive Officer', after: 'Chair' },
		]);
		expect(new Set(events.map((event) => event.id)).size).toBe(4);
	});

	it('a rename is one user.renamed with the naming attribute the RDN holds; a move that keeps it lists the DN only', () => {
		const rdnEnv: DiffEnvironment = {
			...env(),
			rdnOf: (dn) => [{ type: dn.slice(0, dn.indexOf('=')), value: dn.slice(dn.indexOf('=') + 1, dn.indexOf(',')) }],
		};
		const before = userRecordOf(user(), 'p1');
		const renamed = user({ dn: 'uid=arjun,ou=people,dc=example,dc=com', login: 'arjun' });
		const events = diffUser(
			before,
			{ user: renamed, record: userRecordOf(renamed, 'p1') },
			{ stamp: 's', previousDn: user().dn },
			rdnEnv,
		);
		expect(events.map((event) => [event.type, event.changes])).toEqual([
			[
				'user.renamed',
				[
					{ attribute: 'dn', before: user().dn, after: renamed.dn },
					{ attribute: 'uid', before: 'adavis', after: 'arjun' },
				],
			],
		]);
		// Moved to another branch, the RDN spelled in another case: the login did not change.
		const moved = user({ dn: 'uid=ADavis,ou=board,dc=example,dc=com' });
		const move = diffUser(
			before,
			{ user: moved, record: userRecordOf(moved, 'p1') },
			{ stamp: 's', previousDn: 'uid=ADavis,ou=people,dc=example,dc=com' },
			rdnEnv,
		);
		expect(move.map((event) => [event.type, event.changes])).toEqual([
			['user.renamed', [{ attribute: 'dn', before: 'uid=ADavis,ou=people,dc=example,dc=com', after: moved.dn }]],
		]);
	});

	it('tells an administrator reset (pwdReset) from a password change by the user', () => {
		const before = userRecordOf(user(), 'p1');
		const reset = user({ status: { disabled: false, locked: false, passwordResetRequired: true } });
		const resetRecord = userRecordOf(reset, 'p2');
		expect(diffUser(before, { user: reset, record: resetRecord }, context, env()).map((event) => event.type)).toEqual([
			'user.passwordResetRequired',
		]);
		const changed = userRecordOf(user(), 'p3');
		expect(diffUser(resetRecord, { user: user(), record: changed }, context, env()).map((event) => event.type)).toEqual(
			['user.passwordChanged'],
		);
		expect(diffUser(before, { user: user(), record: changed }, context, env()).map((event) => event.type)).toEqual([
			'user.passwordChanged',
		]);
	});

	it('names the members added to and removed from a group', () => {
		const base = {
			id: '11111111-2222-3333-4444-555555555555',
			dn: 'cn=Admins,ou=groups,dc=example,dc=com',
			name: 'Admins',
			privileged: true,
			attributes: {},
		};
		const before = groupRecordOf(base, ['uid=a,ou=people,dc=example,dc=com', 'uid=b,ou=people,dc=example,dc=com']);
		const afterDns = ['uid=a,ou=people,dc=example,dc=com', 'uid=c,ou=people,dc=example,dc=com'];
		const removedHash = before.memberHashes.find(
			(hash) => !groupRecordOf(base, afterDns).memberHashes.includes(hash),
		) as number;
		const events = diffGroup(
			before,
			{ group: base, memberDns: afterDns, record: groupRecordOf(base, afterDns) },
			context,
			env({ [removedHash]: 'id-of-b' }),
		);
		expect(events.map((event) => [event.type, event.user?.id, event.group?.privileged])).toEqual([
			['group.memberAdded', 'id-of-uid=c,ou=people,dc=example,dc=com', true],
			['group.memberRemoved', 'id-of-b', true],
		]);
	});
});

describe('what `before` says (known values only, never guessed)', () => {
	const base = {
		id: '11111111-2222-3333-4444-555555555555',
		dn: 'cn=Admins,ou=groups,dc=example,dc=com',
		name: 'Admins',
		privileged: false,
		attributes: {},
	};

	it('leaves `before` out where only hashes were kept, and gives it where a log knew it (null: was empty)', () => {
		const before = userRecordOf(user(), 'p1');
		const after = user({
			dn: 'uid=arjun,ou=people,dc=example,dc=com',
			title: 'Chair',
			mail: 'arjun@example.com',
			status: { disabled: false, locked: true, passwordResetRequired: false },
		});
		const now = { user: after, record: userRecordOf(after, 'p1') };
		const hashesOnly = diffUser(before, now, { stamp: 's' }, env());
		const changes = (type: string, events = hashesOnly) => events.find((event) => event.type === type)?.changes ?? [];
		expect(changes('user.updated')).toEqual([
			{ attribute: 'mail', after: 'arjun@example.com' },
			{ attribute: 'title', after: 'Chair' },
		]);
		expect(changes('user.updated').every((change) => !('before' in change))).toBe(true);
		expect(changes('user.renamed')).toEqual([{ attribute: 'dn', after: after.dn }]);
		expect('before' in changes('user.renamed')[0]).toBe(false);
		// Status flags are kept in the snapshot itself.
		expect(changes('user.locked')).toEqual([{ attribute: 'locked', before: 'false', after: 'true' }]);

		const logged = diffUser(
			before,
			now,
			{ stamp: 's', before: { title: ['Chief Executive Officer'], mail: [] }, previousDn: user().dn },
			env(),
		);
		expect(changes('user.updated', logged)).toEqual([
			{ attribute: 'mail', before: null, after: 'arjun@example.com' },
			{ attribute: 'title', before: 'Chief Executive Officer', after: 'Chair' },
		]);
		expect(changes('user.renamed', logged)).toEqual([{ attribute: 'dn', before: user().dn, after: after.dn }]);
	});

	it('names a removed member by the DN a log named, or by its DN now only when that still hashes the same', () => {
		const kept = 'uid=a,ou=people,dc=example,dc=com';
		const removed = 'uid=b,ou=people,dc=example,dc=com';
		const record = groupRecordOf(base, [kept, removed]);
		const now = { group: base, memberDns: [kept], record: groupRecordOf(base, [kept]) };
		const hash = dnHash(removed);
		const withMember = (dn: string): DiffEnvironment => ({
			...env(),
			memberByDnHash: (value) => (value === hash ? { id: 'id-of-b', dn } : undefined),
		});
		const removal = (events: ReturnType<typeof diffGroup>) =>
			events.find((event) => event.type === 'group.memberRemoved')?.changes[0];
		expect(removal(diffGroup(record, now, { stamp: 's' }, withMember(removed)))).toEqual({
			attribute: 'member',
			before: removed,
			after: null,
		});
		// Renamed since it left: its DN now is not the value that was removed.
		const moved = removal(diffGroup(record, now, { stamp: 's' }, withMember('uid=b2,ou=people,dc=example,dc=com')));
		expect(moved).toEqual({ attribute: 'member', after: null });
		expect(
			removal(
				diffGroup(
					record,
					now,
					{ stamp: 's', removedValues: [removed] },
					withMember('uid=b2,ou=people,dc=example,dc=com'),
				),
			),
		).toEqual({ attribute: 'member', before: removed, after: null });
	});

	it('lists the group attributes a log says changed; without a log, name and description as they are now', () => {
		const record = groupRecordOf(base, []);
		const renamed = { ...base, name: 'Administrators', description: 'All of them' };
		const now = { group: renamed, memberDns: [], record: groupRecordOf(renamed, []) };
		expect(diffGroup(record, now, { stamp: 's' }, env())[0].changes).toEqual([
			{ attribute: 'cn', after: 'Administrators' },
			{ attribute: 'description', after: 'All of them' },
		]);
		expect(diffGroup(record, now, { stamp: 's', before: { cn: ['Admins'] } }, env())[0].changes).toEqual([
			{ attribute: 'cn', before: 'Admins', after: 'Administrators' },
		]);
	});
});

describe('event ids, dedupe window and bulk summary', () => {
	it('the same change yields the same id; another change another id', () => {
		expect(eventId(source, 'k', 'user.locked', 'a')).toBe(eventId(source, 'k', 'user.locked', 'a'));
		expect(eventId(source, 'k', 'user.locked', 'a')).not.toBe(eventId(source, 'k', 'user.locked', 'b'));
		expect(generalizedTimeToIso('20261127001122.123456Z')).toBe('2026-11-27T00:11:22.123Z');
	});

	it('drops ids already emitted, bounds the window, and adds one bulk summary over the threshold', () => {
		const make = (n: number) => ({
			id: `e${n}`,
			type: 'user.updated' as const,
			detectedAt: 'now',
			source,
			changes: [],
		});
		const first = finishEvents([make(1), make(2), make(2)], [], { dedupeWindow: 3 }, 'now');
		expect(first.events.map((event) => event.id)).toEqual(['e1', 'e2']);
		const second = finishEvents(
			[make(2), make(3), make(4), make(5)],
			first.recentIds,
			{ dedupeWindow: 3, bulkThreshold: 2 },
			'now',
		);
		expect(second.events.map((event) => event.type)).toEqual([
			'user.updated',
			'user.updated',
			'user.updated',
			'directory.bulkChange',
		]);
		expect(second.events[3].summary).toEqual({ counts: { 'user.updated': 3 }, total: 3 });
		expect(second.recentIds).toHaveLength(3);
		expect(finishEvents([make(9)], [], { eventTypes: ['user.created'] }, 'now').events).toEqual([]);
	});
});

describe('comparable DNs', () => {
	it('the fast path gives what the full normalizer gives', () => {
		for (const dn of [
			'uid=A.B,ou=People, dc=Example,dc=com',
			'CN=Zoë Müller,OU=Sales,DC=x',
			'cn=a\\,b,dc=x',
			'cn=a+sn=b,dc=x',
			'cn=a  b,dc=x',
		]) {
			expect(comparableDn(dn)).toBe(normalizeDn(dn));
		}
	});

	it('hashes plain DNs without building the normalized text, to the same hash', () => {
		const dns = [
			'uid=A.B,ou=People, dc=Example,dc=com',
			' UID = x ,OU=p,dc=x',
			'CN=Zoë Müller,OU=Sales,DC=x',
			'cn=a\\,b,dc=x',
			'cn=a+sn=b,dc=x',
			'cn=a  b,dc=x',
			'cn=a=b,dc=x',
			'=a,dc=x',
			'cn=a,',
			'',
			'cn=a\tb,dc=x',
		];
		for (const dn of dns) expect(dnHash(dn)).toBe(hash32(comparableDn(dn)));
		expect(recordKeyOf('{750F6B7A-7E3F-1041-9059-A59237D5930E}')).toMatch(/^hash:/);
		expect(recordKeyOf('{750f6b7a-7e3f-1041-9059-a59237d5930e}')).toBe('750f6b7a-7e3f-1041-9059-a59237d5930e');
	});
});
