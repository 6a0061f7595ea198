/**
 * Acknowledgment tokens: "person U may acknowledge (or mark as read) notice N until time T", signed so
 * that the acknowledgment webhook can trust what a phone, a browser or a link click sends back.
 *
 *     otdp2.<payload>.<signature>
 *
 * - payload: base64url of the JSON claims `{"n": notice id, "u": user id, "e": expiry (epoch seconds),
 *   "i": issued at (epoch seconds), "r": random nonce, "k": key id, "a": audience, "m": allowed kinds}`;
 * - audience: the path of the acknowledgment webhook the token was made for (`/webhook/<id>/acknowledgment`);
 *   a trigger accepts only tokens naming its own webhook, so another trigger sharing the signing credential
 *   cannot be sent them;
 * - allowed kinds: which of `acknowledged` / `read` the holder may report (an app's token both, a link's only
 *   `acknowledged`);
 * - signature: base64url of HMAC-SHA256(secret, "otdp1." + payload), compared in constant time;
 * - key id: the first 8 bytes of HMAC-SHA256(secret, "otdp-ack-key-id"), base64url. It reveals nothing
 *   about the secret, lets a verifier pick the right secret during a rotation, and tells a token signed
 *   with some other secret (`forged`) from one of ours that was altered (`tampered`).
 *
 * The whole token is URL-safe ([A-Za-z0-9_.-]), so it goes into a query string unescaped. Tokens of the first
 * format (`otdp1`, before 0.1.0 was released: no audience, no kinds) are refused as malformed.
 * Free of n8n: the webhook trigger and the push node are thin adapters over this module.
 */
import { hideUserInfo, USER_INFO_REFUSED } from '../../transport/url-text';
import * as crypto from 'crypto';

import { NOTICE_ID_PATTERN } from '../acknowledgments';
import { ConfigurationError } from '../errors';

const VERSION = 'otdp2';
const EARLIER_VERSIONS = new Set(['otdp1']);
const KEY_ID_LABEL = 'otdp-ack-key-id';
/** Secrets shorter than this are refused: an HMAC key must not be guessable. */
export const MIN_SECRET_LENGTH = 16;
/** 30 days: the longest lifetime a token may be given. */
export const MAX_TOKEN_LIFETIME_SECONDS = 30 * 24 * 3600;
const MAX_USER_ID_LENGTH = 256;
const MAX_TOKEN_LENGTH = 2048;

export type AcknowledgmentKind = 'acknowledged' | 'read';
export const ACKNOWLEDGMENT_KINDS: readonly AcknowledgmentKind[] = ['acknowledged', 'read'];

export interface AckTokenClaims {
	noticeId: string;
	userId: string;
	/** Expiry, epoch seconds. */
	expiresAt: number;
	/** Issue time, epoch seconds. */
	issuedAt: number;
	nonce: string;
	/** The path of the webhook it was made for. */
	audience: string;
	/** The kinds its holder may report. */
	kinds: AcknowledgmentKind[];
}

/** Why a token was refused. */
export type AckTokenFailure =
	/** Not a token at all: wrong shape, bad base64url, bad JSON, missing claims. */
	| 'malformed'
	/** Signed with a secret this verifier does not hold. */
	| 'forged'
	/** Our key id, but the payload or the signature was changed. */
	| 'tampered'
	/** Genuine, but past its expiry. */
	| 'expired'
	/** Genuine, but made for another webhook. */
	| 'otherAudience'
	/** Genuine, but it does not allow the kind reported. */
	| 'kindNotAllowed';

/** What the receiving webhook checks beyond the signature. */
export interface AckTokenExpectations {
	/** Whether a token's audience names this webhook. */
	acceptsAudience?: (audience: string) => boolean;
	/** The kind being reported. */
	kind?: AcknowledgmentKind;
}

export type AckTokenVerification =
	| { ok: true; claims: AckTokenClaims }
	| { ok: false; reason: AckTokenFailure; message: string; claims?: AckTokenClaims };

/** A refused token, for callers that prefer exceptions. `reason` says which kind of refusal. */
export class AckTokenError extends Error {
	readonly reason: AckTokenFailure;

	constructor(reason: AckTokenFailure, message: string) {
		super(message);
		this.name = 'AckTokenError';
		this.reason = reason;
	}
}

export interface SignAckTokenInput {
	noticeId: string;
	userId: string;
	/** Lifetime in seconds from `now`. */
	ttlSeconds: number;
	/** Defaults to the current time. */
	now?: Date;
	/** Defaults to 9 random bytes. */
	nonce?: string;
	/** The path of the webhook the token is for (see ackAudience). */
	audience: string;
	/** The kinds the holder may report (default both). */
	kinds?: readonly AcknowledgmentKind[];
}

