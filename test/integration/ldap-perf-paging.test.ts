import { LdapSession } from '../../transport/ldap/session';
import type { Slapd } from '../../devkit/slapd';
import { startSlapdWithSession, stopSlapdWithSession } from '../support/slapd-strategies';

/**
 * LdapSession.searchPages asks for the next page before handing one on: every page still comes exactly
 * once, and a listing stopped early leaves the session ready for the next search.
 */
let slapd: Slapd;
let session: LdapSession;

beforeAll(async () => ({ slapd, session } = await startSlapdWithSession({ users: 60, otds: false })));
afterAll(() => stopSlapdWithSession(slapd, session));

const people = (pageSize: number) =>
	session.searchPages(
		slapd.layout.peopleDN,
		{ scope: 'one', filter: '(objectClass=inetOrgPerson)', attributes: ['uid'] },
		pageSize,
	);

async function allUids(pageSize: number): Promise<{ uids: string[]; pages: number[] }> {
	const uids: string[] = [];
	const pages: number[] = [];
	for await (const page of people(pageSize)) {
		pages.push(page.length);
		// A slow caller: the next page is already on its way meanwhile.
		await new Promise((resolve) => setTimeout(resolve, 2));
		uids.push(...page.map((entry) => String(entry.uid)));
	}
	return { uids, pages };
}

describe('paged searches with the next page asked for ahead', () => {
	it('returns every entry exactly once, in pages of at most the page size', async () => {
		const { uids, pages } = await allUids(7);
		expect(uids).toHaveLength(slapd.fixture.users.length);
		expect(new Set(uids).size).toBe(uids.length);
		expect(Math.max(...pages)).toBeLessThanOrEqual(7);
		expect(uids.sort()).toEqual(slapd.fixture.users.map((user) => user.uid).sort());
	});

	it('leaves the session ready after a listing stopped early', async () => {
		for (const stopAfter of [1, 2]) {
			let seen = 0;
			for await (const page of people(5)) {
				seen += page.length;
				if (seen >= stopAfter * 5) break;
			}
			expect(seen).toBe(stopAfter * 5);
			expect((await allUids(25)).uids).toHaveLength(slapd.fixture.users.length);
			expect(
				await session.search(slapd.layout.peopleDN, { scope: 'one', filter: '(uid=nobody)', attributes: ['uid'] }),
			).toEqual([]);
		}
	});

	it('reports a failing search from the listing', async () => {
		const listing = session.searchPages(
			'ou=missing,dc=example,dc=com',
			{ scope: 'sub', filter: '(objectClass=*)', attributes: ['1.1'] },
			5,
		);
		await expect(listing.next()).rejects.toMatchObject({ kind: 'noSuchObject' });
		expect((await allUids(30)).uids).toHaveLength(slapd.fixture.users.length);
	});
});
