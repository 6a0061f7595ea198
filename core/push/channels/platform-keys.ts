/**
 * The message's collapse key, as each platform under FCM takes it. One key means "these messages replace each
 * other", but the platforms limit what the value may be:
 * - Android (`android.collapse_key`): any text;
 * - Web Push (`Topic` header, RFC 8030 section 5.4): at most 32 characters of the URL-safe base64 alphabet;
 * - APNs (`apns-collapse-id` header): at most 64 bytes.
 * A key that fits a platform goes there as it is; one that does not is replaced by a digest of it that does, so
 * messages with the same key still replace each other there, and no platform refuses the message.
 */
import { createHash } from 'node:crypto';

/** RFC 8030: a Topic is 1 to 32 characters of A–Z, a–z, 0–9, '-' and '_'. */
const WEB_PUSH_TOPIC = /^[A-Za-z0-9_-]{1,32}$/;
/** APNs refuses an apns-collapse-id longer than this, in bytes. */
const APNS_COLLAPSE_ID_BYTES = 64;

const digest = (key: string): string => createHash('sha256').update(key, 'utf8').digest('base64url');

/** The Web Push `Topic` header for a collapse key: the key when RFC 8030 allows it, else 32 characters of its digest. */
export function webPushTopic(collapseKey: string | undefined): string | undefined {
	if (collapseKey === undefined || collapseKey === '') return undefined;
	return WEB_PUSH_TOPIC.test(collapseKey) ? collapseKey : digest(collapseKey).slice(0, 32);
}

/** The APNs `apns-collapse-id` for a collapse key: the key when it fits 64 bytes, else its digest (43 characters). */
export function apnsCollapseId(collapseKey: string | undefined): string | undefined {
	if (collapseKey === undefined || collapseKey === '') return undefined;
	return Buffer.byteLength(collapseKey, 'utf8') <= APNS_COLLAPSE_ID_BYTES ? collapseKey : digest(collapseKey);
}
