/**
 * OTDS HTTP answers that are not successes, explained: which RequestError kind, what happened,
 * what to do. Messages quote at most the server's own error text (about the request, never a credential),
 * shortened.
 */
import { RequestError } from '../errors';
import { jsonObject, type HttpResponse } from '../../transport/http/types';
import { retryAfterMs } from '../../transport/http/retry';
import { serverOf } from '../../transport/http/failures';

/** The server's error text from an OTDS error body ({status, error, errorDetails}) or an OAuth one. */
export function serverErrorText(body: unknown): string | undefined {
	const object = jsonObject(body);
	if (!object) return undefined;
	for (const key of ['error_description', 'error', 'message', 'failureReason']) {
		const value = object[key];
		if (typeof value === 'string' && value.trim() !== '') return value.trim().slice(0, 300);
	}
	return undefined;
}

/** OTDS's own status code of an expired ticket, in the body of a 400 (pyxecm's comment in otds.py). */
export const EXPIRED_TICKET_STATUS = 1034;

/**
 * Whether to sign in again: a 401, or the 400 OTDS answers an expired ticket with,
 * {"status":1034,"error":"Expired OTDS SSO ticket"} (the expected case; its text may be worded otherwise).
 */
export function isExpiredTicketAnswer(response: HttpResponse): boolean {
	if (response.status === 401) return true;
	if (response.status !== 400) return false;
	if (jsonObject(response.body)?.status === EXPIRED_TICKET_STATUS) return true;
	const text = serverErrorText(response.body) ?? '';
	return /expired/i.test(text) && /ticket|token|session/i.test(text);
}

export interface FailureContext {
	/** What we were doing, e.g. `read user "jdoe@Content Server Members"`. */
	what: string;
	url: string;
	/** Turns a 404 into this error (a looked-up user or group that does not exist). */
	notFound?: () => Error;
}

export function explainOtdsResponse(response: HttpResponse, context: FailureContext): Error {
	const server = serverOf(context.url);
	const text = serverErrorText(response.body);
	const said = text ? `: ${text}` : '';
	const status = response.status;
	const fail = (kind: RequestError['kind'], message: string, hint: string) =>
		new RequestError(kind, message, hint, server);

	if (status === 404 && context.notFound) return context.notFound();
	if (status === 400 && isExpiredTicketAnswer(response)) {
		return fail(
			'invalidCredentials',
			`OTDS reports the sign-in as expired and renewing it did not help (${context.what})`,
			'Check the credential and that the OTDS account is still enabled',
		);
	}
	switch (status) {
		case 400:
			return fail(
				'invalidInput',
				`OTDS rejected the request to ${context.what} (HTTP 400)${said}`,
				"Check the values and attribute names sent; custom attributes must exist in the partition's schema",
			);
		case 401:
			return fail(
				'invalidCredentials',
				`OTDS did not accept the credential (HTTP 401) to ${context.what}`,
				'Check the user name and password (or client ID and secret) in the credential; the account may be locked, disabled or its password expired',
			);
		case 403:
			return fail(
				'insufficientAccess',
				`The OTDS account is not allowed to ${context.what} (HTTP 403)${said}`,
				'Use an account with OTDS administration rights (a member of the group otdsadmins@otds.admin) or grant the needed role',
			);
		case 404:
			return fail(
				'noSuchObject',
				`OTDS has nothing at ${new URL(context.url).pathname} (HTTP 404) to ${context.what}${said}`,
				'Check the Server URL: it ends with /otdsws, e.g. https://otds.example.com/otdsws',
			);
		case 409:
			return fail(
				'invalidInput',
				`OTDS refused to ${context.what} because of a conflict (HTTP 409)${said}`,
				'The object already exists or was changed at the same time; look it up again',
			);
		case 429: {
			const wait = retryAfterMs(response);
			return fail(
				'unreachable',
				`OTDS kept refusing requests as too many (HTTP 429) while trying to ${context.what}${wait !== undefined ? `; it asked to wait ${Math.ceil(wait / 1000)} s` : ''}`,
				'Poll less often, use smaller batches, or ask the OTDS administrator about rate limits',
			);
		}
		case 502:
		case 503:
		case 504:
			return fail(
				'unreachable',
				`OTDS is unavailable (HTTP ${status}) to ${context.what}`,
				'Try again later; check the OTDS server and any proxy or load balancer in front of it',
			);
		default:
			if (status >= 500) {
				return fail(
					'protocol',
					`OTDS failed with HTTP ${status} to ${context.what}${said}`,
					'Check the OTDS server logs',
				);
			}
			return fail(
				'protocol',
				`OTDS answered HTTP ${status} to ${context.what}${said}`,
				'Check the Server URL and the OTDS version',
			);
	}
}

/** The answer was a success but not the JSON OTDS sends: probably not an OTDS server, or a login page. */
export function notOtdsAnswer(context: FailureContext): RequestError {
	return new RequestError(
		'protocol',
		`The answer to ${context.what} at ${serverOf(context.url)} is not OTDS JSON`,
		'Check the Server URL: it must point at OTDS REST and end with /otdsws (e.g. https://otds.example.com/otdsws), not at a login page or proxy',
		serverOf(context.url),
	);
}
