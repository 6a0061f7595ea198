/**
 * The push credentials in a real n8n: the Firebase and Cloud Messaging tokens come from the credentials'
 * preAuthentication and are kept with the credential, so two executions of a push workflow ask the emulator
 * for one token; a token the emulator stops accepting is renewed once, by n8n, and the send goes through.
 * And the Firebase credential works in n8n's own HTTP Request node (predefined credential type) for an FCM
 * endpoint of the user's choice.
 *
 * Needs `npm run build` first.
 */
import * as crypto from 'crypto';
import { startFcmEmulator, type FcmEmulator } from '../../emulators/push/fcm';
import { startMraEmulator, type MraEmulator } from '../../emulators/push/mra';
import { executionError, nodeItems, type WorkflowJson } from '../../devkit/n8n';
import { PUSH, PushN8n, TEST_TIMEOUT } from './push-support';

const FCM_CREDENTIAL = 'openTextFirebaseCloudMessagingApi';
const MRA_CREDENTIAL = 'openTextCloudMessagingApi';

/** Several people with several device tokens: the node sends to them concurrently. */
const people = (prefix: string) => [
	{ userId: 'u-1', deviceTokens: [`${prefix}-1a`, `${prefix}-1b`] },
	{ userId: 'u-2', deviceTokens: [`${prefix}-2a`] },
	{ userId: 'u-3', deviceTokens: [`${prefix}-3a`, `${prefix}-3b`] },
];

function manualTrigger(): WorkflowJson['nodes'][number] {
	return {
		id: crypto.randomUUID(),
		name: 'Manual Trigger',
		type: 'n8n-nodes-base.manualTrigger',
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
	};
}

