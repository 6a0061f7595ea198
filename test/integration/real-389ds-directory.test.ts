import { Client } from 'ldapts';
import { AcknowledgmentStore, type AcknowledgmentStatus } from '../../core/acknowledgments';
import { resolveAudience } from '../../core/audience';
import { testLdapConnection } from '../../core/ldap/connection-test';
import { LdapDirectory } from '../../core/ldap/directory';
import { profileFor } from '../../core/ldap/flavours';
import { LdapSession } from '../../transport/ldap/session';
import { parseLdapSettings, type LdapSettings } from '../../core/ldap/settings';
import { startDirsrv, type Dirsrv } from '../../devkit/dirsrv';

/**
 * The credential's test and the directory operations of the core against a real 389 Directory Server 2.3,
 * with the 389 DS flavour's defaults: people made by 389's own tools and as inetOrgPerson, groups of both
 * kinds, nested groups, paging, membership changes, acknowledgments.
 */
let dirsrv: Dirsrv;
let session: LdapSession;

function settings(): LdapSettings {
	return parseLdapSettings({
		serverUrls: dirsrv.url,
		connectionSecurity: 'none',
		bindDN: dirsrv.adminDN,
		bindPassword: dirsrv.adminPassword,
		baseDN: dirsrv.baseDN,
	});
}

beforeAll(async () => {
	dirsrv = await startDirsrv();
	session = await LdapSession.open(settings());
});

afterAll(async () => {
	await session?.close();
	await dirsrv?.stop();
});

const directory = () =>
	new LdapDirectory(session, profileFor('389ds'), dirsrv.baseDN, {
		userBaseDN: dirsrv.peopleDN,
		groupBaseDN: dirsrv.groupsDN,
	});

async function collect<T>(pages: AsyncGenerator<T[]>, sizes?: number[]): Promise<T[]> {
	const all: T[] = [];
	for await (const page of pages) {
		sizes?.push(page.length);
		all.push(...page);
	}
	return all;
}

const inetOrgPeople = () => dirsrv.fixture.users.filter((user) => user.kind === 'inetOrgPerson');
const logins = (users: Array<{ login?: string }>) => users.map((user) => user.login).sort();

describe('credential test', () => {
	it('binds, detects 389 DS, and finds the retro changelog', async () => {
		const result = await testLdapConnection(settings());
		expect(result.ok).toBe(true);
		expect(result.server?.flavour).toBe('389ds');
		expect(result.message).toContain('detected flavour: 389ds');
		expect(result.message).toMatch(/Connected to 389.* at ldap:\/\/127\.0\.0\.1:\d+ as cn=Directory Manager/);
		expect(result.server?.changeLogs).toEqual(['cn=changelog']);
	});

	it('says the password is wrong, without repeating it', async () => {
		const result = await testLdapConnection(
			parseLdapSettings({
				serverUrls: dirsrv.url,
				connectionSecurity: 'none',
				bindDN: dirsrv.adminDN,
				bindPassword: 'Wr0ng-389!',
				baseDN: dirsrv.baseDN,
			}),
		);
		expect(result.ok).toBe(false);
		expect(result.message).toMatch(/rejected the bind DN or password/);
		expect(result.message).not.toContain('Wr0ng-389!');
	});
});

