/**
 * `cn=changelog` as a change source: the 389 DS retro changelog and OpenDJ's changelog, each record
 * numbered (changeNumber) with targetDN, changeType, the changes as LDIF text, and the entry's id
 * (targetUniqueId on 389 DS, targetEntryUUID on OpenDJ; changelog-targets.ts turns it into the
 * snapshot's key). Numbers are per server: the cursor is a change number on the one server polled; a
 * trimmed log (firstChangeNumber past the cursor) means records were lost, so the poll reconciles and
 * emits directory.resync.
 *
 * The log is read in ranges of change numbers (`changeNumber>=a` and `<=b`), each smaller than any
 * server's default size limit, because a paged search does not get past an administrative size limit on
 * every server (OpenLDAP counts the whole paged search; 389 DS applies its paged size limit to it): a
 * backlog bigger than the limit would otherwise fail every poll forever. One poll reads at most `changelogMaxPerPoll` numbers and the
 * cursor moves to the end of what was read; the rest follows on the next polls.
 *
 * Run against a real 389 DS 2.3 retro changelog (test/integration/real-389ds-changes.test.ts); OpenDJ's
 * changelog only from its documented record shapes, unit-tested on handwritten responses
 * (test/unit/changes-changelog-ad.test.ts).
 */
import { ConfigurationError } from '../../errors';
import type { Entry } from '../../../transport/ldap/ldapts';
import type { LdapSession } from '../../../transport/ldap/session';
import { attributeValue } from '../../ldap/entry';
import { resolveChangelogTargets, type ChangelogTarget } from './changelog-targets';
import { PASSWORD_ATTRIBUTES, type ChangeContext } from '../differ';
import type { ExistingEntries } from '../existing';
import { generalizedTimeToIso } from '../events';
import type { LdapChangeReader } from './reader';
import type { LdapPollCore } from './poller';
import { logReadable } from './log-access';
import { LdapStrategyBase, type LdapStrategyOptions } from './strategies';
import type { ChangeState } from '../state';
import { snapshotOf, type StrategyStep } from '../strategy';

export interface ChangelogRecord extends ChangelogTarget {
	changeNumber: number;
	/** Who made the change, when the record says (see changelogActor). */
	actor?: string;
	/** Attributes named by the LDIF changes text. */
	changedAttributes: string[];
	changeTime?: string;
}

export interface ChangelogStrategyOptions extends LdapStrategyOptions {
	/** Report who made each change, where the records say (see changelogActor); default true. */
	captureActor?: boolean;
	/**
	 * Change numbers per search (default 500): below the default size limits (389 DS 2,000, OpenDJ 1,000).
	 * Lower it for a server with a smaller limit.
	 */
	changelogBatchSize?: number;
	/** Change numbers one poll reads at most (default 10,000); a bigger backlog catches up over the next polls. */
	changelogMaxPerPoll?: number;
}

export const CHANGELOG_DN = 'cn=changelog';
const CHANGELOG_ATTRIBUTES = [
	'changeNumber',
	'changeType',
	'targetDN',
	'targetUniqueId',
	'targetEntryUUID',
	'changes',
	'newRDN',
	'newSuperior',
	'changeInitiatorsName',
	'changeTime',
	'createTimestamp',
];
const DEFAULT_BATCH = 500;
const DEFAULT_MAX_PER_POLL = 10_000;
/** 389 DS writes nsUniqueId as four groups of eight hex digits; a UUID (OpenDJ, PingDirectory) is 8-4-4-4-12. */
const NS_UNIQUE_ID = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/i;

/** The entry's id as the record gives it, and the attribute it is a value of. */
function idOf(entry: Entry): { targetId?: string; targetIdAttribute?: string } {
	const uuid = attributeValue(entry, 'targetEntryUUID');
	if (uuid !== undefined) return { targetId: uuid.toLowerCase(), targetIdAttribute: 'entryUUID' };
	const unique = attributeValue(entry, 'targetUniqueId');
	if (unique === undefined) return {};
	return { targetId: unique.toLowerCase(), targetIdAttribute: NS_UNIQUE_ID.test(unique) ? 'nsUniqueId' : 'entryUUID' };
}

