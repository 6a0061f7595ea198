/**
 * Compatibility smoke test: the packed package in every n8n release of COMPATIBILITY_MATRIX
 * (devkit/n8n/versions.ts), each on its Node.js. For each release: all nodes and credentials
 * register, and the group-broadcast template (templates/07-group-broadcasts.json), imported with
 * `n8n import:workflow` unchanged except for its credentials, runs from its Manual Trigger: it reads the
 * enabled members of "All Managers" (nested groups expanded) from the OTDS emulator over OTDS REST (through
 * n8n's own HTTP helpers) and the AppWorks Gateway emulator must have reached exactly those people.
 *
 * Needs `npm run build` first. Each release is installed once into the cache outside the repository
 * (minutes and about 2 GB each; Node 24 from the npm `node` package in seconds); later runs only start
 * each n8n (20-60 s). A release that cannot be installed or started fails its tests with the reason
 * (npm's or n8n's last log lines); nothing is skipped.
 */
import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { startOtdsEmulator, type OtdsEmulator } from '../../emulators/otds/server';
import { startAppWorksEmulator, type AppWorksEmulator } from '../../emulators/push/appworks';
import { generateEnterprise, transitiveUsers } from '../../devkit/fixture';
import {
	COMPATIBILITY_MATRIX,
	describeTarget,
	ensureN8n,
	executionError,
	N8nInstance,
	nodeItems,
	packPackage,
	readPackageJson,
	startN8n,
	type CompatibilityTarget,
} from '../../devkit/n8n';
import { appWorksReceived, otdsId, pairs, TOKEN_ATTRIBUTE, tokenOf } from '../support/template-scenario';
import { bindCredentials, loadTemplates, withoutCredentials } from '../../devkit/templates';

const repoRoot = path.resolve(__dirname, '..', '..');
const pkg = readPackageJson(repoRoot);
/** Manual Trigger → Set → audience resolution (OTDS REST, nested) → AppWorks push: seconds, no schedule. */
const TEMPLATE = loadTemplates().find((t) => t.file === '07-group-broadcasts.json')!;
const TRIGGER = 'Send announcement';
const GROUP = 'All Managers';
const TITLE = 'Maintenance tonight';
const fixture = generateEnterprise({ users: 60 });
/** Per test: jest's project-level testTimeout does not apply to tests, so every test names its own. */
const TEST_TIMEOUT = 300_000;
/** A cold install of one release takes minutes (two cores shared); a warm start well under one. */
const START_TIMEOUT = 25 * 60_000;

const seconds = (since: number) => `${Math.round((Date.now() - since) / 1000)} s`;

interface DeclaredType {
	file: string;
	name: string;
}

/** The node and credential type names the package.json `n8n` lists point at (from the compiled classes). */
async function declaredTypes(kind: 'nodes' | 'credentials'): Promise<DeclaredType[]> {
	const found: DeclaredType[] = [];
	for (const file of pkg.n8n?.[kind] ?? []) {
		const exported = (await import(path.join(repoRoot, file))) as Record<string, unknown>;
		const classes = Object.values(exported).filter(
			(v): v is new () => Record<string, unknown> => typeof v === 'function',
		);
		if (classes.length === 0) throw new Error(`${file} exports no class`);
		for (const Type of classes) {
			const instance = new Type();
			const name = kind === 'credentials' ? instance.name : (instance.description as { name: string }).name;
			found.push({ file, name: String(name) });
		}
	}
	return found;
}

let otds: OtdsEmulator | undefined;
let tarball: string | undefined;
/** Per release: how long its install check / install, start and template run took (printed at the end). */
const timings: string[] = [];

beforeAll(async () => {
	expect(TEMPLATE).toBeDefined();
	tarball = await packPackage(repoRoot);
	otds = await startOtdsEmulator({ fixture });
	// As in the templates' own test: every person has a device token in the attribute the template reads.
	for (const u of fixture.users) otds.store.updateUser(otdsId(u.uid), { [TOKEN_ATTRIBUTE]: tokenOf(u.uid) });
}, 300_000);

afterAll(async () => {
	await otds?.stop();
	if (tarball) fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
	if (timings.length > 0) process.stderr.write(`\n[compat] timings\n${timings.map((t) => `  ${t}`).join('\n')}\n`);
}, 60_000);

