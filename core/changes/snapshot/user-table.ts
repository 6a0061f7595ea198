/**
 * The snapshot's tables, built so that a poll costs what changed, not what exists:
 * - UserTable: the stored chunks of users sorted by key (user-stream.ts), decoded once into fixed in-memory
 *   records (user-record.ts) that a lookup binary-searches; a change is kept aside, and merge() writes the next
 *   chunks by encoding again only the chunks that hold a change;
 * - GroupTable (group-table.ts).
 */
import { ChangeOverlay } from './change-overlay';
import { readUint32 } from './record-codec';
import { writeKey } from './record-key';
import {
	chunkUserCount,
	compareRecords,
	decodeUserChunk,
	encodeUserChunk,
	patchUserChunk,
	USERS_PER_CHUNK,
} from './user-stream';
import {
	readUserRecord,
	USER_DN_HASH_OFFSET,
	USER_RECORD_BYTES,
	USER_STATUS_BYTE,
	writeUserRecord,
	type UserRecord,
} from './user-record';

/** The stored chunks decoded: every user's in-memory record, and where each chunk starts. */
interface DecodedUsers {
	/**
	 * The chunks these records were decoded from or written as: a list of this module's own, never the one handed
	 * to or from the caller, which the stored state holds and anything may change in place.
	 */
	chunks: string[];
	records: Uint8Array;
	/** The position of each chunk's first user; one more entry: the count. */
	starts: Int32Array;
	/** Open-addressing index over the records: position + 1 per slot, 0 for empty (made for many lookups). */
	slots?: Int32Array;
	slotShift?: number;
	lookups?: number;
	/**
	 * Set when a merge wrote its changes into these records in place (no user added or deleted: the usual poll):
	 * they no longer match `chunks`, so a table still holding them decodes its chunks again.
	 */
	overwritten?: boolean;
}

/**
 * The decoded users of the last snapshots this process has seen: n8n keeps a workflow's static data in memory
 * between polls, so the next poll of the same trigger starts from the chunks the last one wrote and need not
 * decode them again (a few milliseconds at 100,000 users, ten times that at a million). Two: the state a poll
 * read and the one it wrote.
 */
const DECODINGS_REMEMBERED = 2;
const rememberedDecodings: DecodedUsers[] = [];

/**
 * Whether `given` holds the remembered chunks. Compared part by part, never by the list's identity: a state's
 * list of chunks is changed in place by whatever edits the stored state, so the same list may hold other chunks
 * now. A chunk this process wrote is the same string object and compares at once; an equal copy (a state read
 * back from JSON) compares by content, still cheaper than decoding it.
 */
function sameChunks(remembered: string[], given: unknown[]): boolean {
	if (remembered.length !== given.length) return false;
	for (let index = 0; index < remembered.length; index++) if (remembered[index] !== given[index]) return false;
	return true;
}

/**
 * The decoding of each list of chunks this process wrote or decoded, for as long as that list lives (the stored
 * state holds it): several triggers in one process, each with its own state, find their own at once. Without it
 * they looked in the two remembered decodings, and a state of the same users as another's (two strategies over
 * one directory) compared every chunk by content there before it found its own.
 */
const decodingsByList = new WeakMap<object, DecodedUsers>();

function remember(decoded: DecodedUsers): void {
	const known = rememberedDecodings.findIndex((entry) => entry === decoded);
	if (known >= 0) rememberedDecodings.splice(known, 1);
	rememberedDecodings.push(decoded);
	if (rememberedDecodings.length > DECODINGS_REMEMBERED) rememberedDecodings.shift();
}

