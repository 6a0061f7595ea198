/**
 * The events the differ makes, field by field: what a consumer reads (type, ids, times, source, actor, the user or
 * group, each change's attribute, before and after), for every kind of change a snapshot or a log can show, and for
 * users entering and leaving the watched scope.
 */
import {
	diffGroup,
	diffUser,
	diffUserEnteringScope,
	diffUserLeavingScope,
	type DiffEnvironment,
	type UserObservation,
} from '../../core/changes/differ';
import { eventId, type EventSource } from '../../core/changes/events';
import type { DirectoryUser } from '../../core/model/directory-user';
import { dnHash } from '../../core/changes/snapshot/dn-hash';
import { groupRecordOf } from '../../core/changes/snapshot/group-record';
import { nibbleHash } from '../../core/changes/snapshot/hash';
import { userRecordOf, WATCHED_USER_FIELDS } from '../../core/changes/snapshot/user-record';

const source: EventSource = { kind: 'ldap', server: 'ldap://dir.example', strategy: 'snapshot', base: 'dc=example' };
const ID = '750f6b7a-7e3f-1041-9059-a59237d5930e';

function user(overrides: Partial<DirectoryUser> = {}): DirectoryUser {
	return {
		id: ID,
		dn: 'uid=jdoe,ou=people,dc=example',
		login: 'jdoe',
		mail: 'jdoe@example.com',
		displayName: 'Jane Doe',
		memberOf: [],
		status: { disabled: false, locked: false, passwordResetRequired: false },
		attributes: {},
		...overrides,
	};
}

const observed = (now: DirectoryUser, stamp = 'p', extras: string[] = []): UserObservation => ({
	user: now,
	record: userRecordOf(now, stamp, extras),
});

const env = (overrides: Partial<DiffEnvironment> = {}): DiffEnvironment => ({
	source,
	detectedAt: '2026-12-06T08:00:00.000Z',
	attributeOf: (field) => (field === 'login' ? 'uid' : field),
	extraAttributes: [],
	memberByDnHash: () => undefined,
	memberByDn: (dn) => ({ id: `id:${dn}`, dn }),
	...overrides,
});

describe('the event envelope', () => {
	it('carries its id, type, times, source and the actor only when one is known', () => {
		const [event] = diffUser(undefined, observed(user()), { stamp: 's1', occurredAt: '2026-12-06T07:59:00Z' }, env());
		expect(event).toMatchObject({
			id: eventId(source, ID, 'user.created', 's1'),
			type: 'user.created',
			occurredAt: '2026-12-06T07:59:00Z',
			detectedAt: '2026-12-06T08:00:00.000Z',
			source,
			user: user(),
		});
		expect('actor' in event).toBe(false);
		const actor = { dn: 'cn=admin,dc=example' };
		expect(diffUser(undefined, observed(user()), { stamp: 's1', actor }, env())[0].actor).toEqual(actor);
	});
});

