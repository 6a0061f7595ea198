import { randomUUID } from 'node:crypto';
import { ConfigurationError, NotFoundError, RequestError } from '../../core/errors';
import type { GroupSearch } from '../../core/directory/backend';
import { LdapDirectory } from '../../core/ldap/directory';
import { profileFor, type FlavourProfile, type MemberLookup } from '../../core/ldap/flavours';
import type { DirectoryGroup } from '../../core/model/directory-group';
import type { DirectoryUser } from '../../core/model/directory-user';
import { LdapSession } from '../../transport/ldap/session';
import { attrLine, directMemberships, GROUPS, transitiveUsers, type FixtureGroup } from '../../devkit/fixture';
import type { Slapd } from '../../devkit/slapd';
import { startSlapdWithSession, stopSlapdWithSession } from '../support/slapd-strategies';

/** Groups, nested members, membership changes and attribute updates against a real slapd, both flavours. */
let slapd: Slapd;
let session: LdapSession;

beforeAll(async () => ({ slapd, session } = await startSlapdWithSession({ users: 160 })));
afterAll(() => stopSlapdWithSession(slapd, session));

interface Flavour {
	name: string;
	profile: () => FlavourProfile;
	base: () => string;
	userDN: (uid: string) => string;
	groupDN: (name: string) => string;
	groupsDN: () => string;
	/** LDIF lines of a new group entry (without members) and its DN. */
	newGroup: (name: string) => { dn: string; ldif: string };
}

const FLAVOURS: Flavour[] = [
	{
		name: 'inetOrgPerson + groupOfNames (OpenLDAP)',
		profile: () => profileFor('openLdap'),
		base: () => slapd.baseDN,
		userDN: (uid) => slapd.layout.userDN(uid),
		groupDN: (name) => slapd.layout.groupDN(name),
		groupsDN: () => slapd.layout.groupsDN,
		newGroup: (name) => {
			const dn = slapd.layout.groupDN(name);
			return { dn, ldif: `${attrLine('dn', dn)}changetype: add\nobjectClass: groupOfNames\n${attrLine('cn', name)}` };
		},
	},
	{
		name: 'legacy OTDS oTPerson / oTGroup (OpenDJ flavour)',
		profile: () => profileFor('openDj'),
		base: () => slapd.otdsBaseDN,
		userDN: (uid) => slapd.otds.userDN(uid),
		groupDN: (name) => slapd.otds.groupDN(name),
		groupsDN: () => slapd.otds.groupsDN,
		newGroup: (name) => {
			const uuid = randomUUID();
			const dn = slapd.otds.groupDNByUuid(uuid);
			return {
				dn,
				ldif: `${attrLine('dn', dn)}changetype: add\nobjectClass: oTGroup\noTGroup: ${uuid}\n${attrLine('cn', name)}oTObjectGUID: ${uuid}\n`,
			};
		},
	},
];

async function collect<T>(pages: AsyncGenerator<T[]>, sizes?: number[]): Promise<T[]> {
	const all: T[] = [];
	for await (const page of pages) {
		sizes?.push(page.length);
		all.push(...page);
	}
	return all;
}

const sorted = (values: Iterable<string>) => [...values].sort();
const logins = (users: DirectoryUser[]) => sorted(users.map((user) => user.login));
const directUsers = (group: FixtureGroup) =>
	sorted(group.members.flatMap((member) => (member.kind === 'user' ? [member.uid] : [])));

