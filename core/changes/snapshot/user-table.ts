/**
 * The snapshot's tables, built so that a poll costs what changed, not what exists:
 * - UserTable: the stored string of 35-character user records, sorted by key; a lookup is a binary
 *   search, a change is kept aside, and merge() writes the next string by copying the unchanged runs
 *   (no decoding of the 99,900 users that did not change);
 * - GroupTable (group-table.ts).
 */
import { ChangeOverlay } from './change-overlay';
import { decodeBase85Into, decodeKeyHeads, encodeBase85, encodeKeyHeads, readUint32 } from './record-codec';
import { writeKey } from './record-key';
import {
	readUserRecord,
	storedKeyFormat,
	USER_DN_HASH_OFFSET,
	USER_RECORD_BYTES,
	USER_RECORD_CHARS,
	writeUserRecord,
	type UserRecord,
} from './user-record';

/**
 * Decoded key heads by their stored text, for the last few snapshots this process has seen: n8n keeps a
 * workflow's static data in memory between polls, so the next poll of the same trigger starts from the
 * text the last one wrote and need not decode 100,000 heads again (a few milliseconds; ten times that at a
 * million). Bounded: a handful of triggers per process, the oldest forgotten first. Read-only arrays.
 */
const KEY_HEADS_REMEMBERED = 8;
const rememberedKeyHeads = new Map<string, Uint16Array>();

function rememberKeyHeads(text: string, heads: Uint16Array): void {
	rememberedKeyHeads.delete(text);
	rememberedKeyHeads.set(text, heads);
	if (rememberedKeyHeads.size > KEY_HEADS_REMEMBERED)
		rememberedKeyHeads.delete(rememberedKeyHeads.keys().next().value as string);
}

/** What merge() produced: the new strings, and where each old position went. */
export interface MergedUsers {
	text: string;
	keyHeads: string;
	/** The position in the new string of the user at `position` in the old one (−1: deleted). */
	newPosition(position: number): number;
	/** True when no user was added or deleted (positions unchanged). */
	samePositions: boolean;
	positionOf(id: string): number | undefined;
	dnHashAt(position: number): number;
}

/** Orders two keys (16 bytes, then key format) as the users string is sorted. */
function compareKeys(a: Uint8Array, aFormat: number, b: Uint8Array, bFormat: number): number {
	for (let index = 0; index < 16; index++) if (a[index] !== b[index]) return a[index] - b[index];
	return aFormat - bFormat;
}

/**
 * What is derived from a stored users string, decoded on first use. One per string, shared by the tables
 * cloned from one another: a poll clones the stored table before it reads it, and must not decode twice.
 */
interface StoredDecodings {
	heads?: Uint16Array;
	decoded?: Uint8Array;
	/** Open-addressing index over the decoded records: position + 1 per slot, 0 for empty. */
	slots?: Int32Array;
	slotShift?: number;
	lookups?: number;
}

export class UserTable extends ChangeOverlay<UserRecord> {
	private readonly count: number;

	constructor(
		private readonly base: string,
		private readonly keyHeadsText: string,
		changes?: Map<string, UserRecord | null>,
		private readonly stored: StoredDecodings = {},
	) {
		super(changes);
		this.count = Math.floor(base.length / USER_RECORD_CHARS);
	}

	/** A table with the same contents whose changes do not affect this one. */
	clone(): UserTable {
		return new UserTable(this.base, this.keyHeadsText, this.changes, this.stored);
	}

	/** How many records the stored string holds. */
	get baseCount(): number {
		return this.count;
	}

	/** The first two key bytes of every stored record (decoded on first use: a few milliseconds at 100,000). */
	private keyHeads(): Uint16Array {
		if (this.stored.heads === undefined) {
			const remembered = rememberedKeyHeads.get(this.keyHeadsText);
			this.stored.heads =
				remembered !== undefined && remembered.length === this.count
					? remembered
					: decodeKeyHeads(this.keyHeadsText, this.count);
			rememberKeyHeads(this.keyHeadsText, this.stored.heads);
		}
		return this.stored.heads;
	}

	private readonly probeKey = new Uint8Array(16);
	private readonly probeRecord = new Uint8Array(USER_RECORD_BYTES);

	/**
	 * The stored records as bytes (USER_RECORD_BYTES each, decoded once): a reconciliation reads every
	 * record's status, password and DN hashes from here without building a string or object per user.
	 */
	storedBytes(): Uint8Array {
		if (this.stored.decoded === undefined) {
			this.stored.decoded = new Uint8Array(this.count * USER_RECORD_BYTES);
			decodeBase85Into(this.base, 0, (this.count * USER_RECORD_BYTES) / 4, this.stored.decoded, 0);
		}
		return this.stored.decoded;
	}

