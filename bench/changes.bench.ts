/**
 * Change detection on a 100,000-user OpenLDAP (issue 4, performance section).
 *
 *   npm run bench changes          (scripts/bench.mjs bundles this file with esbuild and runs it with --expose-gc)
 *
 * 1. Starts a throwaway slapd with BENCH_USERS (100,000) inetOrgPerson users (slapadd; no OTDS tree),
 *    indexes entryCSN and modifyTimestamp (see indexChangeStamps; BENCH_STAMP_INDEX=0 skips it), and
 *    takes a baseline with the accesslog, timestamp and snapshot strategies (first activation: no events).
 * 2. Each round changes 100 users (title), then times, each on a fresh connection (connect + bind):
 *    - the accesslog and the timestamp strategies' incremental polls;
 *    - an `ldapsearch` process fetching the same changed entries (entryCSN>=T, the user attributes);
 *    - the naive way: ldapts paging through every user with those attributes, hashing each entry and
 *      diffing against a map of the previous hashes;
 *    - a full snapshot reconciliation (thin read + changed entries), against an `ldapsearch` process
 *      paging through every user with the same thin attributes.
 *    Medians over BENCH_ROUNDS rounds (5) after BENCH_WARMUP rounds (2) that are not counted; peak RSS of
 *    this process sampled every 5 ms; RSS growth from one more round with a full GC before each run.
 * 3. Reports the stored state's size per user.
 *
 * Figures on 2026-11-27, 06:25-06:30, the 2-core machine otherwise idle (load average 0.54 and 0.96 at
 * the starts; the bench itself brings it to ~1.3-1.5), 100k users, 5 counted rounds after 2 warm-up:
 * - stamps indexed: accesslog poll 19.8 ms = 1.47× ldapsearch of the changed entries (13.4 ms), naive
 *   ÷ accesslog 137; timestamp poll 11.9 ms = 0.88×, naive ÷ timestamp 228 (naive 2.7 s);
 * - stamps NOT indexed (BENCH_STAMP_INDEX=0): timestamp poll 147 ms = 0.72× ldapsearch (204 ms: slapd
 *   reads every entry to test entryCSN), naive ÷ timestamp 15.2 (naive 2.2 s): below the floor of 20,
 *   which no client can reach there (ldapsearch itself is only 11× the naive diff); accesslog 19 ms;
 * - snapshot reconciliation 1.36× / 1.25× the paged ldapsearch of the thin attributes; peak RSS growth
 *   of a poll 9 / 7 MB (first activation 26 / 17 MB); state 38.5 bytes per user with the groups.
 * After the trigger work of the same day (paged and size-limit-aware log reads, scope departures, password
 * watermark), two idle runs at 08:21 and 08:44 (load 1.0-1.2 at the start), stamps indexed: accesslog
 * 1.41× / 1.68× ldapsearch, naive ÷ accesslog 110 / 108; timestamp 0.71× / 1.01×, naive ÷ timestamp 219 /
 * 179; reconciliation 1.40× / 1.25×; peak RSS growth of a poll 4 / 8 MB; state 38.5 bytes per user.
 * The run published before these (machine heavily loaded, stamps not indexed, a GC before each run):
 * accesslog 0.31×, naive ÷ accesslog 27.7; timestamp 1.03×, naive ÷ timestamp 8.2.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { dirname, join } from 'node:path';
import { AccesslogStrategy } from '../core/changes/ldap/accesslog';
import type { DirectoryEvent } from '../core/changes/events';
import { LdapChangeReader } from '../core/changes/ldap/reader';
import { SnapshotStrategy, TimestampStrategy } from '../core/changes/ldap/strategies';
import type { ChangeState } from '../core/changes/state';
import type { ChangeStrategy } from '../core/changes/strategy';
import { profileFor } from '../core/ldap/flavours';
import { LdapSession } from '../transport/ldap/session';
import { parseLdapConnectionSettings } from '../transport/ldap/settings';
import { attrLine } from '../devkit/fixture';
import { findOpenLdap } from '../devkit/schema/slapd-conf';
import { startSlapd, type Slapd } from '../devkit/slapd';

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
/** Index the change stamps as a production server has them (BENCH_STAMP_INDEX=0: the test server's plain indexes). */
const STAMP_INDEX = process.env.BENCH_STAMP_INDEX !== '0';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/**
 * Rounds run first and not counted (BENCH_WARMUP, default 2): a trigger polls in a long-lived n8n
 * process, so its code is compiled after its first polls; so is every baseline's here.
 */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const CHANGES = 100;
