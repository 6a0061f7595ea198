/**
 * The Authorization header of Cloud Messaging requests: HTTP Basic, or a tenant OAuth2 token
 * (client credentials at `https://{host}/tenants/{tenant_id}/oauth2/token`, client id and secret as Basic),
 * cached until shortly before it expires. Errors never quote the password or the client secret.
 */
import { ConfigurationError, RequestError } from '../../errors';
import { serverOf } from '../../../transport/http/failures';
import type { RetryPolicy } from '../../../transport/http/retry';
import { jsonObject, type HttpTransport } from '../../../transport/http/types';
import { networkOutcome, serverText } from '../failures';
import { sendWithRetry } from '../retry';
import { CachedToken } from '../token-cache';

export type MraAuth =
	| { method: 'basic'; username: string; password: string }
	/** tokenUrl: the tenant's token endpoint, e.g. https://us.api.opentext.com/tenants/{tenant_id}/oauth2/token. */
	| { method: 'oauth2'; tokenUrl: string; clientId: string; clientSecret: string };

/** The HTTP Basic Authorization value. */
export const basicAuthorization = (user: string, secret: string) =>
	`Basic ${Buffer.from(`${user}:${secret}`, 'utf8').toString('base64')}`;

export class MraAuthorization {
	private readonly cache?: CachedToken;

	constructor(
		private readonly transport: HttpTransport,
		private readonly auth: MraAuth,
		private readonly options: { retry?: RetryPolicy; timeoutMs?: number } = {},
	) {
		if (auth.method === 'basic') {
			if (!auth.username?.trim()) throw new ConfigurationError('User Name', 'is empty: enter the Cloud Messaging user');
			if (!auth.password) throw new ConfigurationError('Password', 'is empty');
		} else {
			if (!/^https?:\/\//i.test(auth.tokenUrl ?? ''))
				throw new ConfigurationError(
					'Token URL',
					'must be the tenant token URL, e.g. https://us.api.opentext.com/tenants/<tenant id>/oauth2/token',
				);
			if (!auth.clientId?.trim()) throw new ConfigurationError('Client ID', 'is empty');
			if (!auth.clientSecret) throw new ConfigurationError('Client Secret', 'is empty');
			this.cache = new CachedToken(() => this.issue());
		}
	}

	/** Whether a refused token can be renewed (OAuth2) or the credential is simply wrong (Basic). */
	get renewable(): boolean {
		return this.cache !== undefined;
	}

	async header(): Promise<string> {
		if (this.auth.method === 'basic') return basicAuthorization(this.auth.username, this.auth.password);
		return `Bearer ${await this.accessToken()}`;
	}

	/** The tenant token (OAuth2), fetched when there is none or it is about to expire; undefined for Basic. */
	async accessToken(): Promise<string | undefined> {
		return await this.cache?.get();
	}

	invalidate(header: string): void {
		this.cache?.invalidate(header.replace(/^Bearer /, ''));
	}

	private async issue(): Promise<{ token: string; expiresInSeconds?: number }> {
		const auth = this.auth as Extract<MraAuth, { method: 'oauth2' }>;
		const request = {
			method: 'POST' as const,
			url: auth.tokenUrl,
			headers: { authorization: basicAuthorization(auth.clientId, auth.clientSecret) },
			form: { grant_type: 'client_credentials' },
			timeoutMs: this.options.timeoutMs,
		};
		const { response, failure } = await sendWithRetry(this.transport, request, this.options.retry);
		if (!response) {
			throw new RequestError(
				'unreachable',
				networkOutcome(failure, auth.tokenUrl, 'the OpenText token endpoint').reason ?? 'No answer',
				'Check the Token URL and that n8n can reach it',
				serverOf(auth.tokenUrl),
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
			`The OpenText tenant did not issue a token (HTTP ${response.status})${text ? `: ${text}` : ''}`,
			'Check the Token URL (tenant id), the client ID and the client secret',
			serverOf(auth.tokenUrl),
		);
	}
}
