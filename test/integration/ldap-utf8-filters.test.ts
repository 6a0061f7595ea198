import { Client } from 'ldapts';
import { ConfigurationError } from '../../core/errors';
import { escapeFilterValue } from '../../core/ldap/escape';
import { LdapSession } from '../../transport/ldap/session';
import { parseLdapConnectionSettings } from '../../transport/ldap/settings';
import { attrLine } from '../../devkit/fixture';
import { startSlapd, type Slapd } from '../../devkit/slapd';

/**
 * Every string filter given to LdapSession reaches the server with its escaped UTF-8 read as bytes
 * (ldapts 8's own parser reads `\c3\bc` as two characters), whichever code builds the search.
 */
let slapd: Slapd;
let session: LdapSession;

const department = 'Forschung & Entwicklung – München';
const displayName = 'Zoë Müller-Lefèvre 日本 😀';

beforeAll(async () => {
	slapd = await startSlapd({ users: 20 });
	await slapd.ldapmodify(
		`${attrLine('dn', `uid=zoe.utf8,${slapd.layout.peopleDN}`)}changetype: add\nobjectClass: inetOrgPerson\n` +
			`${attrLine('uid', 'zoe.utf8')}${attrLine('cn', displayName)}${attrLine('sn', 'Müller-Lefèvre')}` +
			`${attrLine('ou', department)}${attrLine('displayName', displayName)}`,
	);
	session = await LdapSession.open(
		parseLdapConnectionSettings({
			serverUrls: slapd.url,
			connectionSecurity: 'none',
			bindDN: slapd.adminDN,
			bindPassword: slapd.adminPassword,
			baseDN: slapd.baseDN,
		}),
	);
});

afterAll(async () => {
	await session?.close();
	await slapd?.stop();
});

const uids = (entries: Array<Record<string, unknown>>) => entries.map((entry) => entry.uid);

async function paged(filter: string): Promise<Array<Record<string, unknown>>> {
	const entries: Array<Record<string, unknown>> = [];
	for await (const page of session.searchPages(
		slapd.layout.peopleDN,
		{ scope: 'sub', filter, attributes: ['uid', 'ou'] },
		5,
	))
		entries.push(...page);
	return entries;
}

describe('string filters with non-ASCII values', () => {
	it('finds a user by an escaped non-ASCII value with search, as ldapts alone does not', async () => {
		const filter = `(ou=${escapeFilterValue(department)})`;
		expect(filter).toContain('\\e2\\80\\93');
		const entries = await session.search(slapd.layout.peopleDN, { scope: 'sub', filter, attributes: ['uid', 'ou'] });
		expect(uids(entries)).toEqual(['zoe.utf8']);
		expect(entries[0].ou).toBe(department);

		// Why the session compiles filters: the same string straight to ldapts finds nobody.
		const client = new Client({ url: slapd.url });
		try {
			await client.bind(slapd.adminDN, slapd.adminPassword);
			const { searchEntries } = await client.search(slapd.layout.peopleDN, {
				scope: 'sub',
				filter,
				attributes: ['uid'],
			});
			expect(searchEntries).toEqual([]);
		} finally {
			await client.unbind();
		}
	});

	it('finds a user by escaped non-ASCII equality and substrings with a paged search', async () => {
		expect(uids(await paged(`(&(objectClass=inetOrgPerson)(displayName=${escapeFilterValue(displayName)}))`))).toEqual([
			'zoe.utf8',
		]);
		expect(uids(await paged(`(displayName=*${escapeFilterValue('日本 😀')})`))).toEqual(['zoe.utf8']);
		expect(uids(await paged(`(|(uid=nobody)(sn=${escapeFilterValue('Müller')}*))`))).toEqual(['zoe.utf8']);
	});

	it('finds a user by non-ASCII text written unescaped in the filter', async () => {
		expect(uids(await paged(`(displayName=${displayName})`))).toEqual(['zoe.utf8']);
	});

	it('refuses a malformed string filter as a configuration error, before any request', async () => {
		await expect(session.search(slapd.baseDN, { scope: 'sub', filter: '(ou=M\\c3' })).rejects.toThrow(
			ConfigurationError,
		);
		await expect(paged('(ou=a(b)')).rejects.toThrow(ConfigurationError);
	});
});
