/**
 * HttpTransport (transport/http/types.ts) over n8n's request helpers, so the n8n-free core talks HTTP
 * through n8n inside a workflow: proxies, n8n's TLS settings and credential handling all apply.
 * Statuses never throw here (the core decides what a 404 or a 503 means); only a missing answer does,
 * as an HttpNetworkError carrying the Node error code the core's retries look at. Nothing here logs
 * headers or bodies.
 */
import type { IDataObject, IHttpRequestOptions } from 'n8n-workflow';

import {
	HttpNetworkError,
	networkErrorCode,
	type HttpRequest,
	type HttpResponse,
	type HttpTransport,
} from '../../transport/http/types';

/** The one helper this adapter needs; every n8n function context (execute, poll, webhook, load options) has it. */
export interface N8nHttpHelpers {
	httpRequest(options: IHttpRequestOptions): Promise<unknown>;
}

export interface N8nHttpTransportOptions {
	/** Accept any TLS certificate (the credential's "Ignore SSL Issues"; test servers only). Off by default. */
	skipSslCertificateValidation?: boolean;
	/** Default timeout when a request sets none (default 30 s). */
	timeoutMs?: number;
}

interface FullResponse {
	body?: unknown;
	headers?: Record<string, string | string[] | undefined>;
	statusCode?: number;
}

function parseBody(body: unknown): unknown {
	if (Buffer.isBuffer(body)) body = body.toString('utf8');
	if (typeof body !== 'string') return body;
	const text = body.trim();
	if (text === '' || !/^[{[]/.test(text)) return body;
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return body;
	}
}

function hostOf(url: string): string {
	try {
		return new URL(url).host;
	} catch {
		return 'the server';
	}
}

/** n8n request options for an HttpRequest: full response, statuses returned (not thrown, unless `throwOnStatus`). */
export function toN8nRequest(
	request: HttpRequest,
	options: N8nHttpTransportOptions = {},
	throwOnStatus = false,
): IHttpRequestOptions {
	const headers: IDataObject = { accept: 'application/json', ...(request.headers ?? {}) };
	const qs: IDataObject = {};
	for (const [key, value] of Object.entries(request.qs ?? {})) {
		if (value !== undefined) qs[key] = value;
	}
	const call: IHttpRequestOptions = {
		method: request.method,
		url: request.url,
		headers,
		qs,
		// Repeated keys (a=1&a=2), as the core's query arrays mean.
		arrayFormat: 'repeat',
		returnFullResponse: true,
		ignoreHttpStatusErrors: !throwOnStatus,
		disableFollowRedirect: true,
		encoding: 'text',
		json: false,
		timeout: request.timeoutMs ?? options.timeoutMs ?? 30_000,
		abortSignal: request.signal,
		skipSslCertificateValidation: options.skipSslCertificateValidation === true,
	};
	if (request.json !== undefined) {
		headers['content-type'] = 'application/json';
		call.body = JSON.stringify(request.json);
	} else if (request.form !== undefined) {
		headers['content-type'] = 'application/x-www-form-urlencoded';
		call.body = new URLSearchParams(request.form).toString();
	}
	return call;
}

/** n8n's full response as the core's HttpResponse (header names in lower case, JSON parsed). */
export function fromN8nResponse(raw: unknown): HttpResponse {
	const response = (raw ?? {}) as FullResponse;
	const headers: HttpResponse['headers'] = {};
	for (const [name, value] of Object.entries(response.headers ?? {})) headers[name.toLowerCase()] = value;
	return { status: response.statusCode ?? 0, headers, body: parseBody(response.body) };
}

/** Whatever a helper threw when no answer came, as an HttpNetworkError naming the host only. */
export function asNetworkError(error: unknown, url: string): HttpNetworkError {
	const code = networkErrorCode(error) ?? 'ECONNRESET';
	return new HttpNetworkError(code, `No answer from ${hostOf(url)} (${code})`);
}

/** The core's HttpTransport over n8n's `helpers.httpRequest`. Authentication headers are the core's business. */
export function n8nHttpTransport(helpers: N8nHttpHelpers, options: N8nHttpTransportOptions = {}): HttpTransport {
	return {
		async request(request: HttpRequest): Promise<HttpResponse> {
			let response: unknown;
			try {
				response = await helpers.httpRequest(toN8nRequest(request, options));
			} catch (error) {
				throw asNetworkError(error, request.url);
			}
			return fromN8nResponse(response);
		},
	};
}

/** The request helper of a credential test context (n8n gives it `request`, not `httpRequest`). */
export interface N8nLegacyRequestHelpers {
	request(uriOrObject: string | object, options?: object): Promise<unknown>;
}

/**
 * Adapts the legacy `helpers.request` of credential tests to the `httpRequest` shape n8nHttpTransport uses:
 * full response, no throwing on HTTP statuses, no redirects.
 */
export function legacyRequestHelpers(helpers: N8nLegacyRequestHelpers): N8nHttpHelpers {
	return {
		async httpRequest(options: IHttpRequestOptions): Promise<unknown> {
			const response = (await helpers.request({
				method: options.method,
				uri: options.url,
				qs: options.qs,
				qsStringifyOptions: { arrayFormat: 'repeat' },
				headers: options.headers,
				body: options.body,
				json: false,
				resolveWithFullResponse: true,
				simple: false,
				followRedirect: false,
				timeout: options.timeout,
				rejectUnauthorized: options.skipSslCertificateValidation !== true,
			})) as FullResponse;
			return { statusCode: response.statusCode, headers: response.headers, body: response.body };
		},
	};
}
