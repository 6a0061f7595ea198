import { Attribute, Change } from 'ldapts';
import { AcknowledgmentStore } from '../../core/acknowledgments';
import { resolveAudience } from '../../core/audience';
import { LdapChangeReader } from '../../core/changes/ldap/reader';
import { NotFoundError } from '../../core/errors';
import { testLdapConnection } from '../../core/ldap/connection-test';
import { LdapDirectory } from '../../core/ldap/directory';
import { profileFor } from '../../core/ldap/flavours';
import type { DirectoryUser } from '../../core/model/directory-user';
import { LdapSession } from '../../transport/ldap/session';
import { parseLdapSettings, type LdapSettings } from '../../core/ldap/settings';
import { ldapCredentialData } from '../../devkit/ldap-credential';
import { startSamba, type Samba } from '../../devkit/samba';
import {
	GROUPS_DN,
	PEOPLE,
	PEOPLE_DN,
	STAFF_COUNT,
	UAC_NORMAL_NO_PASSWORD,
	groupDn,
	personDn,
	personOf,
	staffDn,
	staffLogin,
} from '../../devkit/samba-fixture';

/**
 * The directory operations against a real Active Directory implementation (Samba 4.17 AD DC): the
 * credential's test, users by each key, groups, nested members (with a nesting cycle), a group of more than
 * 1,500 members read in ranges, membership changes and acknowledgments.
 */
let samba: Samba;
let session: LdapSession;

/** The credential as a user would fill it in: LDAPS to the DC, its self-signed certificate allowed. */
function credential(overrides: Record<string, unknown> = {}): LdapSettings {
	return parseLdapSettings(ldapCredentialData(samba, overrides));
}

beforeAll(async () => {
	samba = await startSamba();
	session = await LdapSession.open(credential());
});

afterAll(async () => {
	await session?.close();
	await samba?.stop();
});

const directory = (options: ConstructorParameters<typeof LdapDirectory>[3] = {}) =>
	new LdapDirectory(session, profileFor('activeDirectory'), samba.baseDN, {
		userBaseDN: PEOPLE_DN,
		groupBaseDN: GROUPS_DN,
		...options,
	});

async function collect<T>(pages: AsyncGenerator<T[]>): Promise<T[]> {
	const all: T[] = [];
	for await (const page of pages) all.push(...page);
	return all;
}

const logins = (users: DirectoryUser[]) => users.map((user) => user.login).sort();

/** Everyone's primary group, in the container Samba provisions. */
const DOMAIN_USERS = 'CN=Domain Users,CN=Users,DC=northwind,DC=test';

describe('credential test', () => {
	it('connects over LDAPS and detects Active Directory', async () => {
		const result = await testLdapConnection(credential());
		expect(result.ok).toBe(true);
		expect(result.server?.flavour).toBe('activeDirectory');
		expect(result.message).toContain('detected flavour: activeDirectory');
		expect(result.server?.supportedControlNames).toEqual(
			expect.arrayContaining(['paged results', 'show deleted', 'DirSync']),
		);
		expect(result.server?.defaultNamingContext).toBe(samba.baseDN);
	});

	it('verifies the certificate against the CA Samba made, when it is given instead of allowing self-signed', async () => {
		// The certificate names the DC (dc1.northwind.test), not 127.0.0.1: verification rightly refuses the address.
		const result = await testLdapConnection(credential({ allowSelfSigned: false, caCertificate: samba.caCertPem }));
		expect(result.ok).toBe(false);
		expect(result.message).toMatch(/certificate/i);
	});

	it('binds with the userPrincipalName too, and says what is wrong with a wrong password', async () => {
		expect((await testLdapConnection(credential({ bindDN: samba.adminUpn }))).ok).toBe(true);
		const wrong = await testLdapConnection(credential({ bindPassword: 'not-the-password' }));
		expect(wrong.ok).toBe(false);
		expect(wrong.message).toMatch(/password|credentials/i);
		expect(wrong.message).not.toContain('not-the-password');
	});
});

describe('the test Samba itself', () => {
	it('a second one fails loudly, naming the port, while this one holds 389 and 636', async () => {
		await expect(startSamba()).rejects.toThrow(/needs 127\.0\.0\.1:389, which is taken/);
		expect(samba.running).toBe(true);
	});
});

