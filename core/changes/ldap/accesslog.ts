/**
 * OpenLDAP's accesslog overlay (`cn=accesslog`) as a change source: every successful write, in order,
 * with who made it and the values it replaced (`logold`). The log says WHICH entries changed; the
 * events come from comparing those entries, read now, with the snapshot (one rule for every strategy),
 * enriched with the log's time, actor, earlier values and former DN.
 *
 * Known limits: writes of the memberof overlay are not logged (a user's memberOf: the group's own
 * `member` change is, and that is what group events come from); a log purged past the cursor, or a
 * missing cursor record, means changes may be lost: the poll reconciles and emits directory.resync.
 *
 * The log is read in windows that each fit the server's size limit (accesslog-reads.ts), so a backlog
 * longer than the limit is caught up; one poll takes at most `recordsPerPoll` records, the rest the next.
 * The changed entries are read beside the log by their change stamp (readAhead), in the same round trip;
 * those the log names that this read did not bring are read by id after it.
 */
import { RequestError } from '../../errors';
import { normalizeDn } from '../../ldap/dn';
import { AccesslogReads, REQ_START } from './accesslog-reads';
import { entriesAtPosition, recoveryObstacle } from './accesslog-recovery';
import {
	ACCESSLOG_ATTRIBUTES,
	contextsFromRecords,
	parseAccesslogRecord,
	type AccesslogRecord,
} from './accesslog-records';
import type { LdapChangeReader, Observations, Observed } from './reader';
import type { GroupObservation, UserObservation } from '../differ';
import type { ExistingEntries } from '../existing';
import type { LdapPollCore } from './poller';
import type { ChangeState } from '../state';
import { LdapStrategyBase, type LdapStrategyOptions } from './strategies';
import { otherServerReason, snapshotOf, type StrategyStep } from '../strategy';

export {
	ACCESSLOG_ATTRIBUTES,
	contextsFromRecords,
	parseAccesslogRecord,
	parseReqMod,
	type AccesslogRecord,
	type LoggedModification,
} from './accesslog-records';

export interface AccesslogStrategyOptions extends LdapStrategyOptions {
	/** Suffix of the log database (default cn=accesslog). */
	accesslogDN?: string;
	/** Report who made each change (reqAuthzID); default true. */
	captureActor?: boolean;
	/** How far back (minutes) the first activation looks for the newest log record (default 60). */
	startLookbackMinutes?: number;
	/** Log records one poll reads at most (default 5000): a longer backlog is caught up over several polls. */
	recordsPerPoll?: number;
	/**
	 * Read the entries changed since the cursor (by change stamp) together with the log, instead of after it by
	 * the ids the log names (default true). Off where the stamp is not indexed: see readAhead().
	 */
	readAhead?: boolean;
	/** Users, and groups, one read-ahead takes at most (default 1000): changed entries past it are read by id. */
	readAheadLimit?: number;
}

const READ_AHEAD_LIMIT = 1000;

/** A step that read every entry reads ahead next from the greatest stamp among them (its stampHighWater). */
function readAheadFromSnapshot(step: StrategyStep): StrategyStep {
	return step.stampHighWater === undefined ? step : { ...step, readAheadFrom: step.stampHighWater };
}

/** The greatest change stamp among entries read (undefined when none was read). */
function newestStamp(observations: Observations): string | undefined {
	let newest: string | undefined;
	for (const map of [observations.users, observations.groups])
		for (const { stamp } of map.values()) if (stamp !== '' && (newest === undefined || stamp > newest)) newest = stamp;
	return newest;
}

/**
 * A read-ahead slower than this, and than SLOW_READ_AHEAD_FACTOR times the log read beside it, shows a stamp
 * the server does not index (it scanned the directory): this process stops reading ahead on that scope. Only
 * the time the entries it brought do not explain counts (READ_AHEAD_MS_PER_ENTRY each): a read-ahead of a
 * thousand entries, after a bulk change, is slow for what it carries, not for a scan, and so is one cut short
 * at its size limit.
 */
const SLOW_READ_AHEAD_MS = 200;
const SLOW_READ_AHEAD_FACTOR = 4;
/** Generous: an indexed read, decoded, takes a few hundredths of a millisecond an entry, a first cold one a few tenths. */
const READ_AHEAD_MS_PER_ENTRY = 2;

/** Whether a read-ahead that took `ms`, beside a log read of `logMs`, and brought `entries`, was a scan. */
export function readAheadScanned(ms: number, logMs: number, entries: number): boolean {
	const unexplained = ms - entries * READ_AHEAD_MS_PER_ENTRY;
	return unexplained > SLOW_READ_AHEAD_MS && unexplained > SLOW_READ_AHEAD_FACTOR * logMs;
}

/** Scopes (server, bases) where a read-ahead was slow, for the life of the process. */
const slowReadAhead = new Set<string>();