/** The first value of `attribute` in an LDIF text (folded lines joined, a base64 value decoded). */
function ldifValue(ldif: string, attribute: string): string | undefined {
	const match = new RegExp(`^${attribute}(::?) ?(.*)$`, 'im').exec(ldif.replace(/\r?\n /g, ''));
	if (match === null) return undefined;
	return match[1] === '::' ? Buffer.from(match[2], 'base64').toString('utf8') : match[2];
}

/**
 * Who made the change, as the record tells. OpenDJ names them in changeInitiatorsName. 389 DS's retro
 * changelog has no such attribute (its records' own creatorsName is the plug-in, never the writer), but
 * the changes it logs for an add, modify or modrdn include the modifiersName the server set to the writer.
 * A 389 DS delete record names nobody.
 */
export function changelogActor(entry: Entry, changes: string): string | undefined {
	return attributeValue(entry, 'changeInitiatorsName') ?? ldifValue(changes, 'modifiersName');
}

/** Decodes one changelog entry. */
export function parseChangelogRecord(entry: Entry): ChangelogRecord {
	const type = (attributeValue(entry, 'changeType') ?? '').toLowerCase();
	const changes = attributeValue(entry, 'changes') ?? '';
	const changedAttributes = [
		...new Set(
			[...changes.matchAll(/^(?:add|delete|replace|increment): *([A-Za-z0-9;.-]+)$/gim)].map((match) => match[1]),
		),
	];
	return {
		changeNumber: Number(attributeValue(entry, 'changeNumber') ?? NaN),
		type: type === 'add' || type === 'delete' || type === 'modify' || type === 'modrdn' ? type : 'other',
		targetDn: attributeValue(entry, 'targetDN') ?? '',
		...idOf(entry),
		newRdn: attributeValue(entry, 'newRDN'),
		newSuperior: attributeValue(entry, 'newSuperior'),
		actor: changelogActor(entry, changes),
		changedAttributes,
		changeTime: attributeValue(entry, 'changeTime') ?? attributeValue(entry, 'createTimestamp'),
	};
}

/** What the root DSE says about the log: its first and last change numbers. */
export function changelogBounds(rootDse: Entry): { first?: number; last?: number } {
	const read = (name: string) => {
		const value = Number(attributeValue(rootDse, name));
		return Number.isFinite(value) ? value : undefined;
	};
	return { first: read('firstChangeNumber'), last: read('lastChangeNumber') };
}

/** Whether records after `cursor` may be missing: the oldest kept record is beyond the next one. */
export function changelogCursorLost(cursor: number, bounds: { first?: number; last?: number }): boolean {
	if (bounds.first !== undefined && bounds.first > cursor + 1) return true;
	// A log that restarted numbering (re-initialised server) has a last number below the cursor.
	return bounds.last !== undefined && bounds.last < cursor;
}

/** Whether the bind account can read the log's records: its newest one (an empty log: the log entry). */
export async function changelogReadable(session: LdapSession, rootDse: Entry): Promise<boolean> {
	const last = changelogBounds(rootDse).last;
	return logReadable(session, CHANGELOG_DN, last !== undefined && last > 0 ? `(changeNumber=${last})` : undefined);
}

/** How long a missing change number is waited for, counted from the time of the record above it. */
export const CHANGELOG_GAP_WAIT_MS = 60_000;

/**
 * Whether a change number with no record is still being written: the next record above it (none: the number
 * is the log's last) was written less than CHANGELOG_GAP_WAIT_MS ago. A record with no readable time, or a time
 * further than that from this machine's clock either way (a server clock set apart), tells nothing: the number is
 * taken as skipped, so that a gap never holds the cursor for long.
 */
export function stillBeingWritten(above: ChangelogRecord | undefined, now: number): boolean {
	if (above === undefined) return true;
	const written = Date.parse(generalizedTimeToIso(above.changeTime) ?? '');
	return Number.isFinite(written) && Math.abs(now - written) < CHANGELOG_GAP_WAIT_MS;
}

/** The change-number ranges one poll reads after `cursor`: up to `last` (when known), at most `max` numbers. */
export function changelogRanges(
	cursor: number,
	last: number | undefined,
	batch: number,
	max: number,
): Array<{ from: number; to: number }> {
	const end = Math.min(last ?? Number.POSITIVE_INFINITY, cursor + max);
	const ranges: Array<{ from: number; to: number }> = [];
	for (let from = cursor + 1; from <= end; from += batch) ranges.push({ from, to: Math.min(from + batch - 1, end) });
	return ranges;
}

