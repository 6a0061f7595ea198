import { AccesslogStrategy, type AccesslogStrategyOptions } from '../../core/changes/ldap/accesslog';
import type { LdapChangeReader } from '../../core/changes/ldap/reader';
import type { PollResult, ChangeState } from '../../core/changes/state';
import { LdapSession } from '../../transport/ldap/session';
import { attrLine, passwordOf } from '../../devkit/fixture';
import type { Slapd } from '../../devkit/slapd';
import { slapdReader, startSlapdWithSession, stopSlapdWithSession } from '../support/slapd-strategies';

/**
 * The accesslog strategy reads the entries changed since its cursor beside the log (read-ahead) instead of
 * after it by the ids the log names. Against a real slapd (accesslog with logold, memberof): a poll that
 * reads ahead returns exactly what the same poll reading by id returns, for every kind of change, and it
 * falls back to reading by id for what the read-ahead does not hold (a deleted entry, a backlog past its
 * limit, a read-ahead that failed or was slow).
 */
let slapd: Slapd;
let session: LdapSession;

beforeAll(async () => ({ slapd, session } = await startSlapdWithSession({ users: 60, otds: false })));
afterAll(() => stopSlapdWithSession(slapd, session));

const clock = () => new Date('2026-12-06T12:00:00.000Z');

function strategy(options: AccesslogStrategyOptions = {}): { strategy: AccesslogStrategy; reader: LdapChangeReader } {
	const reader = slapdReader(slapd, session, { privilegedGroups: ['Read Ahead Admins'] });
	return {
		strategy: new AccesslogStrategy(reader, session.server, { reconcileEvery: 0, now: clock, ...options }),
		reader,
	};
}

/** The same poll from the same state with and without read-ahead; both results, and the by-id reads each made. */
async function bothWays(
	state: ChangeState,
	options: AccesslogStrategyOptions = {},
): Promise<{ ahead: PollResult; byId: PollResult; idsReadAhead: string[][]; idsReadById: string[][] }> {
	const withAhead = strategy(options);
	const idsReadAhead: string[][] = [];
	const readAheadIds = withAhead.reader.entriesByIds.bind(withAhead.reader);
	withAhead.reader.entriesByIds = (ids) => {
		idsReadAhead.push([...ids]);
		return readAheadIds(ids);
	};
	const withoutAhead = strategy({ ...options, readAhead: false });
	const idsReadById: string[][] = [];
	const readByIds = withoutAhead.reader.entriesByIds.bind(withoutAhead.reader);
	withoutAhead.reader.entriesByIds = (ids) => {
		idsReadById.push([...ids]);
		return readByIds(ids);
	};
	const ahead = await withAhead.strategy.poll(state);
	const byId = await withoutAhead.strategy.poll(state);
	return { ahead, byId, idsReadAhead, idsReadById };
}

/**
 * A poll's result with its events in id order: reading ahead lists the entries in the log's order, reading by
 * id in the server's; which comes first among one poll's events is not part of what a poll promises.
 */
function normalized(result: PollResult): PollResult {
	const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
	return {
		...result,
		events: [...result.events].sort((a, b) => byId(a.id, b.id)),
		nextCursor: { ...result.nextCursor, recentIds: [...result.nextCursor.recentIds].sort(byId) },
	};
}

async function startState(): Promise<ChangeState> {
	return (await strategy().strategy.poll(undefined)).nextCursor;
}

const user = (index: number) => slapd.fixture.users[index];

/** Records where each read-ahead of `reader` started and how many entries it brought. */
function spyReadAhead(reader: LdapChangeReader, delayMs = 0): Array<{ since: string; entries: number }> {
	const reads: Array<{ since: string; entries: number }> = [];
	const readAhead = reader.changedSinceAtMost.bind(reader);
	reader.changedSinceAtMost = async (since, limit) => {
		const observations = await readAhead(since, limit);
		if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
		reads.push({ since, entries: observations.users.size + observations.groups.size });
		return observations;
	};
	return reads;
}

// First: the log is still empty (the fixture was loaded with slapadd, which writes no log records).
it('reads ahead, in the first poll after activation, from the newest stamp the activation read', async () => {
	const state = await startState();
	// A quiet log: the position is the start of the look-back hour, before every entry of the fixture.
	expect(state.cursorContext).toBe('unverified');
	expect(state.readAheadFrom).toBeDefined();
	expect(state.readAheadFrom).toBe(state.stampHighWater);
	await slapd.ldapmodify(
		`${attrLine('dn', slapd.layout.userDN(user(50).uid))}changetype: modify\nreplace: title\ntitle: First Poll\n`,
	);
	const first = strategy();
	const reads = spyReadAhead(first.reader);
	const polled = await first.strategy.poll(state);
	expect(polled.events.map((event) => event.type)).toEqual(['user.updated']);
	expect(reads.map((read) => read.since)).toEqual([state.readAheadFrom]);
	// The changed user, and at most the entry the activation read last (its stamp is the start, inclusive); from
	// the log position it was every entry of the fixture.
	expect(reads[0].entries).toBeGreaterThanOrEqual(1);
	expect(reads[0].entries).toBeLessThanOrEqual(2);
});

