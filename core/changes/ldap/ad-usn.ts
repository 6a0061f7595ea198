/**
 * Active Directory: `uSNChanged` on one fixed domain controller, with tombstones for deletes.
 * The DC's highestCommittedUSN is read BEFORE searching (a change committed during the search is read
 * again next time, never skipped); USNs are per DC, so the cursor is stored with the DC's name and
 * invocationID, and a different DC or a restored one (new invocationID) means reconciliation and
 * directory.resync. Deleted objects are found with the Show Deleted control (isDeleted=TRUE), read in
 * pages: a burst of deletes bigger than the DC's MaxPageSize (1,000) must not fail every poll.
 *
 * A tombstone is garbage-collected once the forest's tombstone lifetime has passed since the delete, and
 * every delete after the cursor happened after the cursor was read: so when more than the lifetime has
 * passed since then, deletes may be gone for good and the poll reconciles (directory.resync). When the
 * cursor was read is kept in the cursor context (`dnsHostName|invocationID|ISO time`).
 *
 * Verified against a real Samba 4.17 AD DC (test/integration/real-ad-changes.test.ts: every event type,
 * tombstones, a restart and a kill between and in polls); not against Windows AD, none runs here. The DC
 * change, restore and tombstone lifetime paths are unit-tested on handwritten responses
 * (test/unit/changes-changelog-ad.test.ts).
 */
import { ConfigurationError } from '../../errors';
import { Control, type Entry } from '../../../transport/ldap/ldapts';
import { escapeDnValue } from '../../ldap/escape';
import { parseDn } from '../../ldap/dn';
import { attributeValue, attributeValues, binaryValue } from '../../ldap/entry';
import { anyOf } from '../../ldap/filter';
import { idFilter } from '../../ldap/identifiers';
import { guidToString } from '../../ldap/flavours/active-directory';
import type { ChangeContext } from '../differ';
import { generalizedTimeToIso } from '../events';
import type { LdapChangeReader } from './reader';
import type { LdapPollCore } from './poller';
import { LdapStrategyBase, type LdapStrategyOptions } from './strategies';
import { recordKeyOf } from '../snapshot/record-key';
import type { ChangeState } from '../state';
import { snapshotOf, type StrategyStep } from '../strategy';

export const SHOW_DELETED_OID = '1.2.840.113556.1.4.417';
/** What AD uses when tombstoneLifetime is not set (forests older than Windows Server 2003 SP1). */
export const DEFAULT_TOMBSTONE_LIFETIME_DAYS = 60;
/** AD's lowest tombstone lifetime: a lower value is not used as such. */
const MIN_TOMBSTONE_LIFETIME_DAYS = 2;
const DAY_MS = 86_400_000;
/** AD's default MaxPageSize. */
const TOMBSTONE_PAGE_SIZE = 1000;
/** Ids per tombstone search when deletes found by a reconciliation are described (one OR filter). */
const RECONCILED_DELETES_PER_SEARCH = 100;

export interface AdUsnStrategyOptions extends LdapStrategyOptions {
	/**
	 * The forest's tombstone lifetime in days. Default: read from CN=Directory Service,CN=Windows NT,
	 * CN=Services in the configuration partition (60 when it is not set there or cannot be read).
	 */
	tombstoneLifetimeDays?: number;
}

/** The DC a USN cursor belongs to: `dnsHostName|invocationID`. */
export function adCursorContext(rootDse: Entry, ntdsSettings: Entry | undefined): string {
	const invocation = ntdsSettings ? binaryValue(ntdsSettings, 'invocationId') : undefined;
	const invocationText = invocation
		? guidToString(invocation)
		: ((ntdsSettings ? attributeValue(ntdsSettings, 'invocationId') : undefined) ?? '');
	return `${(attributeValue(rootDse, 'dnsHostName') ?? '').toLowerCase()}|${invocationText.toLowerCase()}`;
}

/** A stored cursor context: the DC (`dnsHostName|invocationID`) and, when recorded, when the cursor was read. */
export function parseAdCursorContext(context: string | undefined): { dc: string; readAt?: Date } {
	const [host = '', invocation = '', time] = (context ?? '').split('|');
	const readAt = time === undefined ? undefined : new Date(time);
	return {
		dc: `${host}|${invocation}`,
		readAt: readAt !== undefined && !Number.isNaN(readAt.getTime()) ? readAt : undefined,
	};
}

