/**
 * The "OpenText Directory Services Trigger" in a real n8n: activated workflows poll a real OpenLDAP
 * (Auto → accesslog) and the OTDS emulator on n8n's own one-minute schedule; changes made between polls
 * arrive as one item per event, each exactly once; "Fetch Test Event" returns events without moving the
 * cursor; a wrong base DN fails the activation with a clear error.
 *
 * Polling intervals are real (n8n's minimum is one minute): both triggers poll in the same minute, so
 * the file takes about two minutes.
 */
import * as fs from 'fs';
import * as path from 'path';
import { startOtdsEmulator, type OtdsEmulator } from '../../emulators/otds/server';
import { attrLine, passwordOf } from '../../devkit/fixture';
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
const TRIGGER = `${pkg.name}.openTextDirectoryServicesTrigger`;
const PARTITION = 'Content Server Members';
const TEST_TIMEOUT = 360_000;

let n8n: N8nInstance | undefined;
let slapd: Slapd | undefined;
let otds: OtdsEmulator | undefined;
let tarball: string | undefined;
const credentials: Record<string, { id: string; name: string }> = {};

function triggerWorkflow(name: string, source: 'ldap' | 'otdsRest', parameters: Record<string, unknown>): WorkflowJson {
	const credentialType = source === 'ldap' ? 'openTextDirectoryLdapApi' : 'openTextDirectoryServicesApi';
	return receivingWorkflow(name, {
		type: TRIGGER,
		parameters: { pollTimes: { item: [{ mode: 'everyMinute' }] }, source, ...parameters },
		credentials: { [credentialType]: credentials[source] },
	});
}

const types = (items: Array<Record<string, unknown>>) => items.map((item) => String(item.type)).sort();

beforeAll(async () => {
	await ensureN8n();
	tarball = await packPackage(repoRoot);
	[slapd, otds] = await Promise.all([startSlapd({ users: 40 }), startOtdsEmulator({ users: 40 })]);
	n8n = await startN8n({ tarball });
	await n8n.setupOwner();
	await n8n.createApiKey();
	credentials.ldap = {
		name: 'ldap directory',
		id: await n8n.createCredential('openTextDirectoryLdapApi', 'ldap directory', ldapCredentialData(slapd)),
	};
	credentials.otdsRest = {
		name: 'otds directory',
		id: await n8n.createCredential('openTextDirectoryServicesApi', 'otds directory', {
			serverUrl: otds.url,
			authMethod: 'ticket',
			userName: otds.adminUser,
			password: otds.adminPassword,
		}),
	};
}, 900_000);

afterAll(async () => {
	await Promise.allSettled([n8n?.stop(), slapd?.stop(), otds?.stop()]);
	if (tarball) fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
}, 60_000);

