/**
 * FCM HTTP v1 emulator: the Google token endpoint (JWT-bearer grant, RS256 signature checked against the
 * test service account's public key) and messages:send (message shape, string data values, reserved keys,
 * the 4096 / 2048-byte payload limit, UNREGISTERED for dead tokens), answering with Google's error shape:
 * {"error": {"code", "message", "status", "details": [{"@type": ".../FcmError", "errorCode"}]}}.
 */
import { createVerify, randomBytes, type KeyObject } from 'node:crypto';
import {
	header,
	startHttpEmulator,
	type EmulatorReply,
	type EmulatorRequest,
	type HttpEmulator,
	type HttpEmulatorOptions,
} from './http-kit';
import { generateTestServiceAccount, type TestServiceAccount } from './service-account';

export interface FcmEmulatorOptions extends HttpEmulatorOptions {
	projectId?: string;
	/** Tokens FCM no longer knows: answered 404 UNREGISTERED. */
	deadTokens?: string[];
	/** Tokens of another sender: 403 SENDER_ID_MISMATCH. */
	foreignTokens?: string[];
	/** Tokens that are no FCM registration token at all: 400 INVALID_ARGUMENT naming message.token. */
	invalidTokens?: string[];
	/** Tokens of devices whose platform refuses FCM (an APNs certificate or web push key that is invalid): 401 THIRD_PARTY_AUTH_ERROR. */
	thirdPartyAuthTokens?: string[];
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
	deadTokens: Set<string>;
	/** Access tokens issued so far. */
	issuedTokens: number;
	/** Revokes every access token issued so far (the next send gets 401). */
	revokeTokens(): void;
}

const SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
/** Reserved data keys (FCM's error-code page): from, message_type, and every key starting with google or gcm. collapse_key is allowed. */
const RESERVED = new Set(['from', 'message_type']);
const RESERVED_PREFIXES = ['google', 'gcm'];
const STATUS_NAMES: Record<number, string> = {
	400: 'INVALID_ARGUMENT',
	401: 'UNAUTHENTICATED',
	403: 'PERMISSION_DENIED',
	404: 'NOT_FOUND',
	429: 'RESOURCE_EXHAUSTED',
	500: 'INTERNAL',
	503: 'UNAVAILABLE',
};
const FCM_CODES: Record<number, string> = { 429: 'QUOTA_EXCEEDED', 500: 'INTERNAL', 503: 'UNAVAILABLE' };

export function googleError(code: number, message: string, fcmCode?: string, field?: string): unknown {
	const details: unknown[] = [];
	if (fcmCode) details.push({ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: fcmCode });
	if (field)
		details.push({
			'@type': 'type.googleapis.com/google.rpc.BadRequest',
			fieldViolations: [{ field, description: message }],
		});
	return {
		error: { code, message, status: STATUS_NAMES[code] ?? 'UNKNOWN', ...(details.length > 0 ? { details } : {}) },
	};
}

const fail = (code: number, message: string, fcmCode?: string, field?: string): EmulatorReply => ({
	status: code,
	body: googleError(code, message, fcmCode, field),
});

/** Checks an RS256 JWT against the public key; returns its claims, or why it is rejected. */
function verifyJwt(jwt: string, publicKey: KeyObject): Record<string, unknown> | string {
	const parts = jwt.split('.');
	if (parts.length !== 3) return 'Invalid JWT: not three parts';
	const [head, claims, signature] = parts;
	const decode = (part: string) =>
		JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
	let headerJson: Record<string, unknown>;
	let claimsJson: Record<string, unknown>;
	try {
		headerJson = decode(head);
		claimsJson = decode(claims);
	} catch {
		return 'Invalid JWT: not base64url JSON';
	}
	if (headerJson.alg !== 'RS256') return 'Invalid JWT: alg must be RS256';
	const valid = createVerify('RSA-SHA256')
		.update(`${head}.${claims}`)
		.verify(publicKey, Buffer.from(signature, 'base64url'));
	return valid ? claimsJson : 'Invalid JWT Signature.';
}

