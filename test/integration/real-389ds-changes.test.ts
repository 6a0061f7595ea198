import { Client } from 'ldapts';
import { createLdapChangeStrategy } from '../../core/changes/ldap/auto';
import type { DirectoryEvent } from '../../core/changes/events';
import type { ChangeState } from '../../core/changes/state';
import type { ChangeStrategy } from '../../core/changes/strategy';
import { RequestError } from '../../core/errors';
import { LdapSession } from '../../transport/ldap/session';
import { parseLdapConnectionSettings } from '../../transport/ldap/settings';
import { startDirsrv, type Dirsrv } from '../../devkit/dirsrv';
import { startLdapRelay, type LdapRelay } from '../../devkit/ldap-relay';

/**
 * The trigger's change scenario against a real 389 Directory Server 2.3 with its retro changelog, through
 * the core's strategies as the trigger builds them: the changelog strategy chosen explicitly, and Auto
 * (which must choose it). Every kind of change, each event exactly once, a restart between polls.
 */
let dirsrv: Dirsrv;
/** Every session goes through it, so that a test can cut the server off at an exact message of a poll. */
let relay: LdapRelay;

beforeAll(async () => {
	dirsrv = await startDirsrv({ usersPerKind: 20 });
	relay = await startLdapRelay(dirsrv.url);
});

afterAll(async () => {
	await relay?.close();
	await dirsrv?.stop();
});

function openSession(): Promise<LdapSession> {
	return LdapSession.open(
		parseLdapConnectionSettings({
			serverUrls: relay.url,
			connectionSecurity: 'none',
			bindDN: dirsrv.adminDN,
			bindPassword: dirsrv.adminPassword,
			baseDN: dirsrv.baseDN,
		}),
	);
}

async function failedBind(dn: string): Promise<void> {
	const client = new Client({ url: dirsrv.url });
	await client.bind(dn, 'not-the-password').catch(() => undefined);
	await client.unbind().catch(() => undefined);
}

const typesOf = (events: DirectoryEvent[]) => events.map((event) => event.type).sort();

