/**
 * Turns "what the snapshot remembered" and "what the directory says now" into events. Every strategy
 * ends here: it only decides which entries to look at, and adds what it knows besides (time, actor,
 * earlier values). One entry can yield several events at once (renamed and locked, say).
 */
import type { DirectoryGroup } from '../model/directory-group';
import type { AccountStatus, DirectoryUser } from '../model/directory-user';
import { parseDn } from '../ldap/dn';
import {
	eventId,
	type AttributeChangeRecord,
	type DirectoryEvent,
	type DirectoryEventType,
	type EventActor,
	type EventGroup,
	type EventMemberGroup,
	type EventSource,
	type EventUser,
} from './events';
import { dnHash } from './snapshot/dn-hash';
import type { GroupRecord } from './snapshot/group-record';
import { type UserRecord, WATCHED_USER_FIELDS, type WatchedUserField } from './snapshot/user-record';

/** A user as read now, with its record. */
export interface UserObservation {
	user: DirectoryUser;
	record: UserRecord;
	/** The password-changed stamp as read, in whole seconds (snapshot/password-watermark.ts), when it is a time. */
	passwordStamp?: string;
}

/**
 * A deleted group as the source still knows it, in a group's fields only: a log or tombstone may also
 * carry a person's (AD's sAMAccountName as `login`). Its name, when not known, is its DN's first RDN value
 * (the cn of every group we know).
 */
function deletedGroupOf(deleted: ChangeContext['deleted'], id: string, privileged: boolean): EventGroup {
	const group: EventGroup = { id: deleted?.id ?? id, privileged };
	if (deleted?.dn !== undefined) group.dn = deleted.dn;
	const name = deleted?.name ?? firstRdnValue(deleted?.dn);
	if (name !== undefined) group.name = name;
	if (deleted?.description !== undefined) group.description = deleted.description;
	return group;
}

function firstRdnValue(dn: string | undefined): string | undefined {
	if (dn === undefined) return undefined;
	try {
		return parseDn(dn)[0]?.[0]?.value;
	} catch {
		return undefined;
	}
}

/** A group as read now, with the DNs of its direct members and its record. */
export interface GroupObservation {
	group: DirectoryGroup;
	memberDns: string[];
	record: GroupRecord;
}

/** Attributes (lower case) whose modification in a change log means the password was set. */
export const PASSWORD_ATTRIBUTES: ReadonlySet<string> = new Set(['userpassword', 'pwdchangedtime']);

/** What the strategy knows about one entry's change besides its before and after state. */
export interface ChangeContext {
	/** Makes the event ids of this change stable: the same change read twice has the same stamp. */
	stamp: string;
	occurredAt?: string;
	actor?: EventActor;
	/**
	 * Earlier values by lower-case attribute name, for the attributes whose earlier values the source
	 * knows (accesslog reqOld); an empty list: the attribute was empty. An attribute not listed is unknown.
	 */
	before?: Record<string, string[]>;
	/** Values the source says this change removed (accesslog `member:- <DN>`): names removed members exactly. */
	removedValues?: string[];
	/**
	 * Lower-case names of the attributes the source says this change wrote (cn=changelog's `changes`): when
	 * the hashes cannot tell which attribute changed, only these are candidates.
	 */
	changedAttributes?: string[];
	/** The source says this change set the password (a log record modifying a PASSWORD_ATTRIBUTES one). */
	passwordChanged?: boolean;
	/** The DN before a rename, when known. */
	previousDn?: string;
	/** What the source still knows of a deleted entry. */
	deleted?: Partial<DirectoryUser> & Partial<DirectoryGroup>;
}

