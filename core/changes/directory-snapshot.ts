/**
 * Change detection over any DirectoryBackend, for sources without a change feed: OTDS REST (no public
 * change log or webhook; see the OTDS reference) and, if wanted, LDAP through its backend. Each poll
 * lists the users in scope (one paged listing), the groups and their direct members, and compares them
 * with the compact snapshot; the first activation only records. Events carry source.kind of the backend
 * and strategy 'snapshot'.
 *
 * Cost: one listing of users plus one member listing per group per poll, so this suits partitions of a
 * few tens of thousands of people polled every few minutes; OTDS gives no cheaper way (its listings
 * cannot filter on modifyTimestamp, as far as public sources say).
 */
import type { DirectoryBackend, UserSearch } from '../directory/backend';
import type { DirectoryGroup } from '../model/directory-group';
import { diffGroup, diffUser, type DiffEnvironment, type GroupObservation, type UserObservation } from './differ';
import type { DirectoryEvent, EventSource, EventUser } from './events';
import { ExistingEntries, type ExistingEntriesOptions } from './existing';
import { dnHash, emptySnapshot, encodeGroupRecord, encodeUserRecord, groupRecordOf, userRecordOf, type Snapshot, type WatchedUserField } from './snapshot';
import type { ChangeState, EmitOptions, PollResult } from './state';
import { finishPoll, generationOf, snapshotOf, usableState, type ChangeStrategy } from './strategy';

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
		const source: EventSource = { kind: backend.kind, server: this.options.server, strategy: this.name, partition: this.options.partition, base: this.options.base };
		const detectedAt = (this.options.now?.() ?? new Date()).toISOString();
		const scopeKey = [source.server, source.partition ?? '', source.base ?? '', JSON.stringify(this.options.userSearch ?? {}), this.options.groupNameContains ?? ''].join('|');
		const previous = usableState(cursor, scopeKey);
		const existing = previous === undefined ? ExistingEntries.forFirstPoll(this.options, source, detectedAt, (field) => this.attributeOf(field)) : undefined;
		const { users, groups } = await this.readAll();
		const next: Snapshot = emptySnapshot();
		for (const [id, observed] of users) {
			existing?.user(observed);
			next.users.set(id, observed.record);
		}
		for (const [id, observed] of groups) {
			existing?.group(observed);
			next.groups.set(id, observed.record);
		}
		const events = previous === undefined ? (existing?.events ?? []) : this.diff(snapshotOf(previous), next, users, groups, source, detectedAt, generationOf(previous));
		return finishPoll(previous, { events, snapshot: next, reconciled: true }, { name: this.name, scopeKey, source, detectedAt, emit: this.options });
	}

	private async readAll(): Promise<{ users: Map<string, UserObservation>; groups: Map<string, GroupObservation> }> {
		const { backend } = this.options;
		const passwordAttribute = this.options.passwordChangedAttribute ?? 'passwordChangedTime';
		const users = new Map<string, UserObservation>();
		const search: UserSearch = { ...this.options.userSearch, extraAttributes: [...this.extraAttributes, passwordAttribute] };
		for await (const page of backend.searchUsers(search)) {
			for (const user of page) {
				const stamp = user.attributes[passwordAttribute];
				delete user.attributes[passwordAttribute];
				const record = userRecordOf(user, Array.isArray(stamp) ? stamp[0] : stamp, this.extraAttributes);
				users.set(record.id, { user, record });
			}
		}
		const groups = new Map<string, GroupObservation>();
		const listed: DirectoryGroup[] = [];
		for await (const page of backend.searchGroups({ nameContains: this.options.groupNameContains })) listed.push(...page);
		for (const group of listed) {
			const memberDns: string[] = [];
			for await (const page of backend.groupMembers('id', group.id, { nested: false })) for (const member of page) memberDns.push(member.dn);
			const record = groupRecordOf(group, memberDns);
			groups.set(record.id, { group, memberDns, record });
		}
		return { users, groups };
	}

	private diff(
		before: Snapshot,
		after: Snapshot,
		users: Map<string, UserObservation>,
		groups: Map<string, GroupObservation>,
		source: EventSource,
		detectedAt: string,
		generation: number,
	): DirectoryEvent[] {
		const byDnHash = new Map<number, EventUser>();
		for (const { user } of users.values()) byDnHash.set(dnHash(user.dn), { id: user.id, dn: user.dn, login: user.login, mail: user.mail, displayName: user.displayName });
		const env: DiffEnvironment = {
			source,
			detectedAt,
			attributeOf: (field: WatchedUserField) => this.attributeOf(field),
			extraAttributes: this.extraAttributes,
			memberByDnHash: (hash) => byDnHash.get(hash),
			memberByDn: (dn) => byDnHash.get(dnHash(dn)) ?? { id: dn, dn },
			// An OTDS location holds the uuid, not the name: a rename is a new login (`name@partition`).
			nameField: this.options.backend.kind === 'otdsRest' ? 'login' : undefined,
		};
		// OTDS gives no change stamp of its own: the new (or vanished) record says which change, the poll's
		// generation tells apart the same record reached again later (disabled, enabled, disabled again),
		// and a poll repeated from the same state yields the same ids (see ChangeState.generation).
		const stampOf = (encodedRecord: string) => ({ stamp: `${generation}|${encodedRecord}` });
		const events: DirectoryEvent[] = [];
		for (const [id, observation] of users) {
			const record = before.users.get(id);
			const encoded = encodeUserRecord(observation.record);
			if (record !== undefined && encodeUserRecord(record) === encoded) continue;
			events.push(...diffUser(record, observation, stampOf(encoded), env));
		}
		for (const [id, record] of before.users) if (!after.users.has(id)) events.push(...diffUser(record, undefined, stampOf(encodeUserRecord(record)), env));
		for (const [id, observation] of groups) {
			const record = before.groups.get(id);
			const encoded = encodeGroupRecord(observation.record);
			if (record !== undefined && encodeGroupRecord(record) === encoded) continue;
			events.push(...diffGroup(record, observation, stampOf(encoded), env));
		}
		for (const [id, record] of before.groups) if (!after.groups.has(id)) events.push(...diffGroup(record, undefined, stampOf(encodeGroupRecord(record)), env));
		return events;
	}
}
