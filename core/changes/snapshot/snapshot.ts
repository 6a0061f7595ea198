/**
 * The compact snapshot: what the change detector remembers about each user and group between polls,
 * so that a poll can tell what changed without keeping the directory's values.
 *
 * A user is one fixed 28-byte record, 35 characters of base 85 (record-codec.ts), and all users are
 * one string sorted by key (no JSON keys or quotes per user). The key's first two bytes are not in the
 * record: sorted keys share them with their neighbours, so they are stored once for all users as
 * Rice-coded gaps (`userKeyHeads`, about 0.3 bytes per user at 100,000 users).
 *
 *   bytes  0–13  key bytes 2–15: the entry's stable id (entryUUID / objectGUID / OTDS uuid, or nsUniqueId)
 *   byte   14    bits 0–2 status (disabled, locked, password reset required); bits 3–4 key format;
 *                 bits 5–7 a hash (1–7) of the extra attributes alone, to say whether one of them changed
 *                 (0: written before it existed, unknown)
 *   bytes 15–16  hash of all watched values (fields and extra attributes)
 *   bytes 17–22  one 4-bit hash per watched field, to say WHICH field changed (12 fields)
 *   bytes 23–26  hash of the normalized DN: renames, and who a removed group member was
 *   byte   27    hash of the password-changed stamp (pwdChangedTime, pwdLastSet...); a changed stamp whose
 *                 hash collides is still told by the snapshot's password watermark (password-watermark.ts)
 *
 * 100,000 users with the bench fixture's groups measured 38.4 bytes of JSON per user in the stored
 * state (the 30-byte base64 records before: 43.3).
 *
 * A change is seen when the whole hash or any field hash differs (a miss needs both to collide: about
 * one in a million changes); the field hashes name the changed fields. When the whole hash moved but no
 * field or extra-attribute hash tells which (one single-field change in 16), the differ lists every
 * candidate marked `uncertain`. Earlier values are not kept: snapshot-based strategies leave `before` out.
 *
 * A group is one variable record: key (16), key format (1, bit 7: privileged when read), whole hash
 * (4), DN hash (4), then its direct members. In
 * memory a member is the hash of its normalized DN; stored, a member that is a user of the snapshot is
 * that user's position in the users string, delta-coded (1–2 bytes per membership, see
 * encodeGroupRecordCompact). Comparing member sets says which members came and went; a removed
 * member's hash is matched against the users' DN hashes to name the user.
 */
import type { DirectoryGroup } from '../../model/directory-group';
import type { AccountStatus, DirectoryUser } from '../../model/directory-user';
import { dnHash } from './dn-hash';
import { hash32, nibbleHash, nonZeroHash, writeHash } from './hash';
import { PasswordWatermark, type SerializedPasswordWatermark } from './password-watermark';
import { decodeBase85Into, encodeBase85 } from './record-codec';
import { GroupTable } from './group-table';
import { UserTable } from './user-table';

export { comparableDn, dnHash } from './dn-hash';

/** The DirectoryUser fields whose changes are reported, in record order (one field hash each). */
export const WATCHED_USER_FIELDS = [
	'login',
	'mail',
	'displayName',
	'givenName',
	'surname',
	'department',
	'location',
	'title',
	'businessUnit',
	'mobile',
	'employeeNumber',
	'manager',
] as const;

export type WatchedUserField = (typeof WATCHED_USER_FIELDS)[number];

export const USER_RECORD_BYTES = 28;
export const USER_RECORD_CHARS = 35;
/** Where a user record keeps status and key format, its DN hash and its password hash. */
export const USER_STATUS_BYTE = 14;
export const USER_DN_HASH_OFFSET = 23;
export const USER_PASSWORD_BYTE = 27;

/** Key formats: how the 16 key bytes turn back into the id text. */
const KEY_UUID = 0;
const KEY_NS_UNIQUE_ID = 1;
const KEY_HASHED = 2;
/** In a group record's key format byte: the group was privileged when read (kept for its deletion). */
const GROUP_PRIVILEGED_FLAG = 0x80;

export interface UserRecord {
	id: string;
	status: AccountStatus;
	valuesHash: number;
	fieldHashes: number[];
	/** 1–7: hash of the extra attributes alone; 0: unknown (a record written before it was kept). */
	extrasHash: number;
	dnHash: number;
	passwordHash: number;
}

