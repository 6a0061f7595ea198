/**
 * The "OpenText Directory Services" node in a real n8n, against both sources: a real OpenLDAP (slapd) and
 * the OTDS REST emulator, seeded with the same people. Every resource and operation runs in a workflow;
 * the OTDS credential's test, the user and group pickers (listSearch), the partition dropdown, a ticket
 * that expires between runs, and bad input are checked through n8n's own REST API.
 *
 * Needs `npm run build` first (`npm test` does it).
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { startOtdsEmulator, type OtdsEmulator } from '../../emulators/otds/server';
import { transitiveUsers, type EnterpriseFixture, type FixtureUser } from '../../devkit/fixture';
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

const repoRoot = path.resolve(__dirname, '..', '..');
const pkg = readPackageJson(repoRoot);
const NODE_TYPE = `${pkg.name}.openTextDirectoryServices`;
const OTDS_CREDENTIAL = 'openTextDirectoryServicesApi';
const LDAP_CREDENTIAL = 'openTextDirectoryLdapApi';
const PARTITION = 'Content Server Members';
const USERS = 60;
const SEED = 7;
const TEST_TIMEOUT = 300_000;

type Source = 'ldap' | 'otdsRest';

let n8n: N8nInstance | undefined;
let slapd: Slapd | undefined;
let otds: OtdsEmulator | undefined;
let tarball: string | undefined;
const credentialIds: Record<Source, string> = { ldap: '', otdsRest: '' };
let otdsData: Record<string, unknown> = {};

const rl = (mode: string, value: string) => ({ __rl: true, mode, value });

/** Manual Trigger → one directory node per entry, side by side (run top to bottom). */
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

async function run(json: WorkflowJson) {
	const id = await n8n!.createWorkflow(json);
	return n8n!.runWorkflow(id);
}

function fixture(): EnterpriseFixture {
	return slapd!.fixture;
}

/** An enabled staff member with a manager: the subject of the user operations. */
function subject(): FixtureUser {
	return fixture().users.find((u) => u.role === 'staff' && !u.status.disabled && !u.status.lockedOut && u.manager)!;
}

const logins = (items: Array<Record<string, unknown>>) => items.map((item) => String(item.login)).sort();

/** The login the node reports: the uid in LDAP, the OTDS id `name@partition` over OTDS REST. */
const loginIn = (source: Source) => (uid: string) => (source === 'otdsRest' ? `${uid}@${PARTITION}` : uid);

beforeAll(async () => {
	await ensureN8n();
	tarball = await packPackage(repoRoot);
	[slapd, otds] = await Promise.all([
		startSlapd({ users: USERS, seed: SEED }),
		startOtdsEmulator({ users: USERS, seed: SEED, oauthClients: [{ id: 'n8n-push', secret: 'Client-Secret-9f3e' }] }),
	]);
	n8n = await startN8n({ tarball });
	await n8n.setupOwner();
	await n8n.createApiKey();
	credentialIds.ldap = await n8n.createCredential(LDAP_CREDENTIAL, 'ldap directory', ldapCredentialData(slapd));
	otdsData = { serverUrl: otds.url, authMethod: 'ticket', userName: otds.adminUser, password: otds.adminPassword };
	credentialIds.otdsRest = await n8n.createCredential(OTDS_CREDENTIAL, 'otdsRest directory', otdsData);
}, 900_000);

afterAll(async () => {
	await Promise.allSettled([n8n?.stop(), slapd?.stop(), otds?.stop()]);
	if (tarball) fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
}, 60_000);

