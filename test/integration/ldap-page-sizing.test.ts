import { nextGroupPageSize } from '../../core/changes/ldap/reader';
import { RequestError } from '../../core/errors';
import type { Entry } from '../../transport/ldap/ldapts';
import { LdapSession } from '../../transport/ldap/session';
import type { Slapd } from '../../devkit/slapd';
import { adminConnection, slapdReader, startSlapdWithSession, stopSlapdWithSession } from '../support/slapd-strategies';

/**
 * A paged search whose page size is chosen page by page (LdapSession.searchPages' `nextPageSize`), on a real
 * slapd: the server hands out pages of the sizes chosen, the listing is the same as at one size, and Max Pages per
 * Search counts each page as its part of a page of `boundAsPagesOf`. The trigger reads its groups this way: as many
 * per page as keep a page's member values near 20,000 (a first activation at a million people otherwise held every
 * group's member DNs at once).
 */
let slapd: Slapd;
let session: LdapSession;

beforeAll(async () => ({ slapd, session } = await startSlapdWithSession({ users: 400, otds: false })));
afterAll(() => stopSlapdWithSession(slapd, session));

const groupSearch = { scope: 'sub' as const, filter: '(objectClass=groupOfNames)', attributes: ['cn', 'member'] };

async function listGroups(pageSize: number, reading = {}, on = session): Promise<{ names: string[]; pages: number[] }> {
	const names: string[] = [];
	const pages: number[] = [];
	for await (const page of on.searchPages(slapd.layout.groupsDN, groupSearch, pageSize, undefined, reading)) {
		pages.push(page.length);
		for (const entry of page) names.push(String(entry.cn));
	}
	return { names, pages };
}

it('the server hands out pages of the sizes chosen page by page, and the listing is the one read at one size', async () => {
	const asked: Array<{ read: number; size: number }> = [];
	const chosen = await listGroups(1, {
		nextPageSize: (page: Entry[], size: number) => {
			asked.push({ read: page.length, size });
			return size + 1;
		},
	});
	const fixed = await listGroups(1000);
	expect(fixed.pages).toHaveLength(1);
	expect(fixed.names.length).toBeGreaterThan(20);
	expect(chosen.names).toEqual(fixed.names);
	// Pages of 1, 2, 3... until the last, which holds what is left.
	const full = chosen.pages.slice(0, -1);
	expect(full).toEqual(full.map((_, index) => index + 1));
	expect(chosen.pages[chosen.pages.length - 1]).toBeLessThanOrEqual(chosen.pages.length);
	// Each choice saw the page just read and the size it was asked with.
	expect(asked.slice(0, full.length)).toEqual(full.map((length) => ({ read: length, size: length })));
});

it('Max Pages per Search counts a page as its part of a page of boundAsPagesOf', async () => {
	const capped = await LdapSession.open({ ...adminConnection(slapd), maxPages: 2 });
	try {
		// Pages of 1 counted as pages of 4: 2 × 4 = 8 pages, then the listing (over 20 groups) is stopped.
		const failure = await listGroups(1, { boundAsPagesOf: 4, nextPageSize: () => 1 }, capped).catch(
			(error: unknown) => error,
		);
		expect(failure).toBeInstanceOf(RequestError);
		expect((failure as Error).message).toMatch(/stopped after 8 pages \(/);
		expect((failure as RequestError).hint).toMatch(/Max Pages per Search/);
	} finally {
		await capped.close();
	}
});

it("the trigger's first read of every group takes one group first, then as many as keep a page near 20,000 member values; a poll's read of changed groups 200 first", async () => {
	const sizes: number[] = [];
	const reader = slapdReader(slapd, session);
	const searchPages = session.searchPages.bind(session);
	session.searchPages = (base, options, pageSize, controls, reading = {}) => {
		sizes.push(pageSize ?? 500);
		const choose = reading.nextPageSize;
		return searchPages(base, options, pageSize, controls, {
			...reading,
			nextPageSize: choose && ((page, size) => (sizes.push(choose(page, size)), sizes[sizes.length - 1])),
		});
	};
	try {
		const groups: string[] = [];
		for await (const { observation } of reader.eachGroup()) groups.push(observation.group.name);
		expect(groups.length).toBeGreaterThan(20);
		// Groups of at most 400 members: 1, then ten times more per page up to 200.
		expect(sizes.slice(0, 3)).toEqual([1, 10, 100]);
		// The groups changed since a stamp, as a poll reads them: few, so as many as before in one request.
		sizes.length = 0;
		const changed: string[] = [];
		for await (const { observation } of reader.eachGroup('(modifyTimestamp>=19700101000000Z)'))
			changed.push(observation.group.name);
		expect(changed).toEqual(groups);
		expect(sizes[0]).toBe(200);
	} finally {
		session.searchPages = searchPages;
	}
});

describe('nextGroupPageSize', () => {
	const group = (members: number): Entry => ({
		dn: 'cn=g,ou=groups,dc=example,dc=com',
		cn: 'g',
		member: Array.from({ length: members }, (_, index) => `uid=u${index},ou=people,dc=example,dc=com`),
	});

	it('keeps to one group a page after large groups, and grows at most tenfold a page, up to 200, after small ones', () => {
		expect(nextGroupPageSize([group(250_000)], 1)).toBe(1);
		expect(nextGroupPageSize([group(30_000), group(10_000)], 2)).toBe(1);
		expect(nextGroupPageSize([group(5_000)], 1)).toBe(3);
		expect(nextGroupPageSize([group(10)], 1)).toBe(10);
		expect(nextGroupPageSize([group(10)], 50)).toBe(200);
		expect(
			nextGroupPageSize(
				Array.from({ length: 40 }, () => group(1_000)),
				40,
			),
		).toBe(19);
	});

	it('counts the values of every attribute (AD sends a large group as member;range=0-1499)', () => {
		const ranged: Entry = { dn: 'cn=g', cn: 'g', 'member;range=0-1499': group(1_499).member as string[] };
		expect(nextGroupPageSize([ranged], 10)).toBe(13);
	});

	it('grows after an empty page, which says nothing about the groups', () => {
		expect(nextGroupPageSize([], 5)).toBe(50);
	});
});
