/**
 * Accesslog: the changes made while no process held the snapshot (Keep Snapshot In: Process Memory, and n8n
 * restarted), reported one by one instead of one directory.resync.
 *
 * The stored state keeps its log position when its snapshot is lost. From there the log holds every write,
 * and with `logold` the values each write replaced: taking the entries the records name back to those values
 * gives them as they were at the position. So: a full read (the new snapshot, as a first activation makes it);
 * those entries put back into it as they were; and the usual comparison with the entries as they are now
 * (poller.ts apply). The events are the ones an uninterrupted poll would have made from the same records,
 * with the same ids.
 *
 * Only where the records alone settle what each entry was at the position; otherwise the poll starts over
 * as before (recoveryObstacle says why):
 * - every modify and delete logged its old values (`logold`): else an earlier value is unknown;
 * - no User Filter, Group Filter or Segment, and no objectClass written: else whether an entry was watched
 *   then cannot be told without the filter's verdict on values no server holds any more;
 * - no entry moved out of the watched bases (its earlier values would have to be read outside them);
 * - a deleted entry is a user or a group by its logged object classes and base, not both;
 * - the log after the position fits one poll's records and was not purged past it.
 * What is not taken back: a person's memberOf, which the memberof overlay writes unlogged (membership events
 * come from the groups' logged member changes, as in every poll).
 */
import type { Entry } from '../../../transport/ldap/ldapts';
import { parseDn } from '../../ldap/dn';
import type { ChangeContext } from '../differ';
import { comparableDn, dnHash, isAtOrBelow } from '../snapshot/dn-hash';
import { sortedUniqueHashes } from '../snapshot/group-record';
import { recordKeyOf } from '../snapshot/record-key';
import type { Snapshot } from '../snapshot/snapshot';
import type { AccesslogRecord } from './accesslog-records';
import type { LdapChangeReader, Observations } from './reader';

/** What the entries of the records were at the position, put into `baseline`; and what they are now. */
export interface EntriesAtPosition {
	/** The full read, with each entry the records name as it was at the position (absent when it did not exist). */
	atPosition: Snapshot;
	now: Observations;
}

/** The attribute names a filter's equality assertions on objectClass name (lower case). */
function objectClassesOf(filter: string): Set<string> {
	return new Set([...filter.matchAll(/objectClass=([^)&|!(]+)/gi)].map((match) => match[1].toLowerCase()));
}

const below = (dn: string, base: string): boolean => isAtOrBelow(comparableDn(dn), comparableDn(base));

/** What a deleted entry was, by its logged object classes and base: 'user', 'group', none (not watched), or both. */
function deletedKind(
	reader: LdapChangeReader,
	dn: string,
	old: Record<string, string[]>,
): 'user' | 'group' | 'none' | 'both' {
	const classes = (old.objectclass ?? []).map((name) => name.toLowerCase());
	const { profile, userBaseDN, groupBaseDN } = reader.scope;
	const ofKind = (filter: string) => {
		const named = objectClassesOf(filter);
		return classes.some((name) => named.has(name));
	};
	const user = below(dn, userBaseDN) && ofKind(profile.userFilter);
	const group = below(dn, groupBaseDN) && ofKind(profile.groupFilter);
	return user && group ? 'both' : user ? 'user' : group ? 'group' : 'none';
}

/**
 * Why the records cannot tell each entry's state at the position (undefined: they can). `records` are those in
 * the watched bases, oldest first.
 */
export function recoveryObstacle(reader: LdapChangeReader, records: AccesslogRecord[]): string | undefined {
	if (reader.hasOwnFilters)
		return 'a User Filter, Group Filter or Segment is set, and the log cannot say whether a changed entry matched it then';
	for (const record of records) {
		const logsOld = Object.keys(record.old).length > 0;
		if ((record.type === 'modify' || record.type === 'delete') && !logsOld)
			return 'the log has no earlier values (the accesslog overlay logs them with logold)';
		// An add lists its object classes too: only a modify changes them.
		if (
			record.type === 'modify' &&
			record.modifications.some((change) => change.attribute.toLowerCase() === 'objectclass')
		)
			return `the object classes of ${record.dn} were changed`;
		if (record.newSuperior !== undefined && !reader.inScope(record.newSuperior))
			return `${record.dn} moved out of the watched bases`;
		if (record.type === 'delete' && deletedKind(reader, record.dn, record.old) === 'both')
			return `the deleted ${record.dn} could have been a user or a group`;
	}
	return undefined;
}

/** Sets an attribute to `values` (none: removes it), whatever the case of its name in `entry`. */
function setValues(entry: Entry, name: string, values: string[]): void {
	for (const key of Object.keys(entry)) if (key.toLowerCase() === name.toLowerCase()) delete entry[key];
	if (values.length > 0) entry[name] = values;
}

