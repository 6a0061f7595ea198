/**
 * End-to-end smoke test in a real n8n: the packed package loads, the LDAP credential's test works
 * through n8n's own credential test, and a workflow with the directory node reads a real directory.
 *
 * Needs `npm run build` first (`npm test` does it). The first run installs n8n into a cache outside
 * the repository (several minutes); later runs start n8n in about 10-20 s.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Client } from 'ldapts';
import {
	ensureN8n,
	executionError,
	N8nInstance,
	nodeItems,
	packPackage,
	readPackageJson,
	startN8n,
	type WorkflowJson,
} from '../../devkit/n8n';
import { startSlapd } from '../../devkit/slapd';
import { ldapCredentialData } from '../../devkit/ldap-credential';

const repoRoot = path.resolve(__dirname, '..', '..');
const pkg = readPackageJson(repoRoot);
const LDAP_CREDENTIAL = 'openTextDirectoryLdapApi';
const DIRECTORY_NODE = 'openTextDirectoryServices';
const USERS = 25;
/** Per test: jest's project-level testTimeout does not apply to tests, so every test names its own. */
const TEST_TIMEOUT = 300_000;

type Slapd = Awaited<ReturnType<typeof startSlapd>>;

interface LoadedType {
	file: string;
	name: string;
	version: number;
}

/** Loads the compiled classes a package.json `n8n` list points at and reads their type names. */
async function declaredTypes(kind: 'nodes' | 'credentials'): Promise<LoadedType[]> {
	const found: LoadedType[] = [];
	for (const file of pkg.n8n?.[kind] ?? []) {
		const exported = (await import(path.join(repoRoot, file))) as Record<string, unknown>;
		const classes = Object.values(exported).filter(
			(v): v is new () => Record<string, unknown> => typeof v === 'function',
		);
		if (classes.length === 0) throw new Error(`${file} exports no class`);
		for (const Type of classes) {
			const instance = new Type();
			if (kind === 'credentials') {
				found.push({ file, name: String(instance.name), version: 1 });
			} else {
				const description = instance.description as {
					name: string;
					version?: number | number[];
					defaultVersion?: number;
				};
				const v = description.defaultVersion ?? description.version ?? 1;
				found.push({ file, name: description.name, version: Array.isArray(v) ? Math.max(...v) : v });
			}
		}
	}
	return found;
}

/** Logins of the people in the directory, read directly with ldapts (what the node should return). */
async function directoryLogins(slapd: Slapd): Promise<string[]> {
	const client = new Client({
		url: slapd.url,
		...(slapd.url.startsWith('ldaps:') ? { tlsOptions: { rejectUnauthorized: false } } : {}),
	});
	try {
		await client.bind(slapd.adminDN, slapd.adminPassword);
		const { searchEntries } = await client.search(slapd.baseDN, {
			scope: 'sub',
			filter: '(objectClass=inetOrgPerson)',
			attributes: ['uid'],
			paged: { pageSize: 500 },
		});
		return searchEntries
			.map((e) => String(Array.isArray(e.uid) ? e.uid[0] : e.uid))
			.filter((uid) => uid && uid !== 'undefined');
	} finally {
		await client.unbind().catch(() => undefined);
	}
}

