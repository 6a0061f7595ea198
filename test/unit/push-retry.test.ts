import { sendWithRetry } from '../../core/push/retry';
import { HttpNetworkError, type HttpResponse, type HttpTransport } from '../../transport/http/types';

/** How push requests are retried: through requestWithRetry, counting attempts, with 500 treated as transient. */
function scripted(steps: Array<HttpResponse | Error>): HttpTransport & { calls: number } {
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

const status = (code: number, headers: Record<string, string> = {}): HttpResponse => ({
	status: code,
	headers,
	body: {},
});
const request = { method: 'POST' as const, url: 'http://push/send', json: {} };

test('a 500 is retried, and a last 500 is reported as 500, not as the 503 the retry loop saw', async () => {
	const waits: number[] = [];
	const sleep = async (ms: number) => void waits.push(ms);
	const recovered = await sendWithRetry(scripted([status(500), status(200)]), request, { sleep, baseDelayMs: 10 });
	expect(recovered).toMatchObject({ attempts: 2, response: { status: 200 } });
	const failed = await sendWithRetry(scripted([status(500)]), request, { sleep, maxAttempts: 3, baseDelayMs: 10 });
	expect(failed.attempts).toBe(3);
	expect(failed.response?.status).toBe(500);
	expect(failed.response?.headers).toEqual({});
});

test('Retry-After is honoured, and a 400 is answered at once', async () => {
	const waits: number[] = [];
	const sleep = async (ms: number) => void waits.push(ms);
	const limited = await sendWithRetry(scripted([status(429, { 'retry-after': '3' }), status(200)]), request, { sleep });
	expect(limited.attempts).toBe(2);
	expect(waits).toEqual([3000]);
	const rejected = scripted([status(400), status(200)]);
	const answer = await sendWithRetry(rejected, request, { sleep });
	expect(answer).toMatchObject({ attempts: 1, response: { status: 400 } });
	expect(rejected.calls).toBe(1);
});

test('a broken connection is retried (the idempotency key makes it safe); the last failure is returned, not thrown', async () => {
	const reset = new HttpNetworkError('ECONNRESET', 'socket hang up');
	const outcome = await sendWithRetry(scripted([reset, reset]), request, {
		sleep: async () => undefined,
		maxAttempts: 2,
	});
	expect(outcome.attempts).toBe(2);
	expect(outcome.response).toBeUndefined();
	expect((outcome.failure as HttpNetworkError).code).toBe('ECONNRESET');
});

test('a 500 keeps the headers the server sent, and the caller hears of every retry', async () => {
	const events: Array<{ attempt: number; reason: string }> = [];
	const outcome = await sendWithRetry(
		scripted([status(500, { 'x-request-id': 'r-1' }), status(500, { 'x-request-id': 'r-2' })]),
		request,
		{ sleep: async () => undefined, maxAttempts: 2, onRetry: (event) => events.push(event) },
	);
	expect(outcome.response).toEqual({ status: 500, headers: { 'x-request-id': 'r-2' }, body: {} });
	expect(events).toEqual([expect.objectContaining({ attempt: 1, method: 'POST' })]);
	const other = await sendWithRetry(scripted([status(404, { 'x-request-id': 'r-3' })]), request, {});
	expect(other).toEqual({ response: { status: 404, headers: { 'x-request-id': 'r-3' }, body: {} }, attempts: 1 });
});