describe('users', () => {
	it('a created user lists every watched field that has a value, before null, under its attribute', () => {
		const [event] = diffUser(undefined, observed(user({ title: '', surname: 'Doe' })), { stamp: 's' }, env());
		expect(event.changes).toEqual([
			{ attribute: 'uid', before: null, after: 'jdoe' },
			{ attribute: 'mail', before: null, after: 'jdoe@example.com' },
			{ attribute: 'displayName', before: null, after: 'Jane Doe' },
			{ attribute: 'surname', before: null, after: 'Doe' },
		]);
	});

	it('a deleted user is what the source still knows of them, under the id of its record', () => {
		const record = userRecordOf(user(), 'p');
		const [known] = diffUser(
			record,
			undefined,
			{ stamp: 's', deleted: { login: 'jdoe', mail: 'jdoe@example.com' } },
			env(),
		);
		expect(known).toMatchObject({ type: 'user.deleted', user: { id: ID, login: 'jdoe', mail: 'jdoe@example.com' } });
		expect(known.changes).toEqual([]);
		expect(diffUser(record, undefined, { stamp: 's' }, env())[0].user).toEqual({ id: ID });
		expect(diffUser(record, undefined, { stamp: 's', deleted: { id: 'other' } }, env())[0].user).toEqual({
			id: 'other',
		});
		expect(diffUser(undefined, undefined, { stamp: 's' }, env())).toEqual([]);
	});

	it('each status flag raised and cleared is its own event with the flag before and after', () => {
		const flags = (disabled: boolean, locked: boolean) =>
			user({ status: { disabled, locked, passwordResetRequired: false } });
		const events = diffUser(userRecordOf(flags(true, false), 'p'), observed(flags(false, true)), { stamp: 's' }, env());
		expect(events.map((event) => [event.type, event.changes])).toEqual([
			['user.enabled', [{ attribute: 'disabled', before: 'true', after: 'false' }]],
			['user.locked', [{ attribute: 'locked', before: 'false', after: 'true' }]],
		]);
		expect(
			diffUser(userRecordOf(flags(false, true), 'p'), observed(flags(true, false)), { stamp: 's' }, env()).map(
				(e) => e.type,
			),
		).toEqual(['user.disabled', 'user.unlocked']);
	});

	it('a password change comes from the stored stamp, a log, or the watermark; never while a reset is required', () => {
		const record = userRecordOf(user(), 'p');
		const types = (context: object, environment = env(), now = observed(user())) =>
			diffUser(record, now, { stamp: 's', ...context }, environment).map((event) => event.type);
		expect(types({})).toEqual([]);
		expect(types({ passwordChanged: true })).toEqual(['user.passwordChanged']);
		expect(types({ passwordChanged: false })).toEqual([]);
		expect(types({}, env({ passwordStampIsNew: (key) => key === ID }))).toEqual(['user.passwordChanged']);
		expect(types({}, env({ passwordStampIsNew: () => false }))).toEqual([]);
		expect(types({}, env(), observed(user(), 'q'))).toEqual(['user.passwordChanged']);
		const reset = user({ status: { disabled: false, locked: false, passwordResetRequired: true } });
		expect(types({ passwordChanged: true }, env(), observed(reset, 'q'))).toEqual(['user.passwordResetRequired']);
	});

	it('a password set that clears a required reset says so in its changes (a password set alone has none)', () => {
		const reset = user({ status: { disabled: false, locked: false, passwordResetRequired: true } });
		const cleared = diffUser(userRecordOf(reset, 'p'), observed(user(), 'q'), { stamp: 's' }, env());
		expect(cleared.map((event) => [event.type, event.changes])).toEqual([
			['user.passwordChanged', [{ attribute: 'passwordResetRequired', before: 'true', after: 'false' }]],
		]);
		const set = diffUser(userRecordOf(user(), 'p'), observed(user(), 'q'), { stamp: 's' }, env());
		expect(set.map((event) => [event.type, event.changes])).toEqual([['user.passwordChanged', []]]);
	});

	it('a new DN without a naming field in the environment is a rename listing the DN only', () => {
		const moved = user({ dn: 'uid=jdoe,ou=staff,dc=example' });
		const events = diffUser(userRecordOf(user(), 'p'), observed(moved), { stamp: 's' }, env());
		expect(events.map((event) => [event.type, event.changes])).toEqual([
			['user.renamed', [{ attribute: 'dn', after: moved.dn }]],
		]);
	});

	it('where the name is a field (OTDS), its change is the rename; the DN stays out of it', () => {
		const renamed = user({ login: 'jdoe2' });
		const events = diffUser(userRecordOf(user(), 'p'), observed(renamed), { stamp: 's' }, env({ nameField: 'login' }));
		expect(events.map((event) => [event.type, event.changes])).toEqual([
			['user.renamed', [{ attribute: 'uid', after: 'jdoe2' }]],
		]);
	});

	it('a rename whose naming field a log knew gives its earlier value; the former DN names it otherwise', () => {
		const rdnOf = (dn: string) => [
			{ type: dn.slice(0, dn.indexOf('=')), value: dn.slice(dn.indexOf('=') + 1, dn.indexOf(',')) },
		];
		const renamed = user({ dn: 'uid=jane,ou=people,dc=example', login: 'jane' });
		const renameChanges = (context: object) =>
			diffUser(userRecordOf(user(), 'p'), observed(renamed), { stamp: 's', ...context }, env({ rdnOf }))[0].changes;
		expect(renameChanges({ before: { uid: ['jdoe'] } })).toEqual([
			{ attribute: 'dn', after: renamed.dn },
			{ attribute: 'uid', before: 'jdoe', after: 'jane' },
		]);
		expect(renameChanges({ previousDn: 'UID=JDoe,ou=people,dc=example' })).toEqual([
			{ attribute: 'dn', before: 'UID=JDoe,ou=people,dc=example', after: renamed.dn },
			{ attribute: 'uid', before: 'JDoe', after: 'jane' },
		]);
	});
});

