import {
	headerValue,
	HttpNetworkError,
	networkErrorCode,
	type HttpRequest,
	type HttpResponse,
	type HttpTransport,
} from './types';

/**
 * How safe it is to send a request again when the first attempt may or may not have reached the server:
 * - `read`: GET; always safe.
 * - `idempotentWrite`: a write whose repetition leaves the same state (PUT/PATCH of absolute values, adding
 *   to or removing from a set). Safe to repeat even if the first attempt was applied.
 * - `write`: anything else (creating objects, counters). Repeated only when the server certainly did
 *   not process it: a 429 (refused before any work) or a refused connection (the request never left).
 */
export type RetrySafety = 'read' | 'idempotentWrite' | 'write';

export interface RetryPolicy {
	/** Attempts in total, the first included (default 4, at most MAX_ATTEMPTS). 1 disables retries. */
	maxAttempts?: number;
	/** First backoff delay (default 300 ms); doubles per attempt, with jitter. */
	baseDelayMs?: number;
	/** Upper bound of a computed backoff delay (default 5 s). */
	maxDelayMs?: number;
	/** A Retry-After longer than this is not waited for: the 429/503 is returned to the caller (default 60 s). */
	maxRetryAfterMs?: number;
	/** Waits; injectable for tests and for n8n's own `sleep` helper. */
	sleep?: (ms: number) => Promise<void>;
	/** Called before each wait, e.g. to log. */
	onRetry?: (event: RetryEvent) => void;
	/**
	 * Whether a request whose connection broke or timed out after it went out (so the server may have it) is
	 * sent again where `safety` allows (default true). false: such a failure is final, whoever noticed it (the
	 * transport, or this loop's own deadline); see isAmbiguousFailure.
	 */
	retryAmbiguous?: boolean;
}

export interface RetryEvent {
	/** The attempt that failed, from 1. */
	attempt: number;
	delayMs: number;
	/** `status 429`, `status 503`, or a network error code. */
	reason: string;
	method: string;
	url: string;
}

const DEFAULTS = { maxAttempts: 4, baseDelayMs: 300, maxDelayMs: 5_000, maxRetryAfterMs: 60_000 };
/** The most attempts any request gets, whatever the policy says. */
export const MAX_ATTEMPTS = 10;

/** A finite number, or the default (for undefined, NaN and the infinities). */
const finiteOr = (value: number | undefined, fallback: number): number =>
	typeof value === 'number' && Number.isFinite(value) ? value : fallback;

/** Statuses that say "not now": the server or a proxy in front of it is overloaded or restarting. */
const TRANSIENT_STATUSES = new Set([502, 503, 504]);
/** The request never reached a server: repeating it cannot apply anything twice. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED']);
/** The connection broke or timed out after the request may have been received. */
const AMBIGUOUS_CODES = new Set([
	'ECONNRESET',
	'EPIPE',
	'ETIMEDOUT',
	'ECONNABORTED',
	'ESOCKETTIMEDOUT',
	'UND_ERR_SOCKET',
]);
/** Worth another attempt for a request that may be repeated: the ambiguous ones, and a name lookup that failed. */
const BROKEN_CODES = new Set([...AMBIGUOUS_CODES, 'EAI_AGAIN']);

/** Whether `error` says the request may have reached the server before the connection broke or timed out. */
export function isAmbiguousFailure(error: unknown): boolean {
	return AMBIGUOUS_CODES.has(networkErrorCode(error) ?? '');
}

/**
 * Waits without the timer globals that n8n Cloud forbids in community nodes: AbortSignal.timeout fires after
 * `ms`. Its timer does not keep a process alive by itself, which is fine wherever a request is in flight;
 * the n8n adapter passes n8n-workflow's `sleep` instead.
 */
export function signalSleep(ms: number): Promise<void> {
	if (ms <= 0) return Promise.resolve();
	return new Promise((resolve) =>
		AbortSignal.timeout(Math.ceil(ms)).addEventListener('abort', () => resolve(), { once: true }),
	);
}

/**
 * One attempt within `request.timeoutMs` from start to the whole answer. A transport's own timeout may only watch
 * for silence (a server sending a byte every few seconds would hold it for ever): at the deadline the attempt
 * is aborted and fails as ETIMEDOUT, whether or not the transport heeds the signal.
 */
