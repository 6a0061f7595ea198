/**
 * The snapshot's tables, built so that a poll costs what changed, not what exists:
 * - UserTable: the stored string of 40-character user records, sorted by key; a lookup is a binary
 *   search, a change is kept aside, and merge() writes the next string by copying the unchanged runs
 *   (no decoding of the 99,900 users that did not change);
 * - GroupTable: the stored group records, decoded only when read; their member positions follow the
 *   users' positions, remapped without decoding users when users were added or deleted.
 */
import {
	decodeGroupParts,
	decodeUserRecord,
	encodePositions,
	encodeUserRecord,
	encodeGroupRecordCompact,
	readKey,
	readUint32,
	recordKeyOf,
	USER_RECORD_BYTES,
	USER_RECORD_CHARS,
	writeKey,
	type GroupRecord,
	type UserRecord,
} from './snapshot';

/** Records sort by their first 21 characters: the first 126 bits of the key. */
const SORT_CHARS = 21;

function sortKeyOf(id: string): string {
	const bytes = new Uint8Array(18);
	writeKey(recordKeyOf(id), bytes);
	return Buffer.from(bytes).toString('base64').slice(0, SORT_CHARS);
}

/** What merge() produced: the new string, and where each old position went (−1: deleted). */
export interface MergedUsers {
	text: string;
	remap: Int32Array;
	/** True when no user was added or deleted (positions unchanged). */
	samePositions: boolean;
	positionOf(id: string): number | undefined;
	dnHashAt(position: number): number;
}

export class UserTable implements Iterable<[string, UserRecord]> {
	private readonly count: number;
	private readonly changes: Map<string, UserRecord | null>;

	constructor(
		private readonly base: string,
		changes?: Map<string, UserRecord | null>,
	) {
		this.count = Math.floor(base.length / USER_RECORD_CHARS);
		this.changes = new Map(changes);
	}

	/** A table with the same contents whose changes do not affect this one. */
	clone(): UserTable {
		return new UserTable(this.base, this.changes);
	}

	/** How many records the stored string holds. */
	get baseCount(): number {
		return this.count;
	}

	private lookups = 0;
	private decoded: Uint8Array | undefined;
	/** Open-addressing index over the decoded records: position + 1 per slot, 0 for empty. */
	private slots: Int32Array | undefined;
	private slotShift = 32;
	private readonly probeKey = new Uint8Array(16);

	/**
	 * The stored records as bytes (USER_RECORD_BYTES each, decoded once): a reconciliation reads every
	 * record's status, password and DN hashes from here without building a string or object per user.
	 */
	storedBytes(): Uint8Array {
		this.decoded ??= Buffer.from(this.base, 'base64');
		return this.decoded;
	}

	/** Position of an id in the stored string, or −1. */
	basePosition(id: string): number {
		// Many lookups (a reconciliation): one pass to index the decoded keys beats a binary search per entry.
		if (this.slots === undefined && ++this.lookups > 256 && this.count > 4096) this.indexKeys();
		if (this.slots !== undefined) return this.slotLookup(writeKey(id, this.probeKey));
		const key = sortKeyOf(id);
		let low = 0;
		let high = this.count - 1;
		while (low <= high) {
			const middle = (low + high) >>> 1;
			const probe = this.base.slice(middle * USER_RECORD_CHARS, middle * USER_RECORD_CHARS + SORT_CHARS);
			if (probe === key) return middle;
			if (probe < key) low = middle + 1;
			else high = middle - 1;
		}
		return -1;
	}