it('goes on reading ahead after a read-ahead that was slow for the many entries it brought', async () => {
	const state = await startState();
	// Every user of the fixture changed at once, as a bulk change does (before the tests below delete or rename any).
	await slapd.ldapmodify(
		slapd.fixture.users
			.map(
				(entry) => `${attrLine('dn', slapd.layout.userDN(entry.uid))}changetype: modify\nreplace: title\ntitle: Bulk\n`,
			)
			.join('\n'),
	);
	const bulk = strategy();
	// Past SLOW_READ_AHEAD_MS, and many times the log read; but under 2 ms for each of the entries it brought.
	const bulkReads = spyReadAhead(bulk.reader, 210);
	const first = await bulk.strategy.poll(state);
	expect(first.events.filter((event) => event.type === 'user.updated')).toHaveLength(slapd.fixture.users.length);
	expect(bulkReads).toHaveLength(1);
	expect(bulkReads[0].entries).toBeGreaterThanOrEqual(slapd.fixture.users.length);

	await slapd.ldapmodify(
		`${attrLine('dn', slapd.layout.userDN(user(33).uid))}changetype: modify\nreplace: title\ntitle: After The Bulk\n`,
	);
	const next = strategy();
	const nextReads = spyReadAhead(next.reader);
	const second = await next.strategy.poll(first.nextCursor);
	expect(second.events.map((event) => event.type)).toEqual(['user.updated']);
	expect(nextReads).toHaveLength(1);
});

it('reads every kind of change ahead of the log, with the same events and state as reading by id', async () => {
	const state = await startState();
	const newUid = 'read-ahead-new';
	const renamed = user(3);
	await slapd.ldapmodify(
		[
			`${attrLine('dn', slapd.layout.userDN(user(1).uid))}changetype: modify\nreplace: title\ntitle: Read Ahead\n`,
			`${attrLine('dn', slapd.layout.userDN(user(2).uid))}changetype: modify\nreplace: mail\nmail: moved@example.com\n`,
			`${attrLine('dn', slapd.layout.userDN(newUid))}changetype: add\nobjectClass: inetOrgPerson\n${attrLine('uid', newUid)}cn: Read Ahead\nsn: Ahead\nmail: ${newUid}@example.com\nuserPassword: ${passwordOf(newUid)}\n`,
			`${attrLine('dn', slapd.layout.userDN(renamed.uid))}changetype: modrdn\n${attrLine('newrdn', `uid=${renamed.uid}-moved`)}deleteoldrdn: 1\n`,
			`${attrLine('dn', `cn=Read Ahead Admins,${slapd.layout.groupsDN}`)}changetype: add\nobjectClass: groupOfNames\ncn: Read Ahead Admins\n${attrLine('member', slapd.layout.userDN(user(4).uid))}`,
		].join('\n'),
	);
	const { ahead, byId, idsReadAhead, idsReadById } = await bothWays(state);
	expect(ahead.events.map((event) => event.type).sort()).toEqual([
		'group.created',
		'group.memberAdded',
		'user.created',
		'user.renamed',
		'user.updated',
		'user.updated',
	]);
	expect(normalized(ahead)).toEqual(normalized(byId));
	// Every entry came with the log's read: no read by id after it.
	expect(idsReadAhead).toEqual([]);
	expect(idsReadById).toHaveLength(1);
	expect(idsReadById[0]).toHaveLength(5);
});

it('reads by id what the read-ahead cannot hold: a deleted entry', async () => {
	const state = await startState();
	await slapd.ldapmodify(
		[
			`${attrLine('dn', slapd.layout.userDN(user(10).uid))}changetype: delete\n`,
			`${attrLine('dn', slapd.layout.userDN(user(11).uid))}changetype: modify\nreplace: title\ntitle: Stays\n`,
		].join('\n'),
	);
	const { ahead, byId, idsReadAhead } = await bothWays(state);
	expect(ahead.events.map((event) => event.type)).toContain('user.deleted');
	expect(normalized(ahead)).toEqual(normalized(byId));
	// The deleted one, which no stamp search finds, is looked for by id; the one still there is not. (The
	// groups it left may come either way: refint removes it from them after the delete, maybe between the
	// two searches.)
	const deleted = ahead.events.find((event) => event.type === 'user.deleted')?.user?.id;
	const updated = ahead.events.find((event) => event.type === 'user.updated')?.user?.id;
	expect(idsReadAhead).toHaveLength(1);
	expect(idsReadAhead[0]).toContain(deleted);
	expect(idsReadAhead[0]).not.toContain(updated);
});

