/**
 * OpenText Cloud Messaging (Notifications, MRA v1 REST API): push through `/mra/v1/utils/parser` (domain MR,
 * a base64 JSON push request), and SMS and email through `/mra/v1/outbound/{sms|emails}` as fallbacks; the
 * status of a job by its job_id. Every submission carries `X-MRA-SubmitId` (the delivery's idempotency key),
 * which MRA uses to recognise a repeated submission.
 *
 * The inner push request schema is not public (uncertain): buildMraPushRequest() uses field names of our
 * choosing, and `pushOverride` lets a user replace any of its fields with the schema of their tenant.
 */
import { hasUserInfo, USER_INFO_REFUSED } from '../../../transport/url-text';
import { ConfigurationError } from '../../errors';
import type { RetryPolicy } from '../../../transport/http/retry';
import { jsonObject, type HttpRequest, type HttpResponse, type HttpTransport } from '../../../transport/http/types';
import { credentialRejected, networkOutcome, serverText, setupRejected, statusOutcome } from '../failures';
import type { PushMessage } from '../message';
import { sendWithRetry } from '../retry';
import type {
	BatchOutcome,
	ChannelAddress,
	ChannelName,
	ChannelReach,
	ChannelOutcome,
	Delivery,
	PushChannel,
	PushRecipient,
	SendContext,
} from '../types';
import { MraAuthorization, type MraAuth } from './mra-auth';

export type { MraAuth } from './mra-auth';

export interface MraSettings {
	/** Region host, e.g. https://t2api.us.cloudmessaging.opentext.com (a trailing /mra/v1 is accepted). */
	baseUrl: string;
	/** How the client signs in; not needed when signedByTransport. */
	auth?: MraAuth;
	/**
	 * The transport signs every request and renews the tenant token itself (n8n's authenticated requests, with
	 * the credential's preAuthentication): the client then adds no Authorization header and fetches no token.
	 */
	signedByTransport?: boolean;
	/** Per request (default 15 s). */
	timeoutMs?: number;
	/** Retries of the token request (sends use the dispatch's policy). */
	retry?: RetryPolicy;
	/** Fields that replace those of the built inner push request (the tenant's own schema). */
	pushOverride?: Record<string, unknown>;
	/** Subject of fallback emails when the message has no title. */
	emailSubject?: string;
}

export type MraJobKind = 'sms' | 'emails' | 'faxes';

/** One attempt to deliver to one destination. */
export interface MraDeliveryAttempt {
	/** Sent, Error, Pending, InProcess, Submitted or Cancelled. */
	state?: string;
	gammaCode?: string;
	firstAttempt?: string;
	deliveryTime?: string;
}

/** One destination of a job, as the status names it. */
export interface MraDelivery {
	/** The `ref` sent with the destination, decoded from ref_base64. */
	ref?: string;
	/** Which kind the destination was given under: sms, email or fax. */
	destinationKind?: 'sms' | 'email' | 'fax';
	destination?: string;
	/** The state of the latest attempt. */
	state?: string;
	attempts: MraDeliveryAttempt[];
}

/**
 * A job's status in its public shape (OpenText's Fax/SMS REST quick start and API reference): job_state is a list
 * (e.g. Complete, Posted); each delivery carries ref_base64, its destination under its kind and its attempts;
 * events is an object of lists such as sms_delivery_events.
 */
export interface MraJobStatus {
	jobId: string;
	/** MRA's job_state, e.g. ['Complete', 'Posted']. */
	jobState: string[];
	deliveries: MraDelivery[];
	events: Record<string, unknown>;
	/** The answer as MRA gave it. */
	raw: Record<string, unknown>;
}

/** Push: device tokens (a person's, or bare ones) and topics; the SMS and email fallbacks: a person's mobile or mail. */
export const MRA_PUSH_REACH: ChannelReach = { kinds: ['person', 'token', 'topic'], personFields: ['deviceTokens'] };
export const MRA_SMS_REACH: ChannelReach = { kinds: ['person'], personFields: ['mobile'] };
export const MRA_EMAIL_REACH: ChannelReach = { kinds: ['person'], personFields: ['mail'] };

const DESTINATION_KINDS = ['sms', 'email', 'fax'] as const;
const text = (value: unknown): string | undefined =>
	typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;

/** One delivery of a status answer. */
function readDelivery(entry: Record<string, unknown>): MraDelivery {
	const attempts = (Array.isArray(entry.delivery_attempts) ? entry.delivery_attempts : []).map(
		(raw): MraDeliveryAttempt => {
			const attempt = jsonObject(raw) ?? {};
			return JSON.parse(
				JSON.stringify({
					state: text(attempt.state),
					gammaCode: text(attempt.gamma_code),
					firstAttempt: text(attempt.first_attempt),
					deliveryTime: text(attempt.delivery_time),
				}),
			) as MraDeliveryAttempt;
		},
	);
	const destinationKind = DESTINATION_KINDS.find((kind) => text(entry[kind]) !== undefined);
	const refBase64 = text(entry.ref_base64);
	const delivery: MraDelivery = {
		ref: refBase64 !== undefined ? Buffer.from(refBase64, 'base64').toString('utf8') : text(entry.ref),
		destinationKind,
		destination: destinationKind ? text(entry[destinationKind]) : undefined,
		state: attempts[attempts.length - 1]?.state,
		attempts,
	};
	return JSON.parse(JSON.stringify(delivery)) as MraDelivery;
}

