/**
 * Change detection on a 100,000-user and a 1,000,000-user OpenLDAP (issues 4 and 18).
 *
 *   npm run bench changes          (scripts/bench.mjs bundles this file with esbuild and runs it with --expose-gc)
 *
 * 1. Starts a throwaway slapd with BENCH_USERS (100,000) inetOrgPerson users (slapadd, or the databases
 *    cached by an earlier run: devkit/slapd.ts cacheData; no OTDS tree), entryCSN and modifyTimestamp
 *    indexed as production servers have them (BENCH_STAMP_INDEX=0: not), and takes a baseline with the
 *    accesslog, timestamp and snapshot strategies (first activation: no events).
 * 2. Each round changes 100 users (title, written in process: see the writer below for why no process is
 *    started), then times, each on a fresh connection (connect + bind), the
 *    sides in one order on even rounds and in the reverse order on odd ones (so neither side always runs
 *    on a warmer server). The small reads (the first two) have rounds of their own, and the whole-directory
 *    reads (the last two) theirs after them, so that no poll pays for the garbage of a read of every user:
 *    - the accesslog and the timestamp strategies' incremental polls, the state held in memory between
 *      polls as n8n holds a workflow's static data;
 *    - the raw in-process read of the changed entries by the same LDAP client (LdapSession: connect, bind,
 *      one search `entryCSN>=T` for the user attributes), and, for reference, in BENCH_ROUNDS rounds of
 *      its own after those, an `ldapsearch` process doing the same (about 10 ms of it is starting and
 *      ending the process);
 *    - a full snapshot reconciliation (thin read of every user + changed entries), against an `ldapsearch`
 *      process paging through every user with the same thin attributes (and the same paged read in process);
 *    - the naive way: paging through every user with the user attributes, hashing and diffing each entry;
 *    and then, as n8n does after a poll that changed the static data, a JSON.stringify of each state.
 *    Medians over BENCH_SMALL_ROUNDS (15) rounds of small reads and BENCH_ROUNDS (7) of whole-directory reads,
 *    each after BENCH_WARMUP rounds (2) that are not counted; peak RSS of
 *    this process sampled every 5 ms; RSS growth from one more round with a full GC before each run.
 * 3. The stored state: its size per user (memberships included) and how long n8n's JSON round trip of it
 *    takes (n8n serializes the whole static data after every poll that changed it).
 * 4. The same incremental polls on BENCH_MILLION_USERS (1,000,000) users (0: skipped), against the raw read
 *    there and the polls at 100,000: a poll's cost should follow the changes, not the directory
 *    (BENCH_USERS=0: this phase alone, without the floors that compare it with 100,000).
 * Exits with 1 when a floor (printed at the end) is missed.
 */
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import { ACCESSLOG_ATTRIBUTES, AccesslogStrategy, parseAccesslogRecord } from '../core/changes/ldap/accesslog';
import { AccesslogReads } from '../core/changes/ldap/accesslog-reads';
import type { DirectoryEvent } from '../core/changes/events';
import { LdapChangeReader } from '../core/changes/ldap/reader';
import { SnapshotStrategy, TimestampStrategy } from '../core/changes/ldap/strategies';
import type { ChangeState } from '../core/changes/state';
import type { ChangeStrategy } from '../core/changes/strategy';
import { profileFor } from '../core/ldap/flavours';
import { Attribute, Change } from '../transport/ldap/ldapts';
import { LdapSession } from '../transport/ldap/session';
import { parseLdapConnectionSettings } from '../transport/ldap/settings';
import { runLdapsearch } from '../devkit/ldapsearch';
import { startSlapd, type Slapd } from '../devkit/slapd';

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const MILLION_USERS = Number(process.env.BENCH_MILLION_USERS ?? 1_000_000);
/** Index the change stamps as a production server has them (BENCH_STAMP_INDEX=0: the test server's plain indexes). */
const STAMP_INDEX = process.env.BENCH_STAMP_INDEX !== '0';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
/** Rounds of the small reads (BENCH_SMALL_ROUNDS, default 15): a few milliseconds each, so more of them steady the medians. */
const SMALL_ROUNDS = Number(process.env.BENCH_SMALL_ROUNDS ?? 15);
/**
 * Rounds run first and not counted (BENCH_WARMUP, default 2): a trigger polls in a long-lived n8n
 * process, so its code is compiled after its first polls; so is every baseline's here.
 */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const CHANGES = 100;
