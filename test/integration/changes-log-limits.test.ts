import { AdminLimitExceededError, Client, Control, SizeLimitExceededError } from 'ldapts';
import type { DirectoryEvent } from '../../core/changes/events';
import { AccesslogStrategy, type AccesslogStrategyOptions } from '../../core/changes/ldap/accesslog';
import type { ChangeState } from '../../core/changes/state';
import { LdapSession } from '../../transport/ldap/session';
import { parseLdapConnectionSettings } from '../../transport/ldap/settings';
import { attrLine, passwordOf } from '../../devkit/fixture';
import type { PagedTotal } from '../../devkit/schema/slapd-conf';
import { startSlapd, type Slapd } from '../../devkit/slapd';
import { slapdReader } from '../support/slapd-strategies';

/**
 * The accesslog strategy bound as a production account is: not the rootdn (which no limit applies to),
 * but a reader with a size limit on every search. OpenLDAP's default for such an account is 500 entries,
 * and a paged search is capped at it too unless the accesslog database's `size.prtotal` allows more.
 * A backlog longer than the limit must still be caught up: every change once, none lost, none twice.
 */

/** The reader's size limit. Not below 100: the change reader fetches changed entries 100 ids a search. */
const SIZE_LIMIT = 40;
/** Changes waiting when the trigger polls: well over the limit (two and a half times). */
const BACKLOG = 250;

const typesOf = (events: DirectoryEvent[]) => [...new Set(events.map((event) => event.type))];

/** One LDIF that adds `count` people under ou=people: one ldapmodify run, one accesslog record each. */
function newPeople(slapd: Slapd, prefix: string, count: number): { ldif: string; uids: string[] } {
	const uids = Array.from({ length: count }, (_, index) => `${prefix}-${index}`);
	const ldif = uids
		.map(
			(uid) =>
				`${attrLine('dn', slapd.layout.userDN(uid))}changetype: add\nobjectClass: inetOrgPerson\n${attrLine('uid', uid)}cn: Backlog ${uid}\nsn: Backlog\nuserPassword: ${passwordOf(uid)}\n`,
		)
		.join('\n');
	return { ldif, uids };
}

async function readerSession(slapd: Slapd): Promise<LdapSession> {
	const reader = slapd.reader;
	if (reader === undefined) throw new Error('start slapd with a reader');
	return LdapSession.open(
		parseLdapConnectionSettings({
			serverUrls: slapd.url,
			connectionSecurity: 'none',
			bindDN: reader.dn,
			bindPassword: reader.password,
			baseDN: slapd.baseDN,
		}),
	);
}

function accesslogStrategy(
	slapd: Slapd,
	session: LdapSession,
	options: AccesslogStrategyOptions = {},
): AccesslogStrategy {
	const reader = slapdReader(slapd, session);
	// A dedupe window of one id: a change emitted twice must show, not be dropped as a repeat.
	return new AccesslogStrategy(reader, session.server, {
		reconcileEvery: 0,
		bulkThreshold: 0,
		dedupeWindow: 1,
		...options,
	});
}

/** Polls as the trigger does: the state of a poll is the next poll's input. */
class Trigger {
	private state: ChangeState | undefined;
	constructor(private readonly strategy: AccesslogStrategy) {}

	async poll(): Promise<DirectoryEvent[]> {
		const result = await this.strategy.poll(this.state);
		this.state = result.nextCursor;
		return result.events;
	}
}

describe.each<[string, PagedTotal]>([
	['paging past the limit allowed (size.prtotal=unlimited)', 'unlimited'],
	["paging capped at the limit too (size.prtotal=hard, OpenLDAP's default)", 'hard'],
])('accesslog as a size-limited reader: %s', (_label, accesslogPagedTotal) => {
	let slapd: Slapd;
	let session: LdapSession;

	beforeAll(async () => {
		slapd = await startSlapd({ users: 60, otds: false, reader: { sizeLimit: SIZE_LIMIT, accesslogPagedTotal } });
		session = await readerSession(slapd);
	});

	afterAll(async () => {
		await session?.close();
		await slapd?.stop();
	});

	it('the reader is limited: one plain search of the log fails once the log is longer than the limit', async () => {
		await slapd.ldapmodify(newPeople(slapd, 'limit-probe', SIZE_LIMIT + 1).ldif);
		const client = new Client({ url: slapd.url });
		try {
			await client.bind(slapd.reader?.dn ?? '', slapd.reader?.password ?? '');
			await expect(
				client.search(slapd.accesslogDN, {
					scope: 'one',
					filter: '(objectClass=auditWriteObject)',
					attributes: ['reqStart'],
				}),
			).rejects.toBeInstanceOf(SizeLimitExceededError);
		} finally {
			await client.unbind();
		}
		// Through the session, the failure says what it is and what to change.
		const plain = session.search(slapd.accesslogDN, {
			scope: 'one',
			filter: '(objectClass=auditWriteObject)',
			attributes: ['reqStart'],
		});
		await expect(plain).rejects.toMatchObject({
			kind: 'sizeLimit',
			message: expect.stringMatching(/size limit/),
			hint: expect.stringMatching(/Raise the size limit/),
		});
	});

	it(`a backlog of ${BACKLOG} changes is caught up in one poll, each change once; the next poll emits nothing`, async () => {
		const trigger = new Trigger(accesslogStrategy(slapd, session));
		expect(await trigger.poll()).toEqual([]);
		const { ldif, uids } = newPeople(slapd, 'backlog', BACKLOG);
		await slapd.ldapmodify(ldif);

		const events = await trigger.poll();
		expect(typesOf(events)).toEqual(['user.created']);
		expect(events.map((event) => event.user?.login).sort()).toEqual([...uids].sort());
		expect(new Set(events.map((event) => event.id)).size).toBe(BACKLOG);
		expect(await trigger.poll()).toEqual([]);
	});

	it('with fewer records per poll than the backlog, polls catch up in order: each change once, none skipped', async () => {
		const perPoll = 60;
		const trigger = new Trigger(accesslogStrategy(slapd, session, { recordsPerPoll: perPoll }));
		expect(await trigger.poll()).toEqual([]);
		const { ldif, uids } = newPeople(slapd, 'chunked', 150);
		await slapd.ldapmodify(ldif);

		const polls: DirectoryEvent[][] = [];
		for (let events = await trigger.poll(); events.length > 0 && polls.length < 10; events = await trigger.poll())
			polls.push(events);
		// The first activation started at the newest record, however long the log: every poll has events.
		expect(polls.length).toBe(Math.ceil(150 / perPoll));
		for (const events of polls) expect(events.length).toBeLessThanOrEqual(perPoll);
		const logins = polls.flat().map((event) => event.user?.login);
		expect([...logins].sort()).toEqual([...uids].sort());
		// One ldapmodify run adds them in order: a poll stops where its events stop, so the order is kept.
		expect(logins).toEqual(uids);
	});
});