export interface GroupRecord {
	id: string;
	valuesHash: number;
	dnHash: number;
	/** Whether the group was privileged when read: what its deletion reports. */
	privileged: boolean;
	memberHashes: number[];
}

/** The snapshot in memory: tables by id (see snapshot-tables.ts). Serialized with encodeSnapshot. */
export interface Snapshot {
	users: UserTable;
	groups: GroupTable;
	/** The latest password stamps stored (absent: not tracked, as in a state written before it). */
	passwords?: PasswordWatermark;
}

/** The snapshot as it sits in the trigger's static data. */
export interface SerializedSnapshot {
	/** USER_RECORD_CHARS characters per user, sorted by key. */
	users: string;
	/** The users' first two key bytes, in the same order (record-codec.ts encodeKeyHeads). */
	userKeyHeads: string;
	/** One base64 record per group. */
	groups: string[];
	passwords?: SerializedPasswordWatermark;
}

export function emptySnapshot(): Snapshot {
	const users = new UserTable('', '');
	return { users, groups: new GroupTable([], users), passwords: PasswordWatermark.fresh() };
}

function valueText(value: string | string[] | undefined): string {
	if (value === undefined) return '';
	return Array.isArray(value) ? [...value].sort().join('\u0001') : value;
}

/** The record of a user as read now. `extraAttributes` are watched too (in the whole hash). */
export function userRecordOf(user: DirectoryUser, passwordStamp: string | undefined, extraAttributes: string[] = []): UserRecord {
	const fieldTexts = WATCHED_USER_FIELDS.map((field) => valueText(user[field]));
	const extraTexts = extraAttributes.map((name) => `${name.toLowerCase()}=${valueText(user.attributes[name])}`);
	const whole = new Uint8Array(2);
	writeHash([...fieldTexts, ...extraTexts].join('\u0000'), 2, whole, 0);
	return {
		id: recordKeyOf(user.id),
		status: { ...user.status },
		valuesHash: whole[0] | (whole[1] << 8),
		fieldHashes: fieldTexts.map(nibbleHash),
		extrasHash: nonZeroHash(extraTexts.join('\u0000'), 7),
		dnHash: dnHash(user.dn),
		passwordHash: passwordHashOf(passwordStamp),
	};
}

/** The one-byte hash of a password-changed stamp. */
export function passwordHashOf(passwordStamp: string | undefined): number {
	return hash32(passwordStamp ?? '') & 0xff;
}

/** The record of a group as read now, with the DNs of its direct members. */
export function groupRecordOf(group: DirectoryGroup, memberDns: string[], extraAttributes: string[] = []): GroupRecord {
	const texts = [group.name, group.description ?? '', ...extraAttributes.map((name) => `${name.toLowerCase()}=${valueText(group.attributes[name])}`)];
	return {
		id: recordKeyOf(group.id),
		valuesHash: hash32(texts.join('\u0000')),
		dnHash: dnHash(group.dn),
		privileged: group.privileged,
		memberHashes: [...new Set(memberDns.map(dnHash))].sort((a, b) => a - b),
	};
}

/** '0'–'9' and 'a'–'f' as their value; −1 for anything else. */
function lowerHexValue(code: number): number {
	if (code >= 48 && code <= 57) return code - 48;
	if (code >= 97 && code <= 102) return code - 87;
	return -1;
}

/** Writes a lower-case 8-4-4-4-12 UUID as 16 bytes without regular expressions; false for anything else. */
function writeLowerUuid(id: string, target: Uint8Array): boolean {
	if (id.length !== 36 || id.charCodeAt(8) !== 45 || id.charCodeAt(13) !== 45 || id.charCodeAt(18) !== 45 || id.charCodeAt(23) !== 45) return false;
	let byte = 0;
	for (let index = 0; index < 36; index += 2) {
		if (index === 8 || index === 13 || index === 18 || index === 23) index++;
		const high = lowerHexValue(id.charCodeAt(index));
		const low = lowerHexValue(id.charCodeAt(index + 1));
		if (high < 0 || low < 0) return false;
		target[byte++] = (high << 4) | low;
	}
	return true;
}

