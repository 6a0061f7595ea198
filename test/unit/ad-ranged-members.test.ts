/**
 * Active Directory range retrieval of `member` (MS-ADTS 3.1.1.3.1.3.3), tested WITHOUT an Active
 * Directory: there is none here. The responses below are built by hand in the shape AD is documented to
 * answer (`member;range=0-1499`, then `member;range=1500-2999`, ..., a last `member;range=N-*`), as ldapts
 * 8 hands them to us — including the empty value list ldapts adds under each requested attribute name the
 * server did not echo. They are NOT recordings of a live domain controller.
 */
import {
	AndFilter,
	EqualityFilter,
	NotFilter,
	OrFilter,
	PresenceFilter,
	type Entry,
	type Filter,
	type SearchOptions,
} from 'ldapts';
import { profileFor } from '../../core/ldap/flavours';
import { LdapGroupDirectory } from '../../core/ldap/groups';
import { LdapMemberReader } from '../../core/ldap/members';
import { countValues, parseRangeOption, readAllValues, readRangeStep } from '../../core/ldap/ranged';
import { compileFilter } from '../../transport/ldap/filter-compiler';
import type { LdapSession } from '../../transport/ldap/session';

const BASE = 'DC=corp,DC=example,DC=com';
const userDn = (index: number) => `CN=User ${index},OU=Staff,${BASE}`;
const groupDn = (name: string) => `CN=${name},OU=Groups,${BASE}`;

/** How ldapts 8 turns a SearchEntry into an object: one value → string, requested but absent → []. */
function asLdapts(dn: string, returned: Record<string, string[]>, requested: string[]): Entry {
	const entry: Entry = { dn };
	for (const [name, values] of Object.entries(returned)) entry[name] = values.length === 1 ? values[0] : values;
	const present = new Set(Object.keys(returned).map((name) => name.toLowerCase()));
	for (const name of requested) if (!present.has(name.toLowerCase()) && entry[name] === undefined) entry[name] = [];
	return entry;
}

/** A directory entry of the fake AD. */
interface FakeEntry {
	dn: string;
	attributes: Record<string, string[]>;
}

/**
 * A fake AD that answers base reads of `member` in ranges of `maxValRange` values, and subtree searches by
 * evaluating the (compiled) filter objects on its entries.
 */
class FakeActiveDirectory {
	readonly requests: string[][] = [];
	private readonly entries = new Map<string, FakeEntry>();

	constructor(private readonly maxValRange = 1500) {}

	add(dn: string, attributes: Record<string, string[]>): void {
		this.entries.set(dn.toLowerCase(), { dn, attributes: { ...attributes, distinguishedName: [dn] } });
	}

	async search(baseDN: string, options: SearchOptions): Promise<Entry[]> {
		const requested = options.attributes ?? [];
		this.requests.push(requested);
		if (options.scope === 'base') {
			const entry = this.entries.get(baseDN.toLowerCase());
			if (!entry) return [];
			const returned: Record<string, string[]> = {};
			for (const name of requested) {
				const range = parseRangeOption(name);
				const attribute = range?.attribute ?? name;
				const values = entry.attributes[attribute] ?? [];
				if (values.length === 0) continue;
				const start = range?.start ?? 0;
				if (start === 0 && values.length <= this.maxValRange && !range) {
					returned[attribute] = values;
					continue;
				}
				// An explicit window (`0-1499`) is honoured up to MaxValRange.
				const high = range !== undefined && range.end !== '*' ? range.end + 1 : Infinity;
				const end = Math.min(values.length, start + this.maxValRange, high) - 1;
				const last = end >= values.length - 1;
				returned[`${attribute};range=${start}-${last ? '*' : end}`] = values.slice(start, end + 1);
			}
			return [asLdapts(entry.dn, returned, requested)];
		}
		// Like LdapSession, which compiles string filters itself.
		const filter = typeof options.filter === 'string' ? compileFilter(options.filter) : (options.filter as Filter);
		const base = baseDN.toLowerCase();
		return [...this.entries.values()]
			.filter((entry) => entry.dn.toLowerCase().endsWith(base) && evaluate(filter, entry.attributes))
			.map((entry) =>
				asLdapts(
					entry.dn,
					requested.includes('1.1') ? {} : pick(entry.attributes, requested),
					requested.includes('1.1') ? [] : requested,
				),
			);
	}

