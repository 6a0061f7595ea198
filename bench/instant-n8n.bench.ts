/**
 * The Instant Trigger in a real n8n 2.8.4 against a real OpenLDAP with syncprov: the time from the start of a
 * directory write to the start of the workflow execution it caused (n8n's `startedAt`), over BENCH_CHANGES writes
 * made one after another, each waiting for its execution.
 *
 *   npm run build && npm run bench instant-n8n          (BENCH_CHANGES 200)
 *
 * Figures on 2026-12-06 at 12:19 UTC, the 2-core machine shared with other jobs (load average 18): p50 182 ms,
 * p99 569 ms, max 584 ms.
 *
 * The polling trigger's latency is its wait for the next one-minute poll: uniform over 0-60 s (p50 30 s, p99
 * 59.4 s) plus its read; computed, not measured here (measuring it would take 200 minutes).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Attribute, Change, Client } from 'ldapts';

import { ldapCredentialData } from '../devkit/ldap-credential';
import { ensureN8n, packPackage, readPackageJson, startN8n } from '../devkit/n8n';
import { startSlapd } from '../devkit/slapd';

const CHANGES = Number(process.env.BENCH_CHANGES ?? 200);

const percentile = (sorted: number[], p: number) =>
	sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function main(): Promise<void> {
	// scripts/bench.mjs runs the bundle from the repository root.
	const root = process.cwd();
	const pkg = readPackageJson(root);
	await ensureN8n();
	const tarball = await packPackage(root);
	const slapd = await startSlapd({ users: 500, otds: false, syncprov: true });
	const n8n = await startN8n({ tarball });
	const writer = new Client({ url: slapd.url });
	try {
		await n8n.setupOwner();
		await n8n.createApiKey();
		const credential = {
			name: 'ldap',
			id: await n8n.createCredential('openTextDirectoryLdapApi', 'ldap', ldapCredentialData(slapd)),
		};
		const id = await n8n.createWorkflow({
			name: 'Instant latency',
			nodes: [
				{
					id: crypto.randomUUID(),
					name: 'Directory Event',
					type: `${pkg.name}.openTextDirectoryServicesInstantTrigger`,
					typeVersion: 1,
					position: [0, 0],
					parameters: { source: 'ldap' },
					credentials: { openTextDirectoryLdapApi: credential },
				},
				{
					id: crypto.randomUUID(),
					name: 'Received',
					type: 'n8n-nodes-base.noOp',
					typeVersion: 1,
					position: [300, 0],
					parameters: {},
				},
			],
			connections: { 'Directory Event': { main: [[{ node: 'Received', type: 'main', index: 0 }]] } },
			settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all' },
			pinData: {},
		});
		await n8n.activateWorkflow(id);
		await writer.bind(slapd.adminDN, slapd.adminPassword);
		const latencies: number[] = [];
		for (let index = 0; index < CHANGES; index++) {
			const user = slapd.fixture.users[index % slapd.fixture.users.length];
			const written = Date.now();
			await writer.modify(slapd.layout.userDN(user.uid), [
				new Change({
					operation: 'replace',
					modification: new Attribute({ type: 'title', values: [`Latency ${index}`] }),
				}),
			]);
			const deadline = Date.now() + 30_000;
			for (;;) {
				const runs = await n8n.executions(id, { includeData: false });
				if (runs.length > index) {
					const newest = runs.reduce((a, b) => (Date.parse(a.startedAt) >= Date.parse(b.startedAt) ? a : b));
					latencies.push(Date.parse(newest.startedAt) - written);
					break;
				}
				if (Date.now() > deadline) throw new Error(`no execution for write ${index}`);
				await new Promise((resolve) => setTimeout(resolve, 20));
			}
		}
		latencies.sort((a, b) => a - b);
		process.stdout.write(
			`n8n 2.8.4: directory write → execution start over ${CHANGES} writes: p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, max ${latencies[latencies.length - 1]} ms\n`,
		);
		process.stdout.write('polling trigger (computed): p50 30 s, p99 59.4 s, plus its read\n');
		await n8n.deactivateWorkflow(id);
	} finally {
		await writer.unbind().catch(() => undefined);
		await Promise.allSettled([n8n.stop(), slapd.stop()]);
		fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exit(1);
});
