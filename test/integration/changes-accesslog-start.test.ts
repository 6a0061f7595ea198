import { AccesslogStrategy } from '../../core/changes/ldap/accesslog';
import type { ChangeState } from '../../core/changes/state';
import { LdapSession } from '../../transport/ldap/session';
import { attrLine } from '../../devkit/fixture';
import { startSlapd, type Slapd } from '../../devkit/slapd';
import { adminConnection, slapdReader } from '../support/slapd-strategies';

/**
 * Where the accesslog strategy starts when the log holds no record of the recent past: at a time of its own
 * clock. A reqStart's fraction is slapd's count of writes within its second, not a clock, so that start must
 * be a whole second: records written later in the same second sort before any millisecond of it.
 */
describe('accesslog: the start of a quiet log', () => {
	let slapd: Slapd;
	let session: LdapSession;

	beforeAll(async () => {
		slapd = await startSlapd({ users: 20, otds: false });
		session = await LdapSession.open(adminConnection(slapd));
	});

	afterAll(async () => {
		await session?.close();
		await slapd?.stop();
	});

	it('writes in the second the trigger started are all seen by the next poll', async () => {
		// No record within the look-back (none at all in the last 0 minutes): the start is this clock's time.
		const strategy = new AccesslogStrategy(slapdReader(slapd, session), session.server, {
			reconcileEvery: 0,
			bulkThreshold: 0,
			startLookbackMinutes: 0,
		});
		// Early in a second, so that the first poll and the writes after it share that second.
		while (new Date().getMilliseconds() > 100) await new Promise((resolve) => setTimeout(resolve, 10));
		const first = await strategy.poll(undefined);
		expect(first.events).toEqual([]);
		const start = first.nextCursor as ChangeState;
		expect(start.cursorContext).toBe('unverified');

		const people = slapd.fixture.users.slice(0, 10);
		await slapd.ldapmodify(
			people
				.map(
					(user, index) =>
						`${attrLine('dn', slapd.layout.userDN(user.uid))}changetype: modify\nreplace: title\ntitle: Started ${index}\n`,
				)
				.join('\n'),
		);
		// The case under test happened: writes logged in the start's own second.
		const logged = await session.search(slapd.accesslogDN, {
			scope: 'one',
			filter: `(reqStart>=${String(start.cursor).slice(0, 14)}Z)`,
			attributes: ['reqStart'],
		});
		const sameSecond = logged.filter((entry) => String(entry.reqStart).slice(0, 14) === start.cursor?.slice(0, 14));
		expect(sameSecond.length).toBeGreaterThan(0);

		const next = await strategy.poll(start);
		expect(next.events.map((event) => event.user?.login).sort()).toEqual(people.map((user) => user.uid).sort());
	});
});