	/** A base read finds nothing rather than failing when the entry is missing, as LdapSession's does. */
	searchIfPresent(baseDN: string, options: SearchOptions): Promise<Entry[]> {
		return this.search(baseDN, options);
	}

	async *searchPages(baseDN: string, options: SearchOptions, pageSize = 500): AsyncGenerator<Entry[]> {
		const all = await this.search(baseDN, options);
		for (let index = 0; index < all.length; index += pageSize) yield all.slice(index, index + pageSize);
	}
}

function pick(attributes: Record<string, string[]>, names: string[]): Record<string, string[]> {
	const out: Record<string, string[]> = {};
	for (const name of names) if (attributes[name]) out[name] = attributes[name];
	return out;
}

/** An OR of equalities on one attribute (a batch of DNs) as one Set, so the fake stays fast. */
const orSets = new WeakMap<OrFilter, { attribute: string; values: Set<string> } | null>();
function asSet(filter: OrFilter): { attribute: string; values: Set<string> } | null {
	if (!orSets.has(filter)) {
		const all = filter.filters.every(
			(inner) => inner instanceof EqualityFilter && inner.attribute === (filter.filters[0] as EqualityFilter).attribute,
		);
		orSets.set(
			filter,
			all && filter.filters.length > 0
				? {
						attribute: (filter.filters[0] as EqualityFilter).attribute,
						values: new Set(filter.filters.map((inner) => String((inner as EqualityFilter).value).toLowerCase())),
					}
				: null,
		);
	}
	return orSets.get(filter) ?? null;
}

function evaluate(filter: Filter, attributes: Record<string, string[]>): boolean {
	const values = (name: string) =>
		Object.entries(attributes).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1] ?? [];
	if (filter instanceof AndFilter) return filter.filters.every((inner) => evaluate(inner, attributes));
	if (filter instanceof OrFilter) {
		const set = asSet(filter);
		if (set) return values(set.attribute).some((value) => set.values.has(value.toLowerCase()));
		return filter.filters.some((inner) => evaluate(inner, attributes));
	}
	if (filter instanceof NotFilter) return !evaluate(filter.filter, attributes);
	if (filter instanceof PresenceFilter) return values(filter.attribute).length > 0;
	if (filter instanceof EqualityFilter) {
		const wanted = String(filter.value).toLowerCase();
		return values(filter.attribute).some((value) => value.toLowerCase() === wanted);
	}
	throw new Error(`fake AD: unsupported filter ${filter.constructor.name}`);
}

const person = (index: number) => ({
	objectCategory: ['person'],
	objectClass: ['top', 'person', 'user'],
	sAMAccountName: [`user${index}`],
	cn: [`User ${index}`],
});

