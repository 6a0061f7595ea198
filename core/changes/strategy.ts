/**
 * The one interface every change-detection strategy offers, and the bookkeeping they share: state
 * decoding, first activation, scope checks, and finishing a poll (dedupe, bulk summary, next state).
 */
import { RequestError } from '../errors';
import type { ChangeStrategyName, DirectoryEvent, EventSource } from './events';
import { eventId } from './events';
import { isHeldSnapshotReference } from './held-snapshots';
import { decodeSnapshot, encodeSnapshot, snapshotProblem, type Snapshot } from './snapshot/snapshot';
import { CHANGE_STATE_VERSION, finishEvents, type ChangeState, type EmitOptions, type PollResult } from './state';

export interface ChangeStrategy {
	readonly name: ChangeStrategyName;
	/**
	 * Reads what changed since `cursor` (undefined on the first activation: records the starting point
	 * and returns no events). Throws on any failure, returning nothing: the caller keeps its old cursor.
	 * `nextCursor` covers exactly the events returned.
	 */
	poll(cursor: ChangeState | undefined): Promise<PollResult>;
}

/** What a strategy's own step produced; the shared part turns it into a PollResult. */
export interface StrategyStep {
	events: DirectoryEvent[];
	snapshot: Snapshot;
	stampHighWater?: string;
	cursor?: string;
	cursorContext?: string;
	reconciled: boolean;
	/** Set when the cursor was lost and a reconciliation ran instead: emits directory.resync. */
	resyncReason?: string;
	/** The read stopped short of the log's end (see PollResult.readAgainSoon). */
	readAgainSoon?: boolean;
	/** See ChangeState.readAheadFrom. */
	readAheadFrom?: string;
}

/**
 * The stored state as this poll may use it: `previous` when it is usable for this scope; otherwise no
 * previous state (start over) and, unless there was none at all (the first activation), why not.
 */
export function storedState(
	cursor: ChangeState | undefined,
	scopeKey: string,
): { previous?: ChangeState; unusable?: string; snapshotLost?: ChangeState } {
	if (cursor === undefined || cursor === null) return {};
	const unusable = unusableStateReason(cursor, scopeKey);
	if (unusable === undefined) return { previous: cursor };
	return { unusable, ...(snapshotLost(cursor, scopeKey) ? { snapshotLost: cursor } : {}) };
}

/**
 * A state that is sound and of this scope but for its snapshot, which the process that held it no longer holds:
 * its log position may still say what changed since (accesslog-recovery.ts).
 */
function snapshotLost(cursor: ChangeState, scopeKey: string): boolean {
	return (
		isHeldSnapshotReference(cursor.snapshot) &&
		cursor.version === CHANGE_STATE_VERSION &&
		cursor.scopeKey === scopeKey &&
		fieldProblem(cursor) === undefined
	);
}

/** Why a stored state cannot be used (the poll then starts over and says so in a directory.resync event); undefined when it can. */
function unusableStateReason(cursor: ChangeState, scopeKey: string): string | undefined {
	const restart = 'started over from the directory as it is now; changes made since the last poll were not seen';
	if (typeof cursor !== 'object' || cursor === null || Array.isArray(cursor))
		return `the stored state is unreadable (not an object): ${restart}`;
	if (cursor.version !== CHANGE_STATE_VERSION)
		return `the stored state is from another version of this node (${String(cursor.version)}): ${restart}`;
	if (isHeldSnapshotReference(cursor.snapshot))
		return `the snapshot was kept in the memory of an n8n process that no longer holds it (n8n restarted, or another main instance polls now; Keep Snapshot In: Process Memory): ${restart}`;
	const problem = stateProblem(cursor);
	if (problem !== undefined) return `the stored state is unreadable (${problem}): ${restart}`;
	if (cursor.scopeKey !== scopeKey)
		return `the watched scope changed (base DN or partition, filters, segment or additional attributes): ${restart}`;
	return undefined;
}

const optionalText = (value: unknown): boolean => value === undefined || typeof value === 'string';
const count = (value: unknown): boolean => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** What is wrong in a stored state of this version: every field's type, and the snapshot's contents. */
function stateProblem(state: ChangeState): string | undefined {
	return fieldProblem(state) ?? snapshotProblem((state as unknown as Record<string, unknown>).snapshot);
}