function pushWorkflow(
	name: string,
	channel: string,
	credential: { type: string; id: string },
	prefix: string,
): WorkflowJson {
	return {
		name,
		nodes: [
			manualTrigger(),
			{
				id: crypto.randomUUID(),
				name: 'Push',
				type: PUSH,
				typeVersion: 1,
				position: [240, 0],
				parameters: { channel, operation: 'send', audience: 'items', title: 'Hello', body: 'A notice.', options: {} },
				credentials: { [credential.type]: { id: credential.id, name } },
			},
		],
		connections: { 'Manual Trigger': { main: [[{ node: 'Push', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
		pinData: { 'Manual Trigger': people(prefix).map((json) => ({ json })) },
	};
}

describe('the push credentials keep their tokens in a real n8n', () => {
	let setup: PushN8n;
	let n8n: PushN8n['n8n'];
	let fcm: FcmEmulator | undefined;
	let mra: MraEmulator | undefined;

	beforeAll(async () => {
		fcm = await startFcmEmulator();
		mra = await startMraEmulator();
		setup = await PushN8n.start();
		n8n = setup.n8n;
	}, 900_000);

	afterAll(async () => {
		await Promise.allSettled([setup?.stop(), fcm?.stop(), mra?.stop()]);
	}, 60_000);

	/** Runs the workflow and expects every address sent. */
	async function sendAll(workflowId: string, addresses: number): Promise<void> {
		const execution = await n8n.runWorkflow(workflowId);
		expect(executionError(execution)).toBeUndefined();
		const items = nodeItems(execution, 'Push');
		expect(items).toHaveLength(addresses);
		expect(items.map((item) => item.status)).toEqual(Array(addresses).fill('sent'));
	}

	/**
	 * After the service stopped taking the token: only the first request was refused, twice (as sent, and as n8n
	 * sends it once more before it renews the token); the others waited for the renewal. Five accepted.
	 */
	function expectOneRefusedRequest(sends: Array<{ status?: number; headers: Record<string, string> }>): void {
		const refused = sends.filter((r) => r.status === 401);
		expect(refused).toHaveLength(2);
		const idempotencyKey = (r: { headers: Record<string, string> }) =>
			r.headers['idempotency-key'] ?? r.headers['x-mra-submitid'];
		expect(new Set(refused.map(idempotencyKey)).size).toBe(1);
		expect(sends.filter((r) => r.status === 200)).toHaveLength(5);
	}

	test(
		'Firebase: two executions ask Google once for a token; a revoked token is renewed once',
		async () => {
			const id = await n8n.createCredential(FCM_CREDENTIAL, 'Firebase tokens', {
				serviceAccountJson: fcm!.account.json,
				apiBaseUrl: fcm!.baseUrl,
			});
			const workflowId = await n8n.createWorkflow(
				pushWorkflow('Firebase tokens', 'fcm', { type: FCM_CREDENTIAL, id }, 'fcm-tok'),
			);
			const issuedBefore = fcm!.issuedTokens;

			await sendAll(workflowId, 5);
			await sendAll(workflowId, 5);
			expect(fcm!.issuedTokens - issuedBefore).toBe(1);

			// Google revokes the token: the next execution's sends are refused (401), n8n renews it once.
			fcm!.revokeTokens();
			const sendsBefore = fcm!.requests.filter((r) => r.path.endsWith('messages:send')).length;
			await sendAll(workflowId, 5);
			expect(fcm!.issuedTokens - issuedBefore).toBe(2);
			const sends = fcm!.requests.filter((r) => r.path.endsWith('messages:send')).slice(sendsBefore);
			expectOneRefusedRequest(sends);
		},
		TEST_TIMEOUT,
	);

	test(
		'Cloud Messaging (OAuth2): two executions ask the tenant once for a token; an expired token is renewed once',
		async () => {
			const id = await n8n.createCredential(MRA_CREDENTIAL, 'Cloud Messaging tokens', {
				baseUrl: mra!.baseUrl,
				authentication: 'oauth2',
				tokenUrl: mra!.tokenUrl,
				clientId: mra!.clientId,
				clientSecret: mra!.clientSecret,
			});
			const workflowId = await n8n.createWorkflow(
				pushWorkflow('Cloud Messaging tokens', 'mra', { type: MRA_CREDENTIAL, id }, 'mra-tok'),
			);
			const issuedBefore = mra!.issuedTokens;

			await sendAll(workflowId, 5);
			await sendAll(workflowId, 5);
			expect(mra!.issuedTokens - issuedBefore).toBe(1);

			mra!.expireTokens();
			const sendsBefore = mra!.requests.filter((r) => r.path.endsWith('/utils/parser')).length;
			await sendAll(workflowId, 5);
			expect(mra!.issuedTokens - issuedBefore).toBe(2);
			expectOneRefusedRequest(mra!.requests.filter((r) => r.path.endsWith('/utils/parser')).slice(sendsBefore));
		},
		TEST_TIMEOUT,
	);

	test(
		"the Firebase credential signs n8n's HTTP Request node (predefined credential type)",
		async () => {
			const id = await n8n.createCredential(FCM_CREDENTIAL, 'Firebase for HTTP Request', {
				serviceAccountJson: fcm!.account.json,
				apiBaseUrl: fcm!.baseUrl,
			});
			const message = { message: { token: 'http-node-token', notification: { title: 'From HTTP Request' } } };
			const workflowId = await n8n.createWorkflow({
				name: 'FCM through the HTTP Request node',
				nodes: [
					manualTrigger(),
					{
						id: crypto.randomUUID(),
						name: 'HTTP Request',
						type: 'n8n-nodes-base.httpRequest',
						typeVersion: 4.2,
						position: [240, 0],
						parameters: {
							method: 'POST',
							url: `${fcm!.baseUrl}/v1/projects/${fcm!.account.serviceAccount.project_id}/messages:send`,
							authentication: 'predefinedCredentialType',
							nodeCredentialType: FCM_CREDENTIAL,
							sendBody: true,
							specifyBody: 'json',
							jsonBody: JSON.stringify(message),
							options: {},
						},
						credentials: { [FCM_CREDENTIAL]: { id, name: 'Firebase for HTTP Request' } },
					},
				],
				connections: { 'Manual Trigger': { main: [[{ node: 'HTTP Request', type: 'main', index: 0 }]] } },
				settings: { executionOrder: 'v1' },
				pinData: {},
			});
			const issuedBefore = fcm!.issuedTokens;
			const execution = await n8n.runWorkflow(workflowId);
			expect(executionError(execution)).toBeUndefined();
			expect(nodeItems(execution, 'HTTP Request')).toEqual([
				{ name: expect.stringContaining(`projects/${fcm!.account.serviceAccount.project_id}/messages/`) },
			]);
			expect(fcm!.issuedTokens - issuedBefore).toBe(1);
			expect(fcm!.deliveries.map((d) => d.message.token)).toContain('http-node-token');
		},
		TEST_TIMEOUT,
	);
});