describe('range retrieval of attribute values (AD shapes, no AD server)', () => {
	it('parses range options', () => {
		expect(parseRangeOption('member;range=0-1499')).toEqual({ attribute: 'member', start: 0, end: 1499 });
		expect(parseRangeOption('member;Range=1500-*')).toEqual({ attribute: 'member', start: 1500, end: '*' });
		expect(parseRangeOption('member')).toBeUndefined();
		expect(parseRangeOption('member;binary')).toBeUndefined();
	});

	it('reads one step: a numeric end wins over the empty placeholder ldapts adds', () => {
		const first = asLdapts(groupDn('Big'), { 'member;range=0-1499': ['a', 'b'] }, ['member']);
		expect(first.member).toEqual([]);
		expect(readRangeStep(first, 'member')).toEqual({ values: ['a', 'b'], next: 1500 });
		const middle = asLdapts(groupDn('Big'), { 'member;range=1500-2999': ['c'] }, ['member;range=1500-*']);
		expect(readRangeStep(middle, 'member')).toEqual({ values: ['c'], next: 3000 });
		const last = asLdapts(groupDn('Big'), { 'member;range=3000-*': ['d', 'e'] }, ['member;range=3000-*']);
		expect(readRangeStep(last, 'member')).toEqual({ values: ['d', 'e'] });
		// Exactly 1500 members: the request for 1500-* comes back empty.
		expect(readRangeStep(asLdapts(groupDn('Big'), {}, ['member;range=1500-*']), 'member')).toEqual({ values: [] });
		// Not ranged at all (a small group, or any other server).
		expect(readRangeStep(asLdapts(groupDn('Small'), { member: ['x'] }, ['member']), 'member')).toEqual({
			values: ['x'],
		});
	});

	it.each([
		[0, [['member']]],
		[1, [['member']]],
		[1500, [['member']]],
		[1501, [['member'], ['member;range=1500-*']]],
		[3000, [['member'], ['member;range=1500-*']]],
		[3200, [['member'], ['member;range=1500-*'], ['member;range=3000-*']]],
	])('reads all %d values in as many requests as ranges', async (count, expectedRequests) => {
		const ad = new FakeActiveDirectory();
		const members = Array.from({ length: count }, (_, index) => userDn(index));
		ad.add(groupDn('Big'), { objectClass: ['group'], member: members });
		const chunks: string[][] = [];
		for await (const values of readAllValues(ad, groupDn('Big'), 'member')) chunks.push(values);
		expect(chunks.flat()).toEqual(members);
		expect(chunks.every((chunk) => chunk.length <= 1500)).toBe(true);
		expect(ad.requests).toEqual(expectedRequests);
	});

	it('stops when a server never ends its ranges', async () => {
		const endless = { search: async (dn: string) => [asLdapts(dn, { 'member;range=0-0': ['x'] }, [])] };
		const read = async () => {
			for await (const values of readAllValues(endless, 'CN=x', 'member', undefined, 5)) void values;
		};
		await expect(read()).rejects.toThrow(/did not end after 5 requests/);
	});

	it('counts a big group for getGroup, and leaves searchGroups counts undefined when ranged', async () => {
		const ad = new FakeActiveDirectory(1000);
		ad.add(groupDn('Everyone'), {
			objectClass: ['group'],
			cn: ['Everyone'],
			member: Array.from({ length: 2500 }, (_, index) => userDn(index)),
		});
		const first = (await ad.search(groupDn('Everyone'), { scope: 'base', attributes: ['member'] }))[0];
		expect(await countValues(ad, first, 'member')).toBe(2500);
		const groups = new LdapGroupDirectory(ad as unknown as LdapSession, profileFor('activeDirectory'), BASE);
		expect(groups.toGroup(first, []).memberCount).toBeUndefined();
	});

	it('lists the people of a ranged, nested AD group with the member-attribute reader', async () => {
		const ad = new FakeActiveDirectory(1500);
		const everyone = Array.from({ length: 3400 }, (_, index) => index);
		for (const index of everyone) ad.add(userDn(index), person(index));
		// "All" holds 3,000 people and the group "Some", which holds 500 of the same people, 400 others and "All" (a cycle).
		ad.add(groupDn('Some'), {
			objectClass: ['top', 'group'],
			cn: ['Some'],
			member: [...everyone.slice(2500, 3400).map(userDn), groupDn('All')],
		});
		ad.add(groupDn('All'), {
			objectClass: ['top', 'group'],
			cn: ['All'],
			member: [...everyone.slice(0, 3000).map(userDn), groupDn('Some')],
		});
		const reader = new LdapMemberReader(ad as unknown as LdapSession, profileFor('activeDirectory'), BASE, BASE);
		const seen: string[] = [];
		for await (const page of reader.read(groupDn('All'), {
			nested: true,
			attributes: ['sAMAccountName'],
			lookup: 'memberAttribute',
			pageSize: 250,
		})) {
			expect(page.length).toBeLessThanOrEqual(250);
			seen.push(...page.map((entry) => String(entry.sAMAccountName)));
		}
		expect(seen.length).toBe(3400);
		expect(new Set(seen).size).toBe(3400);
		expect(reader.stats.groupsExpanded).toBe(2);
		// Ranged reads of "All" (3,001 values: 3 requests) and "Some" (901 values: 1 request).
		const rangedRequests = ad.requests.filter((attributes) => attributes[0]?.startsWith('member'));
		// The AD profile asks for the first range itself (real AD truncates a plain request).
		expect(rangedRequests).toEqual([
			['member;range=0-1499'],
			['member;range=1500-*'],
			['member;range=3000-*'],
			['member;range=0-1499'],
		]);
	});
});
