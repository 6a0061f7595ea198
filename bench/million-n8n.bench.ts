/**
 * The polling trigger on a 1,000,000-person OpenLDAP in a real n8n 2.8.4 whose database is PostgreSQL (issue 18,
 * section 2). Not part of `npm run bench`'s default run: it takes 15–30 minutes and several GB.
 *
 *   npm run build && BENCH_MILLION_N8N=1 npm run bench million-n8n
 *
 * 1. A throwaway PostgreSQL (devkit/postgres.ts), the 1,000,000-user slapd of the changes benchmark (slapadd once,
 *    then copied from the cache: devkit/slapd.ts cacheData), n8n 2.8.4 with DB_TYPE=postgresdb and this
 *    package installed, logging as JSON at debug level (its "Polling trigger initiated" lines give each poll's
 *    start).
 * 2. A workflow "Directory Event" (Auto strategy → accesslog, one-minute polls, a reconciliation every
 *    BENCH_RECONCILE_EVERY polls) → No Op. Its activation runs the first poll (the baseline): timed.
 * 3. Before each of BENCH_POLLS polls, 100 users change (title); for each poll:
 *    - end to end: from n8n's "Polling trigger initiated" to the later of the execution's stoppedAt and the commit
 *      of n8n's write of the workflow row (PostgreSQL's commit timestamp of its xmin: n8n saves the static data
 *      beside the run);
 *    - the poll alone: up to n8n's "Received event to trigger execution";
 *    - the static data's size as PostgreSQL stores it, and whether the poll was a reconciliation
 *      (pollsSinceReconcile back to 0);
 *    - the size of the execution n8n saved (n8n 2.8.4 keeps a copy of the workflow with each, static data included);
 *    - n8n's RSS (sampled every 200 ms from /proc) against its RSS before the activation.
 * BENCH_SNAPSHOT_STORAGE=process runs the trigger with Keep Snapshot In: Process Memory.
 * Floors (exit 1 when one is missed): incremental poll end to end ≤ 2 s; static data ≤ 24 MB; n8n's RSS over idle
 * ≤ 300 MB after the polls, at its peak during the first activation, and at its peak during each reconciliation
 * (BENCH_RECONCILE_EVERY must make one of the polls a reconciliation).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Attribute, Change, Client } from 'ldapts';

import { ldapCredentialData } from '../devkit/ldap-credential';
import { ensureN8n, packPackage, readPackageJson, receivingWorkflow, startN8n } from '../devkit/n8n';
import { n8nDatabaseEnv, startPostgres } from '../devkit/postgres';
import { startSlapd } from '../devkit/slapd';

const USERS = Number(process.env.BENCH_USERS ?? 1_000_000);
const POLLS = Number(process.env.BENCH_POLLS ?? 3);
const RECONCILE_EVERY = Number(process.env.BENCH_RECONCILE_EVERY ?? 3);
/** The trigger's Keep Snapshot In: workflow (static data, the default) or process (the n8n process's memory). */
const SNAPSHOT_STORAGE = process.env.BENCH_SNAPSHOT_STORAGE === 'process' ? 'process' : 'workflow';
const CHANGES = 100;
const MB = 2 ** 20;

const load = () =>
	os
		.loadavg()
		.map((value) => value.toFixed(2))
		.join(' ');

/** n8n's CPU time so far (user + system), in seconds, from /proc. */
function cpuSecondsOf(pid: number): number {
	// The fields after the command's closing parenthesis: utime and stime are the 12th and 13th of them.
	const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return (Number(fields[11]) + Number(fields[12])) / 100;
}

function rssOf(pid: number): number {
	const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
	const match = /VmRSS:\s+(\d+) kB/.exec(status);
	return match ? Number(match[1]) * 1024 : 0;
}

/** n8n's JSON log lines with their time. */
function logLines(text: string): Array<{ at: number; message: string }> {
	const lines: Array<{ at: number; message: string }> = [];
	for (const line of text.split('\n')) {
		if (!line.startsWith('{')) continue;
		try {
			// n8n 2.8.4's JSON lines keep the time in metadata.timestamp.
			const entry = JSON.parse(line) as { timestamp?: string; message?: string; metadata?: { timestamp?: string } };
			const timestamp = entry.timestamp ?? entry.metadata?.timestamp;
			if (timestamp && entry.message) lines.push({ at: Date.parse(timestamp), message: entry.message });
		} catch {
			// Not a log entry of n8n's.
		}
	}
	return lines;
}

