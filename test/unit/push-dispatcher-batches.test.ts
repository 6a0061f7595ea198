/**
 * What the dispatcher hands a channel per request and what it reports per address: the request's idempotency
 * key (a batch's own, never one of its recipients'), batch sizes and their bounds, concurrency bounds, the
 * retry policy, missing outcomes, fallback records and addresses in results.
 */
import { dispatch } from '../../core/push/dispatcher';
import type { PushMessage } from '../../core/push/message';
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
	SendContext,
} from '../../core/push/types';

const message: PushMessage = { title: 'Maintenance', body: 'Tonight at 22:00' };

interface Request {
	deliveries: Delivery[];
	context: SendContext;
}

/** A channel that records each request and answers every delivery as sent (or as `outcomes` says). */
class RecordingChannel implements PushChannel {
	readonly requests: Request[] = [];
	inFlight = 0;
	maxInFlight = 0;

	constructor(
		readonly name: ChannelName = 'appworks',
		readonly maxBatchSize = 1,
		private readonly answer: (deliveries: Delivery[]) => BatchOutcome = (deliveries) => ({
			outcomes: deliveries.map((): ChannelOutcome => ({ status: 'sent' })),
			attempts: 1,
		}),
	) {}

	addresses(recipient: PushRecipient): ChannelAddress[] {
		if (recipient.kind === 'token') return [{ kind: 'token', value: recipient.token }];
		if (recipient.kind === 'person') return (recipient.deviceTokens ?? []).map((value) => ({ kind: 'token', value }));
		return [];
	}

	prepare(deliveries: Delivery[]): unknown {
		return { to: deliveries.map((delivery) => delivery.address.value) };
	}

	async send(deliveries: Delivery[], _prepared: unknown, context: SendContext): Promise<BatchOutcome> {
		this.requests.push({ deliveries, context });
		this.inFlight++;
		this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
		await new Promise((resolve) => setImmediate(resolve));
		this.inFlight--;
		return this.answer(deliveries);
	}
}

const tokens = (...names: string[]): PushRecipient[] => names.map((token) => ({ kind: 'token', token }));

async function run(recipients: PushRecipient[], options: DispatchOptions): Promise<DeliveryResult[]> {
	const results: DeliveryResult[] = [];
	for await (const result of dispatch(recipients, message, options)) results.push(result);
	return results;
}

describe('idempotency keys of requests', () => {
	test('a batch request carries a key of its own, not the key of one of its recipients', async () => {
		const channel = new RecordingChannel('appworks', 3);
		const results = await run(tokens('a', 'b', 'c'), { channels: [channel], messageKey: 'event-1' });
		expect(channel.requests).toHaveLength(1);
		const [request] = channel.requests;
		const ownKeys = request.deliveries.map((delivery) => delivery.idempotencyKey);
		expect(new Set(ownKeys).size).toBe(3);
		expect(ownKeys).not.toContain(request.context.idempotencyKey);
		// The same form as a recipient's key, so a server's limit on key length holds for both.
		expect(request.context.idempotencyKey).toHaveLength(ownKeys[0].length);
		expect(request.context.idempotencyKey).toMatch(/^\S{16,}$/);
		// Every result names its own delivery's key.
		expect(results.map((result) => result.idempotencyKey).sort()).toEqual([...ownKeys].sort());
	});

	test('the same batch sent again gets the same key; another batch another key', async () => {
		const keyOf = async (names: string[], messageKey = 'event-1') => {
			const channel = new RecordingChannel('appworks', 10);
			await run(tokens(...names), { channels: [channel], messageKey });
			expect(channel.requests).toHaveLength(1);
			return channel.requests[0].context.idempotencyKey;
		};
		const first = await keyOf(['a', 'b']);
		expect(await keyOf(['a', 'b'])).toBe(first);
		expect(await keyOf(['a', 'c'])).not.toBe(first);
		expect(await keyOf(['a', 'b', 'c'])).not.toBe(first);
		expect(await keyOf(['a', 'b'], 'event-2')).not.toBe(first);
	});

	test('a request for one recipient carries that recipient’s own key', async () => {
		const channel = new RecordingChannel('fcm', 1);
		await run(tokens('a', 'b'), { channels: [channel], messageKey: 'event-1' });
		expect(channel.requests).toHaveLength(2);
		for (const request of channel.requests) {
			expect(request.deliveries).toHaveLength(1);
			expect(request.context.idempotencyKey).toBe(request.deliveries[0].idempotencyKey);
		}
	});

	test('the retry policy given is the one each request gets; none given, an empty one', async () => {
		const retry = { maxAttempts: 2, baseDelayMs: 5 };
		const channel = new RecordingChannel();
		await run(tokens('a'), { channels: [channel], retry });
		expect(channel.requests[0].context.retry).toEqual(retry);
		const plain = new RecordingChannel();
		await run(tokens('a'), { channels: [plain] });
		expect(plain.requests[0].context.retry).toEqual({});
	});
});

