/**
 * Turns "what the snapshot remembered" and "what the directory says now" into events. Every strategy
 * ends here: it only decides which entries to look at, and adds what it knows besides (time, actor,
 * earlier values). One entry can yield several events at once (renamed and locked, say).
 */
import type { DirectoryGroup } from '../model/directory-group';
import type { AccountStatus, DirectoryUser } from '../model/directory-user';
import {
	eventId,
	type AttributeChangeRecord,
	type DirectoryEvent,
	type DirectoryEventType,
	type EventActor,
	type EventSource,
	type EventUser,
} from './events';
import { dnHash, WATCHED_USER_FIELDS, type GroupRecord, type UserRecord, type WatchedUserField } from './snapshot';

/** A user as read now, with its record. */
export interface UserObservation {
	user: DirectoryUser;
	record: UserRecord;
}

/** A group as read now, with the DNs of its direct members and its record. */
export interface GroupObservation {
	group: DirectoryGroup;
	memberDns: string[];
	record: GroupRecord;
}

/** What the strategy knows about one entry's change besides its before and after state. */
export interface ChangeContext {
	/** Makes the event ids of this change stable: the same change read twice has the same stamp. */
	stamp: string;
	occurredAt?: string;
	actor?: EventActor;
	/** Earlier values by lower-case attribute name, when the source keeps them (accesslog reqOld). */
	before?: Record<string, string[]>;
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
}

function asValue(values: string[] | undefined): string | string[] | null {
	if (values === undefined || values.length === 0) return null;
	return values.length === 1 ? values[0] : values;
}

function makeEvent(
	env: DiffEnvironment,
	context: ChangeContext,
	type: DirectoryEventType,
	key: string,
	subject: Pick<DirectoryEvent, 'user' | 'group'>,
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
	const oldValue = (attribute: string) => asValue(context.before?.[attribute.toLowerCase()]);
	if (before === undefined) {
		const changes = WATCHED_USER_FIELDS.filter((field) => user[field] !== undefined && user[field] !== '').map((field) => ({
			attribute: env.attributeOf(field),
			before: null,
			after: user[field] ?? null,
		}));
		return [makeEvent(env, context, 'user.created', record.id, { user }, changes)];
	}
	const events: DirectoryEvent[] = [];
	if (before.dnHash !== record.dnHash) {
		const change = { attribute: 'dn', before: context.previousDn ?? null, after: user.dn };
		events.push(makeEvent(env, context, 'user.renamed', record.id, { user }, [change]));
	}
	for (const [flag, raised, cleared] of STATUS_EVENTS) {
		if (before.status[flag] === record.status[flag]) continue;
		const type = record.status[flag] ? raised : cleared;
		if (type === undefined) continue;
		const change = { attribute: flag, before: String(before.status[flag]), after: String(record.status[flag]) };
		events.push(makeEvent(env, context, type, record.id, { user }, [change]));
	}
	const resetJustRequired = record.status.passwordResetRequired && !before.status.passwordResetRequired;
	// pwdChangedTime has one-second resolution: a reset and the user's change in the same second leave it
	// unchanged, but the reset flag clears only when the user sets a password.
	const resetCleared = before.status.passwordResetRequired && !record.status.passwordResetRequired;
	if ((before.passwordHash !== record.passwordHash || resetCleared) && !resetJustRequired) {
		events.push(makeEvent(env, context, 'user.passwordChanged', record.id, { user }, []));
	}
	const changes: AttributeChangeRecord[] = [];
	WATCHED_USER_FIELDS.forEach((field, index) => {
		if (before.fieldHashes[index] === record.fieldHashes[index]) return;
		const attribute = env.attributeOf(field);
		changes.push({ attribute, before: oldValue(attribute), after: user[field] ?? null });
	});
	if (changes.length === 0 && before.valuesHash !== record.valuesHash) {
		// Only an extra attribute (or a field whose 4-bit hash collided) changed: name what may have.
		for (const attribute of env.extraAttributes) {
			changes.push({ attribute, before: oldValue(attribute), after: user.attributes[attribute] ?? null });
		}
		if (env.extraAttributes.length === 0) {
			for (const field of WATCHED_USER_FIELDS) {
				const attribute = env.attributeOf(field);
				if (context.before?.[attribute.toLowerCase()]) changes.push({ attribute, before: oldValue(attribute), after: user[field] ?? null });
			}
		}
	}
	if (changes.length > 0 || before.valuesHash !== record.valuesHash) {
		events.push(makeEvent(env, context, 'user.updated', record.id, { user }, changes));
	}
	return events;
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
		const deleted = context.deleted as Partial<DirectoryGroup> | undefined;
		const group = { ...deleted, id: deleted?.id ?? record.id, privileged: deleted?.privileged ?? false };
		return [makeEvent(env, context, 'group.deleted', record.id, { group }, [])];
	}
	const { group, record, memberDns } = after;
	const events: DirectoryEvent[] = [];
	if (before === undefined) {
		const changes = [{ attribute: 'name', before: null, after: group.name }];
		events.push(makeEvent(env, context, 'group.created', record.id, { group }, changes));
	} else if (before.valuesHash !== record.valuesHash || before.dnHash !== record.dnHash) {
		const changes: AttributeChangeRecord[] = [];
		if (before.dnHash !== record.dnHash) changes.push({ attribute: 'dn', before: context.previousDn ?? null, after: group.dn });
		if (before.valuesHash !== record.valuesHash) {
			changes.push({ attribute: 'cn', before: asValue(context.before?.cn), after: group.name });
			changes.push({ attribute: 'description', before: asValue(context.before?.description), after: group.description ?? null });
		}
		events.push(makeEvent(env, context, 'group.updated', record.id, { group }, changes));
	}
	const previous = new Set(before?.memberHashes ?? []);
	const current = new Set(record.memberHashes);
	for (const dn of memberDns) {
		const hash = dnHash(dn);
		if (previous.has(hash)) continue;
		previous.add(hash);
		const user = env.memberByDn(dn);
		events.push(makeEvent(env, context, 'group.memberAdded', record.id, { group, user }, [{ attribute: 'member', before: null, after: dn }], `+${user.id}`));
	}
	for (const hash of before?.memberHashes ?? []) {
		if (current.has(hash)) continue;
		const user = env.memberByDnHash(hash) ?? { id: `dnHash:${hash.toString(16)}` };
		const change = { attribute: 'member', before: user.dn ?? null, after: null };
		events.push(makeEvent(env, context, 'group.memberRemoved', record.id, { group, user }, [change], `-${user.id}`));
	}
	return events;
}
