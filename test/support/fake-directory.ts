/**
 * An in-memory stand-in for the servers that do not run here (Active Directory, 389 DS, OpenDJ): it
 * answers the three LdapSession methods change strategies use (rootDse, search, searchPages) by
 * evaluating the compiled filter objects on handwritten entries. The entries are written in the shapes
 * the vendors document; they are NOT recordings of live servers.
 *
 * It enforces what the code under test must cope with, the way those servers behave:
 * - a size limit: an unpaged search matching more entries fails with sizeLimitExceeded (result code 4);
 *   `sizeLimitCountsPages` makes it count whole paged searches too (OpenLDAP, 389 DS), otherwise a paged
 *   search gets past it (AD, where the limit is MaxPageSize, per page);
 * - deleted objects (isDeleted=TRUE) are returned only with the Show Deleted control;
 * - access control: the entries under a DN may be refused (insufficientAccess) or silently hidden.
 */
import {
	AndFilter,
	EqualityFilter,
	ExtensibleFilter,
	GreaterThanEqualsFilter,
	LessThanEqualsFilter,
	NotFilter,
	OrFilter,
	PresenceFilter,
	SizeLimitExceededError,
	type Control,
	type Entry,
	type Filter,
	type SearchOptions,
} from 'ldapts';
import { RequestError } from '../../core/errors';
import { comparableDn } from '../../core/changes/snapshot/dn-hash';
import { compileFilter } from '../../transport/ldap/filter-compiler';
import { explainLdapFailure } from '../../transport/ldap/failures';
import { LdapSession } from '../../transport/ldap/session';

const SHOW_DELETED_OID = '1.2.840.113556.1.4.417';
const BIT_AND_RULE = '1.2.840.113556.1.4.803';

type Value = string | Buffer;

/** One request as the fake saw it, for assertions on what the code asked. */
export interface FakeRequest {
	base: string;
	scope: string;
	filter: string;
	paged: boolean;
	controls: string[];
	returned: number;
}

export interface FakeDirectoryOptions {
	server?: string;
	/** Most entries an unpaged search may return (default unlimited). */
	sizeLimit?: number;
	/** Whether the size limit counts a whole paged search too (default false: it counts one page). */
	sizeLimitCountsPages?: boolean;
}

export class FakeDirectory {
	readonly server: string;
	readonly requests: FakeRequest[] = [];
	rootDseEntry: Entry = { dn: '' };
	private readonly entries = new Map<string, Entry>();
	private readonly restricted = new Map<string, 'refused' | 'hidden'>();

	constructor(private readonly options: FakeDirectoryOptions = {}) {
		this.server = options.server ?? 'ldap://fake.example';
	}

	/** Adds or replaces an entry. */
	put(entry: Entry): void {
		this.entries.set(comparableDn(entry.dn), entry);
	}

	remove(dn: string): void {
		this.entries.delete(comparableDn(dn));
	}

	get(dn: string): Entry | undefined {
		return this.entries.get(comparableDn(dn));
	}

	/** The entries below `dn` are refused (insufficientAccess) or silently left out of every answer. */
	restrict(dn: string, how: 'refused' | 'hidden'): void {
		this.restricted.set(comparableDn(dn), how);
	}

	/** This fake as the session the code under test expects. */
	session(): LdapSession {
		return {
			server: this.server,
			rootDse: () => Promise.resolve(this.rootDseEntry),
			search: (base: string, options: SearchOptions, controls?: Control[]) => this.search(base, options, controls),
			searchPages: (base: string, options: SearchOptions, pageSize?: number, controls?: Control[]) =>
				this.searchPages(base, options, pageSize, controls),
			// The session's own: over this fake's search.
			searchIfPresent: LdapSession.prototype.searchIfPresent,
		} as unknown as LdapSession;
	}

	async search(base: string, options: SearchOptions, controls: Control[] = []): Promise<Entry[]> {
		const found = this.matching(base, options, controls, false);
		if (found.length > (this.options.sizeLimit ?? Infinity))
			throw explainLdapFailure(new SizeLimitExceededError(), this.server);
		return Promise.resolve(found.map((entry) => pick(entry, options.attributes ?? [])));
	}

	async *searchPages(
		base: string,
		options: SearchOptions,
		pageSize = 500,
		controls: Control[] = [],
	): AsyncGenerator<Entry[]> {
		const found = this.matching(base, options, controls, true);
		const limit = this.options.sizeLimit ?? Infinity;
		if (this.options.sizeLimitCountsPages && found.length > limit)
			throw explainLdapFailure(new SizeLimitExceededError(), this.server);
		const size = Math.min(pageSize, limit);
		for (let start = 0; start < found.length; start += size)
			yield found.slice(start, start + size).map((entry) => pick(entry, options.attributes ?? []));
	}