describe('users', () => {
	it('gets a user by sAMAccountName, DN, mail and objectGUID, with the AD fields and status', async () => {
		const bob = personOf('bob');
		const byLogin = await directory().getUser('login', 'bob');
		expect(byLogin).toMatchObject({
			dn: personDn(bob),
			login: 'bob',
			mail: 'bob@northwind.test',
			displayName: 'Bob Baker',
			givenName: 'Bob',
			surname: 'Baker',
			department: 'Sales',
			title: 'Sales Lead',
			location: 'Seattle',
			employeeNumber: bob.employeeID,
			status: { disabled: false, locked: false, passwordResetRequired: false },
		});
		expect(byLogin.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
		// AD's memberOf leaves out the primary group: the node adds it (core/ldap/primary-group.ts).
		expect(byLogin.memberOf).toEqual([groupDn('Sales'), DOMAIN_USERS]);
		expect((await directory().getUser('dn', personDn(bob))).id).toBe(byLogin.id);
		expect((await directory().getUser('mail', 'bob@northwind.test')).id).toBe(byLogin.id);
		expect((await directory().getUser('id', byLogin.id)).dn).toBe(personDn(bob));
		await expect(directory().getUser('login', 'nobody-here')).rejects.toThrow(NotFoundError);
	});

	it('gets a user by userPrincipalName as the login too (bob@northwind.test, carol.white@northwind.test)', async () => {
		expect((await directory().getUser('login', 'bob@northwind.test')).dn).toBe(personDn(personOf('bob')));
		const carol = await directory().getUser('login', 'carol.white@northwind.test');
		expect(carol).toMatchObject({ dn: personDn(personOf('cwhite')), login: 'cwhite' });
		expect((await directory().getUser('login', 'cwhite')).id).toBe(carol.id);
		// Everything that takes a login goes through the same lookup: membership changes, audiences, acknowledgments.
		const group = { key: 'name' as const, value: 'Empty Group' };
		expect(
			await directory().addGroupMember(group, { key: 'login', value: 'carol.white@northwind.test' }),
		).toMatchObject({ changed: true, userDn: carol.dn });
		expect(await directory().removeGroupMember(group, { key: 'login', value: 'cwhite' })).toMatchObject({
			changed: true,
			userDn: carol.dn,
		});
	});

	it('gives binary Additional Attributes readably: SIDs as S-1-5-..., GUIDs as GUID text, other bytes as base64', async () => {
		const photo = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x80, 0xfe]);
		const client = await samba.adminClient();
		try {
			await client.modify(personDn(personOf('frank')), [
				new Change({
					operation: 'replace',
					modification: new Attribute({ type: 'thumbnailPhoto', values: [photo as unknown as string] }),
				}),
			]);
			const frank = await directory().getUser('login', 'frank', ['objectSid', 'objectGUID', 'thumbnailPhoto']);
			expect(frank.attributes.objectGUID).toBe(frank.id);
			expect(frank.attributes.thumbnailPhoto).toBe(photo.toString('base64'));
			const sid = frank.attributes.objectSid as string;
			expect(sid).toMatch(/^S-1-5-21-\d+-\d+-\d+-\d+$/);
			// The server itself reads the text form: AD takes a SID string in a filter on objectSid.
			const bySid = (
				await client.search(samba.baseDN, { scope: 'sub', filter: `(objectSid=${sid})`, attributes: ['1.1'] })
			).searchEntries;
			expect(bySid.map((entry) => entry.dn)).toEqual([frank.dn]);
			const sales = await directory().getGroup('name', 'Sales', ['objectSid']);
			expect(sales.attributes.objectSid).toMatch(/^S-1-5-21-\d+-\d+-\d+-\d+$/);
			expect(sales.attributes.objectSid).not.toBe(sid);
		} finally {
			await client.unbind();
		}
	});

	it('searches users page by page, by state and condition', async () => {
		const all = await collect(directory().searchUsers({ pageSize: 500 }));
		expect(all).toHaveLength(PEOPLE.length + STAFF_COUNT);
		const sales = await collect(
			directory().searchUsers({ conditions: [{ attribute: 'department', operator: 'equals', value: 'Sales' }] }),
		);
		expect(logins(sales)).toEqual(['alice', 'bob']);
		expect(await collect(directory().searchUsers({ state: 'disabled' }))).toEqual([]);
	});
});