export interface DiffEnvironment {
	source: EventSource;
	detectedAt: string;
	/** The directory attribute behind a watched field (title → title, department → ou...). */
	attributeOf(field: WatchedUserField): string;
	extraAttributes: string[];
	/** Names a group member from the hash of its DN (removed members: the DN is gone from the group). */
	memberByDnHash(hash: number): EventUser | undefined;
	/** Names a group member from its DN (added members). */
	memberByDn(dn: string): EventUser;
	/** A member that is a group of the snapshot, by its DN (added) or the hash of its DN (removed). */
	memberGroupByDn?(dn: string): EventMemberGroup | undefined;
	memberGroupByDnHash?(hash: number): EventMemberGroup | undefined;
	/**
	 * Whether a user's password stamp read now is certainly not the one stored (snapshot/password-watermark.ts): a
	 * changed stamp whose one-byte hash collides. Absent or false: only the hash tells.
	 */
	passwordStampIsNew?(key: string, stamp: string | undefined): boolean;
	/** Whether a group DN hash is one of the privileged groups configured by DN (a deleted group's record). */
	privilegedDnHash?(hash: number): boolean;
	/**
	 * Where the DN does not carry the name (OTDS: the location holds the uuid), the field whose change is
	 * the rename (OTDS: login, the `name@partition` id). Undefined: a rename is a new DN.
	 */
	nameField?: WatchedUserField;
	/**
	 * The naming attributes of a DN, its first RDN (`uid=jdoe,ou=people,...` → uid: jdoe), so that a watched
	 * field a rename changed (login, when the RDN is uid) is reported with the rename and not again as an update.
	 */
	rdnOf?(dn: string): RdnValue[];
}

/** One attribute type and value of an RDN. */
export interface RdnValue {
	type: string;
	value: string;
}

function asValue(values: string[] | undefined): string | string[] | null {
	if (values === undefined || values.length === 0) return null;
	return values.length === 1 ? values[0] : values;
}

/** A change record; `before` only when it is known (undefined: left out, see AttributeChangeRecord). */
function changeOf(
	attribute: string,
	before: string | string[] | null | undefined,
	after: string | string[] | null | undefined,
): AttributeChangeRecord {
	return before === undefined ? { attribute, after: after ?? null } : { attribute, before, after: after ?? null };
}

/** The earlier value of an attribute as the context knows it; undefined when it does not. */
function knownBefore(context: ChangeContext, attribute: string): string | string[] | null | undefined {
	const values = context.before?.[attribute.toLowerCase()];
	return values === undefined ? undefined : asValue(values);
}

function makeEvent(
	env: DiffEnvironment,
	context: ChangeContext,
	type: DirectoryEventType,
	key: string,
	subject: Pick<DirectoryEvent, 'user' | 'group' | 'memberGroup'>,
	changes: AttributeChangeRecord[],
	stampSuffix = '',
): DirectoryEvent {
	const event: DirectoryEvent = {
		id: eventId(env.source, key, type, context.stamp + stampSuffix),
		type,
		occurredAt: context.occurredAt,
		detectedAt: env.detectedAt,
		source: env.source,
		...subject,
		changes,
	};
	if (context.actor !== undefined) event.actor = context.actor;
	return event;
}

/** The change a password set makes to a required reset. */
export const RESET_CLEARED: AttributeChangeRecord = {
	attribute: 'passwordResetRequired',
	before: 'true',
	after: 'false',
};

const STATUS_EVENTS: Array<[keyof AccountStatus, DirectoryEventType, DirectoryEventType | undefined]> = [
	['disabled', 'user.disabled', 'user.enabled'],
	['locked', 'user.locked', 'user.unlocked'],
	// Clearing the flag is part of the user's password change (reported as user.passwordChanged).
	['passwordResetRequired', 'user.passwordResetRequired', undefined],
];

