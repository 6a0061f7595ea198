/**
 * FCM HTTP v1 emulator: the Google token endpoint (JWT-bearer grant, RS256 signature checked against the
 * test service account's public key) and messages:send (message shape, string data values, reserved keys,
 * the 4096 / 2048-byte payload limit, UNREGISTERED for dead tokens), answering with Google's error shape:
 * {"error": {"code", "message", "status", "details": [{"@type": ".../FcmError", "errorCode"}]}}.
 */
import { createVerify, randomBytes, type KeyObject } from 'node:crypto';
import { header, IdempotencyLedger, startHttpEmulator, type EmulatorReply, type EmulatorRequest, type HttpEmulator, type HttpEmulatorOptions } from './http-kit';
import { generateTestServiceAccount, type TestServiceAccount } from './service-account';

export interface FcmEmulatorOptions extends HttpEmulatorOptions {
	projectId?: string;
	/** Tokens FCM no longer knows: answered 404 UNREGISTERED. */
	deadTokens?: string[];
	/** Tokens of another sender: 403 SENDER_ID_MISMATCH. */
	foreignTokens?: string[];
	/** Lifetime of issued access tokens (default 3600 s). */
	tokenLifetimeSeconds?: number;
}

/** A message FCM accepted for delivery. */
export interface FcmDelivery {
	message: Record<string, unknown>;
	idempotencyKey?: string;
	name: string;
}

export interface FcmEmulator extends HttpEmulator {
	/** The key file of a service account this emulator trusts (token_uri points here). */
	account: TestServiceAccount;
	/** Pass as FcmChannelSettings.baseUrl. */
	baseUrl: string;
	deliveries: FcmDelivery[];
	ledger: IdempotencyLedger;
	deadTokens: Set<string>;
	/** Access tokens issued so far. */
	issuedTokens: number;
	/** Revokes every access token issued so far (the next send gets 401). */
	revokeTokens(): void;
}

const SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
const RESERVED = new Set(['from', 'notification', 'message_type', 'collapse_key']);
const STATUS_NAMES: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE' };
const FCM_CODES: Record<number, string> = { 429: 'QUOTA_EXCEEDED', 500: 'INTERNAL', 503: 'UNAVAILABLE' };

export function googleError(code: number, message: string, fcmCode?: string): unknown {
	return {
		error: {
			code,
			message,
			status: STATUS_NAMES[code] ?? 'UNKNOWN',
			...(fcmCode ? { details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: fcmCode }] } : {}),
		},
	};
}

const fail = (code: number, message: string, fcmCode?: string): EmulatorReply => ({ status: code, body: googleError(code, message, fcmCode) });

/** Checks an RS256 JWT against the public key; returns its claims, or why it is rejected. */
function verifyJwt(jwt: string, publicKey: KeyObject): Record<string, unknown> | string {
	const parts = jwt.split('.');
	if (parts.length !== 3) return 'Invalid JWT: not three parts';
	const [head, claims, signature] = parts;
	const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
	let headerJson: Record<string, unknown>;
	let claimsJson: Record<string, unknown>;
	try {
		headerJson = decode(head);
		claimsJson = decode(claims);
	} catch {
		return 'Invalid JWT: not base64url JSON';
	}
	if (headerJson.alg !== 'RS256') return 'Invalid JWT: alg must be RS256';
	const valid = createVerify('RSA-SHA256').update(`${head}.${claims}`).verify(publicKey, Buffer.from(signature, 'base64url'));
	return valid ? claimsJson : 'Invalid JWT Signature.';
}