	private matching(base: string, options: SearchOptions, controls: Control[], paged: boolean): Entry[] {
		const filter =
			typeof options.filter === 'string' || options.filter === undefined
				? compileFilter(options.filter ?? '(objectClass=*)')
				: options.filter;
		const request: FakeRequest = {
			base,
			scope: options.scope ?? 'base',
			filter: filter.toString(),
			paged,
			controls: controls.map((control) => control.type),
			returned: 0,
		};
		this.requests.push(request);
		const baseKey = comparableDn(base);
		if (!this.entries.has(baseKey))
			throw new RequestError(
				'noSuchObject',
				`The entry or base DN does not exist (${this.server})`,
				'Check the DN',
				this.server,
			);
		const showDeleted = request.controls.includes(SHOW_DELETED_OID);
		const found: Entry[] = [];
		for (const [key, entry] of this.entries) {
			if (!inScope(key, baseKey, request.scope)) continue;
			const restriction = this.restrictionOf(key);
			if (restriction === 'refused')
				throw new RequestError(
					'insufficientAccess',
					`The bind account may not read this entry (${this.server})`,
					'Grant access',
					this.server,
				);
			if (restriction === 'hidden') continue;
			if (!showDeleted && values(entry, 'isDeleted').some((value) => String(value).toUpperCase() === 'TRUE')) continue;
			if (evaluate(filter, entry)) found.push(entry);
		}
		request.returned = found.length;
		return found;
	}

	private restrictionOf(key: string): 'refused' | 'hidden' | undefined {
		for (const [dn, how] of this.restricted) if (key.endsWith(`,${dn}`)) return how;
		return undefined;
	}
}

function inScope(key: string, base: string, scope: string): boolean {
	if (scope === 'base') return key === base;
	if (key === base) return scope === 'sub';
	if (!key.endsWith(`,${base}`)) return false;
	return scope === 'sub' || !key.slice(0, -base.length - 1).includes(',');
}

/** An attribute's values, whatever case the name is written in. */
function values(entry: Entry, name: string): Value[] {
	const key = Object.keys(entry).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
	if (key === undefined || key === 'dn') return [];
	const value = entry[key];
	return Array.isArray(value) ? value : [value];
}

/** The entry with only the requested attributes (all of them for `*`, none for `1.1`), as ldapts returns it. */
function pick(entry: Entry, attributes: string[]): Entry {
	if (attributes.includes('*')) return entry;
	const picked: Entry = { dn: entry.dn };
	for (const name of attributes) {
		const ranged = /^([^;]+);range=(\d+)-(\d+|\*)$/i.exec(name);
		const key = Object.keys(entry).find((candidate) => candidate.toLowerCase() === (ranged?.[1] ?? name).toLowerCase());
		if (key === undefined || key === 'dn') continue;
		if (ranged)
			Object.assign(
				picked,
				rangeOf(key, entry[key], Number(ranged[2]), ranged[3] === '*' ? Infinity : Number(ranged[3])),
			);
		else picked[key] = entry[key];
	}
	return picked;
}

/** What AD answers to `attribute;range=low-high`: the values in that window, named with the range they hold ('*' ends). */
function rangeOf(key: string, value: Entry[string], low: number, high: number): Partial<Entry> {
	const values = Array.isArray(value) ? value : [value];
	if (low >= values.length) return {};
	const last = Math.min(high, values.length - 1);
	return {
		[`${key};range=${low}-${last === values.length - 1 ? '*' : last}`]: values.slice(low, last + 1),
	} as Partial<Entry>;
}

function compare(value: Value, wanted: string): number {
	const text = String(value);
	if (/^-?\d+$/.test(text) && /^-?\d+$/.test(wanted)) return Number(text) - Number(wanted);
	return text.toLowerCase() < wanted.toLowerCase() ? -1 : text.toLowerCase() > wanted.toLowerCase() ? 1 : 0;
}

function evaluate(filter: Filter, entry: Entry): boolean {
	if (filter instanceof AndFilter) return filter.filters.every((inner) => evaluate(inner, entry));
	if (filter instanceof OrFilter) return filter.filters.some((inner) => evaluate(inner, entry));
	if (filter instanceof NotFilter) return !evaluate(filter.filter, entry);
	if (filter instanceof PresenceFilter)
		return filter.attribute.toLowerCase() === 'objectclass' || values(entry, filter.attribute).length > 0;
	if (filter instanceof EqualityFilter) {
		const wanted = filter.value as Value;
		return values(entry, filter.attribute).some((value) => {
			if (Buffer.isBuffer(wanted) || Buffer.isBuffer(value))
				return Buffer.isBuffer(wanted) && Buffer.isBuffer(value) && wanted.equals(value);
			// AD reads `objectCategory=person` as the class's DN (CN=Person,CN=Schema,...), which is what it stores.
			const stored =
				filter.attribute.toLowerCase() === 'objectcategory' && !wanted.includes('=')
					? (/^cn=([^,]+)/i.exec(value)?.[1] ?? value)
					: value;
			return stored.toLowerCase() === wanted.toLowerCase();
		});
	}
	if (filter instanceof GreaterThanEqualsFilter)
		return values(entry, filter.attribute).some((value) => compare(value, filter.value) >= 0);
	if (filter instanceof LessThanEqualsFilter)
		return values(entry, filter.attribute).some((value) => compare(value, filter.value) <= 0);
	if (filter instanceof ExtensibleFilter && filter.rule === BIT_AND_RULE) {
		const bits = Number(filter.value);
		return values(entry, filter.matchType).some((value) => (Number(value) & bits) === bits);
	}
	throw new Error(`fake directory: unsupported filter ${filter.toString()}`);
}
