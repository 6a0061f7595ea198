/**
 * Change detection over any DirectoryBackend, for sources without a change feed: OTDS REST (no public
 * change log or webhook; see the OTDS reference) and, if wanted, LDAP through its backend. Each poll
 * lists the users in scope (one paged listing), the groups and their direct members (people and nested
 * groups, where the backend lists them: a nested group is named as the event's `memberGroup`), and compares them
 * with the compact snapshot; the first activation only records. Events carry source.kind of the backend
 * and strategy 'snapshot'.
 *
 * Cost: one listing of users plus one member listing per group per poll, so this suits partitions of a
 * few tens of thousands of people polled every few minutes; OTDS gives no cheaper way (its listings
 * cannot filter on modifyTimestamp, as far as public sources say).
 */
import type { DirectMembersPage, DirectoryBackend, UserSearch } from '../directory/backend';
import type { DirectoryGroup } from '../model/directory-group';
import {
	diffGroup,
	diffUser,
	diffUserEnteringScope,
	diffUserLeavingScope,
	type DiffEnvironment,
	type GroupObservation,
	type UserObservation,
} from './differ';
import {
	appendEvents,
	eventUserOf,
	type DirectoryEvent,
	type EventGroup,
	type EventSource,
	type EventUser,
} from './events';
import { ExistingEntries, type ExistingEntriesOptions } from './existing';
import { dnHash } from './snapshot/dn-hash';
import { encodeGroupRecord, groupRecordOf } from './snapshot/group-record';
import { hashHex } from './snapshot/hash';
import { passwordStampOf, type PasswordWatermark } from './snapshot/password-watermark';
import { emptySnapshot, type Snapshot } from './snapshot/snapshot';
import {
	encodeUserRecord,
	passwordHashOf,
	type UserRecord,
	userRecordOf,
	type WatchedUserField,
} from './snapshot/user-record';
import { UserTableBuilder } from './snapshot/user-table';
import type { ChangeState, EmitOptions, PollResult } from './state';
import { finishPoll, generationOf, snapshotOf, storedState, type ChangeStrategy } from './strategy';

export interface DirectorySnapshotOptions extends EmitOptions, ExistingEntriesOptions {
	backend: DirectoryBackend;
	/** Where the backend lives (OTDS base URL, LDAP URL), for source.server and the scope key. */
	server: string;
	/** OTDS partition or LDAP base watched, for source. */
	partition?: string;
	base?: string;
	/** Which users: conditions, state, extra attributes (the segment). */
	userSearch?: UserSearch;
	/** Group scope: names containing this text (empty: all groups). */
	groupNameContains?: string;
	/** The attribute that moves when a password is changed (OTDS: passwordChangedTime). */
	passwordChangedAttribute?: string;
	now?: () => Date;
}

/** What one poll read: users and groups in scope, and how to name members in events (by DN hash). */
interface Reading {
	users: Map<string, UserObservation>;
	groups: Map<string, GroupObservation>;
	/** Users in scope, and members outside the segment. */
	people: Map<number, EventUser>;
	/** Groups in scope, and groups nested in them. */
	nestedGroups: Map<number, EventGroup>;
	/** With a segment: when each user was created, and the newest change among them (see UserListing). */
	created: Map<string, string>;
	newestChange?: string;
}

/** A user listing: the users, and with a segment their creation times and the newest change stamp. */
interface UserListing {
	users: Map<string, UserObservation>;
	created: Map<string, string>;
	newestChange?: string;
}

const CREATED = 'createTimestamp';
const MODIFIED = 'modifyTimestamp';

const firstValue = (value: string | string[] | undefined): string | undefined =>
	Array.isArray(value) ? value[0] : value;

const eventGroup = (group: DirectoryGroup): EventGroup => ({
	id: group.id,
	dn: group.dn,
	name: group.name,
	privileged: group.privileged,
});

/**
 * The last poll's password watermark, where it says something. This strategy noted no stamps before, and stored a
 * watermark that noted nothing: read as such, every stamp would be new. Its users' 4-bit hashes give such a state
 * away (some user had a stamp); then the hash alone decides for this one poll, as it did when the state was written.
 */
function trustedWatermark(before: Snapshot): PasswordWatermark | undefined {
	const watermark = before.passwords;
	if (watermark === undefined || !watermark.empty) return watermark;
	const noStamp = passwordHashOf(undefined);
	for (const [, record] of before.users.entries()) if (record.passwordHash !== noStamp) return undefined;
	return watermark;
}

export class DirectorySnapshotStrategy implements ChangeStrategy {
	readonly name = 'snapshot' as const;

	constructor(private readonly options: DirectorySnapshotOptions) {}

	private attributeOf(field: WatchedUserField): string {
		return this.options.backend.userAttribute?.(field) ?? field;
	}

	private get extraAttributes(): string[] {
		return this.options.userSearch?.extraAttributes ?? [];
	}

