/**
 * "Emit existing entries on first poll": the first activation still records the starting point, and
 * also emits one user.created / group.created per entry already in scope, marked `existing: true`, so a
 * workflow can start from the directory as it is (fill another system, welcome everyone once).
 *
 * These events are built while the baseline pages through the directory, from the same observations
 * the snapshot is made of, so the events and the stored state describe the same moment; the trigger
 * stores that state only after n8n took the events (a failed first poll emits nothing and is simply
 * repeated). Their ids are stable: the entry's key, its change stamp and its record, so a repeated first
 * poll of an unchanged directory yields the same ids.
 *
 * n8n takes a poll's items as one array, so every event of the first poll is in memory at once (about
 * 3 KB of heap each, 1.6 KB as JSON, measured on the test fixture's people). `existingLimit` bounds that: a scope with more entries fails the first poll with an error
 * that says so, before anything is emitted or stored, rather than emitting part of the directory.
 * Groups are emitted without their members (one group.memberAdded per membership would be most of the
 * directory again); a group's members are one Get Members away.
 */
import { ConfigurationError } from '../errors';
import { diffGroup, diffUser, type DiffEnvironment, type GroupObservation, type UserObservation } from './differ';
import type { DirectoryEvent, EventSource } from './events';
import { encodeGroupRecord } from './snapshot/group-record';
import { encodeUserRecord, type WatchedUserField } from './snapshot/user-record';

export interface ExistingEntriesOptions {
	/** On the first activation, emit user.created / group.created for every entry in scope (default false). */
	emitExisting?: boolean;
	/** At most this many existing entries (users and groups) on the first poll (default 10,000). */
	existingLimit?: number;
}

export const DEFAULT_EXISTING_LIMIT = 10_000;

/** Collects the events of existing entries during a baseline; `undefined` from `forFirstPoll` when not wanted. */
export class ExistingEntries {
	readonly events: DirectoryEvent[] = [];
	private count = 0;
	private readonly env: DiffEnvironment;

	private constructor(
		source: EventSource,
		detectedAt: string,
		attributeOf: (field: WatchedUserField) => string,
		private readonly limit: number,
	) {
		this.env = {
			source,
			detectedAt,
			attributeOf,
			extraAttributes: [],
			// Not used: existing groups are emitted without members.
			memberByDnHash: () => undefined,
			memberByDn: (dn) => ({ id: dn, dn }),
		};
	}

	static forFirstPoll(
		options: ExistingEntriesOptions,
		source: EventSource,
		detectedAt: string,
		attributeOf: (field: WatchedUserField) => string,
	): ExistingEntries | undefined {
		if (options.emitExisting !== true) return undefined;
		const limit = options.existingLimit ?? DEFAULT_EXISTING_LIMIT;
		if (!Number.isFinite(limit) || limit < 1)
			throw new ConfigurationError('Existing Entries Limit', `must be a positive number (it is ${String(limit)})`);
		return new ExistingEntries(source, detectedAt, attributeOf, Math.floor(limit));
	}

	/** A user in scope; `stamp` is its change stamp as read ('' when the source has none). */
	user(observed: UserObservation, stamp = ''): void {
		this.admit();
		const events = diffUser(undefined, observed, { stamp: `${stamp}|${encodeUserRecord(observed.record)}` }, this.env);
		for (const event of events) this.events.push({ ...event, existing: true });
	}

	group(observed: GroupObservation, stamp = ''): void {
		this.admit();
		const withoutMembers = { ...observed, memberDns: [] };
		const events = diffGroup(
			undefined,
			withoutMembers,
			{ stamp: `${stamp}|${encodeGroupRecord(observed.record)}` },
			this.env,
		);
		for (const event of events) this.events.push({ ...event, existing: true });
	}

	private admit(): void {
		this.count++;
		if (this.count > this.limit) {
			throw new ConfigurationError(
				'Existing Entries Limit',
				`is ${this.limit.toLocaleString('en')}, and the watched scope holds more users and groups: raise the limit, narrow the scope (Segment, Group Scope, base DNs), or turn off Emit Existing Entries on First Poll. Nothing was emitted and the starting point was not recorded.`,
			);
		}
	}
}