describe('the OTDS REST credential', () => {
	test(
		'its test signs in and says who signed in; a wrong password or secret is reported without being repeated',
		async () => {
			expect(await n8n!.testCredential(OTDS_CREDENTIAL, otdsData)).toEqual({
				status: 'OK',
				message: expect.stringContaining(`Signed in to OTDS as ${otds!.adminUser}`),
			});

			const oauth = {
				serverUrl: otds!.url,
				authMethod: 'oauth2ClientCredentials',
				clientId: 'n8n-push',
				clientSecret: 'Client-Secret-9f3e',
			};
			expect(await n8n!.testCredential(OTDS_CREDENTIAL, oauth)).toEqual({
				status: 'OK',
				message: expect.stringMatching(/Signed in to OTDS as .*OAuth2/),
			});

			const wrong = `Wrong-${crypto.randomBytes(6).toString('hex')}`;
			const badPassword = await n8n!.testCredential(OTDS_CREDENTIAL, { ...otdsData, password: wrong });
			expect(badPassword.status).toBe('Error');
			expect(badPassword.message).toMatch(/password|credential|sign/i);
			expect(badPassword.message).not.toContain(wrong);
			const badSecret = await n8n!.testCredential(OTDS_CREDENTIAL, { ...oauth, clientSecret: wrong });
			expect(badSecret.status).toBe('Error');
			expect(badSecret.message).not.toContain(wrong);

			const unreachable = await n8n!.testCredential(OTDS_CREDENTIAL, {
				...otdsData,
				serverUrl: 'http://127.0.0.1:9/otdsws',
			});
			expect(unreachable).toEqual({ status: 'Error', message: expect.stringMatching(/127\.0\.0\.1:9/) });
		},
		TEST_TIMEOUT,
	);

	test(
		'an expired ticket is renewed within the run, without failing it',
		async () => {
			const first = await run(
				workflow('OTDS ticket renewal', 'otdsRest', [
					{ name: 'Get', parameters: { resource: 'user', operation: 'get', user: rl('login', subject().uid) } },
				]),
			);
			expect(executionError(first)).toBeUndefined();
			const signIns = () => otds!.requests.filter((r) => r.path.endsWith('/rest/authentication/credentials')).length;
			const before = signIns();
			otds!.faults.expireAllTickets();
			const second = await run(
				workflow('OTDS ticket renewal 2', 'otdsRest', [
					{ name: 'Get', parameters: { resource: 'user', operation: 'get', user: rl('login', subject().uid) } },
				]),
			);
			expect(executionError(second)).toBeUndefined();
			expect(nodeItems(second, 'Get')).toEqual([expect.objectContaining({ login: `${subject().uid}@${PARTITION}` })]);
			expect(signIns()).toBe(before + 1);
			// The default: 400 {"status": 1034, "error": "Expired OTDS SSO ticket"} (as pyxecm reports OTDS answering).
			expect(otds!.requests.some((r) => r.status === 400)).toBe(true);

			// An OTDS that answers an expired ticket with 401 (pyxecm renews on it too).
			const otds401 = await startOtdsEmulator({ users: 20, seed: SEED, expiredTicketStatus: 401 });
			try {
				const id = await n8n!.createCredential(OTDS_CREDENTIAL, 'otds 401', {
					serverUrl: otds401.url,
					authMethod: 'ticket',
					userName: otds401.adminUser,
					password: otds401.adminPassword,
				});
				const json = workflow('OTDS 401 expiry', 'otdsRest', [
					{ name: 'Search', parameters: { resource: 'user', operation: 'search', returnAll: true } },
				]);
				json.nodes[1].credentials = { [OTDS_CREDENTIAL]: { id, name: 'otds 401' } };
				const workflowId = await n8n!.createWorkflow(json);
				expect(executionError(await n8n!.runWorkflow(workflowId))).toBeUndefined();
				otds401.faults.expireAllTickets();
				const renewed = await n8n!.runWorkflow(workflowId);
				expect(executionError(renewed)).toBeUndefined();
				expect(nodeItems(renewed, 'Search')).toHaveLength(20);
				expect(otds401.requests.some((r) => r.status === 401)).toBe(true);
			} finally {
				await otds401.stop();
			}
		},
		TEST_TIMEOUT,
	);
});

