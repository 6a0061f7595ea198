/**
 * The thin REST layer under OtdsDirectory: builds URLs under {base}/rest, sends through an (already
 * authenticated) HttpTransport with retries matched to each request's safety, and turns every failure
 * into a RequestError / NotFoundError.
 */
import { ConfigurationError, NotFoundError, RequestError } from '../errors';
import { explainNetworkFailure } from '../../transport/http/failures';
import { requestWithRetry, type RetryPolicy, type RetrySafety } from '../../transport/http/retry';
import {
	jsonObject,
	type HttpMethod,
	type HttpResponse,
	type HttpTransport,
	type QueryValue,
} from '../../transport/http/types';
import { explainOtdsResponse, notOtdsAnswer } from './failures';

export interface OtdsClientOptions {
	/** Normalized base URL, e.g. https://otds.example.com/otdsws */
	baseUrl: string;
	retry?: RetryPolicy;
	/** Per request (default 30 s). */
	timeoutMs?: number;
	/** Pages one cookie-paged listing may take before it is stopped (default DEFAULT_MAX_PAGES). */
	maxPages?: number;
}

/** 10,000 pages: 2.5 million objects at OTDS's default 250 a page. */
export const DEFAULT_MAX_PAGES = 10_000;

/**
 * The paging cookies of one listing: the next one to send, or undefined at the end. A cookie handed out twice, or
 * more pages than the limit, stops the listing: a server that never ends it would keep the node reading forever.
 */
export class CookieTrail {
	private readonly seen = new Set<string>();
	private pages = 0;

	constructor(
		private readonly maxPages: number,
		/** What is being listed, for messages: e.g. `listing users`. */
		private readonly what: string,
	) {}

	/** The cookie to send for the next page, given the answer's `nextPageCookie`; undefined when the listing is done. */
	next(nextPageCookie: unknown): string | undefined {
		this.pages++;
		const cookie = typeof nextPageCookie === 'string' && nextPageCookie !== '' ? nextPageCookie : undefined;
		if (cookie === undefined) return undefined;
		if (this.seen.has(cookie)) {
			throw new RequestError(
				'protocol',
				`OTDS returned the same page cookie twice while ${this.what}, after ${this.pages} pages: it would never end, so it was stopped`,
				'Try a different page size; report this to the OTDS administrator',
			);
		}
		if (this.pages >= this.maxPages) {
			throw new RequestError(
				'sizeLimit',
				`OTDS was still handing out page cookies after ${this.maxPages} pages while ${this.what}: the listing was stopped`,
				'Raise Max Pages per Listing in the OTDS credential if the directory is that large, or narrow the search',
			);
		}
		this.seen.add(cookie);
		return cookie;
	}
}

export interface CallOptions {
	qs?: Record<string, QueryValue>;
	json?: unknown;
	/** Default: 'read' for GET, 'write' otherwise. */
	safety?: RetrySafety;
	/** What is being done, for messages: e.g. `read user "jdoe@Content Server Members"`. */
	what: string;
	/** A 404 means "no such user/group": this error is thrown instead of a request error. */
	notFound?: () => Error;
}

export class OtdsRestClient {
	constructor(
		private readonly transport: HttpTransport,
		readonly options: OtdsClientOptions,
	) {}

	/**
	 * {base}/rest/<segments>, each segment URL-encoded (ids contain '@' and spaces, locations ',' and '='; a '/' is
	 * encoded too). An empty, `.` or `..` segment is refused: URL resolution would turn it into another path
	 * (`/rest/users/..` is `/rest/`), so no id or name can ever address something else.
	 */
	url(segments: string[]): string {
		for (const segment of segments) {
			if (segment === '' || segment === '.' || segment === '..') {
				throw new RequestError(
					'invalidInput',
					`"${segment}" cannot be an OTDS id, name or location: nothing was requested`,
					'Check the user, group or partition given',
				);
			}
		}
		return `${this.options.baseUrl}/rest/${segments.map((segment) => encodeURIComponent(segment)).join('/')}`;
	}

	/** Sends a request and returns the 2xx response; anything else is thrown as an explained error. */
	async call(method: HttpMethod, segments: string[], options: CallOptions): Promise<HttpResponse> {
		const url = this.url(segments);
		const safety = options.safety ?? (method === 'GET' ? 'read' : 'write');
		let response: HttpResponse;
		try {
			response = await requestWithRetry(
				this.transport,
				{ method, url, qs: options.qs, json: options.json, timeoutMs: this.options.timeoutMs ?? 30_000 },
				safety,
				this.options.retry,
			);
		} catch (error) {
			throw asDirectoryError(error, url);
		}
		if (response.status >= 200 && response.status < 300) return response;
		throw explainOtdsResponse(response, { what: options.what, url, notFound: options.notFound });
	}

	/** The cookie trail of a new listing (see CookieTrail). */
	cookieTrail(what: string): CookieTrail {
		return new CookieTrail(this.options.maxPages ?? DEFAULT_MAX_PAGES, what);
	}

	/** GET returning a JSON object (an OTDS success always is one). */
	async getJson(segments: string[], options: CallOptions): Promise<Record<string, unknown>> {
		const response = await this.call('GET', segments, options);
		const body = jsonObject(response.body);
		if (!body) throw notOtdsAnswer({ what: options.what, url: this.url(segments) });
		return body;
	}
}

/** Domain errors (a failed sign-in, say) pass through; anything else thrown by a transport is explained. */
function asDirectoryError(error: unknown, url: string): Error {
	if (error instanceof RequestError || error instanceof ConfigurationError || error instanceof NotFoundError)
		return error;
	return explainNetworkFailure(error, url);
}
