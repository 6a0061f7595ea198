/**
 * The people in an LDAP group, direct or through nested groups, streamed page by page.
 *
 * Groups are expanded breadth-first. Each group DN is expanded at most once (a Set of the group DNs
 * seen cuts cycles and diamonds), and each person is returned at most once (a Set of the person DNs
 * returned; only DNs are kept, never entries).
 *
 * Two ways to read one group's people (FlavourProfile.memberLookup; measured in bench/groups.bench.ts):
 * - `memberOf` (default where the server maintains the reverse attribute): one paged search
 *   `(&(<user filter>)(memberOf=<group DN>))` under the user base, and one for the subgroups under the
 *   group base. The server answers from its memberOf index; the client neither reads the group's member
 *   list nor sends one request per member. A search per group rather than one OR of all groups, because a
 *   paged search makes the server rebuild the candidate list for every page: per-group searches keep those
 *   lists short (measured faster on the 100,000-user directory), and they let pages start arriving at once.
 *   If a group has members but the search found nobody (no memberof overlay), that group is read again
 *   the other way.
 * - `memberAttribute`: read the group's member DNs (in ranges on AD; see ranged.ts), skip DNs already
 *   seen, and fetch the rest in batches of 200 OR-ed equality filters on the DN attribute
 *   `(|(entryDN=...)(entryDN=...))` — one search per batch instead of one per member, two batches in
 *   flight. Returned DNs are checked against the batch. DNs that are not people are looked up once more
 *   among groups, to nest. Two to three times as slow as `memberOf` on OpenLDAP (the server evaluates the OR
 *   filters), but it needs nothing from the server beyond the member attribute.
 *
 * Measured on 100,000 users, a nested group of 58,693 people, 16 attributes each (bench/groups.bench.ts,
 * medians of 7 interleaved rounds on 2 shared, more or less busy cores): memberOf ~0.75–1.5 s,
 * memberAttribute ~1.9–3.4 s; the ldapsearch CLI (OR of all groups) ~0.75–1.6 s paged, ~0.45–0.9 s
 * unpaged. memberOf takes ~1.0–1.35× the paged and ~1.5–1.9× the unpaged ldapsearch; before the search
 * entry decoder (transport/ldap/search-entry-decoder.ts) and the page read-ahead of LdapSession.searchPages
 * it took ~1.5–2.4× and ~2.65–3.5×. What remains is mostly the client waiting for the server between pages
 * (a paged search asks for one page at a time) and the JavaScript decoding itself (~0.45 s of CPU;
 * ldapsearch's ~0.3 s). Two connections reading two groups at once measured only ~6% faster: not done.
 *
 * Where a product keeps a person's primary group on the person (AD's primaryGroupID: Domain Users lists none of its
 * people as members), each group's people also include those whose primary group it is: one more paged search per
 * group (readPrimaryMembers), its people checked against those already returned.
 *
 * One paged search at a time per session: OpenLDAP keeps one paging state per connection, so a caller
 * must not start another listing on the same session while iterating this one.
 */
import type { Entry, SearchOptions } from '../../transport/ldap/ldapts';
import type { LdapSession } from '../../transport/ldap/session';
import { normalizeDn } from './dn';
import { escapeFilterValue } from './escape';
import { allOf, anyOf } from './filter';
import type { FlavourProfile, MemberLookup } from './flavours';
import { anyMemberFilter, memberRequests } from './member-attributes';
import { readAllValues } from './ranged';
import { SeenIds } from '../seen-ids';

export interface MemberReadOptions {
	nested: boolean;
	/** Attributes to read for each person. */
	attributes: string[];
	/** Upper bound of a page (default 500). */
	pageSize?: number;
	/** How to read members; default: the profile's. */
	lookup?: MemberLookup;
	/** DNs per batch in the memberAttribute way (default 200). */
	batchSize?: number;
}

/** Counters of the work done, for tests and benchmarks. */
export interface MemberReadStats {
	groupsExpanded: number;
	searches: number;
	/** Groups read with memberAttribute after memberOf found nobody. */
	fallbacks: number;
}

export class LdapMemberReader {
	readonly stats: MemberReadStats = { groupsExpanded: 0, searches: 0, fallbacks: 0 };

	constructor(
		private readonly session: LdapSession,
		private readonly profile: FlavourProfile,
		private readonly userBaseDN: string,
		private readonly groupBaseDN: string,
	) {}

