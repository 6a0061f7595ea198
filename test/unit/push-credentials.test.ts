/**
 * The push credentials' `authenticate` (what n8n adds to each request, the HTTP Request node's included), and
 * the transport over n8n's authenticated requests: the first request of an execution goes alone, requests
 * refused together cause one renewal, and a failed sign-in is thrown as itself. The renewal and token reuse in
 * a real n8n are in test/n8n/push-credentials.test.ts.
 */
import type { IExecuteFunctions, IHttpRequestOptions } from 'n8n-workflow';

import { OpenTextAppWorksGatewayApi } from '../../credentials/OpenTextAppWorksGatewayApi.credentials';
import { OpenTextCloudMessagingApi } from '../../credentials/OpenTextCloudMessagingApi.credentials';
import { RequestError } from '../../core/errors';
import { n8nAuthenticatedTransport, signingIn } from '../../nodes/shared/authenticated-transport';

const request = (body?: string): IHttpRequestOptions => ({
	url: 'https://gateway.example.com/x',
	method: 'POST',
	headers: { 'content-type': 'application/x-www-form-urlencoded' },
	body,
});

describe('the push credentials sign requests', () => {
	test('AppWorks Gateway: the otagAppKey header (service API), or the key form field (trusted-server API)', async () => {
		const credential = new OpenTextAppWorksGatewayApi();
		const service = await credential.authenticate({ apiType: 'service', appKey: 'app-key-1' }, request());
		expect(service.headers).toMatchObject({ otagAppKey: 'app-key-1' });
		expect(service.skipSslCertificateValidation).toBe(false);

		const trusted = await credential.authenticate(
			{ apiType: 'trustedServer', trustedServerKey: 'tsk&1', ignoreSslIssues: true },
			request('message=%7B%7D&users=jdoe'),
		);
		expect(Object.fromEntries(new URLSearchParams(trusted.body as string))).toEqual({
			message: '{}',
			users: 'jdoe',
			key: 'tsk&1',
		});
		expect(trusted.headers).not.toHaveProperty('otagAppKey');
		expect(trusted.skipSslCertificateValidation).toBe(true);
		// A form given as fields (as the HTTP Request node may pass it) gets the field too.
		const fields = await credential.authenticate(
			{ apiType: 'trustedServer', trustedServerKey: 'tsk-2' },
			{ ...request(), body: { users: 'a' } },
		);
		expect(fields.body).toEqual({ users: 'a', key: 'tsk-2' });
	});

	test('Cloud Messaging: Basic from the fields, or the stored tenant token as Bearer', async () => {
		const credential = new OpenTextCloudMessagingApi();
		const basic = await credential.authenticate(
			{ authentication: 'basic', username: 'user', password: 'pa:ss' },
			request(),
		);
		expect(basic.headers?.Authorization).toBe(`Basic ${Buffer.from('user:pa:ss').toString('base64')}`);
		const oauth = await credential.authenticate(
			{ authentication: 'oauth2', tokenUrl: 'https://t.example.com/token', accessToken: 'tok-9' },
			request(),
		);
		expect(oauth.headers?.Authorization).toBe('Bearer tok-9');
	});
});

/**
 * A stand-in for n8n's httpRequestWithAuthentication: it answers with the token it holds, renews it (counting)
 * when a request in throwing mode is refused, as n8n does with preAuthentication, and stores it for all.
 */
function fakeN8n(options: { signIn?: () => Promise<string> } = {}) {
	const state = { token: '', issued: 0, valid: new Set<string>(), inFlight: 0, maxInFlight: 0 };
	const signIn =
		options.signIn ??
		(async () => {
			state.issued++;
			return `t${state.issued}`;
		});
	const refresh = async () => {
		state.token = await signIn();
		state.valid.add(state.token);
	};
	const answer = async (token: string, throwing: boolean) => {
		state.inFlight++;
		state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
		await new Promise((resolve) => setTimeout(resolve, 5));
		state.inFlight--;
		const status = state.valid.has(token) ? 200 : 401;
		if (status === 401 && throwing) throw Object.assign(new Error('401'), { response: { status: 401 } });
		return { statusCode: status, headers: {}, body: '{}' };
	};
	const context = {
		helpers: {
			async httpRequestWithAuthentication(_type: string, options: IHttpRequestOptions) {
				if (state.token === '') await refresh();
				const throwing = options.ignoreHttpStatusErrors !== true;
				try {
					return await answer(state.token, throwing);
				} catch {
					await refresh();
					return await answer(state.token, throwing);
				}
			},
		},
	} as unknown as IExecuteFunctions;
	return { context, state };
}

