import type { Entry } from 'ldapts';
import type { AccesslogRecord } from '../../core/changes/ldap/accesslog';
import { entryBefore, recoveryObstacle } from '../../core/changes/ldap/accesslog-recovery';
import type { LdapChangeReader } from '../../core/changes/ldap/reader';
import { profileFor } from '../../core/ldap/flavours';

/**
 * Taking an entry back to its values at the log position (core/changes/ldap/accesslog-recovery.ts), and when the
 * records cannot tell them. The whole recovery runs on a real slapd in test/integration/trigger-node.test.ts.
 */
const PEOPLE = 'ou=people,dc=example';
const GROUPS = 'ou=groups,dc=example';

function readerOf(hasOwnFilters = false): LdapChangeReader {
	return {
		hasOwnFilters,
		scope: { profile: profileFor('openLdap'), userBaseDN: PEOPLE, groupBaseDN: GROUPS },
		inScope: (dn: string) => dn.toLowerCase().endsWith(PEOPLE) || dn.toLowerCase().endsWith(GROUPS),
	} as unknown as LdapChangeReader;
}

const record = (overrides: Partial<AccesslogRecord>): AccesslogRecord => ({
	reqStart: '20261207120000.000001Z',
	type: 'modify',
	dn: `uid=jdoe,${PEOPLE}`,
	entryUuid: '750f6b7a-7e3f-1041-9059-a59237d5930e',
	modifications: [{ attribute: 'title', operation: 'replace', value: 'Boss' }],
	old: { title: ['Engineer'], modifytimestamp: ['20261207110000Z'] },
	...overrides,
});

describe('an entry as it was at the log position', () => {
	it('gets its replaced values back, whatever the case of their names; an attribute that was empty goes', () => {
		const now = { dn: `uid=jdoe,${PEOPLE}`, uid: 'jdoe', Title: 'Boss', mobile: ['+1 555'] } as Entry;
		const then = entryBefore(now, { stamp: 's', before: { title: ['Engineer'], mobile: [] } });
		expect(then).toEqual({ dn: `uid=jdoe,${PEOPLE}`, uid: 'jdoe', title: ['Engineer'] });
		// The entry as read is left as it is.
		expect(now.Title).toBe('Boss');
	});

	it('a rename: its former DN, and the naming value it replaced, from that DN', () => {
		const now = { dn: `uid=jsmith,${PEOPLE}`, uid: ['jsmith'], cn: 'J Smith' } as Entry;
		const then = entryBefore(now, { stamp: 's', before: {}, previousDn: `uid=jdoe,ou=old,${PEOPLE}` });
		expect(then).toEqual({ dn: `uid=jdoe,ou=old,${PEOPLE}`, uid: ['jdoe'], cn: 'J Smith' });
		// Renamed within the same naming attribute, keeping the old value (deleteoldrdn 0): both values then were the old one.
		const kept = entryBefore({ ...now, uid: ['jsmith', 'jdoe'] } as Entry, {
			stamp: 's',
			previousDn: `uid=jdoe,${PEOPLE}`,
		});
		expect(kept.uid).toEqual(['jdoe']);
		// A naming value the log's old values give wins over the former DN's.
		const logged = entryBefore(now, { stamp: 's', before: { uid: ['jd', 'jdoe'] }, previousDn: `uid=jdoe,${PEOPLE}` });
		expect(logged.uid).toEqual(['jd', 'jdoe']);
	});
});

describe('what keeps the records from telling the entries at the position', () => {
	it('nothing, for modifies and deletes with their old values, adds, renames within the bases', () => {
		const records = [
			record({}),
			record({
				type: 'add',
				modifications: [{ attribute: 'objectClass', operation: 'add', value: 'inetOrgPerson' }],
				old: {},
			}),
			record({ type: 'modrdn', modifications: [], old: {}, newRdn: 'uid=jsmith', newSuperior: `ou=staff,${PEOPLE}` }),
			record({ type: 'delete', modifications: [], old: { objectclass: ['inetOrgPerson'], uid: ['jdoe'] } }),
		];
		expect(recoveryObstacle(readerOf(), records)).toBeUndefined();
	});

	it('a filter of the scope, a log without old values, a changed object class, a move out, a deleted entry of both kinds', () => {
		expect(recoveryObstacle(readerOf(true), [])).toMatch(/User Filter, Group Filter or Segment/);
		expect(recoveryObstacle(readerOf(), [record({ old: {} })])).toMatch(/no earlier values .*logold/);
		expect(recoveryObstacle(readerOf(), [record({ type: 'delete', modifications: [], old: {} })])).toMatch(/logold/);
		const reclassed = record({
			modifications: [{ attribute: 'objectClass', operation: 'add', value: 'posixAccount' }],
		});
		expect(recoveryObstacle(readerOf(), [reclassed])).toMatch(/object classes of uid=jdoe/);
		const movedOut = record({
			type: 'modrdn',
			modifications: [],
			old: {},
			newRdn: 'uid=jdoe',
			newSuperior: 'ou=gone,dc=example',
		});
		expect(recoveryObstacle(readerOf(), [movedOut])).toMatch(/moved out of the watched bases/);
		// Under both bases (here the groups' base is inside the people's), of a user's and a group's classes.
		const both = readerOf();
		(both.scope as { groupBaseDN: string }).groupBaseDN = PEOPLE;
		const ambiguous = record({
			type: 'delete',
			modifications: [],
			old: { objectclass: ['inetOrgPerson', 'groupOfNames'] },
		});
		expect(recoveryObstacle(both, [ambiguous])).toMatch(/could have been a user or a group/);
		// The first obstacle is the one named.
		expect(recoveryObstacle(readerOf(), [record({ old: {} }), reclassed])).toMatch(/logold/);
	});
});
