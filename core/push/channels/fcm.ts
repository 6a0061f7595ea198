/**
 * Firebase Cloud Messaging HTTP v1: one target (token, topic or condition) per request, a Bearer token from
 * the service account (./fcm-auth). Builds the `message` with its android / apns / webpush blocks from the
 * message model, checks what Google's Admin SDK checks locally (topic names; image URLs in message.ts) and FCM's
 * payload limit before sending, and maps FCM's error codes to outcomes: UNREGISTERED, and a 400 saying the token is
 * no valid registration token, → unregistered (the workflow should drop the token); THIRD_PARTY_AUTH_ERROR (that
 * recipient's APNs certificate or web push key) and the others → failed with the code.
 *
 * Where each value goes: the link opens from `webpush.fcm_options.link` (https only) on the web and from
 * `data.link` in the apps (Android's `click_action` names an intent action and opens no URL, APNs has no link
 * field); the collapse key goes to Android as it is and to the Web Push Topic and APNs collapse id in a form they
 * take (./platform-keys).
 */
import type { RetryPolicy } from '../../../transport/http/retry';
import { headerValue, jsonObject, type HttpResponse, type HttpTransport } from '../../../transport/http/types';
import { credentialRejected, networkOutcome, serverText, setupRejected } from '../failures';
import { PushValidationError, type PushMessage } from '../message';
import { sendWithRetry } from '../retry';
import type {
	BatchOutcome,
	ChannelAddress,
	ChannelReach,
	ChannelOutcome,
	Delivery,
	PushChannel,
	PushRecipient,
	SendContext,
} from '../types';
import { FcmAccessTokens, parseServiceAccount, type ServiceAccount } from './fcm-auth';
import { apnsCollapseId, webPushTopic } from './platform-keys';

/** The topic names Google's Admin SDK lets through (after removing a /topics/ prefix). */
const TOPIC_NAME = /^[a-zA-Z0-9-_.~%]+$/;

/** The data of a message: the user's, plus the link under `link` for the apps, unless the data names its own. */
function dataOf(message: PushMessage): Record<string, string> | undefined {
	const data = message.data ?? {};
	if (message.link && data.link === undefined) return { ...data, link: message.link };
	return Object.keys(data).length > 0 ? data : undefined;
}

/** FCM's limit on notification + data, in bytes; topics have half of it. */
export const FCM_PAYLOAD_LIMIT = 4096;
export const FCM_TOPIC_PAYLOAD_LIMIT = 2048;

export interface FcmChannelSettings {
	/** The service-account key file, as text or parsed. */
	serviceAccount: string | ServiceAccount;
	/** Default https://fcm.googleapis.com; an emulator's URL in tests. */
	baseUrl?: string;
	/** Per request (default 15 s). */
	timeoutMs?: number;
	/** Retries of the token request (sends use the dispatch's policy). */
	retry?: RetryPolicy;
	/** FCM validate_only: FCM checks the message and delivers nothing. */
	validateOnly?: boolean;
	/**
	 * The transport signs every request and renews the access token itself (n8n's authenticated requests, with
	 * the credential's preAuthentication): the channel then adds no Authorization header and fetches no token.
	 */
	signedByTransport?: boolean;
}

/** Device tokens (a person's, or bare ones), topics and conditions. */
export const FCM_REACH: ChannelReach = {
	kinds: ['person', 'token', 'topic', 'condition'],
	personFields: ['deviceTokens'],
};

/** The `message` object of messages:send for one target. */
export function buildFcmMessage(message: PushMessage, address: ChannelAddress): Record<string, unknown> {
	return compact(fcmMessageFields(message, address)) ?? {};
}

function fcmMessageFields(message: PushMessage, address: ChannelAddress): Record<string, unknown> {
	const target =
		address.kind === 'topic'
			? { topic: address.value }
			: address.kind === 'condition'
				? { condition: address.value }
				: { token: address.value };
	const visible = message.silent !== true;
	const high = message.priority === 'high';
	const notification = visible
		? compact({ title: message.title, body: message.body, image: message.image })
		: undefined;
	const ttl = message.ttlSeconds;
	return {
		...target,
		notification,
		data: dataOf(message),
		android: compact({
			collapse_key: message.collapseKey,
			priority: high ? 'high' : 'normal',
			ttl: ttl !== undefined ? `${ttl}s` : undefined,
			notification: visible ? compact({ channel_id: message.category }) : undefined,
		}),
		apns: compact({
			headers: compact({
				// APNs: 10 = now, 5 = when convenient; a background (silent) push must use 5.
				'apns-priority': high && visible ? '10' : '5',
				'apns-collapse-id': apnsCollapseId(message.collapseKey),
				'apns-expiration': ttl !== undefined ? String(Math.floor(Date.now() / 1000) + ttl) : undefined,
				'apns-push-type': visible ? undefined : 'background',
			}),
			payload: { aps: compact({ category: message.category, 'content-available': visible ? undefined : 1 }) },
		}),
		webpush: compact({
			headers: compact({
				TTL: ttl !== undefined ? String(ttl) : undefined,
				Urgency: high ? 'high' : 'normal',
				Topic: webPushTopic(message.collapseKey),
			}),
			// FCM accepts only https links for web push.
			fcm_options: message.link?.startsWith('https://') ? { link: message.link } : undefined,
		}),
	};
}

