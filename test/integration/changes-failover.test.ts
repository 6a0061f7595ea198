import type { DirectoryEvent } from '../../core/changes/events';
import type { ChangeState } from '../../core/changes/state';
import type { ChangeStrategy } from '../../core/changes/strategy';
import { LdapSession } from '../../transport/ldap/session';
import { attrLine } from '../../devkit/fixture';
import { startLdapRelay, type LdapRelay } from '../../devkit/ldap-relay';
import { startSlapd, type Slapd } from '../../devkit/slapd';
import { adminConnection, slapdStrategy, type SlapdStrategyName } from '../support/slapd-strategies';
import { corruptStates } from '../support/corrupt-states';

/**
 * What a poll does with a stored state it did not expect, on a real slapd: a fail-over to the second
 * server of the credential's list (here a relay in front of the same slapd, so the URL differs) keeps the
 * state and catches up; a changed scope, an unreadable or older state start over and say so. None of them
 * may lose a change silently or flood the workflow with "created" events.
 */
let slapd: Slapd;
let secondServer: LdapRelay;

beforeAll(async () => {
	slapd = await startSlapd({ users: 120, otds: false });
	secondServer = await startLdapRelay(slapd.url);
});

afterAll(async () => {
	await secondServer?.close();
	await slapd?.stop();
});

type StrategyName = SlapdStrategyName;

function withStrategy<T>(
	name: StrategyName,
	serverUrls: string,
	work: (strategy: ChangeStrategy) => Promise<T>,
	userFilter?: string,
): Promise<T> {
	return LdapSession.use(adminConnection(slapd, serverUrls), (session) =>
		work(slapdStrategy(name, slapd, session, { userFilter })),
	);
}

const typesOf = (events: DirectoryEvent[]) => events.map((event) => event.type).sort();

async function retitle(index: number, title: string): Promise<string> {
	const dn = slapd.layout.userDN(slapd.fixture.users[index].uid);
	await slapd.ldapmodify(`${attrLine('dn', dn)}changetype: modify\nreplace: title\ntitle: ${title}\n`);
	return dn;
}

describe.each<StrategyName>(['accesslog', 'timestamp', 'snapshot'])('%s strategy', (name) => {
	let state: ChangeState;

	beforeAll(async () => {
		state = await withStrategy(name, slapd.url, async (strategy) => (await strategy.poll(undefined)).nextCursor);
	});

	it('after a fail-over to another server of the list, the first poll catches up (reconciling where a log position was kept)', async () => {
		const dn = await retitle(10, `Failover ${name}`);
		// The first server no longer answers; the credential's list goes on to the second.
		const deadServer = 'ldap://127.0.0.1:1';
		const result = await withStrategy(name, `${deadServer},${secondServer.url}`, (strategy) => strategy.poll(state));
		const updates = result.events.filter((event) => event.type === 'user.updated');
		expect(updates.map((event) => event.user?.dn)).toEqual([dn]);
		expect(updates[0].user?.title).toBe(`Failover ${name}`);
		const resync = result.events.filter((event) => event.type === 'directory.resync');
		if (name === 'snapshot') {
			expect(resync).toEqual([]);
		} else {
			expect(resync).toHaveLength(1);
			expect(resync[0].summary?.reason).toContain(secondServer.url);
		}
		expect(result.nextCursor.server).toBe(secondServer.url);
		state = result.nextCursor;
		// Back on the first server: nothing new, nothing emitted twice.
		const back = await withStrategy(name, slapd.url, (strategy) => strategy.poll(state));
		expect(back.events.filter((event) => event.type !== 'directory.resync')).toEqual([]);
		state = back.nextCursor;
	});

	it('a changed scope starts over: one directory.resync saying why, no "created" flood', async () => {
		await retitle(11, `Scope ${name}`);
		const narrowed = await withStrategy(name, slapd.url, (strategy) => strategy.poll(state), '(title=*)');
		expect(typesOf(narrowed.events)).toEqual(['directory.resync']);
		expect(narrowed.events[0].summary?.reason).toMatch(/watched scope changed.*started over/);
		// The new scope's state is in use from now on.
		const next = await withStrategy(name, slapd.url, (strategy) => strategy.poll(narrowed.nextCursor), '(title=*)');
		expect(next.events).toEqual([]);
	});

	it('an unreadable state or one of another version starts over and says so', async () => {
		const broken = { ...state, snapshot: { users: 42 } } as unknown as ChangeState;
		const fromBroken = await withStrategy(name, slapd.url, (strategy) => strategy.poll(broken));
		expect(typesOf(fromBroken.events)).toEqual(['directory.resync']);
		expect(fromBroken.events[0].summary?.reason).toMatch(/unreadable/);
		const older = { ...state, version: 1 } as unknown as ChangeState;
		const fromOlder = await withStrategy(name, slapd.url, (strategy) => strategy.poll(older));
		expect(typesOf(fromOlder.events)).toEqual(['directory.resync']);
		expect(fromOlder.events[0].summary?.reason).toMatch(/another version/);
		// A state of version 2 (fixed 28-byte records, their key heads apart), as the last release stored it.
		const version2 = {
			...state,
			version: 2,
			snapshot: { users: '#'.repeat(35), userKeyHeads: 'aAA==', groups: [] },
		} as unknown as ChangeState;
		const fromVersion2 = await withStrategy(name, slapd.url, (strategy) => strategy.poll(version2));
		expect(typesOf(fromVersion2.events)).toEqual(['directory.resync']);
		expect(fromVersion2.events[0].summary?.reason).toMatch(/another version of this node \(2\)/);
		// The first activation itself stays silent.
		const first = await withStrategy(name, slapd.url, (strategy) => strategy.poll(undefined));
		expect(first.events).toEqual([]);
	});

	it('any corrupt part of the stored state gives one directory.resync and a fresh start, never an error', async () => {
		for (const [what, corrupt] of corruptStates(state)) {
			const restarted = await withStrategy(name, slapd.url, (strategy) => strategy.poll(corrupt)).catch(
				(error: unknown) => {
					throw new Error(`${what}: ${String(error)}`);
				},
			);
			expect([what, typesOf(restarted.events)]).toEqual([what, ['directory.resync']]);
			const next = await withStrategy(name, slapd.url, (strategy) => strategy.poll(restarted.nextCursor));
			expect([what, next.events]).toEqual([what, []]);
		}
	});
});
