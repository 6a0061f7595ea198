/**
 * Compatibility smoke test: the packed package in every n8n release of COMPATIBILITY_MATRIX
 * (test/support/n8n/versions.ts), each on its Node.js: all nodes and credentials register, and an
 * imported Manual Trigger → user search workflow returns the users of a real directory.
 *
 * Needs `npm run build` first. Each release is installed once into the cache outside the repository
 * (3-6 minutes and about 2.3 GB each, Node 24 from the npm `node` package in seconds); later runs
 * start each n8n in 20-40 s. A release that cannot be installed or started fails its tests with the
 * reason (npm's or n8n's last log lines); nothing is skipped.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import {
	COMPATIBILITY_MATRIX,
	describeTarget,
	executionError,
	N8nInstance,
	nodeItems,
	packPackage,
	readPackageJson,
	startN8n,
	type CompatibilityTarget,
	type WorkflowJson,
} from '../support/n8n';
import { startSlapd } from '../support/slapd';

const repoRoot = path.resolve(__dirname, '..', '..');
const pkg = readPackageJson(repoRoot);
const LDAP_CREDENTIAL = 'openTextDirectoryLdap';
const DIRECTORY_NODE = 'openTextDirectoryServices';
const USERS = 20;
/** Per test: jest's project-level testTimeout does not apply to tests, so every test names its own. */
const TEST_TIMEOUT = 300_000;
/** A cold install of one release takes minutes (two cores shared); a warm start well under one. */
const START_TIMEOUT = 20 * 60_000;

type Slapd = Awaited<ReturnType<typeof startSlapd>>;

interface DeclaredType {
	file: string;
	name: string;
	version: number;
}

/** The node and credential type names the package.json `n8n` lists point at (from the compiled classes). */
async function declaredTypes(kind: 'nodes' | 'credentials'): Promise<DeclaredType[]> {
	const found: DeclaredType[] = [];
	for (const file of pkg.n8n?.[kind] ?? []) {
		const exported = (await import(path.join(repoRoot, file))) as Record<string, unknown>;
		const classes = Object.values(exported).filter((v): v is new () => Record<string, unknown> => typeof v === 'function');
		if (classes.length === 0) throw new Error(`${file} exports no class`);
		for (const Type of classes) {
			const instance = new Type();
			if (kind === 'credentials') {
				found.push({ file, name: String(instance.name), version: 1 });
			} else {
				const description = instance.description as { name: string; version?: number | number[]; defaultVersion?: number };
				const v = description.defaultVersion ?? description.version ?? 1;
				found.push({ file, name: description.name, version: Array.isArray(v) ? Math.max(...v) : v });
			}
		}
	}
	return found;
}

function searchWorkflow(nodeVersion: number, credential: { id: string; name: string }): WorkflowJson {
	return {
		id: crypto.randomBytes(8).toString('hex'),
		name: 'Compatibility: search directory users',
		nodes: [
			{
				id: crypto.randomUUID(),
				name: 'Manual Trigger',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				id: crypto.randomUUID(),
				name: 'Search users',
				type: `${pkg.name}.${DIRECTORY_NODE}`,
				typeVersion: nodeVersion,
				position: [240, 0],
				parameters: { source: 'ldap', resource: 'user', operation: 'search', state: 'any', returnAll: true, options: {} },
				credentials: { [LDAP_CREDENTIAL]: credential },
			},
		],
		connections: { 'Manual Trigger': { main: [[{ node: 'Search users', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
		pinData: {},
		meta: { templateCredsSetupCompleted: false },
	};
}

let slapd: Slapd | undefined;
let tarball: string | undefined;

beforeAll(async () => {
	tarball = await packPackage(repoRoot);
	slapd = await startSlapd({ users: USERS, otds: false });
}, 300_000);

afterAll(async () => {
	await slapd?.stop();
	if (tarball) fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
}, 60_000);

describe.each(COMPATIBILITY_MATRIX.map((target) => [describeTarget(target), target] as const))(
	'%s',
	(label: string, target: CompatibilityTarget) => {
		let n8n: N8nInstance | undefined;
		let startError: Error | undefined;

		beforeAll(async () => {
			try {
				n8n = await startN8n({ tarball: tarball!, version: target.n8n, nodeVersion: target.nodeVersion });
				await n8n.setupOwner();
				await n8n.createApiKey();
			} catch (error) {
				// Kept for the tests to report, so each names the release and the reason instead of jest's
				// generic hook failure.
				startError = new Error(`${label} (${target.why}) could not be installed or started:\n${(error as Error).message}`);
			}
		}, START_TIMEOUT);

		afterAll(async () => {
			await n8n?.stop();
		}, 60_000);

		const running = (): N8nInstance => {
			if (startError) throw startError;
			return n8n!;
		};

		test('every node and credential of the package is registered', async () => {
			const instance = running();
			const nodes = await declaredTypes('nodes');
			const credentials = await declaredTypes('credentials');
			expect(nodes.length).toBeGreaterThan(0);
			expect(credentials.length).toBeGreaterThan(0);
			const loadedNodes = new Set(await instance.nodeTypes());
			const loadedCredentials = new Set(await instance.credentialTypes());
			const missing = [
				...nodes.filter((n) => !loadedNodes.has(`${pkg.name}.${n.name}`)).map((n) => `node ${pkg.name}.${n.name} (${n.file})`),
				...credentials.filter((c) => !loadedCredentials.has(c.name)).map((c) => `credential ${c.name} (${c.file})`),
			];
			if (missing.length > 0) {
				throw new Error(`${label}: not registered: ${missing.join(', ')}\nLast n8n log lines:\n${instance.logTail(60)}`);
			}
		}, TEST_TIMEOUT);

		test('an imported Manual Trigger → user search workflow returns the directory users', async () => {
			const instance = running();
			const node = (await declaredTypes('nodes')).find((n) => n.name === DIRECTORY_NODE)!;
			const credentialName = 'Compatibility directory';
			const credentialId = await instance.createCredential(LDAP_CREDENTIAL, credentialName, {
				serverUrls: slapd!.url,
				connectionSecurity: 'none',
				allowSelfSigned: false,
				bindDN: slapd!.adminDN,
				bindPassword: slapd!.adminPassword,
				baseDN: slapd!.baseDN,
				directoryFlavour: 'auto',
			});
			// Imported as an operator would (`n8n import:workflow`), then run as the editor's button does.
			const workflowId = await instance.importWorkflow(searchWorkflow(node.version, { id: credentialId, name: credentialName }));
			const execution = await instance.runWorkflow(workflowId);
			const failure = executionError(execution);
			if (failure) throw new Error(`${label}: the workflow failed: ${failure}\nLast n8n log lines:\n${instance.logTail(40)}`);

			const expected = slapd!.fixture.users.map((u) => u.uid).sort();
			expect(expected).toHaveLength(USERS);
			const items = nodeItems(execution, 'Search users');
			expect(items.map((u) => String(u.login)).sort()).toEqual(expected);
			const someone = slapd!.fixture.users[0];
			expect(items.find((u) => u.login === someone.uid)).toEqual(
				expect.objectContaining({ dn: expect.stringContaining(slapd!.baseDN), mail: someone.mail }),
			);
		}, TEST_TIMEOUT);
	},
);
