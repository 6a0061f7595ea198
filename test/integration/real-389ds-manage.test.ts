import { Client } from 'ldapts';
import { createLdapChangeStrategy } from '../../core/changes/ldap/auto';
import { LdapDirectory } from '../../core/ldap/directory';
import { profileFor } from '../../core/ldap/flavours';
import { rootDseValue } from '../../core/ldap/root-dse';
import { LdapSession } from '../../transport/ldap/session';
import { parseLdapConnectionSettings } from '../../transport/ldap/settings';
import { startDirsrv, type Dirsrv } from '../../devkit/dirsrv';
import { manageScenario } from '../support/manage-scenario';

/**
 * Directory management against a real 389 Directory Server 2.3: nsAccountLock, the password policy's lockout
 * (accountUnlockTime, passwordRetryCount), pwdReset / passwordExpirationTime, the Password Modify extended
 * operation; the trigger's events through the retro changelog strategy.
 */
let dirsrv: Dirsrv;
let session: LdapSession;

const connect = (bindDN: string, bindPassword: string) =>
	LdapSession.open(
		parseLdapConnectionSettings({
			serverUrls: dirsrv.url,
			connectionSecurity: 'none',
			bindDN,
			bindPassword,
			baseDN: dirsrv.baseDN,
		}),
	);

beforeAll(async () => {
	dirsrv = await startDirsrv({ usersPerKind: 5 });
	session = await connect(dirsrv.adminDN, dirsrv.adminPassword);
});

afterAll(async () => {
	await session?.close();
	await dirsrv?.stop();
});

async function bindsWith(dn: string, password: string): Promise<boolean> {
	const client = new Client({ url: dirsrv.url });
	try {
		await client.bind(dn, password);
		return true;
	} catch {
		return false;
	} finally {
		await client.unbind().catch(() => undefined);
	}
}

const directoryOn = (on: LdapSession) =>
	new LdapDirectory(on, profileFor('389ds'), dirsrv.baseDN, {
		userBaseDN: dirsrv.peopleDN,
		groupBaseDN: dirsrv.groupsDN,
	});

describe('directory management on a real 389 DS', () => {
	manageScenario({
		tag: '389',
		session: () => session,
		directory: () => directoryOn(session),
		limited: async () => {
			// Someone who may read everything (389's sample ACIs show people little of each other) and write nothing.
			const person = dirsrv.fixture.users[0];
			const aci = `(targetattr="*")(version 3.0; acl "manage test reader"; allow (read, search, compare) userdn="ldap:///${person.dn}";)`;
			await dirsrv.ldapmodify(`dn: ${dirsrv.baseDN}\nchangetype: modify\nadd: aci\naci: ${aci}\n`);
			const weak = await connect(person.dn, person.password);
			return { directory: directoryOn(weak), close: () => weak.close() };
		},
		strategy: async () =>
			(
				await createLdapChangeStrategy({
					session,
					strategy: 'changelog',
					flavour: 'auto',
					userBaseDN: dirsrv.peopleDN,
					groupBaseDN: dirsrv.groupsDN,
					reconcileEvery: 0,
				})
			).strategy,
		stamps: ['modifyTimestamp', 'modifiersName'],
		// modifyTimestamp counts seconds: the retro changelog's last change number counts every write.
		writeCounter: async () => rootDseValue(await session.rootDse(['lastchangenumber']), 'lastchangenumber') ?? '',
		userBase: () => dirsrv.peopleDN,
		groupBase: () => dirsrv.groupsDN,
		bindsWith,
		enforcesStatus: true,
		renamable: true,
		// The instance's policy locks after three failures.
		lock: async (dn) => {
			for (let attempt = 0; attempt < 3; attempt++) await bindsWith(dn, 'not-the-password');
		},
	});

	it('a required change is enforced where the policy has passwordMustChange on (recorded, not enforced, where off)', async () => {
		const directory = directoryOn(session);
		const attempt = async (login: string): Promise<string> => {
			const created = await directory.createUser({ login, password: 'Must-Pa55-word!', mustChangePassword: true });
			expect(created.user?.status.passwordResetRequired).toBe(true);
			const client = new Client({ url: dirsrv.url });
			try {
				return await client
					.bind(created.dn!, 'Must-Pa55-word!')
					.then(() => client.search(created.dn!, { scope: 'base' }))
					.then(
						() => 'allowed',
						(error: unknown) => `refused: ${(error as Error).message}`,
					);
			} finally {
				await client.unbind().catch(() => undefined);
				await directory.deleteUser({ key: 'dn', value: created.dn! });
			}
		};
		expect(await attempt('mgr-must-off')).toBe('allowed');
		await dirsrv.ldapmodify('dn: cn=config\nchangetype: modify\nreplace: passwordMustChange\npasswordMustChange: on\n');
		try {
			expect(await attempt('mgr-must-on')).toMatch(/^refused/);
		} finally {
			await dirsrv.ldapmodify(
				'dn: cn=config\nchangetype: modify\nreplace: passwordMustChange\npasswordMustChange: off\n',
			);
		}
	});
});
