/**
 * The key under which the snapshot stores a user or a group: 16 bytes of its stable id (entryUUID /
 * objectGUID / OTDS uuid, or nsUniqueId), and a key format that says how the bytes turn back into the
 * id text. An id that is neither is kept as a hash (`hash:…`).
 */
import { writeHash } from './hash';

/** Key formats: how the 16 key bytes turn back into the id text. */
const KEY_UUID = 0;
const KEY_NS_UNIQUE_ID = 1;
const KEY_HASHED = 2;

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
	if (format === KEY_UUID)
		return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
	if (format === KEY_NS_UNIQUE_ID)
		return `${hex.slice(0, 8)}-${hex.slice(8, 16)}-${hex.slice(16, 24)}-${hex.slice(24)}`;
	return `hash:${hex}`;
}

/** The first two key bytes of an id: where its record sorts among the key heads (record-codec.ts). */
export function keyHeadOf(id: string): number {
	writeKey(id, scratchKey);
	return (scratchKey[0] << 8) | scratchKey[1];
}
