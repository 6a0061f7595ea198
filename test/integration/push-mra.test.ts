import { RequestError } from '../../core/errors';
import { MraClient, type MraAuth } from '../../core/push/channels/mra';
import type { PushMessage } from '../../core/push/message';
import type { DeliveryResult, DispatchOptions, PushChannel, PushRecipient } from '../../core/push/types';
import { startMraEmulator, type MraEmulator } from '../../emulators/push/mra';
import { usePushEmulator } from '../../devkit/push-emulator';

/** OpenText Cloud Messaging (MRA v1): push through the parser, SMS and email fallbacks, job status, against the emulator. */
let mra: MraEmulator;
const push = usePushEmulator({
	start: async () => (mra = await startMraEmulator({ deadTokens: ['mra-dead'], invalidNumbers: ['+15550000000'] })),
	records: (emulator) => [emulator.submissions],
	keyPrefix: 'mra',
});
const waits = push.waits;
const message: PushMessage = {
	title: 'Password expires',
	body: 'Change it today',
	data: { event: 'user.passwordResetRequired' },
	link: 'https://id.example.com/pw',
	collapseKey: 'pw',
};
const jdoe: PushRecipient = {
	kind: 'person',
	userId: 'u-jdoe',
	login: 'jdoe',
	mobile: '+15551230001',
	mail: 'jdoe@example.com',
	deviceTokens: ['mra-tok-1'],
};

const oauth = (): MraAuth => ({
	method: 'oauth2',
	tokenUrl: mra.tokenUrl,
	clientId: mra.clientId,
	clientSecret: mra.clientSecret,
});
const basicAuth = (): MraAuth => ({ method: 'basic', username: mra.username, password: mra.password });
const client = (auth: MraAuth = oauth(), timeoutMs?: number) =>
	new MraClient(push.transport, { baseUrl: `${mra.baseUrl}/mra/v1`, auth, timeoutMs });

const send = (
	recipients: PushRecipient[],
	channels: PushChannel[],
	options: Partial<DispatchOptions> = {},
): Promise<DeliveryResult[]> => push.send(recipients, message, { channels, ...options });

const submits = () =>
	mra.requests.filter((request) => request.path.startsWith('/mra/v1/') && request.method === 'POST');

test('push goes through /utils/parser with domain MR and the base64 inner JSON of the message', async () => {
	const [result] = await send([jdoe], [client().pushChannel()]);
	expect(result).toMatchObject({ recipient: 'u-jdoe', status: 'sent', channel: 'mraPush', attempts: 1 });
	expect(result.messageId).toMatch(/^xsi-/);
	const [submission] = mra.submissions;
	expect(submission.kind).toBe('push');
	expect(submission.submitId).toBe(result.idempotencyKey);
	expect(submission.content).toMatchObject({
		destinations: [{ ref: '1', device_token: 'mra-tok-1' }],
		notification: { title: 'Password expires', body: 'Change it today', link: 'https://id.example.com/pw' },
		data: { event: 'user.passwordResetRequired' },
		options: { priority: 'normal', collapse_key: 'pw', silent: false },
	});
	expect(mra.requests.find((request) => request.path === '/mra/v1/utils/parser')?.body).toMatchObject({
		domain: 'MR',
		filename: 'push.json',
	});
});

test('a raw JSON override replaces fields of the inner push request', async () => {
	const custom = new MraClient(push.transport, {
		baseUrl: mra.baseUrl,
		auth: basicAuth(),
		pushOverride: { application: 'hr-app', options: { priority: 'urgent' } },
	});
	await send([{ kind: 'token', token: 'mra-tok-2' }], [custom.pushChannel()]);
	expect(mra.submissions[0].content).toMatchObject({
		application: 'hr-app',
		options: { priority: 'urgent' },
		destinations: [{ device_token: 'mra-tok-2' }],
	});
});

