import type { Entry } from 'ldapts';

import { LdapPollCore } from '../../core/changes/ldap/poller';
import { LdapChangeReader } from '../../core/changes/ldap/reader';
import { emptySnapshot } from '../../core/changes/snapshot/snapshot';
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

/**
 * A group that gains 200,000 members in one poll (a bulk load, or a group pointed at a whole department):
 * its change is one group.memberAdded per member. Spreading that list into the poll's events with push()
 * passed every event as an argument and overflowed the call stack. The poll's own code runs here on a
 * group entry as the reader hands it over; no server is asked (no member is a user of the snapshot, so none
 * is read to name them).
 */
it('a group that gains 200,000 members in one poll yields one event per member', async () => {
	const reader = new LdapChangeReader({
		session: {} as unknown as LdapSession,
		profile: profileFor('openLdap'),
		flavour: 'openLdap',
		userBaseDN: 'ou=people,dc=example,dc=com',
		groupBaseDN: 'ou=groups,dc=example,dc=com',
	});
	const entry = (members: string[]) =>
		({
			dn: 'cn=Everyone,ou=groups,dc=example,dc=com',
			objectClass: ['groupOfNames'],
			cn: 'Everyone',
			entryUUID: '5b0c6f1e-2a7d-4c8e-9f10-6d2e3c4b5a69',
			member: members,
		}) as unknown as Entry;
	const source = { kind: 'ldap' as const, server: 'ldap://example', strategy: 'timestamp' as const };
	const core = new LdapPollCore(reader, source, '2026-12-06T12:00:00.000Z', 1);
	const empty = await reader.toGroupObservation(entry(['cn=nobody']));
	const before = emptySnapshot();
	before.groups.set(empty.observation.record.id, empty.observation.record);
	const members = Array.from({ length: 200_000 }, (_, index) => `uid=user${index},ou=people,dc=example,dc=com`);
	const grown = await reader.toGroupObservation(entry(['cn=nobody', ...members]));
	const applied = await core.apply(before, new Map(), {
		users: new Map(),
		groups: new Map([[grown.observation.record.id, grown]]),
	});
	// One event per member hash the group gained (DNs are compared by 32-bit hash: a few of 200,000 collide).
	const gained = grown.observation.record.memberHashes.length - empty.observation.record.memberHashes.length;
	expect(gained).toBeGreaterThan(199_990);
	expect(applied.events).toHaveLength(gained);
	expect(applied.events.every((event) => event.type === 'group.memberAdded')).toBe(true);
	expect(applied.events[0].changes).toEqual([{ attribute: 'member', before: null, after: members[0] }]);
});