describe('searches, writes and audiences', () => {
	it("pages past the DC's MaxPageSize (1,000) and tells enabled from disabled accounts by userAccountControl", async () => {
		expect(await collect(directory().searchUsers({ pageSize: 2000 }))).toHaveLength(PEOPLE.length + STAFF_COUNT);
		const client = await samba.adminClient();
		try {
			await client.modify(staffDn(0), [
				new Change({
					operation: 'replace',
					modification: new Attribute({ type: 'userAccountControl', values: [String(UAC_NORMAL_NO_PASSWORD | 0x2)] }),
				}),
			]);
			const disabled = await collect(directory().searchUsers({ state: 'disabled' }));
			expect(disabled.map((user) => [user.login, user.status.disabled])).toEqual([[staffLogin(0), true]]);
			expect(await collect(directory().searchUsers({ state: 'enabled' }))).toHaveLength(
				PEOPLE.length + STAFF_COUNT - 1,
			);
		} finally {
			await client.modify(staffDn(0), [
				new Change({
					operation: 'replace',
					modification: new Attribute({ type: 'userAccountControl', values: [String(UAC_NORMAL_NO_PASSWORD)] }),
				}),
			]);
			await client.unbind();
		}
	});

	it('updates attributes: set, add and remove values in one modify', async () => {
		const updated = await directory().updateUserAttributes('login', 'erin@northwind.test', [
			{ attribute: 'title', action: 'set', values: ['Principal Architect'] },
			{ attribute: 'otherTelephone', action: 'add', values: ['+1 555 0100', '+1 555 0101'] },
		]);
		expect(updated.title).toBe('Principal Architect');
		expect([updated.attributes.otherTelephone].flat().sort()).toEqual(['+1 555 0100', '+1 555 0101']);
		const removed = await directory().updateUserAttributes('login', 'erin', [
			{ attribute: 'otherTelephone', action: 'remove', values: ['+1 555 0100'] },
		]);
		expect(removed.attributes.otherTelephone).toBe('+1 555 0101');
	});

	it('resolves an audience: a nested group intersected with a condition on a field, and listed users by UPN', async () => {
		const engineersInPortland = await collect(
			resolveAudience(directory(), {
				groups: ['Engineering'],
				nested: true,
				conditions: [{ field: 'location', operator: 'equals', value: 'Portland' }],
				combine: 'intersection',
			}),
		);
		expect(logins(engineersInPortland)).toEqual(['cwhite', 'dave']);
		const union = await collect(resolveAudience(directory(), { groups: ['Sales'], users: ['grace@northwind.test'] }));
		expect(logins(union)).toEqual(['alice', 'bob', 'grace']);
	});
});