describe.each<Source>(['ldap', 'otdsRest'])('the directory node over %s', (source) => {
	const login = loginIn(source);
	const sortedLogins = (uids: Iterable<string>) => [...uids].map(login).sort();
	test(
		'users: get by each key, search by conditions and state, update attributes',
		async () => {
			const who = subject();
			const execution = await run(
				workflow(`users ${source}`, source, [
					{ name: 'By login', parameters: { resource: 'user', operation: 'get', user: rl('login', who.uid) } },
					{ name: 'By mail', parameters: { resource: 'user', operation: 'get', user: rl('mail', who.mail) } },
					{
						name: 'Search',
						parameters: {
							resource: 'user',
							operation: 'search',
							state: 'enabled',
							returnAll: true,
							conditions: {
								condition: [
									{ attribute: source === 'ldap' ? 'ou' : 'oTDepartment', operator: 'equals', value: who.department },
								],
							},
						},
					},
					{
						name: 'Update',
						parameters: {
							resource: 'user',
							operation: 'update',
							user: rl('login', who.uid),
							changes: {
								change: [
									{ attribute: 'telephoneNumber', action: 'set', value: '+49 30 1234' },
									{ attribute: 'telephoneNumber', action: 'set', value: '+49 30 5678' },
								],
							},
							options: { additionalAttributes: 'telephoneNumber' },
						},
					},
				]),
			);
			expect(executionError(execution)).toBeUndefined();
			const [byLogin] = nodeItems(execution, 'By login');
			expect(byLogin).toEqual(
				expect.objectContaining({
					login: login(who.uid),
					mail: who.mail,
					department: who.department,
					status: expect.objectContaining({ disabled: false }),
				}),
			);
			expect(nodeItems(execution, 'By mail')).toEqual([expect.objectContaining({ login: login(who.uid) })]);
			const expected = fixture()
				.users.filter((u) => u.department === who.department && !u.status.disabled)
				.map((u) => u.uid);
			expect(logins(nodeItems(execution, 'Search'))).toEqual(sortedLogins(expected));
			const [updated] = nodeItems(execution, 'Update');
			const phones = (updated.attributes as Record<string, unknown>).telephoneNumber;
			expect([phones].flat().sort()).toEqual(['+49 30 1234', '+49 30 5678']);
		},
		TEST_TIMEOUT,
	);

	test(
		'groups: get, search, nested members, add and remove a member',
		async () => {
			const who = fixture().users.find((u) => u.role === 'staff' && u.department !== 'Finance')!;
			const execution = await run(
				workflow(`groups ${source}`, source, [
					{ name: 'Get', parameters: { resource: 'group', operation: 'get', group: rl('name', 'Finance') } },
					{
						name: 'Search',
						parameters: { resource: 'group', operation: 'search', nameContains: 'manag', returnAll: true },
					},
					{
						name: 'Members',
						parameters: {
							resource: 'group',
							operation: 'getMembers',
							group: rl('name', 'All Staff'),
							nested: true,
							returnAll: true,
						},
					},
					{
						name: 'Direct',
						parameters: {
							resource: 'group',
							operation: 'getMembers',
							group: rl('name', 'All Staff'),
							nested: false,
							returnAll: true,
						},
					},
					{
						name: 'Add',
						parameters: {
							resource: 'group',
							operation: 'addMember',
							group: rl('name', 'Finance'),
							member: rl('login', who.uid),
						},
					},
					{
						name: 'Add again',
						parameters: {
							resource: 'group',
							operation: 'addMember',
							group: rl('name', 'Finance'),
							member: rl('login', who.uid),
						},
					},
					{
						name: 'After add',
						parameters: {
							resource: 'group',
							operation: 'getMembers',
							group: rl('name', 'Finance'),
							nested: false,
							returnAll: true,
						},
					},
					{
						name: 'Remove',
						parameters: {
							resource: 'group',
							operation: 'removeMember',
							group: rl('name', 'Finance'),
							member: rl('login', who.uid),
						},
					},
					{
						name: 'After remove',
						parameters: {
							resource: 'group',
							operation: 'getMembers',
							group: rl('name', 'Finance'),
							nested: false,
							returnAll: true,
						},
					},
				]),
			);
			expect(executionError(execution)).toBeUndefined();
			expect(nodeItems(execution, 'Get')).toEqual([expect.objectContaining({ name: 'Finance' })]);
			const managerGroups = fixture()
				.groups.filter((g) => g.name.toLowerCase().includes('manag'))
				.map((g) => g.name)
				.sort();
			expect(
				nodeItems(execution, 'Search')
					.map((g) => String(g.name))
					.sort(),
			).toEqual(managerGroups);
			expect(logins(nodeItems(execution, 'Members'))).toEqual(sortedLogins(transitiveUsers(fixture(), 'All Staff')));
			expect(nodeItems(execution, 'Direct')).toEqual([]); // All Staff holds only groups
			const finance = sortedLogins(transitiveUsers(fixture(), 'Finance'));
			expect(nodeItems(execution, 'Add')).toEqual([expect.objectContaining({ action: 'add', changed: true })]);
			expect(nodeItems(execution, 'Add again')).toEqual([expect.objectContaining({ action: 'add', changed: false })]);
			expect(logins(nodeItems(execution, 'After add'))).toEqual([...finance, login(who.uid)].sort());
			expect(nodeItems(execution, 'Remove')).toEqual([expect.objectContaining({ action: 'remove', changed: true })]);
			expect(logins(nodeItems(execution, 'After remove'))).toEqual(finance);
		},
		TEST_TIMEOUT,
	);

	test(
		'audience: groups (nested) and conditions, union and intersection, enabled people only',
		async () => {
			const location = subject().location;
			const audience = (combine: string) => ({
				resource: 'audience',
				operation: 'resolve',
				groups: { group: [{ group: 'Finance' }] },
				audienceConditions: { condition: [{ field: 'location', operator: 'equals', value: location }] },
				combine,
			});
			const execution = await run(
				workflow(`audience ${source}`, source, [
					{ name: 'Union', parameters: audience('union') },
					{ name: 'Intersection', parameters: audience('intersection') },
				]),
			);
			expect(executionError(execution)).toBeUndefined();
			const enabled = new Set(
				fixture()
					.users.filter((u) => !u.status.disabled)
					.map((u) => u.uid),
			);
			const finance = new Set(transitiveUsers(fixture(), 'Finance'));
			const here = new Set(
				fixture()
					.users.filter((u) => u.location === location)
					.map((u) => u.uid),
			);
			const union = [...new Set([...finance, ...here])].filter((uid) => enabled.has(uid)).sort();
			const intersection = [...finance].filter((uid) => here.has(uid) && enabled.has(uid)).sort();
			expect(logins(nodeItems(execution, 'Union'))).toEqual(sortedLogins(union));
			expect(logins(nodeItems(execution, 'Intersection'))).toEqual(sortedLogins(intersection));
			expect(nodeItems(execution, 'Union')[0]).toEqual(
				expect.objectContaining({ deviceTokens: expect.any(Array), mail: expect.any(String) }),
			);
		},
		TEST_TIMEOUT,
	);

	test(
		'acknowledgments: record (idempotent) and list who has and has not acknowledged',
		async () => {
			const noticeId = `notice-${source}-1`;
			const finance = [...transitiveUsers(fixture(), 'Finance')]
				.filter((uid) => !fixture().users.find((u) => u.uid === uid)!.status.disabled)
				.sort();
			const [first, second] = finance;
			const options = source === 'ldap' ? { auxiliaryObjectClass: 'otdpRecipient' } : {};
			const record = (uid: string, at?: string) => ({
				resource: 'acknowledgment',
				operation: 'record',
				noticeId,
				user: rl('login', uid),
				options: { ...options, ...(at ? { acknowledgedAt: at } : {}) },
			});
			const list = (show: string) => ({
				resource: 'acknowledgment',
				operation: 'list',
				noticeId,
				groups: { group: [{ group: 'Finance' }] },
				show,
				options,
			});
			const execution = await run(
				workflow(`acknowledgments ${source}`, source, [
					{ name: 'Record', parameters: record(first, '2026-11-26T10:00:00Z') },
					{ name: 'Record again', parameters: record(first, '2026-11-26T11:00:00Z') },
					{ name: 'Record second', parameters: record(second) },
					{ name: 'Pending', parameters: list('pending') },
					{ name: 'Acknowledged', parameters: list('acknowledged') },
				]),
			);
			expect(executionError(execution)).toBeUndefined();
			expect(nodeItems(execution, 'Record')).toEqual([
				expect.objectContaining({ recorded: true, at: '2026-11-26T10:00:00.000Z', noticeId }),
			]);
			expect(nodeItems(execution, 'Record again')).toEqual([
				expect.objectContaining({ recorded: false, at: '2026-11-26T10:00:00.000Z' }),
			]);
			expect(logins(nodeItems(execution, 'Acknowledged'))).toEqual(sortedLogins([first, second]));
			expect(nodeItems(execution, 'Acknowledged').find((item) => item.login === login(first))).toEqual(
				expect.objectContaining({ acknowledged: true, acknowledgedAt: '2026-11-26T10:00:00.000Z' }),
			);
			expect(logins(nodeItems(execution, 'Pending'))).toEqual(
				sortedLogins(finance.filter((uid) => uid !== first && uid !== second)),
			);
		},
		TEST_TIMEOUT,
	);

	test(
		'bad input: an unknown or injected user is a clear per-item error, nothing else is touched',
		async () => {
			const execution = await run(
				workflow(`bad input ${source}`, source, [
					{
						name: 'Injection',
						parameters: { resource: 'user', operation: 'get', user: rl('login', '*)(uid=*') },
						continueOnFail: true,
					},
					{
						name: 'Backslash',
						parameters: {
							resource: 'user',
							operation: 'search',
							returnAll: true,
							conditions: { condition: [{ attribute: 'mail', operator: 'contains', value: '\\2a' }] },
						},
					},
					{
						name: 'Bad DN',
						parameters: {
							resource: 'group',
							operation: 'getMembers',
							group: rl('dn', 'cn=Finance,,dc=example=x'),
							returnAll: true,
						},
						continueOnFail: true,
					},
					{
						name: 'Bad change',
						parameters: {
							resource: 'user',
							operation: 'update',
							user: rl('login', subject().uid),
							changes: { change: [{ attribute: '', action: 'set', value: 'x' }] },
						},
						continueOnFail: true,
					},
				]),
			);
			expect(executionError(execution)).toBeUndefined();
			expect(nodeItems(execution, 'Injection')).toEqual([{ error: expect.stringMatching(/No user|not found/i) }]);
			expect(nodeItems(execution, 'Backslash')).toEqual([]);
			expect(nodeItems(execution, 'Bad DN')).toEqual([
				{ error: expect.stringMatching(source === 'ldap' ? /DN/ : /No group/) },
			]);
			expect(nodeItems(execution, 'Bad change')).toEqual([{ error: expect.stringMatching(/Changes/) }]);

			const failing = await run(
				workflow(`failing ${source}`, source, [
					{
						name: 'Unknown group',
						parameters: { resource: 'group', operation: 'get', group: rl('name', 'No Such Group') },
					},
				]),
			);
			expect(executionError(failing)).toMatch(/No Such Group/);
		},
		TEST_TIMEOUT,
	);

	test(
		'the user and group pickers search the directory, page by page',
		async () => {
			const credentialType = source === 'ldap' ? LDAP_CREDENTIAL : OTDS_CREDENTIAL;
			const ask = async (methodName: string, filter?: string, paginationToken?: string) => {
				const response = await n8n!.request('POST', '/rest/dynamic-node-parameters/resource-locator-results', {
					path: 'parameters.user',
					nodeTypeAndVersion: { name: NODE_TYPE, version: 1 },
					currentNodeParameters: {
						source,
						resource: 'user',
						operation: 'get',
						options: source === 'otdsRest' ? { partition: PARTITION } : {},
					},
					credentials: { [credentialType]: { id: credentialIds[source], name: `${source} directory` } },
					methodName,
					filter,
					paginationToken,
				});
				expect(response.status).toBe(200);
				return (
					response.body as { data: { results: Array<{ name: string; value: string }>; paginationToken?: string } }
				).data;
			};
			const who = subject();
			const found = await ask('searchUsers', who.sn);
			expect(found.results.length).toBeGreaterThan(0);
			expect(found.results.every((r) => r.name.includes(who.sn))).toBe(true);
			expect(found.results.map((r) => r.name)).toContainEqual(expect.stringContaining(`(${login(who.uid)})`));
			const page1 = await ask('searchUsers');
			expect(page1.results).toHaveLength(50);
			expect(page1.paginationToken).toBe('50');
			const page2 = await ask('searchUsers', undefined, page1.paginationToken);
			const total = USERS; // the OTDS partition holds the same people as slapd
			expect(page2.results.length).toBe(total - 50);
			expect(new Set([...page1.results, ...page2.results].map((r) => r.value)).size).toBe(total);
			const groups = await ask('searchGroups', 'fin');
			expect(groups.results.map((r) => r.name)).toContain('Finance');
		},
		TEST_TIMEOUT,
	);
});

