/**
 * Push answers and network failures as result fields (errorCode, reason) or, when nothing can be sent at
 * all, as RequestError. Reasons quote at most the server's own error text, never a credential.
 */
import { RequestError } from '../errors';
import { explainNetworkFailure, serverOf } from '../../transport/http/failures';
import { jsonObject, networkErrorCode, type HttpResponse } from '../../transport/http/types';
import type { ChannelOutcome } from './types';

/** Longest server text quoted in a reason. */
const QUOTE_LIMIT = 200;

/** The server's own error text, shortened: `error.message` (Google), `message`, `error_description`, `error`. */
export function serverText(body: unknown): string | undefined {
	const object = jsonObject(body);
	if (!object)
		return typeof body === 'string' && body.trim() !== '' && !body.trim().startsWith('<')
			? body.trim().slice(0, QUOTE_LIMIT)
			: undefined;
	const nested = jsonObject(object.error);
	for (const value of [nested?.message, object.error_description, object.message, object.error]) {
		if (typeof value === 'string' && value.trim() !== '') return value.trim().slice(0, QUOTE_LIMIT);
	}
	return undefined;
}

/** A request that got no answer, as a failed outcome naming the network code (ETIMEDOUT, ECONNRESET...). */
export function networkOutcome(failure: unknown, url: string, product: string): ChannelOutcome {
	const explained = explainNetworkFailure(failure, url, product);
	return { status: 'failed', errorCode: networkErrorCode(failure) ?? 'NETWORK', reason: explained.message };
}

/** An answer that is not a success and not specific to the channel: status code and server text. */
export function statusOutcome(response: HttpResponse, product: string, errorCode?: string): ChannelOutcome {
	const text = serverText(response.body);
	const code = errorCode ?? httpErrorCode(response.status);
	return {
		status: 'failed',
		errorCode: code,
		reason: `${product} answered HTTP ${response.status}${text ? `: ${text}` : ''}`,
	};
}

function httpErrorCode(status: number): string {
	if (status === 429) return 'RATE_LIMITED';
	if (status === 400) return 'INVALID_ARGUMENT';
	if (status === 404) return 'NOT_FOUND';
	if (status >= 500) return status === 503 ? 'UNAVAILABLE' : 'INTERNAL';
	return `HTTP_${status}`;
}

/** The service refused the credential: nothing in this dispatch can be sent. */
export function credentialRejected(product: string, url: string, status: number, hint: string): RequestError {
	return new RequestError(
		'invalidCredentials',
		`${product} did not accept the credential (HTTP ${status})`,
		hint,
		serverOf(url),
	);
}

/** The credential is valid but lacks permission, or the URL is wrong: nothing in this dispatch can be sent. */
export function setupRejected(product: string, url: string, status: number, body: unknown, hint: string): RequestError {
	const text = serverText(body);
	return new RequestError(
		status === 404 ? 'noSuchObject' : 'insufficientAccess',
		`${product} refused the request (HTTP ${status})${text ? `: ${text}` : ''}`,
		hint,
		serverOf(url),
	);
}
