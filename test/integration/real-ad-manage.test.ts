import { Attribute, Change, type Client } from 'ldapts';
import { LdapDirectory } from '../../core/ldap/directory';
import { profileFor } from '../../core/ldap/flavours';
import { ConfigurationError, NotFoundError } from '../../core/errors';
import { LdapSession } from '../../transport/ldap/session';
import { startSamba, type Samba } from '../../devkit/samba';
import { GROUPS_DN, NORTHWIND_DN, PEOPLE, PEOPLE_DN, personDn } from '../../devkit/samba-fixture';
import { sambaConnection, sambaStrategy } from '../support/samba-strategies';
import { bindsWith as bindsWithOn, manageScenario, stampsOf } from '../support/manage-scenario';

/**
 * Directory management against a real Active Directory implementation (Samba AD DC): userAccountControl's
 * disabled bit, lockoutTime, pwdLastSet, unicodePwd over LDAPS and StartTLS (refused on plain LDAP before
 * anything is sent), accounts created disabled until they have a password; the trigger's events through the
 * AD USN strategy. Run under the Samba lock (fixed ports).
 */
let samba: Samba;
let admin: Client;
let session: LdapSession;
const LOCKOUT_THRESHOLD = 3;

beforeAll(async () => {
	samba = await startSamba({ plainLdapBinds: true });
	admin = await samba.adminClient();
	// The domain's lockout policy, so that failed binds lock an account.
	await admin.modify(NORTHWIND_DN, [
		new Change({
			operation: 'replace',
			modification: new Attribute({ type: 'lockoutThreshold', values: [String(LOCKOUT_THRESHOLD)] }),
		}),
	]);
	session = await LdapSession.open(sambaConnection(samba));
});

afterAll(async () => {
	await session?.close();
	await admin?.unbind().catch(() => undefined);
	await samba?.stop();
});

const bindsWith = (dn: string, password: string) => bindsWithOn(() => samba.client(), dn, password);

const directoryOn = (on: LdapSession) =>
	new LdapDirectory(on, profileFor('activeDirectory'), NORTHWIND_DN, { userBaseDN: PEOPLE_DN, groupBaseDN: GROUPS_DN });