describe('batch sizes and concurrency', () => {
	const sizes = (channel: RecordingChannel) => channel.requests.map((request) => request.deliveries.length);
	const names = (count: number) => Array.from({ length: count }, (_, index) => `t${index}`);

	test('batchSize splits batches below the channel maximum, and never exceeds it', async () => {
		const small = new RecordingChannel('appworks', 5);
		await run(tokens(...names(5)), { channels: [small], batchSize: 2 });
		expect(sizes(small)).toEqual([2, 2, 1]);
		const large = new RecordingChannel('appworks', 3);
		await run(tokens(...names(5)), { channels: [large], batchSize: 10 });
		expect(sizes(large)).toEqual([3, 2]);
		const none = new RecordingChannel('appworks', 3);
		await expect(run(tokens(...names(3)), { channels: [none], batchSize: 0 })).rejects.toThrow(
			/Batch Size is 0: use a whole number from 1 to 1000$/,
		);
		expect(none.requests).toHaveLength(0);
		// Up to a thousand a request (a tenth of the requests for a large audience), never more.
		const wide = new RecordingChannel('appworks', 5000);
		await run(tokens(...names(2500)), { channels: [wide], batchSize: 1000 });
		expect(sizes(wide)).toEqual([1000, 1000, 500]);
		await expect(run(tokens(...names(3)), { channels: [wide], batchSize: 1001 })).rejects.toThrow(
			/Batch Size is 1001: use a whole number from 1 to 1000$/,
		);
		const fraction = new RecordingChannel('appworks', 4);
		await run(tokens(...names(4)), { channels: [fraction], batchSize: 2.9 });
		expect(sizes(fraction)).toEqual([2, 2]);
	});

	test('no batch holds more than 1,000 recipients, however wide the channel', async () => {
		const wide = new RecordingChannel('appworks', 5000);
		await run(tokens(...names(2500)), { channels: [wide], concurrency: 1 });
		expect(sizes(wide)).toEqual([1000, 1000, 500]);
	});

	test('concurrency is a whole number of at least one: less fails before anything is sent', async () => {
		for (const concurrency of [0, -3]) {
			const channel = new RecordingChannel();
			await expect(run(tokens(...names(12)), { channels: [channel], concurrency })).rejects.toThrow(/Concurrency/);
			expect(channel.requests).toHaveLength(0);
		}
		for (const [concurrency, expected] of [
			[2.9, 2],
			[3, 3],
		] as const) {
			const channel = new RecordingChannel();
			const results = await run(tokens(...names(12)), { channels: [channel], concurrency });
			expect(results).toHaveLength(12);
			expect(channel.maxInFlight).toBe(expected);
		}
	});
});

