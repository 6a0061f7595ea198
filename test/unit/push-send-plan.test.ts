/**
 * The push node's Send without n8n: items' parameters → requests → sends (grouped, de-duplicated), signed
 * acknowledgment links per person, results paired with their items, and a send that fails as a whole.
 */
import type { IDataObject } from 'n8n-workflow';

import { RequestError } from '../../core/errors';
import { ConfigurationError } from '../../core/errors';
import { verifyAckToken } from '../../core/push/ack-token';
import type { BatchOutcome, ChannelAddress, Delivery, PushChannel, PushRecipient } from '../../core/push/types';
import type { ItemParameter } from '../../nodes/OpenTextPush/channels';
import { itemMessage, itemRecipients, itemRequest, personFromItem } from '../../nodes/OpenTextPush/recipients';
import {
	isFailure,
	planSends,
	runSends,
	type ItemRequest,
	type SendEvent,
	type SendGroup,
	type SendSetup,
} from '../../nodes/OpenTextPush/send-plan';

const SECRET = 'a signing secret of some length';

/** A parameter lookup over plain values, with n8n's fallback rule (a missing parameter without one throws). */
function parameters(values: Record<string, unknown>): ItemParameter {
	return (name, fallback) => {
		if (name in values) return values[name];
		if (fallback !== undefined) return fallback;
		throw new Error(`Could not get parameter "${name}"`);
	};
}

/** Sends to device tokens; tokens starting with "dead" are unregistered. Records what it was given. */
class TokenChannel implements PushChannel {
	readonly name = 'fcm' as const;
	readonly maxBatchSize = 1;
	readonly delivered: Delivery[] = [];
	addresses(recipient: PushRecipient): ChannelAddress[] {
		if (recipient.kind === 'person') return (recipient.deviceTokens ?? []).map((value) => ({ kind: 'token', value }));
		return recipient.kind === 'token' ? [{ kind: 'token', value: recipient.token }] : [];
	}
	prepare(deliveries: Delivery[]): unknown {
		return { token: deliveries[0].address.value };
	}
	async send(deliveries: Delivery[]): Promise<BatchOutcome> {
		this.delivered.push(...deliveries);
		return {
			outcomes: deliveries.map((d) =>
				d.address.value.startsWith('dead')
					? { status: 'unregistered', errorCode: 'UNREGISTERED' }
					: { status: 'sent', messageId: `m-${d.address.value}` },
			),
			attempts: 1,
		};
	}
}

const setupWith = (channel: PushChannel, secrets: string[] = []): SendSetup => ({
	channels: [channel],
	dispatch: { concurrency: 2, retry: { maxAttempts: 1 } },
	secrets,
});

async function collect(events: AsyncIterable<SendEvent>): Promise<SendEvent[]> {
	const all: SendEvent[] = [];
	for await (const event of events) all.push(event);
	return all;
}

const person = (userId: string, ...deviceTokens: string[]): PushRecipient => ({
	kind: 'person',
	userId,
	login: userId,
	deviceTokens,
});

