/**
 * Snapshots held in this process's memory between polls, instead of in the stored state (a trigger's "Keep
 * Snapshot In: Process Memory").
 *
 * Why: n8n writes a workflow's whole static data to its database after every poll that emits, reads it back
 * for the execution and copies it into every execution it saves. At a million people the snapshot is about
 * 22 MB, so each emitting poll costs seconds and each saved execution 22 MB, however little changed. Held
 * here, the stored state keeps its cursor, event ids and counters, and only a reference in place of the
 * snapshot: a few kilobytes.
 *
 * What it costs: a process that did not write the reference (n8n restarted, or another main became the
 * leader) does not hold the snapshot. The state is then unusable (strategy.ts): where the accesslog can say what
 * the entries were at the stored position, the poll reports the changes since then from it
 * (ldap/accesslog-recovery.ts); otherwise it starts over from the directory as it is, with one directory.resync
 * event: changes made in between are not reported one by one.
 *
 * The held state is the one the last successful poll of that trigger returned, whole. A stored reference
 * older than it (n8n reloaded the static data from its database, which it writes only after a poll that
 * emits) is given that newer state: the polls in between emitted nothing, or emitted what their state says.
 */
import type { SerializedSnapshot } from './snapshot/snapshot';
import type { ChangeState } from './state';

/** What the stored state holds in place of a held snapshot: which process holds it, and which of its states. */
export interface HeldSnapshotReference {
	heldInProcess: string;
}

export function isHeldSnapshotReference(value: unknown): value is HeldSnapshotReference {
	return (
		typeof value === 'object' &&
		value !== null &&
		!Array.isArray(value) &&
		typeof (value as Record<string, unknown>).heldInProcess === 'string'
	);
}

/**
 * Whether a state restore() gave back still has a reference for its snapshot: it gives one back only when this
 * process cannot resolve it (the snapshot is held elsewhere, or was, before a restart).
 */
export function snapshotHeldElsewhere(restored: ChangeState | undefined): boolean {
	return isHeldSnapshotReference(restored?.snapshot);
}

/** A state whose snapshot is a reference, as it is stored. */
export type StoredChangeState = Omit<ChangeState, 'snapshot'> & {
	snapshot: SerializedSnapshot | HeldSnapshotReference;
};

/** Different in every process, so that a reference written by one is never taken for another's. */
function processToken(): string {
	return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

export class HeldSnapshots {
	private readonly held = new Map<string, ChangeState>();
	private written = 0;

	constructor(private readonly process: string = processToken()) {}

	/**
	 * Holds `state` for `key` (a workflow's trigger node) in place of whatever was held, and returns the state to
	 * store: the same, with a reference for its snapshot.
	 */
	hold(key: string, state: ChangeState): StoredChangeState {
		this.held.set(key, state);
		return { ...state, snapshot: { heldInProcess: `${this.process}/${++this.written}` } };
	}

	/**
	 * The state a poll of `key` starts from: a stored state with a snapshot of its own as it is; one with a
	 * reference, the state held for `key` when this process wrote the reference and holds a state of the same
	 * strategy and scope; else the stored state as it is, which the poll finds unusable (strategy.ts).
	 */
	restore(key: string, stored: StoredChangeState | ChangeState | undefined): ChangeState | undefined {
		if (stored === undefined || stored === null || !isHeldSnapshotReference(stored.snapshot))
			return stored as ChangeState | undefined;
		const held = this.held.get(key);
		if (held === undefined || !this.wrote(stored.snapshot)) return stored as unknown as ChangeState;
		if (held.strategy !== stored.strategy || held.scopeKey !== stored.scopeKey) return stored as unknown as ChangeState;
		return held;
	}

	/** Drops what is held for `key` (its state is stored whole again). */
	release(key: string): void {
		this.held.delete(key);
	}

	private wrote(reference: HeldSnapshotReference): boolean {
		const [process, count] = reference.heldInProcess.split('/');
		return process === this.process && Number(count) >= 1 && Number(count) <= this.written;
	}
}

/** This process's held snapshots: one per trigger node that keeps its snapshot in memory. */
export const heldSnapshots = new HeldSnapshots();