describe('users', () => {
	it('gets an inetOrgPerson by login, mail, DN and id (nsUniqueId)', async () => {
		const person = inetOrgPeople()[0];
		const byLogin = await directory().getUser('login', person.uid);
		expect(byLogin).toMatchObject({ dn: person.dn, login: person.uid, mail: person.mail, displayName: person.cn });
		expect(byLogin.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/);
		expect((await directory().getUser('mail', person.mail)).dn).toBe(person.dn);
		expect((await directory().getUser('dn', person.dn)).login).toBe(person.uid);
		expect((await directory().getUser('id', byLogin.id)).dn).toBe(person.dn);
	});

	it('pages through a search', async () => {
		const sizes: number[] = [];
		const found = await collect(directory().searchUsers({ pageSize: 7 }), sizes);
		expect(logins(found)).toEqual(expect.arrayContaining(logins(inetOrgPeople().map((user) => ({ login: user.uid })))));
		expect(sizes.length).toBeGreaterThan(3);
		expect(Math.max(...sizes)).toBeLessThanOrEqual(7);
	});

	it('finds disabled accounts by nsAccountLock', async () => {
		const person = inetOrgPeople()[5];
		await dirsrv.ldapmodify(`dn: ${person.dn}\nchangetype: modify\nreplace: nsAccountLock\nnsAccountLock: true\n`);
		try {
			const disabled = await collect(directory().searchUsers({ state: 'disabled' }));
			// 389's sample entries include demo_user, created locked (nsAccountLock: true).
			expect(logins(disabled)).toEqual(['demo_user', person.uid].sort());
			expect(disabled.every((user) => user.status.disabled)).toBe(true);
		} finally {
			await dirsrv.ldapmodify(`dn: ${person.dn}\nchangetype: modify\ndelete: nsAccountLock\n`);
		}
	});
});

describe("people made by 389's own tools (nsPerson / nsAccount / nsOrgPerson / posixAccount, as dsidm makes them)", () => {
	const dsidmPeople = () => dirsrv.fixture.users.filter((user) => user.kind === 'dsidm');

	it('are found by login, mail and DN with the default user filter', async () => {
		const person = dsidmPeople()[0];
		const user = await directory().getUser('login', person.uid);
		expect(user).toMatchObject({ dn: person.dn, login: person.uid, mail: person.mail, displayName: person.cn });
		expect((await directory().getUser('mail', person.mail)).dn).toBe(person.dn);
		expect((await directory().getUser('dn', person.dn)).login).toBe(person.uid);
	});

	it('are listed by a search together with the inetOrgPerson people', async () => {
		const found = logins(await collect(directory().searchUsers({ pageSize: 25 })));
		expect(found).toEqual(expect.arrayContaining(dirsrv.fixture.users.map((user) => user.uid)));
	});

	it('are members of a groupOfNames', async () => {
		const { engineering } = dirsrv.fixture.groups;
		const members = logins(await collect(directory().groupMembers('name', engineering.cn, { nested: false })));
		expect(members).toEqual(
			dirsrv.fixture.users
				.filter((user) => engineering.members.includes(user.dn))
				.map((user) => user.uid)
				.sort(),
		);
	});
});

describe('lockout by the password policy', () => {
	it('locked after three failed binds; no longer once the lockout has ended, though 389 keeps accountUnlockTime', async () => {
		await dirsrv.ldapmodify(
			'dn: cn=config\nchangetype: modify\nreplace: passwordLockoutDuration\npasswordLockoutDuration: 2\n',
		);
		try {
			const person = dirsrv.fixture.users.filter((user) => user.kind === 'dsidm')[7];
			for (let attempt = 0; attempt < 3; attempt++) {
				const client = new Client({ url: dirsrv.url });
				await client.bind(person.dn, 'not-the-password').catch(() => undefined);
				await client.unbind().catch(() => undefined);
			}
			expect((await directory().getUser('login', person.uid)).status).toEqual({
				disabled: false,
				locked: true,
				passwordResetRequired: false,
			});
			const unlockAt = (await session.search(person.dn, { scope: 'base', attributes: ['accountUnlockTime'] }))[0]
				.accountUnlockTime as string;
			const ends = Date.UTC(
				+unlockAt.slice(0, 4),
				+unlockAt.slice(4, 6) - 1,
				+unlockAt.slice(6, 8),
				+unlockAt.slice(8, 10),
				+unlockAt.slice(10, 12),
				+unlockAt.slice(12, 14),
			);
			await new Promise((resolve) => setTimeout(resolve, Math.max(0, ends - Date.now()) + 1100));
			// The server lets the person bind again; the attribute stays as it was.
			const client = new Client({ url: dirsrv.url });
			await client.bind(person.dn, person.password);
			await client.unbind();
			expect(
				(await session.search(person.dn, { scope: 'base', attributes: ['accountUnlockTime'] }))[0].accountUnlockTime,
			).toBe(unlockAt);
			expect((await directory().getUser('login', person.uid)).status).toEqual({
				disabled: false,
				locked: false,
				passwordResetRequired: false,
			});
		} finally {
			await dirsrv.ldapmodify(
				'dn: cn=config\nchangetype: modify\nreplace: passwordLockoutDuration\npasswordLockoutDuration: 3600\n',
			);
		}
	});
});

