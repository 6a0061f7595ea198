import { RequestError } from '../../core/errors';
import { AppWorksChannel, type AppWorksSettings } from '../../core/push/channels/appworks';
import type { PushMessage } from '../../core/push/message';
import type { DeliveryResult, DispatchOptions, PushRecipient } from '../../core/push/types';
import { startAppWorksEmulator, type AppWorksEmulator } from '../../emulators/push/appworks';
import { usePushEmulator } from '../../devkit/push-emulator';

/** AppWorks Gateway: trusted-server and service (fcm-push) APIs, OTDS users and groups, against the emulator. */
let gateway: AppWorksEmulator;
const push = usePushEmulator({
	start: async () =>
		(gateway = await startAppWorksEmulator({
			users: ['jdoe', 'asmith', 'bwong'],
			groups: { Finance: ['cfo', 'clerk'] },
			usersWithoutDevices: ['nodevice'],
		})),
	records: (emulator) => [emulator.notifications],
	keyPrefix: 'aw',
});
const waits = push.waits;
const message: PushMessage = {
	title: 'Added to Finance Approvers',
	body: 'You can now approve invoices',
	data: { group: 'Finance Approvers' },
	priority: 'high',
	ttlSeconds: 600,
	collapseKey: 'access',
};
const person = (login: string): PushRecipient => ({ kind: 'person', userId: `id-${login}`, login });

const trusted = (overrides: Partial<AppWorksSettings> = {}) =>
	new AppWorksChannel(push.transport, {
		api: 'trustedServer',
		gatewayUrl: gateway.gatewayUrl,
		trustedServerKey: gateway.trustedServerKey,
		...overrides,
	} as AppWorksSettings);
const service = (overrides: Partial<AppWorksSettings> = {}) =>
	new AppWorksChannel(push.transport, {
		api: 'service',
		gatewayUrl: gateway.gatewayUrl,
		appName: 'hrapp',
		appKey: gateway.apps.hrapp,
		targetAppName: 'hrapp',
		...overrides,
	} as AppWorksSettings);

const send = (
	recipients: PushRecipient[],
	channel: AppWorksChannel,
	options: Partial<DispatchOptions> = {},
): Promise<DeliveryResult[]> => push.send(recipients, message, { channels: [channel], ...options });

const posts = () => gateway.requests.filter((request) => request.method === 'POST');

test('trusted-server API: one form request for a batch of users, message as a JSON string', async () => {
	const results = await send([person('jdoe'), person('asmith')], trusted());
	expect(results.map((result) => [result.recipient, result.status, result.address])).toEqual([
		['id-jdoe', 'sent', 'jdoe'],
		['id-asmith', 'sent', 'asmith'],
	]);
	expect(posts()).toHaveLength(1);
	expect(posts()[0].body).toMatchObject({ key: '***', users: 'jdoe,asmith' });
	expect(gateway.notifications[0]).toMatchObject({
		api: 'trustedServer',
		recipients: ['jdoe', 'asmith'],
		content: {
			type: 'notification',
			displayType: 'show',
			header: 'Added to Finance Approvers',
			body: 'You can now approve invoices',
		},
	});
});

test('service API: users and OTDS groups in one fcm-push request with FCM-shaped blocks', async () => {
	const results = await send([person('jdoe'), { kind: 'group', group: 'Finance' }], service());
	expect(results.map((result) => [result.recipient, result.recipientKind, result.status])).toEqual([
		['id-jdoe', 'person', 'sent'],
		['Finance', 'group', 'sent'],
	]);
	expect(posts()[0].path).toBe('/deployments/notifications/hrapp/fcm-push');
	expect(posts()[0].headers.otagappkey).toBe('***');
	expect(gateway.notifications[0].recipients.sort()).toEqual(['cfo', 'clerk', 'jdoe']);
	expect(gateway.notifications[0].content).toMatchObject({
		broadcast: false,
		users: ['jdoe'],
		otdsGroups: ['Finance'],
		title: 'Added to Finance Approvers',
		summary: 'You can now approve invoices',
		data: { group: 'Finance Approvers' },
		targetAppName: 'hrapp',
		collapseKey: 'access',
		// The SDK's AndroidConfig is camelCase.
		androidConfig: { priority: 'high', ttl: '600s', collapseKey: 'access' },
		apnsConfig: { headers: { 'apns-collapse-id': 'access' } },
		webpushConfig: { headers: { Topic: 'access' } },
	});
	expect((gateway.notifications[0].content.androidConfig as Record<string, unknown>).collapse_key).toBeUndefined();
});

test('a collapse key the platforms cannot take goes into the APNs and Web Push headers in a form they take', async () => {
	const collapseKey = 'Quarterly maintenance window: email & VPN (all regions, all staff members of every department)';
	await push.send([person('jdoe')], { ...message, collapseKey }, { channels: [service()] });
	const content = gateway.notifications[0].content as Record<string, Record<string, Record<string, string>>>;
	expect(content.androidConfig.collapseKey).toBe(collapseKey);
	expect(content.webpushConfig.headers.Topic).toMatch(/^[A-Za-z0-9_-]{32}$/);
	expect(Buffer.byteLength(content.apnsConfig.headers['apns-collapse-id'])).toBeLessThanOrEqual(64);
});

