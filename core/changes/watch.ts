/**
 * What the directory trigger watches, composed from plain options (the trigger maps its parameters to
 * them, see nodes/OpenTextDirectoryServicesTrigger/parameters.ts): over LDAP, the segment and group scope
 * as filters in the profile's attribute names, the attribute mapping over the profile, the typed attribute
 * names checked against the server's schema, and the change strategy for the server; over any other
 * directory backend (OTDS REST), a snapshot. Also the sample event of "Fetch Test Event".
 */
import type { AttributeCondition } from '../directory/conditions';
import { refuseSecretAttribute } from '../directory/attribute-names';
import type { DirectoryBackend } from '../directory/backend';
import { LdapDirectory } from '../ldap/directory';
import { allOf, conditionFilter, equalsAny } from '../ldap/filter';
import type { DirectoryFlavour, FlavourProfile } from '../ldap/flavours';
import { AttributeSchemaCache } from '../ldap/schema';
import { readLdapServer, type LdapServer } from '../ldap/server-info';
import type { UserAttributeMap } from '../model/attribute-map';
import type { DirectoryUser } from '../model/directory-user';
import { LdapSession } from '../../transport/ldap/session';
import type { LdapSettings } from '../ldap/settings';
import { createLdapChangeStrategy, type LdapStrategyChoice } from './ldap/auto';
import { DirectorySnapshotStrategy } from './directory-snapshot';
import {
	DIRECTORY_EVENT_TYPES,
	eventUserOf,
	type AttributeChangeRecord,
	type DirectoryEvent,
	type DirectoryEventType,
} from './events';
import type { ExistingEntriesOptions } from './existing';
import type { EmitOptions } from './state';
import type { ChangeState, PollResult } from './state';
import type { ChangeStrategy } from './strategy';

/** A running watch: the strategy to poll, and what the sample event needs. */
export interface Watch {
	strategy: ChangeStrategy;
	/** Why this strategy (Auto says what it found on the server). */
	reason: string;
	/** The directory itself, for the sample event. */
	backend: DirectoryBackend;
	/** The server watched (LDAP URL, OTDS base URL). */
	server: string;
	/** The event types the workflow wants (empty or absent: all), for the sample event's type. */
	eventTypes?: readonly string[];
}

/** What to emit, whatever the source. */
export type WatchEmitOptions = Pick<EmitOptions, 'eventTypes' | 'groupMembers' | 'bulkThreshold'> &
	ExistingEntriesOptions;

/** Who is watched, whatever the source. */
export interface WatchScopeOptions extends WatchEmitOptions {
	/** The segment: conditions every watched user meets. */
	conditions: AttributeCondition[];
	/** Attributes reported with each user beyond the standard fields, by their directory names. */
	extraAttributes: string[];
	/** Group names or DNs whose groups are marked privileged. */
	privilegedGroups: string[];
}

/** A snapshot watch over a directory backend (OTDS REST). */
export interface DirectoryWatchOptions extends WatchScopeOptions {
	/** The OTDS partition watched (its backend is opened with it too). */
	partition?: string;
	/** Group scope: names containing this text (none: all groups). */
	groupNameContains?: string;
}

/** A watch of an LDAP directory. */
export interface LdapWatchOptions extends WatchScopeOptions {
	strategy: LdapStrategyChoice;
	/** Where users and groups are watched; the credential's base DN when absent. */
	userBaseDN?: string;
	groupBaseDN?: string;
	/** Filters typed in the editor, in parentheses. */
	userFilter?: string;
	groupFilter?: string;
	/** Group scope: only the groups with these names (by the profile's group name attribute); none: all. */
	groupNames: string[];
	/** Attribute Mapping: which attribute holds a user field, over the profile's. */
	attributeMapping: Partial<UserAttributeMap>;
	accesslogDN?: string;
	captureActor: boolean;
	reconcileEvery: number;
	/** Log records (accesslog) or change numbers (changelog) one poll reads at most. */
	logRecordsPerPoll: number;
	tombstoneLifetimeDays?: number;
}