/** Bytes FCM counts against the limit: the notification and data parts. */
export function fcmPayloadBytes(fcmMessage: Record<string, unknown>): number {
	return Buffer.byteLength(
		JSON.stringify({ notification: fcmMessage.notification ?? {}, data: fcmMessage.data ?? {} }),
		'utf8',
	);
}

/** The object without undefined and empty-string fields; undefined when nothing is left. A plain loop: this runs per message. */
function compact<T extends Record<string, unknown>>(object: T): T | undefined {
	let result: Record<string, unknown> | undefined;
	for (const key in object) {
		const value = object[key];
		if (value === undefined || value === '') continue;
		result ??= {};
		result[key] = value;
	}
	return result as T | undefined;
}

/** FCM's code for an APNs certificate or web push key that is invalid: that recipient's platform fails, not the sender. */
const THIRD_PARTY_AUTH_ERROR = 'THIRD_PARTY_AUTH_ERROR';

/**
 * A 400 INVALID_ARGUMENT about the token itself (a BadRequest field violation on message.token, or the text FCM
 * sends: "The registration token is not a valid FCM registration token"): the token is dead.
 */
export function isInvalidTokenAnswer(response: HttpResponse): boolean {
	if (response.status !== 400 || fcmErrorCode(response.body) !== 'INVALID_ARGUMENT') return false;
	const error = jsonObject(jsonObject(response.body)?.error);
	const details = Array.isArray(error?.details) ? error.details : [];
	const onToken = details.some((detail) => {
		const violations = jsonObject(detail)?.fieldViolations;
		return (
			Array.isArray(violations) && violations.some((violation) => jsonObject(violation)?.field === 'message.token')
		);
	});
	return onToken || /not a valid FCM registration token/i.test(typeof error?.message === 'string' ? error.message : '');
}

/** FCM's error code: the FcmError detail (UNREGISTERED, QUOTA_EXCEEDED...) or the Google status. */
export function fcmErrorCode(body: unknown): string | undefined {
	const error = jsonObject(jsonObject(body)?.error);
	if (!error) return undefined;
	if (Array.isArray(error.details)) {
		for (const detail of error.details) {
			const code = jsonObject(detail)?.errorCode;
			if (typeof code === 'string') return code;
		}
	}
	return typeof error.status === 'string' ? error.status : undefined;
}

/**
 * Google asks senders to wait at least a minute after a QUOTA_EXCEEDED 429 that names no Retry-After; this
 * transport adds `Retry-After: 60` to such answers, so the retry loop waits that long, or (when the dispatch's
 * maxRetryAfterMs is lower) reports the recipient failed at once instead of hammering the quota.
 */
function quotaWaitsAMinute(transport: HttpTransport): HttpTransport {
	return {
		async request(request) {
			const response = await transport.request(request);
			if (response.status !== 429 || headerValue(response.headers, 'retry-after') !== undefined) return response;
			return { ...response, headers: { ...response.headers, 'retry-after': '60' } };
		},
	};
}

/** A 401 that refuses the access token (not THIRD_PARTY_AUTH_ERROR, which is one recipient's platform): a new token may help. */
export function isRefusedAccessToken(response: HttpResponse): boolean {
	return response.status === 401 && fcmErrorCode(response.body) !== THIRD_PARTY_AUTH_ERROR;
}

export class FcmChannel implements PushChannel {
	readonly name = 'fcm' as const;
	readonly maxBatchSize = 1;
	private readonly account: ServiceAccount;
	/** Undefined when the transport signs the requests (settings.signedByTransport). */
	private readonly tokens?: FcmAccessTokens;
	private readonly sendUrl: string;
	private readonly sendTransport: HttpTransport;
	private readonly rendered = new WeakMap<PushMessage, { fields: Array<[string, unknown]>; bytes: number }>();

	constructor(
		transport: HttpTransport,
		private readonly settings: FcmChannelSettings,
	) {
		this.account = parseServiceAccount(settings.serviceAccount);
		this.tokens = settings.signedByTransport
			? undefined
			: new FcmAccessTokens(transport, this.account, { retry: settings.retry, timeoutMs: settings.timeoutMs });
		this.sendTransport = quotaWaitsAMinute(transport);
		const base = (settings.baseUrl ?? 'https://fcm.googleapis.com').replace(/\/+$/, '');
		this.sendUrl = `${base}/v1/projects/${encodeURIComponent(this.account.project_id)}/messages:send`;
	}

