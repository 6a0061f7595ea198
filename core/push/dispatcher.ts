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
import { ConfigurationError } from '../errors';
import { MAX_ATTEMPTS } from '../../transport/http/retry';
import {
	idempotencyKey,
	messageFingerprint,
	messageProblem,
	PushValidationError,
	recipientLabel,
	validateMessage,
	type PushMessage,
} from './message';
import type {
	ChannelName,
	ChannelOutcome,
	Delivery,
	DeliveryResult,
	DispatchOptions,
	FallbackTrigger,
	PushChannel,
	PushRecipient,
} from './types';

/** Recipients as single items or pages (resolveAudience yields pages). */
export type RecipientSource =
	AsyncIterable<PushRecipient | PushRecipient[]> | Iterable<PushRecipient | PushRecipient[]>;

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
 * The most recipients one request carries, however many a channel would take. A channel's own default is lower
 * (the AppWorks Gateway's 100); a thousand names keep a request in the tens of kilobytes, and at a million people
 * make a tenth of the requests (in n8n 2.8.4, a million people in 20 s instead of 32-42 s: docs/performance.md).
 */
const MAX_BATCH_SIZE = 1000;

/**
 * A count the user set (possibly through an expression): a whole number from 1 to `max`, or the default when
 * unset. Anything else (NaN, 0, 1e9) fails before anything is sent, naming the field.
 */
function wholeNumber(value: number | undefined, fallback: number, max: number, field: string): number {
	if (value === undefined) return fallback;
	if (typeof value !== 'number' || !Number.isFinite(value) || value < 1 || value > max)
		throw new ConfigurationError(field, `is ${String(value)}: use a whole number from 1 to ${max}`);
	return Math.floor(value);
}

/**
 * Sends `message` to every recipient and yields one DeliveryResult per address as each completes.
 * Throws before sending anything when the message or options are invalid.
 */
export async function* dispatch(
	recipients: RecipientSource,
	message: PushMessage,
	options: DispatchOptions,
): AsyncGenerator<DeliveryResult> {
	// A plain loop: yield* over an array in an async generator wraps it in an async-from-sync iterator, extra promises per result.
	for await (const results of dispatchBatches(recipients, message, options)) for (const result of results) yield result;
}

/**
 * dispatch() one batch at a time: the results of each batch as it completes. For a consumer that only counts most
 * results (an audience send), this saves an async generator step per result, whose promises were a fifth of what a
 * large send allocated per person.
 */
export async function* dispatchBatches(
	recipients: RecipientSource,
	message: PushMessage,
	options: DispatchOptions,
): AsyncGenerator<DeliveryResult[]> {
	validateMessage(message);
	const channels = options.channels;
	if (channels.length === 0) throw new ConfigurationError('Channels', 'are empty: choose at least one channel');
	const concurrency = wholeNumber(options.concurrency, 20, 100, 'Concurrency');
	wholeNumber(options.retry?.maxAttempts, 1, MAX_ATTEMPTS, 'Max Attempts');
	const widest = Math.max(...channels.map((channel) => channel.maxBatchSize));
	// A batch is sent by one worker request after request: larger than the widest channel takes, it would only
	// serialise requests that could run side by side.
	const batchSize = options.decorate
		? 1
		: Math.min(widest, wholeNumber(options.batchSize, Math.min(widest, MAX_BATCH_SIZE), MAX_BATCH_SIZE, 'Batch Size'));
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
			yield await completions.next();
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

	get ready(): number {
		return this.done.length;
	}

	add(batch: Promise<DeliveryResult[]>): void {
		this.running++;
		batch.then(
			(results) => this.finish({ results }),
			(error: unknown) => this.finish({ error }),
		);
	}

	/** The results of the next batch to finish; rejects with a batch's fatal error. */
	async next(): Promise<DeliveryResult[]> {
		while (this.done.length === 0) await new Promise<void>((resolve) => (this.wake = resolve));
		const first = this.done.shift() as { results?: DeliveryResult[]; error?: unknown };
		if ('error' in first) throw first.error;
		return first.results ?? [];
	}

	/** Waits until every batch in flight has finished (their results and errors are dropped). */
	async settle(): Promise<void> {
		while (this.running > 0) await new Promise<void>((resolve) => (this.wake = resolve));
		this.done.length = 0;
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
async function deliverBatch(
	recipients: PushRecipient[],
	message: PushMessage,
	settings: Settings,
): Promise<DeliveryResult[]> {
	const decorate = settings.options.decorate;
	let pending: Pending[] = [];
	for (const recipient of recipients) {
		pending.push({ recipient, message: decorate ? await decorate(recipient, message) : message, tried: [] });
	}
	const results: DeliveryResult[] = [];
	for (let index = 0; index < settings.channels.length && pending.length > 0; index++) {
		pending = await deliverThrough(
			settings.channels[index],
			index === settings.channels.length - 1,
			pending,
			settings,
			results,
		);
	}
	return results;
}

interface Draft {
	item: Pending;
	delivery: Delivery;
	/** Set once the delivery's request has been answered (or found invalid). */
	result?: DeliveryResult;
}

type ResultPart = Pick<DeliveryResult, 'status' | 'messageId' | 'errorCode' | 'reason' | 'preview'>;

/**
 * One result. Built field by field rather than by spreading partial objects: this runs once per address, and
 * object spreads (each a generic property copy) were most of the dispatcher's own cost per message.
 */
function resultOf(
	item: Pending,
	channel: ChannelName,
	address: string | undefined,
	part: ResultPart,
	attempts: number,
	idempotencyKey: string | undefined,
): DeliveryResult {
	const result: DeliveryResult = {
		recipient: recipientLabel(item.recipient),
		recipientKind: item.recipient.kind,
		channel,
		address,
		status: part.status,
		attempts,
	};
	if (part.messageId !== undefined) result.messageId = part.messageId;
	if (part.errorCode !== undefined) result.errorCode = part.errorCode;
	if (part.reason !== undefined) result.reason = part.reason;
	if (idempotencyKey !== undefined) result.idempotencyKey = idempotencyKey;
	if (item.tried.length > 0) result.fellBackFrom = item.tried.slice();
	if (part.preview !== undefined) result.preview = part.preview;
	return result;
}

/** The recipient, to be tried on the next channel. */
const triedWith = (item: Pending, channel: ChannelName): Pending => ({
	recipient: item.recipient,
	message: item.message,
	tried: [...item.tried, channel],
});

/** Sends the pending recipients through one channel; returns those that fall back to the next. */
async function deliverThrough(
	channel: PushChannel,
	last: boolean,
	pending: Pending[],
	settings: Settings,
	results: DeliveryResult[],
): Promise<Pending[]> {
	const fallback: Pending[] = [];
	const drafts: Draft[] = [];
	for (const item of pending) {
		const addresses = channel.addresses(item.recipient);
		if (addresses.length === 0) {
			if (!last && settings.fallbackOn.has('skipped')) fallback.push(triedWith(item, channel.name));
			else
				results.push(
					resultOf(
						item,
						channel.name,
						undefined,
						{ status: 'skipped', errorCode: 'NO_ADDRESS', reason: `${channel.name} has no address for this recipient` },
						0,
						undefined,
					),
				);
			continue;
		}
		// A decorated message is the hook's work: check it per recipient, so one bad one fails alone.
		const problem = settings.options.decorate ? messageProblem(item.message) : undefined;
		if (problem) {
			results.push(
				resultOf(
					item,
					channel.name,
					undefined,
					{ status: 'failed', errorCode: problem.code, reason: problem.message },
					0,
					undefined,
				),
			);
			continue;
		}
		for (const address of addresses) {
			drafts.push({
				item,
				delivery: {
					address,
					message: item.message,
					idempotencyKey: idempotencyKey(settings.messageKey, channel.name, address),
				},
			});
		}
	}

	const size = Math.max(1, channel.maxBatchSize);
	for (let start = 0; start < drafts.length;) {
		const end = sameMessageEnd(drafts, start, Math.min(drafts.length, start + size));
		await sendChunk(channel, drafts, start, end, settings);
		start = end;
	}
	// Drafts of one recipient are next to each other: its results, then whether it falls back.
	for (let start = 0; start < drafts.length;) {
		const item = drafts[start].item;
		let fallsBack = !last;
		let end = start;
		for (; end < drafts.length && drafts[end].item === item; end++) {
			const result = drafts[end].result as DeliveryResult;
			results.push(result);
			if (result.status === 'sent' || result.status === 'skipped' || !settings.fallbackOn.has(result.status))
				fallsBack = false;
		}
		if (fallsBack) fallback.push(triedWith(item, channel.name));
		start = end;
	}
	return fallback;
}

/** The end of the chunk from `start`: the deliveries up to `limit` that share one message (a batch request carries one message). */
function sameMessageEnd(drafts: Draft[], start: number, limit: number): number {
	const first = drafts[start].delivery.message;
	let end = start + 1;
	while (end < limit && drafts[end].delivery.message === first) end++;
	return end;
}

/** Sends drafts[start..end) as one request and sets each draft's result. */
async function sendChunk(
	channel: PushChannel,
	drafts: Draft[],
	start: number,
	end: number,
	settings: Settings,
): Promise<void> {
	const deliveries: Delivery[] = [];
	for (let index = start; index < end; index++) deliveries.push(drafts[index].delivery);
	const settle = (index: number, part: ResultPart, attempts: number) => {
		const draft = drafts[index];
		const address = draft.item.recipient.kind === 'person' ? draft.delivery.address.value : undefined;
		draft.result = resultOf(draft.item, channel.name, address, part, attempts, draft.delivery.idempotencyKey);
	};
	const preparation = prepareOrExplain(channel, deliveries);
	if ('fatal' in preparation) throw preparation.fatal;
	if ('invalid' in preparation) {
		const { code, message } = preparation.invalid;
		for (let index = start; index < end; index++)
			settle(index, { status: 'failed', errorCode: code, reason: message }, 0);
		return;
	}
	const prepared = preparation.body;
	if (settings.options.dryRun) {
		for (let index = start; index < end; index++)
			settle(
				index,
				{
					status: 'skipped',
					errorCode: 'DRY_RUN',
					reason: 'Dry run: built and validated, not sent',
					preview: prepared,
				},
				0,
			);
		return;
	}
	const key = deliveries.length === 1 ? deliveries[0].idempotencyKey : batchKey(deliveries);
	const sent = await channel.send(deliveries, prepared, { retry: settings.options.retry ?? {}, idempotencyKey: key });
	for (let index = start; index < end; index++) {
		const outcome: ChannelOutcome = sent.outcomes[index - start] ?? {
			status: 'failed',
			errorCode: 'NO_ANSWER',
			reason: 'The channel gave no outcome for this recipient',
		};
		settle(index, outcome, sent.attempts);
	}
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