/** The events of one user between two states; `before` or `after` is undefined when it did not exist. */
export function diffUser(
	before: UserRecord | undefined,
	after: UserObservation | undefined,
	context: ChangeContext,
	env: DiffEnvironment,
): DirectoryEvent[] {
	if (before === undefined && after === undefined) return [];
	if (after === undefined) {
		const record = before as UserRecord;
		const user: EventUser = { ...(context.deleted as Partial<DirectoryUser>), id: context.deleted?.id ?? record.id };
		return [makeEvent(env, context, 'user.deleted', record.id, { user }, [])];
	}
	const { user, record } = after;
	if (before === undefined) {
		const changes = WATCHED_USER_FIELDS.filter((field) => user[field] !== undefined && user[field] !== '').map(
			(field) => ({
				attribute: env.attributeOf(field),
				before: null,
				after: user[field] ?? null,
			}),
		);
		return [makeEvent(env, context, 'user.created', record.id, { user }, changes)];
	}
	const events: DirectoryEvent[] = [];
	const rename = renameOf(before, after, context, env);
	if (rename !== undefined) {
		// The snapshot keeps hashes of the DN and the name: their former values are known only from a log.
		const changes: AttributeChangeRecord[] = [];
		if (before.dnHash !== record.dnHash) changes.push(changeOf('dn', context.previousDn, user.dn));
		for (const index of rename.changed) {
			const field = WATCHED_USER_FIELDS[index];
			const attribute = env.attributeOf(field);
			changes.push(
				changeOf(
					attribute,
					knownBefore(context, attribute) ?? rdnValueOf(env, context.previousDn, attribute),
					user[field],
				),
			);
		}
		events.push(makeEvent(env, context, 'user.renamed', record.id, { user }, changes));
	}
	for (const [flag, raised, cleared] of STATUS_EVENTS) {
		if (before.status[flag] === record.status[flag]) continue;
		const type = record.status[flag] ? raised : cleared;
		if (type === undefined) continue;
		// The snapshot keeps the status flags themselves: the earlier value is always known.
		const change = { attribute: flag, before: String(before.status[flag]), after: String(record.status[flag]) };
		events.push(makeEvent(env, context, type, record.id, { user }, [change]));
	}
	if (passwordWasSet(before, after, context, env)) {
		// A cleared reset is named, so that a change found to be no password set (password-confirmation.ts) is still told.
		const cleared = before.status.passwordResetRequired ? [{ ...RESET_CLEARED }] : [];
		events.push(makeEvent(env, context, 'user.passwordChanged', record.id, { user }, cleared));
	}
	const changes = changedAttributes(before, after, context, env, rename);
	if (changes.length > 0) events.push(makeEvent(env, context, 'user.updated', record.id, { user }, changes));
	return events;
}

/** A rename: the watched fields that name the entry, and those of them the rename changed. */
interface Rename {
	naming: Set<number>;
	changed: number[];
}

/**
 * Whether the user was renamed (a new DN; OTDS: a new name), and which watched fields belong to the rename:
 * those its RDN holds, before or after (uid → login). Their change is the rename, reported once, with it.
 * When the whole hash moved but no field hash tells which (their 4-bit hashes collided) and nothing but
 * the naming fields can explain it, it was the rename.
 */
function renameOf(
	before: UserRecord,
	after: UserObservation,
	context: ChangeContext,
	env: DiffEnvironment,
): Rename | undefined {
	const record = after.record;
	const naming = new Set<number>();
	if (env.nameField !== undefined) naming.add(WATCHED_USER_FIELDS.indexOf(env.nameField));
	const moved = before.dnHash !== record.dnHash;
	if (moved && env.rdnOf !== undefined) {
		const types = new Set(
			[after.user.dn, context.previousDn]
				.flatMap((dn) => (dn === undefined ? [] : (env.rdnOf?.(dn) ?? [])))
				.map((rdn) => rdn.type.toLowerCase()),
		);
		WATCHED_USER_FIELDS.forEach((field, index) => {
			if (types.has(env.attributeOf(field).toLowerCase())) naming.add(index);
		});
	}
	const fieldMoved = (index: number) => before.fieldHashes[index] !== record.fieldHashes[index];
	// The former DN, when a log gives it, tells what a naming field was even when its 2-bit hash collides
	// (compared ignoring case, as naming attributes match: uid, cn).
	const renamedFrom = (index: number) => {
		const former = rdnValueOf(env, context.previousDn, env.attributeOf(WATCHED_USER_FIELDS[index]));
		return (
			former !== undefined && former.toLowerCase() !== (after.user[WATCHED_USER_FIELDS[index]] ?? '').toLowerCase()
		);
	};
	let changed = [...naming].filter((index) => fieldMoved(index) || renamedFrom(index));
	const onlyNaming =
		WATCHED_USER_FIELDS.every((_, index) => naming.has(index) || !fieldMoved(index)) &&
		(before.extrasHash === 0 || before.extrasHash === record.extrasHash);
	if (moved && changed.length === 0 && naming.size > 0 && onlyNaming && before.valuesHash !== record.valuesHash)
		changed = [...naming];
	if (!moved && changed.length === 0) return undefined;
	return { naming, changed: changed.sort((a, b) => a - b) };
}

