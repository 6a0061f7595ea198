import type { IDataObject, IHttpRequestOptions } from 'n8n-workflow';

import {
	HttpNetworkError,
	networkErrorCode,
	type HttpRequest,
	type HttpResponse,
	type HttpTransport,
} from '../../transport/http/types';

/** The one helper this adapter needs; every n8n function context (execute, webhook, credential test) has it. */
export interface N8nHttpHelpers {
	httpRequest(options: IHttpRequestOptions): Promise<unknown>;
}

export interface N8nHttpTransportOptions {
	/** Accept any TLS certificate (test servers only). */
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

/**
 * The HttpTransport of the domain core over n8n's `helpers.httpRequest`: resolves for every HTTP status,
 * rejects with an HttpNetworkError (carrying the Node error code) only when no answer arrived.
 * Authentication headers are set by the core (it owns the token flows); nothing here logs them.
 */
export function n8nHttpTransport(helpers: N8nHttpHelpers, options: N8nHttpTransportOptions = {}): HttpTransport {
	return {
		async request(request: HttpRequest): Promise<HttpResponse> {
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
				arrayFormat: 'repeat',
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				disableFollowRedirect: true,
				encoding: 'text',
				json: false,
				timeout: request.timeoutMs ?? options.timeoutMs ?? 30_000,
				skipSslCertificateValidation: options.skipSslCertificateValidation === true,
			};
			if (request.json !== undefined) {
				headers['content-type'] = 'application/json';
				call.body = JSON.stringify(request.json);
			} else if (request.form !== undefined) {
				headers['content-type'] = 'application/x-www-form-urlencoded';
				call.body = new URLSearchParams(request.form).toString();
			}
			let response: FullResponse | undefined;
			let failure: unknown;
			try {
				response = (await helpers.httpRequest(call)) as FullResponse;
			} catch (error) {
				failure = error;
			}
			if (response === undefined) {
				// No HTTP answer (ignoreHttpStatusErrors resolves every status): a network failure.
				const code = networkErrorCode(failure) ?? 'ECONNRESET';
				throw new HttpNetworkError(code, `No answer from ${hostOf(request.url)} (${code})`);
			}
			const responseHeaders: HttpResponse['headers'] = {};
			for (const [name, value] of Object.entries(response.headers ?? {})) responseHeaders[name.toLowerCase()] = value;
			return { status: response.statusCode ?? 0, headers: responseHeaders, body: parseBody(response.body) };
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