/** What is wrong in a stored state's fields but its snapshot. */
function fieldProblem(state: ChangeState): string | undefined {
	const fields = state as unknown as Record<string, unknown>;
	if (typeof fields.scopeKey !== 'string' || typeof fields.strategy !== 'string')
		return 'its scope or strategy is not text';
	for (const name of ['server', 'stampHighWater', 'cursor', 'cursorContext', 'readAheadFrom'])
		if (!optionalText(fields[name])) return `${name} is not text`;
	if (!count(fields.pollsSinceReconcile)) return 'pollsSinceReconcile is not a count';
	if (fields.generation !== undefined && !count(fields.generation)) return 'generation is not a count';
	if (!Array.isArray(fields.recentIds) || !fields.recentIds.every((id) => typeof id === 'string'))
		return 'recentIds is not a list of event ids';
	return undefined;
}

/**
 * Why the log position of `previous` does not apply on `server` (a fail-over to another server of the
 * list); undefined when it does.
 */
export function otherServerReason(previous: ChangeState, server: string): string | undefined {
	if (previous.server === undefined || previous.server === server) return undefined;
	return `this poll ran on ${server}, the last one on ${previous.server}, whose change stamps and log position do not apply here: reconciled against the snapshot`;
}

/** The generation a poll from `previous` runs in (see ChangeState.generation). */
export function generationOf(previous: ChangeState | undefined): number {
	return typeof previous?.generation === 'number' ? previous.generation : 0;
}

export function snapshotOf(state: ChangeState): Snapshot {
	return decodeSnapshot(state.snapshot);
}

/** The state after a poll and the events to emit with it. */
export function finishPoll(
	previous: ChangeState | undefined,
	step: StrategyStep,
	meta: { name: ChangeStrategyName; scopeKey: string; source: EventSource; detectedAt: string; emit: EmitOptions },
): PollResult {
	const events = [...step.events];
	if (step.resyncReason !== undefined) {
		events.unshift({
			id: eventId(
				meta.source,
				'',
				'directory.resync',
				`${previous?.cursor ?? ''}|${step.cursor ?? step.stampHighWater ?? ''}`,
			),
			type: 'directory.resync',
			detectedAt: meta.detectedAt,
			source: meta.source,
			changes: [],
			summary: { reason: step.resyncReason },
		});
	}
	const finished = finishEvents(events, previous?.recentIds ?? [], meta.emit, meta.detectedAt);
	return {
		events: finished.events,
		...(step.readAgainSoon ? { readAgainSoon: true } : {}),
		nextCursor: {
			version: CHANGE_STATE_VERSION,
			strategy: meta.name,
			scopeKey: meta.scopeKey,
			server: meta.source.server,
			snapshot: encodeSnapshot(step.snapshot),
			stampHighWater: step.stampHighWater,
			cursor: step.cursor,
			cursorContext: step.cursorContext,
			...(step.readAheadFrom !== undefined ? { readAheadFrom: step.readAheadFrom } : {}),
			pollsSinceReconcile: step.reconciled ? 0 : (previous?.pollsSinceReconcile ?? 0) + 1,
			generation: generationOf(previous) + 1,
			recentIds: finished.recentIds,
		},
	};
}

/** One hour: a first poll of 100,000 people takes a few minutes. */
export const DEFAULT_POLL_DEADLINE_MS = 60 * 60 * 1000;

/**
 * A poll within a wall-clock deadline as a whole, however each of its requests fares: past it, the poll fails
 * (nothing is emitted, the stored state is kept) and the caller closes the connection, which ends the requests
 * still running.
 */
export function pollWithin<T>(poll: Promise<T>, deadlineMs: number = DEFAULT_POLL_DEADLINE_MS): Promise<T> {
	const deadline = AbortSignal.timeout(Math.ceil(deadlineMs));
	return new Promise<T>((resolve, reject) => {
		const expire = () => {
			const minutes = deadlineMs / 60_000;
			reject(
				new RequestError(
					'timeout',
					`The poll did not finish within ${minutes >= 1 ? `${Math.round(minutes * 10) / 10} minutes` : `${Math.ceil(deadlineMs / 1000)} seconds`}: nothing was emitted and the stored state was kept`,
					"Raise Poll Deadline (Minutes) in the trigger's options if polls of this directory take that long, or narrow what is watched",
				),
			);
		};
		deadline.addEventListener('abort', expire, { once: true });
		poll.then(
			(result) => {
				deadline.removeEventListener('abort', expire);
				resolve(result);
			},
			(error: unknown) => {
				deadline.removeEventListener('abort', expire);
				reject(error);
			},
		);
	});
}