/** The value of `attribute` in a DN's RDN, when the DN is known and its RDN holds that attribute. */
function rdnValueOf(env: DiffEnvironment, dn: string | undefined, attribute: string): string | undefined {
	if (dn === undefined) return undefined;
	return env.rdnOf?.(dn).find((rdn) => rdn.type.toLowerCase() === attribute.toLowerCase())?.value;
}

/**
 * A user who still exists but no longer matches the watched scope (User Filter, Segment): not a deletion.
 * The events of the change that took them out, as far as the record tells, always with one user.updated,
 * each marked `scope: 'left'`.
 */
export function diffUserLeavingScope(
	before: UserRecord,
	after: UserObservation,
	context: ChangeContext,
	env: DiffEnvironment,
): DirectoryEvent[] {
	const events = diffUser(before, after, context, env);
	if (!events.some((event) => event.type === 'user.updated'))
		events.push(makeEvent(env, context, 'user.updated', after.record.id, { user: after.user }, []));
	for (const event of events) event.scope = 'left';
	return events;
}

/**
 * A user who was in the directory before but came into the watched scope now (User Filter, Segment): not a
 * creation. One user.updated marked `scope: 'entered'`, listing what may have brought them in (the earlier
 * values are unknown unless a log says, so the candidates are `uncertain`).
 */
export function diffUserEnteringScope(
	after: UserObservation,
	context: ChangeContext,
	env: DiffEnvironment,
): DirectoryEvent[] {
	const { user, record } = after;
	const fields = WATCHED_USER_FIELDS.map((field): Candidate => [env.attributeOf(field), user[field]]);
	const extras = env.extraAttributes.map((attribute): Candidate => [attribute, user.attributes[attribute]]);
	const event = makeEvent(
		env,
		context,
		'user.updated',
		record.id,
		{ user },
		candidateChanges([...fields, ...extras], context),
	);
	event.scope = 'entered';
	return [event];
}

/**
 * Whether the user set a password: the stored stamp's hash moved, or the watermark or a log says the stamp
 * did (a one-byte hash collides once in 256). pwdChangedTime has one-second resolution: a reset and the
 * user's change in the same second leave it unchanged, but the reset flag clears only when the user sets a
 * password. A password set while a reset is required is an administrator's reset (user.passwordResetRequired).
 */
function passwordWasSet(
	before: UserRecord,
	after: UserObservation,
	context: ChangeContext,
	env: DiffEnvironment,
): boolean {
	const record = after.record;
	if (record.status.passwordResetRequired) return false;
	const resetCleared = before.status.passwordResetRequired;
	return (
		before.passwordHash !== record.passwordHash ||
		resetCleared ||
		context.passwordChanged === true ||
		env.passwordStampIsNew?.(record.id, after.passwordStamp) === true
	);
}

/**
 * The attributes that changed, but those of a rename (reported with it). Field hashes (4 bits) and the extra attributes' hash (3 bits) name them;
 * when only the whole hash moved (theirs collided), every attribute that may have changed is listed
 * with its value now and marked `uncertain`, so that an update is never empty nor dropped.
 */
