import { ConfigurationError } from '../../core/errors';
import { createLdapChangeStrategy, type LdapChangeStrategySettings } from '../../core/changes/ldap/auto';
import type { DirectoryEvent } from '../../core/changes/events';
import type { ChangeState } from '../../core/changes/state';
import { decodeSnapshot } from '../../core/changes/snapshot/snapshot';
import { LdapSession } from '../../transport/ldap/session';
import { parseLdapConnectionSettings } from '../../transport/ldap/settings';
import { attrLine, passwordOf } from '../../devkit/fixture';
import { startSlapd, type Slapd } from '../../devkit/slapd';

/** Auto choice, lost cursor, segment filter, bulk summary, event types and configuration errors, on a real slapd. */
let slapd: Slapd;
let session: LdapSession;

beforeAll(async () => {
	slapd = await startSlapd({ users: 150, otds: false });
	session = await open(slapd.adminDN, slapd.adminPassword);
});

afterAll(async () => {
	await session?.close();
	await slapd?.stop();
});

function open(bindDN: string, bindPassword: string): Promise<LdapSession> {
	return LdapSession.open(
		parseLdapConnectionSettings({
			serverUrls: slapd.url,
			connectionSecurity: 'none',
			bindDN,
			bindPassword,
			baseDN: slapd.baseDN,
		}),
	);
}

function settings(overrides: Partial<LdapChangeStrategySettings> = {}): LdapChangeStrategySettings {
	return {
		session,
		strategy: 'auto',
		flavour: 'auto',
		userBaseDN: slapd.layout.peopleDN,
		groupBaseDN: slapd.layout.groupsDN,
		reconcileEvery: 0,
		...overrides,
	};
}

const setTitle = (uid: string, title: string) =>
	slapd.ldapmodify(`${attrLine('dn', slapd.layout.userDN(uid))}changetype: modify\nreplace: title\ntitle: ${title}\n`);
const typesOf = (events: DirectoryEvent[]) => events.map((event) => event.type).sort();

it('Auto picks the accesslog for an account that can read it, and timestamp for one that cannot', async () => {
	const admin = await createLdapChangeStrategy(settings());
	expect(admin.strategy.name).toBe('accesslog');
	expect(admin.server.flavour).toBe('openLdap');
	const someone = slapd.fixture.users[10].uid;
	const userSession = await open(slapd.layout.userDN(someone), passwordOf(someone));
	try {
		const user = await createLdapChangeStrategy(settings({ session: userSession }));
		expect(user.strategy.name).toBe('timestamp');
		expect(user.reason).toMatch(/not readable/);
		const first = await user.strategy.poll(undefined);
		await setTitle(slapd.fixture.users[11].uid, 'Seen by timestamp');
		const events = (await user.strategy.poll(first.nextCursor)).events;
		expect(events.map((event) => [event.type, event.source.strategy])).toEqual([['user.updated', 'timestamp']]);
	} finally {
		await userSession.close();
	}
});

it('a lost accesslog cursor reconciles: one directory.resync and only the real differences', async () => {
	const { strategy } = await createLdapChangeStrategy(settings());
	const start = (await strategy.poll(undefined)).nextCursor;
	const settled = (await strategy.poll(start)).nextCursor;
	await setTitle(slapd.fixture.users[20].uid, 'Changed while the log was lost');
	// As if logpurge had removed the record at the cursor.
	const lost: ChangeState = { ...settled, cursor: '20000101000000.000001Z', cursorContext: 'verified' };
	const result = await strategy.poll(lost);
	expect(typesOf(result.events)).toEqual(['directory.resync', 'user.updated']);
	expect(result.events.find((event) => event.type === 'directory.resync')?.summary?.reason).toMatch(/purged/);
	expect(result.events.find((event) => event.type === 'user.updated')?.user?.login).toBe(slapd.fixture.users[20].uid);
	expect(result.nextCursor.cursor).not.toBe(lost.cursor);
	expect((await strategy.poll(result.nextCursor)).events).toEqual([]);
});

it('the same poll repeated from the same state yields the same event ids (at-least-once, de-duplicable)', async () => {
	const { strategy } = await createLdapChangeStrategy(settings({ strategy: 'timestamp' }));
	const start = (await strategy.poll(undefined)).nextCursor;
	await setTitle(slapd.fixture.users[21].uid, 'Read twice');
	const once = await strategy.poll(start);
	const again = await strategy.poll(start);
	expect(once.events.map((event) => event.id)).toEqual(again.events.map((event) => event.id));
	expect(once.events).toHaveLength(1);
	// Kept in the window of recent ids: an overlapping later poll does not emit it again.
	expect((await strategy.poll(once.nextCursor)).events).toEqual([]);
});

