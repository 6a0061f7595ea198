/**
 * One message to a whole directory audience, streamed: the audience's pages (resolveAudience) go into the
 * dispatcher as they are read, and what comes out is a summary and the recipients that were not reached, never
 * one result per person. What is held at once is the dispatcher's window (concurrency × batch size), the page
 * being read, and the failures listed (at most `maxFailures`); the rest are counted. So an audience of a million
 * people costs a workflow engine one summary item, however large it is.
 */
import type { AudienceMember } from '../audience';
import { ConfigurationError } from '../errors';
import { dispatchBatches } from './dispatcher';
import { messageFingerprint, recipientsFromAudience, type PushMessage } from './message';
import type { DeliveryResult, DeliveryStatus, DispatchOptions } from './types';

/** What an audience send did, counted over every person and every result. */
export interface AudienceSendSummary {
	/** People the audience resolved to (each once). */
	people: number;
	/** Pages read from the directory. */
	pages: number;
	/** Results, one per person's address (a person with two device tokens has two). */
	results: number;
	/** Results by status: sent, failed, unregistered (a dead token), skipped (no address on this channel). */
	byStatus: Record<DeliveryStatus, number>;
	/** Results other than sent that are listed (at most Max Failures Listed)... */
	failuresListed: number;
	/** ...and those only counted. */
	failuresNotListed: number;
	/** The key the deliveries' idempotency keys are made from: the same key on a re-run sends nothing twice. */
	messageKey: string;
}

export type AudienceSendEvent = { failure: DeliveryResult } | { summary: AudienceSendSummary };

/** The most failures an audience send lists by default; the rest are counted. */
export const DEFAULT_MAX_FAILURES_LISTED = 1000;
const MAX_FAILURES_LISTED = 100_000;

/** Checks Max Failures Listed: a whole number from 0 to 100,000. */
export function maxFailuresListed(value: unknown): number {
	if (value === undefined || value === null || value === '') return DEFAULT_MAX_FAILURES_LISTED;
	const number = Number(value);
	if (!Number.isInteger(number) || number < 0 || number > MAX_FAILURES_LISTED) {
		throw new ConfigurationError(
			'Max Failures Listed',
			`is ${String(value)}: use a whole number from 0 to ${MAX_FAILURES_LISTED.toLocaleString('en')} (the rest are counted in the summary)`,
		);
	}
	return number;
}

/**
 * Sends `message` to every person of the audience's pages and yields the results that are not `sent` (up to
 * `maxFailures`), then one summary. Pages are pulled only as fast as the dispatcher sends.
 */
export async function* sendToAudience(
	pages: AsyncIterable<AudienceMember[]>,
	message: PushMessage,
	options: DispatchOptions,
	maxFailures = DEFAULT_MAX_FAILURES_LISTED,
): AsyncGenerator<AudienceSendEvent> {
	const summary: AudienceSendSummary = {
		people: 0,
		pages: 0,
		results: 0,
		byStatus: { sent: 0, failed: 0, unregistered: 0, skipped: 0 },
		failuresListed: 0,
		failuresNotListed: 0,
		messageKey: '',
	};
	// The key is fixed here, so the summary can name it: the dispatcher would derive the same one.
	const messageKey = options.messageKey ?? messageFingerprint(message);
	summary.messageKey = messageKey;
	async function* counted(): AsyncGenerator<AudienceMember[]> {
		for await (const page of pages) {
			summary.pages++;
			summary.people += page.length;
			yield page;
		}
	}
	// Batch by batch: a sent result is only counted, so it needs no step of this generator of its own.
	for await (const results of dispatchBatches(recipientsFromAudience(counted()), message, { ...options, messageKey })) {
		for (const result of results) {
			summary.results++;
			summary.byStatus[result.status]++;
			if (result.status === 'sent') continue;
			if (summary.failuresListed < maxFailures) {
				summary.failuresListed++;
				yield { failure: result };
			} else {
				summary.failuresNotListed++;
			}
		}
	}
	yield { summary };
}