test(
	'activated triggers emit each change between polls exactly once, from slapd (accesslog) and OTDS REST',
	async () => {
		const ldapId = await n8n!.createWorkflow(
			triggerWorkflow('LDAP events', 'ldap', { options: { privilegedGroups: 'Domain Admins' } }),
		);
		const otdsId = await n8n!.createWorkflow(
			triggerWorkflow('OTDS events', 'otdsRest', { options: { partition: PARTITION } }),
		);
		// The same watch with its snapshot in n8n's memory: the same events, and only the cursor in the database.
		const heldId = await n8n!.createWorkflow(
			triggerWorkflow('LDAP events, snapshot in memory', 'ldap', {
				options: { privilegedGroups: 'Domain Admins', snapshotStorage: 'process' },
			}),
		);
		await n8n!.activateWorkflow(ldapId); // the first poll records the starting point and emits nothing
		await n8n!.activateWorkflow(otdsId);
		await n8n!.activateWorkflow(heldId);
		expect(await n8n!.executions(ldapId)).toEqual([]);

		const fixture = slapd!.fixture;
		const someone = fixture.users.find((u) => u.role === 'staff' && !u.status.disabled && !u.status.lockedOut)!;
		const newcomer = 'trigger.newcomer';
		const newcomerDN = `uid=${newcomer},${slapd!.layout.userDN('x').split(',').slice(1).join(',')}`;
		await slapd!.ldapmodify(
			`${attrLine('dn', newcomerDN)}changetype: add\nobjectClass: inetOrgPerson\n${attrLine('uid', newcomer)}cn: Trigger Newcomer\nsn: Newcomer\nmail: newcomer@example.com\nuserPassword: ${passwordOf(newcomer)}\n`,
		);
		await slapd!.ldapmodify(
			`${attrLine('dn', slapd!.layout.userDN(someone.uid))}changetype: modify\nreplace: title\ntitle: Chief Trigger Tester\n`,
		);
		await slapd!.ldapmodify(
			`${attrLine('dn', slapd!.layout.groupDN('Domain Admins'))}changetype: modify\nadd: member\n${attrLine('member', newcomerDN)}`,
		);
		const otdsPerson = otds!.fixture!.users.find(
			(u) => u.role === 'staff' && !u.status.disabled && !u.status.lockedOut,
		)!;
		otds!.store.lockUser(`${otdsPerson.uid}@${PARTITION}`);

		const [ldapRun] = await n8n!.waitForExecutions(ldapId, 1, 150_000);
		const ldapEvents = nodeItems(ldapRun, 'Directory Event');
		expect(executionError(ldapRun)).toBeUndefined();
		expect(types(ldapEvents)).toEqual(['group.memberAdded', 'user.created', 'user.updated']);
		expect(ldapEvents.every((event) => (event.source as { strategy: string }).strategy === 'accesslog')).toBe(true);
		const added = ldapEvents.find((event) => event.type === 'group.memberAdded')!;
		expect(added.group).toEqual(expect.objectContaining({ name: 'Domain Admins', privileged: true }));
		expect(added.actor).toEqual({ dn: slapd!.adminDN });
		const updated = ldapEvents.find((event) => event.type === 'user.updated')!;
		expect(updated.changes).toEqual([{ attribute: 'title', before: someone.title, after: 'Chief Trigger Tester' }]);
		expect(new Set(ldapEvents.map((event) => event.id)).size).toBe(3);

		const [heldRun] = await n8n!.waitForExecutions(heldId, 1, 150_000);
		expect(executionError(heldRun)).toBeUndefined();
		expect(nodeItems(heldRun, 'Directory Event').map((event) => event.id)).toEqual(ldapEvents.map((event) => event.id));
		const stateIn = async (id: string) =>
			(
				(await n8n!.getWorkflow(id)) as unknown as {
					staticData: Record<string, { changeState: { snapshot: unknown } }>;
				}
			).staticData['node:Directory Event'].changeState;
		expect((await stateIn(heldId)).snapshot).toEqual({ heldInProcess: expect.any(String) });
		expect((await stateIn(ldapId)).snapshot).toEqual(expect.objectContaining({ users: expect.any(Array) }));

		const [otdsRun] = await n8n!.waitForExecutions(otdsId, 1, 150_000);
		const otdsEvents = nodeItems(otdsRun, 'Directory Event');
		expect(types(otdsEvents)).toEqual(['user.locked']);
		expect(otdsEvents[0].user).toEqual(
			expect.objectContaining({
				login: `${otdsPerson.uid}@${PARTITION}`,
				status: expect.objectContaining({ locked: true }),
			}),
		);

		// "Fetch Test Event" in the editor: events (or a sample), and the stored cursor does not move.
		const manual = await n8n!.runWorkflow(ldapId, { triggerNode: 'Directory Event' });
		expect(executionError(manual)).toBeUndefined();
		expect(nodeItems(manual, 'Directory Event').length).toBeGreaterThan(0);
		expect((await n8n!.executions(ldapId)).filter((e) => e.mode === 'trigger')).toHaveLength(1);
		await n8n!.deactivateWorkflow(ldapId);
		await n8n!.deactivateWorkflow(otdsId);
		await n8n!.deactivateWorkflow(heldId);
	},
	TEST_TIMEOUT,
);

test(
	'with Emit Existing Entries on First Poll, activation emits the people and groups in scope, marked existing',
	async () => {
		const department = slapd!.fixture.users[0].department;
		const id = await n8n!.createWorkflow(
			triggerWorkflow('Existing entries', 'ldap', {
				segment: { condition: [{ attribute: 'ou', operator: 'equals', value: department }] },
				options: { emitExisting: true, groupScope: 'Domain Admins' },
			}),
		);
		await n8n!.activateWorkflow(id); // the first poll runs at activation: its items are one execution
		const [run] = await n8n!.waitForExecutions(id, 1, 60_000);
		expect(executionError(run)).toBeUndefined();
		const items = nodeItems(run, 'Directory Event');
		expect(items.every((item) => item.existing === true)).toBe(true);
		const logins = items
			.filter((item) => item.type === 'user.created')
			.map((item) => (item.user as { login: string }).login);
		const expected = slapd!.fixture.users.filter((user) => user.department === department).map((user) => user.uid);
		expect(logins.sort()).toEqual(expected.sort());
		expect(
			items.filter((item) => item.type === 'group.created').map((item) => (item.group as { name: string }).name),
		).toEqual(['Domain Admins']);
		await n8n!.deactivateWorkflow(id);
	},
	TEST_TIMEOUT,
);

test(
	'a base DN outside the directory fails the activation with an error naming it',
	async () => {
		const id = await n8n!.createWorkflow(
			triggerWorkflow('Bad base', 'ldap', { options: { userBaseDN: 'ou=nowhere,dc=example,dc=org' } }),
		);
		await expect(n8n!.activateWorkflow(id)).rejects.toThrow(/ou=nowhere|base DN|Base DN/i);
	},
	TEST_TIMEOUT,
);
