import { ConfigurationError, NotFoundError } from '../../core/errors';
import { profileFor } from '../../core/ldap/flavours';
import type { UserSearch } from '../../core/directory/backend';
import { LdapUserDirectory } from '../../core/ldap/users';
import type { DirectoryUser } from '../../core/model/directory-user';
import { LdapSession } from '../../transport/ldap/session';
import type { FixtureUser } from '../../devkit/fixture';
import type { Slapd } from '../../devkit/slapd';
import { startSlapdWithSession, stopSlapdWithSession } from '../support/slapd-strategies';

/** User get and search through the core, against a real slapd in both schema flavours. */
let slapd: Slapd;
let session: LdapSession;

beforeAll(async () => ({ slapd, session } = await startSlapdWithSession({ users: 120 })));
afterAll(() => stopSlapdWithSession(slapd, session));

const people = () => new LdapUserDirectory(session, profileFor('openLdap'), slapd.baseDN);
const otdsPeople = () => new LdapUserDirectory(session, profileFor('openDj'), slapd.otdsBaseDN);

async function all(directory: LdapUserDirectory, search: UserSearch = {}): Promise<DirectoryUser[]> {
	const users: DirectoryUser[] = [];
	for await (const page of directory.searchUsers(search)) users.push(...page);
	return users;
}

const logins = (users: Array<DirectoryUser | FixtureUser>) =>
	users.map((user) => ('login' in user ? user.login : user.uid)).sort();

