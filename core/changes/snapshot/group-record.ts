/**
 * A group in the compact snapshot: one variable record: key (16), key format (1, bit 7: privileged when
 * read), whole hash (4), DN hash (4), then its direct members. In memory a member is the hash of its
 * normalized DN; stored, a member that is a user of the snapshot is that user's position among the users,
 * Rice-coded gaps (a few bits per membership, see encodePositions). Comparing member sets
 * says which members came and went; a removed member's hash is matched against the users' DN hashes to
 * name the user.
 */
import type { DirectoryGroup } from '../../model/directory-group';
import { dnHash } from './dn-hash';
import { hash32, valueText } from './hash';
import { readUint32, writeUint32 } from './record-codec';
import { readKey, recordKeyOf, writeKey } from './record-key';

/** In a group record's key format byte: the group was privileged when read (kept for its deletion). */
const GROUP_PRIVILEGED_FLAG = 0x80;

export interface GroupRecord {
	id: string;
	valuesHash: number;
	dnHash: number;
	/** Whether the group was privileged when read: what its deletion reports. */
	privileged: boolean;
	memberHashes: number[];
}

/** The record of a group as read now, with the DNs of its direct members. */
export function groupRecordOf(group: DirectoryGroup, memberDns: string[], extraAttributes: string[] = []): GroupRecord {
	const texts = [
		group.name,
		group.description ?? '',
		...extraAttributes.map((name) => `${name.toLowerCase()}=${valueText(group.attributes[name])}`),
	];
	return {
		id: recordKeyOf(group.id),
		valuesHash: hash32(texts.join('\u0000')),
		dnHash: dnHash(group.dn),
		privileged: group.privileged,
		memberHashes: sortedUniqueHashes(memberDns.map(dnHash)),
	};
}

/**
 * 32-bit hashes sorted ascending, each once: the member lists of a group record. A typed array's own sort
 * (no comparator to call back) and one pass to drop repeats: a reconciliation sorts every group's members,
 * and a comparator sort of a 100,000-member group alone took tens of milliseconds.
 */
export function sortedUniqueHashes(hashes: ArrayLike<number>): number[] {
	const sorted = Uint32Array.from(hashes).sort();
	const unique: number[] = [];
	for (let index = 0; index < sorted.length; index++)
		if (index === 0 || sorted[index] !== sorted[index - 1]) unique.push(sorted[index]);
	return unique;
}

export function encodeGroupRecord(record: GroupRecord): string {
	const bytes = new Uint8Array(25 + 4 * record.memberHashes.length);
	bytes[16] = groupFormatByte(record, bytes);
	writeUint32(record.valuesHash, bytes, 17);
	writeUint32(record.dnHash, bytes, 21);
	record.memberHashes.forEach((hash, index) => writeUint32(hash, bytes, 25 + 4 * index));
	return Buffer.from(bytes).toString('base64');
}

export function decodeGroupRecord(text: string): GroupRecord {
	const bytes = new Uint8Array(Buffer.from(text, 'base64'));
	const memberHashes: number[] = [];
	for (let offset = 25; offset + 4 <= bytes.length; offset += 4) memberHashes.push(readUint32(bytes, offset));
	return {
		id: readGroupKey(bytes),
		valuesHash: readUint32(bytes, 17),
		dnHash: readUint32(bytes, 21),
		privileged: groupIsPrivileged(bytes),
		memberHashes,
	};
}

/** Writes a group's key into bytes 0–15 and returns byte 16: its key format, and the privileged flag. */
function groupFormatByte(record: GroupRecord, bytes: Uint8Array): number {
	return writeKey(record.id, bytes) | (record.privileged ? GROUP_PRIVILEGED_FLAG : 0);
}

/** The id of a stored group record from its first 17 bytes. */
export function readGroupKey(bytes: Uint8Array): string {
	return readKey(bytes, bytes[16] & ~GROUP_PRIVILEGED_FLAG);
}

function groupIsPrivileged(bytes: Uint8Array): boolean {
	return (bytes[16] & GROUP_PRIVILEGED_FLAG) !== 0;
}

/** LEB128: 7 bits per byte, high bit set while more follow. */
export function writeVarint(value: number, out: number[]): void {
	let rest = value;
	while (rest >= 0x80) {
		out.push((rest & 0x7f) | 0x80);
		rest = Math.floor(rest / 128);
	}
	out.push(rest);
}

export function readVarint(bytes: Uint8Array, at: { offset: number }): number {
	let value = 0;
	let scale = 1;
	for (;;) {
		const byte = bytes[at.offset++];
		value += (byte & 0x7f) * scale;
		if ((byte & 0x80) === 0 || at.offset >= bytes.length) return value;
		scale *= 128;
	}
}

/**
 * A group record inside a snapshot: members that are users of the snapshot are stored as the users'
 * positions (see encodePositions); other members (nested groups, people outside the segment) keep their
 * 4-byte DN hash.
 *   key (16) · key format (1) · values hash (4) · DN hash (4) · members (encodePositions)
 */
export function encodeGroupRecordCompact(
	record: GroupRecord,
	positionOf: (hash: number) => number | undefined,
): string {
	const header = new Uint8Array(25);
	header[16] = groupFormatByte(record, header);
	writeUint32(record.valuesHash, header, 17);
	writeUint32(record.dnHash, header, 21);
	const positions: number[] = [];
	const others: number[] = [];
	for (const hash of record.memberHashes) {
		const position = positionOf(hash);
		if (position === undefined) others.push(hash);
		else positions.push(position);
	}
	return Buffer.concat([header, encodePositions(positions, others)]).toString('base64');
}

