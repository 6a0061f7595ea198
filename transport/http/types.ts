/**
 * The HTTP seam. Everything that talks REST (the OTDS backend, the OTDS credential, push channels) goes
 * through an HttpTransport, so the same code runs inside n8n and outside it:
 * - inside n8n, the node adapter implements it with `this.helpers.httpRequestWithAuthentication`
 *   (`returnFullResponse: true`, `ignoreHttpStatusErrors: true`): method, url, headers, qs map one to one;
 *   `json` becomes `body` with `json: true`; `form` becomes `body` with a form content type;
 * - outside n8n (tests, emulator tools, benchmarks, demos) tools/http/axios-transport.ts does it with axios.
 *
 * A transport RESOLVES for every HTTP status (callers decide what a 404 or a 503 means) and REJECTS only
 * when no HTTP answer arrived: refused, reset, timed out, TLS failure. It then rejects with an error that
 * carries a Node-style `code` (ECONNREFUSED, ECONNRESET, ETIMEDOUT, ...), ideally an HttpNetworkError.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Query values; undefined values are left out. Arrays repeat the key. */
export type QueryValue = string | number | boolean | undefined | Array<string | number | boolean>;

export interface HttpRequest {
	method: HttpMethod;
	/** Absolute URL without query string; path segments already URL-encoded. */
	url: string;
	headers?: Record<string, string>;
	qs?: Record<string, QueryValue>;
	/** A JSON body (sent with Content-Type: application/json). */
	json?: unknown;
	/** A form body (sent as application/x-www-form-urlencoded). Never set together with json. */
	form?: Record<string, string>;
	/**
	 * Give up after this long: a wall-clock deadline for the whole answer (requestWithRetry enforces it, however
	 * slowly the server drips), not only for silence between bytes.
	 */
	timeoutMs?: number;
	/** Aborted at the deadline: a transport stops reading and closes the connection. */
	signal?: AbortSignal;
}

export interface HttpResponse {
	status: number;
	/** Header names in lower case. */
	headers: Record<string, string | string[] | undefined>;
	/**
	 * Parsed JSON when the answer was JSON; the raw text when it was not (an HTML error page, say);
	 * undefined or '' when there was no body.
	 */
	body: unknown;
}

export interface HttpTransport {
	request(request: HttpRequest): Promise<HttpResponse>;
}

/**
 * No HTTP answer arrived. `code` is the Node error code (ECONNREFUSED, ECONNRESET, ETIMEDOUT, ENOTFOUND,
 * a TLS code...). The message names the host but never headers, bodies or credentials.
 */
export class HttpNetworkError extends Error {
	readonly code: string;

	constructor(code: string, message: string) {
		super(message);
		this.name = 'HttpNetworkError';
		this.code = code;
	}
}

/** A header value by name, case-insensitively; the first one when repeated. */
export function headerValue(headers: HttpResponse['headers'], name: string): string | undefined {
	const wanted = name.toLowerCase();
	for (const [key, value] of Object.entries(headers)) {
		if (key.toLowerCase() !== wanted || value === undefined) continue;
		return Array.isArray(value) ? value[0] : value;
	}
	return undefined;
}

/** The body as a JSON object, parsing text if a transport left it as a string; undefined if it is not JSON. */
export function jsonObject(body: unknown): Record<string, unknown> | undefined {
	let value = body;
	if (typeof value === 'string') {
		const text = value.trim();
		if (!text.startsWith('{')) return undefined;
		try {
			value = JSON.parse(text) as unknown;
		} catch {
			return undefined;
		}
	}
	if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
	return undefined;
}

/** The Node error code of anything a transport threw, looking through `cause` chains (n8n wraps errors). */
export function networkErrorCode(error: unknown): string | undefined {
	let current: unknown = error;
	for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
		const code = (current as { code?: unknown }).code;
		if (typeof code === 'string' && code !== '') return code;
		current = (current as { cause?: unknown }).cause;
	}
	return undefined;
}