/** A token's audience for a webhook URL: its path, without a trailing slash. */
export function ackAudience(webhookUrl: string): string {
	return webhookUrlOf(webhookUrl).pathname.replace(/\/+$/, '');
}

function base64url(data: Buffer | string): string {
	return Buffer.from(data).toString('base64url');
}

function fromBase64url(text: string): Buffer | undefined {
	if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
	return Buffer.from(text, 'base64url');
}

function checkSecret(secret: string, field = 'Signing Secret'): string {
	if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
		throw new ConfigurationError(field, `must be at least ${MIN_SECRET_LENGTH} characters long`);
	}
	return secret;
}

/** The public key id of a secret (see the module comment). */
export function ackKeyId(secret: string): string {
	return crypto
		.createHmac('sha256', checkSecret(secret))
		.update(KEY_ID_LABEL)
		.digest()
		.subarray(0, 8)
		.toString('base64url');
}

function signature(secret: string, payload: string): Buffer {
	return crypto.createHmac('sha256', secret).update(`${VERSION}.${payload}`).digest();
}

/** Signs a token for one person and one notice. */
export function signAckToken(secret: string, input: SignAckTokenInput): string {
	checkSecret(secret);
	if (typeof input.noticeId !== 'string' || !NOTICE_ID_PATTERN.test(input.noticeId)) {
		throw new ConfigurationError(
			'Notice ID',
			`"${String(input.noticeId)}" is not valid: use 1 to 128 letters, digits and . _ : - (no spaces)`,
		);
	}
	if (typeof input.userId !== 'string' || input.userId.trim() === '' || input.userId.length > MAX_USER_ID_LENGTH) {
		throw new ConfigurationError('User ID', `must be 1 to ${MAX_USER_ID_LENGTH} characters`);
	}
	if (!Number.isInteger(input.ttlSeconds) || input.ttlSeconds < 1 || input.ttlSeconds > MAX_TOKEN_LIFETIME_SECONDS) {
		throw new ConfigurationError(
			'Acknowledgment Valid For',
			`must be a whole number of seconds between 1 and ${MAX_TOKEN_LIFETIME_SECONDS} (30 days)`,
		);
	}
	if (typeof input.audience !== 'string' || input.audience === '' || input.audience.length > MAX_USER_ID_LENGTH) {
		throw new ConfigurationError(
			'Acknowledgment Webhook URL',
			`must have a path of 1 to ${MAX_USER_ID_LENGTH} characters`,
		);
	}
	const kinds = [...new Set(input.kinds ?? ACKNOWLEDGMENT_KINDS)];
	if (kinds.length === 0 || !kinds.every((kind) => ACKNOWLEDGMENT_KINDS.includes(kind)))
		throw new ConfigurationError('Acknowledgment Kinds', `must be some of ${ACKNOWLEDGMENT_KINDS.join(', ')}`);
	const issuedAt = Math.floor((input.now ?? new Date()).getTime() / 1000);
	const claims = {
		n: input.noticeId,
		u: input.userId,
		e: issuedAt + input.ttlSeconds,
		i: issuedAt,
		r: input.nonce ?? crypto.randomBytes(9).toString('base64url'),
		k: ackKeyId(secret),
		a: input.audience,
		m: kinds,
	};
	const payload = base64url(JSON.stringify(claims));
	return `${VERSION}.${payload}.${base64url(signature(secret, payload))}`;
}

function malformed(message: string): AckTokenVerification {
	return { ok: false, reason: 'malformed', message };
}

/**
 * Checks a token against one or more secrets (the current one first, then any previous ones still
 * honoured during a rotation). Never throws on bad input: returns why the token was refused.
 */
