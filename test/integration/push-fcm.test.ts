import { ConfigurationError, RequestError } from '../../core/errors';
import { FcmChannel } from '../../core/push/channels/fcm';
import { FcmAccessTokens, parseServiceAccount } from '../../core/push/channels/fcm-auth';
import { dispatch } from '../../core/push/dispatcher';
import type { PushMessage } from '../../core/push/message';
import type { DeliveryResult, DispatchOptions, PushRecipient } from '../../core/push/types';
import { generateTestServiceAccount } from '../../emulators/push/service-account';
import { startFcmEmulator, type FcmEmulator } from '../../emulators/push/fcm';
import { usePushEmulator } from '../../devkit/push-emulator';

/** The FCM channel and the dispatcher against the FCM emulator: every outcome a sender meets. */
let fcm: FcmEmulator;
const push = usePushEmulator({
	start: async () =>
		(fcm = await startFcmEmulator({
			deadTokens: ['dead-token'],
			foreignTokens: ['foreign-token'],
			invalidTokens: ['not-a-token'],
			thirdPartyAuthTokens: ['ios-bad-cert'],
		})),
	records: (emulator) => [emulator.deliveries],
});
const waits = push.waits;
const message: PushMessage = {
	title: 'Account locked',
	body: 'Your account was locked',
	data: { event: 'user.locked' },
	link: 'https://id.example.com/unlock',
	priority: 'high',
	ttlSeconds: 3600,
	collapseKey: 'lock',
};

function channel(overrides: { timeoutMs?: number; serviceAccount?: string } = {}): FcmChannel {
	return new FcmChannel(push.transport, {
		serviceAccount: overrides.serviceAccount ?? fcm.account.json,
		baseUrl: fcm.baseUrl,
		timeoutMs: overrides.timeoutMs,
	});
}

const send = (
	recipients: PushRecipient[],
	options: Partial<DispatchOptions> = {},
	body: PushMessage = message,
): Promise<DeliveryResult[]> => push.send(recipients, body, { channels: [channel()], ...options });

const sends = () => fcm.requests.filter((request) => request.path.endsWith('messages:send'));

test('sends to every device of a person, a bare token and a topic, in FCM v1 shape', async () => {
	const results = await send([
		{ kind: 'person', userId: 'u-1', login: 'jdoe', deviceTokens: ['tok-a', 'tok-b'] },
		{ kind: 'token', token: 'tok-c' },
		{ kind: 'topic', topic: 'security' },
	]);
	expect(results.map((result) => [result.recipient, result.status, result.attempts])).toEqual(
		expect.arrayContaining([
			['u-1', 'sent', 1],
			['u-1', 'sent', 1],
			['tok-c', 'sent', 1],
			['security', 'sent', 1],
		]),
	);
	expect(results).toHaveLength(4);
	expect(results.every((result) => result.messageId?.startsWith('projects/test-project/messages/'))).toBe(true);
	expect(
		results
			.filter((result) => result.recipient === 'u-1')
			.map((result) => result.address)
			.sort(),
	).toEqual(['tok-a', 'tok-b']);
	const delivered = fcm.deliveries.find((delivery) => delivery.message.token === 'tok-c')?.message;
	expect(delivered).toMatchObject({
		notification: { title: 'Account locked', body: 'Your account was locked' },
		data: { event: 'user.locked', link: 'https://id.example.com/unlock' },
		android: { collapse_key: 'lock', priority: 'high', ttl: '3600s' },
		apns: { headers: { 'apns-priority': '10', 'apns-collapse-id': 'lock' } },
		webpush: {
			headers: { TTL: '3600', Urgency: 'high', Topic: 'lock' },
			fcm_options: { link: 'https://id.example.com/unlock' },
		},
	});
	expect((delivered?.android as Record<string, unknown>).notification).toBeUndefined();
	expect(fcm.deliveries.find((delivery) => delivery.message.topic === 'security')).toBeDefined();
	// One access token for all four requests.
	expect(fcm.requests.filter((request) => request.path === '/token').length).toBeLessThanOrEqual(1);
});

