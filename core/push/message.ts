/**
 * The push message model, one shape for every channel, and the checks every channel needs before anything
 * is sent. Channel-specific limits (FCM's 4 KB) are checked by the channel's prepare().
 */
import { createHash, hash } from 'node:crypto';
import type { AudienceMember } from '../audience';
import type { UserFields } from '../directory/backend';
import { ConfigurationError } from '../errors';
import type { PushPerson, PushRecipient } from './recipients';

export interface PushMessage {
	title?: string;
	body?: string;
	/** Key → string pairs for the app (FCM accepts string values only). */
	data?: Record<string, string>;
	/** Deep link or URL opened when the notification is tapped (FCM click_action / webpush link). */
	link?: string;
	/** Image URL shown with the notification. */
	image?: string;
	/** 'high' wakes a sleeping device; default 'normal'. */
	priority?: 'normal' | 'high';
	/** How long a service keeps the message for an offline device, in seconds. */
	ttlSeconds?: number;
	/** Messages with the same key replace each other on the device (only the last one shows). */
	collapseKey?: string;
	/** Notification category / channel id (Android channel, APNs category). */
	category?: string;
	/** Data-only: no visible notification, the app handles it. */
	silent?: boolean;
	/** The recipient must acknowledge; the ack-token module's decorate hook adds the signed link. */
	requireAcknowledgment?: boolean;
}

/** A message field is wrong. `field` names the node parameter, as ConfigurationError does. */
export class PushValidationError extends ConfigurationError {
	/** Machine-readable code for results, e.g. INVALID_ARGUMENT, PAYLOAD_TOO_LARGE. */
	readonly code: string;

	constructor(field: string, problem: string, code = 'INVALID_ARGUMENT') {
		super(field, problem);
		this.name = 'PushValidationError';
		this.code = code;
	}
}

/**
 * Data keys FCM reserves (FCM's error-code page): the words `from` and `message_type`, and every key starting with
 * `google` or `gcm`. `collapse_key` is allowed in the payload. A message using a reserved key is rejected by FCM.
 */
export const RESERVED_DATA_KEYS = new Set(['from', 'message_type']);
export const RESERVED_DATA_PREFIXES = ['google', 'gcm'];

/**
 * An http(s) URL with a host and nothing a URL may not contain: what Google's Admin SDK checks an image URL
 * against before it sends (a picture is fetched by the device over HTTP).
 */