/** The stored chunks decoded (remembered), or why they cannot be. */
export function decodeUsers(chunks: unknown): DecodedUsers | string {
	if (!Array.isArray(chunks)) return 'the snapshot has parts of the wrong type';
	const listed = decodingsByList.get(chunks);
	const known =
		listed !== undefined && listed.overwritten !== true && sameChunks(listed.chunks, chunks)
			? listed
			: rememberedDecodings.find((entry) => sameChunks(entry.chunks, chunks));
	if (known !== undefined) {
		remember(known);
		decodingsByList.set(chunks, known);
		return known;
	}
	const starts = new Int32Array(chunks.length + 1);
	for (let index = 0; index < chunks.length; index++) {
		const count = chunkUserCount(chunks[index]);
		if (count < 0) return 'the user records are damaged';
		starts[index + 1] = starts[index] + count;
	}
	const records = new Uint8Array(starts[chunks.length] * USER_RECORD_BYTES);
	for (let index = 0; index < chunks.length; index++) {
		const decoded = decodeUserChunk(chunks[index], records, starts[index]);
		if (typeof decoded === 'string') return decoded;
	}
	const decoded: DecodedUsers = { chunks: [...(chunks as string[])], records, starts };
	remember(decoded);
	decodingsByList.set(chunks, decoded);
	return decoded;
}

/** What merge() produced: the new chunks, and where each old position went. */
export interface MergedUsers {
	chunks: string[];
	count: number;
	/** The position after the merge of the user at `position` before it (−1: deleted). */
	newPosition(position: number): number;
	/** True when no user was added or deleted (positions unchanged). */
	samePositions: boolean;
	positionOf(id: string): number | undefined;
	dnHashAt(position: number): number;
}

interface PendingChange {
	key: Uint8Array;
	record: UserRecord | null;
	/** The stored position, or −(where it would go) − 1. */
	position: number;
}

/**
 * A table of many new users (a first activation, a listing read whole): each record is written into one growing
 * byte array as it is read, and the array is sorted once at the end. Setting them one by one in a table keeps an
 * object per user until the merge, then a key array per user: over a gigabyte at a million users.
 */
export class UserTableBuilder {
	private bytes = new Uint8Array(1024 * USER_RECORD_BYTES);
	private count = 0;

	add(record: UserRecord): void {
		if ((this.count + 1) * USER_RECORD_BYTES > this.bytes.length) {
			const grown = new Uint8Array(this.bytes.length * 2);
			grown.set(this.bytes);
			this.bytes = grown;
		}
		writeUserRecord(record, this.bytes, this.count * USER_RECORD_BYTES);
		this.count++;
	}

	/** The table of the users added, sorted by key; a user added twice keeps its last record. */
	build(): UserTable {
		const { bytes } = this;
		const order = new Uint32Array(this.count);
		for (let index = 0; index < order.length; index++) order[index] = index;
		// By key, then by when it was added: the last of equal keys is the one kept.
		order.sort((a, b) => compareRecords(bytes, a * USER_RECORD_BYTES, bytes, b * USER_RECORD_BYTES) || a - b);
		const records = new Uint8Array(this.count * USER_RECORD_BYTES);
		let count = 0;
		for (let index = 0; index < order.length; index++) {
			const offset = order[index] * USER_RECORD_BYTES;
			const next = index + 1 < order.length ? order[index + 1] * USER_RECORD_BYTES : -1;
			if (next >= 0 && compareRecords(bytes, offset, bytes, next) === 0) continue;
			records.set(bytes.subarray(offset, offset + USER_RECORD_BYTES), count * USER_RECORD_BYTES);
			count++;
		}
		this.bytes = new Uint8Array(0);
		this.count = 0;
		const chunks: string[] = [];
		const starts = [0];
		for (let start = 0; start < count; start += USERS_PER_CHUNK) {
			const end = Math.min(count, start + USERS_PER_CHUNK);
			chunks.push(encodeUserChunk(records, start, end));
			starts.push(end);
		}
		const decoded: DecodedUsers = {
			chunks,
			records: records.subarray(0, count * USER_RECORD_BYTES),
			starts: Int32Array.from(starts),
		};
		remember(decoded);
		return new UserTable([...chunks], undefined, decoded);
	}
}

export class UserTable extends ChangeOverlay<UserRecord> {
	private decodedUsers?: DecodedUsers;

	constructor(
		private readonly chunks: string[],
		changes?: Map<string, UserRecord | null>,
		decoded?: DecodedUsers,
	) {
		super(changes);
		this.decodedUsers = decoded;
	}