describe.each(['changelog', 'auto'] as const)('%s strategy on a real 389 DS', (choice) => {
	let session: LdapSession;
	let strategy: ChangeStrategy;
	let state: ChangeState | undefined;
	const uid = `chg-${choice}`;
	const renamedUid = `chg-${choice}-renamed`;
	const userDn = () => dirsrv.userDN(uid);
	const renamedDn = () => dirsrv.userDN(renamedUid);
	const allIds = new Set<string>();

	async function build(): Promise<ChangeStrategy> {
		const built = await createLdapChangeStrategy({
			session,
			strategy: choice,
			flavour: 'auto',
			userBaseDN: dirsrv.peopleDN,
			groupBaseDN: dirsrv.groupsDN,
			reconcileEvery: 0,
		});
		if (choice === 'auto') expect(built.reason).toMatch(/cn=changelog/);
		return built.strategy;
	}

	/** One poll; its state is kept only when it succeeded (as the trigger does); every event id is new. */
	async function poll(): Promise<DirectoryEvent[]> {
		const result = await strategy.poll(state);
		state = result.nextCursor;
		for (const event of result.events) {
			expect(allIds.has(event.id)).toBe(false);
			allIds.add(event.id);
			expect(event.source.strategy).toBe('changelog');
		}
		return result.events;
	}

	beforeAll(async () => {
		session = await openSession();
		strategy = await build();
	});

	afterAll(async () => {
		await session?.close();
	});

	it('records the starting point on first activation and emits nothing', async () => {
		expect(await poll()).toEqual([]);
		expect(state?.cursor).toMatch(/^\d+$/);
		expect(await poll()).toEqual([]);
	});

	it('user created, updated, renamed', async () => {
		await dirsrv.ldapmodify(
			`dn: ${userDn()}\nchangetype: add\nobjectClass: inetOrgPerson\nuid: ${uid}\ncn: Change Probe\nsn: Probe\ntitle: Analyst\nmail: ${uid}@example.test\nuserPassword: First-pass-1!\n`,
		);
		const created = await poll();
		expect(typesOf(created)).toEqual(['user.created']);
		expect(created[0].user).toMatchObject({ dn: userDn(), login: uid, mail: `${uid}@example.test` });
		expect(created[0].occurredAt).toMatch(/^\d{4}-\d\d-\d\dT/);

		await dirsrv.ldapmodify(`dn: ${userDn()}\nchangetype: modify\nreplace: title\ntitle: Manager\n`);
		const updated = await poll();
		expect(typesOf(updated)).toEqual(['user.updated']);
		expect(updated[0].changes).toEqual([{ attribute: 'title', after: 'Manager' }]);

		await dirsrv.ldapmodify(`dn: ${userDn()}\nchangetype: modrdn\nnewrdn: uid=${renamedUid}\ndeleteoldrdn: 1\n`);
		const renamed = await poll();
		// One change, one event: the new naming value (the login here) is part of the rename, not a second update.
		expect(typesOf(renamed)).toEqual(['user.renamed']);
		expect(renamed[0].user?.id).toBe(created[0].user?.id);
		// The log knows the DN before the rename.
		expect(renamed[0].changes).toEqual([
			{ attribute: 'dn', before: userDn(), after: renamedDn() },
			{ attribute: 'uid', before: uid, after: renamedUid },
		]);
	});

	it("a person created, changed and deleted with 389's own object classes (as dsidm makes them)", async () => {
		const dsUid = `dsidm-${choice}`;
		const dn = dirsrv.userDN(dsUid);
		await dirsrv.ldapmodify(
			`dn: ${dn}\nchangetype: add\nobjectClass: top\nobjectClass: nsPerson\nobjectClass: nsAccount\nobjectClass: nsOrgPerson\nobjectClass: posixAccount\nuid: ${dsUid}\ncn: Dsidm Probe\ndisplayName: Dsidm Probe\nuidNumber: 7001\ngidNumber: 7001\nhomeDirectory: /home/${dsUid}\nmail: ${dsUid}@example.test\n`,
		);
		const created = await poll();
		expect(typesOf(created)).toEqual(['user.created']);
		expect(created[0].user).toMatchObject({ dn, login: dsUid, displayName: 'Dsidm Probe' });
		await dirsrv.ldapmodify(`dn: ${dn}\nchangetype: modify\nreplace: displayName\ndisplayName: Dsidm Probe Two\n`);
		const updated = await poll();
		expect(typesOf(updated)).toEqual(['user.updated']);
		expect(updated[0].changes).toEqual([{ attribute: 'displayName', after: 'Dsidm Probe Two' }]);
		await dirsrv.ldapmodify(`dn: ${dn}\nchangetype: delete\n`);
		const deleted = await poll();
		expect(typesOf(deleted)).toEqual(['user.deleted']);
		expect(deleted[0].user).toMatchObject({ id: created[0].user?.id, dn });
	});

	it('names who made each change where the record says (the writer, never the retro changelog plug-in); a delete names nobody', async () => {
		const writer = dirsrv.fixture.writer;
		const actorUid = `actor-${choice}`;
		const dn = dirsrv.userDN(actorUid);
		await dirsrv.ldapmodify(
			`dn: ${dn}\nchangetype: add\nobjectClass: inetOrgPerson\nuid: ${actorUid}\ncn: Actor Probe\nsn: Probe\n`,
			writer,
		);
		const created = await poll();
		expect(typesOf(created)).toEqual(['user.created']);
		expect(created[0].actor).toEqual({ dn: writer.dn });
		await dirsrv.ldapmodify(`dn: ${dn}\nchangetype: modify\nreplace: title\ntitle: Audited\n`, writer);
		const updated = await poll();
		expect(typesOf(updated)).toEqual(['user.updated']);
		expect(updated[0].actor).toEqual({ dn: writer.dn });
		await dirsrv.ldapmodify(`dn: ${dn}\nchangetype: modify\nreplace: title\ntitle: Audited twice\n`);
		expect((await poll())[0].actor?.dn).toMatch(/^cn=directory manager$/i);
		await dirsrv.ldapmodify(`dn: ${dn}\nchangetype: delete\n`, writer);
		const deleted = await poll();
		expect(typesOf(deleted)).toEqual(['user.deleted']);
		// 389's record of a delete holds no trace of who deleted.
		expect(deleted[0].actor).toBeUndefined();
	});

	it('disabled and enabled by nsAccountLock', async () => {
		await dirsrv.ldapmodify(`dn: ${renamedDn()}\nchangetype: modify\nreplace: nsAccountLock\nnsAccountLock: true\n`);
		const disabled = await poll();
		expect(typesOf(disabled)).toEqual(['user.disabled']);
		expect(disabled[0].changes).toEqual([{ attribute: 'disabled', before: 'false', after: 'true' }]);
		await dirsrv.ldapmodify(`dn: ${renamedDn()}\nchangetype: modify\ndelete: nsAccountLock\n`);
		expect(typesOf(await poll())).toEqual(['user.enabled']);
	});

	it('locked by failed binds (password policy lockout), unlocked by the administrator', async () => {
		for (let attempt = 0; attempt < 3; attempt++) await failedBind(renamedDn());
		const locked = await poll();
		expect(typesOf(locked)).toEqual(['user.locked']);
		expect(locked[0].user?.status).toEqual({ disabled: false, locked: true, passwordResetRequired: false });
		await dirsrv.ldapmodify(
			`dn: ${renamedDn()}\nchangetype: modify\nreplace: passwordRetryCount\npasswordRetryCount: 0\n-\ndelete: accountUnlockTime\n`,
		);
		expect(typesOf(await poll())).toEqual(['user.unlocked']);
	});

	it('the user changes the password', async () => {
		await dirsrv.ldapmodify(
			`dn: ${renamedDn()}\nchangetype: modify\nreplace: userPassword\nuserPassword: Chosen-by-user-2!\n`,
			{ dn: renamedDn(), password: 'First-pass-1!' },
		);
		expect(typesOf(await poll())).toEqual(['user.passwordChanged']);
	});

	it('an administrator reset under passwordMustChange, then the user sets a password', async () => {
		await dirsrv.ldapmodify('dn: cn=config\nchangetype: modify\nreplace: passwordMustChange\npasswordMustChange: on\n');
		try {
			await dirsrv.ldapmodify(
				`dn: ${renamedDn()}\nchangetype: modify\nreplace: userPassword\nuserPassword: Reset-by-admin-3!\n`,
			);
			const reset = await poll();
			expect(typesOf(reset)).toEqual(['user.passwordResetRequired']);
			expect(reset[0].user?.status).toEqual({ disabled: false, locked: false, passwordResetRequired: true });
			await dirsrv.ldapmodify(
				`dn: ${renamedDn()}\nchangetype: modify\nreplace: userPassword\nuserPassword: Chosen-by-user-4!\n`,
				{ dn: renamedDn(), password: 'Reset-by-admin-3!' },
			);
			const changed = await poll();
			expect(typesOf(changed)).toEqual(['user.passwordChanged']);
			expect(changed[0].user).toMatchObject({ status: { passwordResetRequired: false } });
			expect(changed[0].actor).toEqual({ dn: renamedDn() });
		} finally {
			await dirsrv.ldapmodify(
				'dn: cn=config\nchangetype: modify\nreplace: passwordMustChange\npasswordMustChange: off\n',
			);
		}
	});

	it('group created with a member, member added and removed, group deleted', async () => {
		const groupName = `Group ${choice}`;
		const groupDn = dirsrv.groupDN(groupName);
		await dirsrv.ldapmodify(
			`dn: ${groupDn}\nchangetype: add\nobjectClass: groupOfNames\ncn: ${groupName}\nmember: ${renamedDn()}\n`,
		);
		const created = await poll();
		expect(typesOf(created)).toEqual(['group.created', 'group.memberAdded']);
		expect(created.find((event) => event.type === 'group.memberAdded')?.user).toMatchObject({
			dn: renamedDn(),
			login: renamedUid,
		});

		const other = dirsrv.fixture.users.find((user) => user.kind === 'inetOrgPerson')!;
		await dirsrv.ldapmodify(`dn: ${groupDn}\nchangetype: modify\nadd: member\nmember: ${other.dn}\n`);
		const added = await poll();
		expect(typesOf(added)).toEqual(['group.memberAdded']);
		expect(added[0].user).toMatchObject({ dn: other.dn, login: other.uid });

		await dirsrv.ldapmodify(`dn: ${groupDn}\nchangetype: modify\ndelete: member\nmember: ${other.dn}\n`);
		const removed = await poll();
		expect(typesOf(removed)).toEqual(['group.memberRemoved']);
		expect(removed[0].changes).toEqual([{ attribute: 'member', before: other.dn, after: null }]);

		await dirsrv.ldapmodify(`dn: ${groupDn}\nchangetype: delete\n`);
		const deleted = await poll();
		expect(typesOf(deleted)).toEqual(['group.deleted']);
		// A group as a group: its name (from the DN the log gives), no person's login.
		expect(deleted[0].group).toEqual({ id: created[0].group?.id, dn: groupDn, name: groupName, privileged: false });
	});

	it('a groupOfUniqueNames: created with a member, uniqueMember added and removed, deleted', async () => {
		const groupName = `Unique ${choice}`;
		const groupDn = dirsrv.groupDN(groupName);
		await dirsrv.ldapmodify(
			`dn: ${groupDn}\nchangetype: add\nobjectClass: groupOfUniqueNames\ncn: ${groupName}\nuniqueMember: ${renamedDn()}\n`,
		);
		const created = await poll();
		expect(typesOf(created)).toEqual(['group.created', 'group.memberAdded']);
		expect(created.find((event) => event.type === 'group.memberAdded')?.user).toMatchObject({
			dn: renamedDn(),
			login: renamedUid,
		});

		const other = dirsrv.fixture.users.find((user) => user.kind === 'dsidm')!;
		await dirsrv.ldapmodify(`dn: ${groupDn}\nchangetype: modify\nadd: uniqueMember\nuniqueMember: ${other.dn}\n`);
		const added = await poll();
		expect(typesOf(added)).toEqual(['group.memberAdded']);
		expect(added[0].user).toMatchObject({ dn: other.dn, login: other.uid });

		await dirsrv.ldapmodify(`dn: ${groupDn}\nchangetype: modify\ndelete: uniqueMember\nuniqueMember: ${other.dn}\n`);
		const removed = await poll();
		expect(typesOf(removed)).toEqual(['group.memberRemoved']);
		expect(removed[0].user).toMatchObject({ dn: other.dn });

		await dirsrv.ldapmodify(`dn: ${groupDn}\nchangetype: delete\n`);
		const deleted = await poll();
		expect(typesOf(deleted)).toEqual(['group.deleted']);
		expect(deleted[0].group).toEqual({ id: created[0].group?.id, dn: groupDn, name: groupName, privileged: false });
	});

	it('user deleted', async () => {
		const id = (await session.search(renamedDn(), { scope: 'base', attributes: ['nsUniqueId'] }))[0].nsUniqueId;
		await dirsrv.ldapmodify(`dn: ${renamedDn()}\nchangetype: delete\n`);
		const deleted = await poll();
		expect(typesOf(deleted)).toEqual(['user.deleted']);
		expect(deleted[0].user?.id).toBe(id);
		expect(deleted[0].user?.dn).toBe(renamedDn());
		expect(await poll()).toEqual([]);
	});

	it('a change whose field hash collides with the old value (1 in 16): the log names the attribute, so the event names it alone', async () => {
		// On this fixture "Engineer" and "Restarted auto" have the same 4-bit title hash: only the whole hash moves.
		const someone = dirsrv.fixture.users.filter((user) => user.kind === 'inetOrgPerson')[choice === 'auto' ? 7 : 8];
		await dirsrv.ldapmodify(`dn: ${someone.dn}\nchangetype: modify\nreplace: title\ntitle: Restarted auto\n`);
		const events = await poll();
		expect(typesOf(events)).toEqual(['user.updated']);
		expect(events[0].changes).toEqual([{ attribute: 'title', after: 'Restarted auto' }]);
	});

	it('a restart between polls loses nothing', async () => {
		const someone = dirsrv.fixture.users.filter((user) => user.kind === 'inetOrgPerson')[choice === 'auto' ? 3 : 4];
		await dirsrv.ldapmodify(
			`dn: ${someone.dn}\nchangetype: modify\nreplace: title\ntitle: Restart survivor ${choice}\n`,
		);
		await session.close();
		await dirsrv.restart();
		session = await openSession();
		strategy = await build();
		const events = await poll();
		expect(typesOf(events)).toEqual(['user.updated']);
		expect(events[0].changes).toEqual([{ attribute: 'title', after: `Restart survivor ${choice}` }]);
		expect(await poll()).toEqual([]);
	});

	it('a server killed in the middle of a poll: the poll fails, emits nothing and moves nothing; the next poll catches up', async () => {
		const someone = dirsrv.fixture.users.filter((user) => user.kind === 'dsidm')[choice === 'auto' ? 5 : 6];
		await dirsrv.ldapmodify(
			`dn: ${someone.dn}\nchangetype: modify\nreplace: displayName\ndisplayName: Crash survivor ${choice}\n`,
		);
		const kept = state;
		// Once the server has answered the poll's first message, it is SIGKILLed before the client sees more.
		const cut = relay.cutAfterServerMessages(1, async () => {
			dirsrv.kill();
			while (dirsrv.running) await new Promise((resolve) => setTimeout(resolve, 10));
		});
		const attempt = expect(strategy.poll(state)).rejects.toThrow(RequestError);
		await cut;
		await attempt;
		expect(state).toBe(kept);
		await session.close();
		await dirsrv.restart();
		session = await openSession();
		strategy = await build();
		const events = await poll();
		expect(typesOf(events)).toEqual(['user.updated']);
		expect(events[0].changes).toEqual([{ attribute: 'displayName', after: `Crash survivor ${choice}` }]);
		expect(await poll()).toEqual([]);
	});
});
