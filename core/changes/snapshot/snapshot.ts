/**
 * The compact snapshot: what the change detector remembers about each user and group between polls,
 * so that a poll can tell what changed without keeping the directory's values.
 *
 * The users are chunks of front-coded records sorted by key (user-stream.ts), base 85 text: about 17 bytes
 * a user of OpenLDAP (time-based entryUUIDs), 27 with random ids. A group is one variable record whose
 * members are the users' positions, Rice-coded (group-record.ts).
 *
 * 100,000 users with the bench fixture's groups: 22.6 bytes of JSON per user in the stored state (38.4 with
 * the fixed 28-byte records before, 43.3 with the 30-byte base64 records before those).
 */
import { groupRecordProblem } from './group-record';
import { GroupTable } from './group-table';
import { PasswordWatermark, type SerializedPasswordWatermark } from './password-watermark';
import { decodeUsers, UserTable } from './user-table';

/** The snapshot in memory: tables by id (see user-table.ts, group-table.ts). Serialized with encodeSnapshot. */
export interface Snapshot {
	users: UserTable;
	groups: GroupTable;
	/** The latest password stamps stored (absent: not tracked, as in a state written before it). */
	passwords?: PasswordWatermark;
}

/** The snapshot as it sits in the trigger's static data. */
export interface SerializedSnapshot {
	/** Chunks of users sorted by key (user-stream.ts). */
	users: string[];
	/** One base64 record per group. */
	groups: string[];
	passwords?: SerializedPasswordWatermark;
}

/** A snapshot of no users and groups, or of the users given (a UserTableBuilder's) and no groups yet. */
export function emptySnapshot(users = new UserTable([])): Snapshot {
	return { users, groups: new GroupTable([], users), passwords: PasswordWatermark.fresh() };
}

/**
 * The snapshot as stored. Only the chunks that hold a changed user are written again; group member
 * positions follow the users' new positions.
 */
export function encodeSnapshot(snapshot: Snapshot): SerializedSnapshot {
	const merged = snapshot.users.merge();
	const serialized: SerializedSnapshot = {
		users: merged.chunks,
		groups: snapshot.groups.serialize(merged),
	};
	const passwords = snapshot.passwords?.serialize();
	if (passwords !== undefined) serialized.passwords = passwords;
	return serialized;
}

/**
 * Why a stored snapshot cannot be decoded (a wrong type anywhere, records cut short, of foreign characters or
 * out of order, group records that do not fit the users); undefined when it can. Checked before every poll,
 * so a damaged state is started over from instead of failing every poll. The users are decoded here once and
 * remembered (user-table.ts): a poll that follows this process's own previous poll decodes nothing again,
 * as long as the state holds the very chunks that poll wrote (compared chunk by chunk: changed in place, it is
 * checked again).
 */
export function snapshotProblem(serialized: unknown): string | undefined {
	if (typeof serialized !== 'object' || serialized === null || Array.isArray(serialized)) return 'there is no snapshot';
	const { users, groups, passwords } = serialized as Record<string, unknown>;
	if (!Array.isArray(users) || !Array.isArray(groups)) return 'the snapshot has parts of the wrong type';
	const decoded = decodeUsers(users);
	if (typeof decoded === 'string') return decoded;
	const userCount = decoded.starts[users.length];
	for (const group of groups) {
		const problem = groupRecordProblem(group, userCount);
		if (problem !== undefined) return problem;
	}
	if (passwords !== undefined) {
		const watermark = passwords as Record<string, unknown> | null;
		if (typeof watermark !== 'object' || watermark === null || typeof watermark.upTo !== 'string')
			return 'the password watermark is damaged';
		if (typeof watermark.atUpTo !== 'string' || !/^[A-Za-z0-9+/]*=*$/.test(watermark.atUpTo))
			return 'the password watermark is damaged';
	}
	return undefined;
}

export function decodeSnapshot(serialized: SerializedSnapshot): Snapshot {
	const users = new UserTable(serialized.users);
	return {
		users,
		groups: new GroupTable(serialized.groups, users),
		passwords: PasswordWatermark.decode(serialized.passwords),
	};
}
