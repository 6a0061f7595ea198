import { Client } from 'ldapts';
import { LdapChangeReader } from '../../core/changes/ldap/reader';
import { SnapshotStrategy } from '../../core/changes/ldap/strategies';
import { LdapDirectory } from '../../core/ldap/directory';
import { parseDn } from '../../core/ldap/dn';
import { escapeDnValue } from '../../core/ldap/escape';
import { profileFor } from '../../core/ldap/flavours';
import { EMPTY_GROUP_MEMBER } from '../../core/ldap/flavours/openldap';
import { LdapSession } from '../../transport/ldap/session';
import { parseLdapConnectionSettings } from '../../transport/ldap/settings';
import { passwordOf } from '../../devkit/fixture';
import type { Slapd } from '../../devkit/slapd';
import { slapdStrategy, startSlapdWithSession, stopSlapdWithSession } from '../support/slapd-strategies';
import { bindsWith as bindsWithOn, manageScenario } from '../support/manage-scenario';

/**
 * Directory management against a real slapd, in both schema flavours: inetOrgPerson with ppolicy (OpenLDAP's
 * own mechanism, polled by the accesslog strategy) and the legacy-OTDS shaped tree (oTPerson and OTDS's
 * attributes, the legacy OTDS profile; polled by snapshots, as that tree has no log).
 */
let slapd: Slapd;
let session: LdapSession;

beforeAll(async () => ({ slapd, session } = await startSlapdWithSession({ users: 40 })));
afterAll(() => stopSlapdWithSession(slapd, session));

const bindsWith = (dn: string, password: string) => bindsWithOn(() => new Client({ url: slapd.url }), dn, password);

/** Someone of the fixture who may sign in, bound in their own session: they may read, not write. */
async function limitedSession(userDn: (uid: string) => string): Promise<LdapSession> {
	const uid = slapd.fixture.users.find((user) => !user.status.disabled && !user.status.lockedOut)!.uid;
	return LdapSession.open(
		parseLdapConnectionSettings({
			serverUrls: slapd.url,
			connectionSecurity: 'none',
			bindDN: userDn(uid),
			bindPassword: passwordOf(uid),
			baseDN: slapd.baseDN,
		}),
	);
}

