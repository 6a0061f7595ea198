/**
 * The directory trigger across a real restart of n8n 2.8.4 (PostgreSQL as its database, so the second n8n finds
 * the workflows, credentials and static data the first one stored): with the snapshot in the static data (the
 * default) the change made while n8n was down comes out after the restart; with Keep Snapshot In: Process Memory
 * the restarted process does not hold the snapshot, and the accesslog strategy's first poll brings the change back
 * from the log (core/changes/ldap/accesslog-recovery.ts): the same event, with the same id; then changes as usual.
 * (Where the log cannot tell, the poll starts over with a directory.resync: test/integration/trigger-node.test.ts.)
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { attrLine } from '../../devkit/fixture';
import { ldapCredentialData } from '../../devkit/ldap-credential';
import {
	ensureN8n,
	executionError,
	N8nInstance,
	nodeItems,
	packPackage,
	readPackageJson,
	receivingWorkflow,
	startN8n,
} from '../../devkit/n8n';
import { n8nDatabaseEnv, startPostgres, type Postgres } from '../../devkit/postgres';
import { startSlapd, type Slapd } from '../../devkit/slapd';

const repoRoot = path.resolve(__dirname, '..', '..');
const TRIGGER = `${readPackageJson(repoRoot).name}.openTextDirectoryServicesTrigger`;

let postgres: Postgres | undefined;
let slapd: Slapd | undefined;
let tarball: string | undefined;
const running: N8nInstance[] = [];

function watchWorkflow(name: string, credential: { id: string; name: string }, options: Record<string, unknown>) {
	return receivingWorkflow(name, {
		type: TRIGGER,
		parameters: { pollTimes: { item: [{ mode: 'everyMinute' }] }, source: 'ldap', strategy: 'accesslog', options },
		credentials: { openTextDirectoryLdapApi: credential },
	});
}

async function retitle(index: number, title: string): Promise<string> {
	const dn = slapd!.layout.userDN(slapd!.fixture.users[index].uid);
	await slapd!.ldapmodify(`${attrLine('dn', dn)}changetype: modify\nreplace: title\ntitle: ${title}\n`);
	return dn;
}

beforeAll(async () => {
	await ensureN8n();
	tarball = await packPackage(repoRoot);
	[postgres, slapd] = await Promise.all([startPostgres({ database: 'n8n' }), startSlapd({ users: 30, otds: false })]);
}, 900_000);

afterAll(async () => {
	await Promise.allSettled(running.map((instance) => instance.stop()));
	await Promise.allSettled([postgres?.stop(), slapd?.stop()]);
	if (tarball) fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
}, 60_000);

test('after a restart: both the default trigger and the one keeping its snapshot in memory emit what changed while n8n was down, then changes as usual', async () => {
	const env = { ...n8nDatabaseEnv(postgres!), N8N_ENCRYPTION_KEY: crypto.randomBytes(24).toString('hex') };
	const first = await startN8n({ tarball, env });
	running.push(first);
	await first.setupOwner();
	const apiKey = await first.createApiKey();
	const credential = {
		name: 'ldap',
		id: await first.createCredential('openTextDirectoryLdapApi', 'ldap', ldapCredentialData(slapd!)),
	};
	const wholeId = await first.createWorkflow(watchWorkflow('Snapshot in the static data', credential, {}));
	const heldId = await first.createWorkflow(
		watchWorkflow('Snapshot in memory', credential, { snapshotStorage: 'process' }),
	);
	await first.activateWorkflow(wholeId); // the first poll records the starting point and emits nothing
	await first.activateWorkflow(heldId);
	await first.stop();

	const whileDown = await retitle(2, 'Changed While n8n Was Down');
	const second = await startN8n({ tarball, env });
	running.push(second);
	second.apiKey = apiKey;

	// n8n activates both again as it starts, and that first poll emits.
	const [caughtUp] = await second.waitForExecutions(wholeId, 1, 150_000);
	expect(executionError(caughtUp)).toBeUndefined();
	expect(
		nodeItems(caughtUp, 'Directory Event').map((event) => [event.type, (event.user as { dn: string }).dn]),
	).toEqual([['user.updated', whileDown]]);
	const [recovered] = await second.waitForExecutions(heldId, 1, 150_000);
	expect(executionError(recovered)).toBeUndefined();
	const fromLog = nodeItems(recovered, 'Directory Event');
	expect(fromLog.map((event) => [event.type, (event.user as { dn: string }).dn])).toEqual([
		['user.updated', whileDown],
	]);
	expect(fromLog[0].id).toBe(nodeItems(caughtUp, 'Directory Event')[0].id);

	const afterRestart = await retitle(3, 'Changed After The Restart');
	const runs = await second.waitForExecutions(heldId, 2, 150_000);
	const latest = runs.find((run) => run.id !== recovered.id)!;
	expect(executionError(latest)).toBeUndefined();
	expect(nodeItems(latest, 'Directory Event').map((event) => [event.type, (event.user as { dn: string }).dn])).toEqual([
		['user.updated', afterRestart],
	]);
	await second.deactivateWorkflow(wholeId);
	await second.deactivateWorkflow(heldId);
}, 600_000);
