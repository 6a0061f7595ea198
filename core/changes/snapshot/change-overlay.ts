/**
 * A snapshot table's pending changes over its stored, read-only records: set and delete record into
 * `changes` (null = deleted) and never touch what is stored, so a failed poll leaves the stored state as
 * it was, and a clone can share the stored part. Subclasses say how a stored record is found and listed.
 */
import { recordKeyOf } from './record-key';

export abstract class ChangeOverlay<R> implements Iterable<[string, R]> {
	protected readonly changes: Map<string, R | null>;

	protected constructor(changes?: Map<string, R | null>) {
		this.changes = new Map(changes);
	}

	/** The stored record under a record key, if any (not looking at the pending changes). */
	protected abstract storedRecord(key: string): R | undefined;

	/** Every record: the stored ones not changed, then the changed ones that are not deleted. */
	abstract entries(): IterableIterator<[string, R]>;

	get(id: string): R | undefined {
		const key = recordKeyOf(id);
		if (this.changes.has(key)) return this.changes.get(key) ?? undefined;
		return this.storedRecord(key);
	}

	has(id: string): boolean {
		return this.get(id) !== undefined;
	}

	set(id: string, record: R): this {
		this.changes.set(recordKeyOf(id), record);
		return this;
	}

	delete(id: string): boolean {
		const existed = this.has(id);
		this.changes.set(recordKeyOf(id), null);
		return existed;
	}

	[Symbol.iterator](): IterableIterator<[string, R]> {
		return this.entries();
	}

	*values(): IterableIterator<R> {
		for (const [, record] of this.entries()) yield record;
	}
}