	/** Where a key's slot search starts: a multiplicative hash of key bytes that vary between entries. */
	private slotOf(bytes: Uint8Array, offset: number): number {
		const mixed = (bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) | (bytes[offset + 3] << 24)) ^ (bytes[offset + 6] | (bytes[offset + 7] << 8) | (bytes[offset + 12] << 16) | (bytes[offset + 15] << 24));
		return Math.imul(mixed, 0x9e3779b1) >>> this.slotShift;
	}

	private indexKeys(): void {
		const bytes = this.storedBytes();
		let bits = 1;
		while (1 << bits < this.count * 2) bits++;
		this.slotShift = 32 - bits;
		const slots = new Int32Array(1 << bits);
		const mask = slots.length - 1;
		for (let position = 0; position < this.count; position++) {
			let slot = this.slotOf(bytes, position * USER_RECORD_BYTES);
			while (slots[slot] !== 0) slot = (slot + 1) & mask;
			slots[slot] = position + 1;
		}
		this.slots = slots;
	}

	/** The position of the key in probeKey (with its key format), or −1. */
	private slotLookup(format: number): number {
		const slots = this.slots as Int32Array;
		const bytes = this.storedBytes();
		const key = this.probeKey;
		const mask = slots.length - 1;
		for (let slot = this.slotOf(key, 0); slots[slot] !== 0; slot = (slot + 1) & mask) {
			const position = slots[slot] - 1;
			const offset = position * USER_RECORD_BYTES;
			let index = 0;
			while (index < 16 && bytes[offset + index] === key[index]) index++;
			if (index === 16 && ((bytes[offset + 16] >>> 3) & 0x03) === format) return position;
		}
		return -1;
	}

	recordAt(position: number): UserRecord {
		return decodeUserRecord(this.base.slice(position * USER_RECORD_CHARS, (position + 1) * USER_RECORD_CHARS));
	}

	/** The DN hash of the stored record at a position. */
	dnHashAt(position: number): number {
		if (this.decoded !== undefined) return readUint32(this.decoded, position * USER_RECORD_BYTES + 25);
		// Few reads (an incremental poll): only the characters that hold it.
		const start = position * USER_RECORD_CHARS + 32;
		return readUint32(new Uint8Array(Buffer.from(this.base.slice(start, start + 8), 'base64')), 1);
	}

	get(id: string): UserRecord | undefined {
		const key = recordKeyOf(id);
		if (this.changes.has(key)) return this.changes.get(key) ?? undefined;
		const position = this.basePosition(key);
		return position < 0 ? undefined : this.recordAt(position);
	}

	has(id: string): boolean {
		return this.get(id) !== undefined;
	}

	set(id: string, record: UserRecord): this {
		this.changes.set(recordKeyOf(id), record);
		return this;
	}

	delete(id: string): boolean {
		const existed = this.has(id);
		this.changes.set(recordKeyOf(id), null);
		return existed;
	}

	get size(): number {
		let size = this.count;
		for (const [id, record] of this.changes) {
			const stored = this.basePosition(id) >= 0;
			if (record === null && stored) size--;
			if (record !== null && !stored) size++;
		}
		return size;
	}

	/** Every record (decodes them all: for reconciliation and rare indexes only). */
	*entries(): IterableIterator<[string, UserRecord]> {
		for (let position = 0; position < this.count; position++) {
			const record = this.recordAt(position);
			if (this.changes.has(record.id)) continue;
			yield [record.id, record];
		}
		for (const [id, record] of this.changes) if (record !== null) yield [id, record];
	}

	[Symbol.iterator](): IterableIterator<[string, UserRecord]> {
		return this.entries();
	}

	*values(): IterableIterator<UserRecord> {
		for (const [, record] of this.entries()) yield record;
	}

	/** Users added (not stored yet) in this table. */
	*pendingRecords(): IterableIterator<[string, UserRecord]> {
		for (const [id, record] of this.changes) if (record !== null && this.basePosition(id) < 0) yield [id, record];
	}

	*keys(): IterableIterator<string> {
		for (const [id] of this.entries()) yield id;
	}

	/** The next stored string: unchanged runs copied as they are, changes merged in key order. */
	merge(): MergedUsers {
		const pending = [...this.changes.entries()].map(([id, record]) => ({ id, key: sortKeyOf(id), record, position: this.basePosition(id) }));
		pending.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
		const parts: string[] = [];
		const remap = new Int32Array(this.count);
		const placed = new Map<string, number>();
		let samePositions = true;
		let cursor = 0;
		let written = 0;
		const copyUntil = (end: number) => {
			if (end <= cursor) return;
			parts.push(this.base.slice(cursor * USER_RECORD_CHARS, end * USER_RECORD_CHARS));
			for (let position = cursor; position < end; position++) remap[position] = written++;
			cursor = end;
		};
		for (const change of pending) {
			if (change.position >= 0) {
				copyUntil(change.position);
				cursor = change.position + 1;
				if (change.record === null) {
					remap[change.position] = -1;
					samePositions = false;
					continue;
				}
				remap[change.position] = written;
			} else {
				if (change.record === null) continue;
				// A new key: copy the stored records that sort before it.
				let end = cursor;
				while (end < this.count && this.base.slice(end * USER_RECORD_CHARS, end * USER_RECORD_CHARS + SORT_CHARS) < change.key) end++;
				copyUntil(end);
				samePositions = false;
			}
			placed.set(change.id, written++);
			parts.push(encodeUserRecord(change.record));
		}
		copyUntil(this.count);
		const text = parts.join('');
		const merged = new UserTable(text);
		return {
			text,
			remap,
			samePositions,
			positionOf: (id) => {
				const position = merged.basePosition(id);
				return position < 0 ? undefined : position;
			},
			dnHashAt: (position) => merged.dnHashAt(position),
		};
	}
}