it('reads by id the changed entries a read-ahead cut short at its limit left out', async () => {
	const state = await startState();
	await slapd.ldapmodify(
		[20, 21, 22, 23, 24]
			.map(
				(index) =>
					`${attrLine('dn', slapd.layout.userDN(user(index).uid))}changetype: modify\nreplace: title\ntitle: Backlog\n`,
			)
			.join('\n'),
	);
	const { ahead, byId, idsReadAhead } = await bothWays(state, { readAheadLimit: 3 });
	expect(ahead.events).toHaveLength(5);
	expect(normalized(ahead)).toEqual(normalized(byId));
	// Three came with the read-ahead at most: two or more were read by id.
	expect(idsReadAhead).toHaveLength(1);
	expect(idsReadAhead[0].length).toBeGreaterThanOrEqual(2);
	expect(idsReadAhead[0].length).toBeLessThanOrEqual(5);
});

it('reads ahead from the greatest change stamp the last poll read, kept in the state', async () => {
	let state = await startState();
	await slapd.ldapmodify(
		`${attrLine('dn', slapd.layout.userDN(user(40).uid))}changetype: modify\nreplace: title\ntitle: First Stamp\n`,
	);
	const { ahead } = await bothWays(state);
	const stamp = ahead.nextCursor.readAheadFrom;
	expect(stamp).toMatch(/^\d{14}\.\d{6}Z#/);
	state = ahead.nextCursor;

	await slapd.ldapmodify(
		`${attrLine('dn', slapd.layout.userDN(user(41).uid))}changetype: modify\nreplace: title\ntitle: Second Stamp\n`,
	);
	const next = strategy();
	const starts: string[] = [];
	const readAhead = next.reader.changedSinceAtMost.bind(next.reader);
	next.reader.changedSinceAtMost = (since, limit) => {
		starts.push(since);
		return readAhead(since, limit);
	};
	const second = await next.strategy.poll(state);
	expect(second.events.map((event) => event.type)).toEqual(['user.updated']);
	expect(starts).toEqual([stamp]);
	expect(second.nextCursor.readAheadFrom! > stamp!).toBe(true);

	// A stored start that is not text makes the state unusable: started over, said in a directory.resync.
	const damaged = { ...second.nextCursor, readAheadFrom: 42 } as unknown as ChangeState;
	const restarted = await strategy().strategy.poll(damaged);
	expect(restarted.events.map((event) => [event.type, event.summary?.reason])).toEqual([
		['directory.resync', expect.stringMatching(/readAheadFrom is not text/)],
	]);
});

// Last: the slow read-ahead turns reading ahead off on this server for the rest of the file.
it('falls back to reading by id when the read-ahead fails, and stops reading ahead where it was slow', async () => {
	let state = await startState();
	await slapd.ldapmodify(
		`${attrLine('dn', slapd.layout.userDN(user(30).uid))}changetype: modify\nreplace: title\ntitle: Failing Read Ahead\n`,
	);
	const failing = strategy();
	failing.reader.changedSinceAtMost = () => Promise.reject(new Error('the server went away'));
	const failed = await failing.strategy.poll(state);
	expect(failed.events.map((event) => event.type)).toEqual(['user.updated']);
	state = failed.nextCursor;

	// A read-ahead that takes a scan's time (the stamp not indexed): used this once, then no more.
	await slapd.ldapmodify(
		`${attrLine('dn', slapd.layout.userDN(user(31).uid))}changetype: modify\nreplace: title\ntitle: Slow Read Ahead\n`,
	);
	const slow = strategy();
	let readsAhead = 0;
	const readAhead = slow.reader.changedSinceAtMost.bind(slow.reader);
	slow.reader.changedSinceAtMost = async (since, limit) => {
		readsAhead++;
		await new Promise((resolve) => setTimeout(resolve, 400));
		return readAhead(since, limit);
	};
	const first = await slow.strategy.poll(state);
	expect(first.events.map((event) => event.type)).toEqual(['user.updated']);
	expect(readsAhead).toBe(1);

	await slapd.ldapmodify(
		`${attrLine('dn', slapd.layout.userDN(user(32).uid))}changetype: modify\nreplace: title\ntitle: After The Slow One\n`,
	);
	const next = strategy();
	next.reader.changedSinceAtMost = async (since, limit) => {
		readsAhead++;
		return slow.reader.changedSinceAtMost(since, limit);
	};
	const second = await next.strategy.poll(first.nextCursor);
	expect(second.events.map((event) => event.type)).toEqual(['user.updated']);
	expect(readsAhead).toBe(1);
});
