import { RequestError } from '../../core/errors';
import { dispatch } from '../../core/push/dispatcher';
import { PushValidationError, type PushMessage } from '../../core/push/message';
import type {
	BatchOutcome,
	ChannelAddress,
	ChannelName,
	ChannelOutcome,
	Delivery,
	DeliveryResult,
	DispatchOptions,
	PushChannel,
	PushRecipient,
} from '../../core/push/types';

/** The dispatcher against scripted channels: streaming, concurrency, batching, fallback, decorate, failures. */
const message: PushMessage = { title: 'Hello', body: 'World' };

interface Script {
	name?: ChannelName;
	maxBatchSize?: number;
	/** Outcome by address value; default sent. */
	outcome?: (address: ChannelAddress) => ChannelOutcome;
	addresses?: (recipient: PushRecipient) => ChannelAddress[];
	/** Holds every send until released, to observe what is in flight. */
	gate?: { wait: () => Promise<void> };
	prepare?: (deliveries: Delivery[]) => unknown;
	send?: () => Promise<void>;
}

class ScriptedChannel implements PushChannel {
	readonly name: ChannelName;
	readonly maxBatchSize: number;
	inFlight = 0;
	maxInFlight = 0;
	batches: Delivery[][] = [];

	constructor(private readonly script: Script = {}) {
		this.name = script.name ?? 'fcm';
		this.maxBatchSize = script.maxBatchSize ?? 1;
	}

	addresses(recipient: PushRecipient): ChannelAddress[] {
		if (this.script.addresses) return this.script.addresses(recipient);
		if (recipient.kind === 'person') return (recipient.deviceTokens ?? []).map((value) => ({ kind: 'token', value }));
		return recipient.kind === 'token' ? [{ kind: 'token', value: recipient.token }] : [];
	}

	prepare(deliveries: Delivery[]): unknown {
		return this.script.prepare
			? this.script.prepare(deliveries)
			: { to: deliveries.map((delivery) => delivery.address.value) };
	}

	async send(deliveries: Delivery[]): Promise<BatchOutcome> {
		this.batches.push(deliveries);
		this.inFlight++;
		this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
		try {
			await this.script.gate?.wait();
			await this.script.send?.();
			return {
				outcomes: deliveries.map(
					(delivery) =>
						this.script.outcome?.(delivery.address) ?? { status: 'sent', messageId: `m-${delivery.address.value}` },
				),
				attempts: 1,
			};
		} finally {
			this.inFlight--;
		}
	}
}

async function collect(source: AsyncIterable<DeliveryResult>): Promise<DeliveryResult[]> {
	const results: DeliveryResult[] = [];
	for await (const result of source) results.push(result);
	return results;
}

const tokens = (count: number): PushRecipient[] =>
	Array.from({ length: count }, (_, index) => ({ kind: 'token', token: `t${index}` }));
const run = (
	recipients: Iterable<PushRecipient | PushRecipient[]> | AsyncIterable<PushRecipient | PushRecipient[]>,
	options: DispatchOptions,
	body: PushMessage = message,
) => collect(dispatch(recipients, body, options));

test('every recipient gets a result; pages (arrays) are flattened', async () => {
	const channel = new ScriptedChannel();
	const results = await run([tokens(3), { kind: 'token', token: 'x' }], { channels: [channel] });
	expect(results.map((result) => result.recipient).sort()).toEqual(['t0', 't1', 't2', 'x']);
	expect(results.every((result) => result.status === 'sent' && result.channel === 'fcm' && result.attempts === 1)).toBe(
		true,
	);
});

test('never more than `concurrency` requests in flight', async () => {
	const channel = new ScriptedChannel({ send: () => new Promise((resolve) => setImmediate(resolve)) });
	const results = await run(tokens(50), { channels: [channel], concurrency: 4 });
	expect(results).toHaveLength(50);
	expect(channel.maxInFlight).toBe(4);
});