describe('users entering and leaving the watched scope', () => {
	it('leaving: the events of the change, each marked "left", with one user.updated even when nothing else changed', () => {
		const record = userRecordOf(user(), 'p');
		const unchanged = diffUserLeavingScope(record, observed(user()), { stamp: 's' }, env());
		expect(unchanged.map((event) => [event.type, event.scope, event.changes])).toEqual([['user.updated', 'left', []]]);
		const locked = user({
			mail: 'jane@example.com',
			status: { disabled: false, locked: true, passwordResetRequired: false },
		});
		const events = diffUserLeavingScope(record, observed(locked), { stamp: 's' }, env());
		expect(events.map((event) => [event.type, event.scope])).toEqual([
			['user.locked', 'left'],
			['user.updated', 'left'],
		]);
		expect(events[1].changes).toEqual([{ attribute: 'mail', after: 'jane@example.com' }]);
	});

	it('entering: one user.updated marked "entered" whose candidates are every watched value, uncertain unless a log knew', () => {
		const now = observed(user({ attributes: { employeeType: 'staff' } }), 'p', ['employeeType']);
		const environment = env({ extraAttributes: ['employeeType'] });
		const [event] = diffUserEnteringScope(now, { stamp: 's' }, environment);
		expect(event).toMatchObject({ type: 'user.updated', scope: 'entered', user: now.user });
		expect(event.changes).toContainEqual({ attribute: 'mail', after: 'jdoe@example.com', uncertain: true });
		expect(event.changes).toContainEqual({ attribute: 'employeeType', after: 'staff', uncertain: true });
		expect(event.changes).toContainEqual({ attribute: 'title', after: null, uncertain: true });
		expect(event.changes).toHaveLength(13);
		const [logged] = diffUserEnteringScope(now, { stamp: 's', before: { employeetype: ['guest'] } }, environment);
		expect(logged.changes).toEqual([{ attribute: 'employeeType', before: 'guest', after: 'staff' }]);
		const [named] = diffUserEnteringScope(
			now,
			{ stamp: 's', changedAttributes: ['employeetype', 'mail'] },
			environment,
		);
		expect(named.changes).toEqual([
			{ attribute: 'mail', after: 'jdoe@example.com', uncertain: true },
			{ attribute: 'employeeType', after: 'staff', uncertain: true },
		]);
		const [one] = diffUserEnteringScope(now, { stamp: 's', changedAttributes: ['mail'] }, environment);
		expect(one.changes).toEqual([{ attribute: 'mail', after: 'jdoe@example.com' }]);
	});

	it('a log that knew every earlier value, all equal to now, rules no candidate out', () => {
		const now = observed(user({ attributes: { employeeType: 'staff' } }), 'p', ['employeeType']);
		const environment = env({ extraAttributes: ['employeeType'] });
		const before: Record<string, string[]> = { employeetype: ['staff'] };
		for (const field of WATCHED_USER_FIELDS) {
			const value = now.user[field];
			before[environment.attributeOf(field).toLowerCase()] = value === undefined ? [] : [value];
		}
		const [event] = diffUserEnteringScope(now, { stamp: 's', before }, environment);
		expect(event.changes).toHaveLength(13);
		expect(event.changes).toContainEqual({ attribute: 'employeeType', after: 'staff', uncertain: true });
		expect(event.changes).toContainEqual({ attribute: 'mail', after: 'jdoe@example.com', uncertain: true });
	});

	it('multi-valued earlier values compare regardless of order', () => {
		const now = observed(user({ attributes: { roles: ['b', 'a'] } }), 'p', ['roles']);
		const environment = env({ extraAttributes: ['roles'] });
		const [same] = diffUserEnteringScope(now, { stamp: 's', before: { roles: ['a', 'b'] } }, environment);
		expect(same.changes.some((change) => 'before' in change)).toBe(false);
		const [other] = diffUserEnteringScope(now, { stamp: 's', before: { roles: ['a'] } }, environment);
		expect(other.changes).toEqual([{ attribute: 'roles', before: 'a', after: ['b', 'a'] }]);
		const [lists] = diffUserEnteringScope(now, { stamp: 's', before: { roles: ['b', 'c'] } }, environment);
		expect(lists.changes).toEqual([{ attribute: 'roles', before: ['b', 'c'], after: ['b', 'a'] }]);
	});
});