it('segment filter, event types and the bulk summary', async () => {
	const department = slapd.fixture.users[30].department;
	const inside = slapd.fixture.users.filter((user) => user.department === department).slice(0, 4);
	const outside = slapd.fixture.users.find((user) => user.department !== department);
	const { strategy } = await createLdapChangeStrategy(
		settings({
			userFilter: `(ou=${department})`,
			bulkThreshold: 3,
			eventTypes: ['user.updated', 'directory.bulkChange'],
		}),
	);
	const start = (await strategy.poll(undefined)).nextCursor;
	for (const user of inside) await setTitle(user.uid, 'Segment change');
	await setTitle(outside?.uid ?? '', 'Outside the segment');
	await slapd.ldapmodify(
		`${attrLine('dn', slapd.layout.userDN(inside[0].uid))}changetype: modify\nreplace: pwdAccountLockedTime\npwdAccountLockedTime: 000001010000Z\n`,
	);
	const events = (await strategy.poll(start)).events;
	expect(typesOf(events)).toEqual(['directory.bulkChange', ...inside.map(() => 'user.updated')]);
	expect(
		events
			.filter((event) => event.type === 'user.updated')
			.map((event) => event.user?.login)
			.sort(),
	).toEqual(inside.map((user) => user.uid).sort());
	// The disable was seen (and counted) but not emitted: only the chosen types are.
	expect(events.find((event) => event.type === 'directory.bulkChange')?.summary).toEqual({
		counts: { 'user.updated': 4, 'user.disabled': 1 },
		total: 5,
	});
});

describe.each(['accesslog', 'timestamp'] as const)('Emit Existing Entries on First Poll (%s)', (name) => {
	it('the first poll emits every user and group in scope once, marked existing; later polls only changes', async () => {
		const { strategy } = await createLdapChangeStrategy(
			settings({ strategy: name, emitExisting: true, bulkThreshold: 10 }),
		);
		const first = await strategy.poll(undefined);
		const users = first.events.filter((event) => event.type === 'user.created');
		const groups = first.events.filter((event) => event.type === 'group.created');
		// No member events and no bulk summary: existing entries are not changes.
		expect(first.events).toHaveLength(users.length + groups.length);
		expect(first.events.every((event) => event.existing === true && event.source.strategy === name)).toBe(true);
		expect(new Set(first.events.map((event) => event.id)).size).toBe(first.events.length);
		const logins = new Set(users.map((event) => event.user?.login));
		for (const person of slapd.fixture.users) expect(logins.has(person.uid)).toBe(true);
		expect(groups.map((event) => event.group?.name)).toContain('Domain Admins');
		const someone = users.find((event) => event.user?.login === slapd.fixture.users[40].uid);
		expect(someone?.changes).toContainEqual({ attribute: 'title', before: null, after: slapd.fixture.users[40].title });
		// The stored state is the same as without the option: the snapshot of those entries.
		expect(decodeSnapshot(first.nextCursor.snapshot).users.baseCount).toBe(users.length);

		// A first poll repeated (as after one that failed) yields the same events with the same ids.
		const again = await strategy.poll(undefined);
		expect(again.events.map((event) => event.id)).toEqual(first.events.map((event) => event.id));

		expect((await strategy.poll(first.nextCursor)).events).toEqual([]);
		await setTitle(slapd.fixture.users[41].uid, `After the existing entries (${name})`);
		const next = await strategy.poll(first.nextCursor);
		expect(next.events.map((event) => [event.type, event.user?.login, event.existing])).toEqual([
			['user.updated', slapd.fixture.users[41].uid, undefined],
		]);
	});
});

it('a scope larger than the Existing Entries Limit fails the first poll: nothing emitted, nothing recorded', async () => {
	const { strategy } = await createLdapChangeStrategy(
		settings({ strategy: 'timestamp', emitExisting: true, existingLimit: 20 }),
	);
	await expect(strategy.poll(undefined)).rejects.toThrow(ConfigurationError);
	await expect(strategy.poll(undefined)).rejects.toThrow(
		/Existing Entries Limit is 20, and the watched scope holds more/,
	);
	// The limit counts the first poll only: a recorded state polls as usual.
	const { strategy: quiet } = await createLdapChangeStrategy(settings({ strategy: 'timestamp' }));
	const start = (await quiet.poll(undefined)).nextCursor;
	expect((await strategy.poll(start)).events).toEqual([]);
});

it('configuration mistakes are refused with the field to fix', async () => {
	await expect(createLdapChangeStrategy(settings({ userFilter: 'ou=x)(uid=*' }))).rejects.toThrow(ConfigurationError);
	await expect(createLdapChangeStrategy(settings({ userFilter: 'ou=x)(uid=*' }))).rejects.toThrow(/User Filter/);
	await expect(createLdapChangeStrategy(settings({ groupBaseDN: 'not a dn' }))).rejects.toThrow(/Group Base DN/);
	await expect(createLdapChangeStrategy(settings({ extraAttributes: ['bad name!'] }))).rejects.toThrow(
		/Additional Attributes/,
	);
	await expect(createLdapChangeStrategy(settings({ strategy: 'dirsync' as never }))).rejects.toThrow(
		/Change Detection/,
	);
});
