import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

import { normaliseServerUrl } from '../../transport/ldap/settings';
import { startSlapd, type Slapd } from '../../devkit/slapd';

/**
 * The LDAP client the package ships: dist/transport/ldap/ldapts.js, ldapts bundled with shims in place of its URL
 * parser, logger, assert, events and util (see gulpfile.js). The other integration tests run the unbundled
 * ldapts from node_modules; this one runs the built bundle, on every form of server URL the credential accepts
 * and against a real OpenLDAP over IPv4 (plain, ldaps:// and StartTLS) and IPv6. Needs `npm run build` first.
 */
const bundlePath = path.resolve(__dirname, '../../dist/transport/ldap/ldapts.js');
type Bundle = typeof import('../../transport/ldap/ldapts');

let bundle: Bundle;
let slapd: Slapd;
let ipv6Loopback = false;

/** Whether this machine can listen on ::1 (containers without IPv6 cannot). */
async function canListenOnIpv6Loopback(): Promise<boolean> {
	const server = net.createServer();
	const listening = await new Promise<boolean>((resolve) => {
		server.once('error', () => resolve(false));
		server.listen(0, '::1', () => resolve(true));
	});
	if (listening) await new Promise<void>((resolve) => server.close(() => resolve()));
	return listening;
}

beforeAll(async () => {
	if (!fs.existsSync(bundlePath)) throw new Error('dist/ is missing: run `npm run build` first');
	// The built file, not the TypeScript source.
	bundle = require(bundlePath) as Bundle;
	ipv6Loopback = await canListenOnIpv6Loopback();
	slapd = await startSlapd({ users: 20, otds: false, tls: true, ipv6: ipv6Loopback });
});

afterAll(async () => {
	await slapd?.stop();
});

/** Where the client will connect: ldapts keeps it in private fields. */
function target(client: InstanceType<Bundle['Client']>): { host: string; port: number; secure: boolean } {
	const { host, port, secure } = client as unknown as { host: string; port: number; secure: boolean };
	return { host, port, secure };
}

