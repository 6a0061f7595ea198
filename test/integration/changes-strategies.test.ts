import { Client } from 'ldapts';
import type { DirectoryEvent } from '../../core/changes/events';
import { RequestError } from '../../core/errors';
import type { LdapStrategyOptions } from '../../core/changes/ldap/strategies';
import type { ChangeState } from '../../core/changes/state';
import { decodeSnapshot } from '../../core/changes/snapshot/snapshot';
import type { ChangeStrategy } from '../../core/changes/strategy';
import { LdapSession } from '../../transport/ldap/session';
import { attrLine, passwordOf } from '../../devkit/fixture';
import { startLdapRelay, type LdapRelay } from '../../devkit/ldap-relay';
import { startSlapd, type Slapd } from '../../devkit/slapd';
import { adminConnection, slapdStrategy, type SlapdStrategyName } from '../support/slapd-strategies';

/**
 * One scripted scenario per strategy against a real slapd (ppolicy, memberof, accesslog): every kind
 * of change, each expected exactly once, then a restart between polls and a slapd killed in the middle of a poll.
 */
let slapd: Slapd;
/** Every session goes through it, so that a test can cut the server off at an exact message of a poll. */
let relay: LdapRelay;

beforeAll(async () => {
	slapd = await startSlapd({ users: 200, otds: false });
	relay = await startLdapRelay(slapd.url);
});

afterAll(async () => {
	await relay?.close();
	await slapd?.stop();
});

type StrategyName = SlapdStrategyName;

function openSession(): Promise<LdapSession> {
	return LdapSession.open(adminConnection(slapd, relay.url));
}

function strategyFor(
	name: StrategyName,
	session: LdapSession,
	tag: string,
	options: LdapStrategyOptions = {},
): ChangeStrategy {
	return slapdStrategy(name, slapd, session, { privilegedGroups: [`Admins ${tag}`] }, options);
}

async function failedBind(dn: string): Promise<void> {
	const client = new Client({ url: slapd.url });
	await client.bind(dn, 'not-the-password').catch(() => undefined);
	await client.unbind().catch(() => undefined);
}

const typesOf = (events: DirectoryEvent[]) => events.map((event) => event.type).sort();

