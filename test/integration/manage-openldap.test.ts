import { Client } from 'ldapts';
import { LdapChangeReader } from '../../core/changes/ldap/reader';
import { SnapshotStrategy } from '../../core/changes/ldap/strategies';
import type { UserRef } from '../../core/directory/management';
import { ConfigurationError, NotFoundError, RequestError } from '../../core/errors';
import { LdapDirectory } from '../../core/ldap/directory';
import { profileFor, type DetectedFlavour } from '../../core/ldap/flavours';
import { EMPTY_GROUP_MEMBER } from '../../core/ldap/flavours/openldap';
import { LdapSession } from '../../transport/ldap/session';
import { parseLdapConnectionSettings } from '../../transport/ldap/settings';
import { passwordOf } from '../../devkit/fixture';
import { startSlapd, type Slapd } from '../../devkit/slapd';
import { adminConnection, slapdStrategy } from '../support/slapd-strategies';
import { EventProbe, stampsOf } from '../support/manage-scenario';

/**
 * Directory management against a real slapd, in both schema flavours: inetOrgPerson with ppolicy (OpenLDAP's
 * own mechanism) and the legacy-OTDS shaped tree (oTPerson, OTDS's attributes; the legacy OTDS profile). Each
 * operation, its repetition writing nothing (entryCSN unchanged), its refusals, and the trigger's event after it.
 */
let slapd: Slapd;
let session: LdapSession;

beforeAll(async () => {
	slapd = await startSlapd({ users: 40 });
	session = await LdapSession.open(adminConnection(slapd));
});

afterAll(async () => {
	await session?.close();
	await slapd?.stop();
});

async function bindsWith(dn: string, password: string): Promise<boolean> {
	const client = new Client({ url: slapd.url });
	try {
		await client.bind(dn, password);
		return true;
	} catch {
		return false;
	} finally {
		await client.unbind().catch(() => undefined);
	}
}

interface SchemaFlavour {
	name: string;
	flavour: DetectedFlavour;
	userBase: () => string;
	groupBase: () => string;
	/** A person of the fixture in this tree, to bind as a non-administrator. */
	someone: () => { dn: string; password: string };
	/** Whether people are renamed by their login (uid=...) or cannot be (OTDS names them by UUID). */
	renamable: boolean;
	/** Whether the server enforces the account status at bind (ppolicy); the OTDS stand-in only stores OTDS's flags. */
	enforcesStatus: boolean;
	/** How the test locks an account: failed binds (ppolicy) or OTDS's flag. */
	lock: (dn: string) => Promise<void>;
}

const STAMPS = ['entryCSN', 'modifyTimestamp'];

const FLAVOURS: SchemaFlavour[] = [
	{
		name: 'inetOrgPerson with ppolicy (OpenLDAP)',
		flavour: 'openLdap',
		userBase: () => slapd.layout.peopleDN,
		groupBase: () => slapd.layout.groupsDN,
		someone: () => {
			const uid = slapd.fixture.users.find((user) => !user.status.disabled && !user.status.lockedOut)!.uid;
			return { dn: slapd.layout.userDN(uid), password: passwordOf(uid) };
		},
		renamable: true,
		enforcesStatus: true,
		lock: async (dn) => {
			for (let attempt = 0; attempt < 3; attempt++) await bindsWith(dn, 'not-the-password');
		},
	},
	{
		name: 'the OTDS schema (oTPerson, legacy OTDS profile)',
		flavour: 'openDj',
		userBase: () => slapd.otds.usersDN,
		groupBase: () => slapd.otds.groupsDN,
		someone: () => {
			const uid = slapd.fixture.users.find((user) => !user.status.disabled && !user.status.lockedOut)!.uid;
			return { dn: slapd.otds.userDN(uid), password: passwordOf(uid) };
		},
		renamable: false,
		enforcesStatus: false,
		lock: (dn) => slapd.ldapmodify(`dn: ${dn}\nchangetype: modify\nreplace: accountLockedOut\naccountLockedOut: TRUE\n`),
	},
];