	/** A table with the same contents whose changes do not affect this one. */
	clone(): UserTable {
		return new UserTable(this.chunks, this.changes, this.decodedUsers);
	}

	private decoded(): DecodedUsers {
		if (this.decodedUsers?.overwritten === true) this.decodedUsers = undefined;
		if (this.decodedUsers === undefined) {
			const decoded = decodeUsers(this.chunks);
			if (typeof decoded === 'string') throw new Error(`The stored snapshot cannot be read: ${decoded}`);
			this.decodedUsers = decoded;
		}
		return this.decodedUsers;
	}

	/** How many users are stored. */
	get baseCount(): number {
		return this.decoded().starts[this.chunks.length];
	}

	/**
	 * The stored records as bytes (USER_RECORD_BYTES each): a reconciliation reads every record's status,
	 * password and DN hashes from here without building a string or object per user.
	 */
	storedBytes(): Uint8Array {
		return this.decoded().records;
	}

	private readonly probe = new Uint8Array(USER_RECORD_BYTES);

	/** Writes an id's key and key format into the probe record. */
	private probeFor(id: string): Uint8Array {
		const format = writeKey(id, this.probe, 0);
		this.probe[USER_STATUS_BYTE] = format << 3;
		return this.probe;
	}

	/** Position of an id among the stored users, or −1. */
	basePosition(id: string): number {
		// Many lookups (a reconciliation): one pass to index the keys beats a binary search per entry.
		const decoded = this.decoded();
		const count = decoded.starts[this.chunks.length];
		if (decoded.slots === undefined && (decoded.lookups = (decoded.lookups ?? 0) + 1) > 256 && count > 4096)
			this.indexKeys(decoded, count);
		const probe = this.probeFor(id);
		if (decoded.slots !== undefined) return this.slotLookup(decoded, probe);
		const found = this.search(decoded.records, count, probe);
		return found >= 0 ? found : -1;
	}

	/** Binary search: the position of the probe's key, or −(where it would go) − 1. */
	private search(records: Uint8Array, count: number, probe: Uint8Array): number {
		let low = 0;
		let high = count - 1;
		while (low <= high) {
			const middle = (low + high) >>> 1;
			const order = compareRecords(records, middle * USER_RECORD_BYTES, probe, 0);
			if (order === 0) return middle;
			if (order < 0) low = middle + 1;
			else high = middle - 1;
		}
		return -low - 1;
	}

	/** Where a key's slot search starts: a multiplicative hash of its last eight bytes (those that vary most). */
	private static slotOf(bytes: Uint8Array, offset: number, shift: number): number {
		const low = bytes[offset + 8] | (bytes[offset + 9] << 8) | (bytes[offset + 10] << 16) | (bytes[offset + 11] << 24);
		const high =
			bytes[offset + 12] | (bytes[offset + 13] << 8) | (bytes[offset + 14] << 16) | (bytes[offset + 15] << 24);
		return Math.imul(Math.imul(low, 0x85ebca6b) ^ high, 0x9e3779b1) >>> shift;
	}

	private indexKeys(decoded: DecodedUsers, count: number): void {
		let bits = 1;
		while (1 << bits < count * 2) bits++;
		const shift = 32 - bits;
		const slots = new Int32Array(1 << bits);
		const mask = slots.length - 1;
		for (let position = 0; position < count; position++) {
			let slot = UserTable.slotOf(decoded.records, position * USER_RECORD_BYTES, shift);
			while (slots[slot] !== 0) slot = (slot + 1) & mask;
			slots[slot] = position + 1;
		}
		decoded.slotShift = shift;
		decoded.slots = slots;
	}

	private slotLookup(decoded: DecodedUsers, probe: Uint8Array): number {
		const slots = decoded.slots as Int32Array;
		const mask = slots.length - 1;
		for (
			let slot = UserTable.slotOf(probe, 0, decoded.slotShift as number);
			slots[slot] !== 0;
			slot = (slot + 1) & mask
		) {
			const position = slots[slot] - 1;
			if (compareRecords(decoded.records, position * USER_RECORD_BYTES, probe, 0) === 0) return position;
		}
		return -1;
	}

