/**
 * Nested group members and big audiences on a 100,000-user OpenLDAP, against the `ldapsearch` CLI.
 *
 *   npm run bench groups          (scripts/bench.mjs bundles this file with esbuild and runs it with --expose-gc)
 *
 * 1. Starts a throwaway slapd with 100,000 inetOrgPerson users (slapadd; no OTDS tree).
 * 2. Adds the group "Bench Product and Sales" = { Product & Technology, Go-To-Market, Engineering } and puts
 *    it back into Engineering (a cycle): three levels of nesting, a diamond (Engineering twice) and a cycle;
 *    about 58,700 people.
 * 3. Times LdapDirectory.groupMembers (nested) in both member lookups, raw ldapts searches (to show what our
 *    layer costs) and `ldapsearch` processes fetching the same entries with the same attributes (given the
 *    group closure for free: ldapsearch cannot expand groups). Every side connects and binds inside its
 *    timing (ours opens its LdapSession, the raw runs their ldapts Client, ldapsearch its process). Runs are
 *    interleaved, in reverse order every other round, the in-process ones in rounds before any ldapsearch process
 *    is started (see below), medians reported; exits with 1 when a floor is missed
 *    (ours ≤ 2× the raw in-process read of one paged search per group, and ≤ 2× each ldapsearch).
 *    Importing our transport installs its search entry decoder on ldapts (transport/ldap/search-entry-decoder.ts),
 *    so the raw ldapts rows decode with it too, except the one that puts ldapts's own decoding back for its run.
 * 4. Resolves an audience of all 100,000 users by an attribute, sampling process.memoryUsage().rss.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Client, SearchEntry } from 'ldapts';
import { resolveAudience } from '../core/audience';
import { LdapDirectory } from '../core/ldap/directory';
import { profileFor } from '../core/ldap/flavours';
import { installSearchEntryDecoder, uninstallSearchEntryDecoder } from '../transport/ldap/search-entry-decoder';
import { LdapSession } from '../transport/ldap/session';
import { parseLdapConnectionSettings } from '../transport/ldap/settings';
import { attrLine, transitiveUsers } from '../devkit/fixture';
import { runLdapsearch } from '../devkit/ldapsearch';
import { startSlapd } from '../devkit/slapd';

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PAGE_SIZE = 500;
const BENCH_GROUP = 'Bench Product and Sales';
const NESTED = ['Product & Technology', 'Go-To-Market', 'Engineering'];

declare const gc: (() => void) | undefined;

/** Peak RSS (and heap in use) over a run: sampled every 5 ms and whenever the run reports progress. */
class MemorySampler {
	startRss = 0;
	startHeap = 0;
	peakRss = 0;
	peakHeap = 0;
	private timer?: NodeJS.Timeout;
	start(): void {
		if (typeof gc === 'function') gc();
		const usage = process.memoryUsage();
		this.startRss = this.peakRss = usage.rss;
		this.startHeap = this.peakHeap = usage.heapUsed;
		this.timer = setInterval(() => this.sample(), 5);
	}
	sample(): void {
		const usage = process.memoryUsage();
		this.peakRss = Math.max(this.peakRss, usage.rss);
		this.peakHeap = Math.max(this.peakHeap, usage.heapUsed);
	}
	stop(): void {
		clearInterval(this.timer);
		this.sample();
	}
}

interface Run {
	ms: number;
	count: number;
	startRss: number;
	peakRss: number;
	startHeap: number;
	peakHeap: number;
}

/**
 * Live memory: the run again with a full GC every 20 pages, keeping the largest heap in use right after
 * one. Unlike a peak (which also counts garbage V8 has not collected yet), this is what the code holds.
 */
async function liveHeapGrowth(work: (sample: () => void) => Promise<number>): Promise<number> {
	if (typeof gc !== 'function') return Number.NaN;
	const collect = gc;
	// Let go of the last regular-expression subject V8 keeps, which would be freed during the run.
	/x/.exec('x');
	collect();
	const start = process.memoryUsage().heapUsed;
	let live = start;
	let pages = 0;
	await work(() => {
		if (++pages % 20 !== 0) return;
		collect();
		live = Math.max(live, process.memoryUsage().heapUsed);
	});
	return live - start;
}