/** Why a stored USN cursor cannot be continued, or undefined when it can. */
export function adCursorProblem(
	previousContext: string | undefined,
	currentContext: string,
	cursor: string | undefined,
	highest: number,
): string | undefined {
	if (cursor === undefined || !/^\d+$/.test(cursor)) return 'no uSNChanged position was stored';
	const previousDc = parseAdCursorContext(previousContext).dc;
	const currentDc = parseAdCursorContext(currentContext).dc;
	if (previousDc !== currentDc) {
		const [previousHost] = previousDc.split('|');
		const [currentHost] = currentDc.split('|');
		return previousHost === currentHost
			? 'the domain controller was restored (its invocationID changed): USNs restarted'
			: `the poll reached another domain controller (${currentHost || 'unknown'} instead of ${previousHost || 'unknown'}): USNs are per DC`;
	}
	if (highest < Number(cursor)) return 'the domain controller reports a lower USN than the stored one';
	return undefined;
}

/** The tombstone lifetime in days the Directory Service object states; AD's default when it states none usable. */
export function tombstoneLifetimeOf(directoryService: Entry | undefined): number {
	const days = Number(directoryService ? attributeValue(directoryService, 'tombstoneLifetime') : undefined);
	return Number.isInteger(days) && days >= MIN_TOMBSTONE_LIFETIME_DAYS ? days : DEFAULT_TOMBSTONE_LIFETIME_DAYS;
}

/**
 * Why deletes after the cursor may be gone for good, or undefined. `readAt`: when the cursor was read;
 * a state stored before it was recorded gives a lower bound instead (`notBefore`, its newest change
 * stamp: the cursor was read after that change); neither known: the gap is unknown, so assume the worst.
 */
export function tombstoneGapProblem(
	readAt: Date | undefined,
	notBefore: Date | undefined,
	now: Date,
	lifetimeDays: number,
): string | undefined {
	const since = readAt ?? notBefore;
	if (since === undefined)
		return `when the last poll ran is not known, and deletions older than the tombstone lifetime (${lifetimeDays} days) are gone for good`;
	const days = (now.getTime() - since.getTime()) / DAY_MS;
	if (days <= lifetimeDays) return undefined;
	return `${Math.floor(days)} days passed since ${readAt ? 'the last poll' : 'the newest change the last poll saw'}, more than the tombstone lifetime (${lifetimeDays} days): deletions may be gone for good`;
}

/** A tombstone's id, last known place and name (the original RDN value, from msDS-LastKnownRDN or the mangled one). */
export function parseTombstone(entry: Entry): { id?: string; lastKnownParent?: string; name?: string; login?: string } {
	const guid = binaryValue(entry, 'objectGUID');
	return {
		id: guid ? guidToString(guid) : attributeValue(entry, 'objectGUID'),
		lastKnownParent: attributeValue(entry, 'lastKnownParent'),
		name: attributeValue(entry, 'msDS-LastKnownRDN') ?? mangledRdn(entry.dn)?.value,
		login: attributeValue(entry, 'sAMAccountName'),
	};
}

/** The attributes a tombstone is read with (tombstoneContext's). */
const TOMBSTONE_ATTRIBUTES = [
	'objectGUID',
	'objectClass',
	'lastKnownParent',
	'msDS-LastKnownRDN',
	'sAMAccountName',
	'uSNChanged',
	'whenChanged',
];

/**
 * What a tombstone still tells of the deleted entry, as the delete's context: its last DN, and a user's
 * login or a group's name (a group's sAMAccountName is no login; its name is the cn, the RDN value).
 */
export function tombstoneContext(entry: Entry): ChangeContext {
	const tombstone = parseTombstone(entry);
	const dn = lastKnownDn(entry);
	// A tombstone keeps its objectClass values.
	const group = attributeValues(entry, 'objectClass').some((name) => name.toLowerCase() === 'group');
	return {
		stamp: `usn:${attributeValue(entry, 'uSNChanged') ?? ''}`,
		occurredAt: generalizedTimeToIso(attributeValue(entry, 'whenChanged')),
		deleted: group ? { dn, name: tombstone.name } : { dn, login: tombstone.login },
	};
}

/** The first RDN of a tombstone's DN without the `\nDEL:<guid>` AD appends to make it unique. */
function mangledRdn(dn: string): { type: string; value: string } | undefined {
	try {
		const first = parseDn(dn, 'tombstone DN')[0]?.[0];
		return first === undefined ? undefined : { type: first.type, value: first.value.replace(/\nDEL:[0-9a-f-]+$/i, '') };
	} catch {
		return undefined;
	}
}

