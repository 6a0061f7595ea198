/**
 * The push node's Send, free of n8n: what each input item asks for is grouped into sends (items with the same
 * message and acknowledgment settings go together, each recipient once), acknowledgment links are signed per
 * person, and every result comes back with the input item that asked for its recipient. The node maps
 * parameters to ItemRequests and a SendSetup, and results to output items.
 */
import { randomBytes } from 'node:crypto';

import { ConfigurationError } from '../../core/errors';
import { acknowledgmentData } from '../../core/push/ack-token';
import type { AudienceMember } from '../../core/audience';
import { sendToAudience, type AudienceSendEvent } from '../../core/push/audience-send';
import { dispatch } from '../../core/push/dispatcher';
import { messageFingerprint, recipientLabel, type PushMessage } from '../../core/push/message';
import type { DeliveryResult, DispatchOptions, PushChannel, PushRecipient } from '../../core/push/types';

/** Where a person's signed acknowledgment link points, and for how long it is valid. */
export interface Acknowledgment {
	noticeId: string;
	webhookUrl: string;
	ttlSeconds: number;
}

/** What one input item asks for. */
export interface ItemRequest {
	message: PushMessage;
	acknowledgment?: Acknowledgment;
	recipients: PushRecipient[];
}

/** Input items that share one message (the same title, body, data... after expressions) are sent together. */
export interface SendGroup {
	message: PushMessage;
	acknowledgment?: Acknowledgment;
	recipients: PushRecipient[];
	/** `<kind>|<label>` → the first input item that asked for this recipient. */
	itemOf: Map<string, number>;
	/** The input items of this send, in order. */
	items: number[];
}

export interface SendPlan {
	groups: SendGroup[];
	/** Items whose request could not be read or cannot be sent, in item order. */
	failures: Array<{ item: number; error: unknown }>;
}

const recipientKey = (kind: string, label: string) => `${kind}|${label}`;

/** Reads every item's request and groups them into sends. */
export function planSends(itemCount: number, readItem: (item: number) => ItemRequest): SendPlan {
	const groups = new Map<string, SendGroup>();
	const failures: SendPlan['failures'] = [];
	for (let item = 0; item < itemCount; item++) {
		try {
			const { message, acknowledgment, recipients } = readItem(item);
			if (acknowledgment && recipients.some((r) => r.kind !== 'person')) {
				throw new ConfigurationError(
					'Require Acknowledgment',
					'needs people as the audience (input items or user IDs): topics, groups and bare device tokens have no one to acknowledge',
				);
			}
			const key = `${messageFingerprint(message)}|${JSON.stringify(acknowledgment ?? null)}`;
			let group = groups.get(key);
			if (!group) {
				group = { message, acknowledgment, recipients: [], itemOf: new Map(), items: [] };
				groups.set(key, group);
			}
			group.items.push(item);
			for (const recipient of recipients) {
				const id = recipientKey(recipient.kind, recipientLabel(recipient));
				if (group.itemOf.has(id)) continue; // the same person twice gets the message once
				group.itemOf.set(id, item);
				group.recipients.push(recipient);
			}
		} catch (error) {
			failures.push({ item, error });
		}
	}
	return { groups: [...groups.values()], failures };
}

/** What a send needs besides its group: the channels of its credential, how to dispatch, the signing secrets. */
export interface SendSetup {
	channels: PushChannel[];
	dispatch: Omit<DispatchOptions, 'channels' | 'decorate'>;
	/** The acknowledgment credential's secrets, the current one first ([] when no item asks for acknowledgment). */
	secrets: string[];
}

/** A result with the input item that asked for its recipient, or a send that failed as a whole. */
export type SendEvent =
	| { result: DeliveryResult; item: number; noticeId?: string }
	/** `item` is the send's first item (where the error is reported); `unanswered` are the items still without a result. */
	| { error: unknown; item: number; unanswered: number[] };