	/** Streams the person entries of the group whose (server-returned) DN is given, pages of ≤ pageSize. */
	async *read(groupDn: string, options: MemberReadOptions): AsyncGenerator<Entry[]> {
		const lookup = options.lookup ?? this.profile.memberLookup;
		const pageSize = Math.max(1, options.pageSize ?? 500);
		const seenGroups = new Set<string>([groupKey(groupDn)]);
		/** Person DNs returned so far (as hashes: see SeenIds); needed when more than one group, or list, is read. */
		const seenPeople = new SeenIds();
		const queue: string[] = [groupDn];
		while (queue.length > 0) {
			const group = queue.shift() as string;
			this.stats.groupsExpanded++;
			const subgroups: string[] = [];
			const fresh = (entries: Entry[]): Entry[] => {
				// A group's direct people come once each, from its member list or as people whose primary group it is.
				if (!options.nested && this.profile.primaryGroup === undefined) return entries;
				// Keyed by the DN exactly as the server returns it: the same entry always comes back the same.
				return entries.filter((entry) => seenPeople.add(entry.dn));
			};
			const reader =
				lookup === 'memberOf'
					? this.readByMemberOf(group, options, pageSize, subgroups, seenPeople)
					: this.readByMemberAttribute(
							group,
							options,
							Math.min(pageSize, options.batchSize ?? 200),
							subgroups,
							seenPeople,
						);
			for await (const entries of reader) {
				const page = fresh(entries);
				if (page.length > 0) yield page;
			}
			for await (const entries of this.readPrimaryMembers(group, options, pageSize)) {
				const page = fresh(entries);
				if (page.length > 0) yield page;
			}
			for (const subgroup of subgroups) {
				const key = groupKey(subgroup);
				if (seenGroups.has(key)) continue;
				seenGroups.add(key);
				queue.push(subgroup);
			}
		}
	}

	private async *readByMemberOf(
		group: string,
		options: MemberReadOptions,
		pageSize: number,
		subgroups: string[],
		seenPeople: SeenIds,
	): AsyncGenerator<Entry[]> {
		const reverse = `(${this.profile.user.memberOf}=${escapeFilterValue(group)})`;
		let found = 0;
		for await (const entries of this.pages(
			this.userBaseDN,
			allOf([this.profile.userFilter, reverse]),
			options.attributes,
			pageSize,
		)) {
			found += entries.length;
			yield entries;
		}
		if (options.nested) {
			for await (const entries of this.pages(
				this.groupBaseDN,
				allOf([this.profile.groupFilter, reverse]),
				['1.1'],
				1000,
			)) {
				for (const entry of entries) subgroups.push(entry.dn);
			}
		}
		if (found === 0 && subgroups.length === 0 && (await this.hasAnyMember(group))) {
			// The group lists members, yet no entry names it back: the server does not maintain memberOf.
			this.stats.fallbacks++;
			yield* this.readByMemberAttribute(
				group,
				options,
				Math.min(pageSize, options.batchSize ?? 200),
				subgroups,
				seenPeople,
			);
		}
	}

	/**
	 * The people whose primary group this is, where the product keeps that on the person (AD: Domain Users lists
	 * none of its people as members): one paged search `(&(<user filter>)(primaryGroupID=<rid>))`, after the group's
	 * own attributes tell the value. Nothing where the product has no primary groups or the group cannot be one.
	 */
	private async *readPrimaryMembers(
		group: string,
		options: MemberReadOptions,
		pageSize: number,
	): AsyncGenerator<Entry[]> {
		const primary = this.profile.primaryGroup;
		if (primary === undefined) return;
		this.stats.searches++;
		const [entry] = await this.session.searchIfPresent(group, {
			scope: 'base',
			filter: '(objectClass=*)',
			attributes: primary.groupAttributes,
			explicitBufferAttributes: this.profile.binaryAttributes,
		});
		const value = entry === undefined ? undefined : primary.valueOf(entry);
		if (value === undefined) return;
		yield* this.pages(
			this.userBaseDN,
			allOf([this.profile.userFilter, `(${primary.userAttribute}=${escapeFilterValue(value)})`]),
			options.attributes,
			pageSize,
		);
	}

