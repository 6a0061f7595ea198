/**
 * resolveAudience (core/audience.ts) over a directory of many pages: the backend is read only as the audience's
 * pages are taken (nothing read ahead), a union sends each person once across its sources, and the fields asked
 * for reach the backend. The directory here is a stand-in that makes its people as it is read.
 */
import { resolveAudience } from '../../core/audience';
import type { DirectoryBackend, MemberListing, UserSearch } from '../../core/directory/backend';
import type { DirectoryUser } from '../../core/model/directory-user';

const person = (index: number): DirectoryUser => ({
	id: `id-${index}`,
	dn: `uid=u${index},ou=people,dc=example,dc=com`,
	login: `u${index}`,
	memberOf: [],
	status: { disabled: false, locked: false, passwordResetRequired: false },
	attributes: {},
});

/** People `from` to `to` (excluded) in pages of `pageSize`, counting the pages handed out. */
async function* people(from: number, to: number, pageSize: number, read: { pages: number }) {
	for (let start = from; start < to; start += pageSize) {
		read.pages++;
		yield Array.from({ length: Math.min(pageSize, to - start) }, (_, offset) => person(start + offset));
	}
}

/** A group of people 0 to 60,000 and, by a condition, people 40,000 to 100,000: 20,000 in both. */
function directory() {
	const read = { group: { pages: 0 }, condition: { pages: 0 } };
	const asked: Array<UserSearch | MemberListing> = [];
	const backend = {
		kind: 'ldap',
		userAttribute: (field: string) => field,
		searchUsers(search: UserSearch) {
			asked.push(search);
			return people(40_000, 100_000, search.pageSize ?? 500, read.condition);
		},
		groupMembers(_key: string, _value: string, listing: MemberListing) {
			asked.push(listing);
			return people(0, 60_000, listing.pageSize ?? 500, read.group);
		},
	} as unknown as DirectoryBackend;
	return { backend, read, asked };
}

describe('resolveAudience over many pages', () => {
	test('reads the directory only as its pages are taken', async () => {
		const { backend, read } = directory();
		const pages = resolveAudience(backend, { groups: ['Everyone'], pageSize: 100 });
		await pages.next();
		await pages.next();
		expect(read.group.pages).toBe(2);
		await pages.return(undefined);
	});

	test('a union sends each person once, whatever its size, and asks only for the fields given', async () => {
		const { backend, read, asked } = directory();
		const ids = new Set<string>();
		let count = 0;
		for await (const page of resolveAudience(backend, {
			groups: ['Everyone'],
			conditions: [{ field: 'mail', operator: 'present' }],
			pageSize: 1000,
			fields: ['login'],
		})) {
			expect(page.length).toBeLessThanOrEqual(1000);
			for (const member of page) ids.add(member.id);
			count += page.length;
		}
		expect(count).toBe(100_000);
		expect(ids.size).toBe(100_000);
		expect(read).toEqual({ group: { pages: 60 }, condition: { pages: 60 } });
		expect(asked.map((search) => search.fields)).toEqual([['login'], ['login']]);
	});
});