/** Adds each person's signed acknowledgment link to the message's data. */
function acknowledgmentDecoration(ack: Acknowledgment, secret: string) {
	return (recipient: PushRecipient, message: PushMessage): PushMessage => ({
		...message,
		data: {
			...(message.data ?? {}),
			...acknowledgmentData({
				secret,
				webhookUrl: ack.webhookUrl,
				noticeId: ack.noticeId,
				userId: recipientLabel(recipient),
				ttlSeconds: ack.ttlSeconds,
			}),
		},
	});
}

/**
 * How one message with these acknowledgment settings is dispatched: the links checked once before anything is
 * sent, signed per person, and the notice in the message key. Throws when it cannot be sent at all.
 */
function dispatchSettings(message: PushMessage, ack: Acknowledgment | undefined, setup: SendSetup): DispatchOptions {
	if (ack && setup.secrets.length === 0)
		throw new ConfigurationError('Signing Secret', 'is empty in the acknowledgment credential');
	const secret = setup.secrets[0];
	// Checks the notice ID, URL and lifetime once, before anything is sent.
	if (ack)
		acknowledgmentData({
			secret,
			webhookUrl: ack.webhookUrl,
			noticeId: ack.noticeId,
			userId: 'check',
			ttlSeconds: ack.ttlSeconds,
		});
	// A dry run's preview shows the links as they would look, signed with a throwaway secret: none would be accepted.
	const signing = setup.dispatch.dryRun ? randomBytes(32).toString('base64url') : secret;
	return {
		...setup.dispatch,
		// The same text for another notice is another message: without the notice in the key, services that
		// de-duplicate by idempotency key would answer the second notice from the first one's keys and send nothing.
		messageKey: setup.dispatch.messageKey ?? (ack ? `${messageFingerprint(message)}:${ack.noticeId}` : undefined),
		channels: setup.channels,
		decorate: ack ? acknowledgmentDecoration(ack, signing) : undefined,
	};
}

/** One send's results, each with its input item. Throws when nothing of it can be sent. */
async function* sendGroup(
	group: SendGroup,
	setup: SendSetup,
): AsyncGenerator<{ result: DeliveryResult; item: number }> {
	const results = dispatch(
		group.recipients,
		group.message,
		dispatchSettings(group.message, group.acknowledgment, setup),
	);
	for await (const result of results) {
		yield { result, item: group.itemOf.get(recipientKey(result.recipientKind, result.recipient)) ?? group.items[0] };
	}
}

/**
 * One message to a directory audience streamed page by page: the results not sent (at most `maxFailures`) and a
 * summary, never a result per person. Throws when nothing can be sent (checked before the first page is read).
 */
export function sendAudience(
	request: Omit<ItemRequest, 'recipients'>,
	pages: AsyncIterable<AudienceMember[]>,
	setup: SendSetup,
	maxFailures: number,
): AsyncGenerator<AudienceSendEvent> {
	return sendToAudience(
		pages,
		request.message,
		dispatchSettings(request.message, request.acknowledgment, setup),
		maxFailures,
	);
}

/**
 * Runs the sends one after another. A send that fails as a whole (its credential, its channels) is reported
 * as one event after the results it already gave; the next send runs all the same.
 */
export async function* runSends(
	groups: SendGroup[],
	setupOf: (group: SendGroup) => Promise<SendSetup>,
): AsyncGenerator<SendEvent> {
	for (const group of groups) {
		const answered = new Set<number>();
		try {
			const setup = await setupOf(group);
			for await (const { result, item } of sendGroup(group, setup)) {
				answered.add(item);
				yield { result, item, noticeId: group.acknowledgment?.noticeId };
			}
		} catch (error) {
			yield { error, item: group.items[0], unanswered: group.items.filter((item) => !answered.has(item)) };
		}
	}
}

/** Results that "Fail the Run on Any Failed Recipient" counts. */
export function isFailure(result: DeliveryResult): boolean {
	return result.status === 'failed' || result.status === 'unregistered';
}