	/** Position of an id in the stored string, or −1. */
	basePosition(id: string): number {
		// Many lookups (a reconciliation): one pass to index the decoded keys beats a binary search per entry.
		const stored = this.stored;
		if (stored.slots === undefined && (stored.lookups = (stored.lookups ?? 0) + 1) > 256 && this.count > 4096)
			this.indexKeys();
		const format = writeKey(id, this.probeKey);
		if (stored.slots !== undefined) return this.slotLookup(format);
		const found = this.search(this.probeKey, format);
		return found >= 0 ? found : -1;
	}

	/** Binary search: the position of the key, or −(where it would go) − 1. */
	private search(key: Uint8Array, format: number): number {
		let low = 0;
		let high = this.count - 1;
		while (low <= high) {
			const middle = (low + high) >>> 1;
			const order = this.compareAt(middle, key, format);
			if (order === 0) return middle;
			if (order < 0) low = middle + 1;
			else high = middle - 1;
		}
		return -low - 1;
	}

	/** The stored key at a position against `key`: negative when it sorts before. */
	private compareAt(position: number, key: Uint8Array, format: number): number {
		const head = this.keyHeads()[position];
		const wanted = (key[0] << 8) | key[1];
		if (head !== wanted) return head - wanted;
		const record = this.probeRecord;
		decodeBase85Into(this.base, position * USER_RECORD_CHARS, 4, record, 0);
		for (let index = 0; index < 14; index++)
			if (record[index] !== key[index + 2]) return record[index] - key[index + 2];
		return storedKeyFormat(record, 0) - format;
	}

	/** Where a key's slot search starts: a multiplicative hash of key bytes that vary between entries. */
	private slotOf(head: number, tail: Uint8Array, offset: number): number {
		const mixed =
			(tail[offset] | (tail[offset + 1] << 8) | (tail[offset + 2] << 16) | (tail[offset + 3] << 24)) ^
			(head | (tail[offset + 4] << 16) | (tail[offset + 13] << 24));
		return Math.imul(mixed ^ (tail[offset + 10] << 8), 0x9e3779b1) >>> (this.stored.slotShift ?? 32);
	}

	private indexKeys(): void {
		const bytes = this.storedBytes();
		const heads = this.keyHeads();
		let bits = 1;
		while (1 << bits < this.count * 2) bits++;
		this.stored.slotShift = 32 - bits;
		const slots = new Int32Array(1 << bits);
		const mask = slots.length - 1;
		for (let position = 0; position < this.count; position++) {
			let slot = this.slotOf(heads[position], bytes, position * USER_RECORD_BYTES);
			while (slots[slot] !== 0) slot = (slot + 1) & mask;
			slots[slot] = position + 1;
		}
		this.stored.slots = slots;
	}

	/** The position of the key in probeKey (with its key format), or −1. */
	private slotLookup(format: number): number {
		const slots = this.stored.slots as Int32Array;
		const bytes = this.storedBytes();
		const heads = this.keyHeads();
		const key = this.probeKey;
		const head = (key[0] << 8) | key[1];
		const mask = slots.length - 1;
		for (let slot = this.slotOf(head, key, 2); slots[slot] !== 0; slot = (slot + 1) & mask) {
			const position = slots[slot] - 1;
			if (heads[position] !== head) continue;
			const offset = position * USER_RECORD_BYTES;
			let index = 0;
			while (index < 14 && bytes[offset + index] === key[index + 2]) index++;
			if (index === 14 && storedKeyFormat(bytes, offset) === format) return position;
		}
		return -1;
	}

	recordAt(position: number): UserRecord {
		const head = this.keyHeads()[position];
		const decoded = this.stored.decoded;
		if (decoded !== undefined) return readUserRecord(decoded, position * USER_RECORD_BYTES, head);
		const bytes = new Uint8Array(USER_RECORD_BYTES);
		decodeBase85Into(this.base, position * USER_RECORD_CHARS, USER_RECORD_BYTES / 4, bytes, 0);
		return readUserRecord(bytes, 0, head);
	}

