import { Attribute, Change, Client, Control } from 'ldapts';
import type { DirectoryEvent } from '../../core/changes/events';
import { AccesslogStrategy } from '../../core/changes/ldap/accesslog';
import type { LdapChangeReader } from '../../core/changes/ldap/reader';
import { SnapshotStrategy, TimestampStrategy } from '../../core/changes/ldap/strategies';
import { passwordHashOf } from '../../core/changes/snapshot/user-record';
import type { ChangeState } from '../../core/changes/state';
import type { ChangeStrategy } from '../../core/changes/strategy';
import { LdapSession } from '../../transport/ldap/session';
import { parseLdapConnectionSettings } from '../../transport/ldap/settings';
import { startSlapd, type Slapd } from '../../devkit/slapd';
import { slapdReader } from '../support/slapd-strategies';

/**
 * A password change whose stored one-byte stamp hash collides, on a real slapd: the administrator sets
 * pwdChangedTime (NO-USER-MODIFICATION, writable with the Relax Rules control) to two values whose
 * hashes are equal, as a user's two password changes 256 seconds apart can be. Every strategy must still
 * report user.passwordChanged once.
 */
let slapd: Slapd;

beforeAll(async () => {
	slapd = await startSlapd({ users: 30, otds: false });
});

afterAll(async () => {
	await slapd?.stop();
});

/** draft-zeilenga-ldap-relax: lets the administrator write pwdChangedTime. */
const RELAX_RULES = '1.3.6.1.4.1.4203.666.5.12';

async function setPasswordChangedTime(dn: string, stamp: string): Promise<void> {
	const client = new Client({ url: slapd.url });
	try {
		await client.bind(slapd.adminDN, slapd.adminPassword);
		const change = new Change({
			operation: 'replace',
			modification: new Attribute({ type: 'pwdChangedTime', values: [stamp] }),
		});
		await client.modify(dn, [change], [new Control(RELAX_RULES, { critical: true })]);
	} finally {
		await client.unbind();
	}
}

/** Two stamps in the future (later than any stamp the fixture has), the second later, with equal hashes. */
function collidingStamps(year: number): [string, string] {
	const stamp = (second: number) =>
		new Date(Date.UTC(year, 0, 1) + second * 1000)
			.toISOString()
			.replace(/[-:T]/g, '')
			.replace(/\.\d{3}Z$/, 'Z');
	const first = stamp(0);
	for (let second = 1; ; second++)
		if (passwordHashOf(stamp(second)) === passwordHashOf(first)) return [first, stamp(second)];
}

const strategies: Array<[string, number, (reader: LdapChangeReader, server: string) => ChangeStrategy]> = [
	['accesslog', 2030, (reader, server) => new AccesslogStrategy(reader, server, { reconcileEvery: 0 })],
	['timestamp', 2031, (reader, server) => new TimestampStrategy(reader, server, { reconcileEvery: 0 })],
	['snapshot', 2032, (reader, server) => new SnapshotStrategy(reader, server)],
];

describe.each(strategies)('%s strategy', (name, year, make) => {
	it('reports a password change whose stored stamp hash collides with the one before', async () => {
		const session = await LdapSession.open(
			parseLdapConnectionSettings({
				serverUrls: slapd.url,
				connectionSecurity: 'none',
				bindDN: slapd.adminDN,
				bindPassword: slapd.adminPassword,
				baseDN: slapd.baseDN,
			}),
		);
		try {
			const reader = slapdReader(slapd, session);
			const strategy = make(reader, session.server);
			let state: ChangeState | undefined;
			const poll = async (): Promise<DirectoryEvent[]> => {
				const result = await strategy.poll(state);
				state = result.nextCursor;
				return result.events;
			};
			const dn = slapd.layout.userDN(
				slapd.fixture.users[{ accesslog: 3, timestamp: 4, snapshot: 5 }[name] as number].uid,
			);
			const [first, second] = collidingStamps(year);
			expect(passwordHashOf(second)).toBe(passwordHashOf(first));

			await poll();
			await setPasswordChangedTime(dn, first);
			const firstChange = await poll();
			expect(firstChange.map((event) => [event.type, event.user?.dn])).toEqual([['user.passwordChanged', dn]]);

			await setPasswordChangedTime(dn, second);
			const secondChange = await poll();
			expect(secondChange.map((event) => [event.type, event.user?.dn])).toEqual([['user.passwordChanged', dn]]);
			expect(await poll()).toEqual([]);
		} finally {
			await session.close();
		}
	});
});