export function verifyAckToken(
	token: unknown,
	secrets: string | string[],
	now: Date = new Date(),
	expectations: AckTokenExpectations = {},
): AckTokenVerification {
	// The current secret first, then the previous one: each named by its own field when too short.
	const given = Array.isArray(secrets) ? secrets : [secrets];
	if (typeof given[0] !== 'string' || given[0] === '') throw new ConfigurationError('Signing Secret', 'is empty');
	const keys = given
		.map((key, index) =>
			typeof key === 'string' && key !== ''
				? checkSecret(key, index === 0 ? 'Signing Secret' : 'Previous Signing Secret')
				: '',
		)
		.filter((key) => key !== '');
	if (typeof token !== 'string' || token === '') return malformed('No token was given');
	if (token.length > MAX_TOKEN_LENGTH) return malformed('The token is too long');
	const parts = token.split('.');
	if (parts.length === 3 && EARLIER_VERSIONS.has(parts[0]))
		return malformed('The token is of an earlier format that is no longer accepted: send the notice again');
	if (parts.length !== 3 || parts[0] !== VERSION) return malformed('The token is not an acknowledgment token');
	const [, payload, signatureText] = parts;
	const payloadBytes = fromBase64url(payload);
	const signed = fromBase64url(signatureText);
	if (!payloadBytes || !signed || payload === '' || signatureText === '')
		return malformed('The token is not base64url');
	let raw: Record<string, unknown>;
	try {
		const parsed = JSON.parse(payloadBytes.toString('utf8')) as unknown;
		if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
			return malformed('The token payload is not an object');
		raw = parsed as Record<string, unknown>;
	} catch {
		return malformed('The token payload is not JSON');
	}
	const { n, u, e, i, r, k, a, m } = raw;
	if (
		typeof a !== 'string' ||
		!Array.isArray(m) ||
		!m.every((kind) => ACKNOWLEDGMENT_KINDS.includes(kind as AcknowledgmentKind)) ||
		typeof n !== 'string' ||
		typeof u !== 'string' ||
		typeof e !== 'number' ||
		typeof i !== 'number' ||
		typeof r !== 'string' ||
		typeof k !== 'string' ||
		!Number.isFinite(e) ||
		!Number.isFinite(i)
	) {
		return malformed('The token lacks its claims');
	}
	const claims: AckTokenClaims = {
		noticeId: n,
		userId: u,
		expiresAt: e,
		issuedAt: i,
		nonce: r,
		audience: a,
		kinds: m as AcknowledgmentKind[],
	};

	const key = keys.find((candidate) => ackKeyId(candidate) === k);
	if (key === undefined) {
		// Not signed with any key we hold; still compare in constant time against the first key, so a
		// forger learns nothing from the timing of the answer.
		const expected = signature(keys[0], payload);
		if (signed.length === expected.length) crypto.timingSafeEqual(signed, expected);
		return { ok: false, reason: 'forged', message: "The token was not signed with this webhook's secret" };
	}
	const expected = signature(key, payload);
	if (signed.length !== expected.length || !crypto.timingSafeEqual(signed, expected)) {
		return { ok: false, reason: 'tampered', message: 'The token was altered after it was signed' };
	}
	if (!NOTICE_ID_PATTERN.test(n) || u === '') return malformed('The token carries an invalid notice or user ID');
	if (Math.floor(now.getTime() / 1000) >= e) {
		return {
			ok: false,
			reason: 'expired',
			message: `The acknowledgment link expired at ${new Date(e * 1000).toISOString()}`,
			claims,
		};
	}
	if (expectations.acceptsAudience && !expectations.acceptsAudience(a)) {
		return {
			ok: false,
			reason: 'otherAudience',
			message: 'The token was made for another acknowledgment webhook',
			claims,
		};
	}
	if (expectations.kind !== undefined && !claims.kinds.includes(expectations.kind)) {
		return {
			ok: false,
			reason: 'kindNotAllowed',
			message: `The token allows ${claims.kinds.join(' and ')}, not ${expectations.kind}`,
			claims,
		};
	}
	return { ok: true, claims };
}

/** Like verifyAckToken, but throws an AckTokenError on refusal. */
export function parseAckToken(token: unknown, secrets: string | string[], now?: Date): AckTokenClaims {
	const result = verifyAckToken(token, secrets, now);
	if (!result.ok) throw new AckTokenError(result.reason, result.message);
	return result.claims;
}

/** `<webhook URL>?token=<token>` (or `&token=` when the URL already has a query). */
export function acknowledgmentLink(webhookUrl: string, token: string): string {
	const url = webhookUrlOf(webhookUrl);
	url.searchParams.set('token', token);
	return url.toString();
}

/** The Acknowledgment Webhook URL, checked: absolute, http(s), without user info. */
function webhookUrlOf(webhookUrl: string): URL {
	let url: URL | undefined;
	try {
		url = new URL(webhookUrl);
	} catch {
		url = undefined;
	}
	if (url === undefined)
		throw new ConfigurationError('Acknowledgment Webhook URL', `"${hideUserInfo(webhookUrl)}" is not an absolute URL`);
	if (url.username || url.password) throw new ConfigurationError('Acknowledgment Webhook URL', USER_INFO_REFUSED);
	if (url.protocol !== 'https:' && url.protocol !== 'http:') {
		throw new ConfigurationError('Acknowledgment Webhook URL', 'must start with https:// (or http:// for tests)');
	}
	return url;
}