/** The inner push request (uncertain schema): our message model under documented names, then the override. */
export function buildMraPushRequest(
	message: PushMessage,
	addresses: ChannelAddress[],
	override: Record<string, unknown> = {},
): Record<string, unknown> {
	const built: Record<string, unknown> = {
		destinations: addresses.map((address, index) => ({
			ref: String(index + 1),
			...(address.kind === 'topic' ? { topic: address.value } : { device_token: address.value }),
		})),
		notification: message.silent
			? undefined
			: {
					title: message.title,
					body: message.body,
					image: message.image,
					link: message.link,
					category: message.category,
				},
		data: message.data ?? {},
		options: {
			priority: message.priority ?? 'normal',
			ttl_seconds: message.ttlSeconds,
			collapse_key: message.collapseKey,
			silent: message.silent === true,
		},
	};
	return JSON.parse(JSON.stringify({ ...built, ...override })) as Record<string, unknown>;
}

/** The SMS text: title and body on one line, then the link. */
export function smsText(message: PushMessage): string {
	const head = [message.title, message.body].filter((part) => part && part.trim() !== '').join(': ');
	return message.link ? `${head} ${message.link}`.trim() : head;
}

/** Turns one MRA answer into an outcome; throws when the credential or URL is wrong for every recipient. */
function mraOutcome(response: HttpResponse, url: string): ChannelOutcome {
	const body = jsonObject(response.body);
	if (response.status >= 200 && response.status < 300) {
		return { status: 'sent', messageId: typeof body?.job_id === 'string' ? body.job_id : undefined };
	}
	if (response.status === 401)
		throw credentialRejected(
			'OpenText Cloud Messaging',
			url,
			401,
			'Check the user name and password, or the tenant, client ID and secret, of the Cloud Messaging credential',
		);
	if (response.status === 403)
		throw setupRejected(
			'OpenText Cloud Messaging',
			url,
			403,
			response.body,
			'Ask the tenant administrator to allow this account to send push, SMS or email',
		);
	const code = typeof body?.error_code === 'string' ? body.error_code : undefined;
	if (code === 'UNREGISTERED' || /unregistered|not registered/i.test(serverText(response.body) ?? '')) {
		return {
			status: 'unregistered',
			errorCode: 'UNREGISTERED',
			reason: 'The device token is no longer registered: remove it',
		};
	}
	return statusOutcome(response, 'OpenText Cloud Messaging', code);
}

/** The Authorization header, unless the transport signs the request. */
const signedWith = (authorization: string | undefined): Record<string, string> =>
	authorization === undefined ? {} : { authorization };

/** One Cloud Messaging tenant: its channels (push, SMS, email) and job status. */
export class MraClient {
	readonly apiUrl: string;
	/** Undefined when the transport signs the requests (settings.signedByTransport). */
	private readonly authorization?: MraAuthorization;

	constructor(
		private readonly transport: HttpTransport,
		readonly settings: MraSettings,
	) {
		const base = settings.baseUrl
			?.trim()
			.replace(/\/+$/, '')
			.replace(/\/mra\/v1$/i, '');
		if (base && hasUserInfo(base)) throw new ConfigurationError('Base URL', USER_INFO_REFUSED);
		if (!base || !/^https?:\/\/[^/]+/i.test(base)) {
			throw new ConfigurationError(
				'Base URL',
				'must be the https:// URL of the region, e.g. https://t2api.us.cloudmessaging.opentext.com',
			);
		}
		this.apiUrl = `${base}/mra/v1`;
		if (!settings.signedByTransport) {
			if (!settings.auth) throw new ConfigurationError('Authentication', 'is missing: choose Basic or OAuth2');
			this.authorization = new MraAuthorization(transport, settings.auth, {
				retry: settings.retry,
				timeoutMs: settings.timeoutMs,
			});
		}
	}

	pushChannel(): PushChannel {
		return new MraChannel(this, 'mraPush', (recipient) => {
			if (recipient.kind === 'person')
				return (recipient.deviceTokens ?? [])
					.filter((token) => token.trim() !== '')
					.map((value) => ({ kind: 'token' as const, value }));
			if (recipient.kind === 'token') return [{ kind: 'token', value: recipient.token }];
			if (recipient.kind === 'topic') return [{ kind: 'topic', value: recipient.topic }];
			return [];
		});
	}

