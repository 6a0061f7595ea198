import { LdapChangeReader } from '../../core/changes/ldap/reader';
import { profileFor } from '../../core/ldap/flavours';
import type { LdapSession } from '../../transport/ldap/session';

/**
 * Which log records a poll keeps: those whose DN is under the watched user or group base. Asked for every
 * record, so plain DNs take a short way; it must say what normalizing both DNs says.
 */
const reader = new LdapChangeReader({
	session: {} as LdapSession,
	profile: profileFor('openLdap'),
	flavour: 'openLdap',
	userBaseDN: 'ou=People,dc=Example,dc=com',
	groupBaseDN: 'ou=groups,dc=example,dc=com',
});

it.each([
	['uid=ann,ou=people,dc=example,dc=com', true],
	['uid=Ann,OU=People,DC=Example,DC=COM', true],
	['ou=people,dc=example,dc=com', true],
	['cn=Admins,ou=groups,dc=example,dc=com', true],
	['uid=ann,ou=sub,ou=people,dc=example,dc=com', true],
	// Spaces around the separators: normalized, still below the base.
	['uid=ann, ou=people, dc=example, dc=com', true],
	['uid=ann , ou=People ,dc=example,dc=com', true],
	// An escaped comma does not end an RDN: this entry's parent is dc=example,dc=com.
	['uid=ann\\,ou=people,dc=example,dc=com', false],
	['uid=ann\\2Cou=people,dc=example,dc=com', false],
	['cn="ann,ou=people",dc=example,dc=com', false],
	// The base's text at the end, but not as whole RDNs.
	['uid=annou=people,dc=example,dc=com', false],
	['uid=ann,xou=people,dc=example,dc=com', false],
	['uid=ann,ou=other,dc=example,dc=com', false],
	['uid=ann,ou=people,dc=example,dc=org', false],
	['dc=example,dc=com', false],
	['reqStart=20261207090152.000000Z,cn=accesslog', false],
])('%s in scope: %s', (dn, expected) => {
	expect(reader.inScope(dn)).toBe(expected);
});
