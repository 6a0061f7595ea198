/**
 * Reads of OpenLDAP's accesslog that work under a server size limit and keep memory bounded.
 *
 * A bind account other than the rootdn has a size limit (OpenLDAP's default: 500 entries a search), and
 * OpenLDAP applies it to a paged search as a whole too unless `size.prtotal` allows more. So a backlog
 * longer than the limit cannot be read in one search: it is read in windows `[cursor, upper]`, each one
 * read whole, and the cursor only moves to the end of a window that was read whole. Which records a
 * window holds is decided from the records the server did return, never from an assumed order.
 *
 * The common case costs what an unpaged search did: one paged request, answered in one page.
 */
import { ConfigurationError, RequestError } from '../../errors';
import { Control, type Entry } from '../../../transport/ldap/ldapts';
import type { LdapSession } from '../../../transport/ldap/session';
import { attributeValue } from '../../ldap/entry';
import { escapeDnValue, escapeFilterValue } from '../../ldap/escape';
import { compileFilter } from '../../ldap/filter-compiler';

/** Records per page: OpenLDAP's default size limit, so that a poll with fewer changes takes one request. */
const LOG_PAGE_SIZE = 500;
/** Records read and processed by one poll at most (default); a longer backlog takes several polls. */
const DEFAULT_LOG_RECORDS_PER_POLL = 5000;
/**
 * ManageDsaIT (RFC 3296), not critical, on every search of the log. Without it OpenLDAP's back-mdb answers a
 * one-level or subtree search as `(|(objectClass=referral)(filter))`, so that referral entries come back as
 * referrals; and an accesslog database whose objectClass is not indexed (the slapo-accesslog examples index
 * reqStart only) then finds its candidates by reading every record it holds: a poll cost as much as the log
 * was long (a week of writes by default), however indexed reqStart is. The log holds no referral entries, so the
 * control changes no answer; it only spares that scan.
 */
const MANAGE_DSA_IT = '2.16.840.1.113730.3.4.2';
const logControls = (): Control[] => [new Control(MANAGE_DSA_IT, { critical: false })];

/** The shape of a reqStart, the accesslog position. */
export const REQ_START = /^\d{14}(\.\d{1,6})?Z$/;

/** Log records after a position, up to where every record was read. */
export interface LogBatch {
	/** The records after `since` up to `through`, oldest first. */
	entries: Entry[];
	/** Whether the record at `since` itself is still logged (it is gone once logpurge passed it). */
	sinceLogged: boolean;
	/** Every record up to this reqStart was read: the next cursor (`since` when there was none). */
	through: string;
	/** Whether the log was read to its end; false when more records wait after `through`. */
	complete: boolean;
}

/** What one search returned: its records, and whether that is all the search matched. */
interface SearchRead {
	entries: Entry[];
	complete: boolean;
}

const reqStartOf = (entry: Entry): string => attributeValue(entry, 'reqStart') ?? '';

const byReqStart = (a: Entry, b: Entry): number => {
	const [left, right] = [reqStartOf(a), reqStartOf(b)];
	return left < right ? -1 : left > right ? 1 : 0;
};

export class AccesslogReads {
	constructor(
		private readonly session: LdapSession,
		private readonly logDN: string,
		/** At most this many records per since() (the poll's memory and work). */
		private readonly recordsPerPoll = DEFAULT_LOG_RECORDS_PER_POLL,
	) {
		if (!Number.isInteger(recordsPerPoll) || recordsPerPoll < 1) {
			throw new ConfigurationError(
				'Log Records per Poll',
				`must be a whole number of at least 1, not ${String(recordsPerPoll)}`,
			);
		}
	}

	/**
	 * The records after `since`, as many as one poll takes: windows read whole, one after the other, until
	 * the log's end or the per-poll budget. `through` never passes a record that is not in `entries`.
	 */
	async since(since: string, attributes: string[]): Promise<LogBatch> {
		const entries: Entry[] = [];
		let through = since;
		let sinceLogged: boolean | undefined;
		for (;;) {
			const batch = await this.window(through, attributes, this.recordsPerPoll - entries.length);
			sinceLogged ??= batch.sinceLogged;
			entries.push(...batch.entries);
			through = batch.through;
			if (batch.complete || entries.length >= this.recordsPerPoll || batch.entries.length === 0) {
				return { entries, sinceLogged, through, complete: batch.complete };
			}
		}
	}

	/**
	 * The newest record's reqStart at or after `since`, reading only reqStart. Under a size limit the log is
	 * read on from the newest record each search returned, until a search returns all that is left.
	 */
	async newest(since: string): Promise<string | undefined> {
		let newest = '';
		for (let from = since; ;) {
			const read = await this.newestFrom(from);
			newest = maxOf(newest, read.newest);
			if (read.complete || read.newest <= from) return newest === '' ? undefined : newest;
			from = read.newest;
		}
	}

