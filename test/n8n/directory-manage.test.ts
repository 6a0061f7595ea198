/**
 * The directory node's management operations in a real n8n (the packed package), against the OTDS REST emulator and
 * a real OpenLDAP (slapd): create → disable → require a password change, then enable → set password → unlock →
 * delete; each run a second time writes nothing and says changed: false; groups created and deleted the same way.
 * On slapd, each step is also read back from the server: ppolicy's lock and pwdReset, the password the person binds
 * with, groupOfNames' empty-DN member.
 * Passwords come from expressions and appear in no item, error or execution data.
 *
 * Needs `npm run build` first (`npm test` does it).
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Client } from 'ldapts';
import { startOtdsEmulator, type OtdsEmulator } from '../../emulators/otds/server';
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
import { startSlapd, type Slapd } from '../../devkit/slapd';
import { ldapCredentialData } from '../../devkit/ldap-credential';
import { bindsWith } from '../support/manage-scenario';

const repoRoot = path.resolve(__dirname, '..', '..');
const pkg = readPackageJson(repoRoot);
const NODE_TYPE = `${pkg.name}.openTextDirectoryServices`;
const OTDS_CREDENTIAL = 'openTextDirectoryServicesApi';
const LDAP_CREDENTIAL = 'openTextDirectoryLdapApi';
const PARTITION = 'Content Server Members';
const TEST_TIMEOUT = 300_000;
/** Built by expressions, so that neither password is written in the workflow: found anywhere, it leaked. */
const FIRST_PASSWORD = 'First-Pa55-word-7c1';
const NEW_PASSWORD = 'Fresh-Pa55-word-9e4';
const asExpression = (password: string) =>
	`={{ ${JSON.stringify(password.slice(0, 6))} + ${JSON.stringify(password.slice(6))} }}`;

type Source = 'ldap' | 'otdsRest';

let n8n: N8nInstance | undefined;
let slapd: Slapd | undefined;
let otds: OtdsEmulator | undefined;
let tarball: string | undefined;
const credentialIds: Record<Source, string> = { ldap: '', otdsRest: '' };

const rl = (mode: string, value: string) => ({ __rl: true, mode, value });