function changedAttributes(
	before: UserRecord,
	after: UserObservation,
	context: ChangeContext,
	env: DiffEnvironment,
	rename: Rename | undefined,
): AttributeChangeRecord[] {
	const { user, record } = after;
	const changes: AttributeChangeRecord[] = [];
	WATCHED_USER_FIELDS.forEach((field, index) => {
		// A naming field's change is the rename, reported above.
		if (before.fieldHashes[index] === record.fieldHashes[index] || rename?.naming.has(index) === true) return;
		const attribute = env.attributeOf(field);
		changes.push(changeOf(attribute, knownBefore(context, attribute), user[field]));
	});
	const extras = env.extraAttributes.map((attribute): Candidate => [attribute, user.attributes[attribute]]);
	// 0: a record written before the extras' hash was kept, which cannot tell.
	if (before.extrasHash !== 0 && before.extrasHash !== record.extrasHash)
		changes.push(...candidateChanges(extras, context));
	// The whole hash covers the naming fields too: after a rename that changed one, it says nothing more.
	if (changes.length > 0 || before.valuesHash === record.valuesHash || (rename?.changed.length ?? 0) > 0)
		return changes;
	const fields = WATCHED_USER_FIELDS.map((field): Candidate => [env.attributeOf(field), user[field]]);
	return candidateChanges([...fields, ...extras], context);
}

/** An attribute that may have changed, with its value now. */
type Candidate = [attribute: string, now: string | string[] | undefined];

/**
 * Candidates of which at least one changed: those a log knows changed, if any; else every one whose
 * earlier value is unknown, marked `uncertain` (unless it is the only one: then it certainly changed).
 */
function candidateChanges(candidates: Candidate[], context: ChangeContext): AttributeChangeRecord[] {
	const known: AttributeChangeRecord[] = [];
	const unknown: Candidate[] = [];
	for (const [attribute, now] of candidates) {
		const earlier = knownBefore(context, attribute);
		if (earlier === undefined) unknown.push([attribute, now]);
		else if (!sameValue(earlier, now)) known.push(changeOf(attribute, earlier, now));
	}
	if (known.length > 0) return known;
	// A log that names what the change wrote rules the other candidates out.
	const written = context.changedAttributes;
	const named = written === undefined ? [] : unknown.filter(([attribute]) => written.includes(attribute.toLowerCase()));
	// Every earlier value known and equal cannot be (a hash moved): then nothing rules a candidate out.
	const open = named.length > 0 ? named : unknown.length > 0 ? unknown : candidates;
	if (open.length === 1) return [changeOf(open[0][0], undefined, open[0][1])];
	return open.map(([attribute, now]) => ({ attribute, after: now ?? null, uncertain: true }));
}