	addresses(recipient: PushRecipient): ChannelAddress[] {
		switch (recipient.kind) {
			case 'person':
				return [...new Set(recipient.deviceTokens ?? [])]
					.filter((token) => token.trim() !== '')
					.map((value) => ({ kind: 'token' as const, value }));
			case 'token':
				return [{ kind: 'token', value: recipient.token }];
			case 'topic':
				return [{ kind: 'topic', value: recipient.topic.replace(/^\/topics\//, '') }];
			case 'condition':
				return [{ kind: 'condition', value: recipient.condition }];
			default:
				return [];
		}
	}

	prepare(deliveries: Delivery[]): unknown {
		const [delivery] = deliveries;
		// A broadcast sends one PushMessage object to many tokens: render it and measure it once.
		let rendered = this.rendered.get(delivery.message);
		if (!rendered) {
			const { token: _token, ...fields } = buildFcmMessage(delivery.message, { kind: 'token', value: 'x' });
			rendered = { fields: Object.entries(fields), bytes: fcmPayloadBytes(fields) };
			this.rendered.set(delivery.message, rendered);
		}
		const address = delivery.address;
		if (address.kind === 'topic' && !TOPIC_NAME.test(address.value)) {
			throw new PushValidationError(
				'Topic',
				`"${address.value}" is not a valid FCM topic name: use letters, digits and - _ . ~ % only`,
			);
		}
		const limit = address.kind === 'token' ? FCM_PAYLOAD_LIMIT : FCM_TOPIC_PAYLOAD_LIMIT;
		const bytes = rendered.bytes;
		if (bytes > limit) {
			throw new PushValidationError(
				'Body',
				`and Data make a ${bytes}-byte FCM payload; FCM allows ${limit} bytes${limit < FCM_PAYLOAD_LIMIT ? ' for topics and conditions' : ''}: shorten them`,
				'PAYLOAD_TOO_LARGE',
			);
		}
		// The target first, then the rendered fields, by assignment: an object spread here cost more than the rest of prepare.
		const message: Record<string, unknown> = {};
		message[address.kind === 'topic' || address.kind === 'condition' ? address.kind : 'token'] = address.value;
		for (const [name, value] of rendered.fields) message[name] = value;
		return this.settings.validateOnly ? { validate_only: true, message } : { message };
	}

	async send(deliveries: Delivery[], prepared: unknown, context: SendContext): Promise<BatchOutcome> {
		const address = deliveries[0]?.address;
		let attempts = 0;
		for (let renewed = false; ; renewed = true) {
			// Every request but the first finds the token cached: no promise to wait for then.
			const token = this.tokens && (this.tokens.cachedToken() ?? (await this.tokens.token()));
			const sent = await sendWithRetry(
				this.sendTransport,
				{
					method: 'POST',
					url: this.sendUrl,
					// FCM has no idempotency header; Idempotency-Key (IETF draft) is ignored by FCM and honoured by the emulator.
					headers:
						token === undefined
							? { 'idempotency-key': context.idempotencyKey }
							: { authorization: `Bearer ${token}`, 'idempotency-key': context.idempotencyKey },
					json: prepared,
					timeoutMs: this.settings.timeoutMs ?? 15_000,
				},
				context.retry,
			);
			attempts += sent.attempts;
			if (!sent.response) return { outcomes: [networkOutcome(sent.failure, this.sendUrl, 'FCM')], attempts };
			if (this.tokens && token !== undefined && !renewed && isRefusedAccessToken(sent.response)) {
				// An access token can be revoked before it expires: renew once.
				this.tokens.invalidate(token);
				continue;
			}
			return { outcomes: [this.outcome(sent.response, address)], attempts };
		}
	}

	private outcome(response: HttpResponse, address: ChannelAddress | undefined): ChannelOutcome {
		const body = jsonObject(response.body);
		if (response.status === 200)
			return { status: 'sent', messageId: typeof body?.name === 'string' ? body.name : undefined };
		const code = fcmErrorCode(response.body) ?? `HTTP_${response.status}`;
		const text = serverText(response.body);
		const reason = `FCM answered HTTP ${response.status} ${code}${text ? `: ${text}` : ''}`;
		if (code === 'UNREGISTERED' || (response.status === 404 && code === 'NOT_FOUND')) {
			return {
				status: 'unregistered',
				errorCode: 'UNREGISTERED',
				reason: 'The device token is no longer registered (app uninstalled or token expired): remove it',
			};
		}
		if (address?.kind === 'token' && isInvalidTokenAnswer(response)) {
			return {
				status: 'unregistered',
				errorCode: 'INVALID_REGISTRATION_TOKEN',
				reason: 'FCM says this is not a valid registration token (mistyped, truncated, or from another app): remove it',
			};
		}
		if (code === THIRD_PARTY_AUTH_ERROR) {
			// The recipient's platform refused FCM, not our credential: only this recipient fails.
			return {
				status: 'failed',
				errorCode: code,
				reason: `${reason}. The APNs certificate or web push key configured in Firebase for this device's platform is invalid: fix it in the Firebase console`,
			};
		}
		if (response.status === 401) {
			throw credentialRejected(
				'FCM',
				this.sendUrl,
				401,
				'Check the service-account key file and that the Firebase Cloud Messaging API is enabled for the project',
			);
		}
		if (response.status === 403 && code !== 'SENDER_ID_MISMATCH') {
			throw setupRejected(
				'FCM',
				this.sendUrl,
				403,
				response.body,
				'Give the service account the Firebase Cloud Messaging API Admin role, and enable the FCM API in the project',
			);
		}
		return { status: 'failed', errorCode: code, reason };
	}
}
