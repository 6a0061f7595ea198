/**
 * A user in the compact snapshot: one fixed 28-byte record, 35 characters of base 85 (record-codec.ts).
 * The key's first two bytes are not in the record: they are stored once for all users (snapshot.ts).
 *
 *   bytes  0–13  key bytes 2–15: the entry's stable id (record-key.ts)
 *   byte   14    bits 0–2 status (disabled, locked, password reset required); bits 3–4 key format;
 *                 bits 5–7 a hash (1–7) of the extra attributes alone, to say whether one of them changed
 *                 (0: written before it existed, unknown)
 *   bytes 15–16  hash of all watched values (fields and extra attributes)
 *   bytes 17–22  one 4-bit hash per watched field, to say WHICH field changed (12 fields)
 *   bytes 23–26  hash of the normalized DN: renames, and who a removed group member was
 *   byte   27    hash of the password-changed stamp (pwdChangedTime, pwdLastSet...); a changed stamp whose
 *                 hash collides is still told by the snapshot's password watermark (password-watermark.ts)
 *
 * A change is seen when the whole hash or any field hash differs (a miss needs both to collide: about
 * one in a million changes); the field hashes name the changed fields. When the whole hash moved but no
 * field or extra-attribute hash tells which (one single-field change in 16), the differ lists every
 * candidate marked `uncertain`. Earlier values are not kept: snapshot-based strategies leave `before` out.
 */
import type { AccountStatus, DirectoryUser } from '../../model/directory-user';
import { dnHash } from './dn-hash';
import { hash32, nibbleHash, nonZeroHash, valueText, writeHash } from './hash';
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

export const USER_RECORD_BYTES = 28;
export const USER_RECORD_CHARS = 35;
/** Where a user record keeps status and key format, its DN hash and its password hash. */
export const USER_STATUS_BYTE = 14;
export const USER_DN_HASH_OFFSET = 23;
export const USER_PASSWORD_BYTE = 27;

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

/** The record of a user as read now. `extraAttributes` are watched too (in the whole hash). */
export function userRecordOf(
	user: DirectoryUser,
	passwordStamp: string | undefined,
	extraAttributes: string[] = [],
): UserRecord {
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

const recordKey = new Uint8Array(16);

/**
 * Writes a user's record bytes at `offset` and returns its key head (key bytes 0–1, stored apart: see
 * record-codec.ts). Layout in the header comment.
 */
export function writeUserRecord(record: UserRecord, target: Uint8Array, offset: number): number {
	const format = writeKey(record.id, recordKey);
	target.set(recordKey.subarray(2, 16), offset);
	target[offset + USER_STATUS_BYTE] =
		statusBits(record.status) |
		(format << KEY_FORMAT_SHIFT) |
		((record.extrasHash & EXTRAS_HASH_MASK) << EXTRAS_HASH_SHIFT);
	target[offset + 15] = record.valuesHash & 0xff;
	target[offset + 16] = (record.valuesHash >>> 8) & 0xff;
	for (let index = 0; index < 12; index += 2) {
		target[offset + 17 + index / 2] =
			(record.fieldHashes[index] & 0x0f) | ((record.fieldHashes[index + 1] & 0x0f) << 4);
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
	for (let index = 0; index < 6; index++)
		fieldHashes.push(bytes[offset + 17 + index] & 0x0f, bytes[offset + 17 + index] >>> 4);
	const flags = bytes[offset + USER_STATUS_BYTE];
	return {
		id: readKey(key, storedKeyFormat(bytes, offset)),
		status: {
			disabled: (flags & STATUS_DISABLED) !== 0,
			locked: (flags & STATUS_LOCKED) !== 0,
			passwordResetRequired: (flags & STATUS_PASSWORD_RESET_REQUIRED) !== 0,
		},
		valuesHash: bytes[offset + 15] | (bytes[offset + 16] << 8),
		fieldHashes,
		extrasHash: flags >>> EXTRAS_HASH_SHIFT,
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
