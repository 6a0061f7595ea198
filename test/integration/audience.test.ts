import { resolveAudience, type AudienceMember, type AudienceSpec } from '../../core/audience';
import type { DirectoryBackend } from '../../core/directory/backend';
import { ConfigurationError, NotFoundError } from '../../core/errors';
import { LdapDirectory } from '../../core/ldap/directory';
import { profileFor } from '../../core/ldap/flavours';
import { LdapSession } from '../../transport/ldap/session';
import { attrLine, GROUPS, transitiveUsers, type FixtureUser } from '../../devkit/fixture';
import type { Slapd } from '../../devkit/slapd';
import { startSlapdWithSession, stopSlapdWithSession } from '../support/slapd-strategies';

/** Audience resolution over the LDAP backend against a real slapd, both flavours. */
let slapd: Slapd;
let session: LdapSession;

beforeAll(async () => ({ slapd, session } = await startSlapdWithSession({ users: 300 })));
afterAll(() => stopSlapdWithSession(slapd, session));

async function resolve(backend: DirectoryBackend, spec: AudienceSpec, sizes?: number[]): Promise<AudienceMember[]> {
	const all: AudienceMember[] = [];
	for await (const page of resolveAudience(backend, spec)) {
		sizes?.push(page.length);
		all.push(...page);
	}
	return all;
}

const sorted = (values: Iterable<string>) => [...values].sort();
const logins = (users: AudienceMember[]) => sorted(users.map((user) => user.login));
const uids = (users: FixtureUser[]) => sorted(users.map((user) => user.uid));
const enabled = (names: Iterable<string>) =>
	sorted([...names].filter((uid) => !slapd.fixture.userByUid.get(uid)!.status.disabled));

interface Flavour {
	name: string;
	backend: () => LdapDirectory;
	groupDN: (name: string) => string;
	userDN: (uid: string) => string;
	/** An attribute (not a person field) with a value known per fixture user. */
	countryAttribute?: string;
	/** Where device tokens go, and the LDIF that puts them there. */
	tokens: { attribute: string; ldif: (dn: string, tokens: string[]) => string };
}

const FLAVOURS: Flavour[] = [
	{
		name: 'inetOrgPerson (OpenLDAP)',
		backend: () => new LdapDirectory(session, profileFor('openLdap'), slapd.baseDN),
		groupDN: (name) => slapd.layout.groupDN(name),
		userDN: (uid) => slapd.layout.userDN(uid),
		tokens: {
			attribute: 'otdpDeviceToken',
			ldif: (dn, tokens) =>
				`${attrLine('dn', dn)}changetype: modify\nadd: objectClass\nobjectClass: otdpRecipient\n-\nadd: otdpDeviceToken\n${tokens.map((t) => attrLine('otdpDeviceToken', t)).join('')}`,
		},
	},
	{
		name: 'legacy OTDS (OpenDJ flavour)',
		backend: () => new LdapDirectory(session, profileFor('openDj'), slapd.otdsBaseDN),
		groupDN: (name) => slapd.otds.groupDN(name),
		userDN: (uid) => slapd.otds.userDN(uid),
		countryAttribute: 'c',
		tokens: {
			attribute: 'oTExtraAttr3',
			ldif: (dn, tokens) =>
				`${attrLine('dn', dn)}changetype: modify\nadd: oTExtraAttr3\n${tokens.map((t) => attrLine('oTExtraAttr3', t)).join('')}`,
		},
	},
];