export async function startFcmEmulator(options: FcmEmulatorOptions = {}): Promise<FcmEmulator> {
	const projectId = options.projectId ?? 'test-project';
	const deliveries: FcmDelivery[] = [];
	const deadTokens = new Set(options.deadTokens ?? []);
	const foreignTokens = new Set(options.foreignTokens ?? []);
	const invalidTokens = new Set(options.invalidTokens ?? []);
	const thirdPartyAuthTokens = new Set(options.thirdPartyAuthTokens ?? []);
	const accessTokens = new Map<string, number>();
	let account: TestServiceAccount | undefined;
	let tokenUri = '';
	let issued = 0;
	let sent = 0;
	const namePrefix = randomBytes(4).toString('hex');

	const issueToken = (request: EmulatorRequest): EmulatorReply => {
		const form = request.body instanceof URLSearchParams ? request.body : new URLSearchParams();
		if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
			return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'Invalid grant_type' } };
		const claims = verifyJwt(form.get('assertion') ?? '', (account as TestServiceAccount).publicKey);
		if (typeof claims === 'string') return { status: 400, body: { error: 'invalid_grant', error_description: claims } };
		const now = Math.floor(Date.now() / 1000);
		if (claims.iss !== account?.serviceAccount.client_email)
			return { status: 400, body: { error: 'invalid_grant', error_description: 'Invalid issuer' } };
		if (claims.aud !== tokenUri)
			return { status: 400, body: { error: 'invalid_grant', error_description: 'Invalid audience' } };
		if (
			typeof claims.exp !== 'number' ||
			claims.exp < now ||
			typeof claims.iat !== 'number' ||
			claims.exp - claims.iat > 3600
		) {
			return {
				status: 400,
				body: {
					error: 'invalid_grant',
					error_description:
						'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe',
				},
			};
		}
		if (typeof claims.scope !== 'string' || !claims.scope.split(' ').includes(SCOPE))
			return { status: 400, body: { error: 'invalid_scope', error_description: 'Missing firebase.messaging scope' } };
		const token = `ya29.${randomBytes(24).toString('base64url')}`;
		const lifetime = options.tokenLifetimeSeconds ?? 3600;
		accessTokens.set(token, Date.now() + lifetime * 1000);
		issued++;
		return { status: 200, body: { access_token: token, expires_in: lifetime, token_type: 'Bearer' } };
	};

	const sendMessage = (request: EmulatorRequest, project: string): EmulatorReply => {
		const bearer = /^Bearer (.+)$/.exec(header(request, 'authorization') ?? '')?.[1];
		const expires = bearer ? accessTokens.get(bearer) : undefined;
		if (expires === undefined || expires < Date.now())
			return fail(401, 'Request had invalid authentication credentials. Expected OAuth 2 access token.');
		if (project !== projectId) return fail(403, `Permission denied on project ${project}`);
		// FCM has no server-side de-duplication: an Idempotency-Key header is recorded, never honoured, so a request
		// repeated after a lost answer is delivered again, as by the real service.
		const key = header(request, 'idempotency-key');
		if (!(header(request, 'content-type') ?? '').includes('application/json'))
			return fail(400, 'Invalid JSON payload received: the body must be application/json.');
		const body = request.body as { message?: Record<string, unknown>; validate_only?: boolean } | undefined;
		const problem = requestProblem(body);
		if (problem) return fail(400, problem, 'INVALID_ARGUMENT');
		const target = body?.message as Record<string, unknown>;
		if (typeof target.token === 'string' && invalidTokens.has(target.token)) {
			return fail(
				400,
				'The registration token is not a valid FCM registration token',
				'INVALID_ARGUMENT',
				'message.token',
			);
		}
		if (typeof target.token === 'string' && deadTokens.has(target.token))
			return fail(404, 'Requested entity was not found.', 'UNREGISTERED');
		if (typeof target.token === 'string' && foreignTokens.has(target.token))
			return fail(403, 'SenderId mismatch', 'SENDER_ID_MISMATCH');
		if (typeof target.token === 'string' && thirdPartyAuthTokens.has(target.token))
			return fail(401, 'Auth error from APNS or Web Push Service', 'THIRD_PARTY_AUTH_ERROR');
		// Unique and opaque like FCM's, without a call into the random generator per message.
		const name = `projects/${projectId}/messages/${namePrefix}${(++sent).toString(16).padStart(8, '0')}`;
		if (!body?.validate_only) deliveries.push({ message: target, idempotencyKey: key, name });
		return { status: 200, body: { name } };
	};

	const http = await startHttpEmulator(
		(request) => {
			if (request.method === 'POST' && request.path === '/token') return issueToken(request);
			const send = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(request.path);
			if (request.method === 'POST' && send) return sendMessage(request, decodeURIComponent(send[1]));
			return fail(404, `No route ${request.method} ${request.path}`);
		},
		(status) =>
			googleError(
				status,
				status === 429
					? 'Quota exceeded'
					: status === 503
						? 'The service is currently unavailable.'
						: 'Internal error encountered.',
				FCM_CODES[status],
			),
		options,
	);
	tokenUri = `${http.origin}/token`;
	account = generateTestServiceAccount({ tokenUri, projectId });
	return {
		...http,
		account,
		baseUrl: http.origin,
		deliveries,
		deadTokens,
		get issuedTokens() {
			return issued;
		},
		revokeTokens: () => accessTokens.clear(),
	};
}