test('a failure of one recipient leaves the others sent', async () => {
	const results = await send([
		{ kind: 'token', token: 'tok-1' },
		{ kind: 'token', token: 'foreign-token' },
		{ kind: 'token', token: 'tok-2' },
	]);
	const byToken = Object.fromEntries(results.map((result) => [result.recipient, result]));
	expect(byToken['tok-1'].status).toBe('sent');
	expect(byToken['tok-2'].status).toBe('sent');
	expect(byToken['foreign-token']).toMatchObject({ status: 'failed', errorCode: 'SENDER_ID_MISMATCH', attempts: 1 });
});

test('a dead token is reported as unregistered, so the workflow can remove it', async () => {
	const results = await send([{ kind: 'person', userId: 'u-2', deviceTokens: ['dead-token', 'tok-live'] }]);
	expect(results.find((result) => result.address === 'dead-token')).toMatchObject({
		status: 'unregistered',
		errorCode: 'UNREGISTERED',
		channel: 'fcm',
		attempts: 1,
	});
	expect(results.find((result) => result.address === 'tok-live')?.status).toBe('sent');
});

test('a 429 is waited out as Retry-After says, then sent', async () => {
	fcm.faults.rateLimitNext(1, 1, { path: 'messages:send' });
	const started = Date.now();
	const [result] = await send([{ kind: 'token', token: 'tok-429' }]);
	expect(result).toMatchObject({ status: 'sent', attempts: 2 });
	expect(waits).toEqual([1000]);
	expect(Date.now() - started).toBeGreaterThanOrEqual(950);
	expect(sends().map((request) => request.status)).toEqual([429, 200]);
});

test('a Retry-After beyond the cap is not waited for: the recipient fails with the quota code', async () => {
	fcm.faults.rateLimitNext(1, 120, { path: 'messages:send' });
	const [result] = await send([{ kind: 'token', token: 'tok-quota' }], {
		retry: { maxRetryAfterMs: 5_000, sleep: async (ms) => void waits.push(ms) },
	});
	expect(result).toMatchObject({ status: 'failed', errorCode: 'QUOTA_EXCEEDED', attempts: 1 });
	expect(waits).toEqual([]);
});

test('a quota 429 without Retry-After counts as one minute: beyond a lower cap it fails at once', async () => {
	fcm.faults.rateLimitNext(1, null, { path: 'messages:send' });
	const [result] = await send([{ kind: 'token', token: 'tok-quota-minute' }], {
		retry: { maxRetryAfterMs: 5_000, sleep: async (ms) => void waits.push(ms) },
	});
	expect(result).toMatchObject({ status: 'failed', errorCode: 'QUOTA_EXCEEDED', attempts: 1 });
	fcm.faults.rateLimitNext(1, null, { path: 'messages:send' });
	const [waited] = await send([{ kind: 'token', token: 'tok-quota-minute-2' }], {
		retry: { sleep: async (ms) => void waits.push(ms) },
	});
	expect(waited).toMatchObject({ status: 'sent', attempts: 2 });
	expect(waits).toEqual([60_000]);
});

test('503 and 500 answers are retried with backoff', async () => {
	fcm.faults.failNext(1, 503, { path: 'messages:send' }).failNext(1, 500, { path: 'messages:send' });
	const [result] = await send([{ kind: 'token', token: 'tok-503' }]);
	expect(result).toMatchObject({ status: 'sent', attempts: 3 });
	expect(waits).toHaveLength(2);
	expect(sends().map((request) => request.status)).toEqual([503, 500, 200]);
});

test('a 503 that never ends fails the recipient after the last attempt', async () => {
	fcm.faults.failNext(10, 503, { path: 'messages:send' });
	const [result] = await send([{ kind: 'token', token: 'tok-down' }], {
		retry: { maxAttempts: 3, baseDelayMs: 1, sleep: async () => undefined },
	});
	expect(result).toMatchObject({ status: 'failed', errorCode: 'UNAVAILABLE', attempts: 3 });
});