/** The data fields (all strings, as FCM requires) added to a message that requires acknowledgment. */
export interface AcknowledgmentDataFields {
	[key: string]: string;
	noticeId: string;
	ackRequired: 'true';
	ackToken: string;
	ackUrl: string;
	ackExpiresAt: string;
}

export interface AcknowledgmentRequest {
	secret: string;
	webhookUrl: string;
	noticeId: string;
	userId: string;
	ttlSeconds: number;
	now?: Date;
}

/**
 * Signs the tokens for one recipient and returns the data fields that carry them: `ackToken` for the app (it may
 * report `read` or `acknowledged`) and, in `ackUrl`, a link whose own token only acknowledges. Both name the
 * webhook they are for.
 */
export function acknowledgmentData(request: AcknowledgmentRequest): AcknowledgmentDataFields {
	const audience = ackAudience(request.webhookUrl);
	const token = signAckToken(request.secret, { ...request, audience, kinds: ACKNOWLEDGMENT_KINDS });
	const linkToken = signAckToken(request.secret, { ...request, audience, kinds: ['acknowledged'] });
	const issued = (request.now ?? new Date()).getTime();
	return {
		noticeId: request.noticeId,
		ackRequired: 'true',
		ackToken: token,
		ackUrl: acknowledgmentLink(request.webhookUrl, linkToken),
		ackExpiresAt: new Date(Math.floor(issued / 1000) * 1000 + request.ttlSeconds * 1000).toISOString(),
	};
}

/**
 * Recently seen acknowledgments, so a repeated one (a double tap, a retrying app, a replayed link) is
 * answered idempotently instead of being emitted again. Kept in a plain JSON object (the webhook's
 * workflow static data): `{ "<kind>|<notice>|<user>": [first seen ms, token expiry ms] }`.
 * Entries go when their token expires (a replay after that is refused as expired anyway) and the
 * oldest go first beyond `maxEntries`.
 */
export interface ReplayState {
	[key: string]: unknown;
	seen?: Record<string, [number, number]>;
}

export interface ReplayCheck {
	duplicate: boolean;
	/** When this (notice, user, kind) was first seen, ISO 8601. */
	firstSeenAt: string;
}

export class AcknowledgmentReplayWindow {
	constructor(
		private readonly state: ReplayState,
		private readonly maxEntries = 5000,
	) {}

	static key(noticeId: string, userId: string, kind: AcknowledgmentKind): string {
		return `${kind}|${noticeId}|${userId}`;
	}

	/** Records the acknowledgment unless already seen; says whether it was a repeat. */
	check(claims: AckTokenClaims, kind: AcknowledgmentKind, now: Date = new Date()): ReplayCheck {
		const nowMs = now.getTime();
		const seen: Record<string, [number, number]> = { ...(this.state.seen ?? {}) };
		for (const [key, entry] of Object.entries(seen)) {
			if (!Array.isArray(entry) || typeof entry[1] !== 'number' || entry[1] <= nowMs) delete seen[key];
		}
		const key = AcknowledgmentReplayWindow.key(claims.noticeId, claims.userId, kind);
		const previous = seen[key];
		if (previous) {
			this.state.seen = seen;
			return { duplicate: true, firstSeenAt: new Date(previous[0]).toISOString() };
		}
		seen[key] = [nowMs, claims.expiresAt * 1000];
		const keys = Object.keys(seen);
		for (const old of keys.slice(0, Math.max(0, keys.length - this.maxEntries))) delete seen[old];
		// A new object assigned as a whole, so n8n's static data proxy notices the change.
		this.state.seen = seen;
		return { duplicate: false, firstSeenAt: now.toISOString() };
	}
}

/**
 * Adds to `state` the entries of `other` it lacks (keeping the earlier first-seen time of a key both hold).
 * The webhook keeps one window in memory, so that back-to-back or concurrent repeats are caught before
 * n8n has saved the static data, and merges the saved copy into it.
 */
export function mergeReplayState(state: ReplayState, other: ReplayState): void {
	const seen: Record<string, [number, number]> = { ...(state.seen ?? {}) };
	for (const [key, entry] of Object.entries(other.seen ?? {})) {
		if (!Array.isArray(entry) || typeof entry[0] !== 'number' || typeof entry[1] !== 'number') continue;
		const mine = seen[key];
		if (!mine || entry[0] < mine[0]) seen[key] = [entry[0], entry[1]];
	}
	state.seen = seen;
}