it('stays small: the URL parser and debug logger of the full ldapts are shims', () => {
	// 542 KB with them (whatwg-url with its Unicode tables, debug with its terminal handling), 133 KB without.
	const source = fs.readFileSync(bundlePath, 'utf8');
	expect(source.length).toBeLessThan(200_000);
	expect(source).not.toMatch(/node_modules\/(whatwg-url|tr46|punycode|debug|supports-color|safer-buffer)\//);
});

describe('the bundled LDAP client reads every server URL form', () => {
	// Entries as a user types them in the credential's Server URLs, through the credential's own normalisation.
	it.each([
		['ldap://dc1.example.com:389', 'none', 'dc1.example.com', 389, false],
		['ldap://dc1.example.com', 'startTls', 'dc1.example.com', 389, false],
		['ldaps://dc1.example.com', 'tls', 'dc1.example.com', 636, true],
		['ldaps://dc1.example.com:3269', 'tls', 'dc1.example.com', 3269, true],
		['dc1.example.com', 'none', 'dc1.example.com', 389, false],
		['dc1.example.com:3268', 'none', 'dc1.example.com', 3268, false],
		['DC1.Example.com:10389', 'none', 'DC1.Example.com', 10389, false],
		['192.0.2.10:1389', 'tls', '192.0.2.10', 1389, true],
		['ldap://[::1]:389', 'none', '::1', 389, false],
		['[::1]', 'none', '::1', 389, false],
		['ldaps://[2001:db8::10]', 'tls', '2001:db8::10', 636, true],
		['[fe80::1]:1636', 'tls', 'fe80::1', 1636, true],
	] as const)('%s (%s)', (entry, security, host, port, secure) => {
		expect(target(new bundle.Client({ url: normaliseServerUrl(entry, security) }))).toEqual({ host, port, secure });
	});

	it('reads URLs as given to ldapts directly: without a port, with a DN, in capitals', () => {
		const read = (url: string) => Object.values(target(new bundle.Client({ url })));
		expect(read('ldap://[::1]')).toEqual(['::1', 389, false]);
		expect(read('ldaps://[::ffff:192.0.2.1]:6360')).toEqual(['::ffff:c000:201', 6360, true]);
		expect(read('ldap://dc1.example.com:1389/dc=example,dc=com??sub')).toEqual(['dc1.example.com', 1389, false]);
		expect(read('LDAPS://dc1.example.com')).toEqual(['dc1.example.com', 636, true]);
	});

	it('refuses what is not an LDAP URL', () => {
		for (const url of ['http://dc1.example.com', 'dc1.example.com', 'ldap://[::1', '']) {
			expect(() => new bundle.Client({ url })).toThrow(/invalid LDAP URL/);
		}
	});
});

describe('the bundled LDAP client talks to a real OpenLDAP', () => {
	/** Binds as the admin and reads the base entry: one whole LDAP conversation. */
	async function readBaseEntry(
		url: string,
		connect: (client: InstanceType<Bundle['Client']>) => Promise<void> = async () => undefined,
	) {
		const client = new bundle.Client({
			url,
			connectTimeout: 5000,
			timeout: 5000,
			tlsOptions: url.startsWith('ldaps:') ? { ca: [slapd.tls!.caCertPem] } : undefined,
		});
		try {
			await connect(client);
			await client.bind(slapd.adminDN, slapd.adminPassword);
			const { searchEntries } = await client.search(slapd.baseDN, { scope: 'base', filter: '(objectClass=*)' });
			return searchEntries.map((entry) => entry.dn);
		} finally {
			await client.unbind();
		}
	}

	it('over IPv4: ldap://', async () => {
		expect(await readBaseEntry(slapd.url)).toEqual([slapd.baseDN]);
	});

	it('over IPv4: ldaps://', async () => {
		expect(await readBaseEntry(slapd.ldapsUrl!)).toEqual([slapd.baseDN]);
	});

	it('over IPv4: StartTLS', async () => {
		expect(await readBaseEntry(slapd.url, (client) => client.startTLS({ ca: [slapd.tls!.caCertPem] }))).toEqual([
			slapd.baseDN,
		]);
	});

	it('over IPv6: ldap://[::1]', async () => {
		if (!ipv6Loopback) {
			process.stdout.write('IPv6 loopback unavailable on this machine: the IPv6 connection is not tested\n');
			return;
		}
		expect(slapd.ipv6Url).toMatch(/^ldap:\/\/\[::1\]:\d+$/);
		expect(await readBaseEntry(slapd.ipv6Url!)).toEqual([slapd.baseDN]);
	});

	it('serves the compiled LDAP session: server fallback, each connection security, paged search', async () => {
		// The compiled transport, as n8n loads it: its require('./ldapts') is the bundle.
		type Session = typeof import('../../transport/ldap/session');
		type Settings = typeof import('../../transport/ldap/settings');
		const { LdapSession } = require(path.resolve(__dirname, '../../dist/transport/ldap/session.js')) as Session;
		const { parseLdapConnectionSettings } = require(
			path.resolve(__dirname, '../../dist/transport/ldap/settings.js'),
		) as Settings;
		const deadPort = await new Promise<number>((resolve) => {
			const server = net.createServer().listen(0, '127.0.0.1', () => {
				const { port } = server.address() as net.AddressInfo;
				server.close(() => resolve(port));
			});
		});
		const forms: Array<[string, string]> = [
			[`127.0.0.1:${deadPort} ${slapd.url}`, 'none'],
			[`127.0.0.1:${slapd.port}`, 'startTls'],
			[slapd.ldapsUrl!, 'tls'],
			...(ipv6Loopback ? ([[`[::1]:${slapd.port}`, 'none']] as Array<[string, string]>) : []),
		];
		for (const [serverUrls, connectionSecurity] of forms) {
			const settings = parseLdapConnectionSettings({
				serverUrls,
				connectionSecurity,
				caCertificate: slapd.tls!.caCertPem,
				bindDN: slapd.adminDN,
				bindPassword: slapd.adminPassword,
				baseDN: slapd.baseDN,
				connectTimeout: 3000,
				timeout: 5000,
			});
			const [whole, paged] = await LdapSession.use(settings, async (session) => {
				const options = { scope: 'one' as const, filter: '(objectClass=*)', attributes: ['uid'] };
				const pages: string[] = [];
				for await (const page of session.searchPages(slapd.layout.peopleDN, options, 7))
					pages.push(...page.map((entry) => entry.dn));
				return [(await session.search(slapd.layout.peopleDN, options)).map((entry) => entry.dn), pages];
			});
			expect(whole.length).toBeGreaterThanOrEqual(20);
			expect(paged.sort()).toEqual(whole.sort());
		}
	});

	it('reports a wrong password as the library error the transport maps', async () => {
		const client = new bundle.Client({ url: slapd.url, connectTimeout: 5000, timeout: 5000 });
		try {
			await expect(client.bind(slapd.adminDN, 'wrong')).rejects.toBeInstanceOf(bundle.InvalidCredentialsError);
		} finally {
			await client.unbind();
		}
	});
});