test('a permanent 400 is not retried', async () => {
	fcm.faults.failNext(1, 400, { path: 'messages:send' });
	const [result] = await send([{ kind: 'token', token: 'tok-400' }]);
	expect(result).toMatchObject({ status: 'failed', attempts: 1 });
	expect(result.errorCode).toBe('INVALID_ARGUMENT');
	expect(sends()).toHaveLength(1);
	expect(waits).toEqual([]);
});

test('a server that does not answer in time fails the recipient with ETIMEDOUT after the retries', async () => {
	const fcmSlow = channel({ timeoutMs: 100 });
	// Sign in while the server is fast, so that only the send is slow.
	for await (const warm of dispatch([{ kind: 'token', token: 'tok-warm' }], message, { channels: [fcmSlow] }))
		expect(warm.status).toBe('sent');
	fcm.faults.setLatency(400);
	const results: DeliveryResult[] = [];
	for await (const result of dispatch([{ kind: 'token', token: 'tok-slow' }], message, {
		channels: [fcmSlow],
		retry: { maxAttempts: 2, baseDelayMs: 1, sleep: async () => undefined },
	})) {
		results.push(result);
	}
	expect(results[0]).toMatchObject({ status: 'failed', errorCode: 'ETIMEDOUT', attempts: 2 });
	expect(results[0].reason).toMatch(/did not answer in time/);
});

test('a dry run builds and validates but sends nothing', async () => {
	const results = await send(
		[
			{ kind: 'token', token: 'tok-dry' },
			{ kind: 'topic', topic: 'news' },
		],
		{ dryRun: true },
	);
	expect(results.map((result) => result.status)).toEqual(['skipped', 'skipped']);
	expect(results[0]).toMatchObject({
		errorCode: 'DRY_RUN',
		attempts: 0,
		preview: { message: { token: 'tok-dry', notification: { title: 'Account locked' } } },
	});
	expect(sends()).toHaveLength(0);
	expect(fcm.deliveries).toHaveLength(0);
});

test('a retry after a lost answer carries the same idempotency key, and FCM, which does not de-duplicate, delivers twice', async () => {
	fcm.faults.dropResponseNext(1, { path: 'messages:send' });
	const [result] = await send([{ kind: 'token', token: 'tok-once' }]);
	expect(result).toMatchObject({ status: 'sent', attempts: 2 });
	const keys = sends().map((request) => request.headers['idempotency-key']);
	expect(keys).toHaveLength(2);
	expect(keys[0]).toBe(keys[1]);
	expect(keys[0]).toBe(result.idempotencyKey);
	expect(fcm.deliveries.filter((delivery) => delivery.message.token === 'tok-once')).toHaveLength(2);
});

test('Retry Ambiguous Failures off: a lost answer is not repeated (no second delivery), a 503 and a refused request still are', async () => {
	const retry = { baseDelayMs: 5, maxDelayMs: 20, retryAmbiguous: false };
	fcm.faults.dropResponseNext(1, { path: 'messages:send' });
	const [lost] = await send([{ kind: 'token', token: 'tok-ambiguous' }], { retry });
	expect(lost).toMatchObject({ status: 'failed', errorCode: 'ECONNRESET', attempts: 1 });
	expect(fcm.deliveries.filter((delivery) => delivery.message.token === 'tok-ambiguous')).toHaveLength(1);

	fcm.faults.failNext(1, 503, { path: 'messages:send' }).rateLimitNext(1, 0, { path: 'messages:send' });
	const [busy] = await send([{ kind: 'token', token: 'tok-busy' }], { retry });
	expect(busy).toMatchObject({ status: 'sent', attempts: 3 });
	expect(fcm.deliveries.filter((delivery) => delivery.message.token === 'tok-busy')).toHaveLength(1);
});

