import { Attribute, Change, type Client } from 'ldapts';
import type { IDataObject } from 'n8n-workflow';
import { OpenTextDirectoryServicesTrigger } from '../../nodes/OpenTextDirectoryServicesTrigger/OpenTextDirectoryServicesTrigger.node';
import type { DirectoryEvent } from '../../core/changes/events';
import type { ChangeState } from '../../core/changes/state';
import type { ChangeStrategy } from '../../core/changes/strategy';
import { RequestError } from '../../core/errors';
import { LdapSession } from '../../transport/ldap/session';
import { ldapCredentialData } from '../../devkit/ldap-credential';
import { pollTrigger } from '../support/poll-context';
import { startLdapRelay, type LdapRelay } from '../../devkit/ldap-relay';
import { startSamba, type Samba } from '../../devkit/samba';
import {
	attributes,
	groupDn,
	NORTHWIND_DN,
	NORTHWIND_DNS,
	PEOPLE_DN,
	personDn,
	personOf,
	unicodePwd,
	UAC_NORMAL,
} from '../../devkit/samba-fixture';
import { sambaConnection, sambaStrategy, type SambaStrategyName } from '../support/samba-strategies';

/**
 * The trigger's change scenario against a real Active Directory implementation (Samba 4.17 AD DC), through the
 * AD USN strategy chosen explicitly and through Auto (which must choose it): every kind of change, each expected
 * exactly once, deletes from tombstones (Show Deleted), account status from userAccountControl, lockout by failed
 * binds, pwdLastSet; then a Samba restart between polls.
 */
let samba: Samba;
let admin: Client;
const LOCKOUT_THRESHOLD = 3;

/** In front of Samba's plain LDAP port, so that a test can cut the server off at an exact message of a poll. */
let relay: LdapRelay;

beforeAll(async () => {
	samba = await startSamba({ plainLdapBinds: true });
	relay = await startLdapRelay(samba.plainUrl);
	admin = await samba.adminClient();
	// The domain's lockout policy (what `samba-tool domain passwordsettings set --account-lockout-threshold` writes).
	await admin.modify(NORTHWIND_DN, [replace('lockoutThreshold', String(LOCKOUT_THRESHOLD))]);
});

afterAll(async () => {
	await admin?.unbind().catch(() => undefined);
	await relay?.close();
	await samba?.stop();
});

function replace(type: string, values: Array<string | Buffer>): Change;
function replace(type: string, value: string | Buffer): Change;
function replace(type: string, value: string | Buffer | Array<string | Buffer>): Change {
	const values = Array.isArray(value) ? value : [value];
	return new Change({ operation: 'replace', modification: new Attribute({ type, values: values as string[] }) });
}

const memberChange = (operation: 'add' | 'delete', dn: string) =>
	new Change({ operation, modification: new Attribute({ type: 'member', values: [dn] }) });

async function failedBind(dn: string): Promise<void> {
	const client = samba.client();
	await client.bind(dn, 'not-the-password').catch(() => undefined);
	await client.unbind().catch(() => undefined);
}

/** The user changes their own password: AD's delete-old, add-new modify, bound as the user. */
async function changeOwnPassword(dn: string, oldPassword: string, newPassword: string): Promise<void> {
	const client = samba.client();
	try {
		await client.bind(dn, oldPassword);
		await client.modify(dn, [
			new Change({
				operation: 'delete',
				modification: new Attribute({ type: 'unicodePwd', values: [unicodePwd(oldPassword)] }),
			}),
			new Change({
				operation: 'add',
				modification: new Attribute({ type: 'unicodePwd', values: [unicodePwd(newPassword)] }),
			}),
		]);
	} finally {
		await client.unbind().catch(() => undefined);
	}
}

const typesOf = (events: DirectoryEvent[]) => events.map((event) => event.type).sort();