	/** The DN hash of the stored record at a position. */
	dnHashAt(position: number): number {
		const decoded = this.stored.decoded;
		if (decoded !== undefined) return readUint32(decoded, position * USER_RECORD_BYTES + USER_DN_HASH_OFFSET);
		// Few reads (an incremental poll): only the blocks that hold it (bytes 20–27).
		const bytes = this.probeRecord;
		decodeBase85Into(this.base, position * USER_RECORD_CHARS + 25, 2, bytes, 20);
		return readUint32(bytes, USER_DN_HASH_OFFSET);
	}

	protected storedRecord(key: string): UserRecord | undefined {
		const position = this.basePosition(key);
		return position < 0 ? undefined : this.recordAt(position);
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
		if (this.count > 4096) this.storedBytes();
		for (let position = 0; position < this.count; position++) {
			const record = this.recordAt(position);
			if (this.changes.has(record.id)) continue;
			yield [record.id, record];
		}
		for (const [id, record] of this.changes) if (record !== null) yield [id, record];
	}

	/** Users added (not stored yet) in this table. */
	*pendingRecords(): IterableIterator<[string, UserRecord]> {
		for (const [id, record] of this.changes) if (record !== null && this.basePosition(id) < 0) yield [id, record];
	}

	*keys(): IterableIterator<string> {
		for (const [id] of this.entries()) yield id;
	}

	/**
	 * The next stored strings: unchanged runs and changes in key order. The runs are joined with `+`, which
	 * in V8 makes a rope of the pieces without copying them: a poll that changed 100 users does not copy the
	 * other 99,900 records. The rope is flattened once where the whole text is needed, by n8n's JSON
	 * serialization of the static data after the poll (which reads every character anyway).
	 */
	merge(): MergedUsers {
		const pending = [...this.changes.entries()].map(([id, record]) => {
			const key = new Uint8Array(16);
			const format = writeKey(id, key);
			return { id, key, format, record, position: this.basePosition(id) };
		});
		pending.sort((a, b) => compareKeys(a.key, a.format, b.key, b.format));
		// Only changed records (no user added or deleted): every position stays, the key heads too, and the
		// work is the changes' alone (no array as long as the table).
		if (pending.every((change) => change.position >= 0 === (change.record !== null))) {
			let text = '';
			let cursor = 0;
			const recordBytes = new Uint8Array(USER_RECORD_BYTES);
			for (const change of pending) {
				if (change.position < 0) continue;
				text += this.base.slice(cursor * USER_RECORD_CHARS, change.position * USER_RECORD_CHARS);
				writeUserRecord(change.record as UserRecord, recordBytes, 0);
				text += encodeBase85(recordBytes);
				cursor = change.position + 1;
			}
			text += this.base.slice(cursor * USER_RECORD_CHARS);
			const merged = new UserTable(text, this.keyHeadsText, undefined, {
				heads: this.count > 0 ? this.keyHeads() : undefined,
			});
			return {
				text,
				keyHeads: this.keyHeadsText,
				newPosition: (position) => position,
				samePositions: true,
				positionOf: (id) => {
					const position = merged.basePosition(id);
					return position < 0 ? undefined : position;
				},
				dnHashAt: (position) => merged.dnHashAt(position),
			};
		}
		const heads = this.count > 0 ? this.keyHeads() : new Uint16Array(0);
		const nextHeads = new Uint16Array(this.count + pending.length);
		let text = '';
		const remap = new Int32Array(this.count);
		const recordBytes = new Uint8Array(USER_RECORD_BYTES);
		let samePositions = true;
		let cursor = 0;
		let written = 0;
		const copyUntil = (end: number) => {
			if (end <= cursor) return;
			text += this.base.slice(cursor * USER_RECORD_CHARS, end * USER_RECORD_CHARS);
			nextHeads.set(heads.subarray(cursor, end), written);
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
				copyUntil(Math.max(cursor, -this.search(change.key, change.format) - 1));
				samePositions = false;
			}
			nextHeads[written++] = writeUserRecord(change.record, recordBytes, 0);
			text += encodeBase85(recordBytes);
		}
		copyUntil(this.count);
		const finalHeads = nextHeads.slice(0, written);
		const keyHeads = samePositions ? this.keyHeadsText : encodeKeyHeads(finalHeads);
		rememberKeyHeads(keyHeads, finalHeads);
		const merged = new UserTable(text, keyHeads, undefined, { heads: finalHeads });
		return {
			text,
			keyHeads,
			newPosition: (position) => remap[position],
			samePositions,
			positionOf: (id) => {
				const position = merged.basePosition(id);
				return position < 0 ? undefined : position;
			},
			dnHashAt: (position) => merged.dnHashAt(position),
		};
	}
}