describe('groups', () => {
	it('gets a group by name with its member count, and searches groups', async () => {
		const sales = await directory().getGroup('name', 'Sales');
		expect(sales).toMatchObject({ dn: groupDn('Sales'), name: 'Sales', description: 'Sales team', memberCount: 2 });
		expect((await directory().getGroup('id', sales.id)).dn).toBe(groupDn('Sales'));
		const found = await collect(directory().searchGroups({ nameContains: 'ing' }));
		expect(found.map((group) => group.name).sort()).toEqual(['Engineering', 'Tooling']);
	});

	it('lists direct and nested members through a nesting cycle, each person once, both lookups', async () => {
		for (const memberLookup of ['memberOf', 'memberAttribute'] as const) {
			expect(
				logins(await collect(directory({ memberLookup }).groupMembers('name', 'Engineering', { nested: false }))),
			).toEqual(['cwhite']);
			expect(
				logins(await collect(directory({ memberLookup }).groupMembers('name', 'Engineering', { nested: true }))),
			).toEqual(['cwhite', 'dave', 'erin', 'frank']);
			expect(
				logins(await collect(directory({ memberLookup }).groupMembers('name', 'Platform', { nested: true }))),
			).toEqual(['cwhite', 'dave', 'erin', 'frank']);
		}
	});

	it('a group of more than 1,500 members: counted and listed in full, its members asked for in ranges', async () => {
		const allStaff = await directory().getGroup('name', 'All Staff');
		expect(allStaff.memberCount).toBe(STAFF_COUNT + 2);
		for (const memberLookup of ['memberOf', 'memberAttribute'] as const) {
			const members = await collect(directory({ memberLookup }).groupMembers('name', 'All Staff', { nested: false }));
			expect(members).toHaveLength(STAFF_COUNT + 2);
			expect(new Set(members.map((user) => user.login))).toEqual(
				new Set(['alice', 'heidi', ...Array.from({ length: STAFF_COUNT }, (_, index) => staffLogin(index))]),
			);
		}
	});

	it('asks for members in ranges (member;range=0-1499) and follows them past 1,500: Get Group, Get Members, the change reader', async () => {
		const search = jest.spyOn(session, 'search');
		const searchPages = jest.spyOn(session, 'searchPages');
		const requested = () =>
			[...search.mock.calls, ...searchPages.mock.calls].flatMap(([, options]) => options.attributes ?? []);
		try {
			expect((await directory().getGroup('name', 'All Staff')).memberCount).toBe(STAFF_COUNT + 2);
			expect(requested()).toEqual(expect.arrayContaining(['member;range=0-1499', 'member;range=1500-*']));
			expect(requested()).not.toContain('member');

			search.mockClear();
			searchPages.mockClear();
			expect(
				await collect(
					directory({ memberLookup: 'memberAttribute' }).groupMembers('name', 'All Staff', { nested: false }),
				),
			).toHaveLength(STAFF_COUNT + 2);
			expect(requested()).toEqual(expect.arrayContaining(['member;range=0-1499', 'member;range=1500-*']));

			search.mockClear();
			searchPages.mockClear();
			const reader = new LdapChangeReader({
				session,
				profile: profileFor('activeDirectory'),
				flavour: 'activeDirectory',
				userBaseDN: PEOPLE_DN,
				groupBaseDN: GROUPS_DN,
			});
			const observed = (await reader.allGroups()).find((group) => group.observation.group.name === 'All Staff');
			expect(observed?.observation.memberDns).toHaveLength(STAFF_COUNT + 2);
			expect(requested()).toEqual(expect.arrayContaining(['member;range=0-1499', 'member;range=1500-*']));
		} finally {
			search.mockRestore();
			searchPages.mockRestore();
		}
	});

	it('Domain Users: everyone whose primary group it is, though it lists none of them as members (Get Members, audiences)', async () => {
		// Domain Users lives in CN=Users, outside the fixture's group OU: a group base of the whole domain finds it.
		const domain = (options: ConstructorParameters<typeof LdapDirectory>[3] = {}) =>
			directory({ groupBaseDN: samba.baseDN, ...options });
		const everyone = new Set([
			...PEOPLE.map((p) => p.login),
			...Array.from({ length: STAFF_COUNT }, (_, i) => staffLogin(i)),
		]);
		// Its member attribute names nobody: that is what memberCount counts.
		expect((await domain().getGroup('name', 'Domain Users')).memberCount).toBe(0);
		for (const memberLookup of ['memberOf', 'memberAttribute'] as const) {
			for (const nested of [false, true]) {
				const members = await collect(domain({ memberLookup }).groupMembers('name', 'Domain Users', { nested }));
				expect(members).toHaveLength(everyone.size);
				expect(new Set(members.map((user) => user.login))).toEqual(everyone);
				expect(members.every((user) => user.memberOf.includes(DOMAIN_USERS))).toBe(true);
			}
		}
		const portland = await collect(
			resolveAudience(domain(), {
				groups: ['Domain Users'],
				conditions: [{ field: 'location', operator: 'equals', value: 'Portland' }],
				combine: 'intersection',
			}),
		);
		expect(logins(portland)).toEqual(['cwhite', 'dave']);
		const staff = await collect(
			directory().searchUsers({
				conditions: [{ attribute: 'sAMAccountName', operator: 'startsWith', value: 'staff000' }],
			}),
		);
		expect(staff.map((user) => user.memberOf)).toEqual(
			Array.from({ length: 10 }, () => [groupDn('All Staff'), DOMAIN_USERS]),
		);
	});

	it('a person whose primary group is another group: listed with its members once, directly and through nesting', async () => {
		const frank = personDn(personOf('frank'));
		const platform = await directory().getGroup('name', 'Platform', ['objectSid']);
		const rid = String(platform.attributes.objectSid).split('-').pop() as string;
		const setPrimary = (value: string) =>
			session.modify(frank, [
				new Change({ operation: 'replace', modification: new Attribute({ type: 'primaryGroupID', values: [value] }) }),
			]);
		// AD makes a group someone's primary group only once they are a member of it.
		await directory().addGroupMember({ key: 'name', value: 'Platform' }, { key: 'login', value: 'frank' });
		try {
			await setPrimary(rid);
			for (const memberLookup of ['memberOf', 'memberAttribute'] as const) {
				const direct = await collect(directory({ memberLookup }).groupMembers('name', 'Platform', { nested: false }));
				expect(direct.map((user) => user.login).sort()).toEqual(['dave', 'erin', 'frank']);
				const nested = await collect(directory({ memberLookup }).groupMembers('name', 'Engineering', { nested: true }));
				expect(nested.map((user) => user.login).sort()).toEqual(['cwhite', 'dave', 'erin', 'frank']);
			}
			// Platform is his primary group now, once in his memberOf.
			const memberOf = (await directory().getUser('login', 'frank')).memberOf;
			expect(memberOf.filter((dn) => dn === groupDn('Platform'))).toHaveLength(1);
		} finally {
			await setPrimary('513');
			await directory().removeGroupMember({ key: 'name', value: 'Platform' }, { key: 'login', value: 'frank' });
		}
		const direct = await collect(directory().groupMembers('name', 'Platform', { nested: false }));
		expect(logins(direct)).toEqual(['dave', 'erin']);
	});

	it('adds and removes a member; repeating either changes nothing', async () => {
		const group = { key: 'name' as const, value: 'Empty Group' };
		const user = { key: 'login' as const, value: 'heidi' };
		expect(await directory().addGroupMember(group, user)).toMatchObject({
			changed: true,
			groupDn: groupDn('Empty Group'),
			userDn: personDn(personOf('heidi')),
		});
		expect(await directory().addGroupMember(group, user)).toMatchObject({ changed: false });
		expect((await directory().getGroup('name', 'Empty Group')).memberCount).toBe(1);
		expect((await directory().getUser('login', 'heidi')).memberOf).toContain(groupDn('Empty Group'));
		expect(await directory().removeGroupMember(group, user)).toMatchObject({ changed: true });
		expect(await directory().removeGroupMember(group, user)).toMatchObject({ changed: false });
		expect((await directory().getGroup('name', 'Empty Group')).memberCount).toBe(0);
	});
});

