/**
 * What every LDAP strategy shares: the baseline read of a first activation, the thin reconciliation
 * against the stored snapshot, and "given these entries changed, what events is that": fetch the
 * entries, compare them with their snapshot records, update the records.
 */
import type { UserObservation, ChangeContext, DiffEnvironment, RdnValue } from '../differ';
import { diffGroup, diffUser, diffUserEnteringScope, diffUserLeavingScope } from '../differ';
import type { ExistingEntries } from '../existing';
import { appendEvents, generalizedTimeToIso, type DirectoryEvent, type EventSource } from '../events';
import { comparableStamp } from '../change-stamps';
import { isDn, parseDn } from '../../ldap/dn';
import type { LdapChangeReader, Observations, Observed } from './reader';
import { MemberNames } from './member-names';
import { PasswordWatermark } from '../snapshot/password-watermark';
import { dnHash } from '../snapshot/dn-hash';
import { encodeGroupRecord } from '../snapshot/group-record';
import { hashHex } from '../snapshot/hash';
import { readUint32 } from '../snapshot/record-codec';
import { recordKeyOf } from '../snapshot/record-key';
import { emptySnapshot, type Snapshot } from '../snapshot/snapshot';
import { UserTableBuilder } from '../snapshot/user-table';
import {
	encodeUserRecord,
	statusBits,
	storedStatusBits,
	USER_DN_HASH_OFFSET,
	USER_PASSWORD_BYTE,
	USER_RECORD_BYTES,
	type UserRecord,
	type WatchedUserField,
} from '../snapshot/user-record';

export interface AppliedChanges {
	events: DirectoryEvent[];
	snapshot: Snapshot;
	/** The highest change stamp among the entries read (whole seconds), or undefined. */
	highWater?: string;
}

function maxStamp(current: string | undefined, stamp: string): string | undefined {
	if (stamp === '') return current;
	const second = comparableStamp(stamp);
	return current === undefined || second > current ? second : current;
}

/**
 * The stamp that makes an event id stable when the source has no log position: the poll's generation,
 * change time and new state (the generation tells apart the same state reached again within a second).
 * The state goes in as its hash: every member event of a group hashes this stamp, and a group's record
 * grows with its members (hashing it whole per event made a group of 200,000 new members quadratic).
 */
function stateStamp(generation: number, stamp: string, encodedRecord: string): string {
	return `${generation}|${stamp}|${hashHex(encodedRecord)}`;
}

export class LdapPollCore {
	constructor(
		readonly reader: LdapChangeReader,
		readonly source: EventSource,
		readonly detectedAt: string,
		/** See ChangeState.generation. */
		readonly generation = 0,
		/** The stored state's high-water mark (directory time): entries created before it existed at the last poll. */
		readonly previousHighWater?: string,
	) {}

	/**
	 * Whether an entry not in the snapshot existed at the last poll, so that it came into the scope rather
	 * than being created: only with a user filter, and only when its creation is certainly older than the
	 * last poll's newest change (same second or unknown: created).
	 */
	private existedBefore(observed: Observed<UserObservation>): boolean {
		if (!this.reader.hasUserFilter || observed.created === undefined || this.previousHighWater === undefined)
			return false;
		return comparableStamp(observed.created) < this.previousHighWater;
	}

	/**
	 * First activation: read everything once and remember it. No events, unless `existing` collects
	 * them (Emit Existing Entries on First Poll), page by page as the entries are read.
	 */
	async baseline(existing?: ExistingEntries): Promise<{ snapshot: Snapshot; highWater?: string }> {
		// The users go straight into their byte records (a million user objects held until the end would take
		// gigabytes), and each group's member DNs are let go once its record is made.
		const users = new UserTableBuilder();
		const passwords = PasswordWatermark.fresh();
		let highWater: string | undefined;
		for await (const page of this.reader.allUsers()) {
			for (const { observation, stamp } of page) {
				existing?.user(observation, stamp);
				users.add(observation.record);
				passwords.note(observation.record.id, observation.passwordStamp);
				highWater = maxStamp(highWater, stamp);
			}
		}
		const snapshot = emptySnapshot(users.build());
		snapshot.passwords = passwords;
		for await (const { observation, stamp } of this.reader.eachGroup()) {
			existing?.group(observation, stamp);
			snapshot.groups.set(observation.record.id, observation.record);
			highWater = maxStamp(highWater, stamp);
		}
		return { snapshot, highWater };
	}

