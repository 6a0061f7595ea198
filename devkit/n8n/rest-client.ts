/**
 * The HTTP side of a running n8n: raw requests, the REST API the editor uses (`/rest/...`, cookie
 * session) and the public API (`/api/v1/...`, X-N8N-API-KEY), with the owner account and the API key
 * they need. N8nInstance (see instance.ts) builds its calls on these.
 */
import * as crypto from 'crypto';
import { redact } from './common';
import { N8nProcess } from './n8n-process';

/** The instance owner's account (what setupOwner() created or login() used). */
export interface N8nOwner {
	id: string;
	email: string;
	password: string;
	firstName: string;
	lastName: string;
}

/** HTTP failure from n8n (status, method, path and n8n's own message; secrets redacted). */
export class N8nHttpError extends Error {
	constructor(
		message: string,
		readonly status: number,
		readonly body: unknown,
	) {
		super(message);
		this.name = 'N8nHttpError';
	}
}

export class N8nRestClient extends N8nProcess {
	/** Owner account once setupOwner() ran. */
	owner?: N8nOwner;
	/** Public API key once createApiKey() ran. */
	apiKey?: string;

	private readonly cookies = new Map<string, string>();
	private readonly browserId = crypto.randomUUID();

	// -------------------------------------------------------------------------------------------
	// HTTP

	/** A raw request; returns status and parsed JSON (or text). Never throws for HTTP statuses. */
	async request(
		method: string,
		pathname: string,
		body?: unknown,
		options: { apiKey?: boolean; timeoutMs?: number } = {},
	): Promise<{ status: number; body: unknown }> {
		const headers: Record<string, string> = { accept: 'application/json', 'browser-id': this.browserId };
		if (body !== undefined) headers['content-type'] = 'application/json';
		if (options.apiKey) {
			if (!this.apiKey) throw new Error('no API key: call createApiKey() first');
			headers['x-n8n-api-key'] = this.apiKey;
		} else if (this.cookies.size > 0) {
			headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
		}
		let res: Response;
		try {
			res = await fetch(this.url + pathname, {
				method,
				headers,
				body: body === undefined ? undefined : JSON.stringify(body),
				signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
			});
		} catch (error) {
			const why = this.exited ? ` (n8n has exited: ${this.exitInfo}; last log lines:\n${this.logTail(30)})` : '';
			throw new Error(`n8n ${method} ${pathname} failed: ${(error as Error).message}${why}`);
		}
		for (const cookie of res.headers.getSetCookie()) {
			const [pair] = cookie.split(';');
			const eq = pair.indexOf('=');
			if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
		}
		const text = await res.text();
		let parsed: unknown = text;
		try {
			parsed = text ? JSON.parse(text) : undefined;
		} catch {
			// not JSON
		}
		return { status: res.status, body: parsed };
	}

	/** REST API call (cookie session; sets up the owner first if needed); returns the `data` member. */
	async rest<T = unknown>(method: string, pathname: string, body?: unknown, secrets: string[] = []): Promise<T> {
		if (!this.owner && !pathname.startsWith('/rest/owner/setup') && !pathname.startsWith('/rest/login')) {
			await this.setupOwner();
		}
		const res = await this.request(method, pathname, body);
		return this.unwrap<T>(method, pathname, res, secrets, true);
	}

	/** Public API call with the API key (created first if needed); returns the body as is. */
	async api<T = unknown>(method: string, pathname: string, body?: unknown, secrets: string[] = []): Promise<T> {
		if (!this.apiKey) await this.createApiKey();
		const res = await this.request(method, pathname, body, { apiKey: true });
		return this.unwrap<T>(method, pathname, res, secrets, false);
	}

	private unwrap<T>(
		method: string,
		pathname: string,
		res: { status: number; body: unknown },
		secrets: string[],
		dataMember: boolean,
	): T {
		if (res.status >= 200 && res.status < 300) {
			const body = res.body as { data?: unknown } | undefined;
			return (dataMember && body && typeof body === 'object' && 'data' in body ? body.data : body) as T;
		}
		const b = res.body as { message?: string; hint?: string } | string | undefined;
		const detail =
			typeof b === 'object' && b ? [b.message, b.hint].filter(Boolean).join(' — ') : String(b ?? '').slice(0, 500);
		throw new N8nHttpError(
			redact(`n8n ${method} ${pathname} → HTTP ${res.status}: ${detail || '(no message)'}`, secrets),
			res.status,
			typeof b === 'string' ? redact(b, secrets) : JSON.parse(redact(JSON.stringify(b ?? null), secrets)),
		);
	}

	// -------------------------------------------------------------------------------------------
	// Users and keys

	/**
	 * Creates the instance owner (`POST /rest/owner/setup` {email, firstName, lastName, password};
	 * password 8-64 chars with a digit and an upper-case letter) and keeps the session cookie.
	 * When an owner exists already, logs in with the known credentials instead.
	 */
	async setupOwner(owner: Partial<Omit<N8nOwner, 'id'>> = {}): Promise<N8nOwner> {
		if (this.owner) return this.owner;
		const wanted = {
			email: owner.email ?? 'owner@otdp.example.com',
			firstName: owner.firstName ?? 'Test',
			lastName: owner.lastName ?? 'Owner',
			password: owner.password ?? `Otdp-${crypto.randomBytes(9).toString('hex')}-A1`,
		};
		const res = await this.request('POST', '/rest/owner/setup', wanted);
		if (res.status === 200) {
			const user = (res.body as { data: { id: string } }).data;
			this.owner = { id: user.id, ...wanted };
			return this.owner;
		}
		if (res.status === 400 && owner.email && owner.password) {
			return await this.login(owner.email, owner.password);
		}
		return this.unwrap<never>('POST', '/rest/owner/setup', res, [wanted.password], true);
	}

	/** `POST /rest/login` {emailOrLdapLoginId, password}; keeps the session cookie. */
	async login(email: string, password: string): Promise<N8nOwner> {
		const res = await this.request('POST', '/rest/login', { emailOrLdapLoginId: email, password });
		const user = this.unwrap<{ id: string; firstName: string; lastName: string }>(
			'POST',
			'/rest/login',
			res,
			[password],
			true,
		);
		this.owner = { id: user.id, email, password, firstName: user.firstName, lastName: user.lastName };
		return this.owner;
	}

	/**
	 * Creates a public-API key (`POST /rest/api-keys` {label, scopes, expiresAt: null}; the scopes are
	 * all of `GET /rest/api-keys/scopes`; without a licence n8n grants the role's scopes anyway) and
	 * keeps it for api(). Returns the raw key.
	 */
	async createApiKey(label = 'otdp-tests'): Promise<string> {
		const scopes = await this.rest<string[]>('GET', '/rest/api-keys/scopes');
		const key = await this.rest<{ rawApiKey: string }>('POST', '/rest/api-keys', {
			label: label.slice(0, 50),
			scopes,
			expiresAt: null,
		});
		this.apiKey = key.rawApiKey;
		return this.apiKey;
	}
}