describe.each(COMPATIBILITY_MATRIX.map((target) => [describeTarget(target), target] as const))(
	'%s',
	(label: string, target: CompatibilityTarget) => {
		let n8n: N8nInstance | undefined;
		/**
		 * One gateway emulator per release: its idempotency ledger answers a repeated identical request
		 * without delivering it again, and every release sends the same broadcast.
		 */
		let appworks: AppWorksEmulator | undefined;
		let startError: Error | undefined;

		beforeAll(async () => {
			try {
				appworks = await startAppWorksEmulator({ users: fixture.users.map((u) => otdsId(u.uid)) });
				let since = Date.now();
				await ensureN8n(target.n8n, undefined, { nodeVersion: target.nodeVersion });
				const install = seconds(since);
				since = Date.now();
				n8n = await startN8n({ tarball: tarball!, version: target.n8n, nodeVersion: target.nodeVersion });
				await n8n.setupOwner();
				await n8n.createApiKey();
				timings.push(`${label}: install check or install ${install}, start ${seconds(since)}`);
			} catch (error) {
				// Kept for the tests to report, so each names the release and the reason instead of jest's
				// generic hook failure.
				startError = new Error(
					`${label} (${target.why}) could not be installed or started:\n${(error as Error).message}`,
				);
			}
		}, START_TIMEOUT);

		afterAll(async () => {
			await Promise.allSettled([n8n?.stop(), appworks?.stop()]);
		}, 60_000);

		const running = (): N8nInstance => {
			if (startError) throw startError;
			return n8n!;
		};

		test(
			`runs n8n ${target.n8n} on Node.js ${target.nodeVersion ?? 'of the test runner'}`,
			async () => {
				const instance = running();
				const settings = await instance.rest<{ versionCli?: string }>('GET', '/rest/settings');
				expect(settings.versionCli).toBe(target.n8n);
				// The Node.js executable of the n8n process itself, asked for its version.
				const exe = fs.readlinkSync(`/proc/${instance.pid}/exe`);
				expect(execFileSync(exe, ['--version'], { encoding: 'utf8' }).trim()).toBe(
					`v${target.nodeVersion ?? process.versions.node}`,
				);
			},
			TEST_TIMEOUT,
		);

		test(
			'every node and credential of the package is registered',
			async () => {
				const instance = running();
				const nodes = await declaredTypes('nodes');
				const credentials = await declaredTypes('credentials');
				expect(nodes.length).toBeGreaterThan(0);
				expect(credentials.length).toBeGreaterThan(0);
				const loadedNodes = new Set(await instance.nodeTypes());
				const loadedCredentials = new Set(await instance.credentialTypes());
				const missing = [
					...nodes
						.filter((n) => !loadedNodes.has(`${pkg.name}.${n.name}`))
						.map((n) => `node ${pkg.name}.${n.name} (${n.file})`),
					...credentials.filter((c) => !loadedCredentials.has(c.name)).map((c) => `credential ${c.name} (${c.file})`),
				];
				if (missing.length > 0) {
					throw new Error(
						`${label}: not registered: ${missing.join(', ')}\nLast n8n log lines:\n${instance.logTail(60)}`,
					);
				}
			},
			TEST_TIMEOUT,
		);

		test(
			`the group-broadcast template, imported and run, pushes to every enabled member of ${GROUP}`,
			async () => {
				const instance = running();
				const since = Date.now();
				const [appName, appKey] = Object.entries(appworks!.apps)[0];
				const credentials = {
					openTextDirectoryServicesApi: {
						id: await instance.createCredential('openTextDirectoryServicesApi', 'OTDS emulator', {
							serverUrl: otds!.url,
							authMethod: 'ticket',
							userName: otds!.adminUser,
							password: otds!.adminPassword,
						}),
						name: 'OTDS emulator',
					},
					openTextAppWorksGatewayApi: {
						id: await instance.createCredential('openTextAppWorksGatewayApi', 'AppWorks emulator', {
							gatewayUrl: appworks!.gatewayUrl,
							apiType: 'service',
							appName,
							appKey,
						}),
						name: 'AppWorks emulator',
					},
				};
				const bound = bindCredentials(TEMPLATE.json, credentials);
				expect(withoutCredentials(bound)).toEqual(withoutCredentials(TEMPLATE.json));
				// Imported as an operator would (`n8n import:workflow`, see templates/README.md), under a fresh id.
				const workflowId = await instance.importWorkflow({ ...bound, id: crypto.randomBytes(8).toString('hex') });
				expect(withoutCredentials(await instance.getWorkflow(workflowId))).toEqual(withoutCredentials(TEMPLATE.json));

				const execution = await instance.runWorkflow(workflowId, { triggerNode: TRIGGER });
				const failure = executionError(execution);
				if (failure)
					throw new Error(`${label}: the template failed: ${failure}\nLast n8n log lines:\n${instance.logTail(40)}`);
				expect(execution.status).toBe('success');

				const enabled = [...transitiveUsers(fixture, GROUP)]
					.filter((uid) => !fixture.userByUid.get(uid)!.status.disabled)
					.sort();
				expect(enabled.length).toBeGreaterThan(0);
				const sent = nodeItems(execution, 'Broadcast');
				expect(sent.map((item) => `${String(item.address)} ${String(item.status)}`).sort()).toEqual(
					enabled.map((uid) => `${otdsId(uid)} sent`).sort(),
				);
				const received = appWorksReceived(appworks!);
				expect(pairs(received)).toEqual(pairs(enabled.map((uid) => ({ title: TITLE, uid }))));
				timings.push(`${label}: template import and run ${seconds(since)} (${received.length} pushes)`);
			},
			TEST_TIMEOUT,
		);
	},
);