describe('groups', () => {
	const group = {
		id: '0b7e6c1a-3f4d-4a5b-9c8d-1e2f3a4b5c6d',
		dn: 'cn=Sales,ou=groups,dc=example',
		name: 'Sales',
		privileged: false,
		attributes: {},
	};

	it('a created group names itself; its first members follow as memberAdded', () => {
		const dns = ['uid=a,dc=example', 'uid=b,dc=example'];
		const events = diffGroup(
			undefined,
			{ group, memberDns: dns, record: groupRecordOf(group, dns) },
			{ stamp: 's' },
			env(),
		);
		expect(events.map((event) => [event.type, event.user?.id, event.changes])).toEqual([
			['group.created', undefined, [{ attribute: 'name', before: null, after: 'Sales' }]],
			['group.memberAdded', 'id:uid=a,dc=example', [{ attribute: 'member', before: null, after: 'uid=a,dc=example' }]],
			['group.memberAdded', 'id:uid=b,dc=example', [{ attribute: 'member', before: null, after: 'uid=b,dc=example' }]],
		]);
		expect(new Set(events.map((event) => event.id)).size).toBe(3);
		expect(diffGroup(undefined, undefined, { stamp: 's' }, env())).toEqual([]);
	});

	it('a moved group is group.updated with its DN, before it when a log knew; an unchanged one yields nothing', () => {
		const moved = { ...group, dn: 'cn=Sales,ou=teams,dc=example' };
		const record = groupRecordOf(group, []);
		const now = { group: moved, memberDns: [], record: groupRecordOf(moved, []) };
		expect(diffGroup(record, now, { stamp: 's', previousDn: group.dn }, env()).map((e) => [e.type, e.changes])).toEqual(
			[['group.updated', [{ attribute: 'dn', before: group.dn, after: moved.dn }]]],
		);
		expect(diffGroup(record, { group, memberDns: [], record }, { stamp: 's' }, env())).toEqual([]);
	});

	it('a log that knew the earlier description lists only it', () => {
		const described = { ...group, description: 'All sales' };
		const now = { group: described, memberDns: [], record: groupRecordOf(described, []) };
		expect(
			diffGroup(groupRecordOf(group, []), now, { stamp: 's', before: { description: [] } }, env())[0].changes,
		).toEqual([{ attribute: 'description', before: null, after: 'All sales' }]);
	});

	it('the same number of members, one swapped for another, is one added and one removed', () => {
		const before = groupRecordOf(group, ['uid=a,dc=example', 'uid=b,dc=example']);
		const dns = ['uid=a,dc=example', 'uid=c,dc=example'];
		const events = diffGroup(
			before,
			{ group, memberDns: dns, record: groupRecordOf(group, dns) },
			{ stamp: 's' },
			env(),
		);
		expect(events.map((event) => event.type)).toEqual(['group.memberAdded', 'group.memberRemoved']);
		expect(events[1].user).toEqual({ id: `dnHash:${dnHash('uid=b,dc=example').toString(16)}` });
		expect(events[1].changes).toEqual([{ attribute: 'member', after: null }]);
	});

	it('a member listed twice is added once', () => {
		const dns = ['uid=a,dc=example', 'UID=A,dc=example'];
		const events = diffGroup(
			groupRecordOf(group, []),
			{ group, memberDns: dns, record: groupRecordOf(group, dns) },
			{ stamp: 's' },
			env(),
		);
		expect(events.map((event) => [event.type, event.user?.id])).toEqual([['group.memberAdded', 'id:uid=a,dc=example']]);
	});

	it('a member renamed since the last poll (left under the old DN, back under the new) is no membership change', () => {
		const before = groupRecordOf(group, ['uid=a,dc=example']);
		const dns = ['uid=a2,dc=example'];
		const events = diffGroup(
			before,
			{ group, memberDns: dns, record: groupRecordOf(group, dns) },
			{ stamp: 's' },
			env({ memberByDn: () => ({ id: 'user-a' }), memberByDnHash: () => ({ id: 'user-a' }) }),
		);
		expect(events).toEqual([]);
	});

	it('a removed member is named by a DN among the earlier values a log gave', () => {
		const before = groupRecordOf(group, ['uid=a,dc=example', 'uid=b,dc=example']);
		const dns = ['uid=a,dc=example'];
		const events = diffGroup(
			before,
			{ group, memberDns: dns, record: groupRecordOf(group, dns) },
			{ stamp: 's', before: { member: ['uid=a,dc=example', 'uid=b,dc=example'], description: ['no dn'] } },
			env(),
		);
		expect(events.map((event) => [event.type, event.changes])).toEqual([
			['group.memberRemoved', [{ attribute: 'member', before: 'uid=b,dc=example', after: null }]],
		]);
	});

	it('a deleted group: privileged as the source says, else as its record or its DN hash says', () => {
		const record = { ...groupRecordOf(group, []), privileged: false };
		const deleted = (context: object, environment = env(), stored = record) =>
			diffGroup(stored, undefined, { stamp: 's', ...context }, environment)[0].group;
		expect(deleted({})).toEqual({ id: group.id, privileged: false });
		expect(deleted({}, env(), { ...record, privileged: true })?.privileged).toBe(true);
		expect(deleted({}, env({ privilegedDnHash: (hash) => hash === record.dnHash }))?.privileged).toBe(true);
		expect(deleted({ deleted: { privileged: false } }, env(), { ...record, privileged: true })?.privileged).toBe(false);
		expect(deleted({ deleted: { id: 'g-2', name: 'Old Sales', description: 'gone', dn: group.dn } })).toEqual({
			id: 'g-2',
			privileged: false,
			dn: group.dn,
			name: 'Old Sales',
			description: 'gone',
		});
		expect(deleted({ deleted: { dn: 'not a dn' } })).toEqual({ id: group.id, privileged: false, dn: 'not a dn' });
	});
});