describe('reading an item', () => {
	test('the message from the message parameters', () => {
		const message = itemMessage(
			parameters({
				title: 'Outage',
				body: '',
				additionalFields: {
					data: {
						field: [
							{ key: ' ticket ', value: 'CHG-7' },
							{ key: 'n', value: 3 },
						],
					},
					link: ' https://x ',
					priority: 'high',
					ttlSeconds: 60,
					silent: true,
				},
				requireAcknowledgment: true,
			}),
		);
		expect(message).toEqual({
			title: 'Outage',
			body: undefined,
			data: { ticket: 'CHG-7', n: '3' },
			link: 'https://x',
			priority: 'high',
			ttlSeconds: 60,
			silent: true,
			requireAcknowledgment: true,
		});
		expect(() =>
			itemMessage(parameters({ additionalFields: { data: { field: [{ key: ' ', value: 'x' }] } } })),
		).toThrow(/^Data has a field without a key/);
	});

	test('recipients per audience: the input item, or the typed-in lists', () => {
		const none = parameters({});
		expect(itemRecipients(none, { id: 'u-1', login: 'jdoe', deviceTokens: 'a, b' }, 'items')).toEqual([
			{
				kind: 'person',
				userId: 'u-1',
				login: 'jdoe',
				displayName: undefined,
				mail: undefined,
				mobile: undefined,
				deviceTokens: ['a', 'b'],
			},
		]);
		expect(itemRecipients(parameters({ userIds: 'jdoe, asmith' }), {}, 'users')).toEqual([
			{ kind: 'person', userId: 'jdoe', login: 'jdoe' },
			{ kind: 'person', userId: 'asmith', login: 'asmith' },
		]);
		expect(itemRecipients(parameters({ groups: ['Finance', ' '] }), {}, 'groups')).toEqual([
			{ kind: 'group', group: 'Finance' },
		]);
		expect(itemRecipients(parameters({ deviceTokens: 't1,t2' }), {}, 'tokens')).toHaveLength(2);
		expect(itemRecipients(parameters({ topic: 'news' }), {}, 'topic')).toEqual([{ kind: 'topic', topic: 'news' }]);
		expect(itemRecipients(parameters({ condition: " 'a' in topics " }), {}, 'condition')).toEqual([
			{ kind: 'condition', condition: "'a' in topics" },
		]);
		expect(() => personFromItem({ mail: 'x@example.com' } as IDataObject)).toThrow(
			/^Audience is "People From Input Items", but this item has no userId/,
		);
	});

	test('the acknowledgment settings only when the message requires one', () => {
		const base = { title: 'Hi', userIds: 'jdoe' };
		expect(itemRequest(parameters(base), {}, 'users').acknowledgment).toBeUndefined();
		const request = itemRequest(
			parameters({
				...base,
				requireAcknowledgment: true,
				noticeId: ' n-1 ',
				acknowledgmentWebhookUrl: ' https://n8n/webhook/ack ',
				acknowledgmentValidHours: 1.5,
			}),
			{},
			'users',
		);
		expect(request.acknowledgment).toEqual({
			noticeId: 'n-1',
			webhookUrl: 'https://n8n/webhook/ack',
			ttlSeconds: 5400,
		});
		expect(
			itemRequest(
				parameters({ ...base, requireAcknowledgment: true, noticeId: 'n', acknowledgmentWebhookUrl: 'u' }),
				{},
				'users',
			).acknowledgment?.ttlSeconds,
		).toBe(72 * 3600);
	});
});

describe('planning the sends', () => {
	const hello = { title: 'Hello' };

	test('items with the same message form one send; a recipient asked for twice gets it once, paired with the first item', () => {
		const requests: ItemRequest[] = [
			{ message: hello, recipients: [person('u-1', 't1')] },
			{ message: { title: 'Other' }, recipients: [person('u-2', 't2')] },
			{ message: { ...hello }, recipients: [person('u-1', 't1'), person('u-3', 't3')] },
		];
		const plan = planSends(requests.length, (item) => requests[item]);
		expect(plan.failures).toEqual([]);
		expect(plan.groups.map((group) => group.items)).toEqual([[0, 2], [1]]);
		expect(plan.groups[0].recipients.map((r) => (r.kind === 'person' ? r.userId : ''))).toEqual(['u-1', 'u-3']);
		expect([...plan.groups[0].itemOf]).toEqual([
			['person|u-1', 0],
			['person|u-3', 2],
		]);
	});

	test('different acknowledgment settings make different sends', () => {
		const ack = (noticeId: string) => ({ noticeId, webhookUrl: 'https://n8n/ack', ttlSeconds: 60 });
		const requests: ItemRequest[] = [
			{ message: hello, acknowledgment: ack('a'), recipients: [person('u-1')] },
			{ message: hello, acknowledgment: ack('b'), recipients: [person('u-2')] },
			{ message: hello, acknowledgment: ack('a'), recipients: [person('u-3')] },
		];
		expect(planSends(3, (item) => requests[item]).groups.map((group) => group.items)).toEqual([[0, 2], [1]]);
	});

	test('an item that cannot be read, or asks for an acknowledgment from a topic, fails alone', () => {
		const plan = planSends(3, (item) => {
			if (item === 0) throw new Error('unreadable');
			if (item === 1)
				return {
					message: hello,
					acknowledgment: { noticeId: 'n', webhookUrl: 'https://n8n/ack', ttlSeconds: 60 },
					recipients: [{ kind: 'topic', topic: 'news' }],
				};
			return { message: hello, recipients: [person('u-1', 't1')] };
		});
		expect(plan.failures.map((failure) => failure.item)).toEqual([0, 1]);
		expect(String(plan.failures[1].error)).toMatch(/Require Acknowledgment needs people as the audience/);
		expect(plan.groups.map((group) => group.items)).toEqual([[2]]);
	});
});

