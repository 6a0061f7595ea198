/**
 * The directory-management scenario every real server runs (slapd in both schema flavours, 389 DS, Samba AD):
 * each operation, its repetition writing nothing (the entry's change stamps unchanged), its refusals, and the
 * trigger's event after it, polled through a change strategy as the trigger builds it.
 */
import type { DirectoryEvent } from '../../core/changes/events';
import type { ChangeState } from '../../core/changes/state';
import type { ChangeStrategy } from '../../core/changes/strategy';
import type { NewUser, UserRef } from '../../core/directory/management';
import { ConfigurationError, NotFoundError, RequestError } from '../../core/errors';
import type { LdapDirectory } from '../../core/ldap/directory';
import { attributeValues } from '../../core/ldap/entry';
import type { LdapSession } from '../../transport/ldap/session';

/** Whether a bind with this password succeeds, on a fresh client from `connect` (unbound afterwards). */
export async function bindsWith(
	connect: () => { bind(dn: string, password: string): Promise<void>; unbind(): Promise<void> },
	dn: string,
	password: string,
): Promise<boolean> {
	const client = connect();
	try {
		await client.bind(dn, password);
		return true;
	} catch {
		return false;
	} finally {
		await client.unbind().catch(() => undefined);
	}
}

/** Polls a change strategy as the trigger does, keeping its state between polls. */
export class EventProbe {
	private state: ChangeState | undefined;

	constructor(private readonly strategy: ChangeStrategy) {}

	async poll(): Promise<DirectoryEvent[]> {
		const result = await this.strategy.poll(this.state);
		this.state = result.nextCursor;
		return result.events;
	}

	/** The types of the events of the next poll, for one entry (by DN or id) or all, sorted. */
	async types(about?: { dn?: string; id?: string }): Promise<string[]> {
		const events = await this.poll();
		return events
			.filter(
				(event) =>
					about === undefined ||
					(about.dn !== undefined &&
						[event.user?.dn, event.group?.dn].some((dn) => dn?.toLowerCase() === about.dn?.toLowerCase())) ||
					(about.id !== undefined && [event.user?.id, event.group?.id].includes(about.id)),
			)
			.map((event) => event.type)
			.sort();
	}
}

/** The values of the stamp attributes of an entry, joined: equal before and after when nothing was written. */
export async function stampsOf(session: LdapSession, dn: string, attributes: string[]): Promise<string> {
	const [entry] = await session.search(dn, { scope: 'base', filter: '(objectClass=*)', attributes });
	return attributes.map((name) => `${name}=${attributeValues(entry, name).join('|')}`).join(';');
}

/** One server under test. */
export interface ManageTarget {
	/** Short, for logins and group names. */
	tag: string;
	/** The administrator's session (stamps are read on it). */
	session: () => LdapSession;
	/** A directory on the administrator's session. */
	directory: () => LdapDirectory;
	/** A directory bound as someone without write rights; closed by the caller. */
	limited: () => Promise<{ directory: LdapDirectory; close: () => Promise<void> }>;
	/** The change strategy the trigger would run (built when the scenario starts). */
	strategy: () => Promise<ChangeStrategy>;
	/** The attributes that move on every write to an entry. */
	stamps: string[];
	/** What moves on every write to the server (e.g. 389's last change number), where the entry's stamps are coarse. */
	writeCounter?: () => Promise<string>;
	userBase: () => string;
	groupBase: () => string;
	/** Whether a bind with this password succeeds. */
	bindsWith: (dn: string, password: string) => Promise<boolean>;
	/** Whether the server refuses binds of disabled accounts (the OTDS stand-in only stores OTDS's flags). */
	enforcesStatus: boolean;
	/** Whether people can be renamed (OTDS names them by UUID). */
	renamable: boolean;
	/** Locks the account (failed binds, or the product's flag). */
	lock: (dn: string) => Promise<void>;
	/** Fields of the first user beyond the login (AD: a display name, which names the entry). */
	newUser?: Partial<NewUser>;
	/** Whether the password before a reset still signs in for a while (Samba, as AD's old-password window). */
	previousPasswordLingers?: boolean;
	/** A password the server's policy refuses, to check that the refusal does not repeat it. */
	refusedPassword?: string;
}

