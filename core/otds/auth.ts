/**
 * Signing in to OTDS, free of n8n. Two methods, as the reference describes them:
 * - ticket: POST {base}/rest/authentication/credentials {userName, password} → `ticket`, sent back as the
 *   header `OTDSTicket`. Tickets carry no lifetime: they are renewed when OTDS answers 401 (or the 400
 *   "Expired OTDS SSO ticket" pyxecm reports).
 * - OAuth2 client credentials: POST {base}/oauth2/token (form: grant_type=client_credentials, client_id,
 *   client_secret[, scope]) → `access_token`, sent as `Authorization: Bearer ...`, renewed before
 *   `expires_in` runs out, and on 401.
 * Inside n8n, the credential's preAuthentication calls requestOtdsCredential; outside it,
 * OtdsAuthenticatingTransport (authenticating-transport.ts) does.
 * Errors tell a wrong password from an unreachable server from a server that is not OTDS, and never
 * contain the password, secret, ticket or token.
 */
import { hideUserInfo, USER_INFO_REFUSED } from '../../transport/url-text';
import { ConfigurationError, RequestError } from '../errors';
import { explainNetworkFailure, serverOf } from '../../transport/http/failures';
import { requestWithRetry, type RetryPolicy } from '../../transport/http/retry';
import { jsonObject, type HttpRequest, type HttpResponse, type HttpTransport } from '../../transport/http/types';
import { serverErrorText } from './failures';

export interface OtdsTicketSettings {
	method: 'ticket';
	/** e.g. https://otds.example.com/otdsws */
	baseUrl: string;
	/** e.g. otadmin@otds.admin */
	userName: string;
	password: string;
	/** Optional resource the ticket is for. */
	targetResourceId?: string;
}

export interface OtdsOAuthSettings {
	method: 'oauth2';
	baseUrl: string;
	clientId: string;
	clientSecret: string;
	/** Space-separated scopes; none by default. */
	scope?: string;
	/** Send the client ID and secret in the form (default) or as HTTP Basic authentication. */
	clientAuthentication?: 'body' | 'basic';
}

export type OtdsAuthSettings = OtdsTicketSettings | OtdsOAuthSettings;

export interface OtdsCredential {
	headerName: 'OTDSTicket' | 'Authorization';
	/** The header value: the ticket, or `Bearer <token>`. A secret: never log it. */
	value: string;
	/** When the server said it expires (ms since epoch); undefined for tickets, whose lifetime is not told. */
	expiresAt?: number;
	/** Who signed in, when the server said (the ticket's userId, or the client ID). */
	principal?: string;
}

export interface CredentialRequestOptions {
	timeoutMs?: number;
	retry?: RetryPolicy;
	now?: () => number;
}

/**
 * The OTDS base URL, normalized: http(s) only, no query, no trailing slash; a bare host gets /otdsws
 * (the standard context path). Throws ConfigurationError naming 'Server URL'.
 */
export function normalizeOtdsBaseUrl(raw: string): string {
	const text = (raw ?? '').trim();
	if (text === '')
		throw new ConfigurationError(
			'Server URL',
			'is empty: enter the OTDS address, e.g. https://otds.example.com/otdsws',
		);
	const url = parseUrl(text);
	if (!url)
		throw new ConfigurationError(
			'Server URL',
			`"${hideUserInfo(text)}" is not a URL: enter e.g. https://otds.example.com/otdsws`,
		);
	if (url.protocol !== 'http:' && url.protocol !== 'https:') {
		throw new ConfigurationError('Server URL', `must start with https:// or http:// (got ${url.protocol})`);
	}
	if (url.username || url.password) throw new ConfigurationError('Server URL', USER_INFO_REFUSED);
	let path = url.pathname.replace(/\/+$/, '');
	if (path === '') path = '/otdsws';
	path = path.replace(/\/rest$/i, '');
	return `${url.protocol}//${url.host}${path}`;
}

function parseUrl(text: string): URL | undefined {
	try {
		return new URL(text);
	} catch {
		return undefined;
	}
}

/** The secret values of the settings, for redaction. */
export function secretsOf(settings: OtdsAuthSettings): string[] {
	return (settings.method === 'ticket' ? [settings.password] : [settings.clientSecret]).filter(
		(secret) => secret !== undefined && secret !== '',
	);
}

/** Replaces every secret in a text with ***. */
export function redact(text: string, secrets: Array<string | undefined>): string {
	let result = text;
	for (const secret of secrets) {
		if (secret && secret.length >= 3) result = result.split(secret).join('***');
	}
	return result;
}

function required(value: string | undefined, field: string, example: string): string {
	if (value === undefined || value.trim() === '') throw new ConfigurationError(field, `is empty: ${example}`);
	return value;
}

