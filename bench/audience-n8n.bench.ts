/**
 * One message to an audience of 1,000,000 people in one execution of a real n8n 2.8.4 whose database is
 * PostgreSQL (issue 18, section 2). Not part of `npm run bench`'s default run: it takes many minutes and several GB.
 *
 *   npm run build && BENCH_AUDIENCE_N8N=1 npm run bench audience-n8n      (BENCH_USERS=100000 for a shorter run)
 *
 * 1. A throwaway PostgreSQL (devkit/postgres.ts), the 1,000,000-user slapd of the changes benchmark (slapadd once,
 *    then copied from the cache: devkit/slapd.ts cacheData), the AppWorks Gateway emulator knowing every person,
 *    and n8n 2.8.4 with DB_TYPE=postgresdb and this package installed.
 * 2. A workflow Manual Trigger → OpenText Push, Send › Directory Audience (everyone with a mail address, read
 *    BENCH_PAGE_SIZE people at a time) through the AppWorks Gateway (BENCH_BATCH_SIZE people per request, 100 by default; BENCH_CONCURRENCY
 *    requests in flight): the people are read and sent page by page, and the node outputs one summary item.
 * 3. Measured: the execution's time as n8n reports it (startedAt → stoppedAt), messages per second, n8n's RSS
 *    (sampled every 200 ms from /proc) against its RSS before the run, the execution data as PostgreSQL stores it.
 *    Checked: every person got exactly one notification at the gateway.
 * Floor (exit 1 when missed, or when anyone got none or two): n8n RSS growth during the run ≤ 300 MB.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
	appWorksServiceCredential,
	AUDIENCE_PUSH_NODE,
	audienceWorkflow,
	notificationsPerPerson,
} from '../devkit/audience-workflow';
import { ldapCredentialData } from '../devkit/ldap-credential';
import { ensureN8n, executionError, nodeItems, packPackage, readPackageJson, startN8n } from '../devkit/n8n';
import { n8nDatabaseEnv, startPostgres } from '../devkit/postgres';
import { startSlapd } from '../devkit/slapd';
import { startAppWorksEmulator } from '../emulators/push/appworks';

const USERS = Number(process.env.BENCH_USERS ?? 1_000_000);
const PAGE_SIZE = Number(process.env.BENCH_PAGE_SIZE ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
/** People per request (the push node's Batch Size, 100 by default). */
const BATCH_SIZE = Number(process.env.BENCH_BATCH_SIZE ?? 100);
const RSS_FLOOR_MB = 300;
const MB = 2 ** 20;

const load = () =>
	os
		.loadavg()
		.map((value) => value.toFixed(2))
		.join(' ');

/** n8n's V8 heap and external memory from its Prometheus metrics (N8N_METRICS=true), in bytes. */
async function heapOf(url: string): Promise<{ used: number; total: number; external: number } | undefined> {
	try {
		const text = await (await fetch(`${url}/metrics`)).text();
		const metric = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
		return {
			used: metric('n8n_nodejs_heap_size_used_bytes'),
			total: metric('n8n_nodejs_heap_size_total_bytes'),
			external: metric('n8n_nodejs_external_memory_bytes'),
		};
	} catch {
		return undefined;
	}
}

function rssOf(pid: number): number {
	const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
	const match = /VmRSS:\s+(\d+) kB/.exec(status);
	return match ? Number(match[1]) * 1024 : 0;
}

