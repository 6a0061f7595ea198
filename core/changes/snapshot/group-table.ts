/**
 * The snapshot's group table: the stored group records, decoded only when read; their member positions
 * follow the users' positions, remapped without decoding users when users were added or deleted.
 */
import {
	decodeGroupParts,
	encodeGroupRecordCompact,
	encodePositions,
	type GroupRecord,
	noteSoundGroup,
	readGroupKey,
	sortedUniqueHashes,
} from './group-record';
import { readUint32 } from './record-codec';
import { ChangeOverlay } from './change-overlay';
import { PositionIndex } from './position-index';
import type { MergedUsers, UserTable } from './user-table';

interface StoredGroup {
	text: string;
	/** Decoded on first read. */
	record?: GroupRecord;
	/** The stored positions of its members who are users, known once decoded. */
	memberPositions?: number[];
	/** The member hash → stored position, made from memberPositions when a changed group is written. */
	positions?: Map<number, number>;
}

export class GroupTable extends ChangeOverlay<GroupRecord> {
	private readonly stored = new Map<string, StoredGroup>();

	constructor(
		texts: string[] | Map<string, StoredGroup>,
		private readonly users: UserTable,
		changes?: Map<string, GroupRecord | null>,
	) {
		super(changes);
		if (Array.isArray(texts)) {
			// Only the key is read here (the first 24 characters hold bytes 0–17): members are decoded on use.
			for (const text of texts) {
				const head = new Uint8Array(Buffer.from(text.slice(0, 24), 'base64'));
				this.stored.set(readGroupKey(head), { text });
			}
		} else {
			this.stored = texts;
		}
	}

	/** A table whose changes do not affect this one (stored groups are shared: they are read-only). */
	clone(users: UserTable): GroupTable {
		return new GroupTable(this.stored, users, this.changes);
	}

	private decode(stored: StoredGroup): GroupRecord {
		if (stored.record === undefined) {
			const parts = decodeGroupParts(stored.text);
			const hashes = new Uint32Array(parts.positions.length + parts.others.length);
			parts.positions.forEach((position, index) => (hashes[index] = this.users.dnHashAt(position)));
			hashes.set(parts.others, parts.positions.length);
			const memberHashes = sortedUniqueHashes(hashes);
			stored.record = {
				id: parts.id,
				valuesHash: parts.valuesHash,
				dnHash: parts.dnHash,
				privileged: parts.privileged,
				memberHashes,
			};
			stored.memberPositions = parts.positions;
		}
		return stored.record;
	}

	/** A decoded group's member hash → stored position (the first one, when two users' DNs hash alike). */
	private knownPositions(stored: StoredGroup): Map<number, number> | undefined {
		if (stored.positions === undefined && stored.memberPositions !== undefined) {
			const positions = new Map<number, number>();
			for (const position of stored.memberPositions) positions.set(this.users.dnHashAt(position), position);
			stored.positions = positions;
		}
		return stored.positions;
	}

	protected storedRecord(key: string): GroupRecord | undefined {
		const stored = this.stored.get(key);
		return stored === undefined ? undefined : this.decode(stored);
	}

	/**
	 * Every group's DN hash by id, from the stored headers (bytes 21–24) without decoding members: to name
	 * a group that joined or left another one.
	 */
	*dnHashes(): IterableIterator<[string, number]> {
		for (const [id, stored] of this.stored) {
			if (this.changes.has(id)) continue;
			// The first 36 base64 characters hold bytes 0–26.
			yield [id, readUint32(new Uint8Array(Buffer.from(stored.text.slice(0, 36), 'base64')), 21)];
		}
		for (const [id, record] of this.changes) if (record !== null) yield [id, record.dnHash];
	}

	*entries(): IterableIterator<[string, GroupRecord]> {
		for (const [id, stored] of this.stored) if (!this.changes.has(id)) yield [id, this.decode(stored)];
		for (const [id, record] of this.changes) if (record !== null) yield [id, record];
	}

	/** The stored groups after a merge of the users: unchanged groups keep their text unless positions moved. */
	serialize(merged: MergedUsers): string[] {
		const texts: string[] = [];
		let index: PositionIndex | undefined;
		const fullIndex = () => (index ??= new PositionIndex(merged.count, (position) => merged.dnHashAt(position)));
		for (const [id, stored] of this.stored) {
			if (this.changes.has(id)) continue;
			if (merged.samePositions) {
				texts.push(stored.text);
				continue;
			}
			const parts = decodeGroupParts(stored.text);
			const positions: number[] = [];
			const others = [...parts.others];
			for (const position of parts.positions) {
				// A member who left the users (deleted, or out of the watched scope) stays listed by DN hash, as the
				// group itself still lists them until it is read again: the next read then compares like with like.
				const moved = merged.newPosition(position);
				if (moved >= 0) positions.push(moved);
				else others.push(this.users.dnHashAt(position));
			}
			texts.push(Buffer.concat([parts.bytes.subarray(0, 25), encodePositions(positions, others)]).toString('base64'));
		}
		for (const [id, record] of this.changes) {
			if (record === null) continue;
			// Members known before keep their (remapped) position; others are looked up by DN hash.
			const storedGroup = this.stored.get(id);
			const known = storedGroup === undefined ? undefined : this.knownPositions(storedGroup);
			texts.push(
				encodeGroupRecordCompact(record, (hash) => {
					const old = known?.get(hash);
					const moved = old === undefined ? -1 : merged.newPosition(old);
					if (moved >= 0 && merged.dnHashAt(moved) === hash) return moved;
					return fullIndex().get(hash);
				}),
			);
		}
		// Written here, so sound: the next poll's check of the stored state need not read them again.
		for (const text of texts) noteSoundGroup(text, merged.count);
		return texts;
	}
}