	async poll(cursor: ChangeState | undefined): Promise<PollResult> {
		const { backend } = this.options;
		const source: EventSource = {
			kind: backend.kind,
			server: this.options.server,
			strategy: this.name,
			partition: this.options.partition,
			base: this.options.base,
		};
		const detectedAt = (this.options.now?.() ?? new Date()).toISOString();
		const scopeKey = [
			source.server,
			source.partition ?? '',
			source.base ?? '',
			JSON.stringify(this.options.userSearch ?? {}),
			this.options.groupNameContains ?? '',
		].join('|');
		// A stored state that cannot be used (another scope or version): start over and say so.
		const { previous, unusable } = storedState(cursor, scopeKey);
		const existing =
			previous === undefined && unusable === undefined
				? ExistingEntries.forFirstPoll(this.options, source, detectedAt, (field) => this.attributeOf(field))
				: undefined;
		const read = await this.readAll();
		const { users, groups } = read;
		const builder = new UserTableBuilder();
		for (const observed of users.values()) {
			existing?.user(observed);
			builder.add(observed.record);
		}
		const next: Snapshot = emptySnapshot(builder.build());
		// Every user's stamp was read: the next poll tells a password change the record's 4-bit hash misses.
		for (const [id, observed] of users) next.passwords?.note(id, observed.passwordStamp);
		for (const [id, observed] of groups) {
			existing?.group(observed);
			next.groups.set(id, observed.record);
		}
		const events =
			previous === undefined
				? (existing?.events ?? [])
				: await this.diff(snapshotOf(previous), next, read, source, detectedAt, previous);
		const stampHighWater = read.newestChange ?? previous?.stampHighWater;
		return finishPoll(
			previous,
			{ events, snapshot: next, stampHighWater, reconciled: true, resyncReason: unusable },
			{ name: this.name, scopeKey, source, detectedAt, emit: this.options },
		);
	}

	private get hasSegment(): boolean {
		return (this.options.userSearch?.conditions ?? []).length > 0;
	}

	/**
	 * Users as a search lists them, by record key, with the password stamp read into the record; with a
	 * segment also when each was created and the newest change (to tell a person who came into the
	 * segment from a new one).
	 */
	private async listUsers(search: UserSearch): Promise<UserListing> {
		const passwordAttribute = this.options.passwordChangedAttribute ?? 'passwordChangedTime';
		const stamps = [passwordAttribute, ...(this.hasSegment ? [CREATED, MODIFIED] : [])];
		const listing: UserListing = { users: new Map(), created: new Map() };
		for await (const page of this.options.backend.searchUsers({
			...search,
			extraAttributes: [...this.extraAttributes, ...stamps],
		})) {
			for (const user of page) {
				const [password, created, modified] = stamps.map((name) => firstValue(user.attributes[name]));
				// Read for change detection only; kept when the user asked for them too.
				for (const name of stamps) if (!this.extraAttributes.includes(name)) delete user.attributes[name];
				const record = userRecordOf(user, password, this.extraAttributes);
				listing.users.set(record.id, { user, record, passwordStamp: passwordStampOf(password) });
				if (created !== undefined) listing.created.set(record.id, created);
				if (modified !== undefined && (listing.newestChange === undefined || modified > listing.newestChange))
					listing.newestChange = modified;
			}
		}
		return listing;
	}

	/** Whether a user not in the snapshot was created certainly before the last poll's newest change. */
	private existedBefore(created: string | undefined, previousNewest: string | undefined): boolean {
		const seconds = (time: string | undefined) => (time === undefined ? NaN : Math.floor(Date.parse(time) / 1000));
		return this.hasSegment && seconds(created) < seconds(previousNewest);
	}

	/**
	 * Of the users gone from the segment's listing, those still in the directory (they no longer match the
	 * segment): one listing without the segment, only on a poll where someone went and a segment is set.
	 */
	private async outsideScope(gone: string[]): Promise<Map<string, UserObservation>> {
		const found = new Map<string, UserObservation>();
		const search = this.options.userSearch ?? {};
		if (gone.length === 0 || (search.conditions ?? []).length === 0) return found;
		const everyone = (await this.listUsers({ ...search, conditions: [] })).users;
		for (const id of gone) {
			const observed = everyone.get(id);
			if (observed !== undefined) found.set(id, observed);
		}
		return found;
	}

