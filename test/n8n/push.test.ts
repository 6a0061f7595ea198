/**
 * The push nodes in a real n8n: the acknowledgment trigger behind n8n's production webhook (signed tokens,
 * refusals by status code, idempotent replays, one execution per fresh acknowledgment) and the push node
 * sending through the push emulators.
 *
 * Needs `npm run build` first.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { signAckToken } from '../../core/push/ack-token';
import { startFcmEmulator, type FcmEmulator } from '../../emulators/push/fcm';
import { startAppWorksEmulator, type AppWorksEmulator } from '../../emulators/push/appworks';
import { startMraEmulator, type MraEmulator } from '../../emulators/push/mra';
import { ensureN8n, executionError, freePort, N8nInstance, nodeItems, packPackage, readPackageJson, startN8n, type WorkflowJson } from '../support/n8n';

const repoRoot = path.resolve(__dirname, '..', '..');
const pkg = readPackageJson(repoRoot);
const ACK_CREDENTIAL = 'openTextPushAcknowledgmentApi';
const TRIGGER = `${pkg.name}.openTextPushTrigger`;
const PUSH = `${pkg.name}.openTextPush`;
const FCM_CREDENTIAL = 'openTextFirebaseCloudMessagingApi';
const MRA_CREDENTIAL = 'openTextCloudMessagingApi';
const AWG_CREDENTIAL = 'openTextAppWorksGatewayApi';
const TEST_TIMEOUT = 300_000;
const SECRET = crypto.randomBytes(24).toString('base64url');

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('the push nodes in a real n8n', () => {
	let n8n: N8nInstance | undefined;
	let fcm: FcmEmulator | undefined;
	let mra: MraEmulator | undefined;
	let awg: AppWorksEmulator | undefined;
	let ackCredentialId: string;
	let tarball: string | undefined;
	let workflowId: string;
	let webhookUrl: string;

	const token = (userId: string, options: { secret?: string; ttlSeconds?: number; now?: Date } = {}) =>
		signAckToken(options.secret ?? SECRET, { noticeId: 'outage-42', userId, ttlSeconds: options.ttlSeconds ?? 3600, now: options.now });

	async function post(body: unknown, contentType = 'application/json'): Promise<{ status: number; text: string }> {
		const payload = contentType === 'application/json' ? JSON.stringify(body) : new URLSearchParams(body as Record<string, string>).toString();
		const res = await fetch(webhookUrl, { method: 'POST', headers: { 'content-type': contentType }, body: payload });
		return { status: res.status, text: await res.text() };
	}

	async function finishedExecutions(): Promise<Array<Record<string, unknown>>> {
		const list = (await n8n!.executions(workflowId)).filter((e) => e.finished || e.stoppedAt);
		return list.map((e) => nodeItems(e, 'Acknowledgments')[0] ?? {});
	}

	beforeAll(async () => {
		await ensureN8n();
		tarball = await packPackage(repoRoot);
		fcm = await startFcmEmulator({ deadTokens: ['tok-dead'] });
		mra = await startMraEmulator({ deadTokens: ['mra-dead'] });
		awg = await startAppWorksEmulator({ users: ['jdoe'], groups: { Finance: ['asmith', 'mlee'] }, usersWithoutDevices: ['nodevice'] });
		n8n = await startN8n({ tarball });
		await n8n.setupOwner();
		await n8n.createApiKey();
		const credentialId = await n8n.createCredential(ACK_CREDENTIAL, 'Acknowledgment secret', { signingSecret: SECRET });
		ackCredentialId = credentialId;
		const webhookId = crypto.randomUUID();
		const workflow: WorkflowJson = {
			name: 'Push acknowledgments',
			nodes: [
				{
					id: crypto.randomUUID(),
					name: 'Acknowledgments',
					type: TRIGGER,
					typeVersion: 1,
					position: [0, 0],
					webhookId,
					parameters: {},
					credentials: { [ACK_CREDENTIAL]: { id: credentialId, name: 'Acknowledgment secret' } },
				},
			],
			connections: {},
			settings: { executionOrder: 'v1' },
			pinData: {},
		};
		workflowId = await n8n.createWorkflow(workflow);
		await n8n.activateWorkflow(workflowId);
		webhookUrl = `${n8n.url}/webhook/${webhookId}/acknowledgment`;
	}, 900_000);

	afterAll(async () => {
		await Promise.allSettled([n8n?.stop(), fcm?.stop(), mra?.stop(), awg?.stop()]);
		if (tarball) fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
	}, 60_000);

	test("n8n's credential test accepts a strong secret and refuses a short one", async () => {
		expect(await n8n!.testCredential(ACK_CREDENTIAL, { signingSecret: SECRET })).toEqual({ status: 'OK', message: expect.any(String) });
		const weak = await n8n!.testCredential(ACK_CREDENTIAL, { signingSecret: 'short' });
		expect(weak).toEqual({ status: 'Error', message: expect.stringMatching(/at least 16/) });
		expect(weak.message).not.toContain('short');
	}, TEST_TIMEOUT);

	test('valid, forged, tampered, expired, malformed and replayed acknowledgments', async () => {
		const jdoe = token('jdoe');
		const fresh = await post({ token: jdoe, kind: 'acknowledged', client: 'ios-app/3.1' });
		expect(fresh.status).toBe(200);
		expect(JSON.parse(fresh.text)).toEqual({ status: 'recorded', noticeId: 'outage-42', kind: 'acknowledged', at: expect.any(String) });

		// Refusals: no execution.
		const forged = await post({ token: token('jdoe', { secret: 'somebody else entirely' }), kind: 'acknowledged' });
		expect(forged.status).toBe(401);
		expect(JSON.parse(forged.text)).toMatchObject({ status: 'rejected', error: 'forged' });
		expect(forged.text).not.toContain(SECRET);
		const [v, payload, sig] = token('asmith').split('.');
		const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
		const altered = Buffer.from(JSON.stringify({ ...claims, u: 'admin' })).toString('base64url');
		expect((await post({ token: `${v}.${altered}.${sig}` })).status).toBe(401);
		const expired = await post({ token: token('asmith', { ttlSeconds: 60, now: new Date(Date.now() - 120_000) }) });
		expect(expired.status).toBe(410);
		expect(JSON.parse(expired.text)).toMatchObject({ error: 'expired' });
		expect((await post({ kind: 'acknowledged' })).status).toBe(400);
		expect((await post({ token: 'not-a-token' })).status).toBe(400);
		expect((await post({ token: token('asmith'), kind: 'liked' })).status).toBe(400);

		// A replay is answered the same way, idempotently, and not emitted.
		const replay = await post({ token: jdoe, kind: 'acknowledged' });
		expect(replay.status).toBe(200);
		expect(JSON.parse(replay.text)).toEqual({ status: 'duplicate', noticeId: 'outage-42', kind: 'acknowledged', at: JSON.parse(fresh.text).at });
		// Another kind of the same token is fresh.
		expect(JSON.parse((await post({ token: jdoe, kind: 'read' })).text)).toMatchObject({ status: 'recorded', kind: 'read' });

		const executions = await n8n!.waitForExecutions(workflowId, 2);
		await sleep(2000); // would a refused or replayed one still show up?
		const items = await finishedExecutions();
		expect(items).toHaveLength(executions.length);
		expect(items).toHaveLength(2);
		expect(items).toEqual(
			expect.arrayContaining([
				{
					noticeId: 'outage-42',
					userId: 'jdoe',
					kind: 'acknowledged',
					at: expect.any(String),
					client: 'ios-app/3.1',
					tokenExpiresAt: expect.any(String),
				},
				expect.objectContaining({ userId: 'jdoe', kind: 'read', client: null }),
			]),
		);
	}, TEST_TIMEOUT);

	test('a link click shows a confirmation page; its form records once', async () => {
		const before = (await finishedExecutions()).length;
		const link = token('mlee');
		const page = await fetch(`${webhookUrl}?token=${link}`);
		expect(page.status).toBe(200);
		expect(page.headers.get('content-type')).toMatch(/text\/html/);
		const html = await page.text();
		expect(html).toContain('<form method="post">');
		expect(html).toContain(`value="${link}"`);

		const bad = await fetch(`${webhookUrl}?token=${token('mlee', { secret: 'not the right secret at all' })}`);
		expect(bad.status).toBe(401);
		expect(await bad.text()).toContain('not valid');

		const confirmed = await post({ token: link, kind: 'acknowledged' }, 'application/x-www-form-urlencoded');
		expect(confirmed.status).toBe(200);
		expect(confirmed.text).toContain('Your acknowledgment was recorded');
		expect((await post({ token: link, kind: 'acknowledged' }, 'application/x-www-form-urlencoded')).status).toBe(200);

		await n8n!.waitForExecutions(workflowId, before + 1);
		await sleep(2000);
		const items = await finishedExecutions();
		expect(items).toHaveLength(before + 1);
		expect(items.filter((i) => i.userId === 'mlee')).toEqual([expect.objectContaining({ kind: 'acknowledged', client: 'link' })]);
	}, TEST_TIMEOUT);

	test('with "record at once, JSON" links and repeats emitted, a repeat starts the workflow flagged duplicate', async () => {
		const hookId = crypto.randomUUID();
		const id = await n8n!.createWorkflow({
			name: 'Push acknowledgments, repeats emitted',
			nodes: [
				{
					id: crypto.randomUUID(),
					name: 'Acknowledgments',
					type: TRIGGER,
					typeVersion: 1,
					position: [0, 0],
					webhookId: hookId,
					parameters: { linkMode: 'json', options: { emitDuplicates: true } },
					credentials: { [ACK_CREDENTIAL]: { id: ackCredentialId, name: 'Acknowledgment secret' } },
				},
			],
			connections: {},
			settings: { executionOrder: 'v1' },
			pinData: {},
		});
		await n8n!.activateWorkflow(id);
		const link = `${n8n!.url}/webhook/${hookId}/acknowledgment?token=${token('rkhan')}`;
		const first = await fetch(link);
		expect(first.status).toBe(200);
		expect(await first.json()).toMatchObject({ status: 'recorded', kind: 'acknowledged' });
		const again = await fetch(link);
		expect(await again.json()).toMatchObject({ status: 'duplicate' });
		const expired = await fetch(`${n8n!.url}/webhook/${hookId}/acknowledgment?token=${token('rkhan', { ttlSeconds: 1, now: new Date(Date.now() - 5000) })}`);
		expect(expired.status).toBe(410);

		const executions = await n8n!.waitForExecutions(id, 2);
		await sleep(1500);
		const items = (await n8n!.executions(id)).map((e) => nodeItems(e, 'Acknowledgments')[0]);
		expect(executions.length).toBe(2);
		expect(items).toHaveLength(2);
		expect(items).toEqual(
			expect.arrayContaining([
				expect.objectContaining({ userId: 'rkhan', client: 'link' }),
				expect.objectContaining({ userId: 'rkhan', duplicate: true, firstAt: expect.any(String) }),
			]),
		);
		expect(items.filter((i) => i.duplicate === true)).toHaveLength(1);
	}, TEST_TIMEOUT);

	test('the push node sends through Firebase, reports a dead token, and its acknowledgment links come back', async () => {
		expect(await n8n!.testCredential(FCM_CREDENTIAL, { serviceAccountJson: fcm!.account.json, apiBaseUrl: fcm!.baseUrl })).toEqual({
			status: 'OK',
			message: expect.stringMatching(/^Signed in as push-sender@/),
		});
		const broken = await n8n!.testCredential(FCM_CREDENTIAL, { serviceAccountJson: '{"project_id": "x"}', apiBaseUrl: fcm!.baseUrl });
		expect(broken).toEqual({ status: 'Error', message: expect.stringMatching(/Service Account JSON/) });
		// A token endpoint nobody listens on: a network failure, named, without the key.
		const closedPort = await freePort();
		const unreachable = JSON.stringify({ ...fcm!.account.serviceAccount, token_uri: `http://127.0.0.1:${closedPort}/token` });
		const down = await n8n!.testCredential(FCM_CREDENTIAL, { serviceAccountJson: unreachable, apiBaseUrl: fcm!.baseUrl });
		expect(down).toEqual({ status: 'Error', message: expect.stringMatching(/ECONNREFUSED|refused|did not answer/i) });
		expect(down.message).not.toContain('PRIVATE KEY');

		const fcmCredentialId = await n8n!.createCredential(FCM_CREDENTIAL, 'Firebase (emulator)', {
			serviceAccountJson: fcm!.account.json,
			apiBaseUrl: fcm!.baseUrl,
		});
		const people = [
			{ userId: 'u-jdoe', login: 'jdoe', mail: 'jdoe@example.com', deviceTokens: ['tok-jdoe-phone', 'tok-jdoe-tablet'] },
			{ userId: 'u-asmith', login: 'asmith', deviceTokens: ['tok-dead'] },
			{ userId: 'u-nodevice', login: 'nodevice', deviceTokens: [] },
		];
		const workflow: WorkflowJson = {
			name: 'Push a notice',
			nodes: [
				{ id: crypto.randomUUID(), name: 'Manual Trigger', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
				{
					id: crypto.randomUUID(),
					name: 'Push',
					type: PUSH,
					typeVersion: 1,
					position: [240, 0],
					parameters: {
						channel: 'fcm',
						operation: 'send',
						audience: 'items',
						title: 'Planned outage',
						body: 'Mail is down from 22:00 to 23:00 UTC.',
						requireAcknowledgment: true,
						noticeId: 'outage-42',
						acknowledgmentWebhookUrl: webhookUrl,
						additionalFields: { priority: 'high', data: { field: [{ key: 'ticket', value: 'CHG-7' }] } },
						options: {},
					},
					credentials: {
						[FCM_CREDENTIAL]: { id: fcmCredentialId, name: 'Firebase (emulator)' },
						[ACK_CREDENTIAL]: { id: ackCredentialId, name: 'Acknowledgment secret' },
					},
				},
			],
			connections: { 'Manual Trigger': { main: [[{ node: 'Push', type: 'main', index: 0 }]] } },
			settings: { executionOrder: 'v1' },
			pinData: { 'Manual Trigger': people.map((json) => ({ json })) },
		};
		const pushWorkflowId = await n8n!.createWorkflow(workflow);
		const execution = await n8n!.runWorkflow(pushWorkflowId);
		expect(executionError(execution)).toBeUndefined();

		// One result per address, paired with the person's input item.
		const items = nodeItems(execution, 'Push');
		const byAddress = Object.fromEntries(items.map((i) => [String(i.address ?? i.recipient), i]));
		expect(items).toHaveLength(4);
		expect(byAddress['tok-jdoe-phone']).toMatchObject({ status: 'sent', channel: 'fcm', recipient: 'u-jdoe', messageId: expect.stringContaining('projects/test-project/messages/'), noticeId: 'outage-42' });
		expect(byAddress['tok-jdoe-tablet']).toMatchObject({ status: 'sent', recipient: 'u-jdoe' });
		expect(byAddress['tok-dead']).toMatchObject({ status: 'unregistered', recipient: 'u-asmith', errorCode: 'UNREGISTERED' });
		expect(items.find((i) => i.recipient === 'u-nodevice')).toMatchObject({ status: 'skipped' });
		const runItems = execution.data?.resultData?.runData?.Push?.[0]?.data?.main?.[0] as Array<{ json: Record<string, unknown>; pairedItem?: { item: number } }>;
		for (const item of runItems) {
			expect(item.pairedItem?.item).toBe(people.findIndex((p) => p.userId === item.json.recipient));
		}
		expect(JSON.stringify(items)).not.toContain('PRIVATE KEY');

		// What FCM received: the two live tokens, each with its own signed acknowledgment link.
		const delivered = fcm!.deliveries.map((d) => d.message as { token?: string; notification?: Record<string, string>; data?: Record<string, string> });
		expect(delivered.map((m) => m.token).sort()).toEqual(['tok-jdoe-phone', 'tok-jdoe-tablet']);
		for (const message of delivered) {
			expect(message.notification).toMatchObject({ title: 'Planned outage', body: 'Mail is down from 22:00 to 23:00 UTC.' });
			expect(message.data).toMatchObject({ ticket: 'CHG-7', noticeId: 'outage-42', ackRequired: 'true', ackToken: expect.stringMatching(/^otdp1\./) });
			expect(message.data?.ackUrl).toBe(`${webhookUrl}?token=${message.data?.ackToken}`);
		}

		// The app acknowledges through the link it got: the trigger workflow records it once.
		const before = (await finishedExecutions()).length;
		const ack = await post({ token: delivered[0].data?.ackToken, kind: 'acknowledged', client: 'android' });
		expect(ack.status).toBe(200);
		await n8n!.waitForExecutions(workflowId, before + 1);
		const latest = await finishedExecutions();
		expect(latest.filter((i) => i.userId === 'u-jdoe' && i.client === 'android')).toEqual([
			expect.objectContaining({ noticeId: 'outage-42', kind: 'acknowledged' }),
		]);
	}, TEST_TIMEOUT);

	test('the push node sends through OpenText Cloud Messaging with SMS and email fallback, and reads job status', async () => {
		const oauth = {
			baseUrl: mra!.baseUrl,
			authentication: 'oauth2',
			tokenUrl: mra!.tokenUrl.replace('tenant-1', '{tenantId}'),
			tenantId: 'tenant-1',
			clientId: mra!.clientId,
			clientSecret: mra!.clientSecret,
		};
		expect(await n8n!.testCredential(MRA_CREDENTIAL, oauth)).toEqual({ status: 'OK', message: expect.stringMatching(/^Signed in to /) });
		const wrong = await n8n!.testCredential(MRA_CREDENTIAL, { baseUrl: mra!.baseUrl, authentication: 'basic', username: mra!.username, password: 'Wrong-password-1' });
		expect(wrong).toEqual({ status: 'Error', message: expect.stringMatching(/credential|401/i) });
		expect(wrong.message).not.toContain('Wrong-password-1');

		const credentialId = await n8n!.createCredential(MRA_CREDENTIAL, 'Cloud Messaging (emulator)', oauth);
		const credentials = { [MRA_CREDENTIAL]: { id: credentialId, name: 'Cloud Messaging (emulator)' } };
		const people = [
			{ userId: 'u-1', login: 'one', deviceTokens: ['mra-tok-1'], mobile: '+15550000001' },
			{ userId: 'u-2', login: 'two', deviceTokens: ['mra-dead'], mobile: '+15550000002' },
			{ userId: 'u-3', login: 'three', deviceTokens: [], mail: 'three@example.com' },
		];
		const pushWorkflowId = await n8n!.createWorkflow({
			name: 'Cloud Messaging notice',
			nodes: [
				{ id: crypto.randomUUID(), name: 'Manual Trigger', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
				{
					id: crypto.randomUUID(),
					name: 'Push',
					type: PUSH,
					typeVersion: 1,
					position: [240, 0],
					parameters: {
						channel: 'mra',
						operation: 'send',
						audience: 'items',
						title: 'Badge office closed',
						body: 'Closed on Friday.',
						mraFallback: 'smsThenEmail',
						pushOverride: '{"options": {"sound": "chime"}}',
						options: {},
					},
					credentials,
				},
			],
			connections: { 'Manual Trigger': { main: [[{ node: 'Push', type: 'main', index: 0 }]] } },
			settings: { executionOrder: 'v1' },
			pinData: { 'Manual Trigger': people.map((json) => ({ json })) },
		});
		const execution = await n8n!.runWorkflow(pushWorkflowId);
		expect(executionError(execution)).toBeUndefined();
		const items = nodeItems(execution, 'Push');
		const of = (userId: string) => items.filter((i) => i.recipient === userId);
		expect(of('u-1')).toEqual([expect.objectContaining({ status: 'sent', channel: 'mraPush', messageId: expect.stringMatching(/^xsi-/) })]);
		expect(of('u-2')).toEqual(
			expect.arrayContaining([
				expect.objectContaining({ status: 'unregistered', channel: 'mraPush', address: 'mra-dead' }),
				expect.objectContaining({ status: 'sent', channel: 'mraSms', address: '+15550000002', fellBackFrom: ['mraPush'] }),
			]),
		);
		expect(of('u-3')).toEqual([expect.objectContaining({ status: 'sent', channel: 'mraEmail', address: 'three@example.com' })]);

		const kinds = mra!.submissions.map((sub) => sub.kind).sort();
		expect(kinds).toEqual(['emails', 'push', 'sms']);
		const push = mra!.submissions.find((sub) => sub.kind === 'push')!;
		expect(push.content).toMatchObject({ notification: { title: 'Badge office closed' }, options: { sound: 'chime' } });
		const sms = mra!.submissions.find((sub) => sub.kind === 'sms')!;
		expect(JSON.stringify(sms.content)).toContain('Badge office closed: Closed on Friday.');

		// Get Status of the SMS job, as a later workflow step would.
		const smsJob = String(of('u-2').find((i) => i.channel === 'mraSms')?.messageId);
		const statusWorkflowId = await n8n!.createWorkflow({
			name: 'Cloud Messaging status',
			nodes: [
				{ id: crypto.randomUUID(), name: 'Manual Trigger', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
				{
					id: crypto.randomUUID(),
					name: 'Status',
					type: PUSH,
					typeVersion: 1,
					position: [240, 0],
					parameters: { channel: 'mra', operation: 'getStatus', messageId: '={{ $json.messageId }}', statusKind: 'sms' },
					credentials,
				},
			],
			connections: { 'Manual Trigger': { main: [[{ node: 'Status', type: 'main', index: 0 }]] } },
			settings: { executionOrder: 'v1' },
			pinData: { 'Manual Trigger': [{ json: { messageId: smsJob } }] },
		});
		const status = await n8n!.runWorkflow(statusWorkflowId);
		expect(executionError(status)).toBeUndefined();
		expect(nodeItems(status, 'Status')).toEqual([expect.objectContaining({ jobId: smsJob, state: 'COMPLETE', deliveries: expect.any(Array) })]);
	}, TEST_TIMEOUT);

	test('the push node sends through AppWorks Gateway to users and OTDS groups', async () => {
		const appKey = awg!.apps.hrapp;
		const service = { gatewayUrl: awg!.gatewayUrl, apiType: 'service', appName: 'hrapp', appKey };
		expect(await n8n!.testCredential(AWG_CREDENTIAL, service)).toEqual({ status: 'OK', message: expect.stringMatching(/accepted the app key/) });
		const wrongKey = await n8n!.testCredential(AWG_CREDENTIAL, { ...service, appKey: 'ak-wrong-key-123' });
		expect(wrongKey).toEqual({ status: 'Error', message: expect.stringMatching(/refused the app key/) });
		expect(wrongKey.message).not.toContain('ak-wrong-key-123');
		expect(await n8n!.testCredential(AWG_CREDENTIAL, { ...service, appName: 'nosuchapp' })).toEqual({ status: 'Error', message: expect.stringMatching(/404/) });
		expect(
			await n8n!.testCredential(AWG_CREDENTIAL, { gatewayUrl: awg!.gatewayUrl, apiType: 'trustedServer', trustedServerKey: awg!.trustedServerKey }),
		).toEqual({ status: 'OK', message: expect.stringMatching(/trusted server key/) });

		const credentialId = await n8n!.createCredential(AWG_CREDENTIAL, 'AppWorks (emulator)', service);
		const credentials = { [AWG_CREDENTIAL]: { id: credentialId, name: 'AppWorks (emulator)' } };
		const node = (name: string, x: number, parameters: Record<string, unknown>) => ({
			id: crypto.randomUUID(),
			name,
			type: PUSH,
			typeVersion: 1,
			position: [x, 0] as [number, number],
			parameters: { channel: 'appworks', operation: 'send', title: 'Quarter close', body: 'Ledgers lock at 18:00.', options: {}, ...parameters },
			credentials,
		});
		const workflowId2 = await n8n!.createWorkflow({
			name: 'AppWorks notice',
			nodes: [
				{ id: crypto.randomUUID(), name: 'Manual Trigger', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
				node('To groups', 240, { audience: 'groups', groups: 'Finance, Nobody' }),
				node('To users', 480, { audience: 'users', userIds: 'jdoe, nodevice, stranger' }),
			],
			connections: {
				'Manual Trigger': { main: [[{ node: 'To groups', type: 'main', index: 0 }]] },
				'To groups': { main: [[{ node: 'To users', type: 'main', index: 0 }]] },
			},
			settings: { executionOrder: 'v1' },
			pinData: {},
		});
		const execution = await n8n!.runWorkflow(workflowId2);
		expect(executionError(execution)).toBeUndefined();
		const groups = nodeItems(execution, 'To groups');
		expect(groups).toEqual(
			expect.arrayContaining([
				expect.objectContaining({ recipient: 'Finance', recipientKind: 'group', status: 'sent', channel: 'appworks' }),
				expect.objectContaining({ recipient: 'Nobody', status: 'failed', errorCode: 'UNKNOWN_GROUP' }),
			]),
		);
		// "To users" gets two input items (the group results) asking for the same message to the same users:
		// it is sent once, one result per user.
		const users = nodeItems(execution, 'To users');
		expect(users).toHaveLength(3);
		expect(users.filter((u) => u.recipient === 'jdoe')[0]).toMatchObject({ status: 'sent' });
		expect(users.filter((u) => u.recipient === 'nodevice')[0]).toMatchObject({ status: 'unregistered', errorCode: 'NO_REGISTERED_DEVICE' });
		expect(users.filter((u) => u.recipient === 'stranger')[0]).toMatchObject({ status: 'failed', errorCode: 'UNKNOWN_USER' });

		const toFinance = awg!.notifications.find((n) => (n.content.otdsGroups as string[] | undefined)?.includes('Finance'));
		expect(toFinance).toMatchObject({ api: 'service', app: 'hrapp', content: { title: 'Quarter close', summary: 'Ledgers lock at 18:00.' } });
		expect(toFinance?.recipients.sort()).toEqual(['asmith', 'mlee']);
	}, TEST_TIMEOUT);
});