test("THIRD_PARTY_AUTH_ERROR fails that recipient only (its platform's certificate or key), not the service account", async () => {
	const results = await send([
		{ kind: 'token', token: 'tok-3p-1' },
		{ kind: 'token', token: 'ios-bad-cert' },
		{ kind: 'token', token: 'tok-3p-2' },
	]);
	const byToken = Object.fromEntries(results.map((result) => [result.recipient, result]));
	expect(byToken['tok-3p-1'].status).toBe('sent');
	expect(byToken['tok-3p-2'].status).toBe('sent');
	expect(byToken['ios-bad-cert']).toMatchObject({ status: 'failed', errorCode: 'THIRD_PARTY_AUTH_ERROR', attempts: 1 });
	expect(byToken['ios-bad-cert'].reason).toMatch(/APNs certificate or web push key/);
});

test('a 400 saying the token is not a valid registration token marks that token dead, like UNREGISTERED', async () => {
	const results = await send([{ kind: 'person', userId: 'u-x', deviceTokens: ['not-a-token', 'tok-good'] }]);
	expect(results.find((result) => result.address === 'not-a-token')).toMatchObject({
		status: 'unregistered',
		errorCode: 'INVALID_REGISTRATION_TOKEN',
	});
	expect(results.find((result) => result.address === 'tok-good')?.status).toBe('sent');
});

test('a malformed topic name is refused before sending, as the Admin SDK does; /topics/ is stripped', async () => {
	const results = await send([
		{ kind: 'topic', topic: 'security alerts!' },
		{ kind: 'topic', topic: '/topics/security-alerts' },
	]);
	expect(results.find((result) => result.recipient === 'security alerts!')).toMatchObject({
		status: 'failed',
		errorCode: 'INVALID_ARGUMENT',
		attempts: 0,
	});
	expect(results.find((result) => result.recipient === '/topics/security-alerts')).toMatchObject({ status: 'sent' });
	expect(sends().map((request) => (request.body as { message: { topic: string } }).message.topic)).toEqual([
		'security-alerts',
	]);
});

test('the same message key and token make the same idempotency key across runs (FCM itself ignores it)', async () => {
	const first = await send([{ kind: 'token', token: 'tok-rerun' }], { messageKey: 'event-42' });
	const second = await send([{ kind: 'token', token: 'tok-rerun' }], { messageKey: 'event-42' });
	expect(second[0].idempotencyKey).toBe(first[0].idempotencyKey);
	const delivered = fcm.deliveries.filter((delivery) => delivery.message.token === 'tok-rerun');
	expect(delivered.map((delivery) => delivery.idempotencyKey)).toEqual([
		first[0].idempotencyKey,
		first[0].idempotencyKey,
	]);
});

test('a payload over 4 KB fails before sending; a reserved data key stops the dispatch before anything is sent', async () => {
	const [big] = await send(
		[{ kind: 'token', token: 'tok-big' }],
		{},
		{ title: 'Big', data: { blob: 'x'.repeat(5000) } },
	);
	expect(big).toMatchObject({ status: 'failed', errorCode: 'PAYLOAD_TOO_LARGE', attempts: 0 });
	await expect(
		send([{ kind: 'token', token: 'tok-x' }], {}, { title: 'x', data: { 'google.sent_time': '1' } }),
	).rejects.toThrow(/reserved by FCM/);
	expect(sends()).toHaveLength(0);
});

test('a revoked access token is renewed once; the JWT is signed and verified', async () => {
	const fcmChannel = channel();
	const run = async () => {
		for await (const result of dispatch([{ kind: 'token', token: 'tok-renew' }], message, {
			channels: [fcmChannel],
			messageKey: `renew-${Math.random()}`,
		}))
			return result;
		return undefined;
	};
	expect((await run())?.status).toBe('sent');
	const issued = fcm.issuedTokens;
	expect((await run())?.status).toBe('sent');
	expect(fcm.issuedTokens).toBe(issued);
	fcm.revokeTokens();
	expect((await run())?.status).toBe('sent');
	expect(fcm.issuedTokens).toBe(issued + 1);
});

