/**
 * An HttpTransport that signs in to OTDS by itself, for use OUTSIDE n8n (tests, tools, benchmarks, a demo):
 * it asks for a ticket or token on first use, adds it to every request, renews it shortly before an OAuth
 * token runs out, and when OTDS answers 401 (or 400 "Expired OTDS SSO ticket") it renews once and sends the
 * request again (a request refused for authentication was not processed, so repeating it is safe).
 * Concurrent requests share one renewal. Inside n8n the credential's preAuthentication does this job.
 *
 * Errors passing through never contain the password, client secret, ticket or token.
 */
import {
	HttpNetworkError,
	networkErrorCode,
	type HttpRequest,
	type HttpResponse,
	type HttpTransport,
} from '../../transport/http/types';
import {
	redact,
	requestOtdsCredential,
	secretsOf,
	type CredentialRequestOptions,
	type OtdsAuthSettings,
	type OtdsCredential,
} from './auth';
import { isExpiredTicketAnswer } from './failures';

export interface AuthenticatingTransportOptions extends CredentialRequestOptions {
	/** Renew an OAuth token this long before it expires (default 30 s). */
	renewMarginMs?: number;
}

export class OtdsAuthenticatingTransport implements HttpTransport {
	private credential?: OtdsCredential;
	private pending?: Promise<OtdsCredential>;
	private renewals = 0;

	constructor(
		private readonly raw: HttpTransport,
		private readonly settings: OtdsAuthSettings,
		private readonly options: AuthenticatingTransportOptions = {},
	) {}

	/** How many times a credential was obtained (the first sign-in included). */
	get signIns(): number {
		return this.renewals;
	}

	/** Forgets the current ticket or token; the next request signs in again. */
	invalidate(): void {
		this.credential = undefined;
	}

	/** The current credential, signing in when there is none or it is about to expire. */
	async current(): Promise<OtdsCredential> {
		const now = (this.options.now ?? Date.now)();
		const margin = this.options.renewMarginMs ?? 30_000;
		const credential = this.credential;
		if (credential && (credential.expiresAt === undefined || credential.expiresAt - margin > now)) return credential;
		this.pending ??= requestOtdsCredential(this.raw, this.settings, this.options)
			.then((fresh) => {
				this.credential = fresh;
				this.renewals++;
				return fresh;
			})
			.finally(() => {
				this.pending = undefined;
			});
		return this.pending;
	}

	async request(request: HttpRequest): Promise<HttpResponse> {
		const used = await this.current();
		const response = await this.send(request, used);
		if (!isExpiredTicketAnswer(response)) return response;
		// Renew once, unless another request already did.
		if (this.credential === used) this.credential = undefined;
		const renewed = await this.current();
		return this.send(request, renewed);
	}

	private async send(request: HttpRequest, credential: OtdsCredential): Promise<HttpResponse> {
		try {
			return await this.raw.request({
				...request,
				headers: { ...(request.headers ?? {}), [credential.headerName]: credential.value },
			});
		} catch (error) {
			throw this.scrub(error, credential);
		}
	}

	/** An error whose message holds no secret; the code (ECONNRESET, ...) is kept for retries. */
	private scrub(error: unknown, credential: OtdsCredential): unknown {
		const secrets = [...secretsOf(this.settings), credential.value, credential.value.replace(/^Bearer /, '')];
		const message = error instanceof Error ? error.message : String(error);
		const clean = redact(message, secrets);
		if (clean === message && error instanceof Error && !('config' in error) && !('request' in error)) return error;
		return new HttpNetworkError(networkErrorCode(error) ?? 'ECONNRESET', clean);
	}
}