export class AccesslogStrategy extends LdapStrategyBase {
	readonly name = 'accesslog' as const;
	private readonly log: AccesslogReads;

	constructor(
		reader: LdapChangeReader,
		server: string,
		protected readonly logOptions: AccesslogStrategyOptions = {},
	) {
		super(reader, server, logOptions);
		const logDN = logOptions.accesslogDN?.trim() || 'cn=accesslog';
		normalizeDn(logDN, 'Accesslog DN');
		this.log = new AccesslogReads(reader.scope.session, logDN, logOptions.recordsPerPoll);
	}

	/**
	 * The newest record's reqStart, looked for in the recent past; a synthetic start when the log is quiet. The
	 * synthetic start is a whole second: the fraction of a reqStart is slapd's count of writes within its second
	 * (20261207003415.000061Z), not a clock, so a start at this clock's milliseconds would pass over the records
	 * written later in the same second.
	 */
	protected async currentPosition(): Promise<{ cursor?: string; context?: string }> {
		const lookback = new Date(
			(this.options.now?.() ?? new Date()).getTime() - (this.logOptions.startLookbackMinutes ?? 60) * 60_000,
		);
		const since = lookback
			.toISOString()
			.replace(/[-:T]/g, '')
			.replace(/\.\d{3}Z$/, '.000000Z');
		const newest = await this.log.newest(since);
		return newest === undefined ? { cursor: since, context: 'unverified' } : { cursor: newest, context: 'verified' };
	}

	/**
	 * A first activation or a reconciliation read every entry: the next poll reads ahead from the greatest change
	 * stamp it saw, not from the log position. That position is an hour old when the log was quiet (see
	 * currentPosition), and a read-ahead from it brought every entry written in that hour, up to its limit: after
	 * a bulk load, a first poll read a thousand entries it did not need.
	 */
	protected async start(core: LdapPollCore, existing: ExistingEntries | undefined): Promise<StrategyStep> {
		return readAheadFromSnapshot(await super.start(core, existing));
	}

	protected async reconcileStep(
		core: LdapPollCore,
		previous: ChangeState,
		resyncReason?: string,
	): Promise<StrategyStep> {
		return readAheadFromSnapshot(await super.reconcileStep(core, previous, resyncReason));
	}

	protected async step(core: LdapPollCore, previous: ChangeState): Promise<StrategyStep> {
		const cursor = previous.cursor;
		if (cursor === undefined || !REQ_START.test(cursor))
			return this.reconcileStep(core, previous, 'no accesslog position was stored');
		const purged = `the accesslog no longer holds the record at ${cursor} (purged): reconciled against the snapshot`;
		if (this.dueForReconcile(previous)) {
			if (previous.cursorContext === 'verified' && !(await this.log.logged(cursor)))
				return this.reconcileStep(core, previous, purged);
			return this.reconcileStep(core, previous);
		}
		// The log is read from reqStart >= cursor: the record at the cursor comes back as long as the log holds
		// it, so no request of its own is needed to tell a purged cursor (a catch-up reads the same records).
		// The entries changed since the cursor are read at the same time (readAhead): most polls then need no
		// second round trip for the entries the log names.
		const [logged, ahead] = await Promise.all([
			this.log.since(cursor, ACCESSLOG_ATTRIBUTES),
			this.logOptions.readAhead === false ? undefined : this.readAhead(previous.readAheadFrom ?? cursor),
		]);
		if (previous.cursorContext === 'verified' && !logged.sinceLogged) return this.reconcileStep(core, previous, purged);
		// Oldest first. A backlog longer than one poll reads ends at `through`; the next poll goes on from there.
		const records = logged.entries.map(parseAccesslogRecord);
		const newest = logged.through;
		const inScope = this.inScope(records);
		const contexts = contextsFromRecords(inScope, this.logOptions.captureActor ?? true);
		const observations = await this.observe([...contexts.keys()], await ahead?.entries());
		const snapshot = snapshotOf(previous);
		const applied = await core.apply(snapshot, contexts, observations);
		// The snapshot now reflects every write up to the newest record: writes after it carry later stamps.
		const highWater = records.length > 0 ? newest : previous.stampHighWater;
		return {
			events: applied.events,
			snapshot: applied.snapshot,
			stampHighWater: highWater,
			cursor: newest,
			cursorContext: records.length > 0 ? 'verified' : previous.cursorContext,
			reconciled: false,
			readAheadFrom: newestStamp(observations) ?? previous.readAheadFrom,
		};
	}

	/** The records of writes in the watched bases, or that moved an entry into them. */
	private inScope(records: AccesslogRecord[]): AccesslogRecord[] {
		return records.filter(
			(record) =>
				this.reader.inScope(record.dn) || (record.newSuperior !== undefined && this.reader.inScope(record.newSuperior)),
		);
	}