	smsChannel(): PushChannel {
		return new MraChannel(this, 'mraSms', (recipient) =>
			recipient.kind === 'person' && recipient.mobile?.trim()
				? [{ kind: 'phone', value: recipient.mobile.trim() }]
				: [],
		);
	}

	emailChannel(): PushChannel {
		return new MraChannel(this, 'mraEmail', (recipient) =>
			recipient.kind === 'person' && recipient.mail?.trim() ? [{ kind: 'email', value: recipient.mail.trim() }] : [],
		);
	}

	/** The request body of one delivery on a channel. */
	body(channel: ChannelName, delivery: Delivery): { path: string; json: unknown } {
		const { message, address } = delivery;
		if (channel === 'mraSms')
			return { path: '/outbound/sms', json: { destinations: [{ sms: address.value }], sms_text: smsText(message) } };
		if (channel === 'mraEmail') {
			const text = [message.body ?? '', message.link ?? ''].filter((part) => part !== '').join('\n\n');
			return {
				path: '/outbound/emails',
				json: {
					options: { email_options: { subject: message.title ?? this.settings.emailSubject ?? 'Notification' } },
					destinations: [{ ref: '1', email: address.value }],
					body: [
						{ name: 'message.txt', type: 'text', charset: 'UTF-8', data: Buffer.from(text, 'utf8').toString('base64') },
					],
				},
			};
		}
		const inner = buildMraPushRequest(message, [address], this.settings.pushOverride);
		return {
			path: '/utils/parser',
			json: {
				domain: 'MR',
				filename: 'push.json',
				data: Buffer.from(JSON.stringify(inner), 'utf8').toString('base64'),
			},
		};
	}

	/** Submits one body with the submit id; renews an OAuth token once when it is refused. */
	async submit(path: string, json: unknown, context: SendContext): Promise<BatchOutcome> {
		const url = `${this.apiUrl}${path}`;
		let attempts = 0;
		for (let renewed = false; ; renewed = true) {
			const authorization = await this.authorization?.header();
			const request: HttpRequest = {
				method: 'POST',
				url,
				headers: { ...signedWith(authorization), 'x-mra-submitid': context.idempotencyKey },
				json,
				timeoutMs: this.settings.timeoutMs ?? 15_000,
			};
			const sent = await sendWithRetry(this.transport, request, context.retry);
			attempts += sent.attempts;
			if (!sent.response)
				return { outcomes: [networkOutcome(sent.failure, url, 'OpenText Cloud Messaging')], attempts };
			if (sent.response.status === 401 && !renewed && authorization && this.authorization?.renewable) {
				this.authorization.invalidate(authorization);
				continue;
			}
			return { outcomes: [mraOutcome(sent.response, url)], attempts };
		}
	}

	/** The state of a submitted SMS, email or fax job. */
	async jobStatus(kind: MraJobKind, jobId: string): Promise<MraJobStatus> {
		const url = `${this.apiUrl}/outbound/${kind}/status`;
		const authorization = await this.authorization?.header();
		const { response, failure } = await sendWithRetry(
			this.transport,
			{
				method: 'GET',
				url,
				qs: { job_id: jobId },
				headers: signedWith(authorization),
				timeoutMs: this.settings.timeoutMs ?? 15_000,
			},
			this.settings.retry,
		);
		if (!response)
			throw new ConfigurationError(
				'Job ID',
				`could not be looked up: ${networkOutcome(failure, url, 'OpenText Cloud Messaging').reason ?? 'no answer'}`,
			);
		const outcome = mraOutcome(response, url);
		const body = jsonObject(response.body) ?? {};
		if (outcome.status !== 'sent')
			throw new ConfigurationError('Job ID', `"${jobId}" was not found or not readable: ${outcome.reason ?? ''}`);
		const deliveries = Array.isArray(body.deliveries) ? body.deliveries.map((entry) => jsonObject(entry) ?? {}) : [];
		const jobState = Array.isArray(body.job_state) ? body.job_state : [body.job_state];
		return {
			jobId,
			jobState: jobState.map(text).filter((state): state is string => state !== undefined),
			deliveries: deliveries.map(readDelivery),
			events: jsonObject(body.events) ?? {},
			raw: body,
		};
	}
}

/** One of the tenant's ways to deliver; one delivery per request, each with its own submit id. */
class MraChannel implements PushChannel {
	readonly maxBatchSize = 1;

	constructor(
		private readonly client: MraClient,
		readonly name: ChannelName,
		readonly addresses: (recipient: PushRecipient) => ChannelAddress[],
	) {}

	prepare(deliveries: Delivery[]): unknown {
		return this.client.body(this.name, deliveries[0]);
	}

	async send(_deliveries: Delivery[], prepared: unknown, context: SendContext): Promise<BatchOutcome> {
		const { path, json } = prepared as { path: string; json: unknown };
		return await this.client.submit(path, json, context);
	}
}