const PAGE_SIZE = 500;

declare const gc: (() => void) | undefined;

type StrategyName = 'accesslog' | 'timestamp' | 'snapshot';

class PeakRss {
	peak = 0;
	startRss = 0;
	private timer?: NodeJS.Timeout;
	start(collect: boolean): void {
		if (collect && typeof gc === 'function') gc();
		this.peak = this.startRss = process.memoryUsage().rss;
		this.timer = setInterval(() => (this.peak = Math.max(this.peak, process.memoryUsage().rss)), 5);
	}
	stop(): number {
		clearInterval(this.timer);
		return Math.max(this.peak, process.memoryUsage().rss);
	}
}

interface Run {
	ms: number;
	peakRss: number;
	/** Peak RSS above the RSS at the start of the run (this process also holds the 100k-user fixture). */
	growth: number;
	count: number;
}

/**
 * Times one run and samples its peak RSS. `collect`: a full GC first, so that the growth is the run's own;
 * only for memory figures, because a forced full GC makes the run after it slower than in a long-lived
 * process (V8 shrinks the young generation and sweeps on the other core): polls took twice as long.
 */
async function timed(work: () => Promise<number>, collect = false): Promise<Run> {
	const rss = new PeakRss();
	rss.start(collect);
	const started = process.hrtime.bigint();
	const count = await work();
	const ms = Number(process.hrtime.bigint() - started) / 1e6;
	const peakRss = rss.stop();
	return { ms, peakRss, growth: peakRss - rss.startRss, count };
}

function ldapsearch(slapd: Slapd, base: string, filter: string, attributes: string[], paged: boolean): Promise<number> {
	const program = join(dirname(findOpenLdap().ldapmodify), 'ldapsearch');
	const args = [
		'-x',
		'-LLL',
		'-H',
		slapd.url,
		'-D',
		slapd.adminDN,
		'-w',
		slapd.adminPassword,
		'-b',
		base,
		...(paged ? ['-E', `pr=${PAGE_SIZE}/noprompt`] : []),
		filter,
		...attributes,
	];
	const fd = openSync('/dev/null', 'w');
	return new Promise((resolve, reject) => {
		const child = spawn(program, args, { stdio: ['ignore', fd, 'pipe'], env: { ...process.env, LDAPNOINIT: '1' } });
		let stderr = '';
		child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.on('error', reject);
		child.on('close', (code) => {
			closeSync(fd);
			if (code !== 0) reject(new Error(`ldapsearch exited with ${code}: ${stderr}`));
			else resolve(-1);
		});
	});
}

/**
 * Adds `index entryCSN,modifyTimestamp eq` to the running server: OpenLDAP answers `(entryCSN>=T)` from
 * an eq index (CSN and generalized time are ordered), and syncrepl providers have one on entryCSN. Without
 * it every timestamp poll makes slapd read and test each of the 100,000 entries, whoever asks (the
 * ldapsearch baseline pays the same). The test server's config has no hook for extra indexes: the bench
 * stops it, indexes the loaded data offline with slapindex, and starts it again on the new config.
 */