/** The LDAP directory behind the credential. */
export interface LdapWatchTarget {
	session: LdapSession;
	/** The credential's base DN. */
	baseDN: string;
	/** The credential's flavour ('auto': detected from the root DSE). */
	flavour: DirectoryFlavour;
	/**
	 * The server as this activation already read it (to choose the profile for Auto-Detect); when absent,
	 * its root DSE is read here. Either way once per activation.
	 */
	server?: LdapServer;
}

const emitOf = (options: WatchEmitOptions): WatchEmitOptions => ({
	eventTypes: options.eventTypes,
	groupMembers: options.groupMembers,
	bulkThreshold: options.bulkThreshold,
	emitExisting: options.emitExisting,
	existingLimit: options.existingLimit,
});

/** A snapshot of any directory backend, compared each poll (OTDS REST has no change feed). */
export function watchDirectory(backend: DirectoryBackend, server: string, options: DirectoryWatchOptions): Watch {
	const strategy = new DirectorySnapshotStrategy({
		backend,
		server,
		partition: options.partition,
		userSearch: { conditions: options.conditions, state: 'any', extraAttributes: options.extraAttributes },
		groupNameContains: options.groupNameContains,
		...emitOf(options),
	});
	const source = backend.kind === 'otdsRest' ? 'OTDS REST' : 'LDAP';
	return {
		strategy,
		reason: `${source}: a snapshot of identifiers and change stamps, compared each poll`,
		backend,
		server,
		eventTypes: options.eventTypes,
	};
}

/** The profile with the Attribute Mapping's user fields in place of its own. */
export function withAttributeMapping(profile: FlavourProfile, mapping: Partial<UserAttributeMap>): FlavourProfile {
	for (const name of Object.values(mapping)) refuseSecretAttribute(String(name), 'Attribute Mapping');
	return { ...profile, user: { ...profile.user, ...mapping } };
}

/** Schemas read lately, by server (one per process, as the trigger activates every poll). */
const schemas = new AttributeSchemaCache();

/** AND of the non-empty parts; undefined when there is none. */
function allOfPresent(parts: string[]): string | undefined {
	const present = parts.filter((part) => part !== '');
	return present.length === 0 ? undefined : allOf(present);
}

/** The change strategy for an LDAP directory, its profile read from the server once. */
export async function watchLdap(target: LdapWatchTarget, options: LdapWatchOptions): Promise<Watch> {
	const { session } = target;
	const userBaseDN = options.userBaseDN || target.baseDN;
	const groupBaseDN = options.groupBaseDN || target.baseDN;
	const segment = options.conditions.map((condition) => conditionFilter(condition, 'Segment'));
	const read = target.server ?? (await readLdapServer(session, target.flavour));
	const server: LdapServer = { ...read, profile: withAttributeMapping(read.profile, options.attributeMapping) };
	await schemas.check(session, server.info.subschemaSubentry, [
		...options.extraAttributes.map((name) => ({ field: 'Additional Attributes', name })),
		...options.conditions.map((condition) => ({ field: 'Segment', name: condition.attribute })),
		...Object.values(options.attributeMapping).map((name) => ({ field: 'Attribute Mapping', name })),
	]);
	const groupScope = options.groupNames.length > 0 ? equalsAny(server.profile.group.name, options.groupNames) : '';
	const { strategy, reason } = await createLdapChangeStrategy({
		session,
		server,
		strategy: options.strategy,
		userBaseDN,
		groupBaseDN,
		userFilter: allOfPresent([options.userFilter ?? '', ...segment]),
		groupFilter: allOfPresent([options.groupFilter ?? '', groupScope]),
		extraAttributes: options.extraAttributes,
		privilegedGroups: options.privilegedGroups,
		accesslogDN: options.accesslogDN,
		captureActor: options.captureActor,
		reconcileEvery: options.reconcileEvery,
		recordsPerPoll: options.logRecordsPerPoll,
		changelogMaxPerPoll: options.logRecordsPerPoll,
		tombstoneLifetimeDays: options.tombstoneLifetimeDays,
		...emitOf(options),
	});
	const backend = new LdapDirectory(session, server.profile, userBaseDN);
	return { strategy, reason, backend, server: session.server, eventTypes: options.eventTypes };
}

