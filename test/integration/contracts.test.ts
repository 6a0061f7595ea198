import { requestOtdsCredential } from '../../core/otds/auth';
import { OtdsDirectory } from '../../core/otds/directory';
import { isExpiredTicketAnswer } from '../../core/otds/failures';
import { AppWorksChannel, fcmPushBody, pushBody } from '../../core/push/channels/appworks';
import { FcmChannel } from '../../core/push/channels/fcm';
import { MraClient } from '../../core/push/channels/mra';
import { dispatch } from '../../core/push/dispatcher';
import type { PushMessage } from '../../core/push/message';
import type { DeliveryResult, PushChannel, PushRecipient } from '../../core/push/types';
import { startOtdsEmulator, type OtdsEmulator } from '../../emulators/otds';
import { startAppWorksEmulator } from '../../emulators/push/appworks';
import { startFcmEmulator } from '../../emulators/push/fcm';
import { startMraEmulator } from '../../emulators/push/mra';
import { createAxiosTransport } from '../../tools/http/axios-transport';
import type { HttpMethod, HttpRequest, HttpResponse, HttpTransport } from '../../transport/http/types';
import otdsContracts from '../contracts/otds-rest.json';
import pushContracts from '../contracts/push.json';

/**
 * Contract fixtures (test/contracts/*.json), written from the public samples each names: every exchange is run
 * against the emulator (it must take the published request and answer in the published shape) and against our
 * client (it must send only published fields and read the published answer). The emulators' READMEs list them.
 */
const http = createAxiosTransport({ timeoutMs: 5_000 });
afterAll(() => http.close());

interface Exchange {
	name: string;
	source: string;
	request: { method: string; path: string; query?: Record<string, string>; body?: unknown; expiredTicket?: boolean };
	response: { status: number; body?: unknown };
}

/** `actual` has every field of `published`, with the same JSON type, recursively (lists: by their first item). */
function expectPublishedShape(actual: unknown, published: unknown, at = 'body'): void {
	if (published === null) return;
	if (Array.isArray(published)) {
		expect({ at, isList: Array.isArray(actual) }).toEqual({ at, isList: true });
		if (published.length > 0 && (actual as unknown[]).length > 0)
			expectPublishedShape((actual as unknown[])[0], published[0], `${at}[0]`);
		return;
	}
	if (typeof published === 'object') {
		expect({ at, isObject: typeof actual === 'object' && actual !== null && !Array.isArray(actual) }).toEqual({
			at,
			isObject: true,
		});
		for (const [name, value] of Object.entries(published as Record<string, unknown>)) {
			expect({ at, has: name in (actual as object) }).toEqual({ at, has: true });
			expectPublishedShape((actual as Record<string, unknown>)[name], value, `${at}.${name}`);
		}
		return;
	}
	expect({ at, type: actual === null ? 'null' : typeof actual }).toEqual({ at, type: typeof published });
}

/** Every field `sent` has is one the published request has too (we send nothing unpublished). */
function expectOnlyPublishedFields(sent: unknown, published: unknown, at = 'body'): void {
	if (typeof sent !== 'object' || sent === null || typeof published !== 'object' || published === null) return;
	if (Array.isArray(sent)) {
		if (Array.isArray(published) && published.length > 0)
			for (const item of sent) expectOnlyPublishedFields(item, published[0], `${at}[]`);
		return;
	}
	// An empty published object is a free-form map (data): any key.
	if (!Array.isArray(published) && Object.keys(published).length === 0) return;
	for (const [name, value] of Object.entries(sent as Record<string, unknown>)) {
		expect({ at, published: name in (published as object) ? name : undefined }).toEqual({ at, published: name });
		expectOnlyPublishedFields(value, (published as Record<string, unknown>)[name], `${at}.${name}`);
	}
}

/** A transport answering from fixtures, by method and decoded path; it records what was sent. */
function replay(
	answers: Array<{
		method: string;
		path: string | RegExp;
		response: HttpResponse | ((request: HttpRequest) => HttpResponse);
	}>,
) {
	const sent: HttpRequest[] = [];
	const transport: HttpTransport = {
		async request(request) {
			sent.push(request);
			const path = decodeURIComponent(new URL(request.url).pathname);
			const answer = answers.find(
				(candidate) =>
					candidate.method === request.method &&
					(typeof candidate.path === 'string' ? path.endsWith(candidate.path) : candidate.path.test(path)),
			);
			if (!answer) return { status: 404, headers: {}, body: { error: `no fixture for ${request.method} ${path}` } };
			return typeof answer.response === 'function' ? answer.response(request) : answer.response;
		},
	};
	return { transport, sent };
}
const answer = (exchange: Exchange): HttpResponse => ({
	status: exchange.response.status,
	headers: { 'content-type': 'application/json' },
	body: exchange.response.body ?? {},
});