/** Signs in once and returns the header to send. */
export async function requestOtdsCredential(
	transport: HttpTransport,
	settings: OtdsAuthSettings,
	options: CredentialRequestOptions = {},
): Promise<OtdsCredential> {
	const baseUrl = normalizeOtdsBaseUrl(settings.baseUrl);
	const now = options.now ?? Date.now;
	let request: HttpRequest;
	if (settings.method === 'ticket') {
		const userName = required(settings.userName, 'User Name', 'enter the OTDS user, e.g. otadmin@otds.admin');
		const password = required(settings.password, 'Password', 'enter the password of the OTDS user');
		const json: Record<string, string> = { userName, password };
		if (settings.targetResourceId) json.targetResourceId = settings.targetResourceId;
		request = { method: 'POST', url: `${baseUrl}/rest/authentication/credentials`, json, timeoutMs: options.timeoutMs };
	} else if (settings.method === 'oauth2') {
		const clientId = required(settings.clientId, 'Client ID', 'enter the ID of the OAuth client registered in OTDS');
		const clientSecret = required(settings.clientSecret, 'Client Secret', 'enter the secret of the OAuth client');
		const form: Record<string, string> = { grant_type: 'client_credentials' };
		const headers: Record<string, string> = {};
		if (settings.clientAuthentication === 'basic') {
			headers.Authorization = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;
		} else {
			form.client_id = clientId;
			form.client_secret = clientSecret;
		}
		if (settings.scope) form.scope = settings.scope;
		request = { method: 'POST', url: `${baseUrl}/oauth2/token`, form, headers, timeoutMs: options.timeoutMs };
	} else {
		throw new ConfigurationError(
			'Authentication',
			`has an unknown method "${String((settings as { method?: unknown }).method)}"`,
		);
	}

	let response: HttpResponse;
	try {
		// Signing in twice only yields two tickets: safe to repeat.
		response = await requestWithRetry(transport, request, 'idempotentWrite', options.retry);
	} catch (error) {
		throw explainNetworkFailure(error, request.url);
	}
	return settings.method === 'ticket'
		? readTicket(response, request.url, settings)
		: readToken(response, request.url, settings, now());
}

function notOtds(url: string, status: number): RequestError {
	return new RequestError(
		'protocol',
		`${serverOf(url)} does not answer like OTDS at ${new URL(url).pathname} (HTTP ${status})`,
		'Check the Server URL: it must point at OTDS and end with /otdsws, e.g. https://otds.example.com/otdsws',
		serverOf(url),
	);
}

function unavailable(url: string, status: number): RequestError {
	return new RequestError(
		'unreachable',
		`OTDS at ${serverOf(url)} is unavailable (HTTP ${status})`,
		'Try again later; check the OTDS server',
		serverOf(url),
	);
}

function readTicket(response: HttpResponse, url: string, settings: OtdsTicketSettings): OtdsCredential {
	const body = jsonObject(response.body);
	const server = serverOf(url);
	const reason = (text: string | undefined) => (text ? `: ${redact(text, secretsOf(settings))}` : '');
	if (response.status >= 200 && response.status < 300) {
		if (!body) throw notOtds(url, response.status);
		if (typeof body.ticket === 'string' && body.ticket !== '') {
			return {
				headerName: 'OTDSTicket',
				value: body.ticket,
				principal: typeof body.userId === 'string' ? body.userId : undefined,
			};
		}
		if (typeof body.failureReason === 'string' && body.failureReason !== '') {
			throw new RequestError(
				'invalidCredentials',
				`OTDS refused the sign-in${reason(body.failureReason)}`,
				'Check User Name and Password in the credential',
				server,
			);
		}
		throw notOtds(url, response.status);
	}
	if ((response.status === 401 || response.status === 403 || response.status === 400) && body) {
		throw new RequestError(
			'invalidCredentials',
			`OTDS rejected the user name or password (HTTP ${response.status})${reason(serverErrorText(body))}`,
			'Check User Name (e.g. otadmin@otds.admin, with the partition) and Password; the account may be locked, disabled or its password expired',
			server,
		);
	}
	if (response.status >= 500) throw unavailable(url, response.status);
	throw notOtds(url, response.status);
}

function readToken(response: HttpResponse, url: string, settings: OtdsOAuthSettings, now: number): OtdsCredential {
	const body = jsonObject(response.body);
	const server = serverOf(url);
	if (response.status >= 200 && response.status < 300) {
		if (!body || typeof body.access_token !== 'string' || body.access_token === '') throw notOtds(url, response.status);
		const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : Number(body.expires_in);
		return {
			headerName: 'Authorization',
			value: `Bearer ${body.access_token}`,
			expiresAt: Number.isFinite(expiresIn) && expiresIn > 0 ? now + expiresIn * 1000 : undefined,
			principal: settings.clientId,
		};
	}
	const code = body && typeof body.error === 'string' ? body.error : undefined;
	if (
		code === 'invalid_client' ||
		code === 'unauthorized_client' ||
		((response.status === 401 || response.status === 403) && body)
	) {
		throw new RequestError(
			'invalidCredentials',
			`OTDS rejected the client ID or secret (HTTP ${response.status}${code ? `, ${code}` : ''})`,
			'Check Client ID and Client Secret, and that the OAuth client is enabled in OTDS and allowed the client credentials grant',
			server,
		);
	}
	if (code === 'invalid_scope') {
		throw new RequestError(
			'invalidInput',
			'OTDS rejected the requested scope (invalid_scope)',
			'Check Scope in the credential, or leave it empty',
			server,
		);
	}
	if (code === 'unsupported_grant_type' || code === 'invalid_grant' || code === 'invalid_request') {
		throw new RequestError(
			'invalidInput',
			`OTDS refused the client credentials grant (${code})`,
			'Allow the client credentials grant for this OAuth client in OTDS',
			server,
		);
	}
	if (response.status >= 500) throw unavailable(url, response.status);
	throw notOtds(url, response.status);
}