describe('a rename whose naming field hash collides', () => {
	const rdnOf = (dn: string) => [
		{ type: dn.slice(0, dn.indexOf('=')), value: dn.slice(dn.indexOf('=') + 1, dn.indexOf(',')) },
	];
	/** A login whose 4-bit field hash equals jdoe's: only the whole hash says the uid changed. */
	const login = (() => {
		for (let index = 2; index < 1000; index++)
			if (nibbleHash(`jdoe${index}`) === nibbleHash('jdoe')) return `jdoe${index}`;
		throw new Error('no collision found');
	})();
	const renamed = (overrides: Partial<DirectoryUser> = {}) =>
		user({ dn: `uid=${login},ou=people,dc=example`, login, ...overrides });

	it('with nothing else to explain the moved hash, the naming field changed with the rename', () => {
		const now = observed(renamed());
		expect(now.record.fieldHashes).toEqual(userRecordOf(user(), 'p').fieldHashes);
		const events = diffUser(userRecordOf(user(), 'p'), now, { stamp: 's' }, env({ rdnOf }));
		expect(events.map((event) => [event.type, event.changes])).toEqual([
			[
				'user.renamed',
				[
					{ attribute: 'dn', after: now.user.dn },
					{ attribute: 'uid', after: login },
				],
			],
		]);
	});

	it('another field that moved too explains nothing of the rename: the uid is not claimed, the field is the update', () => {
		const now = observed(renamed({ title: 'Boss' }));
		const events = diffUser(userRecordOf(user(), 'p'), now, { stamp: 's' }, env({ rdnOf }));
		expect(events.map((event) => [event.type, event.changes])).toEqual([
			['user.renamed', [{ attribute: 'dn', after: now.user.dn }]],
			['user.updated', [{ attribute: 'title', after: 'Boss' }]],
		]);
	});

	it('an extra attribute whose own hash moved may explain the whole hash: the rename lists the DN only', () => {
		const extras = ['roomNumber'];
		const before = observed(user({ attributes: { roomNumber: '101' } }), 'p', extras).record;
		let room = 102;
		let now = observed(renamed({ attributes: { roomNumber: String(room) } }), 'p', extras);
		while (now.record.extrasHash === before.extrasHash)
			now = observed(renamed({ attributes: { roomNumber: String(++room) } }), 'p', extras);
		const events = diffUser(before, now, { stamp: 's' }, env({ rdnOf, extraAttributes: extras }));
		expect(events.map((event) => [event.type, event.changes])).toEqual([
			['user.renamed', [{ attribute: 'dn', after: now.user.dn }]],
			['user.updated', [{ attribute: 'roomNumber', after: String(room) }]],
		]);
		// A record written before the extras' hash was kept cannot rule the naming field out.
		const legacy = diffUser({ ...before, extrasHash: 0 }, now, { stamp: 's' }, env({ rdnOf, extraAttributes: extras }));
		expect(legacy[0].changes).toEqual([
			{ attribute: 'dn', after: now.user.dn },
			{ attribute: 'uid', after: login },
		]);
	});

	it('a move that changed no value (the whole hash did not move) is the DN alone', () => {
		const moved = user({ dn: 'uid=jdoe,ou=staff,dc=example' });
		const events = diffUser(userRecordOf(user(), 'p'), observed(moved), { stamp: 's' }, env({ rdnOf }));
		expect(events.map((event) => [event.type, event.changes])).toEqual([
			['user.renamed', [{ attribute: 'dn', after: moved.dn }]],
		]);
	});
});