test('streams: recipients are pulled only as results are consumed, and results come before the source ends', async () => {
	let pulled = 0;
	async function* source(): AsyncGenerator<PushRecipient> {
		for (let index = 0; index < 100_000; index++) {
			pulled++;
			yield { kind: 'token', token: `t${index}` };
		}
	}
	let closed = false;
	const wrapped = {
		[Symbol.asyncIterator]() {
			const inner = source();
			return {
				next: () => inner.next(),
				return: async () => {
					closed = true;
					return inner.return(undefined);
				},
			};
		},
	};
	const channel = new ScriptedChannel();
	let seen = 0;
	for await (const result of dispatch(wrapped, message, { channels: [channel], concurrency: 5 })) {
		expect(result.status).toBe('sent');
		if (++seen === 10) break;
	}
	expect(pulled).toBeLessThanOrEqual(10 + 5 + 1);
	expect(closed).toBe(true);
});

test('multi-recipient channels get batches of their size, with one key per batch', async () => {
	const channel = new ScriptedChannel({ name: 'appworks', maxBatchSize: 3 });
	const results = await run(tokens(7), { channels: [channel] });
	expect(channel.batches.map((batch) => batch.length)).toEqual([3, 3, 1]);
	expect(results).toHaveLength(7);
	expect(new Set(results.map((result) => result.idempotencyKey)).size).toBe(7);
});

test('idempotency keys are stable per message key, channel and address, and differ across messages', async () => {
	const keysOf = async (options: Partial<DispatchOptions>, body: PushMessage = message) =>
		(await run(tokens(2), { channels: [new ScriptedChannel()], ...options }, body))
			.map((result) => result.idempotencyKey)
			.sort();
	expect(await keysOf({ messageKey: 'event-1' })).toEqual(await keysOf({ messageKey: 'event-1' }));
	expect(await keysOf({ messageKey: 'event-1' })).not.toEqual(await keysOf({ messageKey: 'event-2' }));
	expect(await keysOf({})).toEqual(await keysOf({}));
	expect(await keysOf({})).not.toEqual(await keysOf({}, { ...message, body: 'Other' }));
});

test('falls back for no address and dead tokens by default, reporting the dead token; not for other failures', async () => {
	const push = new ScriptedChannel({
		outcome: (address) =>
			address.value === 'dead'
				? { status: 'unregistered', errorCode: 'UNREGISTERED' }
				: address.value === 'bad'
					? { status: 'failed', errorCode: 'INVALID_ARGUMENT' }
					: { status: 'sent' },
	});
	const sms = new ScriptedChannel({
		name: 'mraSms',
		addresses: (recipient) =>
			recipient.kind === 'person' && recipient.mobile ? [{ kind: 'phone', value: recipient.mobile }] : [],
	});
	const people: PushRecipient[] = [
		{ kind: 'person', userId: 'ok', deviceTokens: ['live'], mobile: '+1' },
		{ kind: 'person', userId: 'none', mobile: '+2' },
		{ kind: 'person', userId: 'dead', deviceTokens: ['dead'], mobile: '+3' },
		{ kind: 'person', userId: 'bad', deviceTokens: ['bad'], mobile: '+4' },
		{ kind: 'person', userId: 'mixed', deviceTokens: ['dead', 'live'], mobile: '+5' },
	];
	const results = await run(people, { channels: [push, sms] });
	const of = (user: string) =>
		results.filter((result) => result.recipient === user).map((result) => `${result.channel}:${result.status}`);
	expect(of('ok')).toEqual(['fcm:sent']);
	expect(of('none')).toEqual(['mraSms:sent']);
	expect(of('dead')).toEqual(['fcm:unregistered', 'mraSms:sent']);
	expect(of('bad')).toEqual(['fcm:failed']);
	expect(of('mixed').sort()).toEqual(['fcm:sent', 'fcm:unregistered']);

	const withFailed = await run([people[3]], {
		channels: [push, sms],
		fallbackOn: ['skipped', 'unregistered', 'failed'],
	});
	expect(withFailed.map((result) => `${result.channel}:${result.status}`)).toEqual(['fcm:failed', 'mraSms:sent']);
});

