/**
 * Sign-in for the emulator: tickets from POST /rest/authentication/credentials, bearer tokens from
 * POST /oauth2/token (client credentials), and the check every /rest call goes through.
 */
import { randomBytes } from 'node:crypto';
import {
	EmulatorError,
	OAUTH_PARTITION,
	errorBody,
	firstValue,
	isTrue,
	isoSeconds,
	objectId,
	type StoredUser,
} from './shapes';
import type { OtdsStore } from './store';

export interface OAuthClient {
	id: string;
	secret: string;
	/** May write (default true, like a client given the admin role). */
	admin?: boolean;
}

export interface AuthOptions {
	ticketTtlMs?: number;
	tokenTtlMs?: number;
	/**
	 * HTTP status of a call with an expired ticket: 400 with {"status": 1034, "error": "Expired OTDS SSO ticket"}
	 * (default: what pyxecm's comment in otds.py says OTDS answers), or 401 (pyxecm renews on it too).
	 */
	expiredTicketStatus?: 401 | 400;
	oauthClients?: OAuthClient[];
}

/** Who a request acts as. */
export interface Principal {
	kind: 'user' | 'client';
	/** User id (name@partition) or client id. */
	id: string;
	name: string;
	partition: string;
	isAdmin: boolean;
	userUuid?: string;
}

interface Session {
	principal: Principal;
	expiresAt: number;
	expired: boolean;
}

/** A reply the router sends as is. */
export interface Reply {
	status: number;
	body?: unknown;
	headers?: Record<string, string>;
}

export const EXPIRED_TICKET_ERROR = 'Expired OTDS SSO ticket';

/** The sign-in request's fields (shared/reference/otds-rest.md). */
const SIGN_IN_FIELDS = ['userName', 'password', 'targetResourceId'];

export class Sessions {
	private readonly tickets = new Map<string, Session>();
	private readonly tokens = new Map<string, Session>();
	private readonly ticketTtlMs: number;
	private readonly tokenTtlMs: number;
	private readonly clients: OAuthClient[];

	constructor(
		private readonly store: OtdsStore,
		private readonly options: AuthOptions = {},
	) {
		this.ticketTtlMs = options.ticketTtlMs ?? 30 * 60_000;
		this.tokenTtlMs = options.tokenTtlMs ?? 60 * 60_000;
		this.clients = options.oauthClients ?? [];
	}

	/** Every ticket and token stops working now (the next call gets the "expired" answer). */
	expireAll(): void {
		for (const session of [...this.tickets.values(), ...this.tokens.values()]) session.expired = true;
	}

	/** POST /otdsws/rest/authentication/credentials */
	signIn(body: unknown): Reply {
		const request = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
		const unknown = Object.keys(request).filter((name) => !SIGN_IN_FIELDS.includes(name));
		if (unknown.length > 0)
			return {
				status: 400,
				body: errorBody(400, `Unrecognized field(s) ${unknown.join(', ')}: sign-in takes ${SIGN_IN_FIELDS.join(', ')}`),
			};
		const userName = request.userName;
		const password = request.password;
		if (typeof userName !== 'string' || userName === '' || typeof password !== 'string') {
			return { status: 400, body: errorBody(400, 'userName and password are required') };
		}
		const user = this.store.findUser(userName);
		const denied = (reason: string): Reply => ({
			status: 401,
			body: { ...errorBody(401, reason), failureReason: reason },
		});
		if (!user || user.password !== password) return denied('Invalid username or password');
		if (isTrue(firstValue(user.attributes, 'accountDisabled'))) return denied('Account is disabled');
		if (isTrue(firstValue(user.attributes, 'accountLockedOut'))) return denied('Account is locked');
		user.attributes.oTLastLoginTimestamp = [isoSeconds(this.store.now())];
		const ticket = this.issueTicket(this.userPrincipal(user));
		return {
			status: 200,
			body: {
				token: null,
				userId: objectId(user.name, user.partition),
				ticket,
				resourceID: typeof request.targetResourceId === 'string' ? request.targetResourceId : null,
				failureReason: null,
				passwordExpirationTime: 0,
				continuation: false,
				continuationContext: null,
				continuationData: null,
			},
		};
	}

