/**
 * What the web inbox shows, whichever push emulator carried it: each emulator's records normalised into one
 * delivery per recipient (channel, address, title, body, link, data), and the people those addresses belong
 * to (a device token, a mobile number, a mail address or an OTDS user ID). See inbox.ts.
 */
import type { AppWorksNotification } from './appworks';
import type { FcmDelivery } from './fcm';
import type { MraSubmission } from './mra';

export interface InboxPerson {
	/** The user id acknowledgments name (OTDS `name@partition`). */
	id: string;
	displayName: string;
	department?: string;
	title?: string;
}

export type InboxChannel = 'fcm' | 'mraPush' | 'sms' | 'email' | 'appworks';

export const CHANNEL_LABELS: Record<InboxChannel, string> = {
	fcm: 'Firebase push',
	mraPush: 'Cloud Messaging push',
	sms: 'SMS',
	email: 'Email',
	appworks: 'AppWorks',
};

export type InboxAddressKind = 'token' | 'phone' | 'email' | 'user' | 'group' | 'topic' | 'condition';

/** One message to one recipient, as a channel carried it. */
export interface InboxDelivery {
	channel: InboxChannel;
	addressKind: InboxAddressKind;
	/** The device token, phone number, mail address, user ID, group, topic or condition it was sent to. */
	address: string;
	title: string;
	body: string;
	link?: string;
	/** The priority the sender asked for, where the channel records one (Cloud Messaging push). */
	priority?: string;
	data: Record<string, string>;
}

/** One emulator's records, read on every sync (the inbox remembers how many it has seen). */
export interface InboxSource<T = unknown> {
	records(): ReadonlyArray<T>;
	normalise(record: T): InboxDelivery[];
}

/** Finds the person behind an address. */
export interface InboxDirectory {
	find(kind: InboxAddressKind, address: string): InboxPerson | undefined;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const object = (value: unknown): Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
const list = (value: unknown): Array<Record<string, unknown>> => (Array.isArray(value) ? value.map(object) : []);

export function stringMap(value: unknown): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [key, item] of Object.entries(object(value))) if (typeof item === 'string') out[key] = item;
	return out;
}

/** Firebase: one message per request, to a token, a topic or a condition. */
export function fcmSource(
	records: () => ReadonlyArray<Pick<FcmDelivery, 'message'>>,
): InboxSource<Pick<FcmDelivery, 'message'>> {
	return {
		records,
		normalise: ({ message }) => {
			const notification = object(message.notification);
			const webpush = object(object(message.webpush).fcm_options);
			const [addressKind, address]: [InboxAddressKind, string] =
				typeof message.token === 'string'
					? ['token', message.token]
					: typeof message.topic === 'string'
						? ['topic', message.topic]
						: ['condition', text(message.condition)];
			// The web link, else the one the apps read from data (Android's click_action is an intent action, no URL).
			const link = text(webpush.link) || stringMap(message.data).link || undefined;
			return [
				{
					channel: 'fcm',
					addressKind,
					address,
					title: text(notification.title),
					body: text(notification.body),
					link,
					data: stringMap(message.data),
				},
			];
		},
	};
}

/**
 * OpenText Cloud Messaging: a push (the decoded inner request: destinations with device tokens or topics,
 * notification, data), an SMS (destinations by phone number, the text) or an email (destinations by mail
 * address, the subject and the decoded text).
 */
export function mraSource(records: () => ReadonlyArray<MraSubmission>): InboxSource<MraSubmission> {
	return {
		records,
		normalise: (submission) => {
			const content = submission.content;
			const destinations = list(content.destinations);
			if (submission.kind === 'push') {
				const notification = object(content.notification);
				const data = stringMap(content.data);
				const priority = text(object(content.options).priority) || undefined;
				return destinations.map((destination): InboxDelivery => {
					const topic = typeof destination.topic === 'string';
					return {
						channel: 'mraPush',
						addressKind: topic ? 'topic' : 'token',
						address: topic ? text(destination.topic) : text(destination.device_token),
						title: text(notification.title),
						body: text(notification.body),
						link: text(notification.link) || undefined,
						priority,
						data,
					};
				});
			}
			if (submission.kind === 'sms') {
				return destinations.map((destination) => ({
					channel: 'sms',
					addressKind: 'phone',
					address: text(destination.sms),
					title: '',
					body: text(content.sms_text),
					data: {},
				}));
			}
			const subject = text(object(object(content.options).email_options).subject);
			return destinations.map((destination) => ({
				channel: 'email',
				addressKind: 'email',
				address: text(destination.email),
				title: subject,
				body: submission.text ?? '',
				data: {},
			}));
		},
	};
}

/**
 * AppWorks Gateway: one notification per request, to the users it reached (groups expanded by the gateway).
 * Groups the gateway could not expand show as one message to the group. Trusted-server messages carry
 * header / body / link; service (fcm-push) messages title / summary / data (with the link in data).
 */
export function appWorksSource(records: () => ReadonlyArray<AppWorksNotification>): InboxSource<AppWorksNotification> {
	return {
		records,
		normalise: (notification) => {
			const content = notification.content;
			const data = stringMap(content.data);
			const message = {
				channel: 'appworks' as const,
				title: text(content.title) || text(content.header),
				body: text(content.summary) || text(content.body),
				link: text(content.link) || data.link || undefined,
				data,
			};
			const reached = notification.recipients.map((user): InboxDelivery => ({
				...message,
				addressKind: 'user',
				address: user,
			}));
			if (reached.length > 0) return reached;
			const groups = Array.isArray(content.otdsGroups) ? content.otdsGroups.map(String) : [];
			return groups.map((group): InboxDelivery => ({ ...message, addressKind: 'group', address: group }));
		},
	};
}

/** The people of the demo by device token, mobile number, mail address and user ID (case-insensitive). */
export class InboxPeople implements InboxDirectory {
	private readonly index = new Map<string, InboxPerson>();

	/** Adds or replaces a person with their addresses. */
	add(person: InboxPerson, contacts: { deviceTokens?: string[]; mobile?: string; mail?: string } = {}): void {
		this.index.set(InboxPeople.key('user', person.id), person);
		for (const token of contacts.deviceTokens ?? []) this.index.set(InboxPeople.key('token', token), person);
		if (contacts.mobile) this.index.set(InboxPeople.key('phone', contacts.mobile), person);
		if (contacts.mail) this.index.set(InboxPeople.key('email', contacts.mail), person);
	}

	find(kind: InboxAddressKind, address: string): InboxPerson | undefined {
		return this.index.get(InboxPeople.key(kind, address));
	}

	private static key(kind: InboxAddressKind, address: string): string {
		const value =
			kind === 'phone' ? address.replace(/[^\d+]/g, '') : kind === 'token' ? address : address.trim().toLowerCase();
		return `${kind}:${value}`;
	}
}