export function isHttpUrl(value: string): boolean {
	if (/[^a-z0-9:/?#[\]@!$&'()*+,;=.\-_~%]/i.test(value)) return false;
	let url: URL;
	try {
		url = new URL(value);
	} catch {
		return false;
	}
	return (
		(url.protocol === 'http:' || url.protocol === 'https:') &&
		/^[a-z0-9]+[\w-]*(\.[a-z0-9]+[\w-]*)*$/i.test(url.hostname) &&
		/^\/\//.test(value.slice(url.protocol.length))
	);
}

/** Why the message cannot be sent, or undefined when it can. */
export function messageProblem(message: PushMessage): PushValidationError | undefined {
	const silent = message.silent === true;
	if (!silent && !message.title?.trim() && !message.body?.trim()) {
		return new PushValidationError(
			'Title',
			'and Body are both empty: give at least one, or send a silent (data-only) message',
		);
	}
	if (silent && Object.keys(message.data ?? {}).length === 0) {
		return new PushValidationError('Data', 'is empty, but a silent message carries only data: add at least one key');
	}
	for (const [key, value] of Object.entries(message.data ?? {})) {
		if (key.trim() === '') return new PushValidationError('Data', 'has an empty key');
		if (
			RESERVED_DATA_KEYS.has(key.toLowerCase()) ||
			RESERVED_DATA_PREFIXES.some((prefix) => key.toLowerCase().startsWith(prefix))
		) {
			return new PushValidationError(
				'Data',
				`key "${key}" is reserved by FCM (from, message_type, and keys starting with google or gcm): rename it`,
			);
		}
		if (typeof value !== 'string') {
			return new PushValidationError(
				'Data',
				`value of "${key}" is a ${value === null ? 'null' : typeof value}: data values must be strings (JSON-encode objects)`,
			);
		}
	}
	if (message.priority !== undefined && message.priority !== 'normal' && message.priority !== 'high') {
		return new PushValidationError('Priority', `must be "normal" or "high", not "${String(message.priority)}"`);
	}
	if (
		message.ttlSeconds !== undefined &&
		(!Number.isInteger(message.ttlSeconds) || message.ttlSeconds < 0 || message.ttlSeconds > 2_419_200)
	) {
		return new PushValidationError('Time to Live', 'must be a whole number of seconds from 0 to 2419200 (28 days)');
	}
	if (message.link !== undefined && message.link !== '' && !/^[a-z][a-z0-9+.-]*:/i.test(message.link)) {
		return new PushValidationError(
			'Link',
			`"${message.link}" is not a URL or deep link (it needs a scheme such as https: or myapp:)`,
		);
	}
	if (message.image !== undefined && message.image !== '' && !isHttpUrl(message.image)) {
		return new PushValidationError(
			'Image',
			`"${message.image}" is not an http(s) URL of a picture (spaces and other characters must be percent-encoded)`,
		);
	}
	return undefined;
}

/** Throws the first problem of the message: call before sending anything. */
export function validateMessage(message: PushMessage): void {
	const problem = messageProblem(message);
	if (problem) throw problem;
}

/** A stable key for a message's content: the default message key of idempotency keys. */
export function messageFingerprint(message: PushMessage): string {
	const sorted = (value: unknown): unknown => {
		if (Array.isArray(value)) return value.map(sorted);
		if (value && typeof value === 'object') {
			return Object.fromEntries(
				Object.entries(value as Record<string, unknown>)
					.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
					.map(([k, v]) => [k, sorted(v)]),
			);
		}
		return value;
	};
	return createHash('sha256')
		.update(JSON.stringify(sorted(message)))
		.digest('hex')
		.slice(0, 32);
}

/**
 * The idempotency key of one delivery: the same message to the same address on the same channel. One-shot
 * crypto.hash (Node 20.12+): it runs per address, and is about twice as fast as createHash().update().digest().
 */
export function idempotencyKey(messageKey: string, channel: string, address: { kind: string; value: string }): string {
	return hash('sha256', `${messageKey}\u0000${channel}\u0000${address.kind}\u0000${address.value}`, 'hex').slice(0, 40);
}

/** How a recipient is named in results. */
export function recipientLabel(recipient: PushRecipient): string {
	switch (recipient.kind) {
		case 'person':
			return recipient.userId;
		case 'token':
			return recipient.token;
		case 'topic':
			return recipient.topic;
		case 'condition':
			return recipient.condition;
		case 'group':
			return recipient.group;
	}
}

/** The fields of a person personFromMember reads: what an audience send asks the directory for (core/audience.ts). */
export const PUSH_PERSON_FIELDS = ['login', 'displayName', 'mail', 'mobile'] as const satisfies UserFields;

/** A directory audience member as a push recipient. */
export function personFromMember(
	member: Pick<AudienceMember, 'id' | 'login' | 'displayName' | 'mail' | 'mobile' | 'deviceTokens'>,
): PushRecipient & { kind: 'person' } {
	const person: PushPerson = {
		userId: member.id,
		login: member.login,
		displayName: member.displayName,
		mail: member.mail,
		mobile: member.mobile,
		deviceTokens: member.deviceTokens,
	};
	return { kind: 'person', ...person };
}

/** Audience pages (resolveAudience) as recipient pages, lazily: the dispatcher pulls a page when it needs one. */
export async function* recipientsFromAudience(pages: AsyncIterable<AudienceMember[]>): AsyncGenerator<PushRecipient[]> {
	for await (const page of pages) yield page.map(personFromMember);
}
