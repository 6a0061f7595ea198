/**
 * The dispatcher: sends one message to a stream of recipients through channels in fallback order.
 *
 * - Streaming: recipients are pulled from the (async) iterable only as fast as requests complete, so at
 *   most `concurrency` batches are held at once, whatever the audience size. Results are yielded in
 *   completion order while later recipients are still being sent.
 * - Bounded concurrency: at most `concurrency` batches in flight; each batch sends its requests one after
 *   another, so that is also the bound on requests in flight.
 * - Retries, backoff, Retry-After: per request, in the channel, through ./retry (requestWithRetry).
 * - Idempotency: every delivery has a key made of the message key, the channel and the address; a retried
 *   request carries the same key, so a server that saw the first attempt does not deliver twice.
 * - Fallback: a recipient a channel cannot reach (no address) or whose addresses are all dead moves on to the
 *   next channel (e.g. FCM, then SMS). Dead tokens are still reported, so the workflow can remove them.
 * - A failure of one recipient never fails the others; only a failure that stops everything (a rejected
 *   credential) ends the dispatch with an error.
 */
import { createHash } from 'node:crypto';
import { DirectoryConfigurationError } from '../errors';
import { idempotencyKey, messageFingerprint, messageProblem, PushValidationError, recipientLabel, validateMessage, type PushMessage } from './message';
import type { ChannelName, ChannelOutcome, Delivery, DeliveryResult, DispatchOptions, FallbackTrigger, PushChannel, PushRecipient } from './types';

/** Recipients as single items or pages (resolveAudience yields pages). */
export type RecipientSource = AsyncIterable<PushRecipient | PushRecipient[]> | Iterable<PushRecipient | PushRecipient[]>;

interface Pending {
	recipient: PushRecipient;
	message: PushMessage;
	tried: ChannelName[];
}

interface Settings {
	channels: PushChannel[];
	messageKey: string;
	fallbackOn: Set<FallbackTrigger>;
	options: DispatchOptions;
}

/**
 * Pulls recipients one at a time from single items or pages. A page is handed out from memory without an
 * await per recipient, and a sync source is read without one at all: the async generator this replaces cost
 * several promise hops per recipient, measurable at tens of thousands of recipients.
 */
class RecipientReader {
	/** The source has ended (or thrown: a source that threw must not be asked to return() as well). */
	done = false;
	private page: PushRecipient[] = [];
	private index = 0;
	private readonly syncSource?: Iterator<PushRecipient | PushRecipient[]>;
	private readonly asyncSource?: AsyncIterator<PushRecipient | PushRecipient[]>;

	constructor(source: RecipientSource) {
		if (Symbol.asyncIterator in source) this.asyncSource = source[Symbol.asyncIterator]();
		else this.syncSource = source[Symbol.iterator]();
	}

	/** The next recipient in memory or from a sync source; undefined at the end, or when fill() must be awaited. */
	take(): PushRecipient | undefined {
		while (this.index >= this.page.length) {
			if (!this.syncSource || this.done) return undefined;
			// Marked done first: a source that throws has finished, and must not be asked to return() as well.
			this.done = true;
			this.store(this.syncSource.next());
		}
		return this.page[this.index++];
	}

	/** Waits for the next item of an async source. */
	async fill(): Promise<void> {
		if (!this.asyncSource || this.done) return;
		this.done = true;
		this.store(await this.asyncSource.next());
	}

	/** Stopped early: lets the source clean up, as for-await would. */
	async close(): Promise<void> {
		if (this.done) return;
		this.done = true;
		if (this.asyncSource) await this.asyncSource.return?.(undefined);
		else this.syncSource?.return?.(undefined);
	}

	private store(result: IteratorResult<PushRecipient | PushRecipient[]>): void {
		// done was set before the source was asked; it stays set only at the end.
		this.done = result.done === true;
		if (result.done) return;
		this.page = Array.isArray(result.value) ? result.value : [result.value];
		this.index = 0;
	}
}

/**
 * Sends `message` to every recipient and yields one DeliveryResult per address as each completes.
 * Throws before sending anything when the message or options are invalid.
 */