describe('groups (groupOfNames)', () => {
	it('gets a group with its member count, and searches groups by name', async () => {
		const { engineering } = dirsrv.fixture.groups;
		const group = await directory().getGroup('name', engineering.cn);
		expect(group).toMatchObject({ dn: engineering.dn, name: engineering.cn, memberCount: engineering.members.length });
		const found = await collect(directory().searchGroups({ nameContains: 'engin' }));
		expect(found.map((g) => g.name)).toEqual([engineering.cn]);
	});

	it('lists the inetOrgPerson members of a big group in pages', async () => {
		const { allStaff } = dirsrv.fixture.groups;
		const sizes: number[] = [];
		const members = await collect(directory().groupMembers('name', allStaff.cn, { nested: false, pageSize: 9 }), sizes);
		expect(logins(members)).toEqual(expect.arrayContaining(inetOrgPeople().map((user) => user.uid)));
		expect(Math.max(...sizes)).toBeLessThanOrEqual(9);
	});

	it('adds and removes a member; repeating either changes nothing', async () => {
		const { engineering } = dirsrv.fixture.groups;
		const person = inetOrgPeople().find((user) => !engineering.members.includes(user.dn))!;
		const group = { key: 'name' as const, value: engineering.cn };
		const user = { key: 'login' as const, value: person.uid };
		expect(await directory().addGroupMember(group, user)).toEqual({
			changed: true,
			groupDn: engineering.dn,
			userDn: person.dn,
		});
		expect((await directory().addGroupMember(group, user)).changed).toBe(false);
		expect((await directory().getGroup('name', engineering.cn)).memberCount).toBe(engineering.members.length + 1);
		expect((await directory().removeGroupMember(group, user)).changed).toBe(true);
		expect((await directory().removeGroupMember(group, user)).changed).toBe(false);
		expect((await directory().getGroup('name', engineering.cn)).memberCount).toBe(engineering.members.length);
	});
});

describe('groups of unique names (groupOfUniqueNames / uniqueMember), as in 389 DS sample data', () => {
	it('gets the group with its member count and lists its members', async () => {
		const { support } = dirsrv.fixture.groups;
		expect(await directory().getGroup('name', support.cn)).toMatchObject({
			dn: support.dn,
			name: support.cn,
			memberCount: support.members.length,
		});
		const found = await collect(directory().searchGroups({ nameContains: 'support' }));
		expect(found.map((group) => [group.name, group.memberCount])).toEqual([[support.cn, support.members.length]]);
		const members = await collect(directory().groupMembers('name', support.cn, { nested: false, pageSize: 5 }));
		expect(members.map((user) => user.dn).sort()).toEqual([...support.members].sort());
	});

	it('adds and removes a member in uniqueMember; repeating either changes nothing', async () => {
		const { support } = dirsrv.fixture.groups;
		const person = dirsrv.fixture.users.find((user) => !support.members.includes(user.dn))!;
		const group = { key: 'name' as const, value: support.cn };
		const user = { key: 'login' as const, value: person.uid };
		expect(await directory().addGroupMember(group, user)).toEqual({
			changed: true,
			groupDn: support.dn,
			userDn: person.dn,
		});
		expect((await directory().addGroupMember(group, user)).changed).toBe(false);
		expect(
			(await session.search(support.dn, { scope: 'base', attributes: ['uniqueMember'] }))[0].uniqueMember,
		).toContain(person.dn);
		expect((await directory().getGroup('name', support.cn)).memberCount).toBe(support.members.length + 1);
		expect((await directory().removeGroupMember(group, user)).changed).toBe(true);
		expect((await directory().removeGroupMember(group, user)).changed).toBe(false);
		expect((await directory().getGroup('name', support.cn)).memberCount).toBe(support.members.length);
	});

	it('nested: a groupOfNames holding a groupOfNames and a groupOfUniqueNames lists the people of both', async () => {
		const { nested, engineering, support } = dirsrv.fixture.groups;
		expect((await directory().getGroup('name', nested.cn)).memberCount).toBe(2);
		const direct = await collect(directory().groupMembers('name', nested.cn, { nested: false }));
		expect(direct).toEqual([]);
		const everyone = await collect(directory().groupMembers('name', nested.cn, { nested: true, pageSize: 6 }));
		expect(everyone.map((user) => user.dn).sort()).toEqual([...engineering.members, ...support.members].sort());
	});
});