/**
 * The fields of FCM v1's Message resource and its blocks (Google's public reference). Anything else is refused, as
 * Google's API refuses an unknown name ("Invalid JSON payload received. Unknown name ...").
 * `true`: any JSON value (checked elsewhere, or free-form like apns.payload and webpush.notification).
 */
type Shape = { [name: string]: true | Shape };
const ANDROID_NOTIFICATION: Shape = Object.fromEntries(
	[
		'title',
		'body',
		'icon',
		'color',
		'sound',
		'tag',
		'click_action',
		'body_loc_key',
		'body_loc_args',
		'title_loc_key',
		'title_loc_args',
		'channel_id',
		'ticker',
		'sticky',
		'event_time',
		'local_only',
		'notification_priority',
		'default_sound',
		'default_vibrate_timings',
		'default_light_settings',
		'vibrate_timings',
		'visibility',
		'notification_count',
		'light_settings',
		'image',
		'bypass_proxy_notification',
		'proxy',
	].map((name) => [name, true]),
);
const MESSAGE: Shape = {
	name: true,
	token: true,
	topic: true,
	condition: true,
	data: true,
	notification: { title: true, body: true, image: true },
	android: {
		collapse_key: true,
		priority: true,
		ttl: true,
		restricted_package_name: true,
		data: true,
		notification: ANDROID_NOTIFICATION,
		fcm_options: { analytics_label: true },
		direct_boot_ok: true,
	},
	webpush: { headers: true, data: true, notification: true, fcm_options: { link: true, analytics_label: true } },
	apns: { headers: true, payload: true, fcm_options: { analytics_label: true, image: true } },
	fcm_options: { analytics_label: true },
};

function unknownName(value: unknown, shape: Shape, at: string): string | undefined {
	if (typeof value !== 'object' || value === null || Array.isArray(value))
		return `Invalid value at '${at}': an object is expected`;
	for (const [name, child] of Object.entries(value as Record<string, unknown>)) {
		const expected = shape[name];
		if (expected === undefined)
			return `Invalid JSON payload received. Unknown name "${name}" at '${at}': Cannot find field.`;
		if (expected !== true) {
			const problem = unknownName(child, expected, `${at}.${name}`);
			if (problem) return problem;
		}
	}
	return undefined;
}