/** The events of one group between two states. */
export function diffGroup(
	before: GroupRecord | undefined,
	after: GroupObservation | undefined,
	context: ChangeContext,
	env: DiffEnvironment,
): DirectoryEvent[] {
	if (before === undefined && after === undefined) return [];
	if (after === undefined) {
		const record = before as GroupRecord;
		// The record keeps whether the group was privileged (its name and DN are gone with it); a record
		// stored before it kept that flag is matched by its DN hash against the groups configured by DN.
		const privileged =
			context.deleted?.privileged ?? (record.privileged || env.privilegedDnHash?.(record.dnHash) === true);
		return [
			makeEvent(
				env,
				context,
				'group.deleted',
				record.id,
				{ group: deletedGroupOf(context.deleted, record.id, privileged) },
				[],
			),
		];
	}
	const { group, record, memberDns } = after;
	const events: DirectoryEvent[] = [];
	if (before === undefined) {
		const changes = [{ attribute: 'name', before: null, after: group.name }];
		events.push(makeEvent(env, context, 'group.created', record.id, { group }, changes));
	} else if (before.valuesHash !== record.valuesHash || before.dnHash !== record.dnHash) {
		const changes: AttributeChangeRecord[] = [];
		if (before.dnHash !== record.dnHash) changes.push(changeOf('dn', context.previousDn, group.dn));
		if (before.valuesHash !== record.valuesHash) {
			// One hash covers name and description: a log says which changed; without one, both are listed as they are now.
			const named = ['cn', 'description'].filter((attribute) => context.before?.[attribute] !== undefined);
			const listed = named.length > 0 ? named : ['cn', 'description'];
			if (listed.includes('cn')) changes.push(changeOf('cn', knownBefore(context, 'cn'), group.name));
			if (listed.includes('description'))
				changes.push(changeOf('description', knownBefore(context, 'description'), group.description));
		}
		events.push(makeEvent(env, context, 'group.updated', record.id, { group }, changes));
	}
	// The same members (both lists are sorted and unique): none came or went. A reconciliation compares every
	// group, most of them unchanged, some with tens of thousands of members.
	if (before !== undefined && sameHashes(before.memberHashes, record.memberHashes)) return events;
	const previous = new Set(before?.memberHashes ?? []);
	const current = new Set(record.memberHashes);
	const added: Array<{ dn: string; member: NamedMember }> = [];
	for (const dn of memberDns) {
		const hash = dnHash(dn);
		if (previous.has(hash)) continue;
		previous.add(hash);
		added.push({ dn, member: memberByDn(env, dn) });
	}
	const removed = (before?.memberHashes ?? [])
		.filter((hash) => !current.has(hash))
		.map((hash) => ({ hash, member: memberByDnHash(env, hash) }));
	// A member renamed since the last poll left under its old DN and came back under its new one (the server
	// rewrote the DN in the group: OpenLDAP's memberof or refint overlay, AD): the rename, not a membership change.
	const removedKeys = new Set(removed.map(({ member }) => member.key));
	const renamed = new Set(added.map(({ member }) => member.key).filter((key) => removedKeys.has(key)));
	for (const { dn, member } of added) {
		if (renamed.has(member.key)) continue;
		events.push(
			makeEvent(
				env,
				context,
				'group.memberAdded',
				record.id,
				{ group, ...member.subject },
				[{ attribute: 'member', before: null, after: dn }],
				`+${member.key}`,
			),
		);
	}
	let named: Map<number, string> | undefined;
	for (const { hash, member } of removed) {
		if (renamed.has(member.key)) continue;
		named ??= namedDns(context);
		// The removed value itself: as the log named it, else the member's DN now if it still hashes the same
		// (a member renamed since has another DN: then it is unknown).
		const removedDn =
			named.get(hash) ?? (member.dn !== undefined && dnHash(member.dn) === hash ? member.dn : undefined);
		const change = changeOf('member', removedDn, null);
		events.push(
			makeEvent(
				env,
				context,
				'group.memberRemoved',
				record.id,
				{ group, ...member.subject },
				[change],
				`-${member.key}`,
			),
		);
	}
	return events;
}

function sameHashes(a: number[], b: number[]): boolean {
	if (a.length !== b.length) return false;
	for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
	return true;
}

/** A group member as an event names it: a nested group as `memberGroup`, anyone else as `user`; `key` for the event id. */
interface NamedMember {
	subject: Pick<DirectoryEvent, 'user' | 'memberGroup'>;
	key: string;
	dn?: string;
}

function namedMember(memberGroup: EventMemberGroup | undefined, user: () => EventUser): NamedMember {
	if (memberGroup !== undefined)
		return { subject: { memberGroup }, key: `group:${memberGroup.id}`, dn: memberGroup.dn };
	const named = user();
	return { subject: { user: named }, key: named.id, dn: named.dn };
}

function memberByDn(env: DiffEnvironment, dn: string): NamedMember {
	return namedMember(env.memberGroupByDn?.(dn), () => env.memberByDn(dn));
}

function memberByDnHash(env: DiffEnvironment, hash: number): NamedMember {
	return namedMember(
		env.memberGroupByDnHash?.(hash),
		() => env.memberByDnHash(hash) ?? { id: `dnHash:${hash.toString(16)}` },
	);
}

/** DNs a log named for this change (removed values, earlier members), by DN hash. */
function namedDns(context: ChangeContext): Map<number, string> {
	const named = new Map<number, string>();
	for (const value of [...(context.removedValues ?? []), ...Object.values(context.before ?? {}).flat()]) {
		if (value.includes('=')) named.set(dnHash(value), value);
	}
	return named;
}

function sameValue(a: string | string[] | null, b: string | string[] | undefined): boolean {
	const list = (value: string | string[] | null | undefined) =>
		value === null || value === undefined ? [] : Array.isArray(value) ? [...value].sort() : [value];
	return JSON.stringify(list(a)) === JSON.stringify(list(b));
}