async function timed(work: (sample: () => void) => Promise<number>): Promise<Run> {
	const sampler = new MemorySampler();
	sampler.start();
	const started = process.hrtime.bigint();
	const count = await work(() => sampler.sample());
	const ms = Number(process.hrtime.bigint() - started) / 1e6;
	sampler.stop();
	return {
		ms,
		count,
		startRss: sampler.startRss,
		peakRss: sampler.peakRss,
		startHeap: sampler.startHeap,
		peakHeap: sampler.peakHeap,
	};
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;
const mb1 = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const escape = (value: string) =>
	value.replace(/[*()\\\0]/g, (char) => `\\${char.charCodeAt(0).toString(16).padStart(2, '0')}`);

async function main(): Promise<void> {
	const t0 = Date.now();
	const slapd = await startSlapd({ users: USERS, otds: false, cacheData: true, startTimeoutMs: 120_000 });
	process.stdout.write(
		`slapd with ${USERS.toLocaleString('en')} users ready in ${Date.now() - t0} ms (load ${slapd.timings.loadMs} ms)\n`,
	);
	const settings = parseLdapConnectionSettings({
		serverUrls: slapd.url,
		connectionSecurity: 'none',
		bindDN: slapd.adminDN,
		bindPassword: slapd.adminPassword,
		baseDN: slapd.baseDN,
		timeout: 600_000,
	});
	let failed = false;
	try {
		const groupDN = slapd.layout.groupDN;
		await slapd.ldapmodify(
			`${attrLine('dn', groupDN(BENCH_GROUP))}changetype: add\nobjectClass: groupOfNames\n${attrLine('cn', BENCH_GROUP)}${NESTED.map((name) => attrLine('member', groupDN(name))).join('')}`,
		);
		await slapd.ldapmodify(
			`${attrLine('dn', groupDN('Engineering'))}changetype: modify\nadd: member\n${attrLine('member', groupDN(BENCH_GROUP))}`,
		);
		const expected = new Set(NESTED.flatMap((name) => [...transitiveUsers(slapd.fixture, name)])).size;
		// The generated fixture (~135 MB of objects) is not needed any more: let it go, so that the memory
		// figures below are about the code measured, not about the test data generator.
		Reflect.deleteProperty(slapd, 'fixture');
		Reflect.deleteProperty(slapd, 'otds');
		if (typeof gc === 'function') gc();
		const setup = process.memoryUsage();
		process.stdout.write(`this process after setup: RSS ${mb(setup.rss)}, heap in use ${mb(setup.heapUsed)}\n`);

		// Each run opens its own session (connect + bind), as the raw runs and ldapsearch do.
		const directoryOn = (session: LdapSession) => new LdapDirectory(session, profileFor('openLdap'), slapd.baseDN);
		const viaAttributeOn = (session: LdapSession) =>
			new LdapDirectory(session, profileFor('openLdap'), slapd.baseDN, { memberLookup: 'memberAttribute' });
		const attributes = await LdapSession.use(settings, async (session) =>
			directoryOn(session).users.attributesToRead([]),
		);
		// The group closure, as our BFS finds it (ldapsearch and the raw runs get it for free).
		const closure = [
			groupDN(BENCH_GROUP),
			...NESTED.map(groupDN),
			...['Product Management', 'Research', 'Sales', 'Marketing'].map(groupDN),
		];
		const orFilter = `(&(objectClass=inetOrgPerson)(|${closure.map((dn) => `(memberOf=${escape(dn)})`).join('')}))`;
		const peopleBase = slapd.layout.peopleDN;

		const members = (backendOn: (session: LdapSession) => LdapDirectory) => (sample: () => void) =>
			LdapSession.use(settings, async (session) => {
				let count = 0;
				for await (const page of backendOn(session).groupMembers('name', BENCH_GROUP, {
					nested: true,
					pageSize: PAGE_SIZE,
				})) {
					count += page.length;
					sample();
				}
				return count;
			});
		const raw = (filters: string[]) => async (sample: () => void) => {
			const client = new Client({ url: slapd.url, timeout: 600_000 });
			await client.bind(slapd.adminDN, slapd.adminPassword);
			const seen = new Set<string>();
			for (const filter of filters) {
				for await (const page of client.searchPaginated(peopleBase, {
					scope: 'sub',
					filter,
					attributes,
					paged: { pageSize: PAGE_SIZE },
				})) {
					for (const entry of page.searchEntries) seen.add(entry.dn);
					sample();
				}
			}
			await client.unbind();
			return seen.size;
		};
		const withLdaptsDecoder = (work: (sample: () => void) => Promise<number>) => async (sample: () => void) => {
			uninstallSearchEntryDecoder(SearchEntry);
			try {
				return await work(sample);
			} finally {
				installSearchEntryDecoder(SearchEntry);
			}
		};
		const perGroup = closure.map((dn) => `(&(objectClass=inetOrgPerson)(memberOf=${escape(dn)}))`);

		const rows: Array<{ name: string; work: (sample: () => void) => Promise<number>; rounds: number }> = [
			{ name: 'ours: groupMembers nested, memberOf lookup', work: members(directoryOn), rounds: ROUNDS },
			{
				name: 'ours: groupMembers nested, memberAttribute lookup',
				work: members(viaAttributeOn),
				rounds: Math.min(ROUNDS, 2),
			},
			{ name: 'raw ldapts: one paged search per group (no mapping)', work: raw(perGroup), rounds: ROUNDS },
			{
				name: "raw ldapts, ldapts's own decoder: one paged search per group",
				work: withLdaptsDecoder(raw(perGroup)),
				rounds: ROUNDS,
			},
			{ name: 'raw ldapts: one paged OR search of all groups', work: raw([orFilter]), rounds: Math.min(ROUNDS, 3) },
			{
				name: 'ldapsearch process, paged 500, OR of all groups',
				work: () => runLdapsearch(slapd, { base: peopleBase, filter: orFilter, attributes, pageSize: PAGE_SIZE }),
				rounds: ROUNDS,
			},
			{
				name: 'ldapsearch processes, paged 500, one per group',
				work: async () => {
					for (const filter of perGroup)
						await runLdapsearch(slapd, {
							base: peopleBase,
							filter: filter,
							attributes,
							pageSize: PAGE_SIZE,
						});
					return -1;
				},
				rounds: ROUNDS,
			},
			{
				name: 'ldapsearch process, unpaged, OR of all groups',
				work: () => runLdapsearch(slapd, { base: peopleBase, filter: orFilter, attributes }),
				rounds: ROUNDS,
			},
		];
		const results = new Map<string, Run[]>(rows.map((row) => [row.name, []]));
		// The in-process sides' rounds first, then the ldapsearch processes' own: starting a process forks this one,
		// after which the first write to each page of its memory faults (copy on write, about 15 µs a page here),
		// paid by whichever in-process side ran next.
		const inProcess = rows.filter((row) => !row.name.startsWith('ldapsearch'));
		const processes = rows.filter((row) => row.name.startsWith('ldapsearch'));
		for (const group of [inProcess, processes]) {
			for (let round = 0; round < ROUNDS; round++) {
				// Every other round in reverse order, so that no side always runs on a warmer server.
				for (const row of round % 2 === 0 ? group : [...group].reverse()) {
					if (round >= row.rounds) continue;
					results.get(row.name)!.push(await timed(row.work));
				}
			}
		}
		// ldapsearch once more into a file, to check it fetched the same people.
		const ldifFile = join(slapd.dir, 'members.ldif');
		const ldapsearchCount = await runLdapsearch(slapd, {
			base: peopleBase,
			filter: orFilter,
			attributes,
			output: ldifFile,
		});
		const ldifSize = statSync(ldifFile).size;

		process.stdout.write(
			`\nNested group "${BENCH_GROUP}" (3 levels, a diamond and a cycle): ${expected.toLocaleString('en')} people expected; `,
		);
		process.stdout.write(
			`${attributes.length} attributes per person (${attributes.join(' ')}); ldapsearch LDIF ${mb(ldifSize)}, ${ldapsearchCount.toLocaleString('en')} entries\n\n`,
		);
		const live = new Map<string, number>();
		for (const row of rows.slice(0, 2)) live.set(row.name, await liveHeapGrowth(row.work));
		const table: string[][] = [['what', 'people', 'median ms', 'min ms', 'peak RSS', 'live heap growth']];
		for (const row of rows) {
			const runs = results.get(row.name)!;
			const counts = new Set(runs.map((run) => run.count));
			table.push([
				row.name,
				[...counts].map((count) => (count < 0 ? '(not counted)' : count.toLocaleString('en'))).join('/'),
				median(runs.map((run) => run.ms)).toFixed(0),
				Math.min(...runs.map((run) => run.ms)).toFixed(0),
				row.name.startsWith('ldapsearch') ? '(other process)' : mb(Math.max(...runs.map((run) => run.peakRss))),
				live.has(row.name) ? mb1(live.get(row.name) as number) : '',
			]);
		}
		print(table);
		const ours = median(results.get(rows[0].name)!.map((run) => run.ms));
		// The raw in-process read (same client library, one paged search per group, connect and bind timed)
		// first; the ldapsearch processes for reference. Floor: ours ≤ 2× each.
		const references = [
			rows[2].name,
			...rows.filter((row) => row.name.startsWith('ldapsearch')).map((row) => row.name),
		];
		for (const reference of references) {
			const ratio = ours / median(results.get(reference)!.map((run) => run.ms));
			const met = ratio <= 2;
			if (!met) failed = true;
			process.stdout.write(`ours / ${reference}: ${ratio.toFixed(2)}x (floor <= 2x: ${met ? 'met' : 'NOT met'})\n`);
		}
		const wrongCount =
			results.get(rows[0].name)!.some((run) => run.count !== expected) ||
			results.get(rows[1].name)!.some((run) => run.count !== expected);
		if (wrongCount || ldapsearchCount !== expected) throw new Error('the runs did not all return the expected people');

		// An audience of everyone by an attribute (every fixture user is employeeType: Employee); a tenth of
		// it first: bounded memory means the peaks hardly differ.
		process.stdout.write(`\nAudience by attribute (employeeType equals Employee), pages of ${PAGE_SIZE}:\n\n`);
		const audienceRows: string[][] = [['what', 'people', 'ms', 'peak RSS', 'live heap growth']];
		const audienceFilter = '(&(objectClass=inetOrgPerson)(employeeType=Employee))';
		for (const limit of [USERS / 10, USERS, USERS / 10, USERS]) {
			const work = async (sample: () => void) => {
				let count = 0;
				const spec = {
					conditions: [{ attribute: 'employeeType', operator: 'equals' as const, value: 'Employee' }],
					accountState: 'any' as const,
					pageSize: PAGE_SIZE,
					limit,
				};
				await LdapSession.use(settings, async (session) => {
					for await (const page of resolveAudience(directoryOn(session), spec)) {
						count += page.length;
						sample();
					}
				});
				return count;
			};
			const run = await timed(work);
			const growth = audienceRows.length <= 2 ? mb1(await liveHeapGrowth(work)) : '';
			audienceRows.push([
				`ours: resolveAudience, limit ${limit.toLocaleString('en')}`,
				run.count.toLocaleString('en'),
				run.ms.toFixed(0),
				mb(run.peakRss),
				growth,
			]);
			if (run.count !== limit) throw new Error(`audience: ${run.count} people, expected ${limit}`);
		}
		const paged = await timed(() =>
			runLdapsearch(slapd, { base: peopleBase, filter: audienceFilter, attributes, pageSize: PAGE_SIZE }),
		);
		audienceRows.push([
			`ldapsearch process, paged ${PAGE_SIZE}, all`,
			'(same filter)',
			paged.ms.toFixed(0),
			'(other process)',
			'',
		]);
		print(audienceRows);
		process.stdout.write(
			'(live heap growth: the largest heap in use right after a full GC, taken every 20 pages, above the heap before the run)\n',
		);
	} finally {
		await slapd.stop();
	}
	if (failed) {
		process.stdout.write('A floor was missed.\n');
		process.exitCode = 1;
	}
}

function print(rows: string[][]): void {
	const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
	for (const [index, row] of rows.entries()) {
		process.stdout.write(
			`| ${row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join(' | ')} |\n`,
		);
		if (index === 0)
			process.stdout.write(
				`|${widths.map((width, column) => (column === 0 ? ':' : '-') + '-'.repeat(width) + (column === 0 ? '-' : ':')).join('|')}|\n`,
			);
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exit(1);
});
