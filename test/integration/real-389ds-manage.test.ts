import { Client } from 'ldapts';
import { ConfigurationError, NotFoundError } from '../../core/errors';
import { createLdapChangeStrategy } from '../../core/changes/ldap/auto';
import { LdapDirectory } from '../../core/ldap/directory';
import { profileFor } from '../../core/ldap/flavours';
import { rootDseValue } from '../../core/ldap/root-dse';
import { LdapSession } from '../../transport/ldap/session';
import { parseLdapConnectionSettings } from '../../transport/ldap/settings';
import { startDirsrv, type Dirsrv } from '../../devkit/dirsrv';
import { bindsWith as bindsWithOn, manageScenario, stampsOf } from '../support/manage-scenario';

/**
 * Directory management against a real 389 Directory Server 2.3: nsAccountLock, the password policy's lockout
 * (accountUnlockTime, passwordRetryCount), pwdReset / passwordExpirationTime, the Password Modify extended
 * operation over StartTLS and LDAPS (verified against the instance's own CA), refused on plain LDAP; the
 * trigger's events through the retro changelog strategy.
 */
let dirsrv: Dirsrv;
let session: LdapSession;

type Security = 'none' | 'startTls' | 'tls';

const connect = (bindDN: string, bindPassword: string, security: Security = 'startTls') => {
	const tls = dirsrv.tls!;
	return LdapSession.open(
		parseLdapConnectionSettings({
			serverUrls: { none: dirsrv.url, startTls: tls.startTlsUrl, tls: tls.ldapsUrl }[security],
			connectionSecurity: security,
			caCertificate: security === 'none' ? '' : tls.caCertificate,
			bindDN,
			bindPassword,
			baseDN: dirsrv.baseDN,
		}),
	);
};

beforeAll(async () => {
	dirsrv = await startDirsrv({ usersPerKind: 5, tls: true });
	session = await connect(dirsrv.adminDN, dirsrv.adminPassword);
	expect(session.encrypted).toBe(true);
});

afterAll(async () => {
	await session?.close();
	await dirsrv?.stop();
});

const bindsWith = (dn: string, password: string) => bindsWithOn(() => new Client({ url: dirsrv.url }), dn, password);

const directoryOn = (on: LdapSession, flavour: '389ds' | 'other' = '389ds') =>
	new LdapDirectory(on, profileFor(flavour), dirsrv.baseDN, {
		userBaseDN: dirsrv.peopleDN,
		groupBaseDN: dirsrv.groupsDN,
	});

describe('directory management on a real 389 DS, over StartTLS', () => {
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

	it('sets a password over LDAPS, verified against the instance CA', async () => {
		const person = dirsrv.fixture.users[1];
		const ldaps = await connect(dirsrv.adminDN, dirsrv.adminPassword, 'tls');
		try {
			const set = await directoryOn(ldaps).setPassword({ key: 'dn', value: person.dn }, 'Ldaps-Pa55-word!');
			expect(set.changed).toBe(true);
			expect(await bindsWith(person.dn, 'Ldaps-Pa55-word!')).toBe(true);
			expect(await bindsWith(person.dn, person.password)).toBe(false);
		} finally {
			await directoryOn(ldaps).setPassword({ key: 'dn', value: person.dn }, person.password);
			await ldaps.close();
		}
	});

	describe('over plain LDAP', () => {
		let plain: LdapSession;
		const secret = 'Plain-Text-Pa55!';
		const unchanged = async (dn: string) =>
			`${await stampsOf(session, dn, ['modifyTimestamp', 'modifiersName', 'userPassword'])};${rootDseValue(await session.rootDse(['lastchangenumber']), 'lastchangenumber')}`;
		const failureOf = (operation: Promise<unknown>) =>
			operation.then(
				() => undefined,
				(error: unknown) => error,
			);

		beforeAll(async () => {
			plain = await connect(dirsrv.adminDN, dirsrv.adminPassword, 'none');
		});

		afterAll(async () => {
			await plain?.close();
		});

		it('refuses to set a password before sending anything, naming Connection Security; the password is not in the error', async () => {
			const person = dirsrv.fixture.users[2];
			const before = await unchanged(person.dn);
			const failure = await failureOf(directoryOn(plain).setPassword({ key: 'dn', value: person.dn }, secret));
			expect(failure).toBeInstanceOf(ConfigurationError);
			expect((failure as ConfigurationError).field).toBe('Connection Security');
			expect((failure as Error).message).toMatch(/StartTLS/);
			expect((failure as Error).message).not.toContain(secret);
			expect(await unchanged(person.dn)).toBe(before);
			expect(await bindsWith(person.dn, person.password)).toBe(true);
			expect(await bindsWith(person.dn, secret)).toBe(false);
		});

		it('refuses to create a user with a password: nothing is created', async () => {
			const failure = await failureOf(directoryOn(plain).createUser({ login: 'mgr-plain', password: secret }));
			expect(failure).toBeInstanceOf(ConfigurationError);
			expect((failure as Error).message).not.toContain(secret);
			await expect(directoryOn(session).getUser('login', 'mgr-plain')).rejects.toThrow(NotFoundError);
		});

		it("says the server's own refusal (confidentialityRequired) the same way, and sends the password no other way", async () => {
			// The generic profile does not know that 389 wants encryption: 389 says so, and nothing else is tried.
			const person = dirsrv.fixture.users[3];
			const before = await unchanged(person.dn);
			const failure = await failureOf(directoryOn(plain, 'other').setPassword({ key: 'dn', value: person.dn }, secret));
			expect(failure).toBeInstanceOf(ConfigurationError);
			expect((failure as ConfigurationError).field).toBe('Connection Security');
			expect((failure as Error).message).toMatch(/confidentialityRequired/);
			expect((failure as Error).message).not.toContain(secret);
			expect(await unchanged(person.dn)).toBe(before);
			expect(await bindsWith(person.dn, secret)).toBe(false);
		});
	});
});