/** The DN the object had before it was deleted, when the tombstone tells it. */
export function lastKnownDn(entry: Entry): string | undefined {
	const { lastKnownParent, name } = parseTombstone(entry);
	const type = mangledRdn(entry.dn)?.type ?? 'CN';
	return lastKnownParent !== undefined && name !== undefined
		? `${type}=${escapeDnValue(name)},${lastKnownParent}`
		: undefined;
}

/** What the poll needs to know about the DC. */
interface DcPosition {
	cursor: string;
	context: string;
	defaultNamingContext?: string;
	configurationNamingContext?: string;
}

export class AdUsnStrategy extends LdapStrategyBase {
	readonly name = 'adUsn' as const;

	constructor(
		reader: LdapChangeReader,
		server: string,
		protected readonly usnOptions: AdUsnStrategyOptions = {},
	) {
		super(reader, server, usnOptions);
		const days = usnOptions.tombstoneLifetimeDays;
		if (days !== undefined && (!Number.isFinite(days) || days < MIN_TOMBSTONE_LIFETIME_DAYS)) {
			throw new ConfigurationError(
				'Tombstone Lifetime (Days)',
				`must be a number of days of at least ${MIN_TOMBSTONE_LIFETIME_DAYS} (AD's default is 180, 60 on old forests), not ${String(days)}`,
			);
		}
	}

	private now(): Date {
		return this.options.now?.() ?? new Date();
	}

	private async readPosition(): Promise<DcPosition> {
		const session = this.reader.scope.session;
		const readAt = this.now();
		const rootDse = await session.rootDse([
			'highestCommittedUSN',
			'dsServiceName',
			'dnsHostName',
			'defaultNamingContext',
			'configurationNamingContext',
		]);
		const service = attributeValue(rootDse, 'dsServiceName');
		const ntds = service
			? (
					await session.search(service, {
						scope: 'base',
						filter: '(objectClass=*)',
						attributes: ['invocationId'],
						explicitBufferAttributes: ['invocationId'],
					})
				)[0]
			: undefined;
		return {
			cursor: attributeValue(rootDse, 'highestCommittedUSN') ?? '0',
			context: `${adCursorContext(rootDse, ntds)}|${readAt.toISOString()}`,
			defaultNamingContext: attributeValue(rootDse, 'defaultNamingContext'),
			configurationNamingContext: attributeValue(rootDse, 'configurationNamingContext'),
		};
	}

	protected async currentPosition(): Promise<{ cursor: string; context: string }> {
		const { cursor, context } = await this.readPosition();
		return { cursor, context };
	}

	/** The forest's tombstone lifetime: as configured here, else as the forest states it. */
	private async tombstoneLifetimeDays(configurationNamingContext: string | undefined): Promise<number> {
		if (this.usnOptions.tombstoneLifetimeDays !== undefined) return this.usnOptions.tombstoneLifetimeDays;
		if (configurationNamingContext === undefined) return DEFAULT_TOMBSTONE_LIFETIME_DAYS;
		// Unreadable: the shortest lifetime AD uses by default, so a gap is never underestimated.
		const found = await this.reader.scope.session.searchIfPresent(
			`CN=Directory Service,CN=Windows NT,CN=Services,${configurationNamingContext}`,
			{ scope: 'base', filter: '(objectClass=*)', attributes: ['tombstoneLifetime'] },
			{ refusedIsMissing: true },
		);
		return tombstoneLifetimeOf(found[0]);
	}

	/** Why deletes since the last poll may have been collected, or undefined. */
	private async tombstoneProblem(previous: ChangeState, position: DcPosition): Promise<string | undefined> {
		const readAt = parseAdCursorContext(previous.cursorContext).readAt;
		const highWater = generalizedTimeToIso(previous.stampHighWater);
		const notBefore = highWater === undefined ? undefined : new Date(highWater);
		const since = readAt ?? notBefore;
		const now = this.now();
		// No lifetime is shorter than AD's minimum: a recent poll needs no read of the configuration.
		if (since !== undefined && now.getTime() - since.getTime() <= MIN_TOMBSTONE_LIFETIME_DAYS * DAY_MS)
			return undefined;
		return tombstoneGapProblem(
			readAt,
			notBefore,
			now,
			await this.tombstoneLifetimeDays(position.configurationNamingContext),
		);
	}