describe('directory management on a real Samba AD DC', () => {
	manageScenario({
		tag: 'ad',
		session: () => session,
		directory: () => directoryOn(session),
		limited: async () => {
			// A person of the domain: may read the directory, not change other accounts.
			const alice = PEOPLE[0];
			const weak = await LdapSession.open(
				sambaConnection(samba, { bindDN: personDn(alice), bindPassword: alice.password }),
			);
			return { directory: directoryOn(weak), close: () => weak.close() };
		},
		strategy: () => sambaStrategy('auto', session),
		stamps: ['uSNChanged', 'whenChanged'],
		userBase: () => PEOPLE_DN,
		groupBase: () => GROUPS_DN,
		bindsWith,
		enforcesStatus: true,
		renamable: true,
		lock: async (dn) => {
			for (let attempt = 0; attempt < LOCKOUT_THRESHOLD; attempt++) await bindsWith(dn, 'not-the-password');
		},
		previousPasswordLingers: true,
		// Samba's default policy wants at least 7 characters and three kinds of them.
		refusedPassword: 'abc',
	});

	describe('over plain LDAP', () => {
		let plain: LdapSession;

		beforeAll(async () => {
			plain = await LdapSession.open(
				sambaConnection(samba, { serverUrls: samba.plainUrl, connectionSecurity: 'none', allowSelfSigned: false }),
			);
		});

		afterAll(async () => {
			await plain?.close();
		});

		it('refuses to set a password before sending anything, naming the credential setting; the password is not in the error', async () => {
			const bob = PEOPLE[1];
			const before = await stampsOf(session, personDn(bob), ['uSNChanged']);
			const secret = 'Plain-Text-Pa55!';
			const failure = await directoryOn(plain)
				.setPassword({ key: 'login', value: bob.login }, secret)
				.then(
					() => undefined,
					(error: unknown) => error,
				);
			expect(failure).toBeInstanceOf(ConfigurationError);
			expect((failure as ConfigurationError).field).toBe('Connection Security');
			expect((failure as Error).message).toMatch(/TLS|StartTLS/);
			expect((failure as Error).message).not.toContain(secret);
			expect(await stampsOf(session, personDn(bob), ['uSNChanged'])).toBe(before);
			expect(await bindsWith(personDn(bob), bob.password)).toBe(true);
		});

		it('refuses to create a user with a password: nothing is created', async () => {
			await expect(directoryOn(plain).createUser({ login: 'mgr-plain', password: 'Plain-Text-Pa55!' })).rejects.toThrow(
				ConfigurationError,
			);
			await expect(directoryOn(session).getUser('login', 'mgr-plain')).rejects.toThrow(NotFoundError);
		});

		it('does the rest (e.g. disable and enable) over plain LDAP', async () => {
			const bob = { key: 'login' as const, value: PEOPLE[1].login };
			expect((await directoryOn(plain).setUserEnabled(bob, false)).changed).toBe(true);
			expect((await directoryOn(plain).setUserEnabled(bob, true)).changed).toBe(true);
		});
	});

	it('sets a password over StartTLS on the plain port', async () => {
		const started = await LdapSession.open(
			sambaConnection(samba, { serverUrls: samba.plainUrl, connectionSecurity: 'startTls', allowSelfSigned: true }),
		);
		try {
			const carol = PEOPLE[2];
			const next = 'StartTls-Pa55-word!';
			const set = await directoryOn(started).setPassword({ key: 'login', value: carol.login }, next);
			expect(set.changed).toBe(true);
			expect(await bindsWith(personDn(carol), next)).toBe(true);
		} finally {
			await started.close();
		}
	});

	it('creates an account with a password enabled (created disabled, password set, then enabled), and one without a password disabled', async () => {
		const directory = directoryOn(session);
		const withPassword = await directory.createUser({
			login: 'mgr-ad-on',
			displayName: 'Manage On',
			password: 'On-Pa55-word!',
		});
		const [on] = await session.search(withPassword.dn!, {
			scope: 'base',
			attributes: ['userAccountControl', 'userPrincipalName', 'sAMAccountName'],
		});
		expect(Number(on.userAccountControl) & 0x2).toBe(0);
		expect(on.userPrincipalName).toBe('mgr-ad-on@northwind.test');
		expect(on.sAMAccountName).toBe('mgr-ad-on');
		const without = await directory.createUser({ login: 'mgr-ad-nopw', displayName: 'Manage No Password' });
		expect(without.user?.status.disabled).toBe(true);
		await directory.deleteUser({ key: 'dn', value: withPassword.dn! });
		await directory.deleteUser({ key: 'dn', value: without.dn! });
	});

	it('a required change is enforced: the password no longer signs in until it is changed', async () => {
		const directory = directoryOn(session);
		const created = await directory.createUser({
			login: 'mgr-ad-must',
			displayName: 'Manage Must',
			password: 'Must-Pa55-word!',
			mustChangePassword: true,
		});
		expect(created.user?.status).toEqual({ disabled: false, locked: false, passwordResetRequired: true });
		expect(await bindsWith(created.dn!, 'Must-Pa55-word!')).toBe(false);
		await directory.setPassword({ key: 'dn', value: created.dn! }, 'Must-Pa55-word!');
		expect(await bindsWith(created.dn!, 'Must-Pa55-word!')).toBe(true);
		await directory.deleteUser({ key: 'dn', value: created.dn! });
	});

	it('a create whose password is refused leaves nothing behind, and does not repeat the password', async () => {
		const failure = await directoryOn(session)
			.createUser({ login: 'mgr-ad-weak', displayName: 'Manage Weak', password: 'abc' })
			.then(
				() => undefined,
				(error: unknown) => error,
			);
		expect((failure as Error).message).toMatch(/refused the new password/);
		expect((failure as Error).message).not.toContain('abc');
		await expect(directoryOn(session).getUser('login', 'mgr-ad-weak')).rejects.toThrow(NotFoundError);
	});

	it('creates a global security group with a sAMAccountName', async () => {
		const created = await directoryOn(session).createGroup({ name: 'Managed Global' });
		const [entry] = await session.search(created.dn!, { scope: 'base', attributes: ['groupType', 'sAMAccountName'] });
		expect(entry.groupType).toBe('-2147483646');
		expect(entry.sAMAccountName).toBe('Managed Global');
		await directoryOn(session).deleteGroup({ key: 'dn', value: created.dn! });
	});
});