function withDeadline(transport: HttpTransport, request: HttpRequest): Promise<HttpResponse> {
	const timeoutMs = request.timeoutMs;
	if (timeoutMs === undefined || !Number.isFinite(timeoutMs) || timeoutMs <= 0) return transport.request(request);
	const controller = new AbortController();
	const deadline = AbortSignal.timeout(Math.ceil(timeoutMs));
	return new Promise<HttpResponse>((resolve, reject) => {
		const expire = () => {
			controller.abort();
			reject(new HttpNetworkError('ETIMEDOUT', `No complete answer within ${Math.ceil(timeoutMs)} ms`));
		};
		deadline.addEventListener('abort', expire, { once: true });
		transport.request({ ...request, signal: controller.signal }).then(
			(response) => {
				deadline.removeEventListener('abort', expire);
				resolve(response);
			},
			(error: unknown) => {
				deadline.removeEventListener('abort', expire);
				reject(error);
			},
		);
	});
}

/** Seconds or an HTTP date, as Retry-After allows; undefined when absent or unreadable. */
export function retryAfterMs(response: HttpResponse, now: number = Date.now()): number | undefined {
	const value = headerValue(response.headers, 'retry-after')?.trim();
	if (!value) return undefined;
	if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
	const date = Date.parse(value);
	return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function backoff(policy: { baseDelayMs: number; maxDelayMs: number }, attempt: number): number {
	const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
	return Math.round(exponential * (0.5 + Math.random() * 0.5));
}

/**
 * Sends a request, retrying what is worth retrying: 429 (honouring Retry-After), 502/503/504, and broken
 * connections, each according to `safety`. Resolves with the last response (the caller maps statuses to
 * errors) or rejects with the last network error.
 */
export async function requestWithRetry(
	transport: HttpTransport,
	request: HttpRequest,
	safety: RetrySafety,
	retry: RetryPolicy = {},
): Promise<HttpResponse> {
	// Whatever reached here (an expression giving NaN or 1e9), a request is tried at most MAX_ATTEMPTS times and
	// waits are real durations; callers that take these from the user check them first and say what is wrong.
	const policy = {
		maxAttempts: Math.min(MAX_ATTEMPTS, Math.max(1, Math.floor(finiteOr(retry.maxAttempts, DEFAULTS.maxAttempts)))),
		baseDelayMs: Math.max(0, finiteOr(retry.baseDelayMs, DEFAULTS.baseDelayMs)),
		maxDelayMs: Math.max(0, finiteOr(retry.maxDelayMs, DEFAULTS.maxDelayMs)),
		maxRetryAfterMs: Math.max(0, finiteOr(retry.maxRetryAfterMs, DEFAULTS.maxRetryAfterMs)),
	};
	const sleep = retry.sleep ?? signalSleep;
	for (let attempt = 1; ; attempt++) {
		const last = attempt >= policy.maxAttempts;
		let response: HttpResponse | undefined;
		let failure: unknown;
		try {
			response = await withDeadline(transport, request);
		} catch (error) {
			failure = error;
		}
		let delay: number;
		let reason: string;
		if (response) {
			const refused = response.status === 429;
			const transient = TRANSIENT_STATUSES.has(response.status) && safety !== 'write';
			if (last || (!refused && !transient)) return response;
			const waitFor = retryAfterMs(response);
			if (waitFor !== undefined && waitFor > policy.maxRetryAfterMs) return response;
			delay = waitFor ?? backoff(policy, attempt);
			reason = `status ${response.status}`;
		} else {
			const code = networkErrorCode(failure) ?? '';
			const repeatable = retry.retryAmbiguous !== false || !AMBIGUOUS_CODES.has(code);
			const retryable = NOT_SENT_CODES.has(code) || (BROKEN_CODES.has(code) && safety !== 'write' && repeatable);
			if (last || !retryable) throw failure;
			delay = backoff(policy, attempt);
			reason = code;
		}
		retry.onRetry?.({ attempt, delayMs: delay, reason, method: request.method, url: request.url });
		await sleep(delay);
	}
}