test('SMS and email reach people by mobile number and mail, with a job id each; job status reads back', async () => {
	const mraClient = client(basicAuth());
	const results = await send([jdoe], [mraClient.smsChannel()]);
	expect(results[0]).toMatchObject({ status: 'sent', channel: 'mraSms', address: '+15551230001' });
	expect(mra.submissions[0].content).toEqual({
		destinations: [{ sms: '+15551230001' }],
		sms_text: 'Password expires: Change it today https://id.example.com/pw',
	});
	const [email] = await send([jdoe], [mraClient.emailChannel()]);
	expect(email).toMatchObject({ status: 'sent', channel: 'mraEmail', address: 'jdoe@example.com' });
	const emailed = mra.submissions.find((submission) => submission.kind === 'emails');
	expect(emailed?.content).toMatchObject({
		options: { email_options: { subject: 'Password expires' } },
		destinations: [{ ref: '1', email: 'jdoe@example.com' }],
	});
	expect(emailed?.text).toBe('Change it today\n\nhttps://id.example.com/pw');
	// The public status shape: job_state a list, the destination under its kind, attempt states such as Sent.
	const status = await mraClient.jobStatus('sms', results[0].messageId as string);
	expect(status).toMatchObject({
		jobId: results[0].messageId,
		jobState: ['Complete', 'Posted'],
		deliveries: [{ destinationKind: 'sms', destination: '+15551230001', state: 'Sent' }],
		events: { sms_delivery_events: [] },
	});
	const emailStatus = await mraClient.jobStatus('emails', email.messageId as string);
	expect(emailStatus.deliveries).toEqual([
		expect.objectContaining({ ref: '1', destinationKind: 'email', destination: 'jdoe@example.com', state: 'Sent' }),
	]);
	expect(emailStatus.deliveries[0].attempts[0]).toMatchObject({
		state: 'Sent',
		firstAttempt: expect.any(String),
		deliveryTime: expect.any(String),
	});
});

test('job status is read in its public shape, whatever the attempt states', async () => {
	const raw = {
		job_id: 'xsi-1',
		job_state: ['Complete', 'Posted'],
		deliveries: [
			{
				ref_base64: Buffer.from('a-1').toString('base64'),
				sms: '0034666999999',
				delivery_attempts: [{ state: 'Error', gamma_code: '1234' }, { state: 'Pending' }],
			},
			{
				ref_base64: Buffer.from('a-2').toString('base64'),
				fax: '0612345678',
				delivery_attempts: [{ state: 'Cancelled' }],
			},
		],
		events: { sms_delivery_events: [{ event: 'x' }] },
	};
	const transport = { request: async () => ({ status: 200, headers: {}, body: raw }) };
	const status = await new MraClient(transport, {
		baseUrl: 'https://mra.example.com',
		auth: { method: 'basic', username: 'u', password: 'p' },
	}).jobStatus('sms', 'xsi-1');
	expect(status).toEqual({
		jobId: 'xsi-1',
		jobState: ['Complete', 'Posted'],
		deliveries: [
			{
				ref: 'a-1',
				destinationKind: 'sms',
				destination: '0034666999999',
				state: 'Pending',
				attempts: [{ state: 'Error', gammaCode: '1234' }, { state: 'Pending' }],
			},
			{
				ref: 'a-2',
				destinationKind: 'fax',
				destination: '0612345678',
				state: 'Cancelled',
				attempts: [{ state: 'Cancelled' }],
			},
		],
		events: { sms_delivery_events: [{ event: 'x' }] },
		raw,
	});
});

test("national and 00-prefixed numbers are passed through, not refused as non-E.164 (OpenText's own examples use them)", async () => {
	const people: PushRecipient[] = [
		{ kind: 'person', userId: 'es', mobile: '0034666999999' },
		{ kind: 'person', userId: 'fr', mobile: '0612345678' },
	];
	const results = await send(people, [client().smsChannel()]);
	expect(results.map((result) => [result.recipient, result.status])).toEqual(
		expect.arrayContaining([
			['es', 'sent'],
			['fr', 'sent'],
		]),
	);
	expect(
		mra.submissions.map((submission) => (submission.content.destinations as Array<{ sms: string }>)[0].sms).sort(),
	).toEqual(['0034666999999', '0612345678']);
});

