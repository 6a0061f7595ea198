/**
 * Names the members that joined or left the groups of one poll. A group keeps its members as DN hashes:
 * an added member's DN is in the group, a removed one's is gone, so both are found by DN hash among the
 * snapshot's users and groups (a nested group is a member too), and those not read in this poll anyway
 * are read once, in a batch.
 */
import type { DiffEnvironment } from '../differ';
import { eventMemberGroupOf, eventUserOf, type EventMemberGroup, type EventUser } from '../events';
import type { LdapChangeReader, Observations } from './reader';
import { dnHash } from '../snapshot/dn-hash';
import type { Snapshot } from '../snapshot/snapshot';

type MemberLookups = Pick<DiffEnvironment, 'memberByDn' | 'memberByDnHash' | 'memberGroupByDn' | 'memberGroupByDnHash'>;

export class MemberNames {
	private readonly users = new Map<string, EventUser>();
	/** Users looked for by id in this poll, found or not: each is read once. */
	private readonly lookedUp = new Set<string>();
	/** People deleted in this poll, as their user.deleted names them. */
	private readonly deleted = new Map<string, EventUser>();
	private readonly groups = new Map<string, EventMemberGroup>();
	private usersBefore?: Map<number, string>;
	private usersAfter?: Map<number, string>;
	private groupsBefore?: Map<number, string>;
	private groupsAfter?: Map<number, string>;

	constructor(
		private readonly reader: LdapChangeReader,
		/** The snapshot before the poll, and the one being built (its users already updated). */
		private readonly before: Snapshot,
		private readonly after: Snapshot,
		private readonly observations: Observations,
	) {}

	/** Reads the members that joined or left the observed groups and were not read in this poll. */
	async describe(): Promise<void> {
		const userIds = new Set<string>();
		const groupIds = new Set<string>();
		const note = (hash: number, users: Map<number, string>, groups: () => Map<number, string>) => {
			const user = users.get(hash);
			if (user !== undefined) userIds.add(user);
			const group = user === undefined ? groups().get(hash) : undefined;
			if (group !== undefined) groupIds.add(group);
		};
		for (const [id, { observation }] of this.observations.groups) {
			const previous = new Set(this.before.groups.get(id)?.memberHashes ?? []);
			const current = new Set(observation.record.memberHashes);
			for (const hash of current)
				if (!previous.has(hash)) note(hash, this.userIndexAfter(), () => this.groupIndexAfter());
			for (const hash of previous)
				if (!current.has(hash)) note(hash, this.userIndexBefore(), () => this.groupIndexBefore());
		}
		await this.readUsers([...userIds]);
		const missingGroups = [...groupIds].filter((id) => !this.observations.groups.has(id) && !id.startsWith('hash:'));
		if (missingGroups.length > 0)
			for (const [id, group] of await this.reader.groupNamesByIds(missingGroups)) this.groups.set(id, group);
	}

	/**
	 * The people the groups read now no longer list and who cannot be read either: gone from the directory
	 * (or from the watched scope) in this poll. The others are read here, once, to name them later.
	 */
	async unreadableRemovedUsers(): Promise<string[]> {
		const removed = new Set<string>();
		for (const [id, { observation }] of this.observations.groups) {
			const current = new Set(observation.record.memberHashes);
			for (const hash of this.before.groups.get(id)?.memberHashes ?? []) {
				const user = current.has(hash) ? undefined : this.userIndexBefore().get(hash);
				if (user !== undefined && !this.observations.users.has(user) && !user.startsWith('hash:')) removed.add(user);
			}
		}
		await this.readUsers([...removed]);
		return [...removed].filter((id) => !this.users.has(id));
	}

	/** A person deleted in this poll: a group that listed them names them as their user.deleted does. */
	noteDeleted(id: string, user: EventUser): void {
		this.deleted.set(id, user);
	}

	/** Reads the users not read in this poll yet, by id (text ids: a `hash:` key cannot be searched for). */
	private async readUsers(ids: string[]): Promise<void> {
		const missing = ids.filter(
			(id) =>
				!this.observations.users.has(id) && !this.lookedUp.has(id) && !this.deleted.has(id) && !id.startsWith('hash:'),
		);
		for (const id of missing) this.lookedUp.add(id);
		if (missing.length === 0) return;
		for (const [id, { observation }] of await this.reader.usersByIds(missing))
			this.users.set(id, eventUserOf(observation.user));
	}

	lookups(): MemberLookups {
		return {
			memberByDnHash: (hash) => {
				const id = this.userIndexBefore().get(hash);
				return id === undefined ? undefined : this.user(id);
			},
			memberByDn: (dn) => {
				const id = this.userIndexAfter().get(dnHash(dn));
				return id === undefined ? { id: dn, dn } : { dn, ...this.user(id) };
			},
			memberGroupByDn: (dn) => {
				const id = this.groupIndexAfter().get(dnHash(dn));
				return id === undefined ? undefined : { dn, ...this.group(id) };
			},
			memberGroupByDnHash: (hash) => {
				const id = this.groupIndexBefore().get(hash);
				return id === undefined ? undefined : this.group(id);
			},
		};
	}

	private user(id: string): EventUser {
		const seen = this.observations.users.get(id);
		return seen ? eventUserOf(seen.observation.user) : (this.users.get(id) ?? this.deleted.get(id) ?? { id });
	}

	private group(id: string): EventMemberGroup {
		const seen = this.observations.groups.get(id)?.observation.group;
		return seen ? eventMemberGroupOf(seen) : (this.groups.get(id) ?? { id });
	}

	private userIndexBefore(): Map<number, string> {
		this.usersBefore ??= userIndex(this.before);
		return this.usersBefore;
	}

	private userIndexAfter(): Map<number, string> {
		this.usersAfter ??= userIndex(this.after);
		return this.usersAfter;
	}

	private groupIndexBefore(): Map<number, string> {
		this.groupsBefore ??= new Map([...this.before.groups.dnHashes()].map(([id, hash]) => [hash, id]));
		return this.groupsBefore;
	}

	/** Groups stored before, and those read now (a group created in this poll can join another in it). */
	private groupIndexAfter(): Map<number, string> {
		if (this.groupsAfter === undefined) {
			this.groupsAfter = new Map(this.groupIndexBefore());
			for (const [id, { observation }] of this.observations.groups) this.groupsAfter.set(observation.record.dnHash, id);
		}
		return this.groupsAfter;
	}
}

/** Users by the hash of their DN. */
function userIndex(snapshot: Snapshot): Map<number, string> {
	const map = new Map<number, string>();
	for (const record of snapshot.users.values()) map.set(record.dnHash, record.id);
	return map;
}