export async function* dispatch(recipients: RecipientSource, message: PushMessage, options: DispatchOptions): AsyncGenerator<DeliveryResult> {
	validateMessage(message);
	const channels = options.channels;
	if (channels.length === 0) throw new DirectoryConfigurationError('Channels', 'are empty: choose at least one channel');
	const concurrency = Math.max(1, Math.floor(options.concurrency ?? 20));
	const widest = Math.max(...channels.map((channel) => channel.maxBatchSize));
	// A batch is sent by one worker request after request: larger than the widest channel takes, it would only
	// serialise requests that could run side by side.
	const batchSize = options.decorate ? 1 : Math.max(1, Math.min(100, widest, Math.floor(options.batchSize ?? widest)));
	const settings: Settings = {
		channels,
		messageKey: options.messageKey ?? messageFingerprint(message),
		fallbackOn: new Set(options.fallbackOn ?? ['skipped', 'unregistered']),
		options,
	};

	const reader = new RecipientReader(recipients);
	const completions = new CompletionQueue();
	try {
		for (;;) {
			// Finished batches whose results were not yet taken count too: pulling on while the consumer is busy
			// would hold results (and recipients) without bound.
			while (!reader.done && completions.running + completions.ready < concurrency) {
				const batch: PushRecipient[] = [];
				while (batch.length < batchSize) {
					let next = reader.take();
					while (next === undefined && !reader.done) {
						await reader.fill();
						next = reader.take();
					}
					if (next === undefined) break;
					batch.push(next);
				}
				if (batch.length === 0) break;
				completions.add(deliverBatch(batch, message, settings));
			}
			if (completions.running === 0 && completions.ready === 0) return;
			// A plain loop: yield* over an array in an async generator wraps it in an async-from-sync iterator, extra promises per result.
			for (const result of await completions.next()) yield result;
		}
	} finally {
		// Stopped early (the consumer broke off, or a fatal error): let the iterable clean up.
		await reader.close();
		// Requests already sent are let finish, their results dropped; awaiting them avoids unhandled rejections.
		await completions.settle();
	}
}

/**
 * Batches in flight, handed back in completion order. O(1) per completion (Promise.race over every
 * batch in flight would cost O(concurrency) each time).
 */
class CompletionQueue {
	running = 0;
	private readonly done: Array<{ results?: DeliveryResult[]; error?: unknown }> = [];
	private wake?: () => void;
	private readonly all = new Set<Promise<unknown>>();

	get ready(): number {
		return this.done.length;
	}

	add(batch: Promise<DeliveryResult[]>): void {
		this.running++;
		const tracked = batch.then(
			(results) => this.finish({ results }),
			(error: unknown) => this.finish({ error }),
		);
		this.all.add(tracked);
		void tracked.then(() => this.all.delete(tracked));
	}

	/** The results of the next batch to finish; rejects with a batch's fatal error. */
	async next(): Promise<DeliveryResult[]> {
		while (this.done.length === 0) await new Promise<void>((resolve) => (this.wake = resolve));
		const first = this.done.shift() as { results?: DeliveryResult[]; error?: unknown };
		if ('error' in first) throw first.error;
		return first.results ?? [];
	}

	async settle(): Promise<void> {
		await Promise.allSettled([...this.all]);
	}

	private finish(outcome: { results?: DeliveryResult[]; error?: unknown }): void {
		this.running--;
		this.done.push(outcome);
		const wake = this.wake;
		this.wake = undefined;
		wake?.();
	}
}

/** Sends one batch of recipients through the channels in order; returns its results. */
async function deliverBatch(recipients: PushRecipient[], message: PushMessage, settings: Settings): Promise<DeliveryResult[]> {
	const decorate = settings.options.decorate;
	let pending: Pending[] = [];
	for (const recipient of recipients) {
		pending.push({ recipient, message: decorate ? await decorate(recipient, message) : message, tried: [] });
	}
	const results: DeliveryResult[] = [];
	for (let index = 0; index < settings.channels.length && pending.length > 0; index++) {
		pending = await deliverThrough(settings.channels[index], index === settings.channels.length - 1, pending, settings, results);
	}
	return results;
}

interface Draft {
	item: Pending;
	delivery: Delivery;
}