	private async readAll(): Promise<Reading> {
		const { backend } = this.options;
		const { users, created, newestChange } = await this.listUsers(this.options.userSearch ?? {});
		const people = new Map<number, EventUser>(
			[...users.values()].map(({ user, record }) => [record.dnHash, eventUserOf(user)]),
		);
		const groups = new Map<string, GroupObservation>();
		const listed: DirectoryGroup[] = [];
		for await (const page of backend.searchGroups({ nameContains: this.options.groupNameContains }))
			listed.push(...page);
		const nestedGroups = new Map<number, EventGroup>(listed.map((group) => [dnHash(group.dn), eventGroup(group)]));
		for (const group of listed) {
			const memberDns: string[] = [];
			for await (const page of this.directMembers(group)) {
				for (const user of page.users) {
					memberDns.push(user.dn);
					// People outside the segment are members too: named from the member listing.
					const hash = dnHash(user.dn);
					if (!people.has(hash)) people.set(hash, eventUserOf(user));
				}
				for (const member of page.groups) {
					memberDns.push(member.dn);
					nestedGroups.set(dnHash(member.dn), eventGroup(member));
				}
			}
			const record = groupRecordOf(group, memberDns);
			groups.set(record.id, { group, memberDns, record });
		}
		return { users, groups, people, nestedGroups, created, newestChange };
	}

	/** A group's direct members, nested groups included where the backend lists them. */
	private async *directMembers(group: DirectoryGroup): AsyncGenerator<DirectMembersPage> {
		const { backend } = this.options;
		if (backend.directMembers !== undefined) {
			yield* backend.directMembers('id', group.id);
			return;
		}
		for await (const users of backend.groupMembers('id', group.id, { nested: false })) yield { users, groups: [] };
	}

	private async diff(
		before: Snapshot,
		after: Snapshot,
		read: Reading,
		source: EventSource,
		detectedAt: string,
		previous: ChangeState,
	): Promise<DirectoryEvent[]> {
		const generation = generationOf(previous);
		const { users, groups, people, nestedGroups } = read;
		let formerGroups: Map<number, EventGroup> | undefined;
		const passwords = trustedWatermark(before);
		const env: DiffEnvironment = {
			source,
			detectedAt,
			attributeOf: (field: WatchedUserField) => this.attributeOf(field),
			extraAttributes: this.extraAttributes,
			memberByDnHash: (hash) => people.get(hash),
			memberByDn: (dn) => people.get(dnHash(dn)) ?? { id: dn, dn },
			memberGroupByDn: (dn) => nestedGroups.get(dnHash(dn)),
			memberGroupByDnHash: (hash) => {
				// A nested group gone from the directory is known by the key of its record, if it was in scope.
				formerGroups ??= new Map(
					[...before.groups.values()].map((record) => [record.dnHash, { id: record.id, privileged: false }]),
				);
				return nestedGroups.get(hash) ?? formerGroups.get(hash);
			},
			// An OTDS location holds the uuid, not the name: a rename is a new login (`name@partition`).
			nameField: this.options.backend.kind === 'otdsRest' ? 'login' : undefined,
			passwordStampIsNew: (key, stamp) => passwords?.isNew(key, stamp) === true,
		};
		// OTDS gives no change stamp of its own: the new (or vanished) record says which change, the poll's
		// generation tells apart the same record reached again later (disabled, enabled, disabled again),
		// and a poll repeated from the same state yields the same ids (see ChangeState.generation). The record goes
		// in as its hash: each member event of a group hashes the stamp, and a group's record grows with its members.
		const stampOf = (encodedRecord: string) => ({ stamp: `${generation}|${hashHex(encodedRecord)}` });
		const events: DirectoryEvent[] = [];
		for (const [id, observation] of users) {
			const record = before.users.get(id);
			const encoded = encodeUserRecord(observation.record);
			const passwordSet = passwords?.isNew(id, observation.passwordStamp) === true;
			if (record !== undefined && encodeUserRecord(record) === encoded && !passwordSet) continue;
			// Into the segment, but in OTDS before: not a creation.
			if (record === undefined && this.existedBefore(read.created.get(id), previous.stampHighWater))
				appendEvents(events, diffUserEnteringScope(observation, stampOf(`${encoded}|entered`), env));
			else appendEvents(events, diffUser(record, observation, stampOf(encoded), env));
		}
		const gone = [...before.users.keys()].filter((id) => !after.users.has(id));
		const outside = await this.outsideScope(gone);
		for (const id of gone) {
			const record = before.users.get(id) as UserRecord;
			const left = outside.get(id);
			// Out of the segment but still in OTDS: not a deletion.
			if (left !== undefined)
				appendEvents(events, diffUserLeavingScope(record, left, stampOf(`${encodeUserRecord(left.record)}|left`), env));
			else appendEvents(events, diffUser(record, undefined, stampOf(encodeUserRecord(record)), env));
		}
		for (const [id, observation] of groups) {
			const record = before.groups.get(id);
			const encoded = encodeGroupRecord(observation.record);
			if (record !== undefined && encodeGroupRecord(record) === encoded) continue;
			appendEvents(events, diffGroup(record, observation, stampOf(encoded), env));
		}
		for (const [id, record] of before.groups)
			if (!after.groups.has(id))
				appendEvents(events, diffGroup(record, undefined, stampOf(encodeGroupRecord(record)), env));
		return events;
	}
}
