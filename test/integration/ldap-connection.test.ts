import * as net from 'node:net';

import { testLdapConnection } from '../../core/ldap/connection-test';
import { parseLdapSettings } from '../../core/ldap/settings';
import { LdapSession } from '../../transport/ldap/session';
import { parseLdapConnectionSettings } from '../../transport/ldap/settings';
import { startSlapd, type Slapd } from '../../devkit/slapd';

/** The credential test and the session's TLS handling against a real slapd with a throwaway CA. */
let slapd: Slapd;

beforeAll(async () => {
	slapd = await startSlapd({ users: 30, tls: true, otds: false });
});

afterAll(async () => {
	await slapd?.stop();
});

/** A loopback port on which nothing listens. */
async function deadPort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as net.AddressInfo;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}

function credential(overrides: Record<string, unknown> = {}) {
	return {
		serverUrls: slapd.url,
		connectionSecurity: 'none',
		bindDN: slapd.adminDN,
		bindPassword: slapd.adminPassword,
		baseDN: slapd.baseDN,
		connectTimeout: 3000,
		timeout: 5000,
		...overrides,
	};
}

const test = (overrides: Record<string, unknown> = {}) => testLdapConnection(parseLdapSettings(credential(overrides)));

describe('credential test over a plain connection', () => {
	it('binds, detects OpenLDAP and reports its controls and change log', async () => {
		const result = await test();
		expect(result.ok).toBe(true);
		expect(result.message).toContain(`Connected to OpenLDAP at ${slapd.url} as ${slapd.adminDN}`);
		expect(result.message).toContain('detected flavour: openLdap');
		expect(result.message).toContain('paged results');
		expect(result.server?.changeLogs).toEqual(['cn=accesslog']);
	});

	it('says the password is wrong, without repeating it', async () => {
		const result = await test({ bindPassword: 'Wr0ng-Pa$$word' });
		expect(result.ok).toBe(false);
		expect(result.message).toMatch(/rejected the bind DN or password/);
		expect(result.message).toMatch(/Check Bind DN and Password/);
		expect(result.message).not.toContain('Wr0ng-Pa$$word');
	});

	it('says the host cannot be reached', async () => {
		const port = await deadPort();
		const result = await test({ serverUrls: `ldap://127.0.0.1:${port}` });
		expect(result.ok).toBe(false);
		expect(result.message).toMatch(/Could not reach the directory \(ldap:\/\/127\.0\.0\.1:\d+\): ECONNREFUSED/);
		expect(result.message).toMatch(/Check the host name and port/);
	});

	it('falls back to the next server in the list', async () => {
		const port = await deadPort();
		const result = await test({ serverUrls: `127.0.0.1:${port}, ${slapd.url}` });
		expect(result.ok).toBe(true);
		expect(result.message).toContain(`at ${slapd.url}`);
	});

	it('says when the base DN does not exist', async () => {
		const result = await test({ baseDN: 'dc=nowhere,dc=example' });
		expect(result.ok).toBe(false);
		expect(result.message).toMatch(/Base DN "dc=nowhere,dc=example" does not exist/);
		expect(result.message).toContain('dc=example,dc=com');
	});
});

describe('TLS (ldaps://) and StartTLS with a throwaway CA', () => {
	it('ldaps with the right CA passes', async () => {
		const result = await test({
			serverUrls: slapd.ldapsUrl,
			connectionSecurity: 'tls',
			caCertificate: slapd.tls!.caCertPem,
		});
		expect(result.message).toContain(`Connected to OpenLDAP at ${slapd.ldapsUrl}`);
		expect(result.ok).toBe(true);
	});

	it('ldaps with the wrong CA fails with a certificate message', async () => {
		const result = await test({
			serverUrls: slapd.ldapsUrl,
			connectionSecurity: 'tls',
			caCertificate: slapd.tls!.wrongCaCertPem,
		});
		expect(result.ok).toBe(false);
		expect(result.message).toMatch(/TLS certificate was not trusted/);
		expect(result.message).toMatch(/Paste the CA certificate/);
	});

	it('ldaps with no CA (system store) fails, and Allow Self-Signed makes it pass', async () => {
		const strict = await test({ serverUrls: slapd.ldapsUrl, connectionSecurity: 'tls' });
		expect(strict.ok).toBe(false);
		expect(strict.message).toMatch(/not trusted/);
		const lenient = await test({ serverUrls: slapd.ldapsUrl, connectionSecurity: 'tls', allowSelfSigned: true });
		expect(lenient.ok).toBe(true);
	});

	it('StartTLS with the right CA passes, with the wrong CA fails', async () => {
		const good = await test({ connectionSecurity: 'startTls', caCertificate: slapd.tls!.caCertPem });
		expect(good.ok).toBe(true);
		const bad = await test({ connectionSecurity: 'startTls', caCertificate: slapd.tls!.wrongCaCertPem });
		expect(bad.ok).toBe(false);
		expect(bad.message).toMatch(/not trusted/);
	});

	it('a TLS connection to a plain port fails with a message about Connection Security', async () => {
		const url = slapd.url.replace('ldap://', 'ldaps://');
		const result = await test({ serverUrls: url, connectionSecurity: 'tls', caCertificate: slapd.tls!.caCertPem });
		expect(result.ok).toBe(false);
		expect(result.message).toMatch(/Connection Security|TLS handshake/);
	});

	it('a session over ldaps searches like a plain one', async () => {
		const settings = parseLdapConnectionSettings(
			credential({ serverUrls: slapd.ldapsUrl, connectionSecurity: 'tls', caCertificate: slapd.tls!.caCertPem }),
		);
		const count = await LdapSession.use(settings, async (session) => {
			let total = 0;
			for await (const page of session.searchPages(
				slapd.baseDN,
				{ filter: '(objectClass=inetOrgPerson)', attributes: ['uid'] },
				7,
			))
				total += page.length;
			return total;
		});
		expect(count).toBe(slapd.fixture.users.length);
	});
});