export async function startFcmEmulator(options: FcmEmulatorOptions = {}): Promise<FcmEmulator> {
	const projectId = options.projectId ?? 'test-project';
	const deliveries: FcmDelivery[] = [];
	const ledger = new IdempotencyLedger();
	const deadTokens = new Set(options.deadTokens ?? []);
	const foreignTokens = new Set(options.foreignTokens ?? []);
	const accessTokens = new Map<string, number>();
	let account: TestServiceAccount | undefined;
	let tokenUri = '';
	let issued = 0;
	let sent = 0;
	const namePrefix = randomBytes(4).toString('hex');

	const issueToken = (request: EmulatorRequest): EmulatorReply => {
		const form = request.body instanceof URLSearchParams ? request.body : new URLSearchParams();
		if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'Invalid grant_type' } };
		const claims = verifyJwt(form.get('assertion') ?? '', (account as TestServiceAccount).publicKey);
		if (typeof claims === 'string') return { status: 400, body: { error: 'invalid_grant', error_description: claims } };
		const now = Math.floor(Date.now() / 1000);
		if (claims.iss !== account?.serviceAccount.client_email) return { status: 400, body: { error: 'invalid_grant', error_description: 'Invalid issuer' } };
		if (claims.aud !== tokenUri) return { status: 400, body: { error: 'invalid_grant', error_description: 'Invalid audience' } };
		if (typeof claims.exp !== 'number' || claims.exp < now || typeof claims.iat !== 'number' || claims.exp - claims.iat > 3600) {
			return { status: 400, body: { error: 'invalid_grant', error_description: 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe' } };
		}
		if (typeof claims.scope !== 'string' || !claims.scope.split(' ').includes(SCOPE)) return { status: 400, body: { error: 'invalid_scope', error_description: 'Missing firebase.messaging scope' } };
		const token = `ya29.${randomBytes(24).toString('base64url')}`;
		const lifetime = options.tokenLifetimeSeconds ?? 3600;
		accessTokens.set(token, Date.now() + lifetime * 1000);
		issued++;
		return { status: 200, body: { access_token: token, expires_in: lifetime, token_type: 'Bearer' } };
	};

	const sendMessage = (request: EmulatorRequest, project: string): EmulatorReply => {
		const bearer = /^Bearer (.+)$/.exec(header(request, 'authorization') ?? '')?.[1];
		const expires = bearer ? accessTokens.get(bearer) : undefined;
		if (expires === undefined || expires < Date.now()) return fail(401, 'Request had invalid authentication credentials. Expected OAuth 2 access token.');
		if (project !== projectId) return fail(403, `Permission denied on project ${project}`);
		const key = header(request, 'idempotency-key');
		const earlier = ledger.replay(key);
		if (earlier) return earlier;
		const body = request.body as { message?: Record<string, unknown>; validate_only?: boolean } | undefined;
		const message = body?.message;
		const problem = messageProblem(message);
		if (problem) return fail(400, problem, 'INVALID_ARGUMENT');
		const target = message as Record<string, unknown>;
		if (typeof target.token === 'string' && deadTokens.has(target.token)) return fail(404, 'Requested entity was not found.', 'UNREGISTERED');
		if (typeof target.token === 'string' && foreignTokens.has(target.token)) return fail(403, 'SenderId mismatch', 'SENDER_ID_MISMATCH');
		// Unique and opaque like FCM's, without a call into the random generator per message.
		const name = `projects/${projectId}/messages/${namePrefix}${(++sent).toString(16).padStart(8, '0')}`;
		if (!body?.validate_only) deliveries.push({ message: target, idempotencyKey: key, name });
		return ledger.remember(key, { status: 200, body: { name } });
	};

	const http = await startHttpEmulator(
		(request) => {
			if (request.method === 'POST' && request.path === '/token') return issueToken(request);
			const send = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(request.path);
			if (request.method === 'POST' && send) return sendMessage(request, decodeURIComponent(send[1]));
			return fail(404, `No route ${request.method} ${request.path}`);
		},
		(status) => googleError(status, status === 429 ? 'Quota exceeded' : status === 503 ? 'The service is currently unavailable.' : 'Internal error encountered.', FCM_CODES[status]),
		options,
	);
	tokenUri = `${http.origin}/token`;
	account = generateTestServiceAccount({ tokenUri, projectId });
	return {
		...http,
		account,
		baseUrl: http.origin,
		deliveries,
		ledger,
		deadTokens,
		get issuedTokens() {
			return issued;
		},
		revokeTokens: () => accessTokens.clear(),
	};
}

/** Why FCM would reject this message (INVALID_ARGUMENT), or undefined. */
function messageProblem(message: Record<string, unknown> | undefined): string | undefined {
	if (!message || typeof message !== 'object') return 'Request contains an invalid argument: message is required';
	const targets = ['token', 'topic', 'condition'].filter((name) => message[name] !== undefined);
	if (targets.length !== 1) return 'Exactly one of token, topic or condition must be set';
	if (targets.some((name) => typeof message[name] !== 'string' || message[name] === '')) return 'The target must be a non-empty string';
	const data = (message.data ?? {}) as Record<string, unknown>;
	if (typeof data !== 'object' || Array.isArray(data)) return 'data must be a map of strings';
	for (const [key, value] of Object.entries(data)) {
		if (typeof value !== 'string') return `Invalid value at 'message.data[${key}]': string expected`;
		const lower = key.toLowerCase();
		if (RESERVED.has(lower) || lower.startsWith('google.') || lower.startsWith('gcm.')) return `Invalid data payload key: ${key}`;
	}
	const notification = message.notification as Record<string, unknown> | undefined;
	if (notification !== undefined) {
		for (const [key, value] of Object.entries(notification)) {
			if (!['title', 'body', 'image'].includes(key)) return `Unknown name "${key}" at 'message.notification'`;
			if (typeof value !== 'string') return `Invalid value at 'message.notification.${key}'`;
		}
	}
	const android = message.android as Record<string, unknown> | undefined;
	if (android?.priority !== undefined && !['high', 'normal', 'HIGH', 'NORMAL'].includes(String(android.priority))) return "Invalid value at 'message.android.priority'";
	if (android?.ttl !== undefined && !/^\d+(\.\d{1,9})?s$/.test(String(android.ttl))) return "Invalid value at 'message.android.ttl': Duration expected";
	const limit = message.token !== undefined ? 4096 : 2048;
	const size = Buffer.byteLength(JSON.stringify({ notification: message.notification ?? {}, data: message.data ?? {} }), 'utf8');
	if (size > limit) return `Message is too big: ${size} bytes, limit ${limit}`;
	return undefined;
}