interface Floor {
	what: string;
	value: number;
	limit: number;
	unit: string;
}

async function main(): Promise<void> {
	if (process.env.BENCH_MILLION_N8N !== '1') {
		process.stdout.write('Skipped: set BENCH_MILLION_N8N=1 (15–30 minutes, several GB; see the header).\n');
		return;
	}
	const root = process.cwd();
	const pkg = readPackageJson(root);
	await ensureN8n();
	const tarball = await packPackage(root);
	process.stdout.write(
		`Starting PostgreSQL and slapd with ${USERS.toLocaleString('en')} users, snapshot kept in the ${SNAPSHOT_STORAGE === 'process' ? "n8n process's memory" : 'workflow static data'} (load ${load()})...\n`,
	);
	const postgres = await startPostgres();
	const slapd = await startSlapd({
		users: USERS,
		otds: false,
		stampIndexes: true,
		cacheData: true,
		startTimeoutMs: 1_800_000,
	});
	const n8n = await startN8n({
		tarball,
		startTimeoutMs: 300_000,
		env: {
			...n8nDatabaseEnv(postgres),
			N8N_LOG_LEVEL: 'debug',
			N8N_LOG_FORMAT: 'json',
		},
	});
	const writer = new Client({ url: slapd.url, timeout: 60_000 });
	const floors: Floor[] = [];
	let sampler: NodeJS.Timeout | undefined;
	let failureReport: (() => Promise<string>) | undefined;
	try {
		const pid = n8n.pid as number;
		await n8n.setupOwner();
		await n8n.createApiKey();
		const credential = {
			name: 'ldap',
			id: await n8n.createCredential(
				'openTextDirectoryLdapApi',
				'ldap',
				ldapCredentialData(slapd, { timeout: 600_000, maxPagesPerSearch: 100_000 }),
			),
		};
		const id = await n8n.createWorkflow(
			receivingWorkflow('Million', {
				type: `${pkg.name}.openTextDirectoryServicesTrigger`,
				parameters: {
					pollTimes: { item: [{ mode: 'everyMinute' }] },
					source: 'ldap',
					options: { reconcileEvery: RECONCILE_EVERY, bulkThreshold: 0, snapshotStorage: SNAPSHOT_STORAGE },
				},
				credentials: { openTextDirectoryLdapApi: credential },
			}),
		);
		const row = (column: string) =>
			postgres.sql(`SELECT ${column} FROM workflow_entity WHERE id = '${id.replace(/'/g, "''")}'`);
		await new Promise((resolve) => setTimeout(resolve, 5000));
		const idleRss = rssOf(pid);
		let peak = idleRss;
		// The last two minutes of n8n's CPU and RSS, a sample a second: printed when the run fails (what was n8n doing?).
		const trail: Array<{ at: number; cpu: number; rss: number }> = [];
		let ticks = 0;
		sampler = setInterval(() => {
			try {
				const rss = rssOf(pid);
				peak = Math.max(peak, rss);
				if (ticks++ % 5 === 0) {
					trail.push({ at: Date.now(), cpu: cpuSecondsOf(pid), rss });
					if (trail.length > 120) trail.shift();
				}
			} catch {
				// n8n has exited: the run fails below.
			}
		}, 200);
		failureReport = async () => {
			const lines = trail.map((sample, index) => {
				const previous = trail[index - 1];
				const busy = previous ? (100 * (sample.cpu - previous.cpu)) / ((sample.at - previous.at) / 1000) : 0;
				return `${new Date(sample.at).toISOString().slice(11, 19)} cpu ${busy.toFixed(0).padStart(3)} % rss ${((sample.rss - idleRss) / MB).toFixed(0)} MB over idle`;
			});
			const activity = await postgres
				.sql(
					"SELECT pid, state, wait_event_type, wait_event, round(extract(epoch from now() - query_start)), left(regexp_replace(query, '\\s+', ' ', 'g'), 90) FROM pg_stat_activity WHERE datname IS NOT NULL AND pid <> pg_backend_pid()",
				)
				.catch((error: unknown) => String(error));
			return `n8n's CPU and RSS, a sample a second:\n${lines.join('\n')}\nPostgreSQL's sessions (pid, state, wait, seconds, query):\n${activity}\n`;
		};

		process.stdout.write(`n8n idle: RSS ${(idleRss / MB).toFixed(0)} MB. Activating (the first poll)...\n`);
		const activationStarted = Date.now();
		const activation = await n8n.request('POST', `/api/v1/workflows/${id}/activate`, undefined, {
			apiKey: true,
			timeoutMs: 3_600_000,
		});
		if (activation.status >= 300) throw new Error(`activation failed: ${JSON.stringify(activation.body)}`);
		const activationMs = Date.now() - activationStarted;
		const activationPeak = peak;
		// The activation's poll emits nothing: n8n saves the static data when the workflow is next written or
		// deactivated, so its size is read after the first poll that emitted.
		process.stdout.write(
			`first activation (baseline): ${(activationMs / 1000).toFixed(1)} s, n8n RSS peak ${((activationPeak - idleRss) / MB).toFixed(0)} MB above idle, now ${((rssOf(pid) - idleRss) / MB).toFixed(0)} MB\n`,
		);

		await writer.bind(slapd.adminDN, slapd.adminPassword);
		const table: string[][] = [
			[
				'poll',
				'kind',
				'end to end ms',
				'poll ms',
				'execution ms',
				'static data MB',
				'saved execution MB',
				'RSS above idle MB',
				'load',
			],
		];
		const incremental: number[] = [];
		let reconciliationPeak = -1;
		let largestStatic = 0;
		for (let round = 0; round < POLLS; round++) {
			for (let index = 0; index < CHANGES; index++) {
				const user = slapd.fixture.users[(round * CHANGES + index * 9973) % slapd.fixture.users.length];
				await writer.modify(slapd.layout.userDN(user.uid), [
					new Change({
						operation: 'replace',
						modification: new Attribute({ type: 'title', values: [`Million ${round}.${index}`] }),
					}),
				]);
			}
			const xminBefore = await row('xmin');
			const before = (await n8n.executions(id, { includeData: false })).length;
			peak = rssOf(pid);
			// The next one-minute tick, or the one after when this one came while the changes were written.
			const [execution] = (await n8n.waitForExecutions(id, before + 1, 200_000, { includeData: false })).sort(
				(a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt),
			);
			// When PostgreSQL committed n8n's write of the row (track_commit_timestamp, devkit/postgres.ts). Read
			// once it happened, every half second: a psql started every few milliseconds to catch the moment
			// loaded the two cores it measured.
			let savedAt = 0;
			for (const deadline = Date.now() + 120_000; Date.now() < deadline;) {
				if ((await row('xmin')) !== xminBefore) {
					savedAt = Number(await row('round(extract(epoch from pg_xact_commit_timestamp(xmin)) * 1000)'));
					break;
				}
				await new Promise((resolve) => setTimeout(resolve, 500));
			}
			if (savedAt === 0) throw new Error('n8n did not write the static data within 2 minutes of the poll');
			const lines = logLines(n8n.logs());
			const emitted = lines.filter(
				(line) =>
					line.message.startsWith('Received event to trigger execution') && line.at <= Date.parse(execution.startedAt),
			);
			const emit = emitted[emitted.length - 1];
			const initiated = lines.filter(
				(line) => line.message.startsWith('Polling trigger initiated') && emit !== undefined && line.at <= emit.at,
			);
			const start = initiated[initiated.length - 1];
			if (start === undefined || emit === undefined) throw new Error("the poll is not in n8n's log");
			const stopped = Date.parse(execution.stoppedAt ?? execution.startedAt);
			const endToEnd = Math.max(stopped, savedAt) - start.at;
			const staticBytes = Number(await row('octet_length("staticData"::text)'));
			// n8n keeps a copy of the workflow, static data included, with every execution it saves.
			const savedExecutionBytes = Number(
				await postgres.sql(
					`SELECT octet_length("workflowData"::text) + octet_length(data) FROM execution_data WHERE "executionId" = ${Number(execution.id)}`,
				),
			);
			const sinceReconcile = Number(
				await row(`"staticData"->'node:Directory Event'->'changeState'->>'pollsSinceReconcile'`),
			);
			const kind = sinceReconcile === 0 ? 'reconciliation' : 'incremental';
			if (kind === 'incremental') incremental.push(endToEnd);
			else reconciliationPeak = Math.max(reconciliationPeak, peak - idleRss);
			largestStatic = Math.max(largestStatic, staticBytes);
			table.push([
				String(round + 1),
				kind,
				String(endToEnd),
				String(emit.at - start.at),
				String(stopped - Date.parse(execution.startedAt)),
				(staticBytes / MB).toFixed(1),
				(savedExecutionBytes / MB).toFixed(1),
				`${((rssOf(pid) - idleRss) / MB).toFixed(0)} (peak ${((peak - idleRss) / MB).toFixed(0)})`,
				load(),
			]);
			process.stdout.write(`${table[table.length - 1].join(' | ')}\n`);
		}
		const retained = rssOf(pid) - idleRss;
		const widths = table[0].map((_, column) => Math.max(...table.map((line) => line[column].length)));
		process.stdout.write(
			`\n${table.map((line) => line.map((cell, column) => cell.padEnd(widths[column])).join('  ')).join('\n')}\n\n`,
		);
		floors.push(
			{
				what: 'incremental poll end to end in n8n (worst)',
				value: incremental.length > 0 ? Math.max(...incremental) : Number.NaN,
				limit: 2000,
				unit: ' ms',
			},
			{ what: 'static data as PostgreSQL stores it', value: largestStatic / MB, limit: 24, unit: ' MB' },
			{ what: 'n8n RSS growth after the polls (over idle)', value: retained / MB, limit: 300, unit: ' MB' },
			{
				what: 'n8n RSS peak during the first activation (over idle)',
				value: (activationPeak - idleRss) / MB,
				limit: 300,
				unit: ' MB',
			},
			{
				what: 'n8n RSS peak during a reconciliation (over idle, the worst)',
				value: reconciliationPeak >= 0 ? reconciliationPeak / MB : Number.NaN,
				limit: 300,
				unit: ' MB',
			},
		);
		process.stdout.write(
			`${USERS.toLocaleString('en')} users: static data ${(largestStatic / USERS).toFixed(1)} bytes per user; first activation ${(activationMs / 1000).toFixed(1)} s with RSS peak ${((activationPeak - idleRss) / MB).toFixed(0)} MB over idle\n`,
		);
		await n8n.deactivateWorkflow(id);
	} catch (error) {
		// What n8n said last (its debug lines left out): the user folder and its log go with stop().
		const said = n8n
			.logs()
			.split('\n')
			.filter((line) => !line.includes('"level":"debug"'))
			.slice(-40);
		process.stderr.write(`n8n's last log lines (pid ${n8n.pid ?? 'exited'}):\n${said.join('\n')}\n`);
		if (failureReport) process.stderr.write(await failureReport());
		// BENCH_N8N_LOG: a file to keep n8n's whole log in (debug lines included), which goes with its user folder.
		if (process.env.BENCH_N8N_LOG) fs.writeFileSync(process.env.BENCH_N8N_LOG, n8n.logs());
		throw error;
	} finally {
		if (sampler) clearInterval(sampler);
		await writer.unbind().catch(() => undefined);
		await Promise.allSettled([n8n.stop(), slapd.stop()]);
		await postgres.stop();
		fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
	}
	let missed = 0;
	for (const floor of floors) {
		const met = floor.value <= floor.limit;
		if (!met) missed++;
		process.stdout.write(
			`${met ? 'met ' : 'MISSED'}  ${floor.what}: ${floor.value.toFixed(1)}${floor.unit} (floor ≤ ${floor.limit}${floor.unit})\n`,
		);
	}
	process.stdout.write(`Load average at the end: ${load()}\n`);
	if (missed > 0) process.exit(1);
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exit(1);
});
