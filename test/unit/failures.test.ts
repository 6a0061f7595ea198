import { InvalidCredentialsError, NoSuchObjectError } from 'ldapts';

import { explainLdapFailure } from '../../transport/ldap/failures';

const server = 'ldaps://dc1.example.com:636';

describe('explainLdapFailure', () => {
	it('tells a wrong password apart, without repeating it', () => {
		const failure = explainLdapFailure(new InvalidCredentialsError('80090308: LdapErr'), server);
		expect(failure.kind).toBe('invalidCredentials');
		expect(failure.message).toContain(server);
		expect(failure.hint).toMatch(/Bind DN and Password/);
	});

	it('tells an unreachable host apart', () => {
		const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
		expect(explainLdapFailure(error, server).kind).toBe('unreachable');
		const dns = Object.assign(new Error('getaddrinfo ENOTFOUND nohost'), { code: 'ENOTFOUND' });
		expect(explainLdapFailure(dns, server).hint).toMatch(/host name and port/);
	});

	it('tells a certificate problem apart and says to paste the CA', () => {
		const error = Object.assign(new Error('self-signed certificate in certificate chain'), {
			code: 'SELF_SIGNED_CERT_IN_CHAIN',
		});
		const failure = explainLdapFailure(error, server);
		expect(failure.kind).toBe('tlsCertificate');
		expect(failure.hint).toMatch(/CA Certificate/);
	});

	it('explains timeouts, missing entries and closed connections', () => {
		expect(explainLdapFailure(new Error('Connection timeout after 10000ms')).kind).toBe('timeout');
		expect(explainLdapFailure(new NoSuchObjectError()).kind).toBe('noSuchObject');
		expect(explainLdapFailure(new Error('Connection closed')).kind).toBe('unreachable');
	});
});
