/**
 * Google OAuth2 for a Firebase service account, without an SDK: an RS256-signed JWT (node:crypto) is
 * exchanged at the account's token_uri for an access token (the JWT-bearer grant), which is cached until
 * shortly before it expires. The private key never leaves this module: errors name fields, not values.
 */
import { createPrivateKey, createSign, type KeyObject } from 'node:crypto';
import { ConfigurationError, RequestError } from '../../errors';
import { serverOf } from '../../../transport/http/failures';
import type { RetryPolicy } from '../../../transport/http/retry';
import { jsonObject, type HttpTransport } from '../../../transport/http/types';
import { networkOutcome, serverText } from '../failures';
import { sendWithRetry } from '../retry';
import { CachedToken } from '../token-cache';

export const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
const DEFAULT_TOKEN_URI = 'https://oauth2.googleapis.com/token';
const FIELD = 'Service Account JSON';

/** The fields of a service-account key file that signing in needs. */
export interface ServiceAccount {
	project_id: string;
	client_email: string;
	private_key: string;
	private_key_id?: string;
	token_uri?: string;
}

/** Reads a service-account key file (text or object) and checks the fields; never quotes the key. */
export function parseServiceAccount(input: string | object): ServiceAccount {
	if (typeof input === 'string' && jsonObject(input) === undefined) {
		throw new ConfigurationError(
			FIELD,
			'is not a valid JSON object: paste the whole key file downloaded from the Firebase console',
		);
	}
	const object = jsonObject(input);
	if (!object) throw new ConfigurationError(FIELD, 'must be a JSON object (the key file of a service account)');
	for (const name of ['project_id', 'client_email', 'private_key'] as const) {
		if (typeof object[name] !== 'string' || (object[name] as string).trim() === '') {
			throw new ConfigurationError(
				FIELD,
				`has no "${name}": use a service-account key file (Project settings → Service accounts → Generate new private key)`,
			);
		}
	}
	const tokenUri = object.token_uri;
	if (tokenUri !== undefined && (typeof tokenUri !== 'string' || !/^https?:\/\//.test(tokenUri))) {
		throw new ConfigurationError(FIELD, 'has a "token_uri" that is not an http(s) URL');
	}
	return {
		project_id: object.project_id as string,
		client_email: object.client_email as string,
		private_key: object.private_key as string,
		private_key_id: typeof object.private_key_id === 'string' ? object.private_key_id : undefined,
		token_uri: tokenUri as string | undefined,
	};
}

function readPrivateKey(pem: string): KeyObject | undefined {
	try {
		return createPrivateKey(pem);
	} catch {
		// The error text may quote part of the key: it is dropped, and the caller names the field.
		return undefined;
	}
}

const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** The signed JWT assertion of the JWT-bearer grant (RFC 7523), valid for one hour. */
export function signAssertion(account: ServiceAccount, key: KeyObject, nowSeconds: number, scope = FCM_SCOPE): string {
	const header = { alg: 'RS256', typ: 'JWT', ...(account.private_key_id ? { kid: account.private_key_id } : {}) };
	const claims = {
		iss: account.client_email,
		scope,
		aud: account.token_uri ?? DEFAULT_TOKEN_URI,
		iat: nowSeconds,
		exp: nowSeconds + 3600,
	};
	const unsigned = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
	const signature = createSign('RSA-SHA256').update(unsigned).sign(key);
	return `${unsigned}.${base64url(signature)}`;
}

/** Access tokens for one service account, shared by every request of a channel. */
export class FcmAccessTokens {
	private readonly key: KeyObject;
	private readonly cache: CachedToken;
	readonly tokenUri: string;

	constructor(
		private readonly transport: HttpTransport,
		private readonly account: ServiceAccount,
		private readonly options: { retry?: RetryPolicy; timeoutMs?: number; now?: () => number } = {},
	) {
		const key = readPrivateKey(account.private_key);
		if (!key)
			throw new ConfigurationError(
				FIELD,
				'has a "private_key" that is not a PEM private key: paste the key file unchanged (with its \\n line breaks)',
			);
		this.key = key;
		this.tokenUri = account.token_uri ?? DEFAULT_TOKEN_URI;
		this.cache = new CachedToken(() => this.issue(), 60_000, options.now);
	}

	token(): Promise<string> {
		return this.cache.get();
	}

	/** The cached access token while it is good, without a promise; undefined when token() must fetch one. */
	cachedToken(): string | undefined {
		return this.cache.peek();
	}

	invalidate(token: string): void {
		this.cache.invalidate(token);
	}

	private async issue(): Promise<{ token: string; expiresInSeconds?: number }> {
		const now = this.options.now ?? Date.now;
		const assertion = signAssertion(this.account, this.key, Math.floor(now() / 1000));
		const request = {
			method: 'POST' as const,
			url: this.tokenUri,
			form: { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion },
			timeoutMs: this.options.timeoutMs,
		};
		const { response, failure } = await sendWithRetry(this.transport, request, this.options.retry);
		if (!response) {
			const outcome = networkOutcome(failure, this.tokenUri, 'the Google token endpoint');
			throw new RequestError(
				'unreachable',
				outcome.reason ?? 'The Google token endpoint did not answer',
				'Check that n8n can reach the token_uri of the service account',
				serverOf(this.tokenUri),
			);
		}
		const body = jsonObject(response.body);
		if (response.status === 200 && typeof body?.access_token === 'string') {
			return {
				token: body.access_token,
				expiresInSeconds: typeof body.expires_in === 'number' ? body.expires_in : undefined,
			};
		}
		const text = serverText(response.body);
		throw new RequestError(
			'invalidCredentials',
			`Google did not issue an access token for the service account (HTTP ${response.status})${text ? `: ${text}` : ''}`,
			'Check that the service-account key is current (not deleted or rotated) and that the account may send Firebase messages',
			serverOf(this.tokenUri),
		);
	}
}