	/**
	 * The snapshot was lost (held by a process that no longer holds it): the log since the stored position says what
	 * changed, when it can say what each entry was then (accesslog-recovery.ts). The log is read before the full read,
	 * to know whether it can, and after it, so that a write during the full read is in one of them: a write after the
	 * second read is in the next poll's records, and the entries they name are read after it.
	 */
	protected async recoverStep(core: LdapPollCore, lost: ChangeState): Promise<StrategyStep | string> {
		const cursor = lost.cursor;
		if (cursor === undefined || !REQ_START.test(cursor)) return 'no accesslog position was stored';
		if (otherServerReason(lost, this.server) !== undefined)
			return `the stored position is in the log of ${String(lost.server)}, and this poll ran on ${this.server}`;
		const usable = async () => {
			const logged = await this.log.since(cursor, ACCESSLOG_ATTRIBUTES);
			// As a poll trusts it: a position that was a record must still be one (else records were purged after it).
			if (lost.cursorContext === 'verified' && !logged.sinceLogged)
				return `the accesslog no longer holds the record at ${cursor} (purged)`;
			if (!logged.complete) return 'more records were written since than Log Records per Poll';
			const records = this.inScope(logged.entries.map(parseAccesslogRecord));
			return recoveryObstacle(this.reader, records) ?? { records, through: logged.through };
		};
		const first = await usable();
		if (typeof first === 'string') return first;
		const { snapshot, highWater } = await core.baseline();
		const log = await usable();
		if (typeof log === 'string') return log;
		const contexts = contextsFromRecords(log.records, this.logOptions.captureActor ?? true);
		const { atPosition, now } = await entriesAtPosition(this.reader, log.records, contexts, snapshot);
		const applied = await core.apply(atPosition, contexts, now);
		return readAheadFromSnapshot({
			events: applied.events,
			snapshot: applied.snapshot,
			stampHighWater: highWater,
			cursor: log.through,
			cursorContext: 'verified',
			reconciled: true,
		});
	}

	/**
	 * The users and groups whose change stamp is at or after `from`, read beside the log: the greatest stamp
	 * the last poll read (ChangeState.readAheadFrom), else the cursor. An entry a record after the cursor
	 * names was mostly written after both, so it is among them; not when it was written before the last poll
	 * read its entries, when its stamp came from another server's clock (a replicated write), when it is gone,
	 * or past READ_AHEAD_LIMIT: what is missing is read by id after (observe). Entries written after the log
	 * read come too; only those the log names are used. A stamp without an index makes this a scan of the
	 * directory: once one took SLOW_READ_AHEAD_MS and several times the log read, this process reads by id
	 * only on that scope. Any failure falls back to the ids.
	 */
	private readAhead(from: string): { entries(): Promise<Observations | undefined> } | undefined {
		const scope = this.reader.scope;
		const key = [this.server, scope.userBaseDN, scope.groupBaseDN].join('\u0000');
		if (slowReadAhead.has(key)) return undefined;
		const started = Date.now();
		const limit = this.logOptions.readAheadLimit ?? READ_AHEAD_LIMIT;
		const read = this.reader.changedSinceAtMost(from, limit).then(
			(observations) => ({
				observations,
				ms: Date.now() - started,
				entries: observations.users.size + observations.groups.size,
			}),
			(error: unknown) => ({
				observations: undefined,
				ms: Date.now() - started,
				// Past its size limit: it had as many entries as it may bring, or more.
				entries: error instanceof RequestError && error.kind === 'sizeLimit' ? limit : 0,
			}),
		);
		return {
			// Asked for once the log is read and parsed: the time until then is the log's.
			entries: async () => {
				const logMs = Date.now() - started;
				const { observations, ms, entries } = await read;
				if (readAheadScanned(ms, logMs, entries)) slowReadAhead.add(key);
				return observations;
			},
		};
	}

	/** The entries of `ids`: those read ahead, the others by id. */
	private async observe(ids: string[], ahead: Observations | undefined): Promise<Observations> {
		if (ahead === undefined) return this.reader.entriesByIds(ids);
		const users = new Map<string, Observed<UserObservation>>();
		const groups = new Map<string, Observed<GroupObservation>>();
		const missing: string[] = [];
		for (const id of ids) {
			const user = ahead.users.get(id);
			const group = user === undefined ? ahead.groups.get(id) : undefined;
			if (user !== undefined) users.set(id, user);
			else if (group !== undefined) groups.set(id, group);
			else missing.push(id);
		}
		if (missing.length > 0) {
			const read = await this.reader.entriesByIds(missing);
			for (const [id, user] of read.users) users.set(id, user);
			for (const [id, group] of read.groups) groups.set(id, group);
		}
		return { users, groups };
	}
}