describe.each<StrategyName>(['accesslog', 'timestamp', 'snapshot'])('%s strategy on a real slapd', (name) => {
	let session: LdapSession;
	let strategy: ChangeStrategy;
	let state: ChangeState | undefined;
	const tag = `${name}`;
	const uid = `chg-${tag}`;
	const renamedUid = `chg-${tag}-renamed`;
	const userDn = () => slapd.layout.userDN(uid);
	const renamedDn = () => slapd.layout.userDN(renamedUid);
	const groupName = `Admins ${tag}`;
	const fixtureMember = () => slapd.fixture.users[150];
	const allIds = new Set<string>();

	/** One poll; its state is kept only when it succeeded (as the trigger does). */
	async function poll(with_: ChangeStrategy = strategy): Promise<DirectoryEvent[]> {
		const result = await with_.poll(state);
		state = result.nextCursor;
		for (const event of result.events) {
			expect(allIds.has(event.id)).toBe(false);
			allIds.add(event.id);
			expect(event.source.strategy).toBe(name);
		}
		return result.events;
	}

	/** Deletes are seen by reconciliation only in the timestamp strategy: that poll reconciles. */
	const reconcilingPoll = () =>
		poll(name === 'timestamp' ? strategyFor(name, session, tag, { reconcileEvery: 1 }) : strategy);

	beforeAll(async () => {
		session = await openSession();
		strategy = strategyFor(name, session, tag);
	});

	afterAll(async () => {
		await session?.close();
	});

	it('records the starting point on first activation and emits nothing', async () => {
		expect(await poll()).toEqual([]);
		// Every user is in the snapshot; earlier scenarios on this server may have left a user or two.
		expect(decodeSnapshot(state!.snapshot).users.baseCount).toBeGreaterThanOrEqual(200);
		expect(await poll()).toEqual([]);
	});

	it('user created, updated (with before/after), renamed', async () => {
		await slapd.ldapmodify(
			`${attrLine('dn', userDn())}changetype: add\nobjectClass: inetOrgPerson\n${attrLine('uid', uid)}cn: Change Probe\nsn: Probe\ntitle: Analyst\nmail: ${uid}@example.com\nuserPassword: ${passwordOf(uid)}\n`,
		);
		const created = await poll();
		expect(typesOf(created)).toEqual(['user.created']);
		expect(created[0].user).toMatchObject({ dn: userDn(), login: uid, mail: `${uid}@example.com` });
		expect(created[0].occurredAt).toMatch(/^\d{4}-\d\d-\d\dT/);

		await slapd.ldapmodify(`${attrLine('dn', userDn())}changetype: modify\nreplace: title\ntitle: Manager\n`);
		const updated = await poll();
		expect(typesOf(updated)).toEqual(['user.updated']);
		// The accesslog knows the earlier value (logold); hashes-only strategies leave `before` out.
		expect(updated[0].changes).toEqual([
			name === 'accesslog'
				? { attribute: 'title', before: 'Analyst', after: 'Manager' }
				: { attribute: 'title', after: 'Manager' },
		]);
		if (name === 'accesslog') expect(updated[0].actor).toEqual({ dn: slapd.adminDN });

		await slapd.ldapmodify(
			`${attrLine('dn', userDn())}changetype: modrdn\n${attrLine('newrdn', `uid=${renamedUid}`)}deleteoldrdn: 1\n`,
		);
		const renamed = await poll();
		// The RDN value is the login: its change is part of the rename, reported once, with it.
		expect(typesOf(renamed)).toEqual(['user.renamed']);
		const rename = renamed[0];
		expect(rename.user?.id).toBe(created[0].user?.id);
		expect(rename.changes).toEqual(
			name === 'accesslog'
				? [
						{ attribute: 'dn', before: userDn(), after: renamedDn() },
						{ attribute: 'uid', before: uid, after: renamedUid },
					]
				: [
						{ attribute: 'dn', after: renamedDn() },
						{ attribute: 'uid', after: renamedUid },
					],
		);
	});

	it('disabled, enabled, locked by failed binds, unlocked', async () => {
		await slapd.ldapmodify(
			`${attrLine('dn', renamedDn())}changetype: modify\nreplace: pwdAccountLockedTime\npwdAccountLockedTime: 000001010000Z\n`,
		);
		const disabled = await poll();
		expect(typesOf(disabled)).toEqual(['user.disabled']);
		// Every strategy knows the earlier status: the snapshot keeps the flags.
		expect(disabled[0].changes).toEqual([{ attribute: 'disabled', before: 'false', after: 'true' }]);
		await slapd.ldapmodify(`${attrLine('dn', renamedDn())}changetype: modify\ndelete: pwdAccountLockedTime\n`);
		expect(typesOf(await poll())).toEqual(['user.enabled']);
		for (let attempt = 0; attempt < 3; attempt++) await failedBind(renamedDn());
		const locked = await poll();
		expect(typesOf(locked)).toEqual(['user.locked']);
		expect(locked[0].user?.status).toEqual({ disabled: false, locked: true, passwordResetRequired: false });
		await slapd.ldapmodify(`${attrLine('dn', renamedDn())}changetype: modify\ndelete: pwdAccountLockedTime\n`);
		expect(typesOf(await poll())).toEqual(['user.unlocked']);
	});

	it('administrator reset (pwdReset), then the user changes the password', async () => {
		await slapd.ldapmodify(
			`${attrLine('dn', renamedDn())}changetype: modify\nreplace: userPassword\nuserPassword: Reset-by-admin-1!\n`,
		);
		const reset = await poll();
		expect(typesOf(reset)).toEqual(['user.passwordResetRequired']);
		await slapd.ldapmodify(
			`${attrLine('dn', renamedDn())}changetype: modify\nreplace: userPassword\nuserPassword: Chosen-by-user-2!\n`,
			{
				dn: renamedDn(),
				password: 'Reset-by-admin-1!',
			},
		);
		const changed = await poll();
		expect(typesOf(changed)).toEqual(['user.passwordChanged']);
		if (name === 'accesslog') expect(changed[0].actor).toEqual({ dn: renamedDn() });
	});

	it('group created with a member, member added and removed, group deleted', async () => {
		const groupDn = slapd.layout.groupDN(groupName);
		await slapd.ldapmodify(
			`${attrLine('dn', groupDn)}changetype: add\nobjectClass: groupOfNames\n${attrLine('cn', groupName)}${attrLine('member', renamedDn())}`,
		);
		const created = await poll();
		expect(typesOf(created)).toEqual(['group.created', 'group.memberAdded']);
		expect(created.every((event) => event.group?.privileged === true)).toBe(true);
		expect(created.find((event) => event.type === 'group.memberAdded')?.user).toMatchObject({
			dn: renamedDn(),
			login: renamedUid,
		});

		const member = slapd.layout.userDN(fixtureMember().uid);
		await slapd.ldapmodify(`${attrLine('dn', groupDn)}changetype: modify\nadd: member\n${attrLine('member', member)}`);
		const added = await poll();
		expect(typesOf(added)).toEqual(['group.memberAdded']);
		expect(added[0].user).toMatchObject({ dn: member, login: fixtureMember().uid });
		const memberId = added[0].user?.id;

		await slapd.ldapmodify(
			`${attrLine('dn', groupDn)}changetype: modify\ndelete: member\n${attrLine('member', member)}`,
		);
		const removed = await poll();
		expect(typesOf(removed)).toEqual(['group.memberRemoved']);
		expect(removed[0].user).toMatchObject({ id: memberId, dn: member });
		expect(removed[0].changes).toEqual([{ attribute: 'member', before: member, after: null }]);

		await slapd.ldapmodify(`${attrLine('dn', groupDn)}changetype: delete\n`);
		const deleted = await reconcilingPoll();
		expect(typesOf(deleted)).toEqual(['group.deleted']);
		expect(deleted[0].group?.id).toBe(created[0].group?.id);
	});

	it('user deleted', async () => {
		const before = await openSession();
		const id = (await before.search(renamedDn(), { scope: 'base', attributes: ['entryUUID'] }))[0].entryUUID;
		await before.close();
		await slapd.ldapmodify(`${attrLine('dn', renamedDn())}changetype: delete\n`);
		const deleted = await reconcilingPoll();
		expect(typesOf(deleted)).toEqual(['user.deleted']);
		expect(deleted[0].user?.id).toBe(id);
		if (name === 'accesslog') expect(deleted[0].user?.dn).toBe(renamedDn());
	});

	it('a nested group added to and removed from a group: once each, the sub-group named by DN as memberGroup', async () => {
		const parentName = `Parent ${tag}`;
		const subName = `Nested ${tag}`;
		const parentDn = slapd.layout.groupDN(parentName);
		const subDn = slapd.layout.groupDN(subName);
		const memberOf = (index: number) => slapd.layout.userDN(slapd.fixture.users[index].uid);
		await slapd.ldapmodify(
			`${attrLine('dn', subDn)}changetype: add\nobjectClass: groupOfNames\n${attrLine('cn', subName)}${attrLine('member', memberOf(160))}`,
		);
		await slapd.ldapmodify(
			`${attrLine('dn', parentDn)}changetype: add\nobjectClass: groupOfNames\n${attrLine('cn', parentName)}${attrLine('member', memberOf(161))}`,
		);
		expect(typesOf(await poll())).toEqual(['group.created', 'group.created', 'group.memberAdded', 'group.memberAdded']);

		await slapd.ldapmodify(`${attrLine('dn', parentDn)}changetype: modify\nadd: member\n${attrLine('member', subDn)}`);
		const added = await poll();
		expect(typesOf(added)).toEqual(['group.memberAdded']);
		expect(added[0].group).toMatchObject({ dn: parentDn, name: parentName });
		expect(added[0].memberGroup).toMatchObject({ dn: subDn, name: subName });
		expect(added[0].user).toBeUndefined();
		const subId = added[0].memberGroup?.id;
		expect(subId).toMatch(/^[0-9a-f-]{36}$/);

		await slapd.ldapmodify(
			`${attrLine('dn', parentDn)}changetype: modify\ndelete: member\n${attrLine('member', subDn)}`,
		);
		const removed = await poll();
		expect(typesOf(removed)).toEqual(['group.memberRemoved']);
		expect(removed[0].memberGroup).toEqual({ id: subId, dn: subDn, name: subName });
		expect(removed[0].user).toBeUndefined();
		expect(removed[0].changes).toEqual([{ attribute: 'member', before: subDn, after: null }]);
		expect(await poll()).toEqual([]);

		await slapd.ldapmodify(
			`${attrLine('dn', parentDn)}changetype: delete\n\n${attrLine('dn', subDn)}changetype: delete\n`,
		);
		expect(typesOf(await reconcilingPoll())).toEqual(['group.deleted', 'group.deleted']);
	});

	it('a restart between polls loses nothing', async () => {
		const someone = slapd.layout.userDN(slapd.fixture.users[120].uid);
		await slapd.ldapmodify(`${attrLine('dn', someone)}changetype: modify\nreplace: l\nl: Restart City ${tag}\n`);
		await session.close();
		await slapd.restart();
		session = await openSession();
		strategy = strategyFor(name, session, tag);
		const events = await poll();
		expect(typesOf(events)).toEqual(['user.updated']);
		// Named, or among the candidates when its field hash collided (one change in 4 without a log).
		expect(events[0].changes).toContainEqual(expect.objectContaining({ attribute: 'l', after: `Restart City ${tag}` }));
	});

	it('a slapd killed in the middle of a poll: the poll fails, emits nothing and moves nothing; the next poll catches up', async () => {
		const someone = slapd.layout.userDN(slapd.fixture.users[121].uid);
		await slapd.ldapmodify(
			`${attrLine('dn', someone)}changetype: modify\nreplace: title\ntitle: Crash Survivor ${tag}\n`,
		);
		const kept = state;
		// Once slapd has answered the poll's first message, it is SIGKILLed (and gone) before the client
		// sees anything more: the poll has started reading and cannot have finished.
		const cut = relay.cutAfterServerMessages(1, async () => {
			slapd.kill();
			while (slapd.running) await new Promise((resolve) => setTimeout(resolve, 10));
		});
		const attempt = expect(strategy.poll(state)).rejects.toThrow(RequestError);
		await cut;
		await attempt;
		expect(state).toBe(kept);
		await session.close();
		await slapd.restart();
		session = await openSession();
		strategy = strategyFor(name, session, tag);
		const events = await poll();
		expect(typesOf(events)).toEqual(['user.updated']);
		expect(events[0].changes).toContainEqual(
			expect.objectContaining({ attribute: 'title', after: `Crash Survivor ${tag}` }),
		);
		expect(await poll()).toEqual([]);
	});
});