describe('OTDS REST', () => {
	const exchanges = otdsContracts.exchanges as Exchange[];
	const exchange = (name: string) => exchanges.find((candidate) => candidate.name === name) as Exchange;
	const PASSWORD = 'Contract-Pass-1!';
	let otds: OtdsEmulator;

	beforeAll(async () => {
		otds = await startOtdsEmulator({ empty: true, adminPassword: 'Contract-Admin-1!' });
		const { user, group } = otdsContracts.seed;
		otds.store.createUser({ name: user.name, uuid: user.uuid, attributes: user.attributes, password: PASSWORD });
		otds.store.createGroup({
			name: group.name,
			uuid: group.uuid,
			description: group.description,
			members: [`${user.name}@${otds.store.partition}`],
		});
	});
	afterAll(() => otds?.stop());

	const signIn = async (userName: string, password: string) =>
		(
			(
				await http.request({
					method: 'POST',
					url: `${otds.url}/rest/authentication/credentials`,
					json: { userName, password },
				})
			).body as { ticket: string }
		).ticket;

	test.each(exchanges.map((candidate) => [candidate.name, candidate] as const))(
		'the emulator: %s',
		async (_name, { request, response }) => {
			let ticket = await signIn(otds.adminUser, otds.adminPassword);
			if (request.expiredTicket) otds.faults.expireAllTickets();
			const body = request.path.endsWith('/credentials')
				? { ...(request.body as object), password: PASSWORD }
				: request.body;
			if (request.path.endsWith('/credentials')) ticket = '';
			const answered = await http.request({
				method: request.method as HttpMethod,
				url: `${otds.url}${request.path.split('/').map(encodeURIComponent).join('/')}`,
				qs: request.query,
				json: body,
				headers: ticket ? { OTDSTicket: ticket } : {},
			});
			expect(answered.status).toBe(response.status);
			if (response.body !== undefined) expectPublishedShape(answered.body, response.body);
		},
	);

	test('the client signs in from the published answer and sends the ticket as OTDSTicket', async () => {
		const { transport, sent } = replay([
			{
				method: 'POST',
				path: '/rest/authentication/credentials',
				response: answer(exchange('sign-in with a user name and password')),
			},
		]);
		const credential = await requestOtdsCredential(transport, {
			method: 'ticket',
			baseUrl: 'https://otds.example.com/otdsws',
			userName: 'mkeller@Content Server Members',
			password: PASSWORD,
		});
		expect(credential).toMatchObject({ headerName: 'OTDSTicket', value: '*OTDSSSO*AbCd*' });
		expectOnlyPublishedFields(sent[0].json, {
			...(exchange('sign-in with a user name and password').request.body as object),
			targetResourceId: '',
		});
	});

	test('the client reads the published user, group and memberof answers, and writes the published PATCH', async () => {
		const user = exchange('a user read with attrsAsKeys=true');
		const { transport, sent } = replay([
			{ method: 'GET', path: '/rest/users/mkeller@Content Server Members', response: answer(user) },
			{ method: 'GET', path: '/rest/groups/Sales@Content Server Members', response: answer(exchange('a group')) },
			{
				method: 'GET',
				path: '/rest/users/mkeller@Content Server Members/memberof',
				response: answer(exchange("a person's groups, paged")),
			},
			{
				method: 'PATCH',
				path: '/rest/users/mkeller@Content Server Members',
				response: { status: 200, headers: {}, body: (user.response as { body: unknown }).body },
			},
		]);
		const directory = new OtdsDirectory(transport, {
			baseUrl: 'https://otds.example.com/otdsws',
			partition: 'Content Server Members',
			checkPartition: false,
		});
		const read = await directory.getUser('login', 'mkeller');
		expect(read).toMatchObject({
			id: otdsContracts.seed.user.uuid,
			login: 'mkeller@Content Server Members',
			mail: 'm.keller@example.com',
			memberOf: [`oTGroup=${otdsContracts.seed.group.uuid},dc=identity,dc=opentext,dc=net`],
		});
		const group = await directory.getGroup('name', 'Sales');
		expect(group).toMatchObject({ id: 'Sales@Content Server Members', description: 'Sales team', memberCount: 1 });
		// Already a member by the published memberof answer: nothing is written.
		expect(
			await directory.addGroupMember({ key: 'name', value: 'Sales' }, { key: 'login', value: 'mkeller' }),
		).toMatchObject({ changed: false });
		await directory.updateUserAttributes('login', 'mkeller', [
			{ attribute: 'title', action: 'set', values: ['Account Manager'] },
			{ attribute: 'description', action: 'set', values: ['Joined in March'] },
		]);
		const patch = sent.find((request) => request.method === 'PATCH');
		expect(patch?.json).toEqual(exchange('a user PATCH: values merged, description top-level').request.body);
	});

	test('the client creates users and groups and resets passwords with the published requests', async () => {
		const userRead = answer(exchange('a user read with attrsAsKeys=true'));
		const groupRead = answer(exchange('a group'));
		const absent: HttpResponse = {
			status: 404,
			headers: {},
			body: { status: 404, error: 'not found', errorDetails: null },
		};
		const created = new Set<string>();
		const readOnceCreated = (kind: 'users' | 'groups') => () =>
			created.has(kind) ? (kind === 'users' ? userRead : groupRead) : absent;
		const { transport, sent } = replay([
			{ method: 'GET', path: /\/rest\/users\/[^/]+$/, response: readOnceCreated('users') },
			{ method: 'GET', path: /\/rest\/groups\/[^/]+$/, response: readOnceCreated('groups') },
			{
				method: 'POST',
				path: '/rest/users',
				response: () => (created.add('users'), { status: 201, headers: {}, body: userRead.body }),
			},
			{
				method: 'POST',
				path: '/rest/groups',
				response: () => (created.add('groups'), { status: 201, headers: {}, body: groupRead.body }),
			},
			{ method: 'PUT', path: /\/password$/, response: { status: 204, headers: {}, body: '' } },
		]);
		const directory = new OtdsDirectory(transport, {
			baseUrl: 'https://otds.example.com/otdsws',
			partition: 'Content Server Members',
			checkPartition: false,
		});
		await directory.createUser({
			login: 'jnovak',
			givenName: 'Jana',
			surname: 'Novak',
			mail: 'j.novak@example.com',
			password: 'Contract-Reset-7!',
		});
		const newUser = sent.find((request) => request.method === 'POST' && request.url.endsWith('/rest/users'));
		expectOnlyPublishedFields(newUser?.json, exchange('a new user').request.body);
		const reset = sent.find((request) => request.method === 'PUT');
		expect(Object.keys(reset?.json as object)).toEqual(
			Object.keys(exchange('a password reset').request.body as object),
		);
		await directory.createGroup({ name: 'Marketing', description: 'Marketing team' });
		const newGroup = sent.find((request) => request.method === 'POST' && request.url.endsWith('/rest/groups'));
		expect(newGroup?.json).toEqual(exchange('a new group').request.body);
	});

	test('the client takes the published expired-ticket answer for "sign in again"', () => {
		expect(isExpiredTicketAnswer(answer(exchange('a call with an expired ticket')))).toBe(true);
	});
});

