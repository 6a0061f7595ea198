import { NotFoundError } from '../../core/errors';
import { normalizeOtdsBaseUrl, redact } from '../../core/otds/auth';
import { ConfigurationError } from '../../core/errors';
import { MraClient } from '../../core/push/channels/mra';
import { AppWorksChannel } from '../../core/push/channels/appworks';
import { acknowledgmentLink } from '../../core/push/ack-token';
import { explainOtdsResponse, isExpiredTicketAnswer } from '../../core/otds/failures';
import { explainNetworkFailure } from '../../transport/http/failures';
import { requestWithRetry, retryAfterMs, type RetrySafety } from '../../transport/http/retry';
import {
	HttpNetworkError,
	headerValue,
	jsonObject,
	networkErrorCode,
	type HttpResponse,
	type HttpTransport,
} from '../../transport/http/types';

/** The HTTP seam's pure parts: retry policy per request safety, Retry-After, and failure explanations. */
type Step = HttpResponse | Error;
const response = (status: number, headers: Record<string, string> = {}, body: unknown = {}): HttpResponse => ({
	status,
	headers,
	body,
});

function scripted(steps: Step[]): HttpTransport & { calls: number } {
	const transport = {
		calls: 0,
		async request(): Promise<HttpResponse> {
			const step = steps[Math.min(transport.calls++, steps.length - 1)];
			if (step instanceof Error) throw step;
			return step;
		},
	};
	return transport;
}

async function run(steps: Step[], safety: RetrySafety) {
	const waits: number[] = [];
	const transport = scripted(steps);
	const outcome = await requestWithRetry(
		transport,
		{ method: safety === 'read' ? 'GET' : 'PATCH', url: 'http://otds/otdsws/rest/users' },
		safety,
		{
			maxAttempts: 4,
			baseDelayMs: 100,
			sleep: async (ms) => {
				waits.push(ms);
			},
		},
	).then(
		(value) => value.status,
		(error: Error) => (error as HttpNetworkError).code,
	);
	return { outcome, calls: transport.calls, waits };
}

const reset = () => new HttpNetworkError('ECONNRESET', 'socket hang up');
const refused = () => new HttpNetworkError('ECONNREFUSED', 'refused');

describe('requestWithRetry', () => {
	it('retries reads on 429, 503 and broken connections, honouring Retry-After', async () => {
		expect(await run([response(429, { 'Retry-After': '2' }), response(503), reset(), response(200)], 'read')).toEqual({
			outcome: 200,
			calls: 4,
			waits: [2000, expect.any(Number), expect.any(Number)],
		});
	});

	it('gives up after maxAttempts, returning the last answer or error', async () => {
		expect((await run([response(503)], 'read')).outcome).toBe(503);
		expect(await run([reset()], 'read')).toMatchObject({ outcome: 'ECONNRESET', calls: 4 });
	});

	it('never retries what is not transient', async () => {
		for (const status of [400, 401, 403, 404, 409, 500])
			expect(await run([response(status), response(200)], 'read')).toMatchObject({ outcome: status, calls: 1 });
		expect(await run([new HttpNetworkError('ENOTFOUND', 'dns'), response(200)], 'read')).toMatchObject({
			outcome: 'ENOTFOUND',
			calls: 1,
		});
	});

	it('retries a plain write only where the server certainly did nothing: 429 and refused connections', async () => {
		expect(await run([response(429), refused(), response(201)], 'write')).toMatchObject({ outcome: 201, calls: 3 });
		expect(await run([response(503), response(201)], 'write')).toMatchObject({ outcome: 503, calls: 1 });
		expect(await run([reset(), response(201)], 'write')).toMatchObject({ outcome: 'ECONNRESET', calls: 1 });
	});

	it('retries an idempotent write like a read', async () => {
		expect(await run([response(503), reset(), response(200)], 'idempotentWrite')).toMatchObject({
			outcome: 200,
			calls: 3,
		});
	});

	it('does not wait for a Retry-After beyond the allowed maximum', async () => {
		expect(await run([response(429, { 'retry-after': '3600' }), response(200)], 'read')).toMatchObject({
			outcome: 429,
			calls: 1,
		});
	});
});

describe('helpers', () => {
	it('read Retry-After as seconds or an HTTP date', () => {
		expect(retryAfterMs(response(429, { 'retry-after': '1.5' }))).toBe(1500);
		const now = Date.parse('2025-01-24T10:00:00Z');
		expect(retryAfterMs(response(429, { 'retry-after': 'Fri, 24 Jan 2025 10:00:30 GMT' }), now)).toBe(30_000);
		expect(retryAfterMs(response(429, { 'retry-after': 'soon' }))).toBeUndefined();
	});

	it('read headers, JSON bodies and error codes leniently', () => {
		expect(headerValue({ 'Content-Type': ['a', 'b'] }, 'content-type')).toBe('a');
		expect(jsonObject('{"a":1}')).toEqual({ a: 1 });
		expect(jsonObject('<html>')).toBeUndefined();
		expect(jsonObject([1])).toBeUndefined();
		expect(networkErrorCode({ message: 'wrapped', cause: { cause: { code: 'ECONNRESET' } } })).toBe('ECONNRESET');
	});

	it('redact every secret', () => {
		expect(redact('user=a password=hunter22 token=hunter22', ['hunter22', undefined, ''])).toBe(
			'user=a password=*** token=***',
		);
	});
});