/** Runs the scenario in the current describe block. */
export function manageScenario(target: ManageTarget): void {
	const login = `mgr-${target.tag}`;
	const ref: UserRef = { key: 'login', value: login };
	const password = 'Fresh-Pa55-word!';
	let probe: EventProbe;
	let dn: string;
	const stamps = async (of: string) =>
		`${await stampsOf(target.session(), of, target.stamps)};${(await target.writeCounter?.()) ?? ''}`;

	beforeAll(async () => {
		probe = new EventProbe(await target.strategy());
		await probe.poll();
	});

	it('creates a user with a password, enabled, seen as user.created; a second create writes nothing', async () => {
		const created = await target.directory().createUser({
			login,
			givenName: 'Mona',
			surname: 'Ager',
			mail: `${login}@example.com`,
			title: 'Analyst',
			password,
			...target.newUser,
		});
		expect(created.changed).toBe(true);
		dn = created.dn!;
		expect(created.user).toMatchObject({
			login,
			mail: `${login}@example.com`,
			status: { disabled: false, locked: false, passwordResetRequired: false },
		});
		expect(JSON.stringify(created)).not.toContain(password);
		expect(await target.bindsWith(dn, password)).toBe(true);
		expect(await probe.types({ dn })).toEqual(['user.created']);

		const before = await stamps(dn);
		const again = await target.directory().createUser({ login, password: 'Other-Pa55-word!' });
		expect(again).toMatchObject({ changed: false, dn });
		expect(await stamps(dn)).toBe(before);
		expect(await target.bindsWith(dn, password)).toBe(true);
		await expect(target.directory().createUser({ login }, { errorIfPresentOrAbsent: true })).rejects.toThrow(
			/is taken/,
		);
	});

	it('refuses credential attributes in Attributes, before writing anything', async () => {
		for (const attribute of ['userPassword', 'unicodePwd']) {
			await expect(
				target.directory().createUser({ login: `${login}-x`, attributes: { [attribute]: ['secret-value'] } }),
			).rejects.toThrow(ConfigurationError);
		}
		await expect(target.directory().getUser('login', `${login}-x`)).rejects.toThrow(NotFoundError);
	});

	it('disables and enables: user.disabled, user.enabled; repeating writes nothing', async () => {
		const disabled = await target.directory().setUserEnabled(ref, false);
		expect(disabled).toMatchObject({ changed: true, user: { status: { disabled: true } } });
		expect(await probe.types({ dn })).toEqual(['user.disabled']);
		const before = await stamps(dn);
		expect((await target.directory().setUserEnabled(ref, false)).changed).toBe(false);
		expect(await stamps(dn)).toBe(before);
		if (target.enforcesStatus) expect(await target.bindsWith(dn, password)).toBe(false);

		const enabled = await target.directory().setUserEnabled(ref, true);
		expect(enabled).toMatchObject({ changed: true, user: { status: { disabled: false } } });
		expect(await probe.types({ dn })).toEqual(['user.enabled']);
		expect((await target.directory().setUserEnabled(ref, true)).changed).toBe(false);
		expect(await target.bindsWith(dn, password)).toBe(true);
	});

	it('unlocks a locked account: user.unlocked; unlocking an unlocked one writes nothing', async () => {
		expect((await target.directory().unlockUser(ref)).changed).toBe(false);
		await target.lock(dn);
		expect((await target.directory().getUser('dn', dn)).status.locked).toBe(true);
		expect(await probe.types({ dn })).toEqual(['user.locked']);
		const unlocked = await target.directory().unlockUser(ref);
		expect(unlocked).toMatchObject({ changed: true, user: { status: { locked: false, disabled: false } } });
		expect(await probe.types({ dn })).toEqual(['user.unlocked']);
		const before = await stamps(dn);
		expect((await target.directory().unlockUser(ref)).changed).toBe(false);
		expect(await stamps(dn)).toBe(before);
		expect(await target.bindsWith(dn, password)).toBe(true);
	});

	it('a disabled account stays disabled through an unlock, and an enable leaves no lock behind', async () => {
		await target.directory().setUserEnabled(ref, false);
		expect((await target.directory().unlockUser(ref)).user?.status).toMatchObject({ disabled: true });
		await target.directory().setUserEnabled(ref, true);
		expect((await target.directory().getUser('dn', dn)).status).toEqual({
			disabled: false,
			locked: false,
			passwordResetRequired: false,
		});
		// Disabled and enabled again between two polls: the same status, so no event.
		expect(await probe.types({ dn })).toEqual([]);
	});

	it('requires a password change: user.passwordResetRequired; repeating writes nothing', async () => {
		const required = await target.directory().requirePasswordChange(ref);
		expect(required).toMatchObject({ changed: true, user: { status: { passwordResetRequired: true } } });
		expect(await probe.types({ dn })).toEqual(['user.passwordResetRequired']);
		const before = await stamps(dn);
		expect((await target.directory().requirePasswordChange(ref)).changed).toBe(false);
		expect(await stamps(dn)).toBe(before);
	});

	it('sets a password (always written) that the person can bind with, must-change as asked', async () => {
		const next = 'Second-Pa55-word!';
		const set = await target.directory().setPassword(ref, next);
		expect(set).toMatchObject({ changed: true, user: { status: { passwordResetRequired: false } } });
		expect(JSON.stringify(set)).not.toContain(next);
		expect(await target.bindsWith(dn, next)).toBe(true);
		if (!target.previousPasswordLingers) expect(await target.bindsWith(dn, password)).toBe(false);
		expect(await probe.types({ dn })).toEqual(['user.passwordChanged']);

		const third = 'Third-Pa55-word!';
		const must = await target.directory().setPassword(ref, third, { mustChange: true });
		expect(must).toMatchObject({ changed: true, user: { status: { passwordResetRequired: true } } });
		expect(await probe.types({ dn })).toEqual(['user.passwordResetRequired']);
		await expect(target.directory().setPassword(ref, '')).rejects.toThrow(ConfigurationError);
		if (target.refusedPassword !== undefined) {
			const refused = target.refusedPassword;
			const failure = await target
				.directory()
				.setPassword(ref, refused)
				.then(
					() => undefined,
					(error: unknown) => error,
				);
			expect(failure).toBeInstanceOf(RequestError);
			expect((failure as RequestError).message).toMatch(/refused the new password/);
			expect(`${(failure as RequestError).message} ${(failure as RequestError).hint}`).not.toContain(refused);
		}
		// The person's password again (the later steps bind with it).
		await target.directory().setPassword(ref, password);
		await probe.poll();
	});

	if (target.renamable) {
		it('renames and moves: user.renamed; moving to where it is writes nothing', async () => {
			const newName = `${login}-renamed`;
			const renamed = await target.directory().moveUser(ref, { newName });
			expect(renamed.changed).toBe(true);
			const id = renamed.user!.id;
			expect(await probe.types({ id })).toEqual(['user.renamed']);
			const renamedDn = renamed.dn!;
			expect(renamedDn.toLowerCase()).toContain(newName.toLowerCase());
			const before = await stamps(renamedDn);
			const same = await target
				.directory()
				.moveUser({ key: 'dn', value: renamedDn }, { newName, newParent: target.userBase() });
			expect(same).toMatchObject({ changed: false, dn: renamedDn });
			expect(await stamps(renamedDn)).toBe(before);
			// Under the group base, then back under its first name and place, so the later steps find it.
			const moved = await target.directory().moveUser({ key: 'id', value: id }, { newParent: target.groupBase() });
			expect(moved.dn!.toLowerCase()).toContain(target.groupBase().toLowerCase());
			const back = await target
				.directory()
				.moveUser({ key: 'dn', value: moved.dn! }, { newName: rdnValueOf(dn), newParent: target.userBase() });
			expect(back.dn).toBe(dn);
			expect(await probe.types({ id })).toEqual(['user.renamed']);
		});
	} else {
		it('refuses a new name (people are named by their UUID) before writing; a move to where it is writes nothing', async () => {
			await expect(target.directory().moveUser(ref, { newName: 'someone-else' })).rejects.toThrow(/UUID/);
			const before = await stamps(dn);
			expect((await target.directory().moveUser(ref, { newParent: target.userBase() })).changed).toBe(false);
			expect(await stamps(dn)).toBe(before);
		});
	}

	it('refuses changes to a bind account without the rights, saying what it needs; nothing written', async () => {
		const limited = await target.limited();
		try {
			const before = await stamps(dn);
			const secret = 'Never-Shown-Pa55!';
			for (const attempt of [
				() => limited.directory.setUserEnabled(ref, false),
				() => limited.directory.moveUser({ key: 'dn', value: dn }, { newParent: target.groupBase() }),
				() => limited.directory.setPassword(ref, secret),
				() => limited.directory.deleteUser(ref),
				() => limited.directory.createGroup({ name: `Refused ${target.tag}` }),
			]) {
				const failure = await attempt().then(
					() => undefined,
					(error: unknown) => error,
				);
				expect(failure).toBeInstanceOf(RequestError);
				expect((failure as RequestError).kind).toBe('insufficientAccess');
				expect((failure as RequestError).message).toMatch(/lacks the rights/);
				expect(`${(failure as RequestError).message} ${(failure as RequestError).hint}`).not.toContain(secret);
			}
			expect(await stamps(dn)).toBe(before);
		} finally {
			await limited.close();
		}
	});

	it('creates a disabled user that must change the password, without a password; deletes it', async () => {
		const created = await target.directory().createUser({
			login: `${login}-off`,
			displayName: `Off Duty ${target.tag}`,
			disabled: true,
			mustChangePassword: true,
		});
		expect(created.user?.status).toEqual({ disabled: true, locked: false, passwordResetRequired: true });
		expect(await probe.types({ dn: created.dn })).toEqual(['user.created']);
		const deleted = await target.directory().deleteUser({ key: 'dn', value: created.dn! });
		expect(deleted).toMatchObject({ changed: true, dn: created.dn });
		expect(await probe.types()).toEqual(['user.deleted']);
	});

	it('creates and deletes a group: group.created, group.deleted; repeats write nothing', async () => {
		const name = `Managed ${target.tag}`;
		const created = await target.directory().createGroup({ name, description: 'Made by the manage test' });
		expect(created).toMatchObject({
			changed: true,
			group: { name, description: 'Made by the manage test', memberCount: 0 },
		});
		const groupDn = created.dn!;
		expect(await probe.types({ dn: groupDn })).toEqual(['group.created']);
		const before = await stamps(groupDn);
		expect(await target.directory().createGroup({ name })).toMatchObject({ changed: false, dn: groupDn });
		expect(await stamps(groupDn)).toBe(before);
		await expect(target.directory().createGroup({ name }, { errorIfPresentOrAbsent: true })).rejects.toThrow(
			/is taken/,
		);

		await target.directory().addGroupMember({ key: 'dn', value: groupDn }, ref);
		expect(await probe.types({ dn: groupDn })).toEqual(['group.memberAdded']);

		expect(await target.directory().deleteGroup({ key: 'name', value: name })).toMatchObject({
			changed: true,
			dn: groupDn,
		});
		expect(await probe.types()).toEqual(['group.deleted']);
		expect(await target.directory().deleteGroup({ key: 'name', value: name })).toEqual({ changed: false });
		await expect(
			target.directory().deleteGroup({ key: 'name', value: name }, { errorIfPresentOrAbsent: true }),
		).rejects.toThrow(NotFoundError);
	});

	it('deletes the user: user.deleted; deleting it again writes nothing', async () => {
		expect(await target.directory().deleteUser(ref)).toMatchObject({ changed: true, dn });
		expect(await probe.types()).toEqual(['user.deleted']);
		expect(await target.directory().deleteUser(ref)).toEqual({ changed: false });
		await expect(target.directory().deleteUser(ref, { errorIfPresentOrAbsent: true })).rejects.toThrow(NotFoundError);
	});
}

/** The value of a DN's first RDN, unescaped (test DNs have no escapes). */
function rdnValueOf(dn: string): string {
	return dn.split(',')[0].split('=')[1];
}
