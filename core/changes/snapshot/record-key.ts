/**
 * The key under which the snapshot stores a user or a group: 16 bytes of its stable id (entryUUID /
 * objectGUID / OTDS uuid, or nsUniqueId), and a key format that says how the bytes turn back into the
 * id text. An id that is neither is kept as a hash (`hash:…`).
 *
 * A time-based (version 1) UUID, what OpenLDAP gives as entryUUID, is kept in time order: node, then time
 * from its high to its low part, then clock sequence. Sorted keys then share their first 12 bytes or so
 * with the key before them, which the stored users string does not repeat (user-stream.ts); in UUID order
 * (the time's low part first) neighbours would share nothing.
 */
import { writeHash } from './hash';

/** Key formats: how the 16 key bytes turn back into the id text. */
const KEY_UUID = 0;
const KEY_NS_UNIQUE_ID = 1;
const KEY_HASHED = 2;
const KEY_TIME_UUID = 3;

/** Where each byte of a version 1 UUID goes in its key: node, time high, time mid, time low, clock sequence. */
const TIME_ORDER = [10, 11, 12, 13, 14, 15, 6, 7, 4, 5, 0, 1, 2, 3, 8, 9];
const scratchUuid = new Uint8Array(16);

/** '0'–'9' and 'a'–'f' as their value; −1 for anything else. */
function lowerHexValue(code: number): number {
	if (code >= 48 && code <= 57) return code - 48;
	if (code >= 97 && code <= 102) return code - 87;
	return -1;
}

/** Writes a lower-case 8-4-4-4-12 UUID as 16 bytes without regular expressions; false for anything else. */
function writeLowerUuid(id: string, target: Uint8Array): boolean {
	if (
		id.length !== 36 ||
		id.charCodeAt(8) !== 45 ||
		id.charCodeAt(13) !== 45 ||
		id.charCodeAt(18) !== 45 ||
		id.charCodeAt(23) !== 45
	)
		return false;
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

/** Writes the key of an id into `target` at `offset` (16 bytes) and returns its key format. */
export function writeKey(id: string, target: Uint8Array, offset = 0): number {
	// The common case first, checked for every entry of a reconciliation.
	if (writeLowerUuid(id, scratchUuid)) {
		if (scratchUuid[6] >>> 4 === 1) {
			for (let index = 0; index < 16; index++) target[offset + index] = scratchUuid[TIME_ORDER[index]];
			return KEY_TIME_UUID;
		}
		target.set(scratchUuid, offset);
		return KEY_UUID;
	}
	const uuid = /^\{?([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}?$/i.exec(id);
	const nsUniqueId = /^([0-9a-f]{8})-([0-9a-f]{8})-([0-9a-f]{8})-([0-9a-f]{8})$/i.exec(id);
	const hex = uuid ? uuid.slice(1).join('') : nsUniqueId ? nsUniqueId.slice(1).join('') : undefined;
	if (hex !== undefined && hex === hex.toLowerCase()) {
		if (uuid) return writeKey(hex.replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-'), target, offset);
		target.set(Buffer.from(hex, 'hex'), offset);
		return KEY_NS_UNIQUE_ID;
	}
	// A record key already hashed (what readKey returned): its bytes as they are.
	const hashed = /^hash:([0-9a-f]{32})$/.exec(id);
	if (hashed) {
		target.set(Buffer.from(hashed[1], 'hex'), offset);
		return KEY_HASHED;
	}
	// Not a lower-case UUID: keep a hash (the id text itself cannot be restored for a deletion).
	writeHash(id, 8, target, offset);
	writeHash(`${id}\u0000`, 8, target, offset + 8);
	return KEY_HASHED;
}

const scratchKey = new Uint8Array(16);

/** The id under which a record is stored: the id itself, or `hash:…` for ids that are not UUIDs. */
export function recordKeyOf(id: string): string {
	// The common case, a lower-case UUID, is its own key (checked per entry of every reconciliation).
	const format = writeKey(id, scratchKey);
	return (format === KEY_UUID || format === KEY_TIME_UUID) && id.length === 36 && id.charCodeAt(8) === 45
		? id
		: readKey(scratchKey, format);
}

/** The id of the key at `offset` in `bytes` (16 bytes) in its key format. */
export function readKey(bytes: Uint8Array, format: number, offset = 0): string {
	let key = bytes.subarray(offset, offset + 16);
	if (format === KEY_TIME_UUID) {
		for (let index = 0; index < 16; index++) scratchUuid[TIME_ORDER[index]] = key[index];
		key = scratchUuid;
	}
	const hex = Buffer.from(key.buffer, key.byteOffset, 16).toString('hex');
	if (format === KEY_UUID || format === KEY_TIME_UUID)
		return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
	if (format === KEY_NS_UNIQUE_ID)
		return `${hex.slice(0, 8)}-${hex.slice(8, 16)}-${hex.slice(16, 24)}-${hex.slice(24)}`;
	return `hash:${hex}`;
}
