/**
 * HttpTransport (transport/http/types.ts) over n8n's request helpers, so the n8n-free core talks HTTP
 * through n8n inside a workflow: proxies, n8n's TLS settings and credential handling all apply.
 * Statuses never throw here (the core decides what a 404 or a 503 means); only a missing answer does,
 * as an HttpNetworkError carrying the Node error code the core's retries look at.
 */
import type { IDataObject, IHttpRequestOptions } from 'n8n-workflow';

import { HttpNetworkError, networkErrorCode, type HttpRequest, type HttpResponse, type HttpTransport } from '../../transport/http/types';

export interface N8nHttpOptions {
	/** Accept any TLS certificate (the credential's "Ignore SSL Issues"). Off by default. */
	skipSslCertificateValidation?: boolean;
}

/** The full-response shape n8n's httpRequest returns with returnFullResponse. */
interface FullResponse {
	statusCode?: number;
	headers?: Record<string, string | string[] | undefined>;
	body?: unknown;
}

type Send = (options: IHttpRequestOptions) => Promise<unknown>;

/** n8n request options for an HttpRequest; statuses are returned, not thrown, unless `throwOnStatus`. */
export function toN8nRequest(request: HttpRequest, options: N8nHttpOptions = {}, throwOnStatus = false): IHttpRequestOptions {
	const n8nRequest: IHttpRequestOptions = {
		method: request.method,
		url: request.url,
		headers: { ...(request.headers ?? {}) },
		returnFullResponse: true,
		ignoreHttpStatusErrors: !throwOnStatus,
		skipSslCertificateValidation: options.skipSslCertificateValidation === true,
		timeout: request.timeoutMs,
	};
	if (request.qs) n8nRequest.qs = withoutUndefined(request.qs);
	// Repeated keys (a=1&a=2), as the core's query arrays mean.
	n8nRequest.arrayFormat = 'repeat';
	if (request.json !== undefined) {
		n8nRequest.body = request.json as IDataObject;
		n8nRequest.json = true;
	} else if (request.form !== undefined) {
		n8nRequest.body = new URLSearchParams(request.form).toString();
		n8nRequest.headers = { ...n8nRequest.headers, 'Content-Type': 'application/x-www-form-urlencoded' };
	}
	return n8nRequest;
}

/** Reads n8n's full response into the core's HttpResponse. */
export function fromN8nResponse(raw: unknown): HttpResponse {
	const response = (raw ?? {}) as FullResponse;
	const headers: HttpResponse['headers'] = {};
	for (const [name, value] of Object.entries(response.headers ?? {})) headers[name.toLowerCase()] = value;
	return { status: response.statusCode ?? 0, headers, body: response.body };
}

/** An HttpTransport over an n8n send function (helpers.httpRequest, or httpRequestWithAuthentication bound to a credential). */
export function n8nHttpTransport(send: Send, options: N8nHttpOptions = {}): HttpTransport {
	return {
		async request(request: HttpRequest): Promise<HttpResponse> {
			try {
				return fromN8nResponse(await send(toN8nRequest(request, options)));
			} catch (error) {
				throw asNetworkError(error, request.url);
			}
		},
	};
}

/** Whatever a helper threw when no answer came, as an HttpNetworkError naming the host only. */
export function asNetworkError(error: unknown, url: string): HttpNetworkError {
	const code = networkErrorCode(error) ?? 'ECONNRESET';
	let host = url;
	try {
		host = new URL(url).host;
	} catch {
		// keep the text as given
	}
	return new HttpNetworkError(code, `No answer from ${host} (${code})`);
}

function withoutUndefined(qs: Record<string, unknown>): IDataObject {
	const out: IDataObject = {};
	for (const [key, value] of Object.entries(qs)) if (value !== undefined) out[key] = value as IDataObject[string];
	return out;
}
