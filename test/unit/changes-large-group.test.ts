import type { Entry } from 'ldapts';

import { LdapChangeReader } from '../../core/changes/ldap/reader';
import { profileFor } from '../../core/ldap/flavours';
import type { LdapSession } from '../../transport/ldap/session';

/**
 * A group of a million people, as the first activation on a 1,000,000-person OpenLDAP read it (one entry,
 * every member value in it): its observation lists every member. Spreading the values into push() overflowed
 * the call stack there. No server is asked: the group's values arrive whole, with no range to read on.
 */
it('a group entry with half a million member values is observed whole', async () => {
	const reader = new LdapChangeReader({
		session: {} as unknown as LdapSession,
		profile: profileFor('openLdap'),
		flavour: 'openLdap',
		userBaseDN: 'ou=people,dc=example,dc=com',
		groupBaseDN: 'ou=groups,dc=example,dc=com',
	});
	const members = Array.from({ length: 500_000 }, (_, index) => `uid=user${index},ou=people,dc=example,dc=com`);
	const entry = {
		dn: 'cn=Everyone,ou=groups,dc=example,dc=com',
		objectClass: ['groupOfNames'],
		cn: 'Everyone',
		entryUUID: '0d9e4f36-3c1b-4f4e-9a59-3a2b1c0d9e4f',
		member: members,
	} as unknown as Entry;
	const { observation } = await reader.toGroupObservation(entry);
	expect(observation.memberDns).toHaveLength(500_000);
	expect(observation.record.memberHashes.length).toBeGreaterThan(499_000);
});
