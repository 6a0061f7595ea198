/**
 * requestWithRetry's policy, observed through the waits it asks for and the requests it sends: exponential
 * backoff with jitter under a cap, Retry-After in seconds or as a date and its limit, what each safety class
 * repeats, and the attempt bound.
 */
import {
	requestWithRetry,
	retryAfterMs,
	signalSleep,
	type RetryEvent,
	type RetrySafety,
} from '../../transport/http/retry';
import { HttpNetworkError, type HttpRequest, type HttpResponse, type HttpTransport } from '../../transport/http/types';

const request: HttpRequest = { method: 'PUT', url: 'https://directory.example.com/otdsws/rest/users/x' };

const answer = (status: number, headers: Record<string, string> = {}): HttpResponse => ({ status, headers, body: {} });

/** A transport that answers with `steps` in turn (the last one repeated) and counts requests. */
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

/** The waits of a request that keeps failing with `failure` for `maxAttempts` attempts. */
async function waitsOf(
	failure: HttpResponse | Error,
	policy: { maxAttempts: number; baseDelayMs?: number; maxDelayMs?: number },
	safety: RetrySafety = 'read',
): Promise<number[]> {
	const waits: number[] = [];
	await requestWithRetry(scripted([failure]), request, safety, {
		...policy,
		sleep: async (ms) => void waits.push(ms),
	}).catch(() => undefined);
	return waits;
}

describe('backoff', () => {
	test('doubles per attempt from the base delay, each wait jittered between half and all of it', async () => {
		for (let run = 0; run < 25; run++) {
			const waits = await waitsOf(answer(503), { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 100_000 });
			expect(waits).toHaveLength(5);
			waits.forEach((wait, index) => {
				const full = 100 * 2 ** index;
				expect(wait).toBeGreaterThanOrEqual(full / 2);
				expect(wait).toBeLessThanOrEqual(full);
				expect(Number.isInteger(wait)).toBe(true);
			});
		}
	});

	test('the jitter spreads waits: not every wait is the same fraction of its step', async () => {
		const fractions = new Set<number>();
		for (let run = 0; run < 10; run++) {
			for (const wait of await waitsOf(answer(502), { maxAttempts: 2, baseDelayMs: 10_000 })) fractions.add(wait);
		}
		expect(fractions.size).toBeGreaterThan(1);
	});

	test('no wait is longer than maxDelayMs', async () => {
		for (let run = 0; run < 10; run++) {
			const waits = await waitsOf(answer(504), { maxAttempts: 7, baseDelayMs: 100, maxDelayMs: 250 });
			expect(waits.slice(2).every((wait) => wait >= 125 && wait <= 250)).toBe(true);
		}
	});

	test('defaults: four attempts, from about 300 ms, for network failures too', async () => {
		const waits = await waitsOf(new HttpNetworkError('ECONNRESET', 'reset'), { maxAttempts: 4 });
		expect(waits).toHaveLength(3);
		expect(waits[0]).toBeGreaterThanOrEqual(150);
		expect(waits[0]).toBeLessThanOrEqual(300);
		expect(waits[2]).toBeGreaterThanOrEqual(600);
		expect(waits[2]).toBeLessThanOrEqual(1200);
		const transport = scripted([answer(503)]);
		await requestWithRetry(transport, request, 'read', { sleep: async () => undefined });
		expect(transport.calls).toBe(4);
	});
});

describe('Retry-After', () => {
	const now = Date.parse('2026-11-26T10:00:00Z');

	test('reads seconds (whole or decimal) and HTTP dates; nothing readable is undefined', () => {
		expect(retryAfterMs(answer(429, { 'Retry-After': '2' }), now)).toBe(2000);
		expect(retryAfterMs(answer(429, { 'retry-after': ' 1.5 ' }), now)).toBe(1500);
		expect(retryAfterMs(answer(429, { 'retry-after': '0' }), now)).toBe(0);
		expect(retryAfterMs(answer(429, { 'retry-after': 'Thu, 26 Nov 2026 10:00:30 GMT' }), now)).toBe(30_000);
		expect(retryAfterMs(answer(429, { 'retry-after': 'Thu, 26 Nov 2026 09:59:00 GMT' }), now)).toBe(0);
		expect(retryAfterMs(answer(429, { 'retry-after': 'soon' }), now)).toBeUndefined();
		expect(retryAfterMs(answer(429, { 'retry-after': '5s' }), now)).toBeUndefined();
		expect(retryAfterMs(answer(429, { 'retry-after': 'a5' }), now)).toBeUndefined();
		expect(retryAfterMs(answer(429, { 'retry-after': '1.25' }), now)).toBe(1250);
		expect(retryAfterMs(answer(429, { 'retry-after': '' }), now)).toBeUndefined();
		expect(retryAfterMs(answer(429), now)).toBeUndefined();
	});

	test('is waited for up to maxRetryAfterMs; a longer one returns the answer at once', async () => {
		const waits: number[] = [];
		const sleep = async (ms: number) => void waits.push(ms);
		const limited = scripted([answer(429, { 'retry-after': '2' }), answer(200)]);
		const ok = await requestWithRetry(limited, request, 'write', { sleep, maxRetryAfterMs: 2000 });
		expect(ok.status).toBe(200);
		expect(waits).toEqual([2000]);
		const tooLong = scripted([answer(503, { 'retry-after': '3' }), answer(200)]);
		const refused = await requestWithRetry(tooLong, request, 'read', { sleep, maxRetryAfterMs: 2999 });
		expect(refused.status).toBe(503);
		expect(tooLong.calls).toBe(1);
		const beyondDefault = scripted([answer(429, { 'retry-after': '61' }), answer(200)]);
		expect((await requestWithRetry(beyondDefault, request, 'read', { sleep })).status).toBe(429);
		const withinDefault = scripted([answer(429, { 'retry-after': '60' }), answer(200)]);
		expect((await requestWithRetry(withinDefault, request, 'read', { sleep })).status).toBe(200);
	});

	test('an unreadable Retry-After falls back to the backoff', async () => {
		const waits: number[] = [];
		const transport = scripted([answer(429, { 'retry-after': 'later' }), answer(200)]);
		await requestWithRetry(transport, request, 'read', { sleep: async (ms) => void waits.push(ms), baseDelayMs: 40 });
		expect(waits).toHaveLength(1);
		expect(waits[0]).toBeGreaterThanOrEqual(20);
		expect(waits[0]).toBeLessThanOrEqual(40);
	});
});

