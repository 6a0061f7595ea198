/**
 * The public shapes of push delivery, free of n8n: who a message goes to (PushRecipient, declared in
 * ./recipients), what comes back per recipient (DeliveryResult), what every channel implements (PushChannel)
 * and how a dispatch is tuned (DispatchOptions). The n8n `openTextPush` node builds these from its parameters
 * and calls `dispatch(recipients, message, options)` from ./dispatcher.
 *
 * Names here are a contract with the node: keep them stable.
 */
import type { PushMessage } from './message';
import type { PushPerson, PushRecipient, RecipientKind } from './recipients';
import type { PushRetryPolicy } from './retry';

export type { PushPerson, PushRecipient, RecipientKind } from './recipients';

/** What a channel is called in results. */
export type ChannelName = 'fcm' | 'mraPush' | 'mraSms' | 'mraEmail' | 'appworks';

export type DeliveryStatus = 'sent' | 'failed' | 'unregistered' | 'skipped';

/**
 * One outcome per recipient address (a person with three device tokens gets up to three), streamed in
 * completion order. A failure of one recipient never fails the others.
 */
export interface DeliveryResult {
	/** The recipient's label: user id, token, topic, condition or group name. */
	recipient: string;
	recipientKind: RecipientKind;
	/** For a person: the address used (device token, phone number, mail, login). */
	address?: string;
	status: DeliveryStatus;
	/** The channel that produced this outcome (the last one tried, when falling back). */
	channel: ChannelName;
	/** The server's id: FCM message name, MRA job id. */
	messageId?: string;
	/** Machine-readable reason: UNREGISTERED, INVALID_ARGUMENT, QUOTA_EXCEEDED, ETIMEDOUT, NO_ADDRESS, DRY_RUN... */
	errorCode?: string;
	/** A sentence for people; never a secret. */
	reason?: string;
	/** HTTP attempts spent on this outcome (0 for skipped and dry runs). */
	attempts: number;
	/** The key the server can de-duplicate retries with. */
	idempotencyKey?: string;
	/** Channels tried before this one, in order, when the recipient fell back. */
	fellBackFrom?: ChannelName[];
	/** Dry run: the request body that would have been sent (no credentials). */
	preview?: unknown;
}

/**
 * Whom a channel can address, declared next to it: the recipient kinds, and the fields of a person it reads.
 * The node refuses an audience its channel does not reach before anything is sent; a unit test holds each
 * declaration to what the channel's addresses() does.
 */
export interface ChannelReach {
	kinds: readonly RecipientKind[];
	personFields: readonly (keyof PushPerson)[];
}

/** Where a channel can reach a recipient: one device token, a topic, a phone number, a login... */
export interface ChannelAddress {
	kind: 'token' | 'topic' | 'condition' | 'user' | 'group' | 'phone' | 'email';
	value: string;
}

/** One address of one recipient with the message it gets (the decorate hook may personalise it). */
export interface Delivery {
	address: ChannelAddress;
	message: PushMessage;
	/** Stable per message, channel and address: a retry of the same delivery carries the same key. */
	idempotencyKey: string;
}

/** A channel's verdict on one delivery. */
export interface ChannelOutcome {
	status: 'sent' | 'failed' | 'unregistered';
	messageId?: string;
	errorCode?: string;
	reason?: string;
}

/** What a channel's send returns for a batch: one outcome per delivery, in order, and the attempts spent. */
export interface BatchOutcome {
	outcomes: ChannelOutcome[];
	attempts: number;
}

export interface SendContext {
	retry: PushRetryPolicy;
	/** One key for the whole request (a batch key when the batch has several deliveries). */
	idempotencyKey: string;
}

/**
 * A way to deliver: FCM, MRA push / SMS / email, AppWorks Gateway. Channels talk HTTP only through an
 * HttpTransport, and retry only through requestWithRetry (see ./retry).
 */
export interface PushChannel {
	readonly name: ChannelName;
	/** Deliveries one request can carry (1 for FCM: one target per request). */
	readonly maxBatchSize: number;
	/** Where this channel reaches the recipient; [] when it cannot (the recipient is skipped or falls back). */
	addresses(recipient: PushRecipient): ChannelAddress[];
	/**
	 * Builds the request body for a batch and validates it against the channel's limits (FCM: 4 KB).
	 * Throws a PushValidationError when it cannot be sent; the body is what a dry run previews.
	 */
	prepare(deliveries: Delivery[]): unknown;
	/**
	 * Sends a prepared batch. Resolves with one outcome per delivery for every answer, including errors of
	 * single recipients; rejects only when nothing can be sent (wrong credential, wrong URL).
	 */
	send(deliveries: Delivery[], prepared: unknown, context: SendContext): Promise<BatchOutcome>;
}

/** Which outcomes of a channel move a recipient on to the next channel. */
export type FallbackTrigger = 'skipped' | 'unregistered' | 'failed';

export interface DispatchOptions {
	/** Channels in fallback order, e.g. [fcm, mraSms]: SMS for people without a token or whose tokens are dead. */
	channels: PushChannel[];
	/** Requests in flight at once (default 20). */
	concurrency?: number;
	/** Recipients per batch for channels that take several per request (default and upper bound: the widest channel's maxBatchSize, at most 100). */
	batchSize?: number;
	/**
	 * Retries of 429 / 5xx / timeouts; see transport/http/retry.ts (default 4 attempts, Retry-After capped at 60 s),
	 * and whether ambiguous failures are repeated (./retry, PushRetryPolicy.retryAmbiguous).
	 */
	retry?: PushRetryPolicy;
	/** Build and validate everything, send nothing: results are `skipped` with errorCode DRY_RUN and a preview. */
	dryRun?: boolean;
	/**
	 * Identifies this message across runs (e.g. the event id): with the address it makes the idempotency key, so
	 * re-running the same workflow item does not send twice. Default: a hash of the message content.
	 */
	messageKey?: string;
	/** When to try the next channel (default ['skipped', 'unregistered']). */
	fallbackOn?: FallbackTrigger[];
	/**
	 * Personalises the message per recipient, e.g. adds a signed acknowledgment link to `data`. When set,
	 * every recipient is sent on its own (no multi-recipient batches), since messages differ.
	 */
	decorate?: (recipient: PushRecipient, message: PushMessage) => PushMessage | Promise<PushMessage>;
}