describe.each<SambaStrategyName>(['adUsn', 'auto'])('%s strategy on a real Samba AD DC', (name) => {
	let session: LdapSession;
	let strategy: ChangeStrategy;
	let state: ChangeState | undefined;
	const tag = name === 'adUsn' ? 'Usn' : 'Auto';
	const login = `chg${tag.toLowerCase()}`;
	const userDn = `CN=Change ${tag},${PEOPLE_DN}`;
	const renamedDn = `CN=Change ${tag} Renamed,${PEOPLE_DN}`;
	const firstPassword = `First-${tag}-pass-1!`;
	const groupName = `Admins ${tag}`;
	const allIds = new Set<string>();

	const build = () => sambaStrategy(name, session, { privilegedGroups: [groupName] });

	/** One poll; its state is kept only when it succeeded (as the trigger does). Every event id is new. */
	async function poll(): Promise<DirectoryEvent[]> {
		const result = await strategy.poll(state);
		state = result.nextCursor;
		for (const event of result.events) {
			expect(allIds.has(event.id)).toBe(false);
			allIds.add(event.id);
			expect(event.source.strategy).toBe('adUsn');
		}
		return result.events;
	}

	beforeAll(async () => {
		session = await LdapSession.open(sambaConnection(samba));
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
		await admin.add(
			userDn,
			attributes({
				objectClass: ['top', 'person', 'organizationalPerson', 'user'],
				sAMAccountName: login,
				userPrincipalName: `${login}@${NORTHWIND_DNS}`,
				givenName: 'Change',
				sn: tag,
				displayName: `Change ${tag}`,
				mail: `${login}@${NORTHWIND_DNS}`,
				title: 'Analyst',
				unicodePwd: unicodePwd(firstPassword),
				userAccountControl: String(UAC_NORMAL),
			}),
		);
		const created = await poll();
		expect(typesOf(created)).toEqual(['user.created']);
		expect(created[0].user).toMatchObject({
			dn: userDn,
			login,
			mail: `${login}@${NORTHWIND_DNS}`,
			status: { disabled: false, locked: false, passwordResetRequired: false },
		});
		expect(created[0].user?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
		expect(created[0].occurredAt).toMatch(/^\d{4}-\d\d-\d\dT/);

		await admin.modify(userDn, [replace('title', 'Manager')]);
		const updated = await poll();
		expect(typesOf(updated)).toEqual(['user.updated']);
		expect(updated[0].changes).toEqual([{ attribute: 'title', after: 'Manager' }]);

		// An AD rename changes the DN (cn), not the login (sAMAccountName).
		await admin.modifyDN(userDn, renamedDn);
		const renamed = await poll();
		expect(typesOf(renamed)).toEqual(['user.renamed']);
		expect(renamed[0].user?.id).toBe(created[0].user?.id);
		expect(renamed[0].changes).toEqual([{ attribute: 'dn', after: renamedDn }]);
	});

	it('disabled and enabled (userAccountControl), locked by failed binds and unlocked (lockoutTime = 0)', async () => {
		await admin.modify(renamedDn, [replace('userAccountControl', String(UAC_NORMAL | 0x2))]);
		const disabled = await poll();
		expect(typesOf(disabled)).toEqual(['user.disabled']);
		expect(disabled[0].changes).toEqual([{ attribute: 'disabled', before: 'false', after: 'true' }]);
		await admin.modify(renamedDn, [replace('userAccountControl', String(UAC_NORMAL))]);
		expect(typesOf(await poll())).toEqual(['user.enabled']);

		for (let attempt = 0; attempt < LOCKOUT_THRESHOLD; attempt++) await failedBind(renamedDn);
		const locked = await poll();
		expect(typesOf(locked)).toEqual(['user.locked']);
		expect(locked[0].user?.status).toEqual({ disabled: false, locked: true, passwordResetRequired: false });
		await admin.modify(renamedDn, [replace('lockoutTime', '0')]);
		expect(typesOf(await poll())).toEqual(['user.unlocked']);
	});

	it('password reset required (pwdLastSet = 0), lifted (-1: no password set, no user.passwordChanged), the user changing their own password, a new password from an administrator clearing a reset', async () => {
		await admin.modify(renamedDn, [replace('pwdLastSet', '0')]);
		const reset = await poll();
		expect(typesOf(reset)).toEqual(['user.passwordResetRequired']);
		expect(reset[0].user?.status).toMatchObject({ passwordResetRequired: true });

		// pwdLastSet = -1 takes the requirement back, as the AD tools' "unexpire" does: AD sets pwdLastSet to now, as a
		// password change does, but unicodePwd's replication metadata shows no new password: no user.passwordChanged.
		await admin.modify(renamedDn, [replace('pwdLastSet', '-1')]);
		const lifted = await poll();
		expect(lifted.map((event) => [event.type, event.changes])).toEqual([
			['user.updated', [{ attribute: 'passwordResetRequired', before: 'true', after: 'false' }]],
		]);
		expect(lifted[0].user?.status).toMatchObject({ passwordResetRequired: false });

		// -1 again, no reset required: pwdLastSet moves to now once more, and nothing the events describe changed.
		await new Promise((resolve) => setTimeout(resolve, 1100));
		await admin.modify(renamedDn, [replace('pwdLastSet', '-1')]);
		const unexpiredSecond = Math.floor(Date.now() / 1000);
		expect(typesOf(await poll())).toEqual([]);

		// Password stamps are compared by the second (README, Guarantees): a second change in the very second of
		// the one seen before is not told apart. On a fast machine the change below came in that second (a CI run).
		await new Promise((resolve) => setTimeout(resolve, Math.max(0, (unexpiredSecond + 1) * 1000 + 50 - Date.now())));
		await changeOwnPassword(renamedDn, firstPassword, `Second-${tag}-pass-2!`);
		expect(typesOf(await poll())).toEqual(['user.passwordChanged']);

		// An administrator's reset that the user must change, then a new password without that requirement (AD refuses
		// the user's own LDAP bind while it stands): a password set, which clears it.
		await new Promise((resolve) => setTimeout(resolve, 1100));
		await admin.modify(renamedDn, [
			replace('unicodePwd', unicodePwd(`Third-${tag}-pass-3!`)),
			replace('pwdLastSet', '0'),
		]);
		expect(typesOf(await poll())).toEqual(['user.passwordResetRequired']);
		await new Promise((resolve) => setTimeout(resolve, 1100));
		await admin.modify(renamedDn, [replace('unicodePwd', unicodePwd(`Fourth-${tag}-pass-4!`))]);
		const changed = await poll();
		expect(changed.map((event) => [event.type, event.changes])).toEqual([
			['user.passwordChanged', [{ attribute: 'passwordResetRequired', before: 'true', after: 'false' }]],
		]);
	});

	it('group created with a member, member added and removed, group deleted', async () => {
		const dn = groupDn(groupName);
		await admin.add(
			dn,
			attributes({ objectClass: ['top', 'group'], sAMAccountName: groupName.replace(' ', '-'), member: renamedDn }),
		);
		const created = await poll();
		expect(typesOf(created)).toEqual(['group.created', 'group.memberAdded']);
		expect(created.every((event) => event.group?.privileged === true)).toBe(true);
		expect(created.find((event) => event.type === 'group.created')?.group).toMatchObject({ dn, name: groupName });
		expect(created.find((event) => event.type === 'group.memberAdded')?.user).toMatchObject({ dn: renamedDn, login });

		const member = personDn(personOf('heidi'));
		await admin.modify(dn, [memberChange('add', member)]);
		const added = await poll();
		expect(typesOf(added)).toEqual(['group.memberAdded']);
		expect(added[0].user).toMatchObject({ dn: member, login: 'heidi' });

		await admin.modify(dn, [memberChange('delete', member)]);
		const removed = await poll();
		expect(typesOf(removed)).toEqual(['group.memberRemoved']);
		expect(removed[0].user).toMatchObject({ id: added[0].user?.id, dn: member });

		await admin.del(dn);
		const deleted = await poll();
		expect(typesOf(deleted)).toEqual(['group.deleted']);
		expect(deleted[0].group).toMatchObject({ id: created[0].group?.id, dn, name: groupName });
		// A group's sAMAccountName is no login.
		expect(deleted[0].group).not.toHaveProperty('login');
	});

	it('a nested group added to and removed from a group: once each, named as memberGroup', async () => {
		const parent = `Parent ${tag}`;
		const nested = `Nested ${tag}`;
		await admin.add(groupDn(nested), attributes({ objectClass: ['top', 'group'], sAMAccountName: `nested-${tag}` }));
		await admin.add(groupDn(parent), attributes({ objectClass: ['top', 'group'], sAMAccountName: `parent-${tag}` }));
		expect(typesOf(await poll())).toEqual(['group.created', 'group.created']);

		await admin.modify(groupDn(parent), [memberChange('add', groupDn(nested))]);
		const added = await poll();
		expect(typesOf(added)).toEqual(['group.memberAdded']);
		expect(added[0].group).toMatchObject({ dn: groupDn(parent), name: parent });
		expect(added[0].memberGroup).toMatchObject({ dn: groupDn(nested), name: nested });
		expect(added[0].user).toBeUndefined();

		await admin.modify(groupDn(parent), [memberChange('delete', groupDn(nested))]);
		const removed = await poll();
		expect(typesOf(removed)).toEqual(['group.memberRemoved']);
		expect(removed[0].memberGroup).toMatchObject({ id: added[0].memberGroup?.id, dn: groupDn(nested) });
		expect(await poll()).toEqual([]);
		await admin.del(groupDn(parent));
		await admin.del(groupDn(nested));
		expect(typesOf(await poll())).toEqual(['group.deleted', 'group.deleted']);
	});

	it('user deleted: seen in its tombstone, with the DN and login it had', async () => {
		const [entry] = (
			await admin.search(renamedDn, {
				scope: 'base',
				attributes: ['objectGUID'],
				explicitBufferAttributes: ['objectGUID'],
			})
		).searchEntries;
		expect(entry).toBeDefined();
		// A member of a group: AD drops the link from the group without moving the group's uSNChanged.
		const team = `Team ${tag}`;
		await admin.add(
			groupDn(team),
			attributes({ objectClass: ['top', 'group'], sAMAccountName: `team-${tag}`, member: renamedDn }),
		);
		expect(typesOf(await poll())).toEqual(['group.created', 'group.memberAdded']);
		await admin.del(renamedDn);
		const deleted = await poll();
		// The person leaves the group in the poll that reports the deletion, named as the deletion names them.
		expect(typesOf(deleted).sort()).toEqual(['group.memberRemoved', 'user.deleted']);
		const deletion = deleted.find((event) => event.type === 'user.deleted');
		expect(deletion?.user).toMatchObject({ dn: renamedDn, login });
		const removal = deleted.find((event) => event.type === 'group.memberRemoved');
		expect(removal?.group).toMatchObject({ dn: groupDn(team), name: team });
		expect(removal?.user).toEqual(deletion?.user);
		expect(await poll()).toEqual([]);
		await admin.del(groupDn(team));
		expect(typesOf(await poll())).toEqual(['group.deleted']);
	});

	it('a user and a group deleted before a reconciliation poll: still named from their tombstones', async () => {
		const dn = `CN=Reconciled ${tag},${PEOPLE_DN}`;
		const group = `Reconciled ${tag}`;
		await admin.add(
			dn,
			attributes({
				objectClass: ['top', 'person', 'organizationalPerson', 'user'],
				sAMAccountName: `rec${tag.toLowerCase()}`,
				userAccountControl: '544',
			}),
		);
		await admin.add(groupDn(group), attributes({ objectClass: ['top', 'group'], sAMAccountName: `rec-group-${tag}` }));
		expect(typesOf(await poll())).toEqual(['group.created', 'user.created']);
		await admin.del(dn);
		await admin.del(groupDn(group));
		const reconciling = await sambaStrategy(name, session, { privilegedGroups: [groupName] }, { reconcileEvery: 1 });
		const result = await reconciling.poll(state);
		state = result.nextCursor;
		expect(typesOf(result.events)).toEqual(['group.deleted', 'user.deleted']);
		const deletedUser = result.events.find((event) => event.type === 'user.deleted') as DirectoryEvent;
		expect(deletedUser.user).toMatchObject({ dn, login: `rec${tag.toLowerCase()}` });
		expect(deletedUser.occurredAt).toMatch(/^\d{4}-\d\d-\d\dT/);
		expect(result.events.find((event) => event.type === 'group.deleted')?.group).toMatchObject({
			dn: groupDn(group),
			name: group,
		});
		expect(await poll()).toEqual([]);
	});

	it('a Samba restart between polls loses nothing', async () => {
		const someone = personDn(personOf('erin'));
		await admin.modify(someone, [replace('l', `Restart City ${tag}`)]);
		await session.close();
		await admin.unbind();
		await samba.restart();
		admin = await samba.adminClient();
		session = await LdapSession.open(sambaConnection(samba));
		strategy = await build();
		const events = await poll();
		expect(typesOf(events)).toEqual(['user.updated']);
		// AD keeps no log naming the attribute: when the changed field's 2-bit hash in the snapshot collides (1 in 4),
		// every field is listed as an uncertain candidate. Either way the change is there, with its new value.
		expect(events[0].changes).toEqual(
			expect.arrayContaining([expect.objectContaining({ attribute: 'l', after: `Restart City ${tag}` })]),
		);
		expect(await poll()).toEqual([]);
	});
});

describe('the trigger node on a real Samba AD DC (Auto, the credential as a user fills it in)', () => {
	const staticData: IDataObject = {};
	const trigger = new OpenTextDirectoryServicesTrigger();
	const parameters: IDataObject = {
		source: 'ldap',
		strategy: 'auto',
		events: [],
		options: { userBaseDN: PEOPLE_DN, additionalAttributes: 'objectSid' },
	};

	async function pollNode(mode: 'trigger' | 'manual'): Promise<IDataObject[] | null> {
		return pollTrigger(trigger, {
			mode: mode,
			parameters: parameters,
			staticData,
			credentials: async () => ldapCredentialData(samba),
		});
	}

	it('activation chooses the AD USN strategy and emits nothing; a change comes out once, its SID readable', async () => {
		expect(await pollNode('trigger')).toBeNull();
		expect(staticData.changeState).toMatchObject({ strategy: 'adUsn' });
		const dn = personDn(personOf('alice'));
		await admin.modify(dn, [replace('title', 'Node Watched')]);
		const fetched = await pollNode('manual');
		expect(fetched?.map((event) => [event.type, (event.user as IDataObject).dn])).toEqual([['user.updated', dn]]);
		const polled = await pollNode('trigger');
		expect(polled?.map((event) => event.id)).toEqual(fetched?.map((event) => event.id));
		expect((polled?.[0].source as IDataObject).strategy).toBe('adUsn');
		expect(((polled?.[0].user as IDataObject).attributes as IDataObject).objectSid).toMatch(
			/^S-1-5-21-\d+-\d+-\d+-\d+$/,
		);
		expect(await pollNode('trigger')).toBeNull();
	});
});

describe('the tombstone lifetime, as the forest states it', () => {
	it('a poll after longer than the lifetime reconciles and says why (directory.resync); a shorter gap does not', async () => {
		const [service] = (
			await admin.search(`CN=Directory Service,CN=Windows NT,CN=Services,CN=Configuration,${NORTHWIND_DN}`, {
				scope: 'base',
				attributes: ['tombstoneLifetime'],
			})
		).searchEntries;
		// Samba's provisioning states it, as Windows forests since Server 2003 SP1 do.
		expect(service?.tombstoneLifetime).toMatch(/^\d+$/);
		const days = Number(service.tombstoneLifetime);
		const session = await LdapSession.open(sambaConnection(samba));
		try {
			const state = (await (await sambaStrategy('adUsn', session)).poll(undefined)).nextCursor;
			const later = (offsetDays: number) =>
				sambaStrategy('adUsn', session, {}, { now: () => new Date(Date.now() + offsetDays * 86_400_000) });
			// Past AD's 2-day minimum, so the lifetime is read from the configuration partition.
			expect((await (await later(days - 1)).poll(state)).events).toEqual([]);
			const resync = (await (await later(days + 1)).poll(state)).events;
			expect(resync.map((event) => event.type)).toEqual(['directory.resync']);
			expect(JSON.stringify(resync[0])).toContain(`tombstone lifetime (${days} days)`);
		} finally {
			await session.close();
		}
	});
});

describe('a Samba killed in the middle of a poll', () => {
	it('the poll fails, emits nothing and moves nothing; the next poll catches up', async () => {
		// Plain LDAP through the relay (the relay must see the messages); the scenario above runs over LDAPS.
		const open = () =>
			LdapSession.open(
				sambaConnection(samba, { serverUrls: relay.url, connectionSecurity: 'none', allowSelfSigned: false }),
			);
		let session = await open();
		let strategy = await sambaStrategy('adUsn', session);
		let state = (await strategy.poll(undefined)).nextCursor;
		const someone = personDn(personOf('dave'));
		await admin.modify(someone, [replace('title', 'Crash Survivor')]);
		const kept = state;
		// Once Samba has answered the poll's first message, it is SIGKILLed (and gone) before the client sees more.
		const cut = relay.cutAfterServerMessages(1, async () => {
			samba.kill();
			while (samba.running) await new Promise((resolve) => setTimeout(resolve, 10));
		});
		const attempt = expect(strategy.poll(state)).rejects.toThrow(RequestError);
		await cut;
		await attempt;
		expect(state).toBe(kept);
		await session.close();
		await admin.unbind().catch(() => undefined);
		await samba.restart();
		admin = await samba.adminClient();
		session = await open();
		try {
			strategy = await sambaStrategy('adUsn', session);
			const result = await strategy.poll(state);
			state = result.nextCursor;
			expect(typesOf(result.events)).toEqual(['user.updated']);
			expect(result.events[0].changes).toEqual([{ attribute: 'title', after: 'Crash Survivor' }]);
			expect((await strategy.poll(state)).events).toEqual([]);
		} finally {
			await session.close();
		}
	});
});