/** An http(s) URL with a host, as Google's Admin SDK checks image URLs. */
const isHttpUrl = (value: unknown): boolean => {
	if (typeof value !== 'string' || /[^a-z0-9:/?#[\]@!$&'()*+,;=.\-_~%]/i.test(value)) return false;
	try {
		const url = new URL(value);
		return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
	} catch {
		return false;
	}
};

const stringMap = (value: unknown, at: string): string | undefined => {
	if (value === undefined) return undefined;
	if (typeof value !== 'object' || value === null || Array.isArray(value))
		return `Invalid value at '${at}': a map of strings is expected`;
	for (const [key, item] of Object.entries(value))
		if (typeof item !== 'string') return `Invalid value at '${at}[${key}]': string expected`;
	return undefined;
};

/** Why FCM would reject this request (INVALID_ARGUMENT), or undefined. */
function requestProblem(
	body: { message?: Record<string, unknown>; validate_only?: boolean } | undefined,
): string | undefined {
	if (!body || typeof body !== 'object' || Array.isArray(body))
		return 'Request contains an invalid argument: message is required';
	for (const name of Object.keys(body)) {
		if (name !== 'message' && name !== 'validate_only')
			return `Invalid JSON payload received. Unknown name "${name}": Cannot find field.`;
	}
	if (body.validate_only !== undefined && typeof body.validate_only !== 'boolean')
		return "Invalid value at 'validate_only': bool expected";
	return messageProblem(body.message);
}

/** Why FCM would reject this message (INVALID_ARGUMENT), or undefined. */
function messageProblem(message: Record<string, unknown> | undefined): string | undefined {
	if (!message || typeof message !== 'object') return 'Request contains an invalid argument: message is required';
	const unknown = unknownName(message, MESSAGE, 'message');
	if (unknown) return unknown;
	const targets = ['token', 'topic', 'condition'].filter((name) => message[name] !== undefined);
	if (targets.length !== 1) return 'Exactly one of token, topic or condition must be set';
	if (targets.some((name) => typeof message[name] !== 'string' || message[name] === ''))
		return 'The target must be a non-empty string';
	if (typeof message.topic === 'string' && !/^[a-zA-Z0-9-_.~%]+$/.test(message.topic))
		return `Invalid topic name "${message.topic}": use letters, digits and -_.~% only`;
	const dataProblem = stringMap(message.data, 'message.data');
	if (dataProblem) return dataProblem;
	for (const key of Object.keys((message.data as object | undefined) ?? {})) {
		const lower = key.toLowerCase();
		if (RESERVED.has(lower) || RESERVED_PREFIXES.some((prefix) => lower.startsWith(prefix)))
			return `Invalid data payload key: ${key}`;
	}
	const notification = message.notification as Record<string, unknown> | undefined;
	for (const [key, value] of Object.entries(notification ?? {}))
		if (typeof value !== 'string') return `Invalid value at 'message.notification.${key}'`;
	if (notification?.image !== undefined && !isHttpUrl(notification.image))
		return "Invalid value at 'message.notification.image': a valid URL is expected";
	const android = (message.android ?? {}) as Record<string, unknown>;
	if (android.priority !== undefined && !['high', 'normal', 'HIGH', 'NORMAL'].includes(String(android.priority)))
		return "Invalid value at 'message.android.priority'";
	if (android.ttl !== undefined && !/^\d+(\.\d{1,9})?s$/.test(String(android.ttl)))
		return "Invalid value at 'message.android.ttl': Duration expected";
	const androidData = stringMap(android.data, 'message.android.data');
	if (androidData) return androidData;
	const webpush = (message.webpush ?? {}) as Record<string, unknown>;
	const webpushHeaders = (webpush.headers ?? {}) as Record<string, unknown>;
	const headersProblem =
		stringMap(webpush.headers, 'message.webpush.headers') ??
		stringMap((message.apns as Record<string, unknown> | undefined)?.headers, 'message.apns.headers');
	if (headersProblem) return headersProblem;
	// RFC 8030: a Topic is at most 32 characters of the URL-safe base64 alphabet.
	const topicHeader = Object.entries(webpushHeaders).find(([name]) => name.toLowerCase() === 'topic')?.[1];
	if (topicHeader !== undefined && !/^[A-Za-z0-9_-]{1,32}$/.test(String(topicHeader)))
		return "Invalid value at 'message.webpush.headers.Topic': at most 32 URL-safe base64 characters";
	const link = (webpush.fcm_options as Record<string, unknown> | undefined)?.link;
	if (link !== undefined && !(typeof link === 'string' && link.startsWith('https://')))
		return "Invalid value at 'message.webpush.fcm_options.link': an HTTPS URL is expected";
	const apnsHeaders = ((message.apns as Record<string, unknown> | undefined)?.headers ?? {}) as Record<string, string>;
	const collapseId = Object.entries(apnsHeaders).find(([name]) => name.toLowerCase() === 'apns-collapse-id')?.[1];
	if (collapseId !== undefined && Buffer.byteLength(collapseId, 'utf8') > 64)
		return "Invalid value at 'message.apns.headers.apns-collapse-id': at most 64 bytes";
	const limit = message.token !== undefined ? 4096 : 2048;
	const size = Buffer.byteLength(
		JSON.stringify({ notification: message.notification ?? {}, data: message.data ?? {} }),
		'utf8',
	);
	if (size > limit) return `Message is too big: ${size} bytes, limit ${limit}`;
	return undefined;
}