async function main(): Promise<void> {
	if (process.env.BENCH_AUDIENCE_N8N !== '1') {
		process.stdout.write('Skipped: set BENCH_AUDIENCE_N8N=1 (many minutes, several GB; see the header).\n');
		return;
	}
	const root = process.cwd();
	const pkg = readPackageJson(root);
	await ensureN8n();
	const tarball = await packPackage(root);
	process.stdout.write(`Starting PostgreSQL and slapd with ${USERS.toLocaleString('en')} users (load ${load()})...\n`);
	const postgres = await startPostgres();
	// The options of the changes and million-n8n benchmarks, so the cached database serves all three.
	const slapd = await startSlapd({
		users: USERS,
		otds: false,
		stampIndexes: true,
		cacheData: true,
		startTimeoutMs: 1_800_000,
	});
	const gateway = await startAppWorksEmulator({ users: slapd.fixture.users.map((user) => user.uid) });
	const n8n = await startN8n({
		tarball,
		startTimeoutMs: 300_000,
		env: {
			...n8nDatabaseEnv(postgres),
			// Its Prometheus endpoint tells the V8 heap from the rest of the RSS.
			N8N_METRICS: 'true',
		},
	});
	let sampler: NodeJS.Timeout | undefined;
	let failures = 0;
	try {
		const pid = n8n.pid as number;
		await n8n.setupOwner();
		await n8n.createApiKey();
		const ldapCredentialId = await n8n.createCredential(
			'openTextDirectoryLdapApi',
			'Directory',
			ldapCredentialData(slapd, { timeout: 600_000 }),
		);
		const appWorksCredentialId = await n8n.createCredential(
			'openTextAppWorksGatewayApi',
			'AppWorks Gateway',
			appWorksServiceCredential(gateway),
		);
		const title = `Audience of ${USERS}`;
		const workflowId = await n8n.createWorkflow(
			audienceWorkflow('Audience benchmark', {
				packageName: pkg.name,
				ldapCredentialId,
				appWorksCredentialId,
				pageSize: PAGE_SIZE,
				concurrency: CONCURRENCY,
				batchSize: BATCH_SIZE,
				title,
			}),
		);
		// The run is followed through n8n's public API (GET /api/v1/executions/:id): n8n builds that API's OpenAPI
		// validator at its first call, tens of MB of allocations that are not the send's. Called once before the
		// idle figures, so they are not counted as the run's.
		await n8n.executions(workflowId, { includeData: false });
		await new Promise((resolve) => setTimeout(resolve, 5000));
		const idleRss = rssOf(pid);
		const idleHeap = await heapOf(n8n.url);
		let peak = idleRss;
		const heapPeak = { used: 0, total: 0, external: 0 };
		let heapSampling = false;
		sampler = setInterval(() => {
			try {
				peak = Math.max(peak, rssOf(pid));
			} catch {
				// n8n has exited: the run fails below.
			}
			if (heapSampling) return;
			heapSampling = true;
			void heapOf(n8n.url).then((heap) => {
				heapSampling = false;
				if (!heap) return;
				heapPeak.used = Math.max(heapPeak.used, heap.used);
				heapPeak.total = Math.max(heapPeak.total, heap.total);
				heapPeak.external = Math.max(heapPeak.external, heap.external);
			});
		}, 200);
		process.stdout.write(
			`n8n idle: RSS ${(idleRss / MB).toFixed(0)} MB (load ${load()}). Sending to everyone, ${PAGE_SIZE} people per page...\n`,
		);
		const execution = await n8n.runWorkflow(workflowId, { timeoutMs: 4 * 3_600_000 });
		const error = executionError(execution);
		if (error) throw new Error(`the execution failed: ${error}`);
		const afterRss = rssOf(pid);
		const afterHeap = await heapOf(n8n.url);
		// What stays once n8n has been idle a while (V8 collects and returns memory when idle).
		await new Promise((resolve) => setTimeout(resolve, 30_000));
		const settledRss = rssOf(pid);
		const settledHeap = await heapOf(n8n.url);
		const mb = (bytes: number | undefined) => (bytes === undefined ? '?' : (bytes / MB).toFixed(0));
		const seconds = (Date.parse(execution.stoppedAt ?? execution.startedAt) - Date.parse(execution.startedAt)) / 1000;
		const [summary] = nodeItems(execution, AUDIENCE_PUSH_NODE);
		const stored = Number(
			await postgres.sql(`SELECT octet_length(data) FROM execution_data WHERE "executionId" = ${Number(execution.id)}`),
		);
		const counts = notificationsPerPerson(gateway, title);
		let once = 0;
		let twice = 0;
		for (const count of counts.values()) {
			if (count === 1) once++;
			else twice++;
		}
		const missing = USERS - counts.size;
		process.stdout.write(
			[
				'',
				`people ${USERS.toLocaleString('en')}, ${PAGE_SIZE} per page, ${BATCH_SIZE} per request, concurrency ${CONCURRENCY}`,
				`summary item: ${JSON.stringify(summary)}`,
				`execution time (n8n's startedAt → stoppedAt): ${seconds.toFixed(1)} s, ${(USERS / seconds).toFixed(0)} messages/s`,
				`gateway: ${gateway.notifications.length} requests; ${once.toLocaleString('en')} people notified once, ${twice} more than once, ${missing} not at all`,
				`execution data in PostgreSQL: ${stored.toLocaleString('en')} bytes`,
				`n8n RSS: idle ${(idleRss / MB).toFixed(0)} MB, peak ${(peak / MB).toFixed(0)} MB (+${((peak - idleRss) / MB).toFixed(0)}), after ${(afterRss / MB).toFixed(0)} MB (+${((afterRss - idleRss) / MB).toFixed(0)})`,
				`n8n RSS 30 s after the run: ${(settledRss / MB).toFixed(0)} MB (+${((settledRss - idleRss) / MB).toFixed(0)})`,
				`n8n V8 heap used / total / external MB: idle ${mb(idleHeap?.used)} / ${mb(idleHeap?.total)} / ${mb(idleHeap?.external)}, peak ${mb(heapPeak.used)} / ${mb(heapPeak.total)} / ${mb(heapPeak.external)}, after ${mb(afterHeap?.used)} / ${mb(afterHeap?.total)} / ${mb(afterHeap?.external)}, 30 s later ${mb(settledHeap?.used)} / ${mb(settledHeap?.total)} / ${mb(settledHeap?.external)}`,
				`load average: ${load()}`,
				'',
			].join('\n'),
		);
		const growth = (peak - idleRss) / MB;
		const met = growth <= RSS_FLOOR_MB;
		if (!met) failures++;
		process.stdout.write(
			`${met ? 'met ' : 'MISSED'}  n8n RSS growth during the run (peak over idle): ${growth.toFixed(1)} MB (floor ≤ ${RSS_FLOOR_MB} MB)\n`,
		);
		if (twice > 0 || missing > 0) {
			failures++;
			process.stdout.write(`FAILED  every person exactly once: ${twice} more than once, ${missing} not at all\n`);
		}

		// The same execution again, as after a failure: the gateway answers every request from its idempotency
		// records, and n8n's memory tells whether the first run left something behind (it would grow again) or
		// only grew its heap (reused now).
		const requests = gateway.notifications.length;
		const before = rssOf(pid);
		peak = before;
		Object.assign(heapPeak, { used: 0, total: 0, external: 0 });
		const again = await n8n.runWorkflow(workflowId, { timeoutMs: 4 * 3_600_000 });
		if (executionError(again)) throw new Error(`the second execution failed: ${executionError(again)}`);
		const againSeconds = (Date.parse(again.stoppedAt ?? again.startedAt) - Date.parse(again.startedAt)) / 1000;
		const repeated = [...notificationsPerPerson(gateway, title).values()].filter((count) => count !== 1).length;
		process.stdout.write(
			[
				'',
				`second run: ${againSeconds.toFixed(1)} s; gateway requests that notified anyone: ${gateway.notifications.length - requests}; people notified more than once: ${repeated}`,
				`second run n8n RSS: before ${(before / MB).toFixed(0)} MB, peak ${(peak / MB).toFixed(0)} MB (+${((peak - before) / MB).toFixed(0)} over before, +${((peak - idleRss) / MB).toFixed(0)} over idle), after ${(rssOf(pid) / MB).toFixed(0)} MB; V8 heap used / total peak ${mb(heapPeak.used)} / ${mb(heapPeak.total)} MB`,
				'',
			].join('\n'),
		);
		if (repeated > 0 || gateway.notifications.length !== requests) {
			failures++;
			process.stdout.write('FAILED  the second run notified people again\n');
		}
	} catch (error) {
		const said = n8n.logs().split('\n').slice(-40);
		process.stderr.write(`n8n's last log lines (pid ${n8n.pid ?? 'exited'}):\n${said.join('\n')}\n`);
		throw error;
	} finally {
		if (sampler) clearInterval(sampler);
		await Promise.allSettled([n8n.stop(), slapd.stop(), gateway.stop()]);
		await postgres.stop();
		fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
	}
	process.stdout.write(`Load average at the end: ${load()}\n`);
	if (failures > 0) process.exit(1);
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exit(1);
});