describe.each(FLAVOURS)('$name', (flavour) => {
	const users = () => slapd.fixture.users;

	it('resolves nested groups, each person once, enabled accounts by default', async () => {
		const spec: AudienceSpec = { groups: [GROUPS.allManagers, GROUPS.financeApprovers, flavour.groupDN('Finance')] };
		const expected = new Set([
			...transitiveUsers(slapd.fixture, GROUPS.allManagers),
			...transitiveUsers(slapd.fixture, GROUPS.financeApprovers),
			...transitiveUsers(slapd.fixture, 'Finance'),
		]);
		const found = await resolve(flavour.backend(), { ...spec, accountState: 'any' });
		expect(logins(found)).toEqual(sorted(expected));
		expect(new Set(found.map((user) => user.id)).size).toBe(found.length);
		expect(logins(await resolve(flavour.backend(), spec))).toEqual(enabled(expected));
		// Direct members only when nesting is off: All Managers holds groups and the executives' group.
		expect(await resolve(flavour.backend(), { groups: [GROUPS.allManagers], nested: false })).toEqual([]);
	});

	it('reads only the fields asked for, with the id and the account state, from groups and conditions alike', async () => {
		const spec: AudienceSpec = {
			groups: [GROUPS.financeApprovers],
			conditions: [{ field: 'department', operator: 'equals', value: users()[7].department }],
		};
		const whole = await resolve(flavour.backend(), spec);
		const thin = await resolve(flavour.backend(), { ...spec, fields: ['login', 'mail'] });
		expect(thin.map((user) => user.id)).toEqual(whole.map((user) => user.id));
		expect(thin.length).toBeGreaterThan(1);
		// Enabled accounts only, as without fields: the account state is read all the same.
		expect(logins(thin)).toEqual(enabled(logins(whole)));
		thin.forEach((user, index) => {
			expect(user.login).toBe(whole[index].login);
			expect(user.mail).toBe(whole[index].mail);
			expect(user.status).toEqual(whole[index].status);
			expect([user.department, user.title, user.displayName, user.surname, user.manager]).toEqual([
				undefined,
				undefined,
				undefined,
				undefined,
				undefined,
			]);
			expect(user.memberOf).toEqual([]);
		});
		expect(whole.every((user) => user.department !== undefined && user.memberOf.length > 0)).toBe(true);
	});

	it('resolves by person fields and by any attribute, non-ASCII values included', async () => {
		const backend = flavour.backend();
		const someone = users().find((user) => user.location === 'São Paulo') ?? users()[40];
		const byLocation = await resolve(backend, {
			conditions: [{ field: 'location', operator: 'equals', value: someone.location }],
			accountState: 'any',
		});
		expect(logins(byLocation)).toEqual(uids(users().filter((user) => user.location === someone.location)));
		const combined = await resolve(backend, {
			conditions: [
				{ field: 'department', operator: 'equals', value: someone.department },
				{ field: 'businessUnit', operator: 'equals', value: someone.businessUnit },
				{ field: 'title', operator: 'contains', value: someone.title.split(' ')[0] },
			],
			accountState: 'any',
		});
		const expected = users().filter(
			(user) =>
				user.department === someone.department &&
				user.businessUnit === someone.businessUnit &&
				user.title.toLowerCase().includes(someone.title.split(' ')[0].toLowerCase()),
		);
		expect(logins(combined)).toEqual(uids(expected));
		if (flavour.countryAttribute) {
			const inBrazil = await resolve(backend, {
				conditions: [{ attribute: flavour.countryAttribute, operator: 'equals', value: 'BR' }],
				accountState: 'any',
			});
			expect(logins(inBrazil)).toEqual(uids(users().filter((user) => user.country === 'BR')));
		} else {
			const employees = await resolve(backend, {
				conditions: [{ attribute: 'employeeType', operator: 'equals', value: 'Employee' }],
				accountState: 'disabled',
			});
			expect(logins(employees)).toEqual(uids(users().filter((user) => user.status.disabled)));
		}
	});

	it('returns the fields a message needs, and device tokens from the configured attribute', async () => {
		const [first, second] = users().slice(60, 62);
		await slapd.ldapmodify(flavour.tokens.ldif(flavour.userDN(first.uid), ['token-a1', 'token-a2']));
		await slapd.ldapmodify(flavour.tokens.ldif(flavour.userDN(second.uid), ['token-b']));
		const found = await resolve(flavour.backend(), {
			users: [first.uid, second.uid, users()[62].uid],
			deviceTokenAttribute: flavour.tokens.attribute,
			accountState: 'any',
		});
		const byLogin = new Map(found.map((user) => [user.login, user]));
		expect(sorted(byLogin.get(first.uid)!.deviceTokens)).toEqual(['token-a1', 'token-a2']);
		expect(byLogin.get(second.uid)!.deviceTokens).toEqual(['token-b']);
		expect(byLogin.get(users()[62].uid)!.deviceTokens).toEqual([]);
		expect(byLogin.get(first.uid)).toMatchObject({
			mail: first.mail,
			mobile: first.mobile,
			manager: flavour.userDN(first.manager!),
		});
	});

	it('combines groups, conditions and users as a union, each person once', async () => {
		const london = users().filter((user) => user.location === 'London');
		const listed = [users()[3].uid, users()[3].uid, london[0].uid];
		const found = await resolve(flavour.backend(), {
			groups: [GROUPS.domainAdmins],
			conditions: [{ field: 'location', operator: 'equals', value: 'London' }],
			users: listed,
			accountState: 'any',
		});
		expect(logins(found)).toEqual(
			sorted(
				new Set([
					...transitiveUsers(slapd.fixture, GROUPS.domainAdmins),
					...london.map((user) => user.uid),
					users()[3].uid,
				]),
			),
		);
	});

	it('combines them as an intersection', async () => {
		const backend = flavour.backend();
		const managers = transitiveUsers(slapd.fixture, GROUPS.allManagers);
		const inLondon = await resolve(backend, {
			groups: [GROUPS.allManagers],
			conditions: [{ field: 'location', operator: 'equals', value: 'London' }],
			combine: 'intersection',
			accountState: 'any',
		});
		expect(logins(inLondon)).toEqual(
			uids(users().filter((user) => managers.has(user.uid) && user.location === 'London')),
		);
		const vpnEngineers = await resolve(backend, {
			groups: ['Engineering', GROUPS.vpnUsers],
			combine: 'intersection',
			accountState: 'any',
		});
		const vpn = transitiveUsers(slapd.fixture, GROUPS.vpnUsers);
		expect(logins(vpnEngineers)).toEqual(
			sorted([...transitiveUsers(slapd.fixture, 'Engineering')].filter((uid) => vpn.has(uid))),
		);
		const listed = [...managers].slice(0, 2);
		const listedManagers = await resolve(backend, {
			groups: [GROUPS.allManagers],
			users: [...listed, users().find((user) => !managers.has(user.uid))!.uid],
			combine: 'intersection',
			accountState: 'any',
		});
		expect(logins(listedManagers)).toEqual(sorted(listed));
	});

	it('streams in pages of the asked size and stops at a limit', async () => {
		const sizes: number[] = [];
		const all = await resolve(
			flavour.backend(),
			{ conditions: [{ field: 'login', operator: 'present' }], pageSize: 40, accountState: 'any' },
			sizes,
		);
		expect(all.length).toBe(users().length);
		expect(Math.max(...sizes)).toBeLessThanOrEqual(40);
		expect(sizes.slice(0, -1).every((size) => size === 40)).toBe(true);
		expect((await resolve(flavour.backend(), { groups: [GROUPS.allStaff], limit: 25, pageSize: 10 })).length).toBe(25);
	});

	it('treats values as data and names what is wrong', async () => {
		const backend = flavour.backend();
		for (const value of ['*', '*)(uid=*', '\\', '\0', '(', ')']) {
			expect(await resolve(backend, { conditions: [{ field: 'department', operator: 'equals', value }] })).toEqual([]);
			await expect(resolve(backend, { groups: [value] })).rejects.toBeInstanceOf(NotFoundError);
			await expect(resolve(backend, { users: [value] })).rejects.toBeInstanceOf(NotFoundError);
		}
		expect(
			await resolve(backend, { users: ['no-such-user', users()[5].uid], missingUsers: 'skip', accountState: 'any' }),
		).toHaveLength(1);
		await expect(resolve(backend, {})).rejects.toBeInstanceOf(ConfigurationError);
		await expect(
			resolve(backend, { conditions: [{ attribute: 'ou', field: 'department', operator: 'equals', value: 'x' }] }),
		).rejects.toThrow(/^Conditions/);
		await expect(
			resolve(backend, { conditions: [{ attribute: 'ou)(x=*', operator: 'equals', value: 'x' }] }),
		).rejects.toThrow(/^Conditions/);
		await expect(resolve(backend, { groups: ['cn=x,,dc=com'] })).rejects.toBeInstanceOf(NotFoundError);
		await expect(resolve(backend, { groups: [{ key: 'dn', value: 'cn=x,,dc=com' }] })).rejects.toThrow(
			/not a valid DN/,
		);
	});
});