test("an email without options.email_options.subject is accepted (OpenText's Postman samples send one)", async () => {
	const response = await push.transport.request({
		method: 'POST',
		url: `${mra.baseUrl}/mra/v1/outbound/emails`,
		headers: { authorization: `Basic ${Buffer.from(`${mra.username}:${mra.password}`).toString('base64')}` },
		json: {
			destinations: [{ ref: '1', email: 'a@example.com' }],
			body: [{ name: 'temp.txt', type: 'text', charset: 'ISO-8859-1', data: Buffer.from('hello').toString('base64') }],
		},
	});
	expect(response.status).toBe(200);
	expect(response.body).toEqual({ job_id: expect.stringMatching(/^xsi-/) });
});

test('a failure of one recipient leaves the others sent', async () => {
	const people: PushRecipient[] = [
		{ kind: 'person', userId: 'a', mobile: '+15551230002' },
		{ kind: 'person', userId: 'b', mobile: '+15550000000' },
		{ kind: 'person', userId: 'c', mobile: '+15551230003' },
	];
	const results = await send(people, [client().smsChannel()]);
	const byUser = Object.fromEntries(results.map((result) => [result.recipient, result]));
	expect(byUser.a.status).toBe('sent');
	expect(byUser.c.status).toBe('sent');
	expect(byUser.b).toMatchObject({ status: 'failed', errorCode: 'INVALID_DESTINATION', attempts: 1 });
});

test('falls back from push to SMS for people without a token or whose token is dead, and reports the dead token', async () => {
	const mraClient = client();
	const people: PushRecipient[] = [
		jdoe,
		{ kind: 'person', userId: 'no-device', mobile: '+15551230004' },
		{ kind: 'person', userId: 'dead-device', mobile: '+15551230005', deviceTokens: ['mra-dead'] },
		{ kind: 'person', userId: 'unreachable' },
	];
	const results = await send(people, [mraClient.pushChannel(), mraClient.smsChannel()]);
	const of = (user: string) =>
		results
			.filter((result) => result.recipient === user)
			.map((result) => [result.channel, result.status, result.errorCode]);
	expect(of('u-jdoe')).toEqual([['mraPush', 'sent', undefined]]);
	expect(of('no-device')).toEqual([['mraSms', 'sent', undefined]]);
	expect(of('dead-device')).toEqual([
		['mraPush', 'unregistered', 'UNREGISTERED'],
		['mraSms', 'sent', undefined],
	]);
	expect(
		results.find((result) => result.recipient === 'dead-device' && result.channel === 'mraSms')?.fellBackFrom,
	).toEqual(['mraPush']);
	expect(of('unreachable')).toEqual([['mraSms', 'skipped', 'NO_ADDRESS']]);
});

test('a 429 is waited out as Retry-After says, then sent', async () => {
	mra.faults.rateLimitNext(1, 1, { path: '/mra/v1/utils/parser' });
	const started = Date.now();
	const [result] = await send([jdoe], [client().pushChannel()]);
	expect(result).toMatchObject({ status: 'sent', attempts: 2 });
	expect(waits).toEqual([1000]);
	expect(Date.now() - started).toBeGreaterThanOrEqual(950);
});

test('503 is retried; a permanent 400 is not', async () => {
	mra.faults.failNext(2, 503, { path: '/outbound/sms' });
	const [retried] = await send([jdoe], [client().smsChannel()]);
	expect(retried).toMatchObject({ status: 'sent', attempts: 3 });
	mra.faults.failNext(1, 400, { path: '/outbound/sms' });
	waits.length = 0;
	mra.requests.length = 0;
	const [rejected] = await send([jdoe], [client().smsChannel()]);
	expect(rejected).toMatchObject({ status: 'failed', attempts: 1 });
	expect(submits()).toHaveLength(1);
	expect(waits).toEqual([]);
});