	/**
	 * Full reconciliation: a thin read of every user and group; whole entries are read only for those that
	 * are new, renamed, changed status, or changed at or after the high-water mark; absent ones are deleted.
	 */
	async reconcile(snapshot: Snapshot, highWater: string | undefined): Promise<AppliedChanges> {
		const userIds: string[] = [];
		// Which stored users were seen, by position: deletions are the unseen ones (no set of 100,000 ids).
		const seen = new Uint8Array(snapshot.users.baseCount);
		// Stored records are compared as bytes where they lie: no record object or string per user.
		const stored = snapshot.users.storedBytes();
		const seenAdded = new Set<string>();
		let nextHighWater = highWater;
		const passwords = snapshot.passwords ?? PasswordWatermark.untracked();
		// Every user's password stamp as read now: what the watermark holds after this poll (see below).
		const notedPasswords = PasswordWatermark.untracked();
		for await (const page of this.reader.thinUsers()) {
			for (const row of page) {
				const stamp = row.stamp === '' ? '' : comparableStamp(row.stamp);
				if (stamp !== '' && (nextHighWater === undefined || stamp > nextHighWater)) nextHighWater = stamp;
				const position = snapshot.users.basePosition(row.id);
				// A key string only for the few rows at or after the watermark.
				if (notedPasswords.reaches(row.passwordStamp) || passwords.mayBeNew(row.passwordStamp)) {
					const key = recordKeyOf(row.id);
					notedPasswords.note(key, row.passwordStamp);
					if (passwords.isNew(key, row.passwordStamp)) {
						if (position >= 0) seen[position] = 1;
						else seenAdded.add(key);
						userIds.push(key);
						continue;
					}
				}
				let differs: boolean;
				if (position >= 0) {
					seen[position] = 1;
					const offset = position * USER_RECORD_BYTES;
					differs =
						highWater === undefined ||
						stamp >= highWater ||
						stored[offset + USER_PASSWORD_BYTE] !== row.passwordHash ||
						(row.status !== undefined && storedStatusBits(stored, offset) !== statusBits(row.status)) ||
						readUint32(stored, offset + USER_DN_HASH_OFFSET) !== dnHash(row.dn);
				} else {
					const key = recordKeyOf(row.id);
					seenAdded.add(key);
					const record = snapshot.users.get(key);
					differs =
						record === undefined ||
						record.dnHash !== dnHash(row.dn) ||
						record.passwordHash !== row.passwordHash ||
						!sameStatus(record, row.status) ||
						highWater === undefined ||
						stamp >= highWater;
				}
				if (differs) userIds.push(recordKeyOf(row.id));
			}
		}
		const groupIds: string[] = [];
		const seenGroups = new Set<string>();
		for (const row of await this.reader.thinGroups()) {
			seenGroups.add(row.id);
			nextHighWater = maxStamp(nextHighWater, row.stamp);
			const record = snapshot.groups.get(row.id);
			if (
				record === undefined ||
				record.dnHash !== dnHash(row.dn) ||
				highWater === undefined ||
				comparableStamp(row.stamp) >= highWater
			)
				groupIds.push(row.id);
		}
		const observations: Observations = {
			users: await this.reader.usersByIds(userIds),
			groups: await this.reader.groupsByIds(groupIds),
		};
		const contexts = new Map<string, ChangeContext>();
		for (let position = 0; position < seen.length; position++) {
			if (seen[position] === 1) continue;
			const record = snapshot.users.recordAt(position);
			contexts.set(record.id, { stamp: encodeUserRecord(record) });
		}
		// A snapshot handed over with pending changes (not stored yet): its added users count too.
		for (const [id, record] of snapshot.users.pendingRecords())
			if (!seenAdded.has(id)) contexts.set(id, { stamp: encodeUserRecord(record) });
		for (const [id, record] of snapshot.groups)
			if (!seenGroups.has(id)) contexts.set(id, { stamp: encodeGroupRecord(record) });
		const applied = await this.apply(snapshot, contexts, observations);
		// Every user's stamp was read: the watermark holds now, even for a state written before it existed.
		const nextPasswords = applied.snapshot.passwords ?? PasswordWatermark.untracked();
		nextPasswords.absorb(notedPasswords);
		nextPasswords.trackFromNow();
		applied.snapshot.passwords = nextPasswords;
		return { ...applied, highWater: nextHighWater ?? applied.highWater };
	}

