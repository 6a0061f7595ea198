/**
 * The "OpenText Directory Services Instant Trigger" in a real n8n, against a real OpenLDAP with syncprov: the
 * node registers; an activated workflow starts an execution within seconds of a directory write, with the
 * polling trigger's items (accesslog strategy, stable ids); the cursor lives in the workflow's static data, so a
 * change made while the workflow was inactive arrives once at the next activation; deactivating leaves no
 * connection to the directory; a server without syncprov fails the activation saying what to enable.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {
	ensureN8n,
	executionError,
	N8nInstance,
	nodeItems,
	packPackage,
	readPackageJson,
	receivingWorkflow,
	startN8n,
	type WorkflowJson,
} from '../../devkit/n8n';
import { startSlapd, type Slapd } from '../../devkit/slapd';
import { ldapCredentialData } from '../../devkit/ldap-credential';

const repoRoot = path.resolve(__dirname, '..', '..');
const pkg = readPackageJson(repoRoot);
const INSTANT = `${pkg.name}.openTextDirectoryServicesInstantTrigger`;
const TEST_TIMEOUT = 240_000;

let n8n: N8nInstance | undefined;
let slapd: Slapd | undefined;
let plain: Slapd | undefined;
let tarball: string | undefined;
const credentials: Record<'syncprov' | 'plain', { id: string; name: string }> = {} as never;

function instantWorkflow(name: string, credential: { id: string; name: string }, parameters = {}): WorkflowJson {
	return receivingWorkflow(name, {
		type: INSTANT,
		parameters: { source: 'ldap', ...parameters },
		credentials: { openTextDirectoryLdapApi: credential },
	});
}

/** Established TCP connections to a local port (the directory's), from any process. */
function connectionsTo(port: number): number {
	const out = execFileSync('ss', ['-Htn', 'state', 'established', `( dport = :${port} )`], { encoding: 'utf8' });
	return out.split('\n').filter((line) => line.trim() !== '').length;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const found = await probe();
		if (found !== undefined) return found;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

/** Deactivates the workflow and waits until no connection to the syncprov slapd stays open. */
async function deactivateAndWaitForClose(id: string): Promise<void> {
	await n8n!.deactivateWorkflow(id);
	await until(
		'the listening connection to close',
		async () => (connectionsTo(slapd!.port) === 0 ? true : undefined),
		5000,
	);
}

const retitle = (server: Slapd, uid: string, title: string) =>
	server.ldapmodify(`dn: ${server.layout.userDN(uid)}\nchangetype: modify\nreplace: title\ntitle: ${title}\n`);

beforeAll(async () => {
	await ensureN8n();
	tarball = await packPackage(repoRoot);
	[slapd, plain] = await Promise.all([
		startSlapd({ users: 40, otds: false, syncprov: true }),
		startSlapd({ users: 20, otds: false }),
	]);
	n8n = await startN8n({ tarball });
	await n8n.setupOwner();
	await n8n.createApiKey();
	for (const [key, server] of [
		['syncprov', slapd],
		['plain', plain],
	] as const)
		credentials[key] = {
			name: `ldap ${key}`,
			id: await n8n.createCredential('openTextDirectoryLdapApi', `ldap ${key}`, ldapCredentialData(server)),
		};
}, 900_000);

afterAll(async () => {
	await Promise.allSettled([n8n?.stop(), slapd?.stop(), plain?.stop()]);
	if (tarball) fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
}, 60_000);

test(
	'registers, starts an execution within seconds of a write, keeps its cursor in static data, and leaves nothing behind',
	async () => {
		expect(await n8n!.nodeTypes()).toContain(INSTANT);
		const id = await n8n!.createWorkflow(instantWorkflow('Instant events', credentials.syncprov));
		await n8n!.activateWorkflow(id); // the first read records the starting point and emits nothing
		expect(connectionsTo(slapd!.port)).toBe(2); // the listening connection and the one reads keep
		expect(await n8n!.executions(id)).toEqual([]);

		const someone = slapd!.fixture.users[4];
		const written = Date.now();
		await retitle(slapd!, someone.uid, 'Instant Tester');
		const [run] = await n8n!.waitForExecutions(id, 1, 30_000);
		const latencyMs = Date.parse(run.startedAt) - written;
		expect(latencyMs).toBeLessThan(3000);
		expect(executionError(run)).toBeUndefined();
		const events = nodeItems(run, 'Directory Event');
		expect(events.map((event) => event.type)).toEqual(['user.updated']);
		expect(events[0].source).toEqual(expect.objectContaining({ kind: 'ldap', strategy: 'accesslog' }));
		expect(events[0].changes).toEqual([{ attribute: 'title', before: someone.title, after: 'Instant Tester' }]);

		// The cursor is in the workflow's static data (saved when the trigger emitted).
		const stored = (await n8n!.getWorkflow(id)) as unknown as { staticData?: Record<string, unknown> };
		expect(JSON.stringify(stored.staticData ?? {})).toContain('changeState');

		// Deactivated: no connection stays, and a change made meanwhile waits for the next activation.
		await deactivateAndWaitForClose(id);
		const meanwhile = slapd!.fixture.users[5];
		await retitle(slapd!, meanwhile.uid, 'Changed While Inactive');
		await new Promise((resolve) => setTimeout(resolve, 1500));
		expect(await n8n!.executions(id)).toHaveLength(1);
		await n8n!.activateWorkflow(id); // the catch-up read emits it at once
		const runs = await n8n!.waitForExecutions(id, 2, 30_000);
		const caughtUp = nodeItems(runs[0], 'Directory Event');
		expect(caughtUp.map((event) => (event.user as { login: string }).login)).toEqual([meanwhile.uid]);
		expect(caughtUp[0].id).not.toEqual(events[0].id);
		await deactivateAndWaitForClose(id);
	},
	TEST_TIMEOUT,
);

test(
	'with Keep Snapshot In: Process Memory, only a reference is stored, and a deactivation and activation in the same n8n go on from where it was',
	async () => {
		const id = await n8n!.createWorkflow(
			instantWorkflow('Instant events, snapshot in memory', credentials.syncprov, {
				options: { snapshotStorage: 'process' },
			}),
		);
		await n8n!.activateWorkflow(id);
		const someone = slapd!.fixture.users[6];
		await retitle(slapd!, someone.uid, 'Held Instantly');
		const [run] = await n8n!.waitForExecutions(id, 1, 30_000);
		expect(nodeItems(run, 'Directory Event').map((event) => event.type)).toEqual(['user.updated']);
		const stored = (await n8n!.getWorkflow(id)) as unknown as {
			staticData: Record<string, { changeState: { snapshot: unknown } }>;
		};
		expect(stored.staticData['node:Directory Event'].changeState.snapshot).toEqual({
			heldInProcess: expect.any(String),
		});

		// n8n reads the static data back from its database when it activates the workflow again: this process
		// still holds the snapshot, so the change made meanwhile comes out, not a resync.
		await deactivateAndWaitForClose(id);
		const meanwhile = slapd!.fixture.users[7];
		await retitle(slapd!, meanwhile.uid, 'Changed While Inactive, Held');
		await n8n!.activateWorkflow(id);
		const runs = await n8n!.waitForExecutions(id, 2, 30_000);
		const caughtUp = runs.find((each) => each.id !== run.id)!;
		expect(
			nodeItems(caughtUp, 'Directory Event').map((event) => [event.type, (event.user as { login: string }).login]),
		).toEqual([['user.updated', meanwhile.uid]]);
		await deactivateAndWaitForClose(id);
	},
	TEST_TIMEOUT,
);

test(
	'a server without syncprov fails the activation, saying what to enable',
	async () => {
		const id = await n8n!.createWorkflow(instantWorkflow('No syncprov', credentials.plain));
		await expect(n8n!.activateWorkflow(id)).rejects.toThrow(/syncprov/);
		expect(connectionsTo(plain!.port)).toBe(0);
	},
	TEST_TIMEOUT,
);