describe('explaining failures', () => {
	const context = { what: 'read user "x"', url: 'https://otds.example.com/otdsws/rest/users/x' };

	it('maps statuses to kinds with hints', () => {
		const kinds = [400, 401, 403, 404, 409, 429, 500, 503, 418].map((status) =>
			explainOtdsResponse(response(status, {}, { status, error: 'boom' }), context),
		);
		expect(kinds.map((error) => (error as { kind?: string }).kind)).toEqual([
			'invalidInput',
			'invalidCredentials',
			'insufficientAccess',
			'noSuchObject',
			'invalidInput',
			'unreachable',
			'protocol',
			'unreachable',
			'protocol',
		]);
		expect(kinds[0].message).toBe('OTDS rejected the request to read user "x" (HTTP 400): boom');
		expect(
			explainOtdsResponse(response(404), { ...context, notFound: () => new NotFoundError('no x') }),
		).toBeInstanceOf(NotFoundError);
	});

	it('recognizes an expired ticket in a 401 or in the 400 pyxecm reports', () => {
		expect(isExpiredTicketAnswer(response(401))).toBe(true);
		expect(
			isExpiredTicketAnswer(response(400, {}, { status: 1034, error: 'Expired OTDS SSO ticket', errorDetails: null })),
		).toBe(true);
		expect(isExpiredTicketAnswer(response(400, {}, { status: 400, error: 'Attribute x is read-only' }))).toBe(false);
		// OTDS's status 1034 says it, whatever the text (localised servers word it differently).
		expect(
			isExpiredTicketAnswer(
				response(400, {}, { status: 1034, error: 'Le ticket SSO OTDS a expiré', errorDetails: null }),
			),
		).toBe(true);
	});

	it('explains network errors from their code only', () => {
		const leaky = Object.assign(new Error('connect ECONNREFUSED; headers: {"OTDSTicket":"*OTDSSSO*abc*"}'), {
			code: 'ECONNREFUSED',
		});
		const explained = explainNetworkFailure(leaky, 'https://otds.example.com/otdsws/rest/users');
		expect(explained).toMatchObject({ kind: 'unreachable', server: 'https://otds.example.com' });
		expect(explained.message).not.toContain('OTDSSSO');
		expect(explainNetworkFailure({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }, 'https://otds')).toMatchObject({
			kind: 'tlsCertificate',
		});
		expect(explainNetworkFailure({ code: 'ETIMEDOUT' }, 'https://otds')).toMatchObject({ kind: 'timeout' });
	});
});

describe('URLs with a user name and password in them are never repeated in errors', () => {
	it('OTDS Server URL, Cloud Messaging Base URL, AppWorks Gateway URL and the acknowledgment webhook', () => {
		const attempts: Array<[string, () => unknown]> = [
			['Server URL', () => normalizeOtdsBaseUrl('https://admin:S3cret-pw@otds example.com')],
			['Server URL', () => normalizeOtdsBaseUrl('https://admin:S3cret-pw@otds.example.com')],
			[
				'Base URL',
				() =>
					new MraClient(
						{ request: async () => ({ status: 200, headers: {}, body: {} }) },
						{
							baseUrl: 'https://admin:S3cret-pw@t2api.us.cloudmessaging.opentext.com',
							auth: { method: 'oauth2', tokenUrl: 'https://t/token', clientId: 'c', clientSecret: 's' },
						},
					),
			],
			[
				'Gateway URL',
				() =>
					new AppWorksChannel(
						{ request: async () => ({ status: 200, headers: {}, body: {} }) },
						{ api: 'trustedServer', gatewayUrl: 'https://admin:S3cret-pw@gw.example.com', trustedServerKey: 'k' },
					),
			],
			['Acknowledgment Webhook URL', () => acknowledgmentLink('admin:S3cret-pw@no-scheme/x', 'token')],
			['Acknowledgment Webhook URL', () => acknowledgmentLink('https://admin:S3cret-pw@n8n.example.com/x', 'token')],
		];
		for (const [field, attempt] of attempts) {
			let failure: unknown;
			try {
				attempt();
			} catch (error) {
				failure = error;
			}
			expect([field, failure]).toEqual([field, expect.any(ConfigurationError)]);
			expect((failure as ConfigurationError).field).toBe(field);
			expect((failure as Error).message).not.toContain('S3cret-pw');
		}
	});
});