describe('push', () => {
	const message: PushMessage = {
		title: 'Quarter close',
		body: 'Ledgers lock at 18:00',
		data: { ticket: 'CHG-7' },
		priority: 'high',
		ttlSeconds: 3600,
		collapseKey: 'close',
	};
	const collect = async (
		recipients: PushRecipient[],
		channel: PushChannel,
		body: PushMessage = message,
	): Promise<DeliveryResult[]> => {
		const results: DeliveryResult[] = [];
		for await (const result of dispatch(recipients, body, {
			channels: [channel],
			messageKey: `contract-${Math.random()}`,
			retry: { maxAttempts: 1 },
		}))
			results.push(result);
		return results;
	};

	test('Cloud Messaging: the emulator takes the published requests and answers job status in the published shape; the client sends only published fields and reads the status', async () => {
		const mra = await startMraEmulator();
		try {
			const authorization = `Basic ${Buffer.from(`${mra.username}:${mra.password}`).toString('base64')}`;
			for (const { request, response } of pushContracts.mra as Exchange[]) {
				const answered = await http.request({
					method: 'POST',
					url: `${mra.baseUrl}${request.path}`,
					headers: { authorization },
					json: request.body,
				});
				expect({ request: request.path, status: answered.status }).toEqual({
					request: request.path,
					status: response.status,
				});
				expectPublishedShape(answered.body, response.body);
			}
			// The status names a delivery by the ref it was sent with (ref_base64): an SMS sent with one.
			const withRef = await http.request({
				method: 'POST',
				url: `${mra.baseUrl}/mra/v1/outbound/sms`,
				headers: { authorization },
				json: { destinations: [{ ref: '1', sms: '+15557654321' }], sms_text: 'With a ref' },
			});
			const jobId = (withRef.body as { job_id: string }).job_id;
			const status = pushContracts.mraStatus as Exchange;
			const answered = await http.request({
				method: 'GET',
				url: `${mra.baseUrl}${status.request.path}`,
				qs: { job_id: jobId },
				headers: { authorization },
			});
			expect(answered.status).toBe(200);
			expectPublishedShape(answered.body, status.response.body);

			const client = new MraClient(http, {
				baseUrl: mra.baseUrl,
				auth: { method: 'basic', username: mra.username, password: mra.password },
			});
			const person: PushRecipient = {
				kind: 'person',
				userId: 'u-1',
				mobile: '+15557654321',
				mail: 'm.keller@example.com',
			};
			expectOnlyPublishedFields(
				client.body('mraSms', { address: { kind: 'phone', value: '+15557654321' }, message, idempotencyKey: 'k' }).json,
				pushContracts.mra[0].request.body,
			);
			expectOnlyPublishedFields(
				client.body('mraEmail', {
					address: { kind: 'email', value: 'm.keller@example.com' },
					message,
					idempotencyKey: 'k',
				}).json,
				pushContracts.mra[3].request.body,
			);
			expect((await collect([person], client.smsChannel()))[0].status).toBe('sent');

			const { transport } = replay([{ method: 'GET', path: '/mra/v1/outbound/sms/status', response: answer(status) }]);
			const read = await new MraClient(transport, {
				baseUrl: 'https://mra.example.com',
				auth: { method: 'basic', username: 'u', password: 'p' },
			}).jobStatus('sms', 'xsi-123');
			expect(read).toMatchObject({
				jobState: ['Complete', 'Posted'],
				deliveries: [{ ref: '1', destinationKind: 'sms', destination: '+15557654321', state: 'Sent' }],
				events: { sms_delivery_events: [] },
			});
		} finally {
			await mra.stop();
		}
	});

	test('AppWorks Gateway: the emulator takes the published requests and answers errors in the published shape; the client sends only published fields and reads the errors', async () => {
		const gateway = await startAppWorksEmulator({ users: ['mkeller'], groups: { Sales: ['mkeller'] } });
		try {
			for (const { request, response } of pushContracts.appworks as Exchange[]) {
				const answered = await http.request({
					method: 'POST',
					url: `${gateway.gatewayUrl}${request.path}`,
					headers: { otagAppKey: gateway.apps.hrapp },
					json: request.body,
				});
				expect({ request: request.path, status: answered.status }).toEqual({
					request: request.path,
					status: response.status,
				});
				if (response.body !== undefined) expectPublishedShape(answered.body, response.body);
			}
			const [fcmPush, deprecated, error] = pushContracts.appworks as Exchange[];
			expectOnlyPublishedFields(fcmPushBody(message, ['mkeller'], ['Sales'], 'hrapp'), fcmPush.request.body);
			expectOnlyPublishedFields(pushBody(message, ['mkeller'], []), deprecated.request.body);

			const { transport } = replay([{ method: 'POST', path: /fcm-push$/, response: answer(error) }]);
			const channel = new AppWorksChannel(transport, {
				api: 'service',
				gatewayUrl: 'https://gateway.example.com',
				appName: 'hrapp',
				appKey: 'k',
			});
			const [result] = await collect([{ kind: 'person', userId: 'u-1', login: 'mkeller' }], channel);
			expect(result).toMatchObject({ status: 'failed', errorCode: 'INVALID_ARGUMENT' });
			expect(result.reason).toContain('The notification has no content');
		} finally {
			await gateway.stop();
		}
	});

	test('FCM: the emulator answers the published errors; the client turns each into the outcome the public facts give', async () => {
		const tokens = { dead: 'fcm-dead', invalid: 'fcm-invalid', thirdParty: 'fcm-third-party' };
		const fcm = await startFcmEmulator({
			deadTokens: [tokens.dead],
			invalidTokens: [tokens.invalid],
			thirdPartyAuthTokens: [tokens.thirdParty],
		});
		try {
			const live = new FcmChannel(http, { serviceAccount: fcm.account.json, baseUrl: fcm.baseUrl });
			for (const contract of pushContracts.fcm) {
				const token = tokens[contract.token as keyof typeof tokens];
				const [result] = await collect([{ kind: 'token', token }], live);
				expect({ contract: contract.name, ...result }).toMatchObject({ contract: contract.name, ...contract.outcome });
				const received = fcm.requests.filter((request) => request.path.endsWith('messages:send')).pop();
				expect(received?.status).toBe(contract.response.status);

				// The published answer itself, through a transport that gives exactly it.
				const { transport } = replay([
					{
						method: 'POST',
						path: '/token',
						response: {
							status: 200,
							headers: {},
							body: { access_token: 'ya29.contract', expires_in: 3600, token_type: 'Bearer' },
						},
					},
					{
						method: 'POST',
						path: /messages:send$/,
						response: { status: contract.response.status, headers: {}, body: contract.response.body },
					},
				]);
				const replayed = new FcmChannel(transport, {
					serviceAccount: fcm.account.json,
					baseUrl: 'https://fcm.example.com',
				});
				const [fromPublished] = await collect([{ kind: 'token', token }], replayed);
				expect({ contract: contract.name, ...fromPublished }).toMatchObject({
					contract: contract.name,
					...contract.outcome,
				});
			}
		} finally {
			await fcm.stop();
		}
	});
});
