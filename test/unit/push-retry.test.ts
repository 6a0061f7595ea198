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

test('whatever attempt count or delays the policy holds (NaN, 1e9, Infinity), a request is tried at most 10 times', async () => {
	for (const retry of [
		{ maxAttempts: Number.NaN },
		{ maxAttempts: 1e9 },
		{ maxAttempts: Number.POSITIVE_INFINITY, baseDelayMs: Number.NaN, maxDelayMs: Number.NaN },
	]) {
		const waits: number[] = [];
		const busy = scripted([status(503)]);
		const guard = {
			async request(request: Parameters<HttpTransport['request']>[0]) {
				if (busy.calls >= 50) throw new Error('still retrying after 50 attempts');
				return busy.request(request);
			},
		};
		const outcome = await sendWithRetry(guard, request, { ...retry, sleep: async (ms) => void waits.push(ms) });
		expect(outcome.attempts).toBeLessThanOrEqual(10);
		expect(outcome.response?.status).toBe(503);
		expect(waits.every((ms) => Number.isFinite(ms) && ms >= 0)).toBe(true);
	}
});

test('Retry Ambiguous Failures off: a reset or timeout after sending ends the request with its own error; refusals and 503 are still retried', async () => {
	const sleep = async () => undefined;
	const policy = { sleep, retryAmbiguous: false };
	for (const code of ['ECONNRESET', 'ETIMEDOUT', 'ECONNABORTED']) {
		const failure = new HttpNetworkError(code, `${code} on send`);
		const transport = scripted([failure, status(200)]);
		const result = await sendWithRetry(transport, request, policy);
		expect(result).toEqual({ failure, attempts: 1, ambiguous: true });
		expect(transport.calls).toBe(1);
		// The default repeats it.
		expect(await sendWithRetry(scripted([failure, status(200)]), request, { sleep })).toMatchObject({
			attempts: 2,
			response: { status: 200 },
		});
	}
	const refused = scripted([new HttpNetworkError('ECONNREFUSED', 'refused'), status(503), status(200)]);
	expect(await sendWithRetry(refused, request, policy)).toMatchObject({ attempts: 3, response: { status: 200 } });
});

test("Retry Ambiguous Failures off: a timeout noticed by the retry loop's own deadline (the answer never completed) is not sent again either", async () => {
	let calls = 0;
	const stalling: HttpTransport = {
		request: () => {
			calls++;
			return new Promise<HttpResponse>(() => undefined);
		},
	};
	const result = await sendWithRetry(
		stalling,
		{ ...request, timeoutMs: 50 },
		{ sleep: async () => undefined, retryAmbiguous: false },
	);
	expect(calls).toBe(1);
	expect(result).toMatchObject({ attempts: 1, ambiguous: true });
	expect((result.failure as HttpNetworkError).code).toBe('ETIMEDOUT');
	// The default sends it again.
	calls = 0;
	await sendWithRetry(stalling, { ...request, timeoutMs: 50 }, { sleep: async () => undefined, maxAttempts: 2 });
	expect(calls).toBe(2);
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