describe.each(FLAVOURS)('directory management on a real slapd, $name', (flavour) => {
	const profile = () => profileFor(flavour.flavour);
	const directory = () =>
		new LdapDirectory(session, profile(), slapd.baseDN, {
			userBaseDN: flavour.userBase(),
			groupBaseDN: flavour.groupBase(),
		});
	const login = `mgr-${flavour.flavour}`;
	const ref: UserRef = { key: 'login', value: login };
	const password = 'Fresh-Pa55-word!';
	let probe: EventProbe;
	let dn: string;

	beforeAll(async () => {
		const strategy =
			flavour.flavour === 'openLdap'
				? slapdStrategy('accesslog', slapd, session)
				: new SnapshotStrategy(
						new LdapChangeReader({
							session,
							profile: profile(),
							flavour: flavour.flavour,
							userBaseDN: flavour.userBase(),
							groupBaseDN: flavour.groupBase(),
						}),
						session.server,
						{ reconcileEvery: 0 },
					);
		probe = new EventProbe(() => strategy);
		expect(await probe.poll()).toEqual([]);
	});

	it('creates a user with a password, enabled, seen as user.created; a second create writes nothing', async () => {
		const created = await directory().createUser({
			login,
			givenName: 'Mona',
			surname: 'Ager',
			mail: `${login}@example.com`,
			title: 'Analyst',
			password,
		});
		expect(created.changed).toBe(true);
		dn = created.dn!;
		expect(created.user).toMatchObject({
			login,
			mail: `${login}@example.com`,
			status: { disabled: false, locked: false, passwordResetRequired: false },
		});
		expect(JSON.stringify(created)).not.toContain(password);
		expect(await bindsWith(dn, password)).toBe(true);
		expect(await probe.types({ dn })).toEqual(['user.created']);

		const stamps = await stampsOf(session, dn, STAMPS);
		const again = await directory().createUser({ login, password: 'Other-Pa55-word!' });
		expect(again).toMatchObject({ changed: false, dn });
		expect(await stampsOf(session, dn, STAMPS)).toBe(stamps);
		expect(await bindsWith(dn, password)).toBe(true);
		await expect(directory().createUser({ login }, { errorIfPresentOrAbsent: true })).rejects.toThrow(/is taken/);
	});

	it('refuses credential attributes and the naming attribute in Attributes, before writing anything', async () => {
		for (const attribute of ['userPassword', 'unicodePwd']) {
			await expect(
				directory().createUser({ login: `${login}-x`, attributes: { [attribute]: ['secret-value'] } }),
			).rejects.toThrow(ConfigurationError);
		}
		await expect(directory().getUser('login', `${login}-x`)).rejects.toThrow(NotFoundError);
	});

	it('disables and enables: user.disabled, user.enabled; repeating writes nothing', async () => {
		const disabled = await directory().setUserEnabled(ref, false);
		expect(disabled).toMatchObject({ changed: true, user: { status: { disabled: true } } });
		expect(await probe.types({ dn })).toEqual(['user.disabled']);
		const stamps = await stampsOf(session, dn, STAMPS);
		expect((await directory().setUserEnabled(ref, false)).changed).toBe(false);
		expect(await stampsOf(session, dn, STAMPS)).toBe(stamps);
		if (flavour.enforcesStatus) expect(await bindsWith(dn, password)).toBe(false);

		const enabled = await directory().setUserEnabled(ref, true);
		expect(enabled).toMatchObject({ changed: true, user: { status: { disabled: false } } });
		expect(await probe.types({ dn })).toEqual(['user.enabled']);
		expect((await directory().setUserEnabled(ref, true)).changed).toBe(false);
		expect(await bindsWith(dn, password)).toBe(true);
	});

	it('unlocks a locked account: user.unlocked; unlocking an unlocked one writes nothing', async () => {
		expect((await directory().unlockUser(ref)).changed).toBe(false);
		await flavour.lock(dn);
		expect((await directory().getUser('dn', dn)).status.locked).toBe(true);
		expect(await probe.types({ dn })).toEqual(['user.locked']);
		const unlocked = await directory().unlockUser(ref);
		expect(unlocked).toMatchObject({ changed: true, user: { status: { locked: false, disabled: false } } });
		expect(await probe.types({ dn })).toEqual(['user.unlocked']);
		const stamps = await stampsOf(session, dn, STAMPS);
		expect((await directory().unlockUser(ref)).changed).toBe(false);
		expect(await stampsOf(session, dn, STAMPS)).toBe(stamps);
	});

	it('a disabled account stays disabled through an unlock, and an enable leaves no lock behind', async () => {
		await directory().setUserEnabled(ref, false);
		expect((await directory().unlockUser(ref)).user?.status).toMatchObject({ disabled: true });
		await directory().setUserEnabled(ref, true);
		expect((await directory().getUser('dn', dn)).status).toEqual({
			disabled: false,
			locked: false,
			passwordResetRequired: false,
		});
		expect(await probe.types({ dn })).toEqual([]);
	});

	it('requires a password change: user.passwordResetRequired; repeating writes nothing', async () => {
		const required = await directory().requirePasswordChange(ref);
		expect(required).toMatchObject({ changed: true, user: { status: { passwordResetRequired: true } } });
		expect(await probe.types({ dn })).toEqual(['user.passwordResetRequired']);
		const stamps = await stampsOf(session, dn, STAMPS);
		expect((await directory().requirePasswordChange(ref)).changed).toBe(false);
		expect(await stampsOf(session, dn, STAMPS)).toBe(stamps);
	});

	it('sets a password (always written) that the person can bind with, must-change as asked', async () => {
		const next = 'Second-Pa55-word!';
		const set = await directory().setPassword(ref, next);
		expect(set).toMatchObject({ changed: true, user: { status: { passwordResetRequired: false } } });
		expect(JSON.stringify(set)).not.toContain(next);
		expect(await bindsWith(dn, next)).toBe(true);
		expect(await bindsWith(dn, password)).toBe(false);
		// The must-change flag cleared by a new password is the password change (ppolicy stamps pwdChangedTime too).
		expect(await probe.types({ dn })).toEqual(['user.passwordChanged']);

		const third = 'Third-Pa55-word!';
		const must = await directory().setPassword(ref, third, { mustChange: true });
		expect(must).toMatchObject({ changed: true, user: { status: { passwordResetRequired: true } } });
		expect(await bindsWith(dn, third)).toBe(true);
		expect(await probe.types({ dn })).toEqual(['user.passwordResetRequired']);
		await expect(directory().setPassword(ref, '')).rejects.toThrow(ConfigurationError);
	});

	if (flavour.renamable) {
		it('renames and moves: user.renamed; moving to where it is writes nothing', async () => {
			const newLogin = `${login}-renamed`;
			const renamed = await directory().moveUser(ref, { newName: newLogin });
			expect(renamed).toMatchObject({ changed: true, user: { login: newLogin } });
			const id = renamed.user!.id;
			expect(await probe.types({ id })).toEqual(['user.renamed']);
			dn = renamed.dn!;
			const stamps = await stampsOf(session, dn, STAMPS);
			const same = await directory().moveUser({ key: 'dn', value: dn }, { newName: newLogin, newParent: flavour.userBase() });
			expect(same).toMatchObject({ changed: false, dn });
			expect(await stampsOf(session, dn, STAMPS)).toBe(stamps);
			// Back to the old name, so the later steps find the login.
			const back = await directory().moveUser({ key: 'dn', value: dn }, { newName: login });
			dn = back.dn!;
			expect(await probe.types({ id })).toEqual(['user.renamed']);
		});
	} else {
		it('refuses a new name (people are named by their UUID) before writing, and moves to another parent', async () => {
			await expect(directory().moveUser(ref, { newName: 'someone-else' })).rejects.toThrow(/UUID/);
			const stamps = await stampsOf(session, dn, STAMPS);
			expect((await directory().moveUser(ref, { newParent: flavour.userBase() })).changed).toBe(false);
			expect(await stampsOf(session, dn, STAMPS)).toBe(stamps);
		});
	}

	it('refuses every change to a bind account without the rights, saying what it needs; nothing written', async () => {
		const someone = flavour.someone();
		const weak = await LdapSession.open(
			parseLdapConnectionSettings({
				serverUrls: slapd.url,
				connectionSecurity: 'none',
				bindDN: someone.dn,
				bindPassword: someone.password,
				baseDN: slapd.baseDN,
			}),
		);
		try {
			const limited = new LdapDirectory(weak, profile(), slapd.baseDN, {
				userBaseDN: flavour.userBase(),
				groupBaseDN: flavour.groupBase(),
			});
			const stamps = await stampsOf(session, dn, STAMPS);
			const secret = 'Never-Shown-Pa55!';
			for (const attempt of [
				() => limited.setUserEnabled(ref, false),
				() => limited.moveUser({ key: 'dn', value: dn }, { newParent: flavour.groupBase() }),
				() => limited.setPassword(ref, secret),
				() => limited.deleteUser(ref),
				() => limited.createGroup({ name: `Refused ${flavour.flavour}` }),
			]) {
				const failure = await attempt().then(
					() => undefined,
					(error: unknown) => error,
				);
				expect(failure).toBeInstanceOf(RequestError);
				expect((failure as RequestError).kind).toBe('insufficientAccess');
				expect((failure as RequestError).message).toMatch(/lacks the rights/);
				expect((failure as RequestError).hint).toMatch(/write/);
				expect(`${(failure as RequestError).message} ${(failure as RequestError).hint}`).not.toContain(secret);
			}
			expect(await stampsOf(session, dn, STAMPS)).toBe(stamps);
		} finally {
			await weak.close();
		}
	});

	it('creates a disabled user that must change the password; without a password', async () => {
		const created = await directory().createUser({
			login: `${login}-off`,
			displayName: 'Off Duty',
			disabled: true,
			mustChangePassword: true,
		});
		expect(created.user?.status).toEqual({ disabled: true, locked: false, passwordResetRequired: true });
		expect((await probe.types({ dn: created.dn })).sort()).toEqual(['user.created']);
		const deleted = await directory().deleteUser({ key: 'dn', value: created.dn! });
		expect(deleted).toMatchObject({ changed: true, dn: created.dn });
		expect(await probe.types()).toEqual(['user.deleted']);
	});

	it('creates and deletes a group: group.created, group.deleted; repeats write nothing', async () => {
		const name = `Managed ${flavour.flavour}`;
		const created = await directory().createGroup({ name, description: 'Made by the manage test' });
		expect(created).toMatchObject({ changed: true, group: { name, description: 'Made by the manage test' } });
		const groupDn = created.dn!;
		if (flavour.flavour === 'openLdap') {
			// groupOfNames needs a member: the placeholder names nobody.
			const [entry] = await session.search(groupDn, { scope: 'base', attributes: ['member'] });
			expect(entry.member).toEqual(EMPTY_GROUP_MEMBER);
		}
		expect(await probe.types({ dn: groupDn })).toEqual(['group.created']);
		const stamps = await stampsOf(session, groupDn, STAMPS);
		expect(await directory().createGroup({ name })).toMatchObject({ changed: false, dn: groupDn });
		expect(await stampsOf(session, groupDn, STAMPS)).toBe(stamps);

		await directory().addGroupMember({ key: 'dn', value: groupDn }, ref);
		expect((await probe.types({ dn: groupDn })).sort()).toEqual(['group.memberAdded']);

		expect(await directory().deleteGroup({ key: 'name', value: name })).toMatchObject({ changed: true, dn: groupDn });
		expect(await probe.types()).toEqual(['group.deleted']);
		expect(await directory().deleteGroup({ key: 'name', value: name })).toEqual({ changed: false });
		await expect(directory().deleteGroup({ key: 'name', value: name }, { errorIfPresentOrAbsent: true })).rejects.toThrow(
			NotFoundError,
		);
	});

	it('deletes the user: user.deleted; deleting it again writes nothing', async () => {
		expect(await directory().deleteUser(ref)).toMatchObject({ changed: true, dn });
		expect(await probe.types()).toEqual(['user.deleted']);
		expect(await directory().deleteUser(ref)).toEqual({ changed: false });
		await expect(directory().deleteUser(ref, { errorIfPresentOrAbsent: true })).rejects.toThrow(NotFoundError);
	});
});