describe('the package in a real n8n', () => {
	let n8n: N8nInstance | undefined;
	let slapd: Slapd | undefined;
	let ldapData: Record<string, unknown>;
	let tarball: string | undefined;

	beforeAll(async () => {
		await ensureN8n(); // minutes on the very first run, instant afterwards
		tarball = await packPackage(repoRoot);
		slapd = await startSlapd({ users: USERS });
		n8n = await startN8n({ tarball });
		await n8n.setupOwner();
		await n8n.createApiKey();
		ldapData = ldapCredentialData(slapd);
	}, 900_000);

	afterAll(async () => {
		await Promise.allSettled([n8n?.stop(), slapd?.stop()]);
		if (tarball) fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
	}, 60_000);

	test(
		'every node and credential of the package is registered',
		async () => {
			const nodes = await declaredTypes('nodes');
			const credentials = await declaredTypes('credentials');
			expect(nodes.length).toBeGreaterThan(0);
			expect(credentials.length).toBeGreaterThan(0);

			const loadedNodes = new Set(await n8n!.nodeTypes());
			const loadedCredentials = new Set(await n8n!.credentialTypes());
			const missing = [
				...nodes
					.filter((n) => !loadedNodes.has(`${pkg.name}.${n.name}`))
					.map((n) => `node ${pkg.name}.${n.name} (${n.file})`),
				...credentials.filter((c) => !loadedCredentials.has(c.name)).map((c) => `credential ${c.name} (${c.file})`),
			];
			if (missing.length > 0) {
				throw new Error(`not registered in n8n: ${missing.join(', ')}\nLast n8n log lines:\n${n8n!.logTail(60)}`);
			}
			expect(nodes.map((n) => n.name)).toContain(DIRECTORY_NODE);
			expect(credentials.map((c) => c.name)).toContain(LDAP_CREDENTIAL);
		},
		TEST_TIMEOUT,
	);

	test(
		"n8n's credential test connects to the directory, and reports a wrong password without repeating it",
		async () => {
			const ok = await n8n!.testCredential(LDAP_CREDENTIAL, ldapData);
			expect(ok).toEqual({ status: 'OK', message: expect.stringMatching(/openldap/i) });

			const wrongPassword = `Wrong-${crypto.randomBytes(6).toString('hex')}`;
			const bad = await n8n!.testCredential(LDAP_CREDENTIAL, { ...ldapData, bindPassword: wrongPassword });
			expect(bad).toEqual({ status: 'Error', message: expect.stringMatching(/credential|password/i) });
			expect(bad.message).not.toContain(wrongPassword);
		},
		TEST_TIMEOUT,
	);

	test(
		'a Manual Trigger → directory user search workflow returns the directory users',
		async () => {
			const node = (await declaredTypes('nodes')).find((n) => n.name === DIRECTORY_NODE)!;
			const credentialName = 'Smoke test directory';
			const credentialId = await n8n!.createCredential(LDAP_CREDENTIAL, credentialName, ldapData);
			const workflow: WorkflowJson = {
				name: 'Smoke test: search directory users',
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
						typeVersion: node.version,
						position: [240, 0],
						parameters: {
							source: 'ldap',
							resource: 'user',
							operation: 'search',
							state: 'any',
							returnAll: true,
							options: {},
						},
						credentials: { [LDAP_CREDENTIAL]: { id: credentialId, name: credentialName } },
					},
				],
				connections: { 'Manual Trigger': { main: [[{ node: 'Search users', type: 'main', index: 0 }]] } },
				settings: { executionOrder: 'v1' },
				pinData: {},
			};
			const workflowId = await n8n!.createWorkflow(workflow);
			const expected = slapd!.fixture.users.map((u) => u.uid).sort();
			expect(expected).toHaveLength(USERS);
			expect((await directoryLogins(slapd!)).sort()).toEqual(expected); // the directory holds the fixture

			// As the editor's "Execute workflow" button runs it (REST, inside the server).
			const execution = await n8n!.runWorkflow(workflowId);
			expect(executionError(execution)).toBeUndefined();
			const items = nodeItems(execution, 'Search users');
			expect(items.map((u) => String(u.login)).sort()).toEqual(expected);
			const someone = slapd!.fixture.users[USERS - 1];
			expect(items.find((u) => u.login === someone.uid)).toEqual(
				expect.objectContaining({
					dn: expect.stringContaining(slapd!.baseDN),
					login: someone.uid,
					mail: someone.mail,
					status: expect.any(Object),
				}),
			);

			// The execution is recorded and readable through the public API.
			const recorded = await n8n!.executions(workflowId);
			expect(recorded.map((e) => e.id)).toContain(execution.id);

			// And the same workflow from the CLI, in a separate n8n process (decrypts the stored credential).
			const cli = await n8n!.executeWorkflowCli(workflowId);
			expect(cli.items.map((u) => String(u.login)).sort()).toEqual(expected);
		},
		TEST_TIMEOUT,
	);
});
