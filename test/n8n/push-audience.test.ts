/**
 * One message to a whole directory audience in one execution of a real n8n, with bounded run data: the push
 * node's Send › Directory Audience reads a real OpenLDAP of a few thousand people page by page and sends through
 * the AppWorks Gateway emulator as it reads. Every person gets exactly one message, n8n's run data holds one
 * summary item (less than one page of the audience), and running the execution again sends nothing twice.
 *
 * Needs `npm run build` first.
 */
import * as fs from 'fs';
import * as path from 'path';

import {
	appWorksServiceCredential,
	AUDIENCE_PUSH_NODE,
	audienceWorkflow,
	notificationsPerPerson,
} from '../../devkit/audience-workflow';
import { ldapCredentialData } from '../../devkit/ldap-credential';
import {
	ensureN8n,
	executionError,
	nodeItems,
	packPackage,
	readPackageJson,
	startN8n,
	type N8nInstance,
	type WorkflowJson,
} from '../../devkit/n8n';
import { startSlapd, type Slapd } from '../../devkit/slapd';
import { startAppWorksEmulator, type AppWorksEmulator } from '../../emulators/push/appworks';

const repoRoot = path.resolve(__dirname, '..', '..');
const pkg = readPackageJson(repoRoot);
const USERS = 3000;
const PAGE_SIZE = 100;
const TEST_TIMEOUT = 600_000;

describe('a directory audience sent in one n8n execution', () => {
	let n8n: N8nInstance | undefined;
	let slapd: Slapd | undefined;
	let gateway: AppWorksEmulator | undefined;
	let tarball: string | undefined;
	let ldapCredentialId = '';
	let appWorksCredentialId = '';

	beforeAll(async () => {
		await ensureN8n();
		tarball = await packPackage(repoRoot);
		slapd = await startSlapd({ users: USERS, otds: false });
		gateway = await startAppWorksEmulator({ users: slapd.fixture.users.map((user) => user.uid) });
		n8n = await startN8n({ tarball });
		await n8n.setupOwner();
		await n8n.createApiKey();
		ldapCredentialId = await n8n.createCredential('openTextDirectoryLdapApi', 'Directory', ldapCredentialData(slapd));
		appWorksCredentialId = await n8n.createCredential(
			'openTextAppWorksGatewayApi',
			'AppWorks Gateway',
			appWorksServiceCredential(gateway),
		);
	}, 900_000);

	afterAll(async () => {
		await Promise.allSettled([n8n?.stop(), slapd?.stop(), gateway?.stop()]);
		if (tarball) fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
	}, 60_000);

	test(
		'every person gets exactly one message, n8n holds one summary item, and a second run sends nothing twice',
		async () => {
			const title = 'Maintenance 1';
			const workflowId = await n8n!.createWorkflow(
				audienceWorkflow('Audience broadcast', {
					packageName: pkg.name,
					ldapCredentialId,
					appWorksCredentialId,
					pageSize: PAGE_SIZE,
					title,
				}),
			);
			const first = await n8n!.runWorkflow(workflowId, { timeoutMs: 300_000 });
			expect(executionError(first)).toBeUndefined();
			const everyone = slapd!.fixture.users.map((user) => user.uid.toLowerCase()).sort();
			const counts = notificationsPerPerson(gateway!, title);
			expect([...counts.keys()].sort()).toEqual(everyone);
			expect([...counts.values()].every((count) => count === 1)).toBe(true);

			// n8n keeps a summary, not the people: the push node output one item, and the whole execution's data is
			// smaller than a single page of the audience as the directory node would output it.
			const items = nodeItems(first, AUDIENCE_PUSH_NODE);
			expect(items).toEqual([
				expect.objectContaining({
					summary: true,
					people: USERS,
					pages: USERS / PAGE_SIZE,
					results: USERS,
					sent: USERS,
					failed: 0,
					failuresListed: 0,
				}),
			]);
			const onePage = await audiencePageBytes(PAGE_SIZE);
			const executionBytes = JSON.stringify(first.data).length;
			expect(executionBytes).toBeLessThan(onePage);

			// Run again (as after a failure nobody could account for): the same pages make the same batches with the
			// same idempotency keys, and the gateway answers them from its records without notifying anyone again.
			const requestsBefore = gateway!.notifications.length;
			const second = await n8n!.runWorkflow(workflowId, { timeoutMs: 300_000 });
			expect(executionError(second)).toBeUndefined();
			expect(nodeItems(second, AUDIENCE_PUSH_NODE)).toEqual([
				expect.objectContaining({ summary: true, people: USERS, sent: USERS }),
			]);
			expect(gateway!.notifications.length).toBe(requestsBefore);
			expect([...notificationsPerPerson(gateway!, title).values()].every((count) => count === 1)).toBe(true);
		},
		TEST_TIMEOUT,
	);

	test(
		'a page size out of range fails before anything is sent, naming the field',
		async () => {
			const title = 'Never sent';
			const workflowId = await n8n!.createWorkflow(
				audienceWorkflow('Broken page size', {
					packageName: pkg.name,
					ldapCredentialId,
					appWorksCredentialId,
					pageSize: 0,
					title,
				}),
			);
			const run = await n8n!.runWorkflow(workflowId);
			expect(executionError(run)).toMatch(/People per Page.*whole number from 1 to 5,000/);
			expect(notificationsPerPerson(gateway!, title).size).toBe(0);
		},
		TEST_TIMEOUT,
	);

	/** The size of one page of this audience as n8n would hold it: the directory node's Audience › Resolve, limited. */
	async function audiencePageBytes(pageSize: number): Promise<number> {
		const workflow: WorkflowJson = {
			name: 'One page',
			nodes: [
				{
					id: 'start',
					name: 'Start',
					type: 'n8n-nodes-base.manualTrigger',
					typeVersion: 1,
					position: [0, 0],
					parameters: {},
				},
				{
					id: 'resolve',
					name: 'Resolve',
					type: `${pkg.name}.openTextDirectoryServices`,
					typeVersion: 1,
					position: [260, 0],
					parameters: {
						source: 'ldap',
						resource: 'audience',
						operation: 'resolve',
						audienceConditions: { condition: [{ field: 'mail', operator: 'present' }] },
						accountState: 'any',
						returnAll: false,
						limit: pageSize,
					},
					credentials: { openTextDirectoryLdapApi: { id: ldapCredentialId, name: 'Directory' } },
				},
			],
			connections: { Start: { main: [[{ node: 'Resolve', type: 'main', index: 0 }]] } },
			settings: { executionOrder: 'v1' },
			pinData: {},
		};
		const run = await n8n!.runWorkflow(await n8n!.createWorkflow(workflow));
		expect(executionError(run)).toBeUndefined();
		const page = nodeItems(run, 'Resolve');
		expect(page).toHaveLength(pageSize);
		return JSON.stringify(page).length;
	}
});