/** Sends the pending recipients through one channel; returns those that fall back to the next. */
async function deliverThrough(channel: PushChannel, last: boolean, pending: Pending[], settings: Settings, results: DeliveryResult[]): Promise<Pending[]> {
	const base = (item: Pending): Pick<DeliveryResult, 'recipient' | 'recipientKind' | 'channel' | 'fellBackFrom'> => ({
		recipient: recipientLabel(item.recipient),
		recipientKind: item.recipient.kind,
		channel: channel.name,
		...(item.tried.length > 0 ? { fellBackFrom: [...item.tried] } : {}),
	});
	const fallback: Pending[] = [];
	const drafts: Draft[] = [];
	for (const item of pending) {
		const addresses = channel.addresses(item.recipient);
		if (addresses.length === 0) {
			if (!last && settings.fallbackOn.has('skipped')) fallback.push({ ...item, tried: [...item.tried, channel.name] });
			else results.push({ ...base(item), status: 'skipped', errorCode: 'NO_ADDRESS', reason: `${channel.name} has no address for this recipient`, attempts: 0 });
			continue;
		}
		// A decorated message is the hook's work: check it per recipient, so one bad one fails alone.
		const problem = settings.options.decorate ? messageProblem(item.message) : undefined;
		if (problem) {
			results.push({ ...base(item), status: 'failed', errorCode: problem.code, reason: problem.message, attempts: 0 });
			continue;
		}
		for (const address of addresses) {
			drafts.push({ item, delivery: { address, message: item.message, idempotencyKey: idempotencyKey(settings.messageKey, channel.name, address) } });
		}
	}

	const outcomes = new Map<Pending, Array<{ draft: Draft; result: DeliveryResult }>>();
	const size = Math.max(1, channel.maxBatchSize);
	for (let start = 0; start < drafts.length; ) {
		const chunk = sameMessageChunk(drafts.slice(start, start + size));
		start += chunk.length;
		const chunkResults = await sendChunk(channel, chunk, settings);
		chunk.forEach((draft, position) => {
			const list = outcomes.get(draft.item) ?? [];
			list.push({ draft, result: { ...base(draft.item), address: draft.item.recipient.kind === 'person' ? draft.delivery.address.value : undefined, ...chunkResults[position] } });
			outcomes.set(draft.item, list);
		});
	}
	for (const [item, list] of outcomes) {
		for (const { result } of list) results.push(result);
		const fallsBack = !last && list.every(({ result }) => result.status !== 'sent' && result.status !== 'skipped' && settings.fallbackOn.has(result.status));
		if (fallsBack) fallback.push({ ...item, tried: [...item.tried, channel.name] });
	}
	return fallback;
}

/** The leading deliveries of a chunk that share one message (a batch request carries one message). */
function sameMessageChunk(drafts: Draft[]): Draft[] {
	const first = drafts[0].delivery.message;
	const end = drafts.findIndex((draft) => draft.delivery.message !== first);
	return end === -1 ? drafts : drafts.slice(0, end);
}

type ResultPart = Pick<DeliveryResult, 'status' | 'messageId' | 'errorCode' | 'reason' | 'attempts' | 'idempotencyKey' | 'preview'>;

async function sendChunk(channel: PushChannel, chunk: Draft[], settings: Settings): Promise<ResultPart[]> {
	const deliveries = chunk.map((draft) => draft.delivery);
	const key = deliveries.length === 1 ? deliveries[0].idempotencyKey : batchKey(deliveries);
	const preparation = prepareOrExplain(channel, deliveries);
	if ('fatal' in preparation) throw preparation.fatal;
	if ('invalid' in preparation) {
		const { code, message } = preparation.invalid;
		return deliveries.map((delivery) => ({ status: 'failed', errorCode: code, reason: message, attempts: 0, idempotencyKey: delivery.idempotencyKey }));
	}
	const prepared = preparation.body;
	if (settings.options.dryRun) {
		return deliveries.map((delivery) => ({ status: 'skipped', errorCode: 'DRY_RUN', reason: 'Dry run: built and validated, not sent', attempts: 0, idempotencyKey: delivery.idempotencyKey, preview: prepared }));
	}
	const sent = await channel.send(deliveries, prepared, { retry: settings.options.retry ?? {}, idempotencyKey: key });
	return deliveries.map((delivery, position) => {
		const outcome: ChannelOutcome = sent.outcomes[position] ?? { status: 'failed', errorCode: 'NO_ANSWER', reason: 'The channel gave no outcome for this recipient' };
		return { ...outcome, attempts: sent.attempts, idempotencyKey: delivery.idempotencyKey };
	});
}

type Preparation = { body: unknown } | { invalid: PushValidationError } | { fatal: unknown };

/** The prepared body, or the validation error that stops this batch alone, or an error that stops the dispatch. */
function prepareOrExplain(channel: PushChannel, deliveries: Delivery[]): Preparation {
	try {
		return { body: channel.prepare(deliveries) };
	} catch (error) {
		return error instanceof PushValidationError ? { invalid: error } : { fatal: error };
	}
}

/** One key for a multi-recipient request: the same batch retried gets the same key. */
function batchKey(deliveries: Delivery[]): string {
	const hash = createHash('sha256');
	for (const delivery of deliveries) hash.update(delivery.idempotencyKey).update('\u0000');
	return hash.digest('hex').slice(0, 40);
}