	recordAt(position: number): UserRecord {
		return readUserRecord(this.decoded().records, position * USER_RECORD_BYTES);
	}

	/** The DN hash of the stored record at a position. */
	dnHashAt(position: number): number {
		return readUint32(this.decoded().records, position * USER_RECORD_BYTES + USER_DN_HASH_OFFSET);
	}

	protected storedRecord(key: string): UserRecord | undefined {
		const position = this.basePosition(key);
		return position < 0 ? undefined : this.recordAt(position);
	}

	get size(): number {
		let size = this.baseCount;
		for (const [id, record] of this.changes) {
			const stored = this.basePosition(id) >= 0;
			if (record === null && stored) size--;
			if (record !== null && !stored) size++;
		}
		return size;
	}

	/** Every record (for reconciliation and rare indexes only). */
	*entries(): IterableIterator<[string, UserRecord]> {
		const count = this.baseCount;
		for (let position = 0; position < count; position++) {
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
	 * The next stored chunks: the in-memory records copied with the changes in key order (one copy of the
	 * array), and only the chunks that hold a change encoded again; every other chunk keeps its string.
	 */
	merge(): MergedUsers {
		const decoded = this.decoded();
		const { records, starts } = decoded;
		const count = starts[this.chunks.length];
		const pending: PendingChange[] = [];
		for (const [id, record] of this.changes) {
			const key = new Uint8Array(USER_RECORD_BYTES);
			key.set(this.probeFor(id));
			const position = this.search(records, count, key);
			// Deleting what is not stored changes nothing.
			if (record === null && position < 0) continue;
			pending.push({ key, record, position });
		}
		if (pending.length === 0) return this.mergedAs(decoded, true, (position) => position);
		pending.sort((a, b) => compareRecords(a.key, 0, b.key, 0));

		// The chunk a change belongs to: the one holding its stored position, or, for a new key, the one holding
		// the user before it (the first chunk for a key before every stored one).
		const chunkCount = Math.max(1, this.chunks.length);
		const chunkOf = (change: PendingChange): number => {
			const position = change.position >= 0 ? change.position : Math.max(0, -change.position - 2);
			let low = 0;
			let high = this.chunks.length - 1;
			while (low < high) {
				const middle = (low + high + 1) >>> 1;
				if (starts[middle] <= position) low = middle;
				else high = middle - 1;
			}
			return Math.max(0, low);
		};
		const added = pending.filter((change) => change.position < 0).length;
		const deleted = pending.filter((change) => change.record === null).length;
		if (added === 0 && deleted === 0) return this.mergeInPlace(decoded, pending, chunkOf);
		const nextCount = count + added - deleted;
		const next = new Uint8Array(nextCount * USER_RECORD_BYTES);
		const touched = new Uint8Array(chunkCount);
		/** Net users added in the chunks before each chunk: where its users start after the merge. */
		const shift = new Int32Array(chunkCount + 1);
		let cursor = 0;
		let written = 0;
		const copyUntil = (end: number) => {
			if (end <= cursor) return;
			next.set(records.subarray(cursor * USER_RECORD_BYTES, end * USER_RECORD_BYTES), written * USER_RECORD_BYTES);
			written += end - cursor;
			cursor = end;
		};
		for (const change of pending) {
			const chunk = chunkOf(change);
			touched[chunk] = 1;
			if (change.position >= 0) {
				copyUntil(change.position);
				cursor = change.position + 1;
				if (change.record === null) {
					shift[chunk + 1]--;
					continue;
				}
			} else {
				copyUntil(-change.position - 1);
				shift[chunk + 1]++;
			}
			writeUserRecord(change.record as UserRecord, next, written * USER_RECORD_BYTES);
			written++;
		}
		copyUntil(count);
		const chunks: string[] = [];
		const nextStarts: number[] = [0];
		let net = 0;
		for (let chunk = 0; chunk < chunkCount; chunk++) {
			const from = (chunk < this.chunks.length ? starts[chunk] : 0) + net;
			net += shift[chunk + 1];
			const to = (chunk < this.chunks.length ? starts[chunk + 1] : 0) + net;
			if (touched[chunk] === 0) {
				chunks.push(this.chunks[chunk]);
				nextStarts.push(to);
				continue;
			}
			// A chunk that grew past twice the usual size is split into even pieces.
			const pieces = Math.max(1, Math.round((to - from) / USERS_PER_CHUNK));
			for (let piece = 0; piece < pieces; piece++) {
				const start = from + Math.floor(((to - from) * piece) / pieces);
				const end = from + Math.floor(((to - from) * (piece + 1)) / pieces);
				if (end === start) continue;
				chunks.push(encodeUserChunk(next, start, end));
				nextStarts.push(end);
			}
		}
		const merged: DecodedUsers = { chunks, records: next, starts: Int32Array.from(nextStarts) };
		remember(merged);
		const samePositions = added === 0 && deleted === 0;
		// Where an old position went: it moves by the users added before it, less those deleted before it
		// (made on first use: only when users were added or deleted and groups must follow).
		let remap: Int32Array | undefined;
		const newPosition = (position: number): number => {
			if (remap === undefined) {
				const insertedBefore = new Int32Array(count + 1);
				const gone = new Uint8Array(count);
				for (const change of pending) {
					if (change.position < 0) insertedBefore[-change.position - 1]++;
					else if (change.record === null) gone[change.position] = 1;
				}
				remap = new Int32Array(count);
				let delta = 0;
				for (let old = 0; old < count; old++) {
					delta += insertedBefore[old];
					if (gone[old] === 1) {
						remap[old] = -1;
						delta--;
					} else remap[old] = old + delta;
				}
			}
			return remap[position];
		};
		return this.mergedAs(merged, samePositions, newPosition);
	}

	/**
	 * Only changed users (none added or deleted), the usual poll: the changes are written into the decoded
	 * records where they lie (no copy of the array: 32 MB at a million users), which then belong to the new
	 * chunks; the stored state read before no longer has decoded records and decodes its chunks again if it is
	 * ever read again (a poll whose result was not stored).
	 */
	private mergeInPlace(
		decoded: DecodedUsers,
		pending: PendingChange[],
		chunkOf: (change: PendingChange) => number,
	): MergedUsers {
		// The changed positions by chunk, ascending (pending is in key order).
		const touched = new Map<number, number[]>();
		for (const change of pending) {
			writeUserRecord(change.record as UserRecord, decoded.records, change.position * USER_RECORD_BYTES);
			const chunk = chunkOf(change);
			const positions = touched.get(chunk);
			if (positions === undefined) touched.set(chunk, [change.position]);
			else positions.push(change.position);
		}
		const chunks = this.chunks.map((text, chunk) => {
			const positions = touched.get(chunk);
			return positions === undefined
				? text
				: patchUserChunk(text, decoded.records, decoded.starts[chunk], decoded.starts[chunk + 1], positions);
		});
		const merged: DecodedUsers = {
			chunks,
			records: decoded.records,
			starts: decoded.starts,
			slots: decoded.slots,
			slotShift: decoded.slotShift,
			lookups: decoded.lookups,
		};
		decoded.overwritten = true;
		const stale = rememberedDecodings.indexOf(decoded);
		if (stale >= 0) rememberedDecodings.splice(stale, 1);
		remember(merged);
		this.decodedUsers = undefined;
		return this.mergedAs(merged, true, (position) => position);
	}

	private mergedAs(
		decoded: DecodedUsers,
		samePositions: boolean,
		newPosition: (position: number) => number,
	): MergedUsers {
		const table = new UserTable(decoded.chunks, undefined, decoded);
		// The caller's own list (it becomes the stored state's): the remembered one stays as written.
		const chunks = [...decoded.chunks];
		decodingsByList.set(chunks, decoded);
		return {
			chunks,
			count: decoded.starts[decoded.chunks.length],
			newPosition: samePositions ? (position) => position : newPosition,
			samePositions,
			positionOf: (id) => {
				const position = table.basePosition(id);
				return position < 0 ? undefined : position;
			},
			dnHashAt: (position) => table.dnHashAt(position),
		};
	}
}
