/**
 * The change detector's state: a plain JSON object that lives in the trigger's static data between
 * polls. A poll reads one state and returns the next; it never changes the one it was given, so a
 * failed poll leaves the stored state (and so the cursor) exactly where it was.
 */
import type { ChangeStrategyName, DirectoryEvent } from './events';
import type { SerializedSnapshot } from './snapshot/snapshot';

/**
 * 3: users as chunks of front-coded records, group members as Rice-coded positions (2: fixed 28-byte base-85
 * records with their key heads apart; 1: 30-byte base64 records). A state of another version is started over
 * from, with one directory.resync event (strategy.ts).
 */
export const CHANGE_STATE_VERSION = 3;

export interface ChangeState {
	version: typeof CHANGE_STATE_VERSION;
	strategy: ChangeStrategyName;
	/** What was watched (bases, filters, attributes): a state for another scope is not reused. */
	scopeKey: string;
	/**
	 * The server the last poll ran on. Not part of the scope: after a fail-over to another server of the
	 * list the snapshot still holds, but a log position of the first server means nothing on the second,
	 * so the first poll there reconciles against the snapshot.
	 */
	server?: string;
	snapshot: SerializedSnapshot;
	/** The highest entry change stamp (modifyTimestamp) the snapshot reflects, whole seconds. */
	stampHighWater?: string;
	/** Log position: accesslog reqStart, changelog changeNumber, AD uSNChanged. */
	cursor?: string;
	/** What the cursor is only valid with: the AD DC's invocationID. */
	cursorContext?: string;
	/**
	 * Accesslog: the greatest change stamp (entryCSN) among the entries the last poll read, where the next
	 * poll's read-ahead starts. The cursor's reqStart is no clock to compare entry stamps with below the second:
	 * from it, a read-ahead read the writes of the cursor's whole second again (in the changes benchmark, the
	 * last poll's 100 entries besides the 100 new ones).
	 */
	readAheadFrom?: string;
	/** Polls done since the last full reconciliation. */
	pollsSinceReconcile: number;
	/**
	 * Successful polls since the first activation. Part of an event id where the source gives no change
	 * stamp of its own: the same state always yields the same ids (a poll repeated after its state was not
	 * stored is dropped as a duplicate), while the same transition seen again later (disabled, enabled,
	 * disabled again) gets a new one.
	 */
	generation?: number;
	/** Ids of recently emitted events (bounded), to drop duplicates across polls. */
	recentIds: string[];
}

/** What a poll returns: the events to emit and the state to store once they are emitted. */
export interface PollResult {
	events: DirectoryEvent[];
	nextCursor: ChangeState;
	/**
	 * The cursor stopped short of the log's end: a record below it was still being written, or more records
	 * wait than one poll reads. A poll in a minute reads them anyway; a listening trigger reads again soon.
	 */
	readAgainSoon?: boolean;
}

/** Options every strategy honours after it found its events. */
export interface EmitOptions {
	/** Event types to emit (default all). Filtered events still count for the bulk summary. */
	eventTypes?: string[];
	/**
	 * Whether a group joining or leaving a group (an event with `memberGroup`) is emitted (default true).
	 * Workflows that address the member as a person turn it off; left out, it still counts for the bulk summary.
	 */
	groupMembers?: boolean;
	/** More change events than this in one poll add one directory.bulkChange summary (0: never). */
	bulkThreshold?: number;
	/** How many recent event ids are remembered to drop duplicates (default 2,000). */
	dedupeWindow?: number;
}

const DEFAULT_DEDUPE_WINDOW = 2000;

/**
 * Drops events already emitted (by id), adds the bulk summary, filters by type, and returns the new
 * window of recent ids.
 */
export function finishEvents(
	events: DirectoryEvent[],
	recentIds: string[],
	options: EmitOptions,
	detectedAt: string,
): { events: DirectoryEvent[]; recentIds: string[] } {
	const seen = new Set(recentIds);
	const fresh: DirectoryEvent[] = [];
	for (const event of events) {
		if (seen.has(event.id)) continue;
		seen.add(event.id);
		fresh.push(event);
	}
	// Entries that existed before the trigger started are not changes: they never make a bulk change.
	const changeEvents = fresh.filter((event) => !event.type.startsWith('directory.') && event.existing !== true);
	const threshold = options.bulkThreshold ?? 0;
	if (threshold > 0 && changeEvents.length > threshold) {
		const counts: Partial<Record<DirectoryEvent['type'], number>> = {};
		for (const event of changeEvents) counts[event.type] = (counts[event.type] ?? 0) + 1;
		const source = changeEvents[0].source;
		fresh.push({
			id: `bulk-${changeEvents[0].id}-${changeEvents[changeEvents.length - 1].id}`,
			type: 'directory.bulkChange',
			detectedAt,
			source,
			changes: [],
			summary: { counts, total: changeEvents.length },
		});
	}
	const window = options.dedupeWindow ?? DEFAULT_DEDUPE_WINDOW;
	const nextRecent = [...recentIds, ...fresh.map((event) => event.id)].slice(-window);
	const wanted = options.eventTypes && options.eventTypes.length > 0 ? new Set(options.eventTypes) : undefined;
	const emitted = (event: DirectoryEvent) =>
		(wanted === undefined || wanted.has(event.type)) &&
		(options.groupMembers !== false || event.memberGroup === undefined);
	return {
		events: wanted === undefined && options.groupMembers !== false ? fresh : fresh.filter(emitted),
		recentIds: nextRecent,
	};
}