	/** POST /otdsws/oauth2/token, form encoded; client authentication in the form or with HTTP Basic. */
	issueOAuthToken(form: URLSearchParams, authorization: string | undefined): Reply {
		let clientId = form.get('client_id') ?? undefined;
		let clientSecret = form.get('client_secret') ?? undefined;
		const basic = /^Basic\s+(.+)$/i.exec(authorization ?? '');
		if (basic) {
			const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
			const colon = decoded.indexOf(':');
			if (colon > 0) {
				clientId = decodeURIComponent(decoded.slice(0, colon));
				clientSecret = decodeURIComponent(decoded.slice(colon + 1));
			}
		}
		const grantType = form.get('grant_type');
		if (!grantType)
			return { status: 400, body: { error: 'invalid_request', error_description: 'grant_type is required' } };
		if (grantType !== 'client_credentials') {
			return {
				status: 400,
				body: { error: 'unsupported_grant_type', error_description: `Grant type ${grantType} is not supported` },
			};
		}
		const client = this.clients.find((candidate) => candidate.id === clientId);
		if (!client || client.secret !== clientSecret) {
			return {
				status: 401,
				body: { error: 'invalid_client', error_description: 'Client authentication failed' },
				headers: { 'www-authenticate': 'Basic realm="OTDS"' },
			};
		}
		const principal: Principal = {
			kind: 'client',
			id: client.id,
			name: client.id,
			partition: OAUTH_PARTITION,
			isAdmin: client.admin ?? true,
		};
		const accessToken = randomBytes(32).toString('base64url');
		this.tokens.set(accessToken, { principal, expiresAt: this.store.now() + this.tokenTtlMs, expired: false });
		const body: Record<string, unknown> = {
			access_token: accessToken,
			issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
			token_type: 'Bearer',
			expires_in: Math.floor(this.tokenTtlMs / 1000),
		};
		const scope = form.get('scope') ?? '';
		if (scope.split(/\s+/).includes('otdsssoticket')) body.ticket = this.issueTicket(principal);
		return { status: 200, body };
	}

	/** Who is calling, from OTDSTicket (header or cookie) or Authorization: Bearer. Throws a Reply-carrying error. */
	authenticate(headers: Record<string, string | string[] | undefined>): Principal {
		const header = (name: string): string | undefined => {
			const value = headers[name];
			return Array.isArray(value) ? value[0] : value;
		};
		const cookieTicket = /(?:^|;\s*)OTDSTicket=([^;]+)/.exec(header('cookie') ?? '')?.[1];
		const ticket = header('otdsticket') ?? cookieTicket;
		const bearer = /^Bearer\s+(.+)$/i.exec(header('authorization') ?? '')?.[1];
		const now = this.store.now();
		if (ticket !== undefined) {
			const session = this.tickets.get(ticket);
			if (!session) throw new AuthFailure({ status: 401, body: errorBody(401, 'Invalid OTDS SSO ticket') });
			if (session.expired || session.expiresAt <= now) {
				const status = this.options.expiredTicketStatus ?? 400;
				throw new AuthFailure({ status, body: errorBody(1034, EXPIRED_TICKET_ERROR) });
			}
			return this.withCurrentRights(session.principal);
		}
		if (bearer !== undefined) {
			const session = this.tokens.get(bearer);
			if (!session || session.expired || session.expiresAt <= now) {
				throw new AuthFailure({
					status: 401,
					body: { error: 'invalid_token', error_description: 'The access token is invalid or has expired' },
					headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
				});
			}
			return session.principal;
		}
		throw new AuthFailure({
			status: 401,
			body: errorBody(401, 'Authentication required: send an OTDSTicket header or a bearer token'),
		});
	}

	/** A user's rights as OTDS grants them now: membership of otdsadmins@otds.admin, read at each request. */
	private withCurrentRights(principal: Principal): Principal {
		if (principal.userUuid === undefined) return principal;
		return { ...principal, isAdmin: this.store.isAdministrator(principal.userUuid) };
	}

	private issueTicket(principal: Principal): string {
		const ticket = `*OTDSSSO*${randomBytes(48).toString('base64')}*`;
		this.tickets.set(ticket, { principal, expiresAt: this.store.now() + this.ticketTtlMs, expired: false });
		return ticket;
	}

	private userPrincipal(user: StoredUser): Principal {
		return {
			kind: 'user',
			id: objectId(user.name, user.partition),
			name: user.name,
			partition: user.partition,
			isAdmin: this.store.isAdministrator(user.uuid),
			userUuid: user.uuid,
		};
	}
}

/** An authentication failure with the reply to send. */
export class AuthFailure extends Error {
	constructor(readonly reply: Reply) {
		super('authentication failed');
		this.name = 'AuthFailure';
	}
}

/** Writes need an administrator (403 otherwise): a member of otdsadmins@otds.admin, as OTDS grants it. */
export function requireAdmin(principal: Principal): void {
	if (!principal.isAdmin) throw new EmulatorError(403, `${principal.id} is not authorized to change users or groups`);
}