describe('acknowledgments', () => {
	// AD's user class has no attribute of ours; a free multi-valued one of the base schema holds them.
	const store = () => new AcknowledgmentStore(directory(), { attribute: 'otherPager' });

	it('records an acknowledgment once and lists who has and has not acknowledged', async () => {
		const first = await store().record('dave', 'outage-1', '2026-11-26T10:00:00Z');
		expect(first).toMatchObject({ recorded: true, at: '2026-11-26T10:00:00.000Z', userDn: personDn(personOf('dave')) });
		expect(await store().record('dave', 'outage-1', '2026-11-27T10:00:00Z')).toMatchObject({
			recorded: false,
			at: '2026-11-26T10:00:00.000Z',
		});
		const statuses = await collect(
			store().list('outage-1', { groups: [{ key: 'name', value: 'Platform' }], nested: false }),
		);
		expect(statuses.map((status) => [status.user.login, status.acknowledged]).sort()).toEqual([
			['dave', true],
			['erin', false],
		]);
		const client = await samba.adminClient();
		try {
			const [entry] = (await client.search(personDn(personOf('dave')), { scope: 'base', attributes: ['otherPager'] }))
				.searchEntries;
			// The timed value and its claim (the bare notice id a second writer's modify is refused on).
			expect([entry.otherPager].flat().sort()).toEqual(['outage-1', 'outage-1|2026-11-26T10:00:00.000Z']);
		} finally {
			await client.unbind();
		}
	});
});