/**
 * An entry as it was before the records of `context`: its replaced values back, its former DN, and the naming
 * value a rename changed (not in the log's old values: in the former DN).
 */
export function entryBefore(entry: Entry, context: ChangeContext): Entry {
	const earlier: Entry = { ...entry };
	const before = context.before ?? {};
	for (const [name, values] of Object.entries(before)) setValues(earlier, name, values);
	if (context.previousDn !== undefined) {
		earlier.dn = context.previousDn;
		const [now] = parseDn(entry.dn);
		const [then] = parseDn(context.previousDn);
		for (const { type } of [...now, ...then]) {
			const name = type.toLowerCase();
			if (before[name] !== undefined) continue;
			const current = (Object.entries(earlier).find(([key]) => key.toLowerCase() === name)?.[1] ?? []) as
				string | string[];
			const values = (Array.isArray(current) ? current : [current]).filter(
				(value) => !now.some((ava) => ava.type.toLowerCase() === name && ava.value === value),
			);
			for (const ava of then)
				if (ava.type.toLowerCase() === name && !values.includes(ava.value)) values.push(ava.value);
			setValues(earlier, type, values);
		}
	}
	return earlier;
}

/**
 * A deleted person in the groups its memberOf named, as those groups were at the position: the server took them
 * out of each (memberof-refint) without a log record, so the full read no longer lists them. Groups the log names
 * are as it says already.
 */
function listAgain(atPosition: Snapshot, dn: string, groupDns: string[], contexts: Map<string, ChangeContext>): void {
	const wanted = new Set(groupDns.map((groupDn) => dnHash(groupDn)));
	const member = dnHash(dn);
	for (const [id, group] of atPosition.groups) {
		if (!wanted.has(group.dnHash) || contexts.has(id) || group.memberHashes.includes(member)) continue;
		atPosition.groups.set(id, { ...group, memberHashes: sortedUniqueHashes([...group.memberHashes, member]) });
	}
}

/**
 * `baseline` (a full read made after the records' position) with each entry the records name put back as it was
 * at the position, and those entries as they are now. The records passed recoveryObstacle.
 */
export async function entriesAtPosition(
	reader: LdapChangeReader,
	records: AccesslogRecord[],
	contexts: Map<string, ChangeContext>,
	baseline: Snapshot,
): Promise<EntriesAtPosition> {
	const firstType = new Map<string, AccesslogRecord['type']>();
	const lastDelete = new Map<string, AccesslogRecord>();
	for (const record of records) {
		if (record.entryUuid === undefined) continue;
		const key = recordKeyOf(record.entryUuid);
		if (!firstType.has(key)) firstType.set(key, record.type);
		if (record.type === 'delete') lastDelete.set(key, record);
	}
	/** Whether the entry existed in the watched bases at the position. */
	const existedThen = (key: string, context: ChangeContext) =>
		firstType.get(key) !== 'add' && (context.previousDn === undefined || reader.inScope(context.previousDn));

	const read = await reader.entriesAsSentByIds([...contexts.keys()]);
	const now: Observations = { users: new Map(), groups: new Map() };
	const atPosition = baseline;
	for (const entry of read.users) {
		const key = reader.userKeyOf(entry) as string;
		const context = contexts.get(key) ?? { stamp: '' };
		now.users.set(key, reader.toUserObservation(entry));
		if (existedThen(key, context))
			atPosition.users.set(key, reader.toUserObservation(entryBefore(entry, context)).observation.record);
		else atPosition.users.delete(key);
	}
	for (const entry of read.groups) {
		const key = reader.userKeyOf(entry) as string;
		const context = contexts.get(key) ?? { stamp: '' };
		now.groups.set(key, await reader.toGroupObservation(entry));
		if (existedThen(key, context))
			atPosition.groups.set(key, (await reader.toGroupObservation(entryBefore(entry, context))).observation.record);
		else atPosition.groups.delete(key);
	}
	// Deleted since: as the delete's old values (with any earlier record's) say it was.
	for (const [key, record] of lastDelete) {
		const context = contexts.get(key);
		if (context === undefined || now.users.has(key) || now.groups.has(key) || !existedThen(key, context)) continue;
		const dn = context.previousDn ?? record.dn;
		const old = context.before ?? {};
		const kind = deletedKind(reader, dn, old);
		const idAttribute = kind === 'group' ? reader.scope.profile.group.id : reader.scope.profile.user.id;
		const entry = entryBefore(
			{ dn, [idAttribute]: [record.entryUuid as string] },
			{ ...context, previousDn: undefined },
		);
		if (kind === 'user') {
			atPosition.users.set(key, reader.toUserObservation(entry).observation.record);
			listAgain(atPosition, dn, old.memberof ?? [], contexts);
		}
		if (kind === 'group') atPosition.groups.set(key, (await reader.toGroupObservation(entry)).observation.record);
	}
	return { atPosition, now };
}
