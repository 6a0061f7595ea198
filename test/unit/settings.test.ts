import { ConfigurationError } from '../../core/errors';
import { parseLdapSettings } from '../../core/ldap/settings';
import { normaliseServerUrl, parseLdapConnectionSettings } from '../../transport/ldap/settings';

describe('LDAP connection settings', () => {
	const base = {
		serverUrls: 'dc1.example.com',
		connectionSecurity: 'tls',
		bindDN: 'cn=reader',
		bindPassword: 's3cret',
		baseDN: 'dc=example,dc=com',
	};

	it('fills in scheme and default port from the connection security', () => {
		expect(normaliseServerUrl('dc1.example.com', 'tls')).toBe('ldaps://dc1.example.com:636');
		expect(normaliseServerUrl('dc1.example.com', 'startTls')).toBe('ldap://dc1.example.com:389');
		expect(normaliseServerUrl('dc1.example.com:10389', 'none')).toBe('ldap://dc1.example.com:10389');
		expect(normaliseServerUrl('ldaps://[::1]:1636/', 'tls')).toBe('ldaps://[::1]:1636');
		expect(normaliseServerUrl('[::1]', 'tls')).toBe('ldaps://[::1]:636');
	});

	it('reads a fallback list separated by commas, spaces or semicolons', () => {
		const settings = parseLdapConnectionSettings({ ...base, serverUrls: 'ldaps://a:636, b;c:1636' });
		expect(settings.urls).toEqual(['ldaps://a:636', 'ldaps://b:636', 'ldaps://c:1636']);
	});

	it('has safe defaults: verification on, sane timeouts, auto flavour', () => {
		const settings = parseLdapSettings(base);
		expect(settings.allowSelfSigned).toBe(false);
		expect(settings.connectTimeoutMs).toBe(10_000);
		expect(settings.timeoutMs).toBe(30_000);
		expect(settings.flavour).toBe('auto');
	});

	it.each([
		[{ serverUrls: '' }, /^Server URLs is empty/],
		[{ serverUrls: 'ldap://dc1' }, /^Server URLs "ldap:\/\/dc1" does not match the Connection Security setting/],
		[{ serverUrls: 'http://dc1' }, /^Server URLs "http:\/\/dc1" is not an LDAP URL/],
		[{ connectionSecurity: 'ssl' }, /^Connection Security must be None, TLS or StartTLS/],
		[{ directoryFlavour: 'novell' }, /^Directory Flavour "novell" is not one of/],
		[{ caCertificate: 'not a pem' }, /^CA Certificate must be PEM text/],
		[{ timeout: -5 }, /^Operation Timeout must be a positive number/],
	])('refuses %j, naming the field', (change, message) => {
		let thrown: unknown;
		try {
			parseLdapSettings({ ...base, ...change });
		} catch (error) {
			thrown = error;
		}
		expect(thrown).toBeInstanceOf(ConfigurationError);
		expect((thrown as Error).message).toMatch(message);
		expect((thrown as Error).message).not.toContain('s3cret');
	});
});

describe('a server URL with a user name and password in it', () => {
	it('is refused without repeating the password, whatever else is wrong with it', () => {
		for (const [serverUrls, connectionSecurity] of [
			['ldap://admin:S3cret-pw@dc1.example.com', 'none'],
			['ldaps://admin:S3cret-pw@dc1.example.com:636', 'none'],
			['ftp://admin:S3cret-pw@dc1.example.com', 'none'],
			['ldap://admin:S3cret-pw@dc1.example.com/x y', 'none'],
			['admin:S3cret-pw@dc1.example.com', 'tls'],
		]) {
			let failure: unknown;
			try {
				parseLdapConnectionSettings({ serverUrls, connectionSecurity });
			} catch (error) {
				failure = error;
			}
			expect(failure).toBeInstanceOf(ConfigurationError);
			expect((failure as ConfigurationError).field).toBe('Server URLs');
			expect((failure as Error).message).not.toContain('S3cret-pw');
		}
	});
});