describe('directory management on a real slapd, inetOrgPerson with ppolicy (OpenLDAP)', () => {
	const directoryOn = (on: LdapSession) =>
		new LdapDirectory(on, profileFor('openLdap'), slapd.baseDN, {
			userBaseDN: slapd.layout.peopleDN,
			groupBaseDN: slapd.layout.groupsDN,
		});

	manageScenario({
		tag: 'openldap',
		session: () => session,
		directory: () => directoryOn(session),
		limited: async () => {
			const weak = await limitedSession((uid) => slapd.layout.userDN(uid));
			return { directory: directoryOn(weak), close: () => weak.close() };
		},
		strategy: async () => slapdStrategy('accesslog', slapd, session),
		stamps: ['entryCSN', 'modifyTimestamp'],
		userBase: () => slapd.layout.peopleDN,
		groupBase: () => slapd.layout.groupsDN,
		bindsWith,
		enforcesStatus: true,
		renamable: true,
		// The policy locks after three failures.
		lock: async (dn) => {
			for (let attempt = 0; attempt < 3; attempt++) await bindsWith(dn, 'not-the-password');
		},
	});

	it('a groupOfNames created empty lists the empty DN as its placeholder member, counted as nobody', async () => {
		const created = await directoryOn(session).createGroup({ name: 'Placeholder probe' });
		const [entry] = await session.search(created.dn!, { scope: 'base', attributes: ['member'] });
		expect(entry.member).toEqual(EMPTY_GROUP_MEMBER);
		expect(created.group?.memberCount).toBe(0);
		// Read by either lookup, the group has the people added to it, and no one else.
		const person = slapd.fixture.users[3];
		await directoryOn(session).addGroupMember({ key: 'dn', value: created.dn! }, { key: 'login', value: person.uid });
		for (const memberLookup of ['memberOf', 'memberAttribute'] as const) {
			const directory = new LdapDirectory(session, profileFor('openLdap'), slapd.baseDN, {
				userBaseDN: slapd.layout.peopleDN,
				groupBaseDN: slapd.layout.groupsDN,
				memberLookup,
			});
			const members = [];
			for await (const page of directory.groupMembers('dn', created.dn!, { nested: true })) members.push(...page);
			expect(members.map((member) => member.login)).toEqual([person.uid]);
			expect((await directory.getGroup('dn', created.dn!)).memberCount).toBe(1);
		}
		await directoryOn(session).deleteGroup({ key: 'dn', value: created.dn! });
	});

	it('ppolicy enforces a required change: the person signs in, and may do nothing but change the password', async () => {
		const directory = directoryOn(session);
		const created = await directory.createUser({
			login: 'mgr-must',
			password: 'Must-Pa55-word!',
			mustChangePassword: true,
		});
		expect(created.user?.status.passwordResetRequired).toBe(true);
		const client = new Client({ url: slapd.url });
		try {
			await client.bind(created.dn!, 'Must-Pa55-word!');
			await expect(client.search(created.dn!, { scope: 'base' })).rejects.toThrow();
		} finally {
			await client.unbind().catch(() => undefined);
			await directory.deleteUser({ key: 'dn', value: created.dn! });
		}
	});

	it('renames to a name with DN specials, a trailing backslash included, and back', async () => {
		const directory = directoryOn(session);
		const created = await directory.createUser({ login: 'mgr-special', password: 'Special-Pa55!' });
		const odd = 'Smith, J. + "Co" \\';
		const renamed = await directory.moveUser({ key: 'dn', value: created.dn! }, { newName: odd });
		expect(renamed.user?.login).toBe(odd);
		expect(parseDn(renamed.dn!)).toEqual(parseDn(`uid=${escapeDnValue(odd)},${slapd.layout.peopleDN}`));
		expect(await bindsWith(renamed.dn!, 'Special-Pa55!')).toBe(true);
		expect((await directory.moveUser({ key: 'login', value: odd }, { newName: odd })).changed).toBe(false);
		const back = await directory.moveUser({ key: 'login', value: odd }, { newName: 'mgr-special' });
		expect(back.dn).toBe(created.dn);
		await directory.deleteUser({ key: 'dn', value: back.dn! });
	});

	it('creates under another parent, with more attributes; the naming attribute among them is refused', async () => {
		const directory = directoryOn(session);
		const created = await directory.createUser({
			login: 'mgr-extra',
			parent: slapd.layout.groupsDN,
			attributes: { description: ['Temporary'], objectClass: ['otdpRecipient'] },
		});
		expect(created.dn).toBe(`uid=mgr-extra,${slapd.layout.groupsDN}`);
		const [entry] = await session.search(created.dn!, { scope: 'base', attributes: ['description', 'objectClass'] });
		expect(entry.description).toBe('Temporary');
		expect(entry.objectClass).toEqual(expect.arrayContaining(['inetOrgPerson', 'otdpRecipient']));
		await directory.deleteUser({ key: 'dn', value: created.dn! });
		await expect(directory.createUser({ login: 'mgr-uid', attributes: { uid: ['other'] } })).rejects.toThrow(
			/naming attribute/,
		);
	});
});

describe('directory management on a real slapd, the OTDS schema (oTPerson, legacy OTDS profile)', () => {
	const directoryOn = (on: LdapSession) =>
		new LdapDirectory(on, profileFor('openDj'), slapd.otdsBaseDN, {
			userBaseDN: slapd.otds.usersDN,
			groupBaseDN: slapd.otds.groupsDN,
		});

	manageScenario({
		tag: 'otds',
		session: () => session,
		directory: () => directoryOn(session),
		limited: async () => {
			const weak = await limitedSession((uid) => slapd.otds.userDN(uid));
			return { directory: directoryOn(weak), close: () => weak.close() };
		},
		strategy: async () =>
			new SnapshotStrategy(
				new LdapChangeReader({
					session,
					profile: profileFor('openDj'),
					flavour: 'openDj',
					userBaseDN: slapd.otds.usersDN,
					groupBaseDN: slapd.otds.groupsDN,
				}),
				session.server,
				{ reconcileEvery: 0 },
			),
		stamps: ['entryCSN', 'modifyTimestamp'],
		userBase: () => slapd.otds.usersDN,
		groupBase: () => slapd.otds.groupsDN,
		bindsWith,
		// The stand-in stores OTDS's flags; OTDS itself enforces them (slapd has no ppolicy on that tree).
		enforcesStatus: false,
		renamable: false,
		lock: (dn) =>
			slapd.ldapmodify(`dn: ${dn}\nchangetype: modify\nreplace: accountLockedOut\naccountLockedOut: TRUE\n`),
	});
});