describe.each(FLAVOURS)('$name', (flavour) => {
	const directory = (lookup: MemberLookup | 'auto' = 'auto', profile = flavour.profile()) =>
		new LdapDirectory(session, profile, flavour.base(), {
			privilegedGroups: [
				GROUPS.domainAdmins,
				flavour.groupDN(GROUPS.securityAdministrators).toUpperCase().replace(/,/g, ', '),
			],
			memberLookup: lookup,
		});
	const modifyMembers = (groupDn: string, operation: 'add' | 'delete', memberDns: string[]) =>
		slapd.ldapmodify(
			`${attrLine('dn', groupDn)}changetype: modify\n${operation}: ${flavour.profile().memberAttribute}\n${memberDns.map((dn) => attrLine(flavour.profile().memberAttribute, dn)).join('')}`,
		);
	const createGroup = async (name: string, memberDns: string[]) => {
		const { dn, ldif } = flavour.newGroup(name);
		await slapd.ldapmodify(`${ldif}${memberDns.map((m) => attrLine(flavour.profile().memberAttribute, m)).join('')}`);
		return dn;
	};

	describe('groups', () => {
		it('gets a group by name, DN and id, with its direct member count and privilege', async () => {
			const fixture = slapd.fixture.groupByName.get(GROUPS.domainAdmins)!;
			const byName = await directory().getGroup('name', GROUPS.domainAdmins, ['objectClass']);
			expect(byName).toMatchObject({
				dn: flavour.groupDN(GROUPS.domainAdmins),
				name: GROUPS.domainAdmins,
				description: fixture.description,
				memberCount: fixture.members.length,
				privileged: true,
			});
			expect(byName.id).toMatch(/^[0-9a-f-]{36}$/);
			// OTDS keeps its own GUID (the fixture's); OpenLDAP made an entryUUID when the data was loaded.
			if (flavour.profile().memberAttribute === 'oTMember') expect(byName.id).toBe(fixture.uuid);
			expect(byName.attributes.objectClass).toBeDefined();
			expect(await directory().getGroup('dn', byName.dn)).toMatchObject({ id: byName.id, name: GROUPS.domainAdmins });
			expect(await directory().getGroup('id', byName.id)).toMatchObject({ dn: byName.dn });
			// Listed by DN, in another spelling: still recognised.
			expect((await directory().getGroup('name', GROUPS.securityAdministrators)).privileged).toBe(true);
			expect((await directory().getGroup('name', GROUPS.allStaff)).privileged).toBe(false);
			const allStaff = slapd.fixture.groupByName.get(GROUPS.allStaff)!;
			expect((await directory().getGroup('name', 'all staff')).memberCount).toBe(allStaff.members.length);
		});

		it('searches groups by name (literally) and conditions, page by page, with a limit', async () => {
			const offices = slapd.fixture.groups.filter((group) => group.name.includes('Office'));
			const sizes: number[] = [];
			const found = await collect(directory().searchGroups({ nameContains: 'office', pageSize: 3 }), sizes);
			expect(sorted(found.map((group) => group.name))).toEqual(sorted(offices.map((group) => group.name)));
			expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
			for (const group of found) {
				expect(group.memberCount).toBe(slapd.fixture.groupByName.get(group.name)!.members.length);
			}
			const all = await collect(directory().searchGroups());
			expect(all.length).toBe(slapd.fixture.groups.length);
			expect(sorted(all.filter((group) => group.privileged).map((group) => group.name))).toEqual(
				sorted([GROUPS.domainAdmins, GROUPS.securityAdministrators]),
			);
			expect((await collect(directory().searchGroups({ limit: 5, pageSize: 2 }))).length).toBe(5);
			const byDescription: GroupSearch = {
				conditions: [{ attribute: 'description', operator: 'startsWith', value: 'Managers of' }],
			};
			expect(
				(await collect(directory().searchGroups(byDescription))).every((group) => group.name.endsWith(' Managers')),
			).toBe(true);
			const ampersand = await collect(directory().searchGroups({ nameContains: 'Product & Tech' }));
			expect(sorted(ampersand.map((group) => group.name))).toEqual([
				'Product & Technology',
				'Product & Technology Leadership',
			]);
			// Non-ASCII names (escaped as UTF-8 bytes) are found too.
			expect((await collect(directory().searchGroups({ nameContains: 'São' }))).map((group) => group.name)).toEqual([
				'São Paulo Office',
			]);
		});

		it.each(['*', '*)(cn=*', 'x)(|(cn=*', '\\', '\\2a', '\0', '(', ')', 'Domain Admins)(cn=*'])(
			'matches group name %j literally',
			async (value) => {
				await expect(directory().getGroup('name', value)).rejects.toBeInstanceOf(NotFoundError);
				await expect(collect(directory().groupMembers('name', value, { nested: true }))).rejects.toBeInstanceOf(
					NotFoundError,
				);
				expect(await collect(directory().searchGroups({ nameContains: value }))).toEqual([]);
				expect(
					await collect(directory().searchGroups({ conditions: [{ attribute: 'cn', operator: 'equals', value }] })),
				).toEqual([]);
			},
		);

		it('refuses invalid DNs with a clear message, and says when nothing is there', async () => {
			for (const bad of ['not a dn', 'cn=x,,dc=com', 'cn=a\\', 'cn=a"b,dc=com', 'cn=a\0b,dc=com', '=x,dc=com']) {
				await expect(directory().getGroup('dn', bad)).rejects.toThrow(new RegExp(`^Group ".*" is not a valid DN`));
				await expect(directory().getUser('dn', bad)).rejects.toBeInstanceOf(ConfigurationError);
				await expect(collect(directory().groupMembers('dn', bad, { nested: false }))).rejects.toBeInstanceOf(
					ConfigurationError,
				);
			}
			await expect(directory().getGroup('dn', `cn=No Such Group,${flavour.groupsDN()}`)).rejects.toBeInstanceOf(
				NotFoundError,
			);
			await expect(directory().getGroup('dn', flavour.userDN(slapd.fixture.users[0].uid))).rejects.toBeInstanceOf(
				NotFoundError,
			);
			await expect(directory().getGroup('id', randomUUID())).rejects.toThrow(/No group with id/);
			await expect(directory().getGroup('name', 'No Such Group')).rejects.toBeInstanceOf(NotFoundError);
			await expect(directory().getGroup('name', '  ')).rejects.toBeInstanceOf(ConfigurationError);
			await expect(directory().getGroup('name', GROUPS.helpDesk, ['bad attr'])).rejects.toThrow(
				/^Additional Attributes/,
			);
		});
	});

	describe('members', () => {
		it.each<MemberLookup>(['memberOf', 'memberAttribute'])(
			'lists direct and nested members of every fixture group (%s)',
			async (lookup) => {
				for (const group of slapd.fixture.groups) {
					const direct = await collect(directory(lookup).groupMembers('name', group.name, { nested: false }));
					expect(logins(direct)).toEqual(directUsers(group));
					const sizes: number[] = [];
					const nested = await collect(
						directory(lookup).groupMembers('dn', flavour.groupDN(group.name), { nested: true, pageSize: 7 }),
						sizes,
					);
					expect(logins(nested)).toEqual(sorted(transitiveUsers(slapd.fixture, group.name)));
					expect(Math.max(0, ...sizes)).toBeLessThanOrEqual(7);
				}
			},
		);

		it('returns people with their fields and the extra attributes asked for', async () => {
			const [first] = await collect(
				directory().groupMembers('name', GROUPS.executives, { nested: false, extraAttributes: ['employeeNumber'] }),
			);
			const expected = slapd.fixture.userByUid.get(first.login)!;
			expect(first).toMatchObject({ mail: expected.mail, mobile: expected.mobile, dn: flavour.userDN(expected.uid) });
			expect(first.attributes.employeeNumber).toBe(expected.employeeNumber);
			expect(first.memberOf.length).toBeGreaterThan(0);
		});

		it('falls back to the member attribute when nothing maintains the reverse attribute', async () => {
			const profile = flavour.profile();
			const unmaintained = { ...profile, user: { ...profile.user, memberOf: 'seeAlso' } };
			const backend = directory('memberOf', unmaintained);
			const reader = backend.memberReader();
			const groupDn = flavour.groupDN(GROUPS.allManagers);
			const attributes = backend.users.attributesToRead([]);
			const entries: string[] = [];
			for await (const page of reader.read(groupDn, { nested: true, attributes }))
				entries.push(...page.map((entry) => entry.dn));
			expect(entries.length).toBe(transitiveUsers(slapd.fixture, GROUPS.allManagers).size);
			expect(new Set(entries).size).toBe(entries.length);
			expect(reader.stats.fallbacks).toBeGreaterThan(0);
		});

		it('terminates on cycles, expanding each group once and listing each person once', async () => {
			const users = slapd.fixture.users;
			const a = await createGroup('Cycle A', [flavour.userDN(users[10].uid)]);
			const b = await createGroup('Cycle B', [a, flavour.userDN(users[11].uid), flavour.groupDN('Legal')]);
			await modifyMembers(a, 'add', [b, flavour.userDN(users[11].uid)]);
			const self = await createGroup('Cycle Self', [flavour.userDN(users[12].uid)]);
			await modifyMembers(self, 'add', [self]);
			// A cycle through the fixture too: Legal → Cycle A → Cycle B → Legal.
			await modifyMembers(flavour.groupDN('Legal'), 'add', [a]);
			try {
				const expected = sorted(new Set([users[10].uid, users[11].uid, ...transitiveUsers(slapd.fixture, 'Legal')]));
				for (const lookup of ['memberOf', 'memberAttribute'] as const) {
					const backend = directory(lookup);
					for (const start of ['Cycle A', 'Cycle B', 'Legal']) {
						const members = await collect(backend.groupMembers('name', start, { nested: true, pageSize: 5 }));
						expect(logins(members)).toEqual(expected);
					}
					const reader = backend.memberReader();
					const seen: string[] = [];
					for await (const page of reader.read(a, { nested: true, attributes: ['1.1'] }))
						seen.push(...page.map((entry) => entry.dn));
					expect(reader.stats.groupsExpanded).toBe(3);
					expect(new Set(seen).size).toBe(seen.length);
					expect(logins(await collect(backend.groupMembers('dn', self, { nested: true })))).toEqual([users[12].uid]);
				}
				// Corporate Services contains Legal, which now reaches the cycle.
				const corporate = await collect(directory().groupMembers('name', 'Corporate Services', { nested: true }));
				expect(logins(corporate)).toEqual(
					sorted(new Set([...transitiveUsers(slapd.fixture, 'Corporate Services'), users[10].uid, users[11].uid])),
				);
			} finally {
				await modifyMembers(flavour.groupDN('Legal'), 'delete', [a]);
			}
		});

		it('says when the group does not exist', async () => {
			await expect(collect(directory().groupMembers('name', 'No Such Group', { nested: true }))).rejects.toBeInstanceOf(
				NotFoundError,
			);
			await expect(collect(directory().groupMembers('id', randomUUID(), { nested: true }))).rejects.toBeInstanceOf(
				NotFoundError,
			);
		});
	});

	describe('membership changes', () => {
		it('adds and removes a member idempotently, saying whether anything changed', async () => {
			const user = slapd.fixture.users.find(
				(candidate) => !directMemberships(slapd.fixture).userGroups.get(candidate.uid)?.includes(GROUPS.helpDesk),
			)!;
			const group = { key: 'name' as const, value: GROUPS.helpDesk };
			const who = { key: 'login' as const, value: user.uid };
			const backend = directory();
			const added = await backend.addGroupMember(group, who);
			expect(added).toEqual({
				changed: true,
				groupDn: flavour.groupDN(GROUPS.helpDesk),
				userDn: flavour.userDN(user.uid),
			});
			expect((await backend.addGroupMember(group, who)).changed).toBe(false);
			expect((await backend.getUser('login', user.uid)).memberOf.map((dn) => dn.toLowerCase())).toContain(
				flavour.groupDN(GROUPS.helpDesk).toLowerCase(),
			);
			const members = await collect(backend.groupMembers('name', GROUPS.helpDesk, { nested: false }));
			expect(logins(members)).toContain(user.uid);
			expect((await backend.removeGroupMember(group, who)).changed).toBe(true);
			expect((await backend.removeGroupMember(group, { key: 'dn', value: flavour.userDN(user.uid) })).changed).toBe(
				false,
			);
			expect(logins(await collect(backend.groupMembers('name', GROUPS.helpDesk, { nested: false })))).not.toContain(
				user.uid,
			);
			await expect(backend.addGroupMember(group, { key: 'login', value: 'no-such-user' })).rejects.toBeInstanceOf(
				NotFoundError,
			);
			await expect(backend.addGroupMember({ key: 'name', value: 'No Such Group' }, who)).rejects.toBeInstanceOf(
				NotFoundError,
			);
			await expect(backend.addGroupMember(group, { key: 'login', value: '*' })).rejects.toBeInstanceOf(NotFoundError);
		});

		it('explains why the last member of a group cannot be removed (groupOfNames)', async () => {
			if (flavour.profile().memberAttribute !== 'member') return;
			const user = slapd.fixture.users[20];
			await createGroup('Single Member', [flavour.userDN(user.uid)]);
			await expect(
				directory().removeGroupMember({ key: 'name', value: 'Single Member' }, { key: 'login', value: user.uid }),
			).rejects.toThrow(/last member/);
		});
	});

	describe('attribute updates', () => {
		const titleAttribute = () => flavour.profile().user.title;
		const freeAttribute = () => (flavour.profile().memberAttribute === 'member' ? 'carLicense' : 'oTExtraAttr2');

		it('sets, adds and removes values, returning the user as re-read', async () => {
			const user = slapd.fixture.users[30];
			const backend = directory();
			const free = freeAttribute();
			let updated = await backend.updateUserAttributes('login', user.uid, [
				{ attribute: titleAttribute(), action: 'set', values: ['Chief Tester'] },
				{ attribute: free, action: 'add', values: ['one', 'two'] },
			]);
			expect(updated.title).toBe('Chief Tester');
			expect(sorted(updated.attributes[free] as string[])).toEqual(['one', 'two']);
			// Adding a value that is there, removing one that is not: nothing fails, nothing else changes.
			updated = await backend.updateUserAttributes('login', user.uid, [
				{ attribute: free, action: 'add', values: ['two', 'three'] },
				{ attribute: free, action: 'remove', values: ['one', 'absent'] },
			]);
			expect(sorted(updated.attributes[free] as string[])).toEqual(['three', 'two']);
			updated = await backend.updateUserAttributes('dn', updated.dn, [
				{ attribute: free, action: 'remove', values: [] },
			]);
			expect(updated.attributes[free]).toBeUndefined();
			updated = await backend.updateUserAttributes('id', updated.id, [
				{ attribute: titleAttribute(), action: 'set', values: [user.title] },
			]);
			expect(updated.title).toBe(user.title);
		});

		it('changes nothing when any part of the modify fails', async () => {
			const user = slapd.fixture.users[31];
			const backend = directory();
			await expect(
				backend.updateUserAttributes('login', user.uid, [
					{ attribute: titleAttribute(), action: 'set', values: ['Should Not Stick'] },
					{ attribute: 'gidNumber', action: 'set', values: ['not allowed here'] },
				]),
			).rejects.toBeInstanceOf(RequestError);
			expect((await backend.getUser('login', user.uid)).title).toBe(user.title);
		});

		it('checks attribute names and values, and says when the user does not exist', async () => {
			const backend = directory();
			const uid = slapd.fixture.users[32].uid;
			await expect(
				backend.updateUserAttributes('login', uid, [{ attribute: 'title)(x=*', action: 'set', values: ['x'] }]),
			).rejects.toThrow(/^Attributes/);
			await expect(
				backend.updateUserAttributes('login', uid, [{ attribute: 'title', action: 'add', values: [] }]),
			).rejects.toThrow(/^Attributes/);
			await expect(
				backend.updateUserAttributes('login', uid, [{ attribute: 'title', action: 'replace' as 'set', values: ['x'] }]),
			).rejects.toBeInstanceOf(ConfigurationError);
			await expect(
				backend.updateUserAttributes('login', 'no-such-user', [{ attribute: 'title', action: 'set', values: ['x'] }]),
			).rejects.toBeInstanceOf(NotFoundError);
			// Values are data, never syntax: a filter-like value is stored as it is.
			const odd = '*)(uid=*\\ (x)';
			const updated = await backend.updateUserAttributes('login', uid, [
				{ attribute: titleAttribute(), action: 'set', values: [odd] },
			]);
			expect(updated.title).toBe(odd);
		});
	});
});

describe('directory options', () => {
	it('uses separate user and group bases', async () => {
		const backend = new LdapDirectory(session, profileFor('openLdap'), slapd.baseDN, {
			userBaseDN: slapd.layout.peopleDN,
			groupBaseDN: slapd.layout.groupsDN,
		});
		const group: DirectoryGroup = await backend.getGroup('name', GROUPS.executives);
		expect(group.dn).toBe(slapd.layout.groupDN(GROUPS.executives));
		const members = await collect(backend.groupMembers('name', GROUPS.executives, { nested: true }));
		expect(logins(members)).toEqual(sorted(transitiveUsers(slapd.fixture, GROUPS.executives)));
		expect(backend.userAttribute('department')).toBe('departmentNumber');
		const wrongBase = new LdapDirectory(session, profileFor('openLdap'), slapd.baseDN, {
			groupBaseDN: slapd.layout.peopleDN,
		});
		await expect(wrongBase.getGroup('name', GROUPS.executives)).rejects.toBeInstanceOf(NotFoundError);
	});
});
