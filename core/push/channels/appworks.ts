/**
 * OpenText AppWorks Gateway: notifications to AppWorks mobile clients, addressed by OTDS user name and,
 * through the service API, by OTDS group. Two APIs:
 * - trusted server: POST {gateway}/gateway/v2/notifications, a form with the trusted-server `key`, the
 *   `message` as a JSON string {type, displayType:"show", header, body} and `users` comma-separated;
 * - service: POST {gateway}/deployments/notifications/{app}/fcm-push with header `otagAppKey`, a JSON body
 *   with users, otdsGroups, title, summary, data and FCM-shaped android / apns / webpush blocks.
 *   The deprecated `.../push` (before 16.5; the SDK still calls it) takes the same body without the FCM fields:
 *   `serviceEndpoint: 'push'` for a gateway that offers only that.
 * Many users go in one request (a batch). The success answer is not public (the SDK ignores it): every user of an
 * accepted request is reported sent, and nothing is read from the answer. Errors are the SDK's
 * ErrorResponseWrapper {key, errorMessage, entity, status}.
 */
import { hasUserInfo, USER_INFO_REFUSED } from '../../../transport/url-text';
import { ConfigurationError, RequestError, type FailureKind } from '../../errors';
import { explainNetworkFailure } from '../../../transport/http/failures';
import { jsonObject, type HttpRequest, type HttpResponse, type HttpTransport } from '../../../transport/http/types';
import { credentialRejected, networkOutcome, setupRejected, statusOutcome } from '../failures';
import type { PushMessage } from '../message';
import { sendWithRetry } from '../retry';
import { apnsCollapseId, webPushTopic } from './platform-keys';
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

/**
 * signedByTransport: the transport adds the key to every request (n8n's authenticated requests, with the
 * credential's authenticate): the channel then sends none, and the key may be left out here.
 */
export type AppWorksSettings =
	| {
			api: 'trustedServer';
			gatewayUrl: string;
			trustedServerKey?: string;
			signedByTransport?: boolean;
			timeoutMs?: number;
			batchSize?: number;
	  }
	| {
			api: 'service';
			gatewayUrl: string;
			appName: string;
			appKey?: string;
			signedByTransport?: boolean;
			targetAppName?: string;
			/** fcm-push (default), or the deprecated push of gateways before 16.5. */
			serviceEndpoint?: 'fcm-push' | 'push';
			timeoutMs?: number;
			batchSize?: number;
	  };

/** A person by sign-in name, and OTDS groups (through the service API only: the trusted-server API takes user names). */
export const APPWORKS_REACH: ChannelReach = { kinds: ['person', 'group'], personFields: ['login'] };

/** Users per request unless configured (the gateway takes a list; 100 keeps a request small). */
const DEFAULT_BATCH = 100;

/** The trusted-server `message` JSON. */
export function trustedServerMessage(message: PushMessage): Record<string, unknown> {
	return {
		type: message.category ?? 'notification',
		displayType: message.silent ? 'none' : 'show',
		header: message.title ?? '',
		body: message.body ?? '',
		...(message.link ? { link: message.link } : {}),
		...(message.data && Object.keys(message.data).length > 0 ? { data: message.data } : {}),
	};
}

/** The body of the deprecated push endpoint: recipients, title, summary and data. */
export function pushBody(message: PushMessage, users: string[], groups: string[]): Record<string, unknown> {
	return JSON.parse(
		JSON.stringify({
			broadcast: false,
			clientIds: [],
			users,
			otdsGroups: groups,
			runtimes: [],
			title: message.silent ? undefined : message.title,
			summary: message.silent ? undefined : message.body,
			data: { ...(message.data ?? {}), ...(message.link ? { link: message.link } : {}) },
		}),
	) as Record<string, unknown>;
}

/**
 * The fcm-push body for users and groups: the push body, then the FCM fields. The SDK's AndroidConfig is camelCase
 * (collapseKey); the collapse key goes into the APNs and Web Push headers only in a form they take.
 */
export function fcmPushBody(
	message: PushMessage,
	users: string[],
	groups: string[],
	targetAppName?: string,
): Record<string, unknown> {
	const high = message.priority === 'high';
	const ttl = message.ttlSeconds;
	return JSON.parse(
		JSON.stringify({
			...pushBody(message, users, groups),
			targetAppName,
			collapseKey: message.collapseKey,
			androidConfig: {
				priority: high ? 'high' : 'normal',
				ttl: ttl !== undefined ? `${ttl}s` : undefined,
				collapseKey: message.collapseKey,
			},
			apnsConfig: {
				headers: {
					'apns-priority': high && !message.silent ? '10' : '5',
					'apns-collapse-id': apnsCollapseId(message.collapseKey),
				},
			},
			webpushConfig: {
				headers: {
					TTL: ttl !== undefined ? String(ttl) : undefined,
					Urgency: high ? 'high' : 'normal',
					Topic: webPushTopic(message.collapseKey),
				},
			},
		}),
	) as Record<string, unknown>;
}