test('a server that does not answer in time fails the recipient with ETIMEDOUT', async () => {
	mra.faults.setLatency(300);
	const [result] = await send([jdoe], [client(basicAuth(), 100).smsChannel()], {
		retry: { maxAttempts: 2, baseDelayMs: 1, sleep: async () => undefined },
	});
	expect(result).toMatchObject({ status: 'failed', errorCode: 'ETIMEDOUT', attempts: 2 });
});

test('a dry run sends nothing and previews the parser request', async () => {
	const results = await send([jdoe], [client().pushChannel()], { dryRun: true });
	expect(results[0]).toMatchObject({
		status: 'skipped',
		errorCode: 'DRY_RUN',
		preview: { path: '/utils/parser', json: { domain: 'MR' } },
	});
	expect(submits()).toHaveLength(0);
	expect(mra.requests.filter((request) => request.path.includes('oauth2'))).toHaveLength(0);
});

test('a retry after a lost answer repeats the X-MRA-SubmitId and is delivered once', async () => {
	mra.faults.dropResponseNext(1, { path: '/outbound/sms' });
	const duplicates = mra.ledger.duplicates;
	const [result] = await send([jdoe], [client().smsChannel()]);
	expect(result).toMatchObject({ status: 'sent', attempts: 2 });
	const ids = submits().map((request) => request.headers['x-mra-submitid']);
	expect(ids).toEqual([result.idempotencyKey, result.idempotencyKey]);
	expect(mra.submissions).toHaveLength(1);
	expect(mra.ledger.duplicates).toBe(duplicates + 1);
});

test('the tenant token is fetched once and shared by all requests', async () => {
	const issued = mra.issuedTokens;
	const mraClient = client();
	await send([jdoe, { kind: 'person', userId: 'x', mobile: '+15551230009' }], [mraClient.smsChannel()], {
		concurrency: 2,
	});
	expect(mra.issuedTokens).toBe(issued + 1);
});

test('a wrong client secret or password stops the dispatch without quoting it', async () => {
	const wrongSecret = `not-${mra.clientSecret}`;
	const error = await send(
		[jdoe],
		[
			client({
				method: 'oauth2',
				tokenUrl: mra.tokenUrl,
				clientId: mra.clientId,
				clientSecret: wrongSecret,
			}).smsChannel(),
		],
	).then(
		() => undefined,
		(failure: unknown) => failure as RequestError,
	);
	expect(error).toBeInstanceOf(RequestError);
	expect(error?.kind).toBe('invalidCredentials');
	expect(`${error?.message} ${error?.hint} ${JSON.stringify(error)}`).not.toContain(wrongSecret);
	const wrongPassword = `not-${mra.password}`;
	const basicError = await send(
		[jdoe],
		[client({ method: 'basic', username: mra.username, password: wrongPassword }).smsChannel()],
	).then(
		() => undefined,
		(failure: unknown) => failure as RequestError,
	);
	expect(basicError?.kind).toBe('invalidCredentials');
	expect(`${basicError?.message} ${basicError?.hint}`).not.toContain(wrongPassword);
	const results = await send([jdoe], [client().smsChannel()]);
	expect(JSON.stringify(results)).not.toContain(mra.clientSecret);
	expect(JSON.stringify(mra.requests)).not.toContain(mra.clientSecret);
});