test(
	'a directory that cannot be reached fails the run with an error that says so, and nothing is written',
	async () => {
		const who = subject();
		const update = {
			resource: 'user',
			operation: 'update',
			user: rl('login', who.uid),
			changes: { change: [{ attribute: 'title', action: 'set', value: 'Never written' }] },
		};
		await otds!.suspend();
		try {
			const down = await run(workflow('OTDS down', 'otdsRest', [{ name: 'Update', parameters: update }]));
			expect(executionError(down)).toMatch(new RegExp(`${new URL(otds!.url).host}|reach|connect`, 'i'));
		} finally {
			await otds!.resume();
		}
		const after = await run(
			workflow('OTDS back', 'otdsRest', [
				{ name: 'Get', parameters: { resource: 'user', operation: 'get', user: rl('login', who.uid) } },
			]),
		);
		expect(nodeItems(after, 'Get')).toEqual([expect.objectContaining({ title: who.title })]);

		const closedPort = await n8n!.createCredential(
			LDAP_CREDENTIAL,
			'ldap down',
			ldapCredentialData(slapd!, { serverUrls: 'ldap://127.0.0.1:9' }),
		);
		const json = workflow('LDAP down', 'ldap', [{ name: 'Update', parameters: update }]);
		json.nodes[1].credentials = { [LDAP_CREDENTIAL]: { id: closedPort, name: 'ldap down' } };
		const ldapDown = await run(json);
		expect(executionError(ldapDown)).toMatch(/127\.0\.0\.1:9|reach|connect/i);
		expect(executionError(ldapDown)).not.toContain(slapd!.adminPassword);
	},
	TEST_TIMEOUT,
);