	/**
	 * The events of the entries in `observations` (read now) and `contexts` (ids whose entries are gone,
	 * or extra knowledge from a log), and the snapshot after them. An id in `contexts` without an
	 * observation is deleted if the snapshot knew it.
	 */
	async apply(
		snapshot: Snapshot,
		contexts: Map<string, ChangeContext>,
		observations: Observations,
	): Promise<AppliedChanges> {
		const users = snapshot.users.clone();
		const next: Snapshot = { users, groups: snapshot.groups.clone(users), passwords: snapshot.passwords?.clone() };
		const events: DirectoryEvent[] = [];
		let highWater: string | undefined;
		const contextOf = (id: string, stamp: string, encoded: string): ChangeContext => {
			const known = contexts.get(id);
			const occurredAt = known?.occurredAt ?? generalizedTimeToIso(stamp);
			return { ...known, stamp: known?.stamp ?? stateStamp(this.generation, stamp, encoded), occurredAt };
		};
		// The groups of this poll: those the strategy read, and those that listed someone deleted (below).
		const read: Observations = { users: observations.users, groups: new Map(observations.groups) };
		const members = new MemberNames(this.reader, snapshot, next, read);
		const env = this.environment(snapshot, members);
		for (const [id, observed] of read.users) {
			const { observation, stamp } = observed;
			highWater = maxStamp(highWater, stamp);
			const before = snapshot.users.get(id);
			const context = contextOf(id, stamp, encodeUserRecord(observation.record));
			if (before === undefined && this.existedBefore(observed))
				appendEvents(
					events,
					diffUserEnteringScope(observation, { ...context, stamp: `${context.stamp}|entered` }, env),
				);
			else appendEvents(events, diffUser(before, observation, context, env));
			next.users.set(id, observation.record);
			next.passwords?.note(id, observation.passwordStamp);
		}
		const gone = new Map<string, ChangeContext>();
		for (const [id, context] of contexts)
			if (!read.users.has(id) && !read.groups.has(id) && snapshot.users.get(id) !== undefined) gone.set(id, context);
		// Someone a group read now no longer lists, who cannot be read either, is gone too: seen through the
		// group, with the stamp a reconciliation would give (a strategy that sees deletes only then reports it now).
		for (const id of await members.unreadableRemovedUsers()) {
			if (!gone.has(id)) gone.set(id, { stamp: encodeUserRecord(snapshot.users.get(id) as UserRecord) });
		}
		// Users who only stopped matching the scope's filter are not deleted (not from the directory).
		const outside =
			gone.size > 0
				? await this.reader.usersOutsideScope([...gone.keys()])
				: new Map<string, Observed<UserObservation>>();
		const deletedDns = new Set<number>();
		for (const [id, context] of gone) {
			const user = snapshot.users.get(id) as UserRecord;
			const left = outside.get(id);
			if (left === undefined) {
				const deleted = diffUser(user, undefined, { ...context, deleted: this.deletedUser(context) }, env);
				for (const event of deleted) if (event.user !== undefined) members.noteDeleted(id, event.user);
				appendEvents(events, deleted);
				deletedDns.add(user.dnHash);
			} else {
				appendEvents(
					events,
					diffUserLeavingScope(
						user,
						left.observation,
						{ ...context, stamp: `${context.stamp}|left|${this.generation}` },
						env,
					),
				);
			}
			next.users.delete(id);
		}
		await this.readGroupsListing(deletedDns, snapshot, read);
		await members.describe();
		for (const [id, { observation, stamp }] of read.groups) {
			highWater = maxStamp(highWater, stamp);
			appendEvents(
				events,
				diffGroup(
					snapshot.groups.get(id),
					observation,
					contextOf(id, stamp, encodeGroupRecord(observation.record)),
					env,
				),
			);
			next.groups.set(id, observation.record);
		}
		for (const [id, context] of contexts) {
			if (read.users.has(id) || read.groups.has(id)) continue;
			const group = snapshot.groups.get(id);
			if (group !== undefined) {
				appendEvents(events, diffGroup(group, undefined, context, env));
				next.groups.delete(id);
			}
		}
		return { events, snapshot: next, highWater };
	}

