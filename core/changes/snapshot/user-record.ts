/**
 * A user in the compact snapshot. Two forms:
 *
 * In memory, one fixed 32-byte record per user (USER_RECORD_BYTES), read where it lies by the reconciliation:
 *   bytes  0–15  the key: the entry's stable id in key order (record-key.ts)
 *   byte   16    bits 0–2 status (disabled, locked, password reset required); bits 3–4 key format;
 *                 bits 5–7 a hash (1–7) of the extra attributes alone, to say whether one of them changed
 *   bytes 17–20  32-bit hash of all watched values (fields and extra attributes)
 *   bytes 21–23  one 2-bit hash per watched field, to say WHICH field changed (12 fields)
 *   bytes 24–27  hash of the normalized DN: renames, and who a removed group member was
 *   byte   28    4-bit hash of the password-changed stamp (pwdChangedTime, pwdLastSet...); a changed stamp
 *                 whose hash collides is still told by the snapshot's password watermark (password-watermark.ts)
 *
 * Stored (user-stream.ts), the key is front-coded against the user before it (sorted keys share their first
 * bytes; time-based UUIDs share all but about four), and the rest is packed in 100 bits: 12 bytes and a half.
 *
 * A change of a field is seen when the whole hash or that field's hash differs: a miss needs both to
 * collide, 2^-34 per change. The field hashes name the changed fields; when the whole hash moved but no
 * field or extra-attribute hash tells which (one single-field change in 4), the differ lists every candidate
 * marked `uncertain`. Earlier values are not kept: snapshot-based strategies leave `before` out.
 */
import type { AccountStatus, DirectoryUser } from '../../model/directory-user';
import { dnHash } from './dn-hash';
import { hash32, nonZeroHash, twoBitHash, valueText } from './hash';
import { decodeBase85Into, encodeBase85, readUint32, writeUint32 } from './record-codec';
import { readKey, recordKeyOf, writeKey } from './record-key';

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

/** A user record in memory (the stored form is denser: user-stream.ts). */
export const USER_RECORD_BYTES = 32;
/** Where a user record in memory keeps status, key format and extras hash, its hashes, its DN and password hashes. */
export const USER_STATUS_BYTE = 16;
export const USER_VALUES_HASH_OFFSET = 17;
export const USER_FIELD_HASHES_OFFSET = 21;
export const USER_DN_HASH_OFFSET = 24;
export const USER_PASSWORD_BYTE = 28;

/** The status byte's bits 0–2: the account status. */
const STATUS_DISABLED = 0x01;
const STATUS_LOCKED = 0x02;
const STATUS_PASSWORD_RESET_REQUIRED = 0x04;
const STATUS_MASK = 0x07;
/** The status byte's bits 3–4: the key format; bits 5–7: the extra attributes' hash. */
const KEY_FORMAT_SHIFT = 3;
const KEY_FORMAT_MASK = 0x03;
const EXTRAS_HASH_SHIFT = 5;
const EXTRAS_HASH_MASK = 0x07;
/** Bits of the password stamp's hash. */
export const PASSWORD_HASH_MASK = 0x0f;

export interface UserRecord {
	id: string;
	status: AccountStatus;
	valuesHash: number;
	fieldHashes: number[];
	/** 1–7: hash of the extra attributes alone; 0: unknown. */
	extrasHash: number;
	dnHash: number;
	passwordHash: number;
}

/** An account status as the status byte's bits 0–2 hold it. */
export function statusBits(status: AccountStatus): number {
	return (
		(status.disabled ? STATUS_DISABLED : 0) |
		(status.locked ? STATUS_LOCKED : 0) |
		(status.passwordResetRequired ? STATUS_PASSWORD_RESET_REQUIRED : 0)
	);
}

/** The status bits of the user record at `offset`: compared where it lies, without decoding the record. */
export function storedStatusBits(bytes: Uint8Array, offset: number): number {
	return bytes[offset + USER_STATUS_BYTE] & STATUS_MASK;
}

/** The key format of the user record at `offset` (record-key.ts). */
export function storedKeyFormat(bytes: Uint8Array, offset: number): number {
	return (bytes[offset + USER_STATUS_BYTE] >>> KEY_FORMAT_SHIFT) & KEY_FORMAT_MASK;
}

/** The extras hash of the user record at `offset` (0–7). */
export function storedExtrasHash(bytes: Uint8Array, offset: number): number {
	return bytes[offset + USER_STATUS_BYTE] >>> EXTRAS_HASH_SHIFT;
}