/** The gateway's error text: the SDK's ErrorResponseWrapper {key, errorMessage, entity, status}, else a generic one. */
function gatewayErrorBody(body: unknown): unknown {
	const wrapper = jsonObject(body);
	if (typeof wrapper?.errorMessage !== 'string') return body;
	const entity = typeof wrapper.entity === 'string' && wrapper.entity !== '' ? ` (${wrapper.entity})` : '';
	return { message: `${wrapper.errorMessage}${entity}` };
}

/** The gateway's notification endpoint for the settings' API; checks the fields first, naming a wrong one. */
function notificationsUrl(settings: AppWorksSettings): string {
	const gateway = settings.gatewayUrl?.trim().replace(/\/+$/, '');
	if (gateway && hasUserInfo(gateway)) throw new ConfigurationError('Gateway URL', USER_INFO_REFUSED);
	if (!gateway || !/^https?:\/\/[^/]+/i.test(gateway))
		throw new ConfigurationError(
			'Gateway URL',
			'must be the http(s) URL of the AppWorks Gateway, e.g. https://gateway.example.com',
		);
	if (settings.api === 'trustedServer') {
		if (!settings.trustedServerKey && !settings.signedByTransport)
			throw new ConfigurationError(
				'Trusted Server Key',
				'is empty: copy it from the gateway administration (Trusted Servers)',
			);
		return `${gateway}/gateway/v2/notifications`;
	}
	if (!settings.appName?.trim())
		throw new ConfigurationError('App Name', 'is empty: give the name of the deployed AppWorks app');
	if (!settings.appKey && !settings.signedByTransport) throw new ConfigurationError('App Key', 'is empty');
	if (
		settings.serviceEndpoint !== undefined &&
		settings.serviceEndpoint !== 'fcm-push' &&
		settings.serviceEndpoint !== 'push'
	) {
		throw new ConfigurationError('Service Endpoint', 'must be fcm-push or push');
	}
	return `${gateway}/deployments/notifications/${encodeURIComponent(settings.appName.trim())}/${settings.serviceEndpoint ?? 'fcm-push'}`;
}

/**
 * The credential test's notification: no recipients, so it delivers nothing. The gateway checks the key (401)
 * and the app (404) before it finds the recipient list empty (400). In the shape prepare() gives each API.
 */
const CREDENTIAL_PROBE: Record<AppWorksSettings['api'], unknown> = {
	trustedServer: { message: { type: 'credentialTest', displayType: 'none', header: '', body: '' }, users: '' },
	service: { broadcast: false, clientIds: [], users: [], otdsGroups: [], runtimes: [] },
};

/** What the credential test says for each refusal of the gateway (see AppWorksChannel.refusal). */
const PROBE_REFUSAL: Partial<Record<FailureKind, (settings: AppWorksSettings, status: number) => string>> = {
	invalidCredentials: (settings, status) =>
		`The gateway refused the ${settings.api === 'trustedServer' ? 'trusted server key' : 'app key'} (HTTP ${status})`,
	insufficientAccess: (_settings, status) =>
		`The gateway does not allow this trusted server or app to send notifications (HTTP ${status})`,
	noSuchObject: (_settings, status) => `Nothing answers at this Gateway URL and App Name (HTTP ${status}): check both`,
};

export class AppWorksChannel implements PushChannel {
	readonly name = 'appworks' as const;
	readonly maxBatchSize: number;
	private readonly url: string;

	constructor(
		private readonly transport: HttpTransport,
		private readonly settings: AppWorksSettings,
	) {
		this.url = notificationsUrl(settings);
		this.maxBatchSize = Math.max(1, Math.floor(settings.batchSize ?? DEFAULT_BATCH));
	}

	addresses(recipient: PushRecipient): ChannelAddress[] {
		if (recipient.kind === 'person')
			return recipient.login?.trim() ? [{ kind: 'user', value: recipient.login.trim() }] : [];
		// Groups only through the service API: the trusted-server API takes user names.
		if (recipient.kind === 'group' && this.settings.api === 'service')
			return [{ kind: 'group', value: recipient.group }];
		return [];
	}