describe('what is repeated', () => {
	const outcome = async (steps: Array<HttpResponse | Error>, safety: RetrySafety) => {
		const transport = scripted(steps);
		const events: RetryEvent[] = [];
		let result: number | string;
		try {
			result = (
				await requestWithRetry(transport, request, safety, {
					sleep: async () => undefined,
					onRetry: (event) => events.push(event),
				})
			).status;
		} catch (error) {
			result = (error as HttpNetworkError).code ?? 'thrown';
		}
		return { result, calls: transport.calls, events };
	};
	const reset = new HttpNetworkError('ECONNRESET', 'reset');
	const refused = new HttpNetworkError('ECONNREFUSED', 'refused');

	test('reads and idempotent writes repeat 502/503/504 and broken connections; plain writes do not', async () => {
		for (const status of [502, 503, 504]) {
			expect(await outcome([answer(status), answer(200)], 'read')).toMatchObject({ result: 200, calls: 2 });
			expect(await outcome([answer(status), answer(200)], 'idempotentWrite')).toMatchObject({ result: 200, calls: 2 });
			expect(await outcome([answer(status), answer(200)], 'write')).toMatchObject({ result: status, calls: 1 });
		}
		for (const code of [
			'ECONNRESET',
			'EPIPE',
			'ETIMEDOUT',
			'ECONNABORTED',
			'ESOCKETTIMEDOUT',
			'EAI_AGAIN',
			'UND_ERR_SOCKET',
		]) {
			const broken = new HttpNetworkError(code, 'broken');
			expect(await outcome([broken, answer(200)], 'idempotentWrite')).toMatchObject({ result: 200, calls: 2 });
			expect(await outcome([broken, answer(200)], 'write')).toMatchObject({ result: code, calls: 1 });
		}
	});

	test('every kind repeats a 429 and a refused connection (nothing was processed)', async () => {
		for (const safety of ['read', 'idempotentWrite', 'write'] as const) {
			expect(await outcome([answer(429), answer(200)], safety)).toMatchObject({ result: 200, calls: 2 });
			expect(await outcome([refused, answer(200)], safety)).toMatchObject({ result: 200, calls: 2 });
		}
	});

	test('other statuses and errors without a known code are answered at once', async () => {
		for (const status of [200, 400, 401, 404, 409, 500, 501]) {
			expect(await outcome([answer(status), answer(200)], 'read')).toMatchObject({ result: status, calls: 1 });
		}
		const unknown = new Error('bug');
		expect(await outcome([unknown, answer(200)], 'read')).toMatchObject({ result: 'thrown', calls: 1 });
		expect(await outcome([new HttpNetworkError('ENOTFOUND', 'no host'), answer(200)], 'read')).toMatchObject({
			result: 'ENOTFOUND',
			calls: 1,
		});
	});

	test('the last failure is returned or thrown after the last attempt', async () => {
		expect(await outcome([answer(503)], 'read')).toMatchObject({ result: 503, calls: 4 });
		expect(await outcome([reset], 'read')).toMatchObject({ result: 'ECONNRESET', calls: 4 });
	});

	test('each retry is announced with the failed attempt, the wait and the reason', async () => {
		const { events } = await outcome([answer(503), reset, answer(200)], 'read');
		expect(events).toEqual([
			{ attempt: 1, delayMs: expect.any(Number), reason: 'status 503', method: 'PUT', url: request.url },
			{ attempt: 2, delayMs: expect.any(Number), reason: 'ECONNRESET', method: 'PUT', url: request.url },
		]);
	});

	test('maxAttempts below one still sends once; one sends once', async () => {
		for (const maxAttempts of [0, -2, 1]) {
			const transport = scripted([answer(503), answer(200)]);
			const result = await requestWithRetry(transport, request, 'read', { maxAttempts, sleep: async () => undefined });
			expect(result.status).toBe(503);
			expect(transport.calls).toBe(1);
		}
	});
});

describe('signalSleep', () => {
	test('waits about the time asked, and not at all for zero or less', async () => {
		const started = Date.now();
		await signalSleep(0);
		await signalSleep(-10);
		expect(Date.now() - started).toBeLessThan(15);
		const before = Date.now();
		await signalSleep(40);
		expect(Date.now() - before).toBeGreaterThanOrEqual(35);
	});
});