interface StoredGroup {
	text: string;
	/** Decoded on first read. */
	record?: GroupRecord;
	/** The member hash → stored position, known once decoded. */
	positions?: Map<number, number>;
}

export class GroupTable implements Iterable<[string, GroupRecord]> {
	private readonly stored = new Map<string, StoredGroup>();
	private readonly changes: Map<string, GroupRecord | null>;

	constructor(
		texts: string[] | Map<string, StoredGroup>,
		private readonly users: UserTable,
		changes?: Map<string, GroupRecord | null>,
	) {
		if (Array.isArray(texts)) {
			// Only the key is read here (the first 24 characters hold bytes 0–17): members are decoded on use.
			for (const text of texts) {
				const head = new Uint8Array(Buffer.from(text.slice(0, 24), 'base64'));
				this.stored.set(readKey(head, head[16]), { text });
			}
		} else {
			this.stored = texts;
		}
		this.changes = new Map(changes);
	}

	/** A table whose changes do not affect this one (stored groups are shared: they are read-only). */
	clone(users: UserTable): GroupTable {
		return new GroupTable(this.stored, users, this.changes);
	}

	private decode(stored: StoredGroup): GroupRecord {
		if (stored.record === undefined) {
			const parts = decodeGroupParts(stored.text);
			const positions = new Map<number, number>();
			for (const position of parts.positions) positions.set(this.users.dnHashAt(position), position);
			const memberHashes = [...new Set([...positions.keys(), ...parts.others])].sort((a, b) => a - b);
			stored.record = { id: parts.id, valuesHash: parts.valuesHash, dnHash: parts.dnHash, memberHashes };
			stored.positions = positions;
		}
		return stored.record;
	}

	get(id: string): GroupRecord | undefined {
		const key = recordKeyOf(id);
		if (this.changes.has(key)) return this.changes.get(key) ?? undefined;
		const stored = this.stored.get(key);
		return stored === undefined ? undefined : this.decode(stored);
	}

	has(id: string): boolean {
		return this.get(id) !== undefined;
	}

	set(id: string, record: GroupRecord): this {
		this.changes.set(recordKeyOf(id), record);
		return this;
	}

	delete(id: string): boolean {
		const existed = this.has(id);
		this.changes.set(recordKeyOf(id), null);
		return existed;
	}

	*entries(): IterableIterator<[string, GroupRecord]> {
		for (const [id, stored] of this.stored) if (!this.changes.has(id)) yield [id, this.decode(stored)];
		for (const [id, record] of this.changes) if (record !== null) yield [id, record];
	}

	[Symbol.iterator](): IterableIterator<[string, GroupRecord]> {
		return this.entries();
	}

	*values(): IterableIterator<GroupRecord> {
		for (const [, record] of this.entries()) yield record;
	}

	/** The stored groups after a merge of the users: unchanged groups keep their text unless positions moved. */
	serialize(merged: MergedUsers): string[] {
		const texts: string[] = [];
		let index: Map<number, number> | undefined;
		const fullIndex = () => {
			if (index === undefined) {
				index = new Map();
				const count = Math.floor(merged.text.length / USER_RECORD_CHARS);
				for (let position = 0; position < count; position++) {
					const hash = merged.dnHashAt(position);
					if (!index.has(hash)) index.set(hash, position);
				}
			}
			return index;
		};
		for (const [id, stored] of this.stored) {
			if (this.changes.has(id)) continue;
			if (merged.samePositions) {
				texts.push(stored.text);
				continue;
			}
			const parts = decodeGroupParts(stored.text);
			const positions = parts.positions.map((position) => merged.remap[position]).filter((position) => position >= 0);
			texts.push(Buffer.concat([parts.bytes.subarray(0, 25), encodePositions(positions, parts.others)]).toString('base64'));
		}
		for (const [id, record] of this.changes) {
			if (record === null) continue;
			// Members known before keep their (remapped) position; others are looked up by DN hash.
			const known = this.stored.get(id)?.positions;
			texts.push(
				encodeGroupRecordCompact(record, (hash) => {
					const old = known?.get(hash);
					if (old !== undefined && merged.remap[old] >= 0 && merged.dnHashAt(merged.remap[old]) === hash) return merged.remap[old];
					return fullIndex().get(hash);
				}),
			);
		}
		return texts;
	}
}