test('the deprecated push endpoint is accepted where the gateway offers it, with the body it takes', async () => {
	const results = await send([person('jdoe')], service({ serviceEndpoint: 'push' } as Partial<AppWorksSettings>));
	expect(results[0]).toMatchObject({ status: 'sent' });
	expect(posts()[0].path).toBe('/deployments/notifications/hrapp/push');
	expect(gateway.notifications[0]).toMatchObject({
		endpoint: 'push',
		recipients: ['jdoe'],
		content: { users: ['jdoe'], title: 'Added to Finance Approvers' },
	});
	expect(gateway.notifications[0].content.androidConfig).toBeUndefined();
});

test('batches follow the batch size; people without a login are skipped', async () => {
	const results = await send(
		[person('jdoe'), person('asmith'), person('bwong'), { kind: 'person', userId: 'no-login' }],
		trusted({ batchSize: 2 }),
	);
	expect(posts().map((request) => (request.body as { users: string }).users)).toEqual(['jdoe,asmith', 'bwong']);
	expect(results.find((result) => result.recipient === 'no-login')).toMatchObject({
		status: 'skipped',
		errorCode: 'NO_ADDRESS',
	});
});

test("an accepted request reports its recipients sent: the gateway's answer is not public and names no one", async () => {
	const results = await send(
		[person('jdoe'), person('ghost'), person('nodevice'), { kind: 'group', group: 'Nobody' }],
		service(),
	);
	expect(results.map((result) => [result.recipient, result.status, result.errorCode])).toEqual([
		['id-jdoe', 'sent', undefined],
		['id-ghost', 'sent', undefined],
		['id-nodevice', 'sent', undefined],
		['Nobody', 'sent', undefined],
	]);
	// What the gateway did with them is only in its own records: it reached the one user it knows with a device.
	expect(gateway.notifications[0].recipients).toEqual(['jdoe']);
});

test("gateway errors are read from the SDK's ErrorResponseWrapper {key, errorMessage, entity, status}", async () => {
	const [result] = await push.send([person('jdoe')], { silent: true, data: { a: '1' } }, { channels: [service()] });
	expect(result.status).toBe('sent');
	const refused = await push.transport.request({
		method: 'POST',
		url: `${gateway.gatewayUrl}/deployments/notifications/hrapp/fcm-push`,
		headers: { otagAppKey: gateway.apps.hrapp },
		json: { users: ['jdoe'] },
	});
	expect(refused.status).toBe(400);
	expect(refused.body).toEqual({
		key: 'invalid.notification',
		errorMessage: expect.stringMatching(/no content/),
		entity: null,
		status: 400,
	});
	gateway.faults.failNext(1, 400);
	const [failed] = await send([person('jdoe')], service());
	expect(failed).toMatchObject({ status: 'failed', errorCode: 'INVALID_ARGUMENT' });
	const missingApp = await send([person('jdoe')], service({ appName: 'nope' })).catch(
		(error: unknown) => error as RequestError,
	);
	expect((missingApp as RequestError).message).toMatch(/No app nope \(nope\)/);
});

test('the trusted-server API cannot address groups: they are skipped', async () => {
	const [result] = await send([{ kind: 'group', group: 'Finance' }], trusted());
	expect(result).toMatchObject({ status: 'skipped', errorCode: 'NO_ADDRESS' });
	expect(posts()).toHaveLength(0);
});

test('a 429 is waited out as Retry-After says, then sent', async () => {
	gateway.faults.rateLimitNext(1, 1);
	const started = Date.now();
	const [result] = await send([person('jdoe')], service());
	expect(result).toMatchObject({ status: 'sent', attempts: 2 });
	expect(waits).toEqual([1000]);
	expect(Date.now() - started).toBeGreaterThanOrEqual(950);
});

test('503 is retried; a permanent 400 is not', async () => {
	gateway.faults.failNext(1, 503);
	const [retried] = await send([person('jdoe')], trusted());
	expect(retried).toMatchObject({ status: 'sent', attempts: 2 });
	gateway.requests.length = 0;
	waits.length = 0;
	gateway.faults.failNext(1, 400);
	const [rejected] = await send([person('jdoe')], trusted());
	expect(rejected).toMatchObject({ status: 'failed', errorCode: 'INVALID_ARGUMENT', attempts: 1 });
	expect(posts()).toHaveLength(1);
	expect(waits).toEqual([]);
});

test('a gateway that does not answer in time fails the batch with ETIMEDOUT', async () => {
	gateway.faults.setLatency(300);
	const results = await send([person('jdoe'), person('asmith')], service({ timeoutMs: 100 }), {
		retry: { maxAttempts: 2, baseDelayMs: 1, sleep: async () => undefined },
	});
	expect(results.map((result) => [result.status, result.errorCode, result.attempts])).toEqual([
		['failed', 'ETIMEDOUT', 2],
		['failed', 'ETIMEDOUT', 2],
	]);
});

