import fc from 'fast-check';

import { startLdapRelay, type LdapRelay } from '../../devkit/ldap-relay';
import { startSlapd, type Slapd } from '../../devkit/slapd';
import { CHAOS_STRATEGIES, chaosProperty, emptyFigures } from '../support/directory-chaos';

/**
 * A fixed-seed slice of the directory chaos suite (`npm run chaos` runs 1,000): a few random change sequences
 * per strategy against a real slapd, with slapd killed or cut off at random LDAP messages of a poll, restarts,
 * "Fetch Test Event" and lost saves; every change emitted, nothing twice (test/support/directory-chaos.ts).
 */
let slapd: Slapd;
let relay: LdapRelay;

beforeAll(async () => {
	slapd = await startSlapd({ users: 20, otds: false });
	relay = await startLdapRelay(slapd.url);
});

afterAll(async () => {
	await relay?.close();
	await slapd?.stop();
});

describe.each(CHAOS_STRATEGIES)('%s strategy under chaos on a real slapd', (strategy) => {
	it('emits every change once through kills, dropped connections, restarts and lost saves', async () => {
		const figures = emptyFigures();
		await fc.assert(chaosProperty({ slapd, relay, strategy, figures }, 10), {
			seed: 20261206,
			numRuns: 4,
		});
		expect(figures.runs).toBe(4);
		expect(figures.checks).toBeGreaterThanOrEqual(4);
	});
});