describe('accesslog actor capture, as a size-limited reader', () => {
	let slapd: Slapd;
	let session: LdapSession;

	beforeAll(async () => {
		slapd = await startSlapd({ users: 60, otds: false, reader: { sizeLimit: SIZE_LIMIT } });
		session = await readerSession(slapd);
	});

	afterAll(async () => {
		await session?.close();
		await slapd?.stop();
	});

	it.each([
		['on: the writer (reqAuthzID) is the event actor', true],
		['off: no actor', false],
	])('captureActor %s', async (_label, captureActor) => {
		const trigger = new Trigger(accesslogStrategy(slapd, session, { captureActor }));
		expect(await trigger.poll()).toEqual([]);
		const someone = slapd.fixture.users[captureActor ? 10 : 11];
		await slapd.ldapmodify(
			`${attrLine('dn', slapd.layout.userDN(someone.uid))}changetype: modify\nreplace: title\ntitle: Actor ${String(captureActor)}\n`,
		);
		const events = await trigger.poll();
		expect(typesOf(events)).toEqual(['user.updated']);
		expect(events[0].changes).toEqual([
			{ attribute: 'title', before: someone.title, after: `Actor ${String(captureActor)}` },
		]);
		if (captureActor) expect(events[0].actor).toEqual({ dn: slapd.adminDN });
		else expect(events[0]).not.toHaveProperty('actor');
	});
});

/**
 * The log database of a production server often indexes reqStart but not objectClass. slapd then adds
 * `(objectClass=referral)` to every search filter that comes without ManageDsaIT, and that clause, unindexed,
 * makes every record of the log a candidate: each poll would read the whole log (days of writes). The reader here
 * may not do that: `size.unchecked` refuses a search the indexes do not narrow to a few records. The strategy
 * sends ManageDsaIT with its log searches, so its filter is the one it wrote, narrowed by the reqStart index.
 */
describe('accesslog with objectClass not indexed in the log, as a reader refused unindexed searches', () => {
	/** Records the indexes must narrow a search of the log to (size.unchecked); the log holds more. */
	const UNCHECKED = 50;
	let slapd: Slapd;
	let session: LdapSession;

	beforeAll(async () => {
		slapd = await startSlapd({
			users: 60,
			otds: false,
			reader: { sizeLimit: 500, accesslogUnchecked: UNCHECKED },
		});
		session = await readerSession(slapd);
		// A log longer than the unchecked limit before the trigger starts.
		await slapd.ldapmodify(newPeople(slapd, 'before', UNCHECKED * 2).ldif);
	});

	afterAll(async () => {
		await session?.close();
		await slapd?.stop();
	});

	it('the server refuses the log search without ManageDsaIT (it would read every record) and answers it with ManageDsaIT', async () => {
		const client = new Client({ url: slapd.url });
		const search = (controls?: Control[]) =>
			client.search(
				slapd.accesslogDN,
				{
					scope: 'one',
					filter: '(&(objectClass=auditWriteObject)(reqResult=0)(reqStart>=20300101000000.000000Z))',
					attributes: ['reqStart'],
				},
				controls,
			);
		try {
			await client.bind(slapd.reader?.dn ?? '', slapd.reader?.password ?? '');
			await expect(search()).rejects.toBeInstanceOf(AdminLimitExceededError);
			const answered = await search([new Control('2.16.840.1.113730.3.4.2', { critical: false })]);
			expect(answered.searchEntries).toEqual([]);
		} finally {
			await client.unbind();
		}
	});

	it('the trigger polls within the limit: every change once', async () => {
		// A first activation looks for the newest record of the last hour (all of this log, past the limit):
		// from now on, so that the polls' own searches are what is tested. From the next second: the reqStart index
		// narrows a search to whole seconds (measured: every record of the second a search starts in is a candidate).
		await new Promise((resolve) => setTimeout(resolve, 1100));
		const trigger = new Trigger(accesslogStrategy(slapd, session, { startLookbackMinutes: 0 }));
		expect(await trigger.poll()).toEqual([]);
		const { ldif, uids } = newPeople(slapd, 'after', 30);
		await slapd.ldapmodify(ldif);
		const events = await trigger.poll();
		expect(typesOf(events)).toEqual(['user.created']);
		expect(events.map((event) => event.user?.login).sort()).toEqual([...uids].sort());
		expect(await trigger.poll()).toEqual([]);
	});
});