	/** One search's newest record at or after `from` ('' if none), and whether that search saw all of them. */
	private async newestFrom(from: string): Promise<{ newest: string; complete: boolean }> {
		let newest = '';
		const pages = this.pages(from, undefined, ['reqStart']);
		let page = await pages.next();
		for (; !page.done; page = await pages.next()) newest = page.value.map(reqStartOf).reduce(maxOf, newest);
		// A limit below one page cut the first page off: the records the server hands out unpaged will do.
		if (!page.value.complete && newest === '')
			newest = (await this.firstRecords(from, undefined, ['reqStart'], LOG_PAGE_SIZE))
				.map(reqStartOf)
				.reduce(maxOf, newest);
		return { newest, complete: page.value.complete };
	}

	/** Whether the record at `reqStart` is still in the log. */
	async logged(reqStart: string): Promise<boolean> {
		const found = await this.session.searchIfPresent(`reqStart=${escapeDnValue(reqStart)},${this.logDN}`, {
			scope: 'base',
			filter: compileFilter('(objectClass=*)'),
			attributes: ['1.1'],
		});
		return found.length > 0;
	}

	/**
	 * The records after `since`, at most about `budget`: all of them when one search returns them all (the
	 * common case, one request); else the longest window `[since, upper]` that a search returns whole, with
	 * `upper` taken from the records the cut-short search did return (halved until a window fits).
	 */
	private async window(since: string, attributes: string[], budget: number): Promise<LogBatch> {
		const first = await this.read(since, undefined, attributes, budget);
		if (first.complete) return batchOf(since, first.entries, undefined);
		// A limit cut the first page off: ask for as many records as the server hands out without paging (the
		// record at `since` comes back too).
		const sample =
			first.entries.length > 0 ? first.entries : await this.firstRecords(since, undefined, ['reqStart'], budget + 1);
		const uppers = [...new Set(sample.map(reqStartOf).filter((reqStart) => reqStart > since))].sort().slice(0, budget);
		for (let top = uppers.length - 1; top >= 0; top = top === 0 ? -1 : Math.floor(top / 2)) {
			const upper = uppers[top];
			const read = await this.read(since, upper, attributes, budget);
			if (read.complete) return batchOf(since, read.entries, upper);
		}
		throw new RequestError(
			'protocol',
			`The accesslog (${this.logDN}) holds more records after ${since} than the server lets the bind account read in one search`,
			`Raise the bind account's size limit for ${this.logDN} (OpenLDAP: "limits dn.exact=<bind DN> size.hard=... size.prtotal=unlimited" in the accesslog database)`,
			this.session.server,
		);
	}

	/** One paged search of `[since, upper]`; stops early (incomplete) past `budget` records or at a server limit. */
	private async read(
		since: string,
		upper: string | undefined,
		attributes: string[],
		budget: number,
	): Promise<SearchRead> {
		const entries: Entry[] = [];
		const pages = this.pages(since, upper, attributes);
		for (let page = await pages.next(); ; page = await pages.next()) {
			if (!page.done) entries.push(...page.value);
			// Past the budget the read counts as cut short, even when the server had no more: the caller then
			// settles on a window within the budget. One record more is allowed for: the one at `since`.
			if (entries.length > budget + 1) {
				if (!page.done) await pages.return({ complete: false });
				return { entries, complete: false };
			}
			if (page.done) return { entries, complete: page.value.complete };
		}
	}

	private pages(
		since: string,
		upper: string | undefined,
		attributes: string[],
	): AsyncGenerator<Entry[], { complete: boolean }> {
		return this.session.searchPagesWithinLimit(
			this.logDN,
			{ scope: 'one', filter: this.filter(since, upper), attributes },
			LOG_PAGE_SIZE,
			logControls(),
		);
	}

	/** The first records the server returns, without paging; a size limit gives fewer, never an error. */
	private firstRecords(
		since: string,
		upper: string | undefined,
		attributes: string[],
		count: number,
	): Promise<Entry[]> {
		return this.session.search(
			this.logDN,
			{ scope: 'one', filter: this.filter(since, upper), attributes, sizeLimit: count },
			logControls(),
		);
	}

	private filter(since: string, upper: string | undefined) {
		for (const position of [since, upper ?? since]) {
			if (!REQ_START.test(position))
				throw new ConfigurationError('Cursor', `"${position}" is not an accesslog position: reset the trigger's state`);
		}
		// The upper bound also as an equality: slapd 2.5's `reqStart<=X` does not match the record at X when X's
		// fraction ends in 0 (it compares with the assertion's trailing zeros dropped); `>=` and `=` do match it.
		const until =
			upper === undefined ? '' : `(|(reqStart<=${escapeFilterValue(upper)})(reqStart=${escapeFilterValue(upper)}))`;
		return compileFilter(
			`(&(objectClass=auditWriteObject)(reqResult=0)(reqStart>=${escapeFilterValue(since)})${until})`,
		);
	}
}

/** A window read whole: its records after `since`, oldest first; through its `upper` end, or its newest record. */
function batchOf(since: string, entries: Entry[], upper: string | undefined): LogBatch {
	const after = entries.filter((entry) => reqStartOf(entry) > since).sort(byReqStart);
	const newest = after.length > 0 ? reqStartOf(after[after.length - 1]) : since;
	return {
		entries: after,
		sinceLogged: entries.some((entry) => reqStartOf(entry) === since),
		through: upper ?? newest,
		complete: upper === undefined,
	};
}

function maxOf(a: string, b: string): string {
	return b > a ? b : a;
}