describe('any backend', () => {
	it('works over a DirectoryBackend that is not LDAP', async () => {
		const people = Array.from({ length: 12 }, (_, index) => ({
			id: `u${index}`,
			dn: `u${index}`,
			login: `user${index}`,
			department: index % 2 === 0 ? 'Even' : 'Odd',
			memberOf: [],
			status: { disabled: index === 4, locked: false, passwordResetRequired: false },
			attributes: { pushToken: `t${index}` },
		}));
		const pages = async function* <T>(items: T[]) {
			for (let index = 0; index < items.length; index += 5) yield items.slice(index, index + 5);
		};
		const backend: DirectoryBackend = {
			kind: 'otdsRest',
			getUser: async (_key, value) => {
				const found = people.find((person) => person.login === value);
				if (!found) throw new NotFoundError(value);
				return found;
			},
			searchUsers: (search) =>
				pages(
					people.filter((person) =>
						(search?.conditions ?? []).every((c) => c.attribute === 'oTDepartment' && person.department === c.value),
					),
				),
			groupMembers: (_key, value) => pages(value === 'Firsts' ? people.slice(0, 7) : []),
			userAttribute: (field) => (field === 'department' ? 'oTDepartment' : field),
			updateUserAttributes: () => Promise.reject(new Error('unused')),
			getGroup: () => Promise.reject(new Error('unused')),
			searchGroups: () => pages([]),
			addGroupMember: () => Promise.resolve(),
			removeGroupMember: () => Promise.resolve(),
		};
		const union = await resolve(backend, {
			groups: ['Firsts'],
			conditions: [{ field: 'department', operator: 'equals', value: 'Even' }],
			deviceTokenAttribute: 'pushToken',
		});
		expect(sorted(union.map((user) => user.id))).toEqual(sorted(['u0', 'u1', 'u2', 'u3', 'u5', 'u6', 'u8', 'u10']));
		expect(union.find((user) => user.id === 'u2')!.deviceTokens).toEqual(['t2']);
		const intersection = await resolve(backend, {
			groups: ['Firsts'],
			conditions: [{ field: 'department', operator: 'equals', value: 'Even' }],
			combine: 'intersection',
			accountState: 'any',
		});
		expect(sorted(intersection.map((user) => user.id))).toEqual(['u0', 'u2', 'u4', 'u6']);
	});
});
