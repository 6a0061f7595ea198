/**
 * How push channels send one HTTP request: through requestWithRetry (transport/http/retry.ts, the one
 * backoff + Retry-After implementation), as an idempotent write, because every push request carries an
 * idempotency key the server can de-duplicate by. Adds what push needs on top: the attempt count for
 * results, and FCM's rule that 500 INTERNAL is transient too.
 */
import { ConfigurationError, RequestError } from '../errors';
import { isAmbiguousFailure, requestWithRetry, type RetryPolicy } from '../../transport/http/retry';
import type { HttpRequest, HttpResponse, HttpTransport } from '../../transport/http/types';

/** How push requests are retried: the transport's policy, and what to do when it is unknown whether one arrived. */
export interface PushRetryPolicy extends RetryPolicy {
	/**
	 * Whether a request is repeated after an ambiguous failure (default true): the connection broke or timed out
	 * once the request was sent, so the service may have accepted it. Repeating it loses nothing, but a service
	 * without de-duplication by idempotency key (FCM has none) may then deliver twice. false: such a recipient is
	 * reported failed with the network code and the reason says it may have been delivered; 429, 5xx answers and
	 * refused connections (certainly not delivered) are still retried.
	 */
	retryAmbiguous?: boolean;
}

export interface AttemptedRequest {
	/** The last answer, when one arrived. */
	response?: HttpResponse;
	/** The last network error, when no answer arrived. */
	failure?: unknown;
	attempts: number;
	/** The last failure was ambiguous (the request may have been delivered) and, as the policy asked, not repeated. */
	ambiguous?: boolean;
}

const ORIGINAL_STATUS = 'x-push-original-status';

/**
 * requestWithRetry retries 502/503/504 but not 500; push services (FCM: INTERNAL) document 500 as worth a
 * retry, so this transport shows a 500 as a 503 to the retry loop, and sendWithRetry restores it.
 */
function internalErrorsAsTransient(transport: HttpTransport): HttpTransport {
	return {
		async request(request) {
			const response = await transport.request(request);
			if (response.status !== 500) return response;
			return { ...response, status: 503, headers: { ...response.headers, [ORIGINAL_STATUS]: '500' } };
		},
	};
}

/** One 500-as-503 view per transport, made once rather than per request. */
const transientViews = new WeakMap<HttpTransport, HttpTransport>();

function transientView(transport: HttpTransport): HttpTransport {
	let view = transientViews.get(transport);
	if (!view) {
		view = internalErrorsAsTransient(transport);
		transientViews.set(transport, view);
	}
	return view;
}

/**
 * Sends with retries; resolves with the last answer or the last network failure. Rejects only when the
 * transport could not sign the request (a ConfigurationError or RequestError of its sign-in, as n8n's
 * authenticated requests report a failed preAuthentication): nothing was sent, and it is the send's failure,
 * as a channel's own token request failing is.
 */
export async function sendWithRetry(
	transport: HttpTransport,
	request: HttpRequest,
	retry: PushRetryPolicy = {},
): Promise<AttemptedRequest> {
	let attempts = 1;
	const policy: RetryPolicy = {
		...retry,
		onRetry: (event) => {
			attempts = event.attempt + 1;
			retry.onRetry?.(event);
		},
	};
	const sent = await requestWithRetry(transientView(transport), request, 'idempotentWrite', policy).then(
		(response) => ({ response }),
		(failure: unknown) => ({ failure }),
	);
	if ('failure' in sent) {
		if (sent.failure instanceof ConfigurationError || sent.failure instanceof RequestError) throw sent.failure;
		if (retry.retryAmbiguous === false && isAmbiguousFailure(sent.failure))
			return { failure: sent.failure, attempts, ambiguous: true };
		return { failure: sent.failure, attempts };
	}
	const response = sent.response;
	if (response.headers[ORIGINAL_STATUS] === '500') {
		const headers = { ...response.headers };
		delete headers[ORIGINAL_STATUS];
		return { response: { ...response, status: 500, headers }, attempts };
	}
	return { response, attempts };
}