describe('inetOrgPerson + ppolicy (OpenLDAP flavour)', () => {
	it('gets a user by login, mail, DN and entryUUID, with every field mapped', async () => {
		const expected = slapd.fixture.users.find((user) => user.manager !== undefined)!;
		const byLogin = await people().getUser('login', expected.uid, ['employeeType', 'telephoneNumber']);
		expect(byLogin).toMatchObject({
			dn: slapd.layout.userDN(expected.uid),
			login: expected.uid,
			mail: expected.mail,
			givenName: expected.givenName,
			surname: expected.sn,
			department: expected.department,
			location: expected.location,
			title: expected.title,
			businessUnit: expected.businessUnit,
			mobile: expected.mobile,
			employeeNumber: expected.employeeNumber,
			manager: slapd.layout.userDN(expected.manager!),
		});
		expect(byLogin.id).toMatch(/^[0-9a-f-]{36}$/);
		expect(byLogin.memberOf.length).toBeGreaterThan(0);
		expect(await people().getUser('mail', expected.mail)).toMatchObject({ id: byLogin.id });
		expect(await people().getUser('dn', byLogin.dn)).toMatchObject({ id: byLogin.id });
		expect(await people().getUser('id', byLogin.id)).toMatchObject({ login: expected.uid });
	});

	it('derives account status from ppolicy attributes', async () => {
		for (const user of slapd.fixture.users.filter(
			(candidate) => candidate.status.disabled || candidate.status.lockedOut || candidate.status.mustChangePassword,
		)) {
			const found = await people().getUser('login', user.uid);
			expect(found.status).toEqual({
				disabled: user.status.disabled,
				locked: user.status.lockedOut && !user.status.disabled,
				passwordResetRequired: user.status.mustChangePassword,
			});
		}
	});

	it('searches all users page by page', async () => {
		const pages: number[] = [];
		for await (const page of people().searchUsers({ pageSize: 25 })) pages.push(page.length);
		expect(pages.reduce((sum, size) => sum + size, 0)).toBe(slapd.fixture.users.length);
		expect(Math.max(...pages)).toBeLessThanOrEqual(25);
	});

	it('applies conditions, account state and limit', async () => {
		const department = slapd.fixture.users[5].department;
		const inDepartment = slapd.fixture.users.filter((user) => user.department === department);
		expect(
			logins(await all(people(), { conditions: [{ attribute: 'ou', operator: 'equals', value: department }] })),
		).toEqual(logins(inDepartment));
		const disabled = slapd.fixture.users.filter((user) => user.status.disabled);
		expect(logins(await all(people(), { state: 'disabled' }))).toEqual(logins(disabled));
		expect((await all(people(), { state: 'enabled' })).length).toBe(slapd.fixture.users.length - disabled.length);
		expect((await all(people(), { limit: 7, pageSize: 3 })).length).toBe(7);
		const prefix = slapd.fixture.users[0].sn.slice(0, 2);
		const bySurname = slapd.fixture.users.filter((user) => user.sn.toLowerCase().startsWith(prefix.toLowerCase()));
		expect(
			logins(await all(people(), { conditions: [{ attribute: 'sn', operator: 'startsWith', value: prefix }] })),
		).toEqual(logins(bySurname));
	});

	it('returns extra attributes only when asked', async () => {
		const user = await people().getUser('login', slapd.fixture.users[3].uid, ['cn', 'objectClass']);
		expect(user.attributes.cn).toBe(slapd.fixture.users[3].cn);
		expect(user.attributes.objectClass).toEqual(expect.arrayContaining(['inetOrgPerson']));
		expect((await people().getUser('login', slapd.fixture.users[3].uid)).attributes).toEqual({});
	});

	it.each(['*', '*)(uid=*', 'x)(|(uid=*', '\\', '\0', '(', 'a*'])(
		'matches %j literally, never as filter syntax',
		async (value) => {
			await expect(people().getUser('login', value)).rejects.toBeInstanceOf(NotFoundError);
			expect(await all(people(), { conditions: [{ attribute: 'uid', operator: 'equals', value }] })).toEqual([]);
			expect(await all(people(), { conditions: [{ attribute: 'uid', operator: 'contains', value }] })).toEqual([]);
		},
	);

	it('refuses attribute names that are not attribute names, naming the field', async () => {
		await expect(
			all(people(), { conditions: [{ attribute: 'uid=*)(cn', operator: 'equals', value: 'x' }] }),
		).rejects.toThrow(/^Conditions .* is not a valid LDAP attribute name/);
		await expect(people().getUser('login', slapd.fixture.users[0].uid, ['bad name'])).rejects.toThrow(
			/^Additional Attributes/,
		);
	});

	it('says when a user does not exist, by DN too', async () => {
		await expect(people().getUser('login', 'no-such-user')).rejects.toThrow(/No user with login "no-such-user"/);
		await expect(people().getUser('dn', `uid=nobody,ou=people,${slapd.baseDN}`)).rejects.toBeInstanceOf(NotFoundError);
		expect(() => new LdapUserDirectory(session, profileFor('openLdap'), ' ')).toThrow(ConfigurationError);
	});
});

describe('legacy OTDS (oTPerson, OpenDJ flavour)', () => {
	it('reads oTPerson entries with OTDS attribute names and status flags', async () => {
		const users = await all(otdsPeople());
		expect(users.length).toBe(slapd.fixture.users.length);
		const expected = slapd.fixture.users.find((user) => user.status.disabled) ?? slapd.fixture.users[0];
		const found = users.find((user) => user.login === expected.uid)!;
		expect(found).toMatchObject({
			id: expected.uuid,
			dn: slapd.otds.userDN(expected.uid),
			mail: expected.mail,
			department: expected.department,
			mobile: expected.mobile,
			businessUnit: expected.businessUnit,
			status: {
				disabled: expected.status.disabled,
				locked: expected.status.lockedOut,
				passwordResetRequired: expected.status.mustChangePassword,
			},
		});
		expect(found.memberOf.every((dn) => dn.startsWith('oTGroup='))).toBe(true);
	});

	it('filters enabled accounts with the OTDS attribute', async () => {
		const enabled = slapd.fixture.users.filter((user) => !user.status.disabled);
		expect(logins(await all(otdsPeople(), { state: 'enabled' }))).toEqual(logins(enabled));
	});
});