	prepare(deliveries: Delivery[]): unknown {
		const message = deliveries[0].message;
		const users = deliveries
			.filter((delivery) => delivery.address.kind === 'user')
			.map((delivery) => delivery.address.value);
		const groups = deliveries
			.filter((delivery) => delivery.address.kind === 'group')
			.map((delivery) => delivery.address.value);
		if (this.settings.api === 'trustedServer')
			return { message: trustedServerMessage(message), users: users.join(',') };
		if (this.settings.serviceEndpoint === 'push') return pushBody(message, users, groups);
		return fcmPushBody(message, users, groups, this.settings.targetAppName);
	}

	async send(deliveries: Delivery[], prepared: unknown, context: SendContext): Promise<BatchOutcome> {
		const sent = await sendWithRetry(this.transport, this.request(prepared, context.idempotencyKey), context.retry);
		if (!sent.response) {
			const outcome = networkOutcome(sent.failure, this.url, 'AppWorks Gateway');
			return { outcomes: deliveries.map(() => outcome), attempts: sent.attempts };
		}
		return { outcomes: this.outcomes(sent.response, deliveries), attempts: sent.attempts };
	}

	/**
	 * The credential test: sends a notification with no recipients and says what the gateway thought of the
	 * key and app. Throws a sentence for a person when it refused them, or when it could not be reached.
	 */
	async checkCredential(): Promise<string> {
		let response: HttpResponse;
		try {
			response = await this.transport.request({
				...this.request(CREDENTIAL_PROBE[this.settings.api]),
				timeoutMs: 15_000,
			});
		} catch (error) {
			throw explainNetworkFailure(error, this.url, 'AppWorks Gateway');
		}
		const refusal = this.refusal(response);
		const sentence = refusal && PROBE_REFUSAL[refusal.kind];
		if (sentence) throw new Error(sentence(this.settings, response.status));
		if (response.status >= 500) throw new Error(`The gateway failed (HTTP ${response.status})`);
		return `The gateway accepted the ${this.settings.api === 'trustedServer' ? 'trusted server key' : 'app key'}`;
	}

	/** The POST of a prepared body (see prepare()) to the settings' API. */
	private request(prepared: unknown, idempotencyKey?: string): HttpRequest {
		const settings = this.settings;
		const idempotency: Record<string, string> = idempotencyKey ? { 'idempotency-key': idempotencyKey } : {};
		return settings.api === 'trustedServer'
			? {
					method: 'POST',
					url: this.url,
					headers: idempotency,
					form: {
						...(settings.signedByTransport ? {} : { key: settings.trustedServerKey ?? '' }),
						message: JSON.stringify((prepared as { message: unknown }).message),
						users: (prepared as { users: string }).users,
					},
					timeoutMs: settings.timeoutMs ?? 15_000,
				}
			: {
					method: 'POST',
					url: this.url,
					headers: settings.signedByTransport ? idempotency : { otagAppKey: settings.appKey ?? '', ...idempotency },
					json: prepared,
					timeoutMs: settings.timeoutMs ?? 15_000,
				};
	}

	/** An answer that refuses every recipient (wrong key, not allowed, no such app), as the error to throw. */
	private refusal(response: HttpResponse): RequestError | undefined {
		if (response.status === 401)
			return credentialRejected(
				'AppWorks Gateway',
				this.url,
				401,
				this.settings.api === 'trustedServer'
					? 'Check the trusted-server key'
					: 'Check the app key (otagAppKey) of the app',
			);
		if (response.status === 404)
			return setupRejected(
				'AppWorks Gateway',
				this.url,
				404,
				gatewayErrorBody(response.body),
				'Check the Gateway URL and the App Name (the app must be deployed on the gateway)',
			);
		if (response.status === 403)
			return setupRejected(
				'AppWorks Gateway',
				this.url,
				403,
				gatewayErrorBody(response.body),
				'Allow this trusted server or app to send notifications in the gateway administration',
			);
		return undefined;
	}

	private outcomes(response: HttpResponse, deliveries: Delivery[]): ChannelOutcome[] {
		const refusal = this.refusal(response);
		if (refusal) throw refusal;
		const body = gatewayErrorBody(response.body);
		if (response.status < 200 || response.status >= 300) {
			const failed = statusOutcome({ ...response, body }, 'AppWorks Gateway');
			return deliveries.map(() => failed);
		}
		// The success answer is not public (the SDK ignores it): an accepted request reached its recipients as far as we can know.
		return deliveries.map((): ChannelOutcome => ({ status: 'sent' }));
	}
}