describe('what each event carries', () => {
	const group = {
		id: '0b7e6c1a-3f4d-4a5b-9c8d-1e2f3a4b5c6d',
		dn: 'cn=Ops,dc=example',
		name: 'Ops',
		privileged: false,
		attributes: {},
	};

	it('a password change and a user leaving the scope with only a status change carry the user, and no changes', () => {
		const record = userRecordOf(user(), 'p');
		const [changed] = diffUser(record, observed(user(), 'q'), { stamp: 's' }, env());
		expect([changed.type, changed.user, changed.changes]).toEqual(['user.passwordChanged', user(), []]);
		const locked = user({ status: { disabled: false, locked: true, passwordResetRequired: false } });
		const left = diffUserLeavingScope(record, observed(locked), { stamp: 's' }, env());
		expect(left.map((event) => [event.type, event.user, event.changes, event.scope])).toEqual([
			['user.locked', locked, [{ attribute: 'locked', before: 'false', after: 'true' }], 'left'],
			['user.updated', locked, [], 'left'],
		]);
	});

	it('with extra attributes watched but unchanged, a changed field is the only change', () => {
		const extras = ['roomNumber'];
		const before = observed(user({ attributes: { roomNumber: '101' } }), 'p', extras).record;
		const now = observed(user({ title: 'Boss', attributes: { roomNumber: '101' } }), 'p', extras);
		expect(diffUser(before, now, { stamp: 's' }, env({ extraAttributes: extras }))[0].changes).toEqual([
			{ attribute: 'title', after: 'Boss' },
		]);
	});

	it('entering: a candidate whose earlier value a log knew and equals the value now is ruled out', () => {
		const now = observed(user({ attributes: { employeeType: 'staff' } }), 'p', ['employeeType']);
		const [event] = diffUserEnteringScope(
			now,
			{ stamp: 's', before: { employeetype: ['staff'] } },
			env({ extraAttributes: ['employeeType'] }),
		);
		expect(event.changes).toHaveLength(12);
		expect(event.changes.some((change) => change.attribute === 'employeeType')).toBe(false);
	});

	it('group events carry the group; a deleted group has no changes', () => {
		const created = diffGroup(
			undefined,
			{ group, memberDns: [], record: groupRecordOf(group, []) },
			{ stamp: 's' },
			env(),
		);
		expect(created.map((event) => event.group)).toEqual([group]);
		const renamed = { ...group, name: 'Operations' };
		const updated = diffGroup(
			groupRecordOf(group, []),
			{ group: renamed, memberDns: [], record: groupRecordOf(renamed, []) },
			{ stamp: 's' },
			env(),
		);
		expect(updated.map((event) => [event.type, event.group])).toEqual([['group.updated', renamed]]);
		const [deleted] = diffGroup(groupRecordOf(group, []), undefined, { stamp: 's' }, env());
		expect(deleted.changes).toEqual([]);
	});

	it('two members removed in one change are two events with two ids', () => {
		const before = groupRecordOf(group, ['uid=a,dc=example', 'uid=b,dc=example', 'uid=c,dc=example']);
		const dns = ['uid=a,dc=example'];
		const events = diffGroup(
			before,
			{ group, memberDns: dns, record: groupRecordOf(group, dns) },
			{ stamp: 's' },
			env(),
		);
		expect(events.map((event) => event.type)).toEqual(['group.memberRemoved', 'group.memberRemoved']);
		expect(new Set(events.map((event) => event.id)).size).toBe(2);
	});

	it('one nested group joining and another leaving in one change are two events, not a rename', () => {
		const nested = (name: string) => ({ id: `id-${name}`, dn: `cn=${name},dc=example`, name });
		const byDn = new Map([
			['cn=a,dc=example', nested('a')],
			['cn=b,dc=example', nested('b')],
		]);
		const before = groupRecordOf(group, ['cn=a,dc=example']);
		const dns = ['cn=b,dc=example'];
		const events = diffGroup(
			before,
			{ group, memberDns: dns, record: groupRecordOf(group, dns) },
			{ stamp: 's' },
			env({
				memberGroupByDn: (dn) => byDn.get(dn),
				memberGroupByDnHash: (hash) => [...byDn.values()].find((member) => dnHash(member.dn) === hash),
			}),
		);
		expect(events.map((event) => [event.type, event.memberGroup?.id])).toEqual([
			['group.memberAdded', 'id-b'],
			['group.memberRemoved', 'id-a'],
		]);
	});
});