/** The record of a user as read now. `extraAttributes` are watched too (in the whole hash). */
export function userRecordOf(
	user: DirectoryUser,
	passwordStamp: string | undefined,
	extraAttributes: string[] = [],
): UserRecord {
	const fieldTexts = WATCHED_USER_FIELDS.map((field) => valueText(user[field]));
	const extraTexts = extraAttributes.map((name) => `${name.toLowerCase()}=${valueText(user.attributes[name])}`);
	return {
		id: recordKeyOf(user.id),
		status: { ...user.status },
		valuesHash: hash32([...fieldTexts, ...extraTexts].join('\u0000')),
		fieldHashes: fieldTexts.map(twoBitHash),
		extrasHash: nonZeroHash(extraTexts.join('\u0000'), 7),
		dnHash: dnHash(user.dn),
		passwordHash: passwordHashOf(passwordStamp),
	};
}

/** The 4-bit hash of a password-changed stamp. */
export function passwordHashOf(passwordStamp: string | undefined): number {
	return hash32(passwordStamp ?? '') & PASSWORD_HASH_MASK;
}

/** Writes a user's record at `offset` in its in-memory form (layout in the header comment). */
export function writeUserRecord(record: UserRecord, target: Uint8Array, offset: number): void {
	const format = writeKey(record.id, target, offset);
	target[offset + USER_STATUS_BYTE] =
		statusBits(record.status) |
		(format << KEY_FORMAT_SHIFT) |
		((record.extrasHash & EXTRAS_HASH_MASK) << EXTRAS_HASH_SHIFT);
	writeUint32(record.valuesHash, target, offset + USER_VALUES_HASH_OFFSET);
	let fields = 0;
	for (let index = 0; index < WATCHED_USER_FIELDS.length; index++)
		fields |= (record.fieldHashes[index] & 3) << (2 * index);
	target[offset + USER_FIELD_HASHES_OFFSET] = fields & 0xff;
	target[offset + USER_FIELD_HASHES_OFFSET + 1] = (fields >>> 8) & 0xff;
	target[offset + USER_FIELD_HASHES_OFFSET + 2] = (fields >>> 16) & 0xff;
	writeUint32(record.dnHash, target, offset + USER_DN_HASH_OFFSET);
	target[offset + USER_PASSWORD_BYTE] = record.passwordHash & PASSWORD_HASH_MASK;
	target[offset + 29] = target[offset + 30] = target[offset + 31] = 0;
}

export function readUserRecord(bytes: Uint8Array, offset: number): UserRecord {
	const fields =
		bytes[offset + USER_FIELD_HASHES_OFFSET] |
		(bytes[offset + USER_FIELD_HASHES_OFFSET + 1] << 8) |
		(bytes[offset + USER_FIELD_HASHES_OFFSET + 2] << 16);
	const fieldHashes: number[] = [];
	for (let index = 0; index < WATCHED_USER_FIELDS.length; index++) fieldHashes.push((fields >>> (2 * index)) & 3);
	const flags = bytes[offset + USER_STATUS_BYTE];
	return {
		id: readKey(bytes, storedKeyFormat(bytes, offset), offset),
		status: {
			disabled: (flags & STATUS_DISABLED) !== 0,
			locked: (flags & STATUS_LOCKED) !== 0,
			passwordResetRequired: (flags & STATUS_PASSWORD_RESET_REQUIRED) !== 0,
		},
		valuesHash: readUint32(bytes, offset + USER_VALUES_HASH_OFFSET),
		fieldHashes,
		extrasHash: flags >>> EXTRAS_HASH_SHIFT,
		dnHash: readUint32(bytes, offset + USER_DN_HASH_OFFSET),
		passwordHash: bytes[offset + USER_PASSWORD_BYTE],
	};
}

/** A user record as text (its in-memory form in base 85: what a deletion's event id is made from). */
export function encodeUserRecord(record: UserRecord): string {
	const bytes = new Uint8Array(USER_RECORD_BYTES);
	writeUserRecord(record, bytes, 0);
	return encodeBase85(bytes);
}

export function decodeUserRecord(text: string): UserRecord {
	const bytes = new Uint8Array(USER_RECORD_BYTES);
	decodeBase85Into(text, 0, USER_RECORD_BYTES / 4, bytes, 0);
	return readUserRecord(bytes, 0);
}