describe('running the sends', () => {
	const plan = (requests: ItemRequest[]) => planSends(requests.length, (item) => requests[item]).groups;

	test('every result comes with the item that asked for its recipient', async () => {
		const channel = new TokenChannel();
		const groups = plan([
			{ message: { title: 'Hi' }, recipients: [person('u-1', 'a1', 'a2')] },
			{ message: { title: 'Hi' }, recipients: [person('u-2', 'dead-b')] },
		]);
		const events = await collect(runSends(groups, async () => setupWith(channel)));
		const paired = events.map((event) =>
			'result' in event ? [event.item, event.result.address, event.result.status, isFailure(event.result)] : event,
		);
		expect(paired).toEqual(
			expect.arrayContaining([
				[0, 'a1', 'sent', false],
				[0, 'a2', 'sent', false],
				[1, 'dead-b', 'unregistered', true],
			]),
		);
		expect(events).toHaveLength(3);
	});

	test('each person gets their own signed acknowledgment link, and results carry the notice ID', async () => {
		const channel = new TokenChannel();
		const ack = { noticeId: 'outage-42', webhookUrl: 'https://n8n.example.com/webhook/ack', ttlSeconds: 3600 };
		const groups = plan([
			{
				message: { title: 'Hi', data: { ticket: 'CHG-7' } },
				acknowledgment: ack,
				recipients: [person('u-1', 't1'), person('u-2', 't2')],
			},
		]);
		const events = await collect(
			runSends(groups, async () => setupWith(channel, [SECRET, 'an older secret, still accepted'])),
		);
		expect(events.map((event) => ('result' in event ? event.noticeId : undefined))).toEqual(['outage-42', 'outage-42']);
		const byToken = Object.fromEntries(
			channel.delivered.map((delivery) => [delivery.address.value, delivery.message.data ?? {}]),
		);
		for (const [token, userId] of [
			['t1', 'u-1'],
			['t2', 'u-2'],
		]) {
			const data = byToken[token];
			expect(data).toMatchObject({ ticket: 'CHG-7', noticeId: 'outage-42', ackRequired: 'true' });
			expect(data.ackUrl).toMatch(new RegExp(`^${ack.webhookUrl}\\?token=otdp2\\.`));
			const verified = verifyAckToken(data.ackToken, SECRET);
			expect(verified.ok && verified.claims.userId).toBe(userId);
		}
	});

	test('two notices with the same text have different idempotency keys; a re-run of one has the same keys', async () => {
		const keysOf = async (noticeId: string): Promise<string[]> => {
			const channel = new TokenChannel();
			const ack = { noticeId, webhookUrl: 'https://n8n.example.com/webhook/ack', ttlSeconds: 3600 };
			const groups = plan([
				{ message: { title: 'Security notice' }, acknowledgment: ack, recipients: [person('u-1', 't1')] },
			]);
			await collect(runSends(groups, async () => setupWith(channel, [SECRET])));
			return channel.delivered.map((delivery) => delivery.idempotencyKey);
		};
		const [first, rerun, other] = [await keysOf('outage-1'), await keysOf('outage-1'), await keysOf('outage-2')];
		expect(first).toHaveLength(1);
		expect(rerun).toEqual(first);
		expect(other[0]).not.toBe(first[0]);
	});

	test("a dry run's preview carries no token the webhook would accept", async () => {
		const channel = new TokenChannel();
		const ack = { noticeId: 'outage-42', webhookUrl: 'https://n8n.example.com/webhook/ack', ttlSeconds: 3600 };
		const groups = plan([{ message: { title: 'Hi' }, acknowledgment: ack, recipients: [person('u-1', 't1')] }]);
		const seen: unknown[] = [];
		const setup = setupWith(channel, [SECRET]);
		setup.dispatch = { ...setup.dispatch, dryRun: true };
		const realPrepare = channel.prepare.bind(channel);
		channel.prepare = (deliveries: Delivery[]) => {
			seen.push(...deliveries.map((delivery) => delivery.message.data));
			return realPrepare(deliveries);
		};
		const events = await collect(runSends(groups, async () => setup));
		expect(events).toHaveLength(1);
		expect(channel.delivered).toEqual([]);
		const data = seen[0] as Record<string, string>;
		expect(data.ackToken).toMatch(/^otdp2\./);
		expect(verifyAckToken(data.ackToken, SECRET)).toMatchObject({ ok: false, reason: 'forged' });
		const linkToken = new URL(data.ackUrl).searchParams.get('token');
		expect(verifyAckToken(linkToken, SECRET)).toMatchObject({ ok: false, reason: 'forged' });
	});

	test('an acknowledgment without a secret, or with a wrong notice ID, fails the send before anything is sent', async () => {
		const channel = new TokenChannel();
		const ack = { noticeId: 'outage-42', webhookUrl: 'https://n8n.example.com/webhook/ack', ttlSeconds: 3600 };
		const groups = plan([{ message: { title: 'Hi' }, acknowledgment: ack, recipients: [person('u-1', 't1')] }]);
		const [missing] = await collect(runSends(groups, async () => setupWith(channel, [])));
		expect(missing).toMatchObject({ item: 0, unanswered: [0] });
		expect(String((missing as { error: unknown }).error)).toMatch(
			/Signing Secret is empty in the acknowledgment credential/,
		);
		const badNotice = plan([
			{
				message: { title: 'Hi' },
				acknowledgment: { ...ack, noticeId: 'has spaces' },
				recipients: [person('u-1', 't1')],
			},
		]);
		const [wrong] = await collect(runSends(badNotice, async () => setupWith(channel, [SECRET])));
		expect((wrong as { error: unknown }).error).toBeInstanceOf(ConfigurationError);
		expect(channel.delivered).toEqual([]);
	});

	test('a send that fails as a whole reports its unanswered items after the results it gave, and the next send runs', async () => {
		const groups: SendGroup[] = plan([
			{ message: { title: 'First' }, recipients: [person('u-0')] },
			{ message: { title: 'First' }, recipients: [person('u-1', 't1')] },
			{ message: { title: 'Second' }, recipients: [person('u-2', 't2')] },
		]);
		const refused = new RequestError('invalidCredentials', 'FCM did not accept the credential', 'Check it');
		const failing: PushChannel = Object.assign(new TokenChannel(), {
			send: async () => {
				throw refused;
			},
		});
		const working = new TokenChannel();
		const events = await collect(
			runSends(groups, async (group) => setupWith(group.message.title === 'First' ? failing : working)),
		);
		expect(events).toEqual([
			// u-0 has no device: skipped, so item 0 is answered before the send fails.
			expect.objectContaining({ item: 0, result: expect.objectContaining({ status: 'skipped', recipient: 'u-0' }) }),
			{ error: refused, item: 0, unanswered: [1] },
			expect.objectContaining({ item: 2, result: expect.objectContaining({ status: 'sent', address: 't2' }) }),
		]);
		const setupFails = await collect(runSends(groups.slice(1), async () => Promise.reject(new Error('no credential'))));
		expect(setupFails).toEqual([{ error: new Error('no credential'), item: 2, unanswered: [2] }]);
	});
});