	/**
	 * Reads, into `read`, the groups that listed a person deleted in this poll and were not read yet. A server
	 * that removes a deleted member from its groups itself (OpenLDAP's memberof or refint overlay, 389 DS's
	 * referential integrity, AD) may do so without moving the group's change stamp or writing a log record:
	 * so each strategy reports the removals in the poll that reports the deletion. A group that still lists
	 * the DN (no such plug-in) has no removal to report.
	 */
	private async readGroupsListing(deletedDns: Set<number>, snapshot: Snapshot, read: Observations): Promise<void> {
		if (deletedDns.size === 0) return;
		const listing: string[] = [];
		for (const [id, group] of snapshot.groups) {
			if (!read.groups.has(id) && group.memberHashes.some((hash) => deletedDns.has(hash))) listing.push(id);
		}
		if (listing.length === 0) return;
		for (const [id, observed] of await this.reader.groupsByIds(listing)) read.groups.set(id, observed);
	}

	/**
	 * What is known of a deleted person: what the source kept (the DN from a log, a tombstone's login), and
	 * their login, mail and display name when a log holds the deleted entry's values (accesslog with logold).
	 */
	private deletedUser(context: ChangeContext): ChangeContext['deleted'] {
		const known = { ...context.deleted };
		const map = this.reader.scope.profile.user;
		for (const field of ['login', 'mail', 'displayName'] as const) {
			const value = context.before?.[map[field].toLowerCase()]?.[0];
			if (known[field] === undefined && value !== undefined) known[field] = value;
		}
		return known;
	}

	private environment(before: Snapshot, members: MemberNames): DiffEnvironment {
		const profile = this.reader.scope.profile;
		const passwords = before.passwords;
		// Names hash to values no DN hashes to (a DN has '='): hashing every configured entry is safe.
		const privilegedDns = new Set((this.reader.scope.privilegedGroups ?? []).map((group) => dnHash(group)));
		return {
			source: this.source,
			detectedAt: this.detectedAt,
			attributeOf: (field: WatchedUserField) => profile.user[field],
			extraAttributes: this.reader.extraAttributes,
			...members.lookups(),
			passwordStampIsNew: (key, stamp) => passwords?.isNew(key, stamp) ?? false,
			privilegedDnHash: (hash) => privilegedDns.has(hash),
			rdnOf: namingAttributes,
		};
	}
}

/** A DN's first RDN as attribute types and values; none when the DN cannot be parsed (never from a server). */
function namingAttributes(dn: string): RdnValue[] {
	return isDn(dn) ? parseDn(dn)[0] : [];
}

function sameStatus(record: UserRecord, status: UserRecord['status'] | undefined): boolean {
	if (status === undefined) return true;
	return (
		record.status.disabled === status.disabled &&
		record.status.locked === status.locked &&
		record.status.passwordResetRequired === status.passwordResetRequired
	);
}