/** Manual Trigger → one directory node per entry, run top to bottom. */
function workflow(
	name: string,
	source: Source,
	nodes: Array<{ name: string; parameters: Record<string, unknown>; continueOnFail?: boolean }>,
): WorkflowJson {
	const credentialType = source === 'ldap' ? LDAP_CREDENTIAL : OTDS_CREDENTIAL;
	const baseOptions = source === 'otdsRest' ? { partition: PARTITION } : {};
	return {
		name,
		nodes: [
			{
				id: crypto.randomUUID(),
				name: 'Start',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			...nodes.map((node, index) => ({
				id: crypto.randomUUID(),
				name: node.name,
				type: NODE_TYPE,
				typeVersion: 1,
				position: [300, index * 200],
				parameters: {
					source,
					...node.parameters,
					options: { ...baseOptions, ...((node.parameters.options as object) ?? {}) },
				},
				credentials: { [credentialType]: { id: credentialIds[source], name: `${source} directory` } },
				...(node.continueOnFail ? { onError: 'continueRegularOutput' } : {}),
			})),
		],
		connections: { Start: { main: [nodes.map((node) => ({ node: node.name, type: 'main', index: 0 }))] } },
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}

async function runTwice(json: WorkflowJson) {
	const id = await n8n!.createWorkflow(json);
	const first = await n8n!.runWorkflow(id);
	const second = await n8n!.runWorkflow(id);
	return [first, second];
}

/** `changed` of each node's one item, by node name. */
function changedOf(execution: Parameters<typeof nodeItems>[0], names: string[]): Record<string, unknown> {
	return Object.fromEntries(names.map((name) => [name, nodeItems(execution, name).map((item) => item.changed)]));
}

/** The entry at `dn` on the slapd as its admin reads it (operational attributes too), or undefined when gone. */
async function slapdEntry(dn: string): Promise<Record<string, string[]> | undefined> {
	const client = new Client({ url: slapd!.url });
	try {
		await client.bind(slapd!.adminDN, slapd!.adminPassword);
		const { searchEntries } = await client
			.search(dn, { scope: 'base', attributes: ['*', '+'] })
			.catch((error: { code?: number }) => {
				if (error.code === 32) return { searchEntries: [] };
				throw error;
			});
		if (searchEntries.length === 0) return undefined;
		const values = (value: unknown) => (Array.isArray(value) ? value : [value]).map(String);
		return Object.fromEntries(Object.entries(searchEntries[0]).map(([name, value]) => [name, values(value)]));
	} finally {
		await client.unbind().catch(() => undefined);
	}
}

function slapdBinds(dn: string, password: string): Promise<boolean> {
	return bindsWith(() => new Client({ url: slapd!.url }), dn, password);
}

/** Neither password anywhere in what n8n keeps of the run (items, errors, the workflow as run). */
function expectNoPassword(execution: unknown): void {
	const text = JSON.stringify(execution);
	expect(text).not.toContain(FIRST_PASSWORD);
	expect(text).not.toContain(NEW_PASSWORD);
}

beforeAll(async () => {
	await ensureN8n();
	tarball = await packPackage(repoRoot);
	[slapd, otds] = await Promise.all([
		startSlapd({ users: 20, seed: 11 }),
		startOtdsEmulator({ users: 20, seed: 11, passwordPolicy: { minimumLength: 12 } }),
	]);
	n8n = await startN8n({ tarball });
	await n8n.setupOwner();
	await n8n.createApiKey();
	credentialIds.ldap = await n8n.createCredential(LDAP_CREDENTIAL, 'ldap directory', ldapCredentialData(slapd));
	credentialIds.otdsRest = await n8n.createCredential(OTDS_CREDENTIAL, 'otdsRest directory', {
		serverUrl: otds.url,
		authMethod: 'ticket',
		userName: otds.adminUser,
		password: otds.adminPassword,
	});
}, 900_000);

afterAll(async () => {
	await Promise.allSettled([n8n?.stop(), slapd?.stop(), otds?.stop()]);
	if (tarball) fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
}, 60_000);

describe.each<Source>(['otdsRest', 'ldap'])('management over %s', (source) => {
	const newLogin = `mgmt.${source.toLowerCase()}`;
	const user = rl('login', newLogin);

	test(
		'create → disable → require a password change, then again: changed false everywhere',
		async () => {
			const steps = ['Create', 'Disable', 'Require Password Change'];
			const [first, second] = await runTwice(
				workflow(`manage ${source} 1`, source, [
					{
						name: 'Create',
						parameters: {
							resource: 'user',
							operation: 'create',
							login: newLogin,
							password: asExpression(FIRST_PASSWORD),
							newUser: {
								givenName: 'Manage',
								surname: 'Probe',
								mail: `${newLogin}@example.com`,
								title: 'Tester',
								// In LDAP the parent DN (the credential has no user base: the base DN otherwise).
								...(source === 'ldap' ? { parent: slapd!.layout.peopleDN } : {}),
							},
						},
					},
					{ name: 'Disable', parameters: { resource: 'user', operation: 'disable', user } },
					{
						name: 'Require Password Change',
						parameters: { resource: 'user', operation: 'requirePasswordChange', user },
					},
				]),
			);
			expect(executionError(first)).toBeUndefined();
			expect(changedOf(first, steps)).toEqual({
				Create: [true],
				Disable: [true],
				'Require Password Change': [true],
			});
			const [created] = nodeItems(first, 'Create');
			expect(created).toMatchObject({
				dn: expect.any(String),
				user: { givenName: 'Manage', surname: 'Probe', mail: `${newLogin}@example.com`, title: 'Tester' },
			});
			expect(nodeItems(first, 'Disable')[0]).toMatchObject({ user: { status: { disabled: true } } });
			expect(nodeItems(first, 'Require Password Change')[0]).toMatchObject({
				user: { status: { passwordResetRequired: true } },
			});
			expect(executionError(second)).toBeUndefined();
			expect(changedOf(second, steps)).toEqual({
				Create: [false],
				Disable: [false],
				'Require Password Change': [false],
			});
			expectNoPassword(first);
			expectNoPassword(second);
			if (source === 'otdsRest') {
				const stored = otds!.store.requireUser(`${newLogin}@${PARTITION}`);
				expect(stored.password).toBe(FIRST_PASSWORD);
				expect(stored.attributes.accountDisabled).toEqual(['true']);
			} else {
				// inetOrgPerson named by uid; disabled as ppolicy's permanent lock; the change required as pwdReset.
				const dn = created.dn as string;
				expect(dn).toBe(slapd!.layout.userDN(newLogin));
				const entry = await slapdEntry(dn);
				expect(entry?.objectClass).toContain('inetOrgPerson');
				expect(entry?.pwdAccountLockedTime).toEqual(['000001010000Z']);
				expect(entry?.pwdReset).toEqual(['TRUE']);
				expect(await slapdBinds(dn, FIRST_PASSWORD)).toBe(false);
			}
		},
		TEST_TIMEOUT,
	);

	test(
		'enable → set password (must change) → unlock → delete; the repeat of the delete is changed false',
		async () => {
			const execution = await n8n!.runWorkflow(
				await n8n!.createWorkflow(
					workflow(`manage ${source} 2`, source, [
						{ name: 'Enable', parameters: { resource: 'user', operation: 'enable', user } },
						{
							name: 'Set Password',
							parameters: {
								resource: 'user',
								operation: 'setPassword',
								user,
								password: asExpression(NEW_PASSWORD),
								mustChangePassword: true,
							},
						},
						{ name: 'Unlock', parameters: { resource: 'user', operation: 'unlock', user } },
					]),
				),
			);
			expect(executionError(execution)).toBeUndefined();
			expect(changedOf(execution, ['Enable', 'Set Password', 'Unlock'])).toEqual({
				Enable: [true],
				'Set Password': [true],
				// It was never locked.
				Unlock: [false],
			});
			expect(nodeItems(execution, 'Set Password')[0]).toMatchObject({
				user: { status: { disabled: false, passwordResetRequired: true } },
			});
			expectNoPassword(execution);
			if (source === 'otdsRest') {
				expect(otds!.store.requireUser(`${newLogin}@${PARTITION}`).password).toBe(NEW_PASSWORD);
			} else {
				const dn = slapd!.layout.userDN(newLogin);
				const entry = await slapdEntry(dn);
				expect(entry?.pwdAccountLockedTime).toBeUndefined();
				expect(entry?.pwdReset).toEqual(['TRUE']);
				expect(await slapdBinds(dn, NEW_PASSWORD)).toBe(true);
				expect(await slapdBinds(dn, FIRST_PASSWORD)).toBe(false);
			}

			const [deleted, again] = await runTwice(
				workflow(`manage ${source} 3`, source, [
					{ name: 'Delete', parameters: { resource: 'user', operation: 'delete', user } },
					{
						name: 'Delete Strictly',
						parameters: { resource: 'user', operation: 'delete', user, options: { errorIfPresentOrAbsent: true } },
						continueOnFail: true,
					},
				]),
			);
			expect(executionError(deleted)).toBeUndefined();
			expect(nodeItems(deleted, 'Delete')).toEqual([{ changed: true, dn: expect.any(String) }]);
			expect(nodeItems(deleted, 'Delete Strictly')).toEqual([{ error: expect.any(String) }]);
			// Nothing left to delete: changed false, and no user in the item.
			expect(nodeItems(again, 'Delete')).toMatchObject([{ changed: false }]);
			expect(nodeItems(again, 'Delete')[0]).not.toHaveProperty('user');
			if (source === 'otdsRest') expect(otds!.store.findUser(`${newLogin}@${PARTITION}`)).toBeUndefined();
			else expect(await slapdEntry(slapd!.layout.userDN(newLogin))).toBeUndefined();
		},
		TEST_TIMEOUT,
	);

	test(
		'groups: create twice (changed true, then false), delete twice (true, then false)',
		async () => {
			const name = `Managed ${source}`;
			const [created, createdAgain] = await runTwice(
				workflow(`groups ${source} create`, source, [
					{
						name: 'Create',
						parameters: {
							resource: 'group',
							operation: 'create',
							groupName: name,
							newGroup: { description: 'Made by the node' },
						},
					},
				]),
			);
			expect(executionError(created)).toBeUndefined();
			expect(nodeItems(created, 'Create')).toEqual([
				{ changed: true, dn: expect.any(String), group: expect.objectContaining({ name }) },
			]);
			expect(nodeItems(createdAgain, 'Create')).toMatchObject([{ changed: false }]);
			const groupDn = nodeItems(created, 'Create')[0].dn as string;
			if (source === 'ldap') {
				// groupOfNames needs a member: an empty group holds the empty DN, which names no one.
				const entry = await slapdEntry(groupDn);
				expect(entry?.objectClass).toContain('groupOfNames');
				expect(entry?.member).toEqual(['']);
				expect(nodeItems(created, 'Create')[0]).toMatchObject({ group: { name } });
			}
			const [deleted, deletedAgain] = await runTwice(
				workflow(`groups ${source} delete`, source, [
					{ name: 'Delete', parameters: { resource: 'group', operation: 'delete', group: rl('name', name) } },
				]),
			);
			expect(executionError(deleted)).toBeUndefined();
			expect(nodeItems(deleted, 'Delete')).toMatchObject([{ changed: true }]);
			expect(nodeItems(deletedAgain, 'Delete')).toMatchObject([{ changed: false }]);
			expect(nodeItems(deletedAgain, 'Delete')[0]).not.toHaveProperty('group');
			if (source === 'ldap') expect(await slapdEntry(groupDn)).toBeUndefined();
		},
		TEST_TIMEOUT,
	);
});

test(
	'OTDS refusals as item errors: a rename (no OTDS REST call does it), a password the policy refuses (not repeated)',
	async () => {
		const who = otds!.fixture!.users[2].uid;
		const short = 'Sh0rt-' + 'x';
		const execution = await n8n!.runWorkflow(
			await n8n!.createWorkflow(
				workflow('OTDS refusals', 'otdsRest', [
					{
						name: 'Rename',
						parameters: { resource: 'user', operation: 'move', user: rl('login', who), newName: `${who}.renamed` },
						continueOnFail: true,
					},
					{
						name: 'Short Password',
						parameters: {
							resource: 'user',
							operation: 'setPassword',
							user: rl('login', who),
							password: asExpression(short),
						},
						continueOnFail: true,
					},
				]),
			),
		);
		expect(nodeItems(execution, 'Rename')).toEqual([
			{ error: expect.stringMatching(/New Name cannot be changed over OTDS REST/) },
		]);
		const [refused] = nodeItems(execution, 'Short Password');
		expect(refused).toEqual({ error: expect.stringMatching(/password policy/) });
		expect(JSON.stringify(execution)).not.toContain(short);
		expect(otds!.store.findUser(`${who}.renamed@${PARTITION}`)).toBeUndefined();
	},
	TEST_TIMEOUT,
);
