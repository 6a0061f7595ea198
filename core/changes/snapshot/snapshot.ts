/**
 * The compact snapshot: what the change detector remembers about each user and group between polls,
 * so that a poll can tell what changed without keeping the directory's values.
 *
 * A user is one fixed 28-byte record (user-record.ts), 35 characters of base 85 (record-codec.ts), and
 * all users are one string sorted by key (no JSON keys or quotes per user). The key's first two bytes are
 * not in the record: sorted keys share them with their neighbours, so they are stored once for all users
 * as Rice-coded gaps (`userKeyHeads`, about 0.3 bytes per user at 100,000 users). A group is one variable
 * record whose members are the users' positions (group-record.ts).
 *
 * 100,000 users with the bench fixture's groups measured 38.4 bytes of JSON per user in the stored
 * state (the 30-byte base64 records before: 43.3).
 */
import { groupRecordProblem } from './group-record';
import { GroupTable } from './group-table';
import { isBase85Text, keyHeadsProblem } from './record-codec';
import { USER_RECORD_CHARS } from './user-record';
import { PasswordWatermark, type SerializedPasswordWatermark } from './password-watermark';
import { UserTable } from './user-table';

/** The snapshot in memory: tables by id (see user-table.ts, group-table.ts). Serialized with encodeSnapshot. */
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

/**
 * The snapshot as stored. Users stay sorted by key in one string (lookups are binary searches, and a
 * poll that changed 100 users rewrites the string by copying unchanged runs, without decoding them);
 * group member positions follow the users' new positions.
 */
export function encodeSnapshot(snapshot: Snapshot): SerializedSnapshot {
	const merged = snapshot.users.merge();
	const serialized: SerializedSnapshot = {
		users: merged.text,
		userKeyHeads: merged.keyHeads,
		groups: snapshot.groups.serialize(merged),
	};
	const passwords = snapshot.passwords?.serialize();
	if (passwords !== undefined) serialized.passwords = passwords;
	rememberSound(serialized);
	return serialized;
}

/**
 * Stored snapshots known sound, with the parts they held then: written by encodeSnapshot or checked whole once.
 * The check reads every user record and decodes every membership, as long as the directory, and a poll must
 * cost what changed. n8n keeps the static data in memory between polls, so the next poll gets the very object
 * the last one wrote: the check is skipped while its parts are the same objects (a part replaced since, or a
 * state parsed again, is checked whole). Known by identity, not by content: looking a text up by content hashes
 * it, and the users text a poll wrote is a rope of the last one's pieces that hashing would flatten (a copy of
 * the whole text, in the poll; n8n's save flattens it anyway, once).
 */
const soundSnapshots = new WeakMap<object, { users: string; userKeyHeads: string; groups: string[] }>();

function rememberSound(serialized: SerializedSnapshot): void {
	const { users, userKeyHeads, groups } = serialized;
	soundSnapshots.set(serialized, { users, userKeyHeads, groups: [...groups] });
}

function knownSound(serialized: object): boolean {
	const known = soundSnapshots.get(serialized);
	if (known === undefined) return false;
	const { users, userKeyHeads, groups } = serialized as Record<string, unknown>;
	return (
		users === known.users &&
		userKeyHeads === known.userKeyHeads &&
		Array.isArray(groups) &&
		groups.length === known.groups.length &&
		groups.every((group, index) => group === known.groups[index])
	);
}

/**
 * Why a stored snapshot cannot be decoded (a wrong type anywhere, records cut short or of foreign
 * characters, key heads or group records that do not fit the users); undefined when it can. Checked before
 * every poll, so a damaged state is started over from instead of failing every poll.
 */
export function snapshotProblem(serialized: unknown): string | undefined {
	if (typeof serialized !== 'object' || serialized === null || Array.isArray(serialized)) return 'there is no snapshot';
	const { users, userKeyHeads, groups, passwords } = serialized as Record<string, unknown>;
	if (typeof users !== 'string' || typeof userKeyHeads !== 'string' || !Array.isArray(groups))
		return 'the snapshot has parts of the wrong type';
	const sound = knownSound(serialized);
	if (users.length % USER_RECORD_CHARS !== 0) return 'the user records are damaged';
	const userCount = users.length / USER_RECORD_CHARS;
	if (!sound) {
		if (!isBase85Text(users)) return 'the user records are damaged';
		const heads = keyHeadsProblem(userKeyHeads, userCount);
		if (heads !== undefined) return heads;
		for (const group of groups) {
			const problem = groupRecordProblem(group, userCount);
			if (problem !== undefined) return problem;
		}
	}
	if (passwords !== undefined) {
		const watermark = passwords as Record<string, unknown> | null;
		if (typeof watermark !== 'object' || watermark === null || typeof watermark.upTo !== 'string')
			return 'the password watermark is damaged';
		if (typeof watermark.atUpTo !== 'string' || !/^[A-Za-z0-9+/]*=*$/.test(watermark.atUpTo))
			return 'the password watermark is damaged';
	}
	if (!sound) rememberSound(serialized as SerializedSnapshot);
	return undefined;
}

export function decodeSnapshot(serialized: SerializedSnapshot): Snapshot {
	const users = new UserTable(serialized.users, serialized.userKeyHeads);
	return {
		users,
		groups: new GroupTable(serialized.groups, users),
		passwords: PasswordWatermark.decode(serialized.passwords),
	};
}
