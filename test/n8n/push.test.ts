/**
 * The OpenText Push node in a real n8n, sending through the push emulators (Firebase, OpenText Cloud
 * Messaging, AppWorks Gateway): credential tests, one result per recipient paired with its input item,
 * dead tokens, fallbacks, OTDS groups, job status; signed acknowledgment links that come back through the
 * OpenText Push Trigger.
 *
 * Needs `npm run build` first.
 */
import * as crypto from 'crypto';
import { startAppWorksEmulator, type AppWorksEmulator } from '../../emulators/push/appworks';
import { startFcmEmulator, type FcmEmulator } from '../../emulators/push/fcm';
import { startMraEmulator, type MraEmulator } from '../../emulators/push/mra';
import { executionError, freePort, nodeItems, type WorkflowJson } from '../../devkit/n8n';
import { ACK_CREDENTIAL, PUSH, PushN8n, TEST_TIMEOUT } from './push-support';

const FCM_CREDENTIAL = 'openTextFirebaseCloudMessagingApi';
const MRA_CREDENTIAL = 'openTextCloudMessagingApi';
const AWG_CREDENTIAL = 'openTextAppWorksGatewayApi';

describe('the push node in a real n8n', () => {
	let setup: PushN8n;
	let n8n: PushN8n['n8n'];
	let fcm: FcmEmulator | undefined;
	let mra: MraEmulator | undefined;
	let awg: AppWorksEmulator | undefined;

	beforeAll(async () => {
		fcm = await startFcmEmulator({ deadTokens: ['tok-dead'] });
		mra = await startMraEmulator({ deadTokens: ['mra-dead'] });
		awg = await startAppWorksEmulator({
			users: ['jdoe'],
			groups: { Finance: ['asmith', 'mlee'] },
			usersWithoutDevices: ['nodevice'],
		});
		setup = await PushN8n.start();
		n8n = setup.n8n;
	}, 900_000);

	afterAll(async () => {
		await Promise.allSettled([setup?.stop(), fcm?.stop(), mra?.stop(), awg?.stop()]);
	}, 60_000);

	test(
		'the push node sends through Firebase, reports a dead token, and its acknowledgment links come back',
		async () => {
			expect(
				await n8n.testCredential(FCM_CREDENTIAL, { serviceAccountJson: fcm!.account.json, apiBaseUrl: fcm!.baseUrl }),
			).toEqual({
				status: 'OK',
				message: expect.stringMatching(/^Signed in as push-sender@/),
			});
			const broken = await n8n.testCredential(FCM_CREDENTIAL, {
				serviceAccountJson: '{"project_id": "x"}',
				apiBaseUrl: fcm!.baseUrl,
			});
			expect(broken).toEqual({ status: 'Error', message: expect.stringMatching(/Service Account JSON/) });
			// A token endpoint nobody listens on: a network failure, named, without the key.
			const closedPort = await freePort();
			const unreachable = JSON.stringify({
				...fcm!.account.serviceAccount,
				token_uri: `http://127.0.0.1:${closedPort}/token`,
			});
			const down = await n8n.testCredential(FCM_CREDENTIAL, {
				serviceAccountJson: unreachable,
				apiBaseUrl: fcm!.baseUrl,
			});
			expect(down).toEqual({ status: 'Error', message: expect.stringMatching(/ECONNREFUSED|refused|did not answer/i) });
			expect(down.message).not.toContain('PRIVATE KEY');

			const fcmCredentialId = await n8n.createCredential(FCM_CREDENTIAL, 'Firebase (emulator)', {
				serviceAccountJson: fcm!.account.json,
				apiBaseUrl: fcm!.baseUrl,
			});
			const people = [
				{
					userId: 'u-jdoe',
					login: 'jdoe',
					mail: 'jdoe@example.com',
					deviceTokens: ['tok-jdoe-phone', 'tok-jdoe-tablet'],
				},
				{ userId: 'u-asmith', login: 'asmith', deviceTokens: ['tok-dead'] },
				{ userId: 'u-nodevice', login: 'nodevice', deviceTokens: [] },
			];
			const workflow: WorkflowJson = {
				name: 'Push a notice',
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
							acknowledgmentWebhookUrl: setup.webhookUrl,
							additionalFields: { priority: 'high', data: { field: [{ key: 'ticket', value: 'CHG-7' }] } },
							options: {},
						},
						credentials: {
							[FCM_CREDENTIAL]: { id: fcmCredentialId, name: 'Firebase (emulator)' },
							[ACK_CREDENTIAL]: { id: setup.ackCredentialId, name: 'Acknowledgment secret' },
						},
					},
				],
				connections: { 'Manual Trigger': { main: [[{ node: 'Push', type: 'main', index: 0 }]] } },
				settings: { executionOrder: 'v1' },
				pinData: { 'Manual Trigger': people.map((json) => ({ json })) },
			};
			const pushWorkflowId = await n8n.createWorkflow(workflow);
			const execution = await n8n.runWorkflow(pushWorkflowId);
			expect(executionError(execution)).toBeUndefined();

			// One result per address, paired with the person's input item.
			const items = nodeItems(execution, 'Push');
			const byAddress = Object.fromEntries(items.map((i) => [String(i.address ?? i.recipient), i]));
			expect(items).toHaveLength(4);
			expect(byAddress['tok-jdoe-phone']).toMatchObject({
				status: 'sent',
				channel: 'fcm',
				recipient: 'u-jdoe',
				messageId: expect.stringContaining('projects/test-project/messages/'),
				noticeId: 'outage-42',
			});
			expect(byAddress['tok-jdoe-tablet']).toMatchObject({ status: 'sent', recipient: 'u-jdoe' });
			expect(byAddress['tok-dead']).toMatchObject({
				status: 'unregistered',
				recipient: 'u-asmith',
				errorCode: 'UNREGISTERED',
			});
			expect(items.find((i) => i.recipient === 'u-nodevice')).toMatchObject({ status: 'skipped' });
			const runItems = execution.data?.resultData?.runData?.Push?.[0]?.data?.main?.[0] as Array<{
				json: Record<string, unknown>;
				pairedItem?: { item: number };
			}>;
			for (const item of runItems) {
				expect(item.pairedItem?.item).toBe(people.findIndex((p) => p.userId === item.json.recipient));
			}
			expect(JSON.stringify(items)).not.toContain('PRIVATE KEY');

			// What FCM received: the two live tokens, each with its own signed acknowledgment link.
			const delivered = fcm!.deliveries.map(
				(d) => d.message as { token?: string; notification?: Record<string, string>; data?: Record<string, string> },
			);
			expect(delivered.map((m) => m.token).sort()).toEqual(['tok-jdoe-phone', 'tok-jdoe-tablet']);
			for (const message of delivered) {
				expect(message.notification).toMatchObject({
					title: 'Planned outage',
					body: 'Mail is down from 22:00 to 23:00 UTC.',
				});
				expect(message.data).toMatchObject({
					ticket: 'CHG-7',
					noticeId: 'outage-42',
					ackRequired: 'true',
					ackToken: expect.stringMatching(/^otdp2\./),
				});
				// The link carries its own token, which only acknowledges.
				expect(message.data?.ackUrl).toMatch(/\?token=otdp2\./);
				expect(message.data?.ackUrl?.startsWith(`${setup.webhookUrl}?token=`)).toBe(true);
			}

			// The app acknowledges through the link it got: the trigger workflow records it once.
			const before = (await setup.emitted()).length;
			const ack = await setup.post({ token: delivered[0].data?.ackToken, kind: 'acknowledged', client: 'android' });
			expect(ack.status).toBe(200);
			await n8n.waitForExecutions(setup.workflowId, before + 1);
			const latest = await setup.emitted();
			expect(latest.filter((i) => i.userId === 'u-jdoe' && i.client === 'android')).toEqual([
				expect.objectContaining({ noticeId: 'outage-42', kind: 'acknowledged' }),
			]);

			// Dry run: built and checked, nothing sent, the request shown as preview.
			const sentBefore = fcm!.deliveries.length;
			const pushNode = { parameters: workflow.nodes[1].parameters as Record<string, unknown> };
			const dry = await n8n.runWorkflow(
				await n8n.createWorkflow({
					...workflow,
					name: 'Push a notice (dry run)',
					nodes: [
						workflow.nodes[0],
						{
							...workflow.nodes[1],
							parameters: { ...pushNode.parameters, requireAcknowledgment: false, options: { dryRun: true } },
						},
					],
				}),
			);
			expect(executionError(dry)).toBeUndefined();
			const previews = nodeItems(dry, 'Push').filter((i) => i.recipient === 'u-jdoe');
			expect(previews).toHaveLength(2);
			for (const preview of previews) {
				expect(preview).toMatchObject({
					status: 'skipped',
					errorCode: 'DRY_RUN',
					preview: expect.objectContaining({}),
				});
				expect(JSON.stringify(preview.preview)).toContain('Planned outage');
			}
			expect(fcm!.deliveries.length).toBe(sentBefore);

			// An audience the channel cannot reach fails before anything is sent, naming the field.
			const mismatch = await n8n.runWorkflow(
				await n8n.createWorkflow({
					...workflow,
					name: 'Push a notice (groups on Firebase)',
					nodes: [
						workflow.nodes[0],
						{ ...workflow.nodes[1], parameters: { ...pushNode.parameters, audience: 'groups', groups: 'Finance' } },
					],
				}),
			);
			expect(executionError(mismatch)).toMatch(/Audience .*AppWorks Gateway only/);
			expect(fcm!.deliveries.length).toBe(sentBefore);

			// "Fail the run on any failed recipient": the dead token fails the execution.
			const strict = await n8n.runWorkflow(
				await n8n.createWorkflow({
					...workflow,
					name: 'Push a notice (strict)',
					nodes: [
						workflow.nodes[0],
						{ ...workflow.nodes[1], parameters: { ...pushNode.parameters, options: { failOnAnyFailure: true } } },
					],
				}),
			);
			expect(executionError(strict)).toMatch(/1 recipient\(s\) could not be reached/);

			// Continue on fail: Google unreachable gives one error item per input item, without the key.
			const downId = await n8n.createCredential(FCM_CREDENTIAL, 'Firebase (down)', {
				serviceAccountJson: unreachable,
				apiBaseUrl: fcm!.baseUrl,
			});
			const lenient = await n8n.runWorkflow(
				await n8n.createWorkflow({
					...workflow,
					name: 'Push a notice (continue on fail)',
					nodes: [
						workflow.nodes[0],
						{
							...workflow.nodes[1],
							onError: 'continueRegularOutput',
							credentials: {
								...(workflow.nodes[1].credentials as object),
								[FCM_CREDENTIAL]: { id: downId, name: 'Firebase (down)' },
							},
						},
					],
				}),
			);
			expect(executionError(lenient)).toBeUndefined();
			// The person without a device was answered (skipped) before the failure; the other two get the error.
			const errors = nodeItems(lenient, 'Push');
			expect(errors).toHaveLength(3);
			expect(errors.filter((item) => item.status === 'skipped')).toEqual([
				expect.objectContaining({ recipient: 'u-nodevice' }),
			]);
			const failed = errors.filter((item) => item.error !== undefined);
			expect(failed).toEqual([
				{ error: expect.stringMatching(/refused|ECONNREFUSED/i) },
				{ error: expect.stringMatching(/refused|ECONNREFUSED/i) },
			]);
			expect(JSON.stringify(errors)).not.toContain('PRIVATE KEY');
		},
		TEST_TIMEOUT,
	);

	test(
		'the push node sends through OpenText Cloud Messaging with SMS and email fallback, and reads job status',
		async () => {
			const oauth = {
				baseUrl: mra!.baseUrl,
				authentication: 'oauth2',
				tokenUrl: mra!.tokenUrl.replace('tenant-1', '{tenantId}'),
				tenantId: 'tenant-1',
				clientId: mra!.clientId,
				clientSecret: mra!.clientSecret,
			};
			expect(await n8n.testCredential(MRA_CREDENTIAL, oauth)).toEqual({
				status: 'OK',
				message: expect.stringMatching(/^Signed in to /),
			});
			const wrong = await n8n.testCredential(MRA_CREDENTIAL, {
				baseUrl: mra!.baseUrl,
				authentication: 'basic',
				username: mra!.username,
				password: 'Wrong-password-1',
			});
			expect(wrong).toEqual({ status: 'Error', message: expect.stringMatching(/credential|401/i) });
			expect(wrong.message).not.toContain('Wrong-password-1');

			const credentialId = await n8n.createCredential(MRA_CREDENTIAL, 'Cloud Messaging (emulator)', oauth);
			const credentials = { [MRA_CREDENTIAL]: { id: credentialId, name: 'Cloud Messaging (emulator)' } };
			const people = [
				{ userId: 'u-1', login: 'one', deviceTokens: ['mra-tok-1'], mobile: '+15550000001' },
				{ userId: 'u-2', login: 'two', deviceTokens: ['mra-dead'], mobile: '+15550000002' },
				{ userId: 'u-3', login: 'three', deviceTokens: [], mail: 'three@example.com' },
			];
			const pushWorkflowId = await n8n.createWorkflow({
				name: 'Cloud Messaging notice',
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
							options: { pushOverride: '{"options": {"sound": "chime"}}' },
						},
						credentials,
					},
				],
				connections: { 'Manual Trigger': { main: [[{ node: 'Push', type: 'main', index: 0 }]] } },
				settings: { executionOrder: 'v1' },
				pinData: { 'Manual Trigger': people.map((json) => ({ json })) },
			});
			const execution = await n8n.runWorkflow(pushWorkflowId);
			expect(executionError(execution)).toBeUndefined();
			const items = nodeItems(execution, 'Push');
			const of = (userId: string) => items.filter((i) => i.recipient === userId);
			expect(of('u-1')).toEqual([
				expect.objectContaining({ status: 'sent', channel: 'mraPush', messageId: expect.stringMatching(/^xsi-/) }),
			]);
			expect(of('u-2')).toEqual(
				expect.arrayContaining([
					expect.objectContaining({ status: 'unregistered', channel: 'mraPush', address: 'mra-dead' }),
					expect.objectContaining({
						status: 'sent',
						channel: 'mraSms',
						address: '+15550000002',
						fellBackFrom: ['mraPush'],
					}),
				]),
			);
			expect(of('u-3')).toEqual([
				expect.objectContaining({ status: 'sent', channel: 'mraEmail', address: 'three@example.com' }),
			]);

			const kinds = mra!.submissions.map((sub) => sub.kind).sort();
			expect(kinds).toEqual(['emails', 'push', 'sms']);
			const push = mra!.submissions.find((sub) => sub.kind === 'push')!;
			expect(push.content).toMatchObject({
				notification: { title: 'Badge office closed' },
				options: { sound: 'chime' },
			});
			const sms = mra!.submissions.find((sub) => sub.kind === 'sms')!;
			expect(JSON.stringify(sms.content)).toContain('Badge office closed: Closed on Friday.');

			// Get Status of the SMS job, as a later workflow step would.
			const smsJob = String(of('u-2').find((i) => i.channel === 'mraSms')?.messageId);
			const statusWorkflowId = await n8n.createWorkflow({
				name: 'Cloud Messaging status',
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
						name: 'Status',
						type: PUSH,
						typeVersion: 1,
						position: [240, 0],
						parameters: {
							channel: 'mra',
							operation: 'getStatus',
							messageId: '={{ $json.messageId }}',
							statusKind: 'sms',
						},
						credentials,
					},
				],
				connections: { 'Manual Trigger': { main: [[{ node: 'Status', type: 'main', index: 0 }]] } },
				settings: { executionOrder: 'v1' },
				pinData: { 'Manual Trigger': [{ json: { messageId: smsJob } }] },
			});
			const status = await n8n.runWorkflow(statusWorkflowId);
			expect(executionError(status)).toBeUndefined();
			expect(nodeItems(status, 'Status')).toEqual([
				expect.objectContaining({
					jobId: smsJob,
					jobState: ['Complete', 'Posted'],
					deliveries: [expect.objectContaining({ destinationKind: 'sms', state: 'Sent' })],
				}),
			]);
		},
		TEST_TIMEOUT,
	);

	test(
		'the push node sends through AppWorks Gateway to users and OTDS groups',
		async () => {
			const appKey = awg!.apps.hrapp;
			const service = { gatewayUrl: awg!.gatewayUrl, apiType: 'service', appName: 'hrapp', appKey };
			expect(await n8n.testCredential(AWG_CREDENTIAL, service)).toEqual({
				status: 'OK',
				message: expect.stringMatching(/accepted the app key/),
			});
			const wrongKey = await n8n.testCredential(AWG_CREDENTIAL, { ...service, appKey: 'ak-wrong-key-123' });
			expect(wrongKey).toEqual({ status: 'Error', message: expect.stringMatching(/refused the app key/) });
			expect(wrongKey.message).not.toContain('ak-wrong-key-123');
			expect(await n8n.testCredential(AWG_CREDENTIAL, { ...service, appName: 'nosuchapp' })).toEqual({
				status: 'Error',
				message: expect.stringMatching(/404/),
			});
			expect(
				await n8n.testCredential(AWG_CREDENTIAL, {
					gatewayUrl: awg!.gatewayUrl,
					apiType: 'trustedServer',
					trustedServerKey: awg!.trustedServerKey,
				}),
			).toEqual({ status: 'OK', message: expect.stringMatching(/trusted server key/) });

			const credentialId = await n8n.createCredential(AWG_CREDENTIAL, 'AppWorks (emulator)', service);
			const credentials = { [AWG_CREDENTIAL]: { id: credentialId, name: 'AppWorks (emulator)' } };
			const node = (name: string, x: number, parameters: Record<string, unknown>) => ({
				id: crypto.randomUUID(),
				name,
				type: PUSH,
				typeVersion: 1,
				position: [x, 0] as [number, number],
				parameters: {
					channel: 'appworks',
					operation: 'send',
					title: 'Quarter close',
					body: 'Ledgers lock at 18:00.',
					options: {},
					...parameters,
				},
				credentials,
			});
			const workflowId2 = await n8n.createWorkflow({
				name: 'AppWorks notice',
				nodes: [
					{
						id: crypto.randomUUID(),
						name: 'Manual Trigger',
						type: 'n8n-nodes-base.manualTrigger',
						typeVersion: 1,
						position: [0, 0],
						parameters: {},
					},
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
			const execution = await n8n.runWorkflow(workflowId2);
			expect(executionError(execution)).toBeUndefined();
			const groups = nodeItems(execution, 'To groups');
			expect(groups).toEqual(
				expect.arrayContaining([
					expect.objectContaining({
						recipient: 'Finance',
						recipientKind: 'group',
						status: 'sent',
						channel: 'appworks',
					}),
					// The gateway's success answer is not public and names no one: every recipient of an accepted request is sent.
					expect.objectContaining({ recipient: 'Nobody', status: 'sent' }),
				]),
			);
			// "To users" gets two input items (the group results) asking for the same message to the same users:
			// it is sent once, one result per user.
			const users = nodeItems(execution, 'To users');
			expect(users).toHaveLength(3);
			expect(users.filter((u) => u.recipient === 'jdoe')[0]).toMatchObject({ status: 'sent' });
			expect(users.filter((u) => u.recipient === 'nodevice')[0]).toMatchObject({ status: 'sent' });
			expect(users.filter((u) => u.recipient === 'stranger')[0]).toMatchObject({ status: 'sent' });
			// Only the gateway's own records tell who was reached: not the user without a device, not the stranger.
			expect(
				awg!.notifications.find((n) => (n.content.users as string[] | undefined)?.includes('stranger'))?.recipients,
			).toEqual(['jdoe']);

			const toFinance = awg!.notifications.find((n) =>
				(n.content.otdsGroups as string[] | undefined)?.includes('Finance'),
			);
			expect(toFinance).toMatchObject({
				api: 'service',
				app: 'hrapp',
				content: { title: 'Quarter close', summary: 'Ledgers lock at 18:00.' },
			});
			expect(toFinance?.recipients.sort()).toEqual(['asmith', 'mlee']);
		},
		TEST_TIMEOUT,
	);
});