test('a dry run sends nothing and previews the body without the key', async () => {
	const results = await send([person('jdoe')], trusted(), { dryRun: true });
	expect(results[0]).toMatchObject({
		status: 'skipped',
		errorCode: 'DRY_RUN',
		preview: { users: 'jdoe', message: { header: 'Added to Finance Approvers' } },
	});
	expect(JSON.stringify(results)).not.toContain(gateway.trustedServerKey);
	expect(posts()).toHaveLength(0);
});

test('a retry after a lost answer carries the same Idempotency-Key and notifies once', async () => {
	gateway.faults.dropResponseNext(1);
	const duplicates = gateway.ledger.duplicates;
	const results = await send([person('jdoe'), person('asmith')], service());
	expect(results.every((result) => result.status === 'sent' && result.attempts === 2)).toBe(true);
	const keys = posts().map((request) => request.headers['idempotency-key']);
	expect(keys).toHaveLength(2);
	expect(keys[0]).toBe(keys[1]);
	expect(gateway.notifications).toHaveLength(1);
	expect(gateway.ledger.duplicates).toBe(duplicates + 1);
});

test('a wrong key or app stops the dispatch without quoting the key', async () => {
	const wrongKey = `x-${gateway.trustedServerKey}`;
	const error = await send([person('jdoe')], trusted({ trustedServerKey: wrongKey })).then(
		() => undefined,
		(failure: unknown) => failure as RequestError,
	);
	expect(error).toBeInstanceOf(RequestError);
	expect(error?.kind).toBe('invalidCredentials');
	expect(`${error?.message} ${error?.hint} ${JSON.stringify(error)}`).not.toContain(wrongKey);
	const missingApp = await send([person('jdoe')], service({ appName: 'nope' })).then(
		() => undefined,
		(failure: unknown) => failure as RequestError,
	);
	expect(missingApp?.kind).toBe('noSuchObject');
	expect(`${missingApp?.message}`).not.toContain(gateway.apps.hrapp);
});

describe('the emulator refuses what the gateway refuses', () => {
	const service = (json: unknown, endpoint = 'fcm-push') =>
		push.transport.request({
			method: 'POST',
			url: `${gateway.gatewayUrl}/deployments/notifications/hrapp/${endpoint}`,
			headers: { otagAppKey: gateway.apps.hrapp },
			json,
		});
	const trustedServer = (form: Record<string, string>) =>
		push.transport.request({ method: 'POST', url: `${gateway.gatewayUrl}/gateway/v2/notifications`, form });
	const shown = JSON.stringify({ type: 'notification', displayType: 'show', header: 'Hi', body: 'There' });

	test.each([
		['a push without content', () => service({ users: ['jdoe'] })],
		['a misspelled field', () => service({ users: ['jdoe'], title: 'x', summmary: 'y' })],
		['a wrong type', () => service({ users: 'jdoe', title: 'x' })],
		['data values that are no strings', () => service({ users: ['jdoe'], data: { n: 1 } })],
		[
			'the snake_case collapse_key in androidConfig',
			() => service({ users: ['jdoe'], title: 'x', androidConfig: { collapse_key: 'c' } }),
		],
		[
			'fcm-push fields on the deprecated push',
			() => service({ users: ['jdoe'], title: 'x', collapseKey: 'c' }, 'push'),
		],
		[
			'a trusted-server form with an unknown field',
			() => trustedServer({ key: gateway.trustedServerKey, message: shown, users: 'jdoe', group: 'Finance' }),
		],
		[
			'a trusted-server message without a header or body',
			() =>
				trustedServer({
					key: gateway.trustedServerKey,
					message: JSON.stringify({ type: 'notification', displayType: 'show', header: '', body: '' }),
					users: 'jdoe',
				}),
		],
		[
			'a trusted-server message missing a field',
			() =>
				trustedServer({
					key: gateway.trustedServerKey,
					message: JSON.stringify({ type: 'notification', header: 'Hi', body: 'x' }),
					users: 'jdoe',
				}),
		],
	])('%s', async (_what, request) => {
		const response = await request();
		expect(response.status).toBe(400);
		expect(response.body).toMatchObject({ key: expect.any(String), errorMessage: expect.any(String), status: 400 });
		expect(Object.keys(response.body as object).sort()).toEqual(['entity', 'errorMessage', 'key', 'status']);
		expect(gateway.notifications).toHaveLength(0);
	});

	test('a body without its content type', async () => {
		const json = await fetch(`${gateway.gatewayUrl}/deployments/notifications/hrapp/fcm-push`, {
			method: 'POST',
			headers: { otagAppKey: gateway.apps.hrapp },
			body: new TextEncoder().encode(JSON.stringify({ users: ['jdoe'], title: 'x' })),
		});
		expect(json.status).toBe(415);
		const form = await fetch(`${gateway.gatewayUrl}/gateway/v2/notifications`, {
			method: 'POST',
			body: new TextEncoder().encode(
				new URLSearchParams({ key: gateway.trustedServerKey, message: shown, users: 'jdoe' }).toString(),
			),
		});
		expect(form.status).toBe(415);
		expect(gateway.notifications).toHaveLength(0);
	});
});
