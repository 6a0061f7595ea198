import fc from 'fast-check';

import { startLdapRelay, type LdapRelay } from '../../devkit/ldap-relay';
import { startSlapd, type Slapd } from '../../devkit/slapd';
import { CHAOS_STRATEGIES, chaosProperty, emptyFigures, type ChaosFigures } from '../support/directory-chaos';

/**
 * The directory chaos suite in full: CHAOS_RUNS random change sequences (default 1,000, shared between the three
 * strategies a slapd offers) against a real slapd, each with faults (test/support/directory-chaos.ts). A random
 * seed unless CHAOS_SEED is set; a failure prints the seed and the shrunk sequence, and CHAOS_SEED plus the
 * printed path replays it. The figures go to stdout at the end.
 */
const TOTAL_RUNS = Number(process.env.CHAOS_RUNS ?? 1000);
const SEED = process.env.CHAOS_SEED === undefined ? Date.now() % 2 ** 31 : Number(process.env.CHAOS_SEED);
const PATH = process.env.CHAOS_PATH;
/** Operations (changes and polls) per run at most. */
const MAX_OPERATIONS = 16;

let slapd: Slapd;
let relay: LdapRelay;
const results: Array<{ strategy: string; figures: ChaosFigures; seconds: number }> = [];

beforeAll(async () => {
	slapd = await startSlapd({ users: 20, otds: false });
	relay = await startLdapRelay(slapd.url);
});

afterAll(async () => {
	await relay?.close();
	await slapd?.stop();
	const lines = results.map(({ strategy, figures: f, seconds }) => {
		const faults = Object.entries(f.faults)
			.filter(([kind]) => kind !== 'none')
			.map(([kind, count]) => `${kind} ${count}`)
			.join(', ');
		return (
			`${strategy.padEnd(9)} runs ${f.runs}, operations ${f.operations}, polls ${f.polls} (${f.failedPolls} failed ` +
			`by a fault), faults: ${faults}; events ${f.events}, repeats with the same id ${f.repeatsSameId}, ` +
			`lost 0, duplicated 0, convergence checks ${f.checks}; ${seconds.toFixed(0)} s`
		);
	});
	process.stdout.write(`\nDirectory chaos against a real slapd, seed ${SEED}:\n${lines.join('\n')}\n`);
});

describe.each(CHAOS_STRATEGIES)('%s strategy under chaos on a real slapd', (strategy) => {
	const runs = Math.ceil(TOTAL_RUNS / CHAOS_STRATEGIES.length);
	it(`${runs} random runs: every change emitted, nothing twice`, async () => {
		const figures = emptyFigures();
		const started = Date.now();
		await fc.assert(chaosProperty({ slapd, relay, strategy, figures }, MAX_OPERATIONS), {
			seed: SEED,
			numRuns: runs,
			...(PATH === undefined ? {} : { path: PATH }),
		});
		results.push({ strategy, figures, seconds: (Date.now() - started) / 1000 });
	});
});