/**
 * Per entry (by snapshot key): stamp, time and actor of its last record, the DN before its first rename,
 * and what is known of it when deleted.
 */
export function changelogContexts(
	records: ChangelogRecord[],
	keys: Map<ChangelogRecord, string>,
	captureActor: boolean,
): Map<string, ChangeContext> {
	const contexts = new Map<string, ChangeContext>();
	for (const record of records) {
		const id = keys.get(record);
		if (id === undefined) continue;
		const context = contexts.get(id) ?? { stamp: '' };
		context.stamp = `changeNumber:${record.changeNumber}`;
		context.occurredAt = generalizedTimeToIso(record.changeTime);
		// A modify without a writer is the server's own follow-up (389's password policy after a password
		// change): the writer before it stays. A delete names nobody.
		if (captureActor && record.actor) context.actor = { dn: record.actor };
		else if (record.type !== 'modify') context.actor = undefined;
		context.changedAttributes = [
			...new Set([...(context.changedAttributes ?? []), ...record.changedAttributes.map((name) => name.toLowerCase())]),
		];
		if (record.type === 'modrdn' && context.previousDn === undefined) context.previousDn = record.targetDn;
		if (record.type === 'delete') context.deleted = { dn: record.targetDn };
		// The log says the password was set: the differ does not rely on the stamp's one-byte hash then.
		if (
			record.type === 'modify' &&
			record.changedAttributes.some((name) => PASSWORD_ATTRIBUTES.has(name.toLowerCase()))
		)
			context.passwordChanged = true;
		contexts.set(id, context);
	}
	return contexts;
}

export class ChangelogStrategy extends LdapStrategyBase {
	readonly name = 'changelog' as const;
	private readonly batchSize: number;
	private readonly maxPerPoll: number;

	constructor(
		reader: LdapChangeReader,
		server: string,
		protected readonly logOptions: ChangelogStrategyOptions = {},
	) {
		super(reader, server, logOptions);
		this.batchSize = positiveInteger(logOptions.changelogBatchSize, DEFAULT_BATCH, 'Changelog Batch Size');
		this.maxPerPoll = Math.max(
			this.batchSize,
			positiveInteger(logOptions.changelogMaxPerPoll, DEFAULT_MAX_PER_POLL, 'Log Records per Poll'),
		);
	}

	/** First activation: a log this account cannot read would make every poll silently see nothing. */
	protected async start(core: LdapPollCore, existing: ExistingEntries | undefined): Promise<StrategyStep> {
		const session = this.reader.scope.session;
		if (!(await changelogReadable(session, await session.rootDse(['lastChangeNumber'])))) {
			throw new ConfigurationError(
				'Change Detection',
				`is Changelog, but the bind account cannot read the records of ${CHANGELOG_DN}: grant it read access to them (OpenDJ: the changelog-read privilege; 389 DS: an ACI on ${CHANGELOG_DN}), or choose Auto or Timestamp`,
			);
		}
		return super.start(core, existing);
	}

	protected async currentPosition(): Promise<{ cursor?: string }> {
		const bounds = changelogBounds(await this.reader.scope.session.rootDse(['firstChangeNumber', 'lastChangeNumber']));
		return { cursor: String(bounds.last ?? 0) };
	}

	/** The records of one range of change numbers, in order. */
	private async readRange(from: number, to: number): Promise<ChangelogRecord[]> {
		const entries = await this.reader.scope.session.search(CHANGELOG_DN, {
			scope: 'one',
			filter: `(&(changeNumber>=${from})(changeNumber<=${to}))`,
			attributes: CHANGELOG_ATTRIBUTES,
		});
		return entries
			.map(parseChangelogRecord)
			.filter((record) => record.changeNumber >= from && record.changeNumber <= to);
	}

