/**
 * An HttpTransport built on axios, for everything that runs OUTSIDE n8n: tests, the emulator tools,
 * benchmarks, demos. Shipped code never imports this file (n8n's request helpers take its place there).
 */
import axios, { type AxiosRequestConfig } from 'axios';
import * as http from 'node:http';
import * as https from 'node:https';
import {
	HttpNetworkError,
	type HttpRequest,
	type HttpResponse,
	type HttpTransport,
	type QueryValue,
} from '../../transport/http/types';

export interface AxiosTransportOptions {
	/** Default timeout when a request sets none (default 30 s). */
	timeoutMs?: number;
	/** PEM CA certificate(s) to trust for https:// (in addition to none: set it when using a private CA). */
	ca?: string;
	/** false accepts any certificate (tests only). Default true. */
	rejectUnauthorized?: boolean;
	/** Keep connections alive between requests (default true). */
	keepAlive?: boolean;
}

export interface AxiosTransport extends HttpTransport {
	/** Closes pooled keep-alive sockets. */
	close(): void;
}

/** Serializes a query the way servers expect: %20 for spaces, repeated keys for arrays. */
export function encodeQuery(qs: Record<string, QueryValue> | undefined): string {
	const parts: string[] = [];
	for (const [key, value] of Object.entries(qs ?? {})) {
		if (value === undefined) continue;
		for (const item of Array.isArray(value) ? value : [value]) {
			parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(item))}`);
		}
	}
	return parts.join('&');
}

function parseBody(text: string, contentType: string | undefined): unknown {
	if (text === '') return undefined;
	const looksJson = /json/i.test(contentType ?? '') || /^\s*[{[]/.test(text);
	if (!looksJson) return text;
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return text;
	}
}

export function createAxiosTransport(options: AxiosTransportOptions = {}): AxiosTransport {
	const keepAlive = options.keepAlive ?? true;
	const httpAgent = new http.Agent({ keepAlive });
	const httpsAgent = new https.Agent({
		keepAlive,
		ca: options.ca,
		rejectUnauthorized: options.rejectUnauthorized ?? true,
	});
	const client = axios.create({ httpAgent, httpsAgent, proxy: false });

	return {
		async request(request: HttpRequest): Promise<HttpResponse> {
			const query = encodeQuery(request.qs);
			const headers: Record<string, string> = { accept: 'application/json', ...(request.headers ?? {}) };
			let data: string | undefined;
			if (request.json !== undefined) {
				data = JSON.stringify(request.json);
				headers['content-type'] = 'application/json';
			} else if (request.form !== undefined) {
				data = encodeQuery(request.form);
				headers['content-type'] = 'application/x-www-form-urlencoded';
			}
			const config: AxiosRequestConfig<string> = {
				method: request.method,
				url: query === '' ? request.url : `${request.url}?${query}`,
				headers,
				data,
				timeout: request.timeoutMs ?? options.timeoutMs ?? 30_000,
				signal: request.signal,
				responseType: 'text',
				transformResponse: [(raw: unknown) => raw],
				validateStatus: () => true,
				maxRedirects: 0,
			};
			try {
				const response = await client.request<string>(config);
				const responseHeaders: HttpResponse['headers'] = {};
				for (const [name, value] of Object.entries(response.headers as Record<string, unknown>)) {
					if (typeof value === 'string' || Array.isArray(value))
						responseHeaders[name.toLowerCase()] = value as string | string[];
					else if (value !== undefined && value !== null) responseHeaders[name.toLowerCase()] = String(value);
				}
				const text = typeof response.data === 'string' ? response.data : '';
				return {
					status: response.status,
					headers: responseHeaders,
					body: parseBody(text, responseHeaders['content-type'] as string | undefined),
				};
			} catch (error) {
				// axios errors carry the request config, headers included (tickets, tokens): never pass them on.
				const code = (error as { code?: unknown }).code;
				let host = 'the server';
				try {
					host = new URL(request.url).host;
				} catch {
					// keep the generic name
				}
				const normalized =
					code === 'ECONNABORTED' || code === 'ETIMEDOUT'
						? 'ETIMEDOUT'
						: typeof code === 'string'
							? code
							: 'ECONNRESET';
				throw new HttpNetworkError(normalized, `${request.method} request to ${host} failed: ${normalized}`);
			}
		},
		close() {
			httpAgent.destroy();
			httpsAgent.destroy();
		},
	};
}