async function indexChangeStamps(slapd: Slapd): Promise<void> {
	const conf = join(slapd.dir, 'slapd.conf');
	const text = readFileSync(conf, 'utf8');
	const line = /^index objectClass,[^\n]* eq$/m.exec(text.slice(text.indexOf(`suffix "${slapd.baseDN}"`)));
	if (!line) throw new Error('no index line for the main database in slapd.conf');
	writeFileSync(conf, text.replace(line[0], line[0].replace(/ eq$/, ',entryCSN,modifyTimestamp eq')));
	slapd.kill(); // LMDB survives a kill; slapindex needs the database to itself
	const slapindex = join(dirname(findOpenLdap().slapadd), 'slapindex');
	const run = spawnSync(slapindex, ['-q', '-f', conf, '-b', slapd.baseDN, 'entryCSN', 'modifyTimestamp'], {
		encoding: 'utf8',
	});
	if (run.status !== 0) throw new Error(`slapindex failed: ${run.stderr}`);
	await slapd.restart();
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;

async function main(): Promise<void> {
	process.stdout.write(`Starting slapd with ${USERS.toLocaleString('en')} users...\n`);
	const slapd = await startSlapd({ users: USERS, otds: false, startTimeoutMs: 300_000 });
	if (STAMP_INDEX) await indexChangeStamps(slapd);
	process.stdout.write(
		`Change stamps (entryCSN, modifyTimestamp) ${STAMP_INDEX ? 'indexed' : 'NOT indexed (BENCH_STAMP_INDEX=0)'}; load average ${os
			.loadavg()
			.map((value) => value.toFixed(2))
			.join(' ')}\n`,
	);
	const settings = parseLdapConnectionSettings({
		serverUrls: slapd.url,
		connectionSecurity: 'none',
		bindDN: slapd.adminDN,
		bindPassword: slapd.adminPassword,
		baseDN: slapd.baseDN,
	});
	const profile = profileFor('openLdap');
	const build = (name: StrategyName, session: LdapSession): ChangeStrategy => {
		const reader = new LdapChangeReader({
			session,
			profile,
			flavour: 'openLdap',
			userBaseDN: slapd.layout.peopleDN,
			groupBaseDN: slapd.layout.groupsDN,
		});
		const options = { reconcileEvery: 0 };
		if (name === 'accesslog') return new AccesslogStrategy(reader, session.server, options);
		if (name === 'timestamp') return new TimestampStrategy(reader, session.server, options);
		return new SnapshotStrategy(reader, session.server, options);
	};
	/** One poll on a fresh connection: connect + bind + poll + unbind, as a trigger's poll does. */
	const pollOnce = async (
		name: StrategyName,
		state: ChangeState | undefined,
	): Promise<{ events: DirectoryEvent[]; state: ChangeState }> => {
		const result = await LdapSession.use(settings, (session) => build(name, session).poll(state));
		return { events: result.events, state: result.nextCursor };
	};
	// The user attributes a poll reads (the same list goes to ldapsearch and to the naive run).
	const userAttributes = [
		...new Set([...Object.values(profile.user), ...profile.statusAttributes, 'pwdChangedTime', 'entryCSN']),
	];
	const thinAttributes = ['entryUUID', 'entryCSN', 'pwdChangedTime', ...profile.statusAttributes];
	try {
		const states = new Map<StrategyName, ChangeState>();
		const baselines: string[][] = [
			['first activation (baseline)', 'ms', 'peak RSS', 'RSS growth', 'state bytes', 'bytes per user'],
		];
		for (const name of ['accesslog', 'timestamp', 'snapshot'] as const) {
			let state: ChangeState | undefined;
			const run = await timed(async () => {
				const result = await pollOnce(name, undefined);
				state = result.state;
				return result.events.length;
			}, true);
			const bytes = Buffer.byteLength(JSON.stringify(state));
			states.set(name, state as ChangeState);
			baselines.push([
				name,
				run.ms.toFixed(0),
				mb(run.peakRss),
				mb(run.growth),
				bytes.toLocaleString('en'),
				(bytes / USERS).toFixed(1),
			]);
		}
		print(baselines);

		// The naive way keeps a hash per user: build it once, outside the timings.
		const naiveHashes = new Map<string, string>();
		const naive = async (): Promise<number> => {
			let changed = 0;
			await LdapSession.use(settings, async (session) => {
				for await (const page of session.searchPages(
					slapd.layout.peopleDN,
					{ scope: 'sub', filter: '(objectClass=inetOrgPerson)', attributes: userAttributes },
					PAGE_SIZE,
				)) {
					for (const entry of page) {
						const hash = createHash('sha1').update(JSON.stringify(entry)).digest('base64');
						const id = String(entry.entryUUID ?? entry.dn);
						if (naiveHashes.get(id) !== hash) changed++;
						naiveHashes.set(id, hash);
					}
				}
			});
			return changed;
		};
		await naive();

		const runs = new Map<string, Run[]>();
		const memory = new Map<string, Run>();
		let counted = false;
		// The last round measures memory only: a full GC before each run (see timed), its times not counted.
		let memoryRound = false;
		const add = (name: string, run: Run) => {
			if (memoryRound) memory.set(name, run);
			else if (counted) runs.set(name, [...(runs.get(name) ?? []), run]);
		};
		for (let round = 0; round < WARMUP + ROUNDS + 1; round++) {
			counted = round >= WARMUP;
			memoryRound = round === WARMUP + ROUNDS;
			// The timestamp strategy's high-water mark before the changes: what ldapsearch filters on too.
			const since = states.get('timestamp')?.stampHighWater ?? '19700101000000Z';
			await new Promise((resolve) => setTimeout(resolve, 1100));
			const ldif = Array.from({ length: CHANGES }, (_, index) => {
				const user = slapd.fixture.users[(round * CHANGES + index * 97) % USERS];
				return `${attrLine('dn', slapd.layout.userDN(user.uid))}changetype: modify\nreplace: title\ntitle: Bench ${round}-${index}\n`;
			}).join('\n');
			await slapd.ldapmodify(ldif);
			for (const name of ['accesslog', 'timestamp', 'snapshot'] as const) {
				let events = 0;
				const run = await timed(async () => {
					const result = await pollOnce(name, states.get(name));
					states.set(name, result.state);
					events = result.events.length;
					return events;
				}, memoryRound);
				if (events !== CHANGES) throw new Error(`${name} saw ${events} events instead of ${CHANGES}`);
				add(`${name} poll`, run);
			}
			// The same cursor the timestamp strategy uses (entryCSN on OpenLDAP).
			add(
				'ldapsearch process, changed entries',
				await timed(
					() =>
						ldapsearch(
							slapd,
							slapd.layout.peopleDN,
							`(&(objectClass=inetOrgPerson)(entryCSN>=${since}))`,
							userAttributes,
							false,
						),
					memoryRound,
				),
			);
			add(
				'ldapsearch process, paged, all users, thin attributes',
				await timed(
					() => ldapsearch(slapd, slapd.layout.peopleDN, '(objectClass=inetOrgPerson)', thinAttributes, true),
					memoryRound,
				),
			);
			const naiveRun = await timed(naive, memoryRound);
			if (naiveRun.count < CHANGES) throw new Error(`the naive diff saw ${naiveRun.count} changes`);
			add('naive: page all users, hash, diff (ldapts)', naiveRun);
		}
		const table: string[][] = [
			[`what (${CHANGES} changes, fresh connection each)`, 'median ms', 'min ms', 'peak RSS', 'RSS growth (GC first)'],
		];
		const peakOf = (name: string) =>
			Math.max(
				...[...(runs.get(name) ?? []), ...(memory.has(name) ? [memory.get(name) as Run] : [])].map(
					(run) => run.peakRss,
				),
			);
		for (const [name, list] of runs) {
			const other = name.startsWith('ldapsearch');
			table.push([
				name,
				median(list.map((run) => run.ms)).toFixed(1),
				Math.min(...list.map((run) => run.ms)).toFixed(1),
				other ? '(other process)' : mb(peakOf(name)),
				other ? '' : mb(memory.get(name)?.growth ?? 0),
			]);
		}
		print(table);
		const ms = (name: string) => median((runs.get(name) ?? []).map((run) => run.ms));
		// `previous`: the last published run (docs/performance.md: stamps indexed, idle machine, 2026-11-27 08:21).
		const ratios: string[][] = [['ratio', 'value', 'target', 'previous']];
		const before: Record<string, string> = { accesslog: '1.41', timestamp: '0.71' };
		const naiveBefore: Record<string, string> = { accesslog: '109.9', timestamp: '219.0' };
		for (const name of ['accesslog', 'timestamp'] as const) {
			ratios.push([
				`${name} poll ÷ ldapsearch of the changed entries`,
				(ms(`${name} poll`) / ms('ldapsearch process, changed entries')).toFixed(2),
				'≤ 2',
				before[name],
			]);
			ratios.push([
				`naive full diff ÷ ${name} poll`,
				(ms('naive: page all users, hash, diff (ldapts)') / ms(`${name} poll`)).toFixed(1),
				'≥ 20',
				naiveBefore[name],
			]);
		}
		ratios.push([
			'snapshot reconciliation ÷ paged ldapsearch (thin)',
			(ms('snapshot poll') / ms('ldapsearch process, paged, all users, thin attributes')).toFixed(2),
			'≤ 2',
			'1.40',
		]);
		const polls = [...runs.keys()].filter((name) => name.endsWith(' poll'));
		ratios.push(['peak RSS of this process (holds the fixture too)', mb(Math.max(...polls.map(peakOf))), '', '']);
		ratios.push([
			'peak RSS growth during a poll (GC first)',
			mb(Math.max(...polls.map((name) => memory.get(name)?.growth ?? 0))),
			'< 200 MB',
			'4 MB',
		]);
		ratios.push([
			'state bytes per user (snapshot strategy)',
			(Buffer.byteLength(JSON.stringify(states.get('snapshot'))) / USERS).toFixed(1),
			'≤ 40',
			'38.5',
		]);
		print(ratios);
		process.stdout.write(
			`Load average at the end: ${os
				.loadavg()
				.map((value) => value.toFixed(2))
				.join(' ')} (${os.cpus().length} cores)\n`,
		);
	} finally {
		await slapd.stop();
	}
}

function print(rows: string[][]): void {
	const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
	for (const row of rows)
		process.stdout.write(
			`${row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ')}\n`,
		);
	process.stdout.write('\n');
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exit(1);
});