describe('what each result says', () => {
	test('a delivery the channel gave no outcome for fails as NO_ANSWER, with the request’s attempts', async () => {
		const channel = new RecordingChannel('appworks', 3, () => ({ outcomes: [{ status: 'sent' }], attempts: 3 }));
		const results = await run(tokens('a', 'b', 'c'), { channels: [channel] });
		expect(results.map((result) => [result.recipient, result.status, result.errorCode, result.attempts])).toEqual([
			['a', 'sent', undefined, 3],
			['b', 'failed', 'NO_ANSWER', 3],
			['c', 'failed', 'NO_ANSWER', 3],
		]);
		expect(results[1].reason).toMatch(/no outcome/);
	});

	test('a person’s results name the address used; a token’s do not repeat it', async () => {
		const channel = new RecordingChannel('fcm', 10);
		const results = await run(
			[{ kind: 'person', userId: 'jdoe', deviceTokens: ['phone', 'tablet'] }, ...tokens('bare')],
			{ channels: [channel] },
		);
		expect(results.map((result) => [result.recipient, result.address])).toEqual([
			['jdoe', 'phone'],
			['jdoe', 'tablet'],
			['bare', undefined],
		]);
		expect(results.every((result) => !('fellBackFrom' in result))).toBe(true);
	});

	test('a recipient that fell back says from which channels; without fallback on skip, it is skipped at once', async () => {
		const first = new RecordingChannel('fcm');
		const second = new RecordingChannel('mraPush');
		const last = new RecordingChannel('mraSms', 1);
		const group: PushRecipient = { kind: 'group', group: 'Finance' };
		const [result] = await run([group], { channels: [first, second, last] });
		expect(result).toMatchObject({
			channel: 'mraSms',
			status: 'skipped',
			errorCode: 'NO_ADDRESS',
			fellBackFrom: ['fcm', 'mraPush'],
		});
		expect(result.reason).toBe('mraSms has no address for this recipient');

		const [direct] = await run([group], { channels: [first, second], fallbackOn: ['unregistered'] });
		expect(direct).toMatchObject({ channel: 'fcm', status: 'skipped', errorCode: 'NO_ADDRESS' });
		expect(direct.fellBackFrom).toBeUndefined();
	});

	test('a dead token on the last channel is reported and goes nowhere else', async () => {
		const dead = new RecordingChannel('fcm', 1, (deliveries) => ({
			outcomes: deliveries.map((): ChannelOutcome => ({ status: 'unregistered', errorCode: 'UNREGISTERED' })),
			attempts: 1,
		}));
		const results = await run(tokens('gone'), { channels: [dead] });
		expect(results).toEqual([
			expect.objectContaining({ channel: 'fcm', status: 'unregistered', errorCode: 'UNREGISTERED' }),
		]);
	});

	test('a dry run previews each recipient on the first channel that reaches it, without falling back', async () => {
		const first = new RecordingChannel('fcm', 1);
		const next = new RecordingChannel('mraSms', 1);
		const results = await run(tokens('a', 'b'), { channels: [first, next], dryRun: true, fallbackOn: ['skipped'] });
		expect(results.map((result) => [result.channel, result.status, result.errorCode, result.attempts])).toEqual([
			['fcm', 'skipped', 'DRY_RUN', 0],
			['fcm', 'skipped', 'DRY_RUN', 0],
		]);
		expect(results[0].preview).toEqual({ to: ['a'] });
		expect(results[0].reason).toMatch(/^Dry run/);
		expect(first.requests).toHaveLength(0);
		expect(next.requests).toHaveLength(0);
	});
});

test('an unexpected error while a channel prepares a request stops the dispatch', async () => {
	class Broken extends RecordingChannel {
		prepare(): unknown {
			throw new TypeError('bug in the channel');
		}
	}
	const broken = new Broken('fcm', 1);
	await expect(run(tokens('a', 'b'), { channels: [broken] })).rejects.toThrow('bug in the channel');
	expect(broken.requests).toHaveLength(0);
});