/**
 * The member part of a stored group: varint count of positions, varint count of other members, their 4-byte
 * hashes, then the sorted positions as gaps (one less than the difference to the position before) in a Rice
 * code: the parameter k in a byte, then per gap its quotient by 2^k in unary and its k low bits. k fits the
 * mean gap, so a group of half the users takes about 2 bits per member, one of a hundredth about 8.
 */
export function encodePositions(positions: number[], others: number[]): Uint8Array {
	const sorted = Int32Array.from(new Set(positions)).sort();
	const head: number[] = [];
	writeVarint(sorted.length, head);
	writeVarint(others.length, head);
	const span = sorted.length > 0 ? sorted[sorted.length - 1] + 1 : 0;
	let k = 0;
	while (k < 30 && sorted.length * 2 ** (k + 1) <= span) k++;
	const raw = new Uint8Array(4 * others.length);
	others.forEach((hash, index) => writeUint32(hash, raw, 4 * index));
	let bitCount = 0;
	let previous = -1;
	for (const position of sorted) {
		bitCount += Math.floor((position - previous - 1) / 2 ** k) + 1 + k;
		previous = position;
	}
	const bits = new Uint8Array(1 + Math.ceil(bitCount / 8));
	bits[0] = k;
	let bit = 8;
	previous = -1;
	for (const position of sorted) {
		const gap = position - previous - 1;
		previous = position;
		for (let quotient = Math.floor(gap / 2 ** k); quotient > 0; quotient--) {
			bits[bit >>> 3] |= 0x80 >>> (bit & 7);
			bit++;
		}
		bit++;
		for (let index = k - 1; index >= 0; index--) {
			if ((Math.floor(gap / 2 ** index) & 1) === 1) bits[bit >>> 3] |= 0x80 >>> (bit & 7);
			bit++;
		}
	}
	return Buffer.concat([Uint8Array.from(head), raw, bits]);
}

/** The positions and other members of a stored group's member part (at byte 25), or why they cannot be read. */
function readMembers(bytes: Uint8Array, userCount: number): { positions: number[]; others: number[] } | string {
	const at = { offset: 25 };
	if (bytes.length < 28) return 'a group record is too short';
	const count = readVarint(bytes, at);
	const otherCount = readVarint(bytes, at);
	if (at.offset + 4 * otherCount + 1 > bytes.length) return 'a group record lists more members than it holds';
	const others: number[] = [];
	for (let index = 0; index < otherCount; index++) others.push(readUint32(bytes, at.offset + 4 * index));
	let byte = at.offset + 4 * otherCount;
	const k = bytes[byte++];
	if (k > 30) return 'a group record is damaged';
	const end = bytes.length * 8;
	let bit = byte * 8;
	const positions: number[] = [];
	let previous = -1;
	for (let index = 0; index < count; index++) {
		let quotient = 0;
		while (bit < end && (bytes[bit >>> 3] & (0x80 >>> (bit & 7))) !== 0) {
			quotient++;
			bit++;
		}
		bit++;
		if (bit + k > end) return 'a group record lists more members than it holds';
		let low = 0;
		for (let index = 0; index < k; index++, bit++)
			low = low * 2 + ((bytes[bit >>> 3] & (0x80 >>> (bit & 7))) !== 0 ? 1 : 0);
		previous += quotient * 2 ** k + low + 1;
		if (previous >= userCount) return 'a group record names a user the snapshot does not hold';
		positions.push(previous);
	}
	return { positions, others };
}

/**
 * Group texts known sound, with how many users they need: written by the snapshot or checked once. The check
 * reads every membership, so a poll that follows this process's own previous poll (n8n keeps the static data in
 * memory) must not pay it again for the groups that did not change. Least recently used forgotten first.
 */
const soundGroupTexts = new Map<string, number>();
const SOUND_GROUP_TEXTS_REMEMBERED = 20_000;

/** Notes that `text` is a sound group record over any `usersNeeded` users or more. */
export function noteSoundGroup(text: string, usersNeeded: number): void {
	soundGroupTexts.delete(text);
	soundGroupTexts.set(text, usersNeeded);
	if (soundGroupTexts.size > SOUND_GROUP_TEXTS_REMEMBERED)
		soundGroupTexts.delete(soundGroupTexts.keys().next().value as string);
}

/** Why `text` cannot be a group record over `userCount` users; undefined when it can. */
export function groupRecordProblem(text: unknown, userCount: number): string | undefined {
	if (typeof text !== 'string') return 'a group record is not base64 text';
	const needed = soundGroupTexts.get(text);
	if (needed !== undefined && needed <= userCount) {
		noteSoundGroup(text, needed);
		return undefined;
	}
	if (!/^[A-Za-z0-9+/]*=*$/.test(text)) return 'a group record is not base64 text';
	const members = readMembers(new Uint8Array(Buffer.from(text, 'base64')), userCount);
	if (typeof members === 'string') return members;
	noteSoundGroup(text, members.positions.length > 0 ? members.positions[members.positions.length - 1] + 1 : 0);
	return undefined;
}

export function decodeGroupParts(text: string): {
	id: string;
	valuesHash: number;
	dnHash: number;
	privileged: boolean;
	positions: number[];
	others: number[];
	bytes: Uint8Array;
} {
	const bytes = new Uint8Array(Buffer.from(text, 'base64'));
	const members = readMembers(bytes, Number.MAX_SAFE_INTEGER);
	if (typeof members === 'string') throw new Error(`The stored snapshot cannot be read: ${members}`);
	return {
		id: readGroupKey(bytes),
		valuesHash: readUint32(bytes, 17),
		dnHash: readUint32(bytes, 21),
		privileged: groupIsPrivileged(bytes),
		positions: members.positions,
		others: members.others,
		bytes,
	};
}