test('a service account the server does not trust stops the dispatch, and no secret is quoted', async () => {
	const stranger = generateTestServiceAccount({ tokenUri: `${fcm.origin}/token` });
	const error = await send([{ kind: 'token', token: 'tok-stranger' }], {
		channels: [channel({ serviceAccount: stranger.json })],
	}).then(
		() => undefined,
		(failure: unknown) => failure,
	);
	expect(error).toBeInstanceOf(RequestError);
	expect((error as RequestError).kind).toBe('invalidCredentials');
	const text = `${(error as Error).message} ${(error as RequestError).hint} ${JSON.stringify(error)}`;
	const keyBody = stranger.serviceAccount.private_key.split('\n')[1];
	expect(text).not.toContain(keyBody);
	expect(fcm.requests.some((request) => JSON.stringify(request).includes(keyBody))).toBe(false);

	const broken = JSON.stringify({
		...stranger.serviceAccount,
		private_key: `-----BEGIN PRIVATE KEY-----\n${keyBody}\n-----END PRIVATE KEY-----\n`,
	});
	const configError = (() => {
		try {
			channel({ serviceAccount: broken });
		} catch (failure) {
			return failure as Error;
		}
		return undefined;
	})();
	expect(configError).toBeInstanceOf(ConfigurationError);
	expect(configError?.message).toMatch(/private_key/);
	expect(configError?.message).not.toContain(keyBody);
});

test('results never carry the private key or the access token', async () => {
	const results = await send([
		{ kind: 'token', token: 'tok-secret' },
		{ kind: 'token', token: 'dead-token' },
	]);
	const text = JSON.stringify(results);
	expect(text).not.toContain(fcm.account.serviceAccount.private_key.split('\n')[1]);
	expect(text).not.toMatch(/ya29\./);
});

describe('the emulator refuses what FCM refuses', () => {
	const raw = async (json: unknown, contentType: string | null = 'application/json') => {
		const token = await new FcmAccessTokens(push.transport, parseServiceAccount(fcm.account.json)).token();
		const response = await fetch(`${fcm.baseUrl}/v1/projects/test-project/messages:send`, {
			method: 'POST',
			headers: { authorization: `Bearer ${token}`, ...(contentType ? { 'content-type': contentType } : {}) },
			body: contentType ? JSON.stringify(json) : new TextEncoder().encode(JSON.stringify(json)),
		});
		return { status: response.status, body: (await response.json()) as { error: { status: string; message: string } } };
	};
	const ok = { token: 'tok-strict', notification: { title: 'x' } };

	test.each([
		['a misspelled field', { message: { ...ok, notifcation: { title: 'x' } } }],
		['an unknown field in a block', { message: { ...ok, android: { collapseKey: 'c' } } }],
		['an unknown top-level field', { message: ok, dry_run: true }],
		['a data value that is no string', { message: { ...ok, data: { n: 1 } } }],
		['a reserved data key', { message: { ...ok, data: { google_x: '1' } } }],
		['an image that is no URL', { message: { ...ok, notification: { title: 'x', image: 'picture.png' } } }],
		['a malformed topic', { message: { topic: 'a b', notification: { title: 'x' } } }],
		['a web push Topic over 32 characters', { message: { ...ok, webpush: { headers: { Topic: 'x'.repeat(33) } } } }],
		[
			'an APNs collapse id over 64 bytes',
			{ message: { ...ok, apns: { headers: { 'apns-collapse-id': 'é'.repeat(33) } } } },
		],
		[
			'a web push link that is not https',
			{ message: { ...ok, webpush: { fcm_options: { link: 'http://x.example.com' } } } },
		],
	])('%s', async (_what, json) => {
		const response = await raw(json);
		expect(response.status).toBe(400);
		expect(response.body.error.status).toBe('INVALID_ARGUMENT');
		expect(fcm.deliveries).toHaveLength(0);
	});

	test('collapse_key is allowed in data; a body without the JSON content type is not', async () => {
		expect((await raw({ message: { ...ok, data: { collapse_key: 'c' } } })).status).toBe(200);
		expect((await raw({ message: ok }, null)).status).toBe(400);
		expect(fcm.deliveries).toHaveLength(1);
	});
});