	/**
	 * The records after `cursor`, range by range, the change number they cover up to, and whether that stops
	 * short at a number still being written. With a known last number every number up to the end of the ranges
	 * is covered; a server that publishes none is read until a range comes back short, and only what was seen
	 * is covered then, since a number above it may still be written.
	 *
	 * A number below the end with no record is one whose write has not committed yet: 389 DS counts a change in
	 * lastChangeNumber when it gives it its number, before its record is visible, and writes commit in parallel.
	 * Moving the cursor past it would lose that change for good, so the cursor stops before it (the records
	 * after it are still read and emitted, their event ids dropping the repeats) while the record above the gap
	 * is recent (see stillBeingWritten); a number missing for longer is one the server skipped.
	 */
	private async readBacklog(
		cursor: number,
		last: number | undefined,
	): Promise<{ records: ChangelogRecord[]; coveredTo: number; stoppedAtGap: boolean }> {
		const records: ChangelogRecord[] = [];
		let coveredTo = cursor;
		let stoppedAtGap = false;
		for (const { from, to } of changelogRanges(cursor, last, this.batchSize, this.maxPerPoll)) {
			const found = await this.readRange(from, to);
			records.push(...found);
			if (!stoppedAtGap) {
				const byNumber = new Map(found.map((record) => [record.changeNumber, record]));
				const end =
					last !== undefined ? to : found.reduce((max, record) => Math.max(max, record.changeNumber), coveredTo);
				for (let number = coveredTo + 1; number <= end; number++) {
					if (!byNumber.has(number)) {
						const above = found
							.filter((record) => record.changeNumber > number)
							.reduce<ChangelogRecord | undefined>(
								(lowest, record) => (lowest && lowest.changeNumber < record.changeNumber ? lowest : record),
								undefined,
							);
						if (stillBeingWritten(above, Date.now())) {
							stoppedAtGap = true;
							break;
						}
					}
					coveredTo = number;
				}
			}
			if (last === undefined && found.length < to - from + 1) break;
		}
		return { records: records.sort((a, b) => a.changeNumber - b.changeNumber), coveredTo, stoppedAtGap };
	}

	protected async step(core: LdapPollCore, previous: ChangeState): Promise<StrategyStep> {
		const cursor = Number(previous.cursor);
		if (previous.cursor === undefined || !Number.isInteger(cursor))
			return this.reconcileStep(core, previous, 'no changelog position was stored');
		const bounds = changelogBounds(await this.reader.scope.session.rootDse(['firstChangeNumber', 'lastChangeNumber']));
		if (changelogCursorLost(cursor, bounds)) {
			return this.reconcileStep(
				core,
				previous,
				`the changelog no longer holds change ${cursor + 1} (trimmed or re-initialised): reconciled against the snapshot`,
			);
		}
		if (this.dueForReconcile(previous)) return this.reconcileStep(core, previous);
		const { records: all, coveredTo, stoppedAtGap } = await this.readBacklog(cursor, bounds.last);
		// A rename into the watched bases is logged under the DN it came from.
		const records = all.filter(
			(record) =>
				this.reader.inScope(record.targetDn) ||
				(record.newSuperior !== undefined && this.reader.inScope(record.newSuperior)),
		);
		const snapshot = snapshotOf(previous);
		const { keys, readByDn } = await resolveChangelogTargets(records, this.reader, snapshot);
		const contexts = changelogContexts(records, keys, this.logOptions.captureActor ?? true);
		const observations = await this.reader.entriesByIds([...contexts.keys()]);
		// New entries on a server that records no ids: read them by DN.
		for (const dn of readByDn) {
			const found = await this.reader.entryByDn(dn);
			if (found?.kind === 'user') observations.users.set(found.observed.observation.record.id, found.observed);
			if (found?.kind === 'group') observations.groups.set(found.observed.observation.record.id, found.observed);
		}
		const applied = await core.apply(snapshot, contexts, observations);
		return {
			events: applied.events,
			snapshot: applied.snapshot,
			stampHighWater: applied.highWater ?? previous.stampHighWater,
			cursor: String(coveredTo),
			reconciled: false,
			// A gap still being written, or more records than one poll reads.
			readAgainSoon: stoppedAtGap || (bounds.last !== undefined && coveredTo < bounds.last),
		};
	}
}

/** A whole number of at least 1, or the default when not set. */
function positiveInteger(value: number | undefined, fallback: number, field: string): number {
	if (value === undefined) return fallback;
	if (!Number.isInteger(value) || value < 1)
		throw new ConfigurationError(field, `must be a whole number of at least 1, not ${String(value)}`);
	return value;
}