const PAGE_SIZE = 500;

declare const gc: (() => void) | undefined;

type StrategyName = 'accesslog' | 'timestamp' | 'snapshot';

/**
 * Peak RSS, sampled every 5 ms. process.memoryUsage.rss() only: process.memoryUsage() also walks the V8 heap for its
 * statistics, about 0.2 ms a call with the fixture in memory, which a sample during a timed run added to it (0.4 ms a
 * poll in a CPU profile of the accesslog polls: more to a longer run).
 */
class PeakRss {
	peak = 0;
	startRss = 0;
	private timer?: NodeJS.Timeout;
	start(collect: boolean): void {
		if (collect && typeof gc === 'function') gc();
		this.peak = this.startRss = process.memoryUsage.rss();
		this.timer = setInterval(() => (this.peak = Math.max(this.peak, process.memoryUsage.rss())), 5);
	}
	stop(): number {
		clearInterval(this.timer);
		return Math.max(this.peak, process.memoryUsage.rss());
	}
}

interface Run {
	ms: number;
	peakRss: number;
	/** Peak RSS above the RSS at the start of the run (this process also holds the fixture). */
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

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;
const load = () =>
	os
		.loadavg()
		.map((value) => value.toFixed(2))
		.join(' ');

/** What the 100,000-user phase measures besides the polls. */
interface PhaseOptions {
	/** Also the snapshot reconciliation, the paged thin reads and the naive diff, and a memory round. */
	full: boolean;
}

interface PhaseResult {
	users: number;
	/** Medians in ms by side name. */
	medians: Map<string, number>;
	/** The states after the last round, by strategy. */
	states: Map<StrategyName, ChangeState>;
}

const SIDE = {
	accesslog: 'accesslog poll',
	timestamp: 'timestamp poll',
	snapshot: 'snapshot reconciliation (full read)',
	raw: 'raw in-process read of the changed entries',
	accesslogReads: "accesslog poll's two reads alone (log + changed entries, at once)",
	ldapsearchChanged: 'ldapsearch process, changed entries (reference)',
	rawThin: 'raw in-process paged read, all users, thin attributes',
	ldapsearchThin: 'ldapsearch process, paged, all users, thin attributes',
	naive: 'naive: page all users, hash, diff (ldapts)',
} as const;

async function measurePhase(slapd: Slapd, users: number, options: PhaseOptions): Promise<PhaseResult> {
	const settings = parseLdapConnectionSettings({
		serverUrls: slapd.url,
		connectionSecurity: 'none',
		bindDN: slapd.adminDN,
		bindPassword: slapd.adminPassword,
		baseDN: slapd.baseDN,
		// A first activation on a million users reads for minutes on a busy machine.
		timeout: 600_000,
	});
	const profile = profileFor('openLdap');
	const readerOf = (session: LdapSession) =>
		new LdapChangeReader({
			session,
			profile,
			flavour: 'openLdap',
			userBaseDN: slapd.layout.peopleDN,
			groupBaseDN: slapd.layout.groupsDN,
		});
	const build = (name: StrategyName, session: LdapSession): ChangeStrategy => {
		const reader = readerOf(session);
		const strategyOptions = { reconcileEvery: 0 };
		if (name === 'accesslog') return new AccesslogStrategy(reader, session.server, strategyOptions);
		if (name === 'timestamp') return new TimestampStrategy(reader, session.server, strategyOptions);
		return new SnapshotStrategy(reader, session.server, strategyOptions);
	};
	/** One poll on a fresh connection: connect + bind + poll + unbind, as a trigger's poll does. */
	const pollOnce = async (
		name: StrategyName,
		state: ChangeState | undefined,
	): Promise<{ events: DirectoryEvent[]; state: ChangeState }> => {
		const result = await LdapSession.use(settings, (session) => build(name, session).poll(state));
		return { events: result.events, state: result.nextCursor };
	};
	// The user attributes a poll reads (the same list goes to the raw reads and to the naive run).
	const userAttributes = [
		...new Set([...Object.values(profile.user), ...profile.statusAttributes, 'pwdChangedTime', 'entryCSN']),
	];
	const thinAttributes = ['entryUUID', 'entryCSN', 'pwdChangedTime', ...profile.statusAttributes];
	const strategies: StrategyName[] = options.full ? ['accesslog', 'timestamp', 'snapshot'] : ['accesslog', 'timestamp'];

	const states = new Map<StrategyName, ChangeState>();
	const baselines: string[][] = [
		[
			`first activation, ${users.toLocaleString('en')} users`,
			'ms',
			'peak RSS',
			'RSS growth',
			'state bytes',
			'bytes per user',
		],
	];
	for (const name of strategies) {
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
			(bytes / users).toFixed(1),
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
	if (options.full) await naive();

	const runs = new Map<string, Run[]>();
	const memory = new Map<string, Run>();
	// Rounds of the small reads (the polls and the raw read of the changed entries), then, in the full phase,
	// rounds of the whole-directory reads (reconciliation, paged reads, naive diff): a read of every user leaves
	// hundreds of megabytes of garbage that V8 collects during whatever runs next, which is not a poll's cost.
	// The last round of the full phase measures memory only: a full GC before each run, times not counted.
	const plan: Array<{ kind: 'small' | 'reference' | 'whole' | 'memory'; counted: boolean }> = [
		...Array.from({ length: WARMUP + SMALL_ROUNDS }, (_, index) => ({
			kind: 'small' as const,
			counted: index >= WARMUP,
		})),
		...Array.from({ length: ROUNDS }, () => ({ kind: 'reference' as const, counted: true })),
		...(options.full
			? [
					...Array.from({ length: WARMUP + ROUNDS }, (_, index) => ({
						kind: 'whole' as const,
						counted: index >= WARMUP,
					})),
					{ kind: 'memory' as const, counted: false },
				]
			: []),
	];
	/** Changes each strategy has not polled yet (a strategy polls in some rounds only). */
	const pending = new Map<StrategyName, number>(strategies.map((name) => [name, 0]));
	const pollSide = (name: StrategyName) => ({
		name: SIDE[name],
		atLeast: CHANGES,
		work: async () => {
			const result = await pollOnce(name, states.get(name));
			states.set(name, result.state);
			if (result.events.length !== pending.get(name))
				throw new Error(`${name} saw ${result.events.length} events instead of ${pending.get(name)}`);
			pending.set(name, 0);
			return result.events.length;
		},
	});
	// The changes are written in process, on a connection of their own: starting a process (ldapmodify) forks
	// this one, after which the first write to each page of its memory faults (copy on write), about 15 µs a page
	// on this machine, paid by whichever side writes most memory next; n8n starts no process between polls.
	// For the same reason the ldapsearch processes run in rounds of their own ('reference').
	const writer = await LdapSession.open(settings);
	try {
		for (let round = 0; round < plan.length; round++) {
			const { kind, counted } = plan[round];
			const memoryRound = kind === 'memory';
			const small = kind === 'small' || kind === 'memory';
			const whole = kind === 'whole' || kind === 'memory';
			// The timestamp strategy's high-water mark before the changes: what the raw reads filter on.
			const since = states.get('timestamp')?.stampHighWater ?? '19700101000000Z';
			const changedFilter = `(&(objectClass=inetOrgPerson)(entryCSN>=${since}))`;
			// The accesslog state before this round's poll: where its reads start.
			const accesslogBefore = states.get('accesslog');
			await new Promise((resolve) => setTimeout(resolve, 1100));
			for (let index = 0; index < CHANGES; index++) {
				const user = slapd.fixture.users[(round * CHANGES + index * 97) % users];
				await writer.modify(slapd.layout.userDN(user.uid), [
					new Change({
						operation: 'replace',
						modification: new Attribute({ type: 'title', values: [`Bench ${round}-${index}`] }),
					}),
				]);
			}
			for (const name of strategies) pending.set(name, (pending.get(name) ?? 0) + CHANGES);

			const sides: Array<{ name: string; work: () => Promise<number>; atLeast?: number }> = [];
			for (const name of strategies) if (name === 'snapshot' ? whole : small) sides.push(pollSide(name));
			if (small && accesslogBefore?.cursor !== undefined) {
				const cursor = accesslogBefore.cursor;
				const from = accesslogBefore.readAheadFrom ?? cursor;
				// What the accesslog poll waits for before its own work: the log search and the read-ahead of the
				// changed entries, sent together and turned into records and observations as the poll does; no
				// diff, no events, no state. The part of the poll the protocol sets.
				sides.push({
					name: SIDE.accesslogReads,
					atLeast: CHANGES,
					work: () =>
						LdapSession.use(settings, async (session) => {
							const [logged, ahead] = await Promise.all([
								new AccesslogReads(session, 'cn=accesslog').since(cursor, ACCESSLOG_ATTRIBUTES),
								readerOf(session).changedSinceAtMost(from, 1000),
							]);
							return Math.min(logged.entries.map(parseAccesslogRecord).length, ahead.users.size);
						}),
				});
			}
			if (small)
				sides.push({
					name: SIDE.raw,
					atLeast: CHANGES,
					work: () =>
						LdapSession.use(settings, async (session) => {
							const entries = await session.search(slapd.layout.peopleDN, {
								scope: 'sub',
								filter: changedFilter,
								attributes: userAttributes,
							});
							return entries.length;
						}),
				});
			if (kind === 'reference')
				sides.push({
					name: SIDE.ldapsearchChanged,
					work: () =>
						runLdapsearch(slapd, { base: slapd.layout.peopleDN, filter: changedFilter, attributes: userAttributes }),
				});
			if (whole) {
				sides.push({
					name: SIDE.rawThin,
					atLeast: users,
					work: () =>
						LdapSession.use(settings, async (session) => {
							let count = 0;
							for await (const page of session.searchPages(
								slapd.layout.peopleDN,
								{ scope: 'sub', filter: '(objectClass=inetOrgPerson)', attributes: thinAttributes },
								PAGE_SIZE,
							))
								count += page.length;
							return count;
						}),
				});
				sides.push({
					name: SIDE.ldapsearchThin,
					work: () =>
						runLdapsearch(slapd, {
							base: slapd.layout.peopleDN,
							filter: '(objectClass=inetOrgPerson)',
							attributes: thinAttributes,
							pageSize: PAGE_SIZE,
						}),
				});
				sides.push({ name: SIDE.naive, atLeast: CHANGES, work: naive });
			}
			// Alternate the order of the sides from one round to the next.
			if (round % 2 === 1) sides.reverse();
			for (const side of sides) {
				const run = await timed(side.work, memoryRound);
				if (side.atLeast !== undefined && run.count < side.atLeast)
					throw new Error(`${side.name} counted ${run.count}, fewer than ${side.atLeast}`);
				if (memoryRound) memory.set(side.name, run);
				else if (counted) runs.set(side.name, [...(runs.get(side.name) ?? []), run]);
			}
			// The incremental strategies keep up in the other rounds too, untimed.
			if (kind === 'whole' || kind === 'reference')
				for (const name of strategies) if (name !== 'snapshot') await pollSide(name).work();
			// What n8n does after a poll that changed the static data: serialize all of it to save it. Timed apart
			// from the poll, as n8n's own cost; it also flattens the users text the poll joined (user-table.ts).
			for (const name of strategies) {
				if (!(name === 'snapshot' ? whole : small)) continue;
				const save = await timed(async () => JSON.stringify({ node: { changeState: states.get(name) } }).length);
				const label = `n8n's save after the ${name} poll (JSON of the state)`;
				if (counted && !memoryRound) runs.set(label, [...(runs.get(label) ?? []), save]);
			}
		}
	} finally {
		await writer.close();
	}
	const table: string[][] = [
		[
			`${users.toLocaleString('en')} users, ${CHANGES} changes, fresh connection each`,
			'median ms',
			'min ms',
			'peak RSS',
			options.full ? 'RSS growth (GC first)' : '',
		],
	];
	const peakOf = (name: string) =>
		Math.max(
			...[...(runs.get(name) ?? []), ...(memory.has(name) ? [memory.get(name) as Run] : [])].map((run) => run.peakRss),
		);
	const medians = new Map<string, number>();
	for (const [name, list] of runs) {
		medians.set(name, median(list.map((run) => run.ms)));
		const other = name.startsWith('ldapsearch');
		table.push([
			name,
			median(list.map((run) => run.ms)).toFixed(1),
			Math.min(...list.map((run) => run.ms)).toFixed(1),
			other ? '(other process)' : mb(peakOf(name)),
			other || !options.full ? '' : mb(memory.get(name)?.growth ?? 0),
		]);
	}
	print(table);
	if (options.full) {
		const polls = strategies.map((name) => SIDE[name]);
		process.stdout.write(
			`Peak RSS of this process (holds the fixture too) ${mb(Math.max(...polls.map(peakOf)))}; peak RSS growth during a poll (GC first) ${mb(
				Math.max(...polls.map((name) => memory.get(name)?.growth ?? 0)),
			)}\n\n`,
		);
	}
	return { users, medians, states };
}

/** n8n's JSON round trip of a state (stringify to save it, parse to load it), medians over a few runs. */
function serialization(state: ChangeState): { bytes: number; stringifyMs: number; parseMs: number } {
	const stringify: number[] = [];
	const parse: number[] = [];
	let text = '';
	for (let run = 0; run < 7; run++) {
		let started = process.hrtime.bigint();
		text = JSON.stringify({ node: { changeState: state } });
		stringify.push(Number(process.hrtime.bigint() - started) / 1e6);
		started = process.hrtime.bigint();
		JSON.parse(text);
		parse.push(Number(process.hrtime.bigint() - started) / 1e6);
	}
	return { bytes: Buffer.byteLength(JSON.stringify(state)), stringifyMs: median(stringify), parseMs: median(parse) };
}

interface Floor {
	what: string;
	value: number;
	/** The floor: value ≤ limit. */
	limit: number;
	/** How the value reads (e.g. "2.10×", "23.4 bytes"). */
	unit: string;
	detail: string;
}

async function main(): Promise<void> {
	const floors: Floor[] = [];
	// BENCH_USERS=0: the million alone (its figures printed, the floors that need both phases not checked).
	const small: PhaseResult = { users: USERS, medians: new Map(), states: new Map() };
	const ms = (phase: PhaseResult, name: string) => phase.medians.get(name) ?? Number.NaN;
	if (USERS > 0) {
		process.stdout.write(
			`Starting slapd with ${USERS.toLocaleString('en')} users (load average ${load()}, ${os.cpus().length} cores)...\n`,
		);
		const slapd = await startSlapd({
			users: USERS,
			otds: false,
			stampIndexes: STAMP_INDEX,
			cacheData: true,
			startTimeoutMs: 300_000,
		});
		try {
			describeFixture(slapd, USERS);
			Object.assign(small, await measurePhase(slapd, USERS, { full: true }));
		} finally {
			await slapd.stop();
		}
		for (const name of ['accesslog', 'timestamp'] as const) {
			floors.push({
				what: `${name} poll ÷ raw in-process read of the changed entries`,
				value: ms(small, SIDE[name]) / ms(small, SIDE.raw),
				limit: 2.5,
				unit: '×',
				detail:
					`${ms(small, SIDE[name]).toFixed(1)} ms / ${ms(small, SIDE.raw).toFixed(1)} ms (ldapsearch process ${ms(small, SIDE.ldapsearchChanged).toFixed(1)} ms` +
					(name === 'accesslog'
						? `; its two reads alone ${ms(small, SIDE.accesslogReads).toFixed(1)} ms = ${(ms(small, SIDE.accesslogReads) / ms(small, SIDE.raw)).toFixed(2)}×)`
						: ')'),
			});
		}
		floors.push({
			what: 'snapshot reconciliation ÷ paged ldapsearch (thin)',
			value: ms(small, SIDE.snapshot) / ms(small, SIDE.ldapsearchThin),
			limit: 1.2,
			unit: '×',
			detail: `${ms(small, SIDE.snapshot).toFixed(0)} ms / ${ms(small, SIDE.ldapsearchThin).toFixed(0)} ms (raw in-process paged read ${ms(small, SIDE.rawThin).toFixed(0)} ms)`,
		});
		const serialized: string[][] = [
			['stored state, 100,000 users', 'bytes', 'bytes per user', 'stringify ms', 'parse ms'],
		];
		let largestPerUser = 0;
		for (const [name, state] of small.states) {
			const figures = serialization(state);
			largestPerUser = Math.max(largestPerUser, figures.bytes / USERS);
			serialized.push([
				name,
				figures.bytes.toLocaleString('en'),
				(figures.bytes / USERS).toFixed(1),
				figures.stringifyMs.toFixed(1),
				figures.parseMs.toFixed(1),
			]);
		}
		print(serialized);
		floors.push({
			what: 'stored state per user, memberships included (largest strategy)',
			value: largestPerUser,
			limit: 24,
			unit: ' bytes',
			detail: 'JSON bytes of the state ÷ users',
		});
	}
	if (MILLION_USERS > 0) {
		process.stdout.write(
			`Starting slapd with ${MILLION_USERS.toLocaleString('en')} users (load average ${load()})...\n`,
		);
		const large = await startSlapd({
			users: MILLION_USERS,
			otds: false,
			stampIndexes: STAMP_INDEX,
			cacheData: true,
			startTimeoutMs: 900_000,
		});
		try {
			describeFixture(large, MILLION_USERS);
			const million = await measurePhase(large, MILLION_USERS, { full: false });
			for (const name of USERS > 0 ? (['accesslog', 'timestamp'] as const) : []) {
				floors.push({
					what: `${name} poll at ${MILLION_USERS.toLocaleString('en')} ÷ at ${USERS.toLocaleString('en')} users`,
					value: ms(million, SIDE[name]) / ms(small, SIDE[name]),
					limit: 1.5,
					unit: '×',
					detail: `${ms(million, SIDE[name]).toFixed(1)} ms / ${ms(small, SIDE[name]).toFixed(1)} ms (raw read there ${ms(million, SIDE.raw).toFixed(1)} ms)`,
				});
			}
			for (const [name, state] of million.states) {
				const figures = serialization(state);
				process.stdout.write(
					`${name} state at ${MILLION_USERS.toLocaleString('en')} users: ${figures.bytes.toLocaleString('en')} bytes (${(figures.bytes / MILLION_USERS).toFixed(1)} per user), JSON stringify ${figures.stringifyMs.toFixed(0)} ms, parse ${figures.parseMs.toFixed(0)} ms\n`,
				);
			}
			process.stdout.write('\n');
		} finally {
			await large.stop();
		}
	} else
		process.stdout.write('The 1,000,000-user phase was skipped (BENCH_MILLION_USERS=0): its floor is not checked.\n\n');

	const table: string[][] = [['floor', 'value', 'floor', 'met', 'figures']];
	for (const floor of floors)
		table.push([
			floor.what,
			`${floor.value.toFixed(2)}${floor.unit}`,
			`≤ ${floor.limit}${floor.unit}`,
			floor.value <= floor.limit ? 'yes' : 'NO',
			floor.detail,
		]);
	print(table);
	process.stdout.write(`Load average at the end: ${load()} (${os.cpus().length} cores)\n`);
	const missed = floors.filter((floor) => !(floor.value <= floor.limit));
	if (missed.length > 0) {
		process.stdout.write(`${missed.length} floor(s) missed: ${missed.map((floor) => floor.what).join('; ')}\n`);
		process.exitCode = 1;
	}
}

function describeFixture(slapd: Slapd, users: number): void {
	const built = slapd.timings.cachedBuild;
	process.stdout.write(
		`${users.toLocaleString('en')} users: change stamps ${STAMP_INDEX ? 'indexed' : 'NOT indexed (BENCH_STAMP_INDEX=0)'}; fixture generated in ${(slapd.timings.generateMs / 1000).toFixed(1)} s, databases ${
			slapd.timings.fromCache ? 'copied from the cache' : 'loaded'
		} in ${(slapd.timings.loadMs / 1000).toFixed(1)} s${
			built ? ` (building them took ${(built.loadMs / 1000).toFixed(0)} s, ${mb(built.databaseBytes)})` : ''
		}; load average ${load()}\n`,
	);
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