export function writeKey(id: string, target: Uint8Array): number {
	// The common case first, checked for every entry of a reconciliation.
	if (writeLowerUuid(id, target)) return KEY_UUID;
	const uuid = /^\{?([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}?$/i.exec(id);
	const nsUniqueId = /^([0-9a-f]{8})-([0-9a-f]{8})-([0-9a-f]{8})-([0-9a-f]{8})$/i.exec(id);
	const hex = uuid ? uuid.slice(1).join('') : nsUniqueId ? nsUniqueId.slice(1).join('') : undefined;
	if (hex !== undefined && hex === hex.toLowerCase()) {
		target.set(Buffer.from(hex, 'hex'), 0);
		return uuid ? KEY_UUID : KEY_NS_UNIQUE_ID;
	}
	// A record key already hashed (what readKey returned): its bytes as they are.
	const hashed = /^hash:([0-9a-f]{32})$/.exec(id);
	if (hashed) {
		target.set(Buffer.from(hashed[1], 'hex'), 0);
		return KEY_HASHED;
	}
	// Not a lower-case UUID: keep a hash (the id text itself cannot be restored for a deletion).
	writeHash(id, 8, target, 0);
	writeHash(`${id}\u0000`, 8, target, 8);
	return KEY_HASHED;
}

const scratchKey = new Uint8Array(16);

/** The id under which a record is stored: the id itself, or `hash:…` for ids that are not UUIDs. */
export function recordKeyOf(id: string): string {
	// The common case, a lower-case UUID, is its own key (checked per entry of every reconciliation).
	const format = writeKey(id, scratchKey);
	return format === KEY_UUID && id.length === 36 ? id : readKey(scratchKey, format);
}

export function readKey(bytes: Uint8Array, format: number): string {
	const hex = Buffer.from(bytes.subarray(0, 16)).toString('hex');
	if (format === KEY_UUID) return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
	if (format === KEY_NS_UNIQUE_ID) return `${hex.slice(0, 8)}-${hex.slice(8, 16)}-${hex.slice(16, 24)}-${hex.slice(24)}`;
	return `hash:${hex}`;
}

export function writeUint32(value: number, target: Uint8Array, offset: number): void {
	for (let index = 0; index < 4; index++) target[offset + index] = (value >>> (8 * index)) & 0xff;
}

export function readUint32(source: Uint8Array, offset: number): number {
	return (source[offset] | (source[offset + 1] << 8) | (source[offset + 2] << 16) | (source[offset + 3] << 24)) >>> 0;
}

const recordKey = new Uint8Array(16);

/**
 * Writes a user's record bytes at `offset` and returns its key head (key bytes 0–1, stored apart: see
 * record-codec.ts). Layout in the header comment.
 */
export function writeUserRecord(record: UserRecord, target: Uint8Array, offset: number): number {
	const format = writeKey(record.id, recordKey);
	target.set(recordKey.subarray(2, 16), offset);
	const status = record.status;
	target[offset + USER_STATUS_BYTE] =
		(status.disabled ? 1 : 0) | (status.locked ? 2 : 0) | (status.passwordResetRequired ? 4 : 0) | (format << 3) | ((record.extrasHash & 0x07) << 5);
	target[offset + 15] = record.valuesHash & 0xff;
	target[offset + 16] = (record.valuesHash >>> 8) & 0xff;
	for (let index = 0; index < 12; index += 2) {
		target[offset + 17 + index / 2] = (record.fieldHashes[index] & 0x0f) | ((record.fieldHashes[index + 1] & 0x0f) << 4);
	}
	writeUint32(record.dnHash, target, offset + USER_DN_HASH_OFFSET);
	target[offset + USER_PASSWORD_BYTE] = record.passwordHash & 0xff;
	return (recordKey[0] << 8) | recordKey[1];
}

export function readUserRecord(bytes: Uint8Array, offset: number, head: number): UserRecord {
	const key = new Uint8Array(16);
	key[0] = head >>> 8;
	key[1] = head & 0xff;
	key.set(bytes.subarray(offset, offset + 14), 2);
	const fieldHashes: number[] = [];
	for (let index = 0; index < 6; index++) fieldHashes.push(bytes[offset + 17 + index] & 0x0f, bytes[offset + 17 + index] >>> 4);
	const flags = bytes[offset + USER_STATUS_BYTE];
	return {
		id: readKey(key, (flags >>> 3) & 0x03),
		status: { disabled: (flags & 1) !== 0, locked: (flags & 2) !== 0, passwordResetRequired: (flags & 4) !== 0 },
		valuesHash: bytes[offset + 15] | (bytes[offset + 16] << 8),
		fieldHashes,
		extrasHash: flags >>> 5,
		dnHash: readUint32(bytes, offset + USER_DN_HASH_OFFSET),
		passwordHash: bytes[offset + USER_PASSWORD_BYTE],
	};
}

/** A user record as its USER_RECORD_CHARS characters (the key head not included: see keyHeadOf). */
export function encodeUserRecord(record: UserRecord): string {
	const bytes = new Uint8Array(USER_RECORD_BYTES);
	writeUserRecord(record, bytes, 0);
	return encodeBase85(bytes);
}

export function decodeUserRecord(text: string, head: number): UserRecord {
	const bytes = new Uint8Array(USER_RECORD_BYTES);
	decodeBase85Into(text, 0, USER_RECORD_BYTES / 4, bytes, 0);
	return readUserRecord(bytes, 0, head);
}

/** The first two key bytes of an id: where its record sorts among the key heads. */
export function keyHeadOf(id: string): number {
	writeKey(id, recordKey);
	return (recordKey[0] << 8) | recordKey[1];
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
	return { id: readGroupKey(bytes), valuesHash: readUint32(bytes, 17), dnHash: readUint32(bytes, 21), privileged: groupIsPrivileged(bytes), memberHashes };
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
 * positions in the users string, sorted and delta-coded as varints (about 1–2 bytes per membership
 * instead of 4); other members (nested groups, people outside the segment) keep their 4-byte DN hash.
 *   key (16) · key format (1) · values hash (4) · DN hash (4) · varint count · varint deltas · raw hashes
 */
export function encodeGroupRecordCompact(record: GroupRecord, positionOf: (hash: number) => number | undefined): string {
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

/** The member part of a stored group: varint count, varint deltas of the sorted positions, raw hashes. */
export function encodePositions(positions: number[], others: number[]): Uint8Array {
	const sorted = [...new Set(positions)].sort((a, b) => a - b);
	const tail: number[] = [];
	writeVarint(sorted.length, tail);
	let previous = 0;
	for (const position of sorted) {
		writeVarint(position - previous, tail);
		previous = position;
	}
	const raw = new Uint8Array(4 * others.length);
	others.forEach((hash, index) => writeUint32(hash, raw, 4 * index));
	return Buffer.concat([Uint8Array.from(tail), raw]);
}

/** A stored group's header fields and member positions, without touching the users. */
export function decodeGroupParts(text: string): { id: string; valuesHash: number; dnHash: number; privileged: boolean; positions: number[]; others: number[]; bytes: Uint8Array } {
	const bytes = new Uint8Array(Buffer.from(text, 'base64'));
	const at = { offset: 25 };
	const count = readVarint(bytes, at);
	const positions: number[] = [];
	let position = 0;
	for (let index = 0; index < count; index++) {
		position += readVarint(bytes, at);
		positions.push(position);
	}
	const others: number[] = [];
	for (let offset = at.offset; offset + 4 <= bytes.length; offset += 4) others.push(readUint32(bytes, offset));
	return { id: readGroupKey(bytes), valuesHash: readUint32(bytes, 17), dnHash: readUint32(bytes, 21), privileged: groupIsPrivileged(bytes), positions, others, bytes };
}

/**
 * The snapshot as stored. Users stay sorted by key in one string (lookups are binary searches, and a
 * poll that changed 100 users rewrites the string by copying unchanged runs, without decoding them);
 * group member positions follow the users' new positions.
 */
export function encodeSnapshot(snapshot: Snapshot): SerializedSnapshot {
	const merged = snapshot.users.merge();
	const serialized: SerializedSnapshot = { users: merged.text, userKeyHeads: merged.keyHeads, groups: snapshot.groups.serialize(merged) };
	const passwords = snapshot.passwords?.serialize();
	if (passwords !== undefined) serialized.passwords = passwords;
	return serialized;
}

export function decodeSnapshot(serialized: SerializedSnapshot): Snapshot {
	const users = new UserTable(serialized.users, serialized.userKeyHeads);
	return { users, groups: new GroupTable(serialized.groups, users), passwords: PasswordWatermark.decode(serialized.passwords) };
}