describe('audiences', () => {
	it('resolves a nested group of both kinds intersected with a condition, and a groupOfUniqueNames with a listed user', async () => {
		const { nested, engineering, support } = dirsrv.fixture.groups;
		const engineers = await collect(
			resolveAudience(directory(), {
				groups: [nested.cn],
				nested: true,
				conditions: [{ field: 'title', operator: 'equals', value: 'Engineer' }],
				combine: 'intersection',
			}),
		);
		// Only the inetOrgPerson people have a title; the people dsidm makes have none.
		const members = new Set([...engineering.members, ...support.members]);
		const expected = inetOrgPeople().filter((user) => members.has(user.dn));
		expect(expected.length).toBeGreaterThan(0);
		expect(logins(engineers)).toEqual(logins(expected.map((user) => ({ login: user.uid }))));

		const outsider = dirsrv.fixture.users.find((user) => user.kind === 'dsidm' && !support.members.includes(user.dn));
		const union = await collect(resolveAudience(directory(), { groups: [support.cn], users: [outsider!.uid] }));
		const supportPeople = dirsrv.fixture.users.filter((user) => support.members.includes(user.dn));
		expect(logins(union)).toEqual(logins([...supportPeople, outsider!].map((user) => ({ login: user.uid }))));
	});
});

describe('acknowledgments', () => {
	const store = () =>
		new AcknowledgmentStore(directory(), { attribute: 'otdpAcknowledgment', auxiliaryObjectClass: 'otdpRecipient' });

	it('records an acknowledgment (adding the auxiliary class), and lists who has and has not acknowledged in a group', async () => {
		const { engineering } = dirsrv.fixture.groups;
		const engineers = inetOrgPeople().filter((user) => engineering.members.includes(user.dn));
		const first = await store().record(engineers[0].uid, 'outage-389', '2026-11-26T10:00:00Z');
		expect(first).toMatchObject({
			recorded: true,
			noticeId: 'outage-389',
			at: '2026-11-26T10:00:00.000Z',
			userDn: engineers[0].dn,
		});
		expect((await store().record(engineers[0].uid, 'outage-389')).recorded).toBe(false);
		expect(await store().acknowledgedAt(engineers[0].uid, 'outage-389')).toBe('2026-11-26T10:00:00.000Z');
		const acknowledged: AcknowledgmentStatus[] = await collect(
			store().list('outage-389', { groups: [engineering.cn] }, 'acknowledged'),
		);
		expect(acknowledged.map((status) => status.user.login)).toEqual([engineers[0].uid]);
		const pending = await collect(store().list('outage-389', { groups: [engineering.cn] }, 'pending'));
		expect(pending.map((status) => status.user.login)).not.toContain(engineers[0].uid);
		expect(pending.length).toBeGreaterThanOrEqual(engineers.length - 1);
	});

	it("records one on a person made by 389's tools (the auxiliary class joins nsPerson)", async () => {
		const person = dirsrv.fixture.users.find((user) => user.kind === 'dsidm')!;
		expect(await store().record(person.uid, 'outage-389', '2026-11-26T11:00:00Z')).toMatchObject({
			recorded: true,
			userDn: person.dn,
		});
		expect(await store().acknowledgedAt(person.uid, 'outage-389')).toBe('2026-11-26T11:00:00.000Z');
	});
});