	private async *readByMemberAttribute(
		group: string,
		options: MemberReadOptions,
		batchSize: number,
		subgroups: string[],
		seenPeople: SeenIds,
	): AsyncGenerator<Entry[]> {
		// Two batches in flight: while one batch's people are handed on, the server already reads the next.
		const inFlight: Array<Promise<BatchResult>> = [];
		let batch: string[] = [];
		const send = () => {
			if (batch.length > 0) inFlight.push(this.resolveBatch(batch, options));
			batch = [];
		};
		const take = async (): Promise<Entry[]> => {
			const result = await (inFlight.shift() as Promise<BatchResult>);
			subgroups.push(...result.subgroups);
			return result.people;
		};
		try {
			for (const request of memberRequests(this.profile)) {
				for await (const values of readAllValues(this.tracked(), group, request)) {
					for (const dn of values) {
						// A member value usually spells the DN as the entry does: skip people already returned.
						if (seenPeople.has(dn)) continue;
						batch.push(dn);
						if (batch.length < batchSize) continue;
						send();
						if (inFlight.length >= 2) {
							const people = await take();
							if (people.length > 0) yield people;
						}
					}
				}
			}
			send();
			while (inFlight.length > 0) {
				const people = await take();
				if (people.length > 0) yield people;
			}
		} finally {
			// A listing stopped early must not leave rejected promises behind.
			for (const pending of inFlight) pending.catch(() => undefined);
		}
	}

	/**
	 * Reads one batch of member DNs: people first, then, when nesting, the rest among groups. Each member DN
	 * is parsed once (values that are not DNs are skipped: the server could match nothing with them); the
	 * entries that come back are matched to the batch by their DN as sent, else by its normal form.
	 */
	private async resolveBatch(dns: string[], options: MemberReadOptions): Promise<BatchResult> {
		const normalOf = new Map<string, string>();
		const wanted = new Map<string, string>();
		for (const dn of dns) {
			const normal = normalOrUndefined(dn);
			if (normal === undefined || wanted.has(normal)) continue;
			normalOf.set(dn, normal);
			wanted.set(normal, dn);
		}
		if (wanted.size === 0) return { people: [], subgroups: [] };
		const matches = (entry: Entry): boolean => {
			const normal = normalOf.get(entry.dn) ?? normalOrUndefined(entry.dn);
			return normal !== undefined && wanted.delete(normal);
		};
		const byDn = (list: Iterable<string>) =>
			anyOf([...list].map((dn) => `(${this.profile.dnAttribute}=${escapeFilterValue(dn)})`));
		const people = (
			await this.search(this.userBaseDN, allOf([this.profile.userFilter, byDn(wanted.values())]), options.attributes)
		).filter(matches);
		if (!options.nested || wanted.size === 0) return { people, subgroups: [] };
		const groups = await this.search(this.groupBaseDN, allOf([this.profile.groupFilter, byDn(wanted.values())]), [
			'1.1',
		]);
		return { people, subgroups: groups.filter(matches).map((entry) => entry.dn) };
	}

	private async hasAnyMember(group: string): Promise<boolean> {
		const entries = await this.tracked().search(group, {
			scope: 'base',
			filter: anyMemberFilter(this.profile),
			attributes: ['1.1'],
		});
		return entries.length > 0;
	}

	private search(base: string, filter: string, attributes: string[]): Promise<Entry[]> {
		return this.tracked().search(base, {
			scope: 'sub',
			filter,
			attributes,
			explicitBufferAttributes: this.profile.binaryAttributes,
		});
	}

	private pages(base: string, filter: string, attributes: string[], pageSize: number): AsyncGenerator<Entry[]> {
		this.stats.searches++;
		return this.session.searchPages(
			base,
			{ scope: 'sub', filter, attributes, explicitBufferAttributes: this.profile.binaryAttributes },
			pageSize,
		);
	}

	/** The session's search, counted. */
	private tracked(): { search(base: string, options: SearchOptions): Promise<Entry[]> } {
		return {
			search: (base, options) => {
				this.stats.searches++;
				return this.session.search(base, options);
			},
		};
	}
}

interface BatchResult {
	people: Entry[];
	subgroups: string[];
}

function normalOrUndefined(dn: string): string | undefined {
	try {
		return normalizeDn(dn);
	} catch {
		return undefined;
	}
}

/** Group DNs as the server returns them compare by their lower-cased text; others by their normal form. */
function groupKey(dn: string): string {
	try {
		return normalizeDn(dn);
	} catch {
		return dn.toLowerCase();
	}
}