describe("the transport over n8n's authenticated requests", () => {
	const send = (transport: ReturnType<typeof n8nAuthenticatedTransport>, count: number) =>
		Promise.all(
			Array.from({ length: count }, (_, i) => transport.request({ method: 'POST', url: `https://s.example.com/${i}` })),
		);

	test('the first request goes alone, so the token is fetched once for many concurrent requests', async () => {
		const { context, state } = fakeN8n();
		const answers = await send(n8nAuthenticatedTransport(context, 'someApi'), 10);
		expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
		expect(state.issued).toBe(1);
		expect(state.maxInFlight).toBeGreaterThan(1);
	});

	test('the credential the node read goes with every request, so n8n does not read and decrypt it again', async () => {
		const given: unknown[] = [];
		const context = {
			getNode: () => ({ credentials: { someApi: { id: '7', name: 'Gateway' } } }),
			helpers: {
				async httpRequestWithAuthentication(_type: string, _options: IHttpRequestOptions, additional?: unknown) {
					given.push(additional);
					return { statusCode: 200, headers: {}, body: '{}' };
				},
			},
		} as unknown as IExecuteFunctions;
		const credential = { appKey: 'k' };
		await send(n8nAuthenticatedTransport(context, 'someApi', { credential }), 5);
		expect(given).toHaveLength(5);
		for (const additional of given) {
			expect(additional).toEqual({
				credentialsDecrypted: { id: '7', name: 'Gateway', type: 'someApi', data: { appKey: 'k' } },
			});
			// The same object: a token n8n renews into it serves the next requests.
			expect((additional as { credentialsDecrypted: { data: unknown } }).credentialsDecrypted.data).toBe(credential);
		}
	});

	test('requests refused together renew the token once, and are all answered', async () => {
		const { context, state } = fakeN8n();
		const transport = n8nAuthenticatedTransport(context, 'someApi');
		await send(transport, 1);
		state.valid.clear();
		const answers = await send(transport, 10);
		expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
		expect(state.issued).toBe(2);
	});

	test('a 401 that `isExpired` says is no expiry is returned as it is, without renewal', async () => {
		const { context, state } = fakeN8n();
		const transport = n8nAuthenticatedTransport(context, 'someApi', { isExpired: () => false });
		await send(transport, 1);
		state.valid.clear();
		expect((await send(transport, 3)).map((a) => a.status)).toEqual([401, 401, 401]);
		expect(state.issued).toBe(1);
	});

	test('a renewal that fails fails its request only: the next refused request renews again', async () => {
		let failNext = false;
		let issued = 0;
		const { context, state } = fakeN8n({
			signIn: () =>
				signingIn(async () => {
					if (failNext) {
						failNext = false;
						throw new Error('token endpoint down');
					}
					return `t${++issued}`;
				}),
		});
		const transport = n8nAuthenticatedTransport(context, 'someApi');
		await send(transport, 1);
		state.valid.clear();
		failNext = true;
		await expect(send(transport, 1)).rejects.toThrow('token endpoint down');
		expect((await send(transport, 1)).map((a) => a.status)).toEqual([200]);
		expect(issued).toBe(2);
	});

	test("a failed sign-in is thrown as the sign-in's own error, not as a network failure", async () => {
		const failure = new RequestError('unreachable', 'The token endpoint did not answer', 'Check the URL');
		const { context } = fakeN8n({ signIn: () => signingIn(() => Promise.reject(failure)) });
		// n8n wraps the error and keeps only its text.
		const wrapping = {
			helpers: {
				async httpRequestWithAuthentication(type: string, options: IHttpRequestOptions) {
					try {
						return await context.helpers.httpRequestWithAuthentication.call(context, type, options);
					} catch (error) {
						throw Object.assign(new Error('The service refused the connection'), {
							messages: [(error as Error).message],
						});
					}
				},
			},
		} as unknown as IExecuteFunctions;
		await expect(send(n8nAuthenticatedTransport(wrapping, 'someApi'), 1)).rejects.toBe(failure);
	});
});