/** How many events "Fetch Test Event" shows at most: a backlog of thousands would only bury the editor. */
export const TEST_EVENT_LIMIT = 20;

/**
 * What "Fetch Test Event" shows of a poll's events: the first TEST_EVENT_LIMIT, the last of them saying in
 * `moreEvents` how many more are pending (the active workflow gets them all).
 */
export function testEventsOf<T extends object>(
	events: T[],
	limit = TEST_EVENT_LIMIT,
): Array<T & { moreEvents?: number }> {
	if (events.length <= limit) return events;
	const shown: Array<T & { moreEvents?: number }> = events.slice(0, limit);
	shown[limit - 1] = { ...shown[limit - 1], moreEvents: events.length - limit };
	return shown;
}

/** The sample's type: user.updated when the workflow wants it (the most common event), else its first type. */
function sampleTypeOf(wanted: readonly string[] | undefined): DirectoryEventType {
	const known = (wanted ?? []).filter((type): type is DirectoryEventType =>
		(DIRECTORY_EVENT_TYPES as readonly string[]).includes(type),
	);
	if (known.length === 0 || known.includes('user.updated')) return 'user.updated';
	return known[0];
}

async function firstOf<T>(pages: AsyncGenerator<T[]>): Promise<T | undefined> {
	for await (const page of pages) {
		if (page.length > 0) return page[0];
	}
	return undefined;
}

/** One LDAP poll and the strategy that ran it. */
export interface LdapPoll extends PollResult {
	strategy: Watch['strategy']['name'];
	reason: string;
	server: string;
}

/**
 * One poll on a session of its own, from `cursor`: what the listening trigger runs each time it is woken, the
 * polling trigger's watch and strategy unchanged. The root DSE is read each time, since a fail-over may have
 * brought another server.
 */
export async function pollLdapOnce(
	settings: LdapSettings,
	options: LdapWatchOptions,
	cursor: ChangeState | undefined,
): Promise<LdapPoll> {
	return LdapSession.use(settings, (session) => pollOn(session, settings, options, cursor));
}

async function pollOn(
	session: LdapSession,
	settings: LdapSettings,
	options: LdapWatchOptions,
	cursor: ChangeState | undefined,
): Promise<LdapPoll> {
	const watch = await watchLdap({ session, baseDN: settings.baseDN, flavour: settings.flavour }, options);
	const result = await watch.strategy.poll(cursor);
	return { ...result, strategy: watch.strategy.name, reason: watch.reason, server: watch.server };
}

/**
 * pollLdapOnce over one connection kept open from one poll to the next, for the listening trigger, which reads
 * at every announced change: a connection per read costs a TLS handshake and a bind each time (on a Samba AD DC
 * under load, as long as the read itself). A poll that fails on the kept connection is tried once more on a new
 * one, since the server may have closed it meanwhile (restarted, idle timeout); a poll that fails on a new one
 * leaves no connection open. Polls run one at a time (the listener's reads do).
 */
export class KeptLdapPoller {
	private session?: LdapSession;

	constructor(private readonly settings: LdapSettings) {}

	async poll(options: LdapWatchOptions, cursor: ChangeState | undefined): Promise<LdapPoll> {
		const kept = this.session;
		if (kept !== undefined) {
			try {
				return await pollOn(kept, this.settings, options, cursor);
			} catch {
				await this.close();
			}
		}
		const session = await LdapSession.open(this.settings);
		this.session = session;
		let polled = false;
		try {
			const result = await pollOn(session, this.settings, options, cursor);
			polled = true;
			return result;
		} finally {
			if (!polled) await this.close();
		}
	}

	/** Closes the kept connection, if any. */
	async close(): Promise<void> {
		const session = this.session;
		this.session = undefined;
		await session?.close();
	}
}

/**
 * A realistic event for the editor's "Fetch Test Event" when nothing changed yet, of a type the workflow
 * wants (its Events): real people and groups of the directory, shaped exactly like such an event, marked
 * `sample: true`.
 */