	/** Deleted users and groups after the cursor, as delete contexts by snapshot key. */
	private async tombstones(domain: string, usnFilter: string): Promise<Map<string, ChangeContext>> {
		const contexts = new Map<string, ChangeContext>();
		for await (const page of this.tombstonePages(domain, usnFilter)) {
			for (const entry of page) {
				const id = parseTombstone(entry).id;
				if (id !== undefined) contexts.set(recordKeyOf(id), tombstoneContext(entry));
			}
		}
		return contexts;
	}

	/** Deleted users and groups matching `filter`, read with the Show Deleted control, in pages. */
	private tombstonePages(domain: string, filter: string): AsyncGenerator<Entry[]> {
		const options = {
			scope: 'sub' as const,
			filter: `(&(isDeleted=TRUE)(|(objectClass=user)(objectClass=group))${filter})`,
			attributes: TOMBSTONE_ATTRIBUTES,
			explicitBufferAttributes: ['objectGUID'],
		};
		return this.reader.scope.session.searchPages(domain, options, TOMBSTONE_PAGE_SIZE, [
			new Control(SHOW_DELETED_OID, { critical: true }),
		]);
	}

	/**
	 * A reconciliation finds deletes by absence, and the snapshot keeps hashes only: the deleted entries'
	 * tombstones, while they last, still tell their DN, login or name and when they were deleted.
	 */
	protected async reconcileStep(
		core: LdapPollCore,
		previous: ChangeState,
		resyncReason?: string,
	): Promise<StrategyStep> {
		const step = await super.reconcileStep(core, previous, resyncReason);
		const undescribed = step.events.filter(
			(event) =>
				(event.type === 'user.deleted' ? event.user : event.type === 'group.deleted' ? event.group : undefined)?.dn ===
				undefined,
		);
		if (undescribed.length === 0) return step;
		const domain =
			attributeValue(await this.reader.scope.session.rootDse(['defaultNamingContext']), 'defaultNamingContext') ??
			this.reader.scope.userBaseDN;
		const profile = this.reader.scope.profile;
		const found = new Map<string, ChangeContext>();
		const ids = undescribed.map((event) => (event.user ?? event.group)?.id as string);
		for (let start = 0; start < ids.length; start += RECONCILED_DELETES_PER_SEARCH) {
			const byId = ids
				.slice(start, start + RECONCILED_DELETES_PER_SEARCH)
				.map((id) => idFilter(profile, 'objectGUID', id));
			for await (const page of this.tombstonePages(domain, anyOf(byId))) {
				for (const entry of page) {
					const id = parseTombstone(entry).id;
					if (id !== undefined) found.set(recordKeyOf(id), tombstoneContext(entry));
				}
			}
		}
		for (const event of undescribed) {
			const context = found.get(recordKeyOf((event.user ?? event.group)?.id as string));
			if (context === undefined) continue;
			if (event.user) Object.assign(event.user, context.deleted);
			if (event.group) Object.assign(event.group, context.deleted);
			event.occurredAt ??= context.occurredAt;
		}
		return step;
	}

	protected async step(core: LdapPollCore, previous: ChangeState): Promise<StrategyStep> {
		const position = await this.readPosition();
		const problem =
			adCursorProblem(previous.cursorContext, position.context, previous.cursor, Number(position.cursor)) ??
			(await this.tombstoneProblem(previous, position));
		if (problem !== undefined) return this.reconcileStep(core, previous, problem);
		if (this.dueForReconcile(previous)) return this.reconcileStep(core, previous);
		const usnFilter = `(uSNChanged>=${Number(previous.cursor) + 1})`;
		const users = new Map();
		for await (const page of this.reader.allUsers(usnFilter))
			for (const observed of page) users.set(observed.observation.record.id, observed);
		const groups = new Map(
			(await this.reader.allGroups(usnFilter)).map((observed) => [observed.observation.record.id, observed]),
		);
		const contexts = await this.tombstones(position.defaultNamingContext ?? this.reader.scope.userBaseDN, usnFilter);
		const applied = await core.apply(snapshotOf(previous), contexts, { users, groups });
		return {
			events: applied.events,
			snapshot: applied.snapshot,
			stampHighWater: applied.highWater ?? previous.stampHighWater,
			cursor: position.cursor,
			cursorContext: position.context,
			reconciled: false,
		};
	}
}