describe('the emulator refuses what Cloud Messaging refuses', () => {
	const authorization = () => `Basic ${Buffer.from(`${mra.username}:${mra.password}`).toString('base64')}`;
	const post = (path: string, json: unknown) =>
		push.transport.request({
			method: 'POST',
			url: `${mra.baseUrl}/mra/v1${path}`,
			headers: { authorization: authorization() },
			json,
		});
	const inner = (request: unknown) => ({
		domain: 'MR',
		filename: 'push.json',
		data: Buffer.from(JSON.stringify(request)).toString('base64'),
	});

	test.each([
		['an SMS with a misspelled field', '/outbound/sms', { destinations: [{ sms: '+15551230001' }], smsText: 'hi' }],
		['an SMS destination without a number', '/outbound/sms', { destinations: [{ ref: '1' }], sms_text: 'hi' }],
		[
			'an SMS destination with an unknown field',
			'/outbound/sms',
			{ destinations: [{ sms: '+15551230001', mobile: '+1' }], sms_text: 'hi' },
		],
		['an SMS text that is no text', '/outbound/sms', { destinations: [{ sms: '+15551230001' }], sms_text: 42 }],
		[
			'an email destination without an address',
			'/outbound/emails',
			{ destinations: [{ ref: '1' }], body: [{ name: 'a.txt', type: 'text', data: 'aGk=' }] },
		],
		[
			'an email with a misspelled option',
			'/outbound/emails',
			{
				options: { email_option: { subject: 's' } },
				destinations: [{ email: 'a@example.com' }],
				body: [{ name: 'a.txt', type: 'text', data: 'aGk=' }],
			},
		],
		[
			'an email body part without data',
			'/outbound/emails',
			{ destinations: [{ email: 'a@example.com' }], body: [{ name: 'a.txt', type: 'text' }] },
		],
		[
			'a parser request with an unknown field',
			'/utils/parser',
			{ ...inner({ destinations: [{ device_token: 't' }], notification: { title: 'x' } }), file: 'x' },
		],
		[
			'a push destination without a token or topic',
			'/utils/parser',
			inner({ destinations: [{ ref: '1' }], notification: { title: 'x' } }),
		],
		['a push without content', '/utils/parser', inner({ destinations: [{ device_token: 't' }] })],
	])('%s', async (_what, path, json) => {
		const response = await post(path, json);
		expect(response.status).toBe(400);
		expect(mra.submissions).toHaveLength(0);
	});

	test('a body without the JSON content type', async () => {
		const response = await fetch(`${mra.baseUrl}/mra/v1/outbound/sms`, {
			method: 'POST',
			headers: { authorization: authorization() },
			body: new TextEncoder().encode(JSON.stringify({ destinations: [{ sms: '+15551230001' }], sms_text: 'hi' })),
		});
		expect(response.status).toBe(415);
		expect(mra.submissions).toHaveLength(0);
	});

	test('an OAuth token expires after the lifetime it was issued with; the client signs in again', async () => {
		const shortLived = await startMraEmulator({ tokenLifetimeSeconds: 1 });
		try {
			const channel = new MraClient(push.transport, {
				baseUrl: shortLived.baseUrl,
				auth: {
					method: 'oauth2',
					tokenUrl: shortLived.tokenUrl,
					clientId: shortLived.clientId,
					clientSecret: shortLived.clientSecret,
				},
			}).smsChannel();
			const first = await push.send([jdoe], message, { channels: [channel] });
			expect(first[0].status).toBe('sent');
			await new Promise((resolve) => setTimeout(resolve, 1_100));
			// The old token is refused now...
			const stale = await push.transport.request({
				method: 'GET',
				url: `${shortLived.baseUrl}/mra/v1/outbound/sms/status`,
				qs: { job_id: String(first[0].messageId) },
				headers: { authorization: `Bearer ${shortLived.lastIssuedToken}` },
			});
			expect(stale.status).toBe(401);
			// ...and the client gets a new one.
			const second = await push.send([jdoe], { ...message, title: 'Again' }, { channels: [channel] });
			expect(second[0].status).toBe('sent');
			expect(shortLived.issuedTokens).toBe(2);
		} finally {
			await shortLived.stop();
		}
	});
});