export async function sampleEvent(watch: Watch): Promise<DirectoryEvent & { sample: true }> {
	const type = sampleTypeOf(watch.eventTypes);
	const now = new Date().toISOString();
	const source = { kind: watch.backend.kind, server: watch.server, strategy: watch.strategy.name };
	const event = { type, occurredAt: now, detectedAt: now, source, sample: true as const };
	const needsUser = type.startsWith('user.') || type === 'group.memberAdded' || type === 'group.memberRemoved';
	const user = needsUser ? await firstOf(watch.backend.searchUsers({ limit: 1 })) : undefined;
	const group = type.startsWith('group.') ? await firstOf(watch.backend.searchGroups({ limit: 1 })) : undefined;
	const subject = user?.id ?? group?.id ?? 'directory';
	const id = `sample-${type}-${subject}`;
	switch (type) {
		case 'user.created':
			return { ...event, id, user: user ?? { id: 'sample' }, changes: createdChanges(user) };
		case 'user.updated':
			// As a hashes-only strategy reports it: the earlier value unknown, so no `before`.
			return {
				...event,
				id,
				user: user ?? { id: 'sample' },
				changes: [{ attribute: 'title', after: user?.title ?? null }],
			};
		case 'user.renamed':
			return { ...event, id, user: user ?? { id: 'sample' }, changes: [{ attribute: 'dn', after: user?.dn ?? null }] };
		case 'user.deleted':
		case 'user.passwordChanged':
			return { ...event, id, user: user ?? { id: 'sample' }, changes: [] };
		case 'user.enabled':
		case 'user.disabled':
		case 'user.locked':
		case 'user.unlocked':
		case 'user.passwordResetRequired': {
			const [flag, raised] = STATUS_SAMPLES[type];
			const change = { attribute: flag, before: String(!raised), after: String(raised) };
			return { ...event, id, user: user ?? { id: 'sample' }, changes: [change] };
		}
		case 'group.created':
			return {
				...event,
				id,
				group: group ?? SAMPLE_GROUP,
				changes: [{ attribute: 'name', before: null, after: group?.name ?? null }],
			};
		case 'group.updated':
			return {
				...event,
				id,
				group: group ?? SAMPLE_GROUP,
				changes: [{ attribute: 'description', after: group?.description ?? null }],
			};
		case 'group.deleted':
			return { ...event, id, group: group ?? SAMPLE_GROUP, changes: [] };
		case 'group.memberAdded':
		case 'group.memberRemoved': {
			const member = user ? eventUserOf(user) : { id: 'sample' };
			const dn = user?.dn ?? null;
			const change =
				type === 'group.memberAdded'
					? { attribute: 'member', before: null, after: dn }
					: { attribute: 'member', before: dn, after: null };
			return { ...event, id, group: group ?? SAMPLE_GROUP, user: member, changes: [change] };
		}
		case 'directory.bulkChange':
			return { ...event, id, changes: [], summary: { counts: { 'user.updated': 150 }, total: 150 } };
		case 'directory.resync':
			return { ...event, id, changes: [], summary: { reason: 'sample: the stored change state could not be used' } };
	}
}

const SAMPLE_GROUP = { id: 'sample', privileged: false };

/** The account status flag each status event reports, and whether the event raises it. */
const STATUS_SAMPLES: Record<string, [string, boolean]> = {
	'user.enabled': ['disabled', false],
	'user.disabled': ['disabled', true],
	'user.locked': ['locked', true],
	'user.unlocked': ['locked', false],
	'user.passwordResetRequired': ['passwordResetRequired', true],
};

/** A created user's fields, as user.created lists them: each from nothing to its value. */
function createdChanges(user: DirectoryUser | undefined): AttributeChangeRecord[] {
	if (!user) return [];
	return (['login', 'mail', 'displayName', 'department', 'title'] as const)
		.filter((field) => user[field] !== undefined && user[field] !== '')
		.map((field) => ({ attribute: field, before: null, after: String(user[field]) }));
}
