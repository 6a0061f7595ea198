import type { DirectoryGroup } from '../model/directory-group';
import type { DirectoryUser } from '../model/directory-user';
import { hashHex } from './snapshot/hash';

/** Every event type the trigger emits; the names are a contract (templates filter on them). */
export const DIRECTORY_EVENT_TYPES = [
	'user.created',
	'user.updated',
	'user.deleted',
	'user.renamed',
	'user.enabled',
	'user.disabled',
	'user.locked',
	'user.unlocked',
	'user.passwordResetRequired',
	'user.passwordChanged',
	'group.created',
	'group.updated',
	'group.deleted',
	'group.memberAdded',
	'group.memberRemoved',
	'directory.bulkChange',
	'directory.resync',
] as const;

export type DirectoryEventType = (typeof DIRECTORY_EVENT_TYPES)[number];

/** How changes were found; `auto` is never reported: the chosen strategy is. */
export type ChangeStrategyName = 'snapshot' | 'timestamp' | 'accesslog' | 'changelog' | 'adUsn' | 'otdsTimestamp';

export interface EventSource {
	kind: 'ldap' | 'otdsRest';
	/** The server URL the poll talked to. */
	server: string;
	strategy: ChangeStrategyName;
	/** Base DN (LDAP) watched. */
	base?: string;
	/** OTDS partition watched. */
	partition?: string;
}

/**
 * One changed attribute. `before` is there only when the strategy knows the earlier value: `null` then
 * means the attribute was empty (or the entry did not exist). It is left out, never guessed, when the
 * strategy cannot know it: the timestamp, snapshot, changelog and USN strategies keep hashes of the
 * values, not the values, so they know that a field changed and its value now, but not what it was;
 * they do know earlier account status flags (the snapshot keeps them) and a removed member's DN when
 * it still hashes the same. OpenLDAP's accesslog knows earlier values when the server logs them
 * (`logold`), and former DNs.
 */
export interface AttributeChangeRecord {
	attribute: string;
	before?: string | string[] | null;
	after: string | string[] | null;
	/**
	 * Set when the strategy saw that the entry's values changed but not which of them (its per-attribute
	 * hashes are too small to always tell): every watched attribute that may have changed is listed with
	 * its value now, each marked `uncertain`; at least one of them changed. Absent: this attribute changed.
	 */
	uncertain?: true;
}

/**
 * What an event says about a user. A deleted user is only known by what the change source kept: the
 * stable id always, the rest when the source still had it (accesslog keeps the deleted entry).
 */
export type EventUser = Partial<DirectoryUser> & Pick<DirectoryUser, 'id'>;

export type EventGroup = Partial<DirectoryGroup> & Pick<DirectoryGroup, 'id' | 'privileged'>;

/** A group that is itself the member of group.memberAdded / group.memberRemoved (nested groups). */
export interface EventMemberGroup {
	id: string;
	dn?: string;
	name?: string;
	/** Whether the member group is itself one of the privileged groups, where the source tells. */
	privileged?: boolean;
}

/** A user as a membership event names them: who, not everything about them. */
export function eventUserOf(user: DirectoryUser): EventUser {
	return { id: user.id, dn: user.dn, login: user.login, mail: user.mail, displayName: user.displayName };
}

/** A group as a nested-membership event names it. */
export function eventMemberGroupOf(group: DirectoryGroup): EventMemberGroup {
	return { id: group.id, dn: group.dn, name: group.name };
}

export interface EventActor {
	/** Who made the change, as the directory names it (a DN for LDAP). */
	dn?: string;
	id?: string;
}

/** One item per event, the same shape from every source. */
export interface DirectoryEvent {
	/** The same change always yields the same id, so duplicates can be dropped. */
	id: string;
	type: DirectoryEventType;
	/** Directory time of the change when known (ISO 8601), else undefined. */
	occurredAt?: string;
	/** When this poll saw it (ISO 8601). */
	detectedAt: string;
	source: EventSource;
	/** The user concerned; in group.memberAdded / group.memberRemoved, the member when it is a user. */
	user?: EventUser;
	group?: EventGroup;
	/**
	 * group.memberAdded / group.memberRemoved when the member is itself a group (nested in `group`): that
	 * group. `user` is then absent.
	 */
	memberGroup?: EventMemberGroup;
	changes: AttributeChangeRecord[];
	actor?: EventActor;
	/**
	 * Set on the first poll's user.created / group.created when "Emit Existing Entries on First Poll" is on:
	 * the entry already existed when the trigger started (its creation was not seen).
	 */
	existing?: true;
	/**
	 * 'left': the person still exists but no longer matches the watched scope (User Filter, Segment), so
	 * later changes to them are not seen; not a deletion. Set on the events of the change that took them
	 * out, which always include one user.updated. 'entered': a person who existed before (created before
	 * the last poll's newest change) came into the scope: a user.updated, not a user.created.
	 */
	scope?: 'left' | 'entered';
	/** directory.bulkChange: how many events of each type the poll saw. directory.resync: why. */
	summary?: { counts?: Partial<Record<DirectoryEventType, number>>; total?: number; reason?: string };
}

/**
 * The stable id of a change: who (source server and base), what (entry key, event type, the other
 * party of a membership change) and which change (a stamp that is the same each time the same change is
 * read: an accesslog reqStart, an entry's modifyTimestamp, or the snapshot record that disappeared).
 */
export function eventId(source: EventSource, entryKey: string, type: DirectoryEventType, changeStamp: string): string {
	return hashHex(
		[source.kind, source.server, source.base ?? source.partition ?? '', entryKey, type, changeStamp].join('\u0000'),
	);
}

/** LDAP generalized time (20261127001122Z, 20261127001122.123456Z, or a CSN) to ISO 8601; undefined when not one. */
export function generalizedTimeToIso(value: string | undefined): string | undefined {
	if (value === undefined) return undefined;
	// A CSN (entryCSN) is a generalized time followed by #count#replica#modification.
	const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:[.,](\d+))?Z(?:#.*)?$/.exec(value.trim());
	if (!match) return undefined;
	const [, year, month, day, hour, minute, second, fraction] = match;
	const millis = (fraction ?? '').padEnd(3, '0').slice(0, 3);
	return `${year}-${month}-${day}T${hour}:${minute}:${second}.${millis}Z`;
}

/**
 * Appends `more` to `events` one at a time. `push(...more)` passes every element as an argument on the
 * call stack: a group change naming hundreds of thousands of members overflows it (RangeError).
 */
export function appendEvents(events: DirectoryEvent[], more: readonly DirectoryEvent[]): void {
	for (const event of more) events.push(event);
}