test(
	'OTDS options: attribute mapping overrides, members derived from users, a bad mapping names the field',
	async () => {
		const who = subject();
		const execution = await run(
			workflow('OTDS options', 'otdsRest', [
				{
					name: 'Mapped',
					parameters: {
						resource: 'user',
						operation: 'get',
						user: rl('login', who.uid),
						options: { attributeMapping: 'title=oTDepartment' },
					},
				},
				{
					name: 'Derived',
					parameters: {
						resource: 'group',
						operation: 'getMembers',
						group: rl('name', 'All Staff'),
						nested: true,
						returnAll: true,
						options: { membersSource: 'derived' },
					},
				},
				{
					name: 'Bad mapping',
					parameters: {
						resource: 'user',
						operation: 'get',
						user: rl('login', who.uid),
						options: { attributeMapping: 'shoeSize=oTShoe' },
					},
					continueOnFail: true,
				},
			]),
		);
		expect(executionError(execution)).toBeUndefined();
		expect(nodeItems(execution, 'Mapped')).toEqual([expect.objectContaining({ title: who.department })]);
		expect(logins(nodeItems(execution, 'Derived'))).toEqual(
			[...transitiveUsers(fixture(), 'All Staff')].map(loginIn('otdsRest')).sort(),
		);
		expect(nodeItems(execution, 'Bad mapping')).toEqual([
			{ error: expect.stringMatching(/Attribute Mapping.*shoeSize/) },
		]);
	},
	TEST_TIMEOUT,
);

test(
	'the partition dropdown lists the OTDS partitions',
	async () => {
		const response = await n8n!.request('POST', '/rest/dynamic-node-parameters/options', {
			path: 'parameters.options.partition',
			nodeTypeAndVersion: { name: NODE_TYPE, version: 1 },
			currentNodeParameters: { source: 'otdsRest', resource: 'user', operation: 'search' },
			credentials: { [OTDS_CREDENTIAL]: { id: credentialIds.otdsRest, name: 'otdsRest directory' } },
			methodName: 'getPartitions',
		});
		expect(response.status).toBe(200);
		const names = (response.body as { data: Array<{ name: string; value: string }> }).data.map((o) => o.value);
		expect(names).toEqual(expect.arrayContaining(['', PARTITION, 'otds.admin']));
	},
	TEST_TIMEOUT,
);
