/**
 * The Instant Trigger in a real n8n 2.8.4 against a real OpenLDAP with syncprov, 389 DS or Samba AD DC: the time from the start of a
 * directory write to the start of the workflow execution it caused (n8n's `startedAt`), over BENCH_CHANGES writes
 * made one after another, each waiting for its execution.
 *
 *   npm run build && npm run bench instant-n8n          (BENCH_CHANGES 200)
 *   BENCH_SERVER=389ds npm run bench instant-n8n        (a real 389 DS 2.3, 500 users: persistent search, changelog)
 *   BENCH_SERVER=samba npm run bench instant-n8n        (a real Samba AD DC on ports 389/636: notification, AD USN)
 *
 * Figures on 2026-12-06, the 2-core machine shared with other jobs: OpenLDAP (12:19 UTC, load average 18) p50 182 ms,
 * p99 569 ms, max 584 ms; Samba AD DC (14:50 UTC, load 15) p50 303 ms, p99 1,208 ms, max 1,361 ms, and (15:27 UTC,
 * load 18) p50 581 ms, p99 1,247 ms, max 1,491 ms, and (16:00 UTC, load under 2) p50 135 ms, p99 322 ms, max 778 ms; 389 DS (15:33 UTC, load 16) p50 183 ms, p99 356 ms, max 463 ms
 * (15:00 UTC, beside another 389 DS taking a 1,000-write burst: p50 245 ms, p99 1,124 ms, max 3,008 ms).
 *
 * The polling trigger's latency is its wait for the next one-minute poll: uniform over 0-60 s (p50 30 s, p99
 * 59.4 s) plus its read; computed, not measured here (measuring it would take 200 minutes).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Attribute, Change, Client } from 'ldapts';

import { startDirsrv } from '../devkit/dirsrv';
import { ldapCredentialData } from '../devkit/ldap-credential';
import { ensureN8n, packPackage, readPackageJson, receivingWorkflow, startN8n } from '../devkit/n8n';
import { startSamba } from '../devkit/samba';
import { STAFF_COUNT, staffDn } from '../devkit/samba-fixture';
import { startSlapd } from '../devkit/slapd';

const CHANGES = Number(process.env.BENCH_CHANGES ?? 200);

/** A directory to write into: the credential's data, its people's DNs and the attribute changed. */
interface Target {
	name: string;
	credential: Record<string, unknown>;
	url: string;
	adminDN: string;
	adminPassword: string;
	/** The DN and new value of the index-th write. */
	change(index: number): { dn: string; type: string; value: string };
	stop(): Promise<void>;
}

async function target(which: string): Promise<Target> {
	if (which === '389ds') {
		const dirsrv = await startDirsrv({ usersPerKind: 250 });
		return {
			name: '389 DS 2.3 (persistent search, changelog strategy)',
			credential: ldapCredentialData(dirsrv, { timeout: 30_000 }),
			url: dirsrv.url,
			adminDN: dirsrv.adminDN,
			adminPassword: dirsrv.adminPassword,
			// 389's own people (nsPerson) allow no title: their mail changes instead.
			change: (index) => {
				const uid = dirsrv.fixture.users[index % dirsrv.fixture.users.length].uid;
				return { dn: dirsrv.userDN(uid), type: 'mail', value: `${uid}.latency-${index}@example.test` };
			},
			stop: () => dirsrv.stop(),
		};
	}
	if (which === 'samba') {
		const samba = await startSamba();
		return {
			name: 'Samba 4.17 AD DC (change notification, AD USN strategy)',
			credential: ldapCredentialData(samba, { timeout: 30_000 }),
			url: samba.url,
			adminDN: samba.adminDN,
			adminPassword: samba.adminPassword,
			change: (index) => ({ dn: staffDn(index % STAFF_COUNT), type: 'title', value: `Latency ${index}` }),
			stop: () => samba.stop(),
		};
	}
	const slapd = await startSlapd({ users: 500, otds: false, syncprov: true });
	return {
		name: 'OpenLDAP (syncprov, accesslog strategy)',
		credential: ldapCredentialData(slapd),
		url: slapd.url,
		adminDN: slapd.adminDN,
		adminPassword: slapd.adminPassword,
		change: (index) => ({
			dn: slapd.layout.userDN(slapd.fixture.users[index % slapd.fixture.users.length].uid),
			type: 'title',
			value: `Latency ${index}`,
		}),
		stop: () => slapd.stop(),
	};
}

const percentile = (sorted: number[], p: number) =>
	sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function main(): Promise<void> {
	// scripts/bench.mjs runs the bundle from the repository root.
	const root = process.cwd();
	const pkg = readPackageJson(root);
	await ensureN8n();
	const tarball = await packPackage(root);
	const directory = await target(process.env.BENCH_SERVER ?? 'openldap');
	process.stdout.write(`${directory.name}\n`);
	const n8n = await startN8n({ tarball });
	// Samba's LDAPS certificate is its own throwaway CA's: the writer need not verify it.
	const writer = new Client({
		url: directory.url,
		tlsOptions: directory.url.startsWith('ldaps:') ? { rejectUnauthorized: false } : undefined,
	});
	try {
		await n8n.setupOwner();
		await n8n.createApiKey();
		const credential = {
			name: 'ldap',
			id: await n8n.createCredential('openTextDirectoryLdapApi', 'ldap', directory.credential),
		};
		const id = await n8n.createWorkflow(
			receivingWorkflow(
				'Instant latency',
				{
					type: `${pkg.name}.openTextDirectoryServicesInstantTrigger`,
					parameters: { source: 'ldap' },
					credentials: { openTextDirectoryLdapApi: credential },
				},
				{ saveDataSuccessExecution: 'all' },
			),
		);
		await n8n.activateWorkflow(id);
		await writer.bind(directory.adminDN, directory.adminPassword);
		const latencies: number[] = [];
		for (let index = 0; index < CHANGES; index++) {
			const change = directory.change(index);
			const written = Date.now();
			await writer.modify(change.dn, [
				new Change({
					operation: 'replace',
					modification: new Attribute({ type: change.type, values: [change.value] }),
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
		await Promise.allSettled([n8n.stop(), directory.stop()]);
		fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exit(1);
});