test('the decorate hook personalises each message; a decorated message that breaks the rules fails alone', async () => {
	const channel = new ScriptedChannel({
		maxBatchSize: 10,
		prepare: (deliveries) => deliveries.map((delivery) => delivery.message.data),
	});
	const results = await run(
		[
			{ kind: 'person', userId: 'a', deviceTokens: ['ta'] },
			{ kind: 'person', userId: 'b', deviceTokens: ['tb'] },
		],
		{
			channels: [channel],
			decorate: (recipient, base): PushMessage => {
				const user = recipient.kind === 'person' ? recipient.userId : '';
				const data: Record<string, string> = user === 'b' ? { 'gcm.x': '1' } : { ack: `sig-${user}` };
				return { ...base, data };
			},
			dryRun: true,
		},
	);
	const byUser = Object.fromEntries(results.map((result) => [result.recipient, result]));
	expect(byUser.a).toMatchObject({ status: 'skipped', errorCode: 'DRY_RUN', preview: [{ ack: 'sig-a' }] });
	expect(byUser.b).toMatchObject({ status: 'failed', errorCode: 'INVALID_ARGUMENT' });
	// Decorated messages differ, so each recipient is sent on its own.
	expect(channel.batches).toHaveLength(0);
});

test('a validation error of the channel fails that recipient only; an unexpected error stops the dispatch', async () => {
	const strict = new ScriptedChannel({
		prepare: (deliveries) => {
			if (deliveries[0].address.value === 'big')
				throw new PushValidationError('Body', 'is too big', 'PAYLOAD_TOO_LARGE');
			return {};
		},
	});
	const results = await run(tokens(2).concat({ kind: 'token', token: 'big' }), { channels: [strict] });
	expect(results.find((result) => result.recipient === 'big')).toMatchObject({
		status: 'failed',
		errorCode: 'PAYLOAD_TOO_LARGE',
		attempts: 0,
	});
	expect(results.filter((result) => result.status === 'sent')).toHaveLength(2);

	const broken = new ScriptedChannel({
		send: async () => {
			throw new RequestError('invalidCredentials', 'FCM did not accept the credential', 'Check it');
		},
	});
	await expect(run(tokens(3), { channels: [broken] })).rejects.toThrow('FCM did not accept the credential');
});

test('an invalid message or no channel stops before anything is sent', async () => {
	const channel = new ScriptedChannel();
	await expect(run(tokens(1), { channels: [channel] }, { title: '', body: '' })).rejects.toThrow(PushValidationError);
	await expect(run(tokens(1), { channels: [] })).rejects.toThrow(/Channels/);
	expect(channel.batches).toHaveLength(0);
});

test('a recipient no channel can reach is skipped with NO_ADDRESS', async () => {
	const results = await run([{ kind: 'group', group: 'Finance' }], { channels: [new ScriptedChannel()] });
	expect(results).toEqual([
		{
			recipient: 'Finance',
			recipientKind: 'group',
			channel: 'fcm',
			status: 'skipped',
			errorCode: 'NO_ADDRESS',
			reason: expect.any(String),
			attempts: 0,
		},
	]);
});

test('a concurrency, batch size or attempt count that is not a sane number (NaN, 1e9, 0) fails before sending, naming the field', async () => {
	for (const [options, field] of [
		[{ concurrency: Number.NaN }, /^Concurrency .*1 to 100/],
		[{ concurrency: 1e9 }, /^Concurrency .*1 to 100/],
		[{ batchSize: Number.NaN }, /^Batch Size .*1 to 1000$/],
		[{ retry: { maxAttempts: Number.NaN } }, /^Max Attempts .*1 to 10/],
		[{ retry: { maxAttempts: 1e9 } }, /^Max Attempts .*1 to 10/],
		[{ retry: { maxAttempts: 0 } }, /^Max Attempts .*1 to 10/],
	] as const) {
		const channel = new ScriptedChannel();
		await expect(run(tokens(3), { channels: [channel], ...options })).rejects.toThrow(field);
		expect(channel.batches).toEqual([]);
	}
});
