import type { Entry } from 'ldapts';
import { contextsFromRecords, type AccesslogRecord } from '../../core/changes/ldap/accesslog';
import { entriesAtPosition, entryBefore, recoveryObstacle } from '../../core/changes/ldap/accesslog-recovery';
import { LdapChangeReader } from '../../core/changes/ldap/reader';
import { dnHash } from '../../core/changes/snapshot/dn-hash';
import { emptySnapshot } from '../../core/changes/snapshot/snapshot';
import { profileFor } from '../../core/ldap/flavours';
import type { LdapSession } from '../../transport/ldap/session';

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

/** A real reader of an OpenLDAP scope whose by-id read answers `now` (it reads nothing else in these tests). */
function realReader(now: { users: Entry[]; groups: Entry[] }): { reader: LdapChangeReader; asked: string[][] } {
	const reader = new LdapChangeReader({
		session: {} as LdapSession,
		profile: profileFor('openLdap'),
		flavour: 'openLdap',
		userBaseDN: PEOPLE,
		groupBaseDN: GROUPS,
	});
	const asked: string[][] = [];
	reader.entriesAsSentByIds = async (ids: string[]) => {
		asked.push(ids);
		return now;
	};
	return { reader, asked };
}

const groupEntry = (name: string, id: string, members: string[]): Entry =>
	({ dn: `cn=${name},${GROUPS}`, objectClass: ['groupOfNames'], cn: name, entryUUID: id, member: members }) as Entry;

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

describe('an entry renamed, in more detail', () => {
	it('an RDN of two values: each attribute gets its own former value, and keeps the values the RDN did not name', () => {
		const now = { dn: `cn=J Smith+uid=jsmith,${PEOPLE}`, uid: ['jsmith', 'js'], cn: 'J Smith', sn: 'Smith' } as Entry;
		const then = entryBefore(now, { stamp: 's', previousDn: `cn=J Doe+uid=jdoe,${PEOPLE}` });
		expect(then).toEqual({ dn: `cn=J Doe+uid=jdoe,${PEOPLE}`, uid: ['js', 'jdoe'], cn: ['J Doe'], sn: 'Smith' });
	});

	it("the log's old values of a naming attribute are taken as they are, even holding the new naming value", () => {
		const now = { dn: `uid=jsmith,${PEOPLE}`, uid: ['jsmith'] } as Entry;
		const then = entryBefore(now, {
			stamp: 's',
			before: { uid: ['jdoe', 'jsmith'] },
			previousDn: `uid=jdoe,${PEOPLE}`,
		});
		expect(then.uid).toEqual(['jdoe', 'jsmith']);
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
		// A rename in place; a modify whose logged old values include the object classes (logoldattr objectClass).
		const inPlace = record({ type: 'modrdn', modifications: [], old: {}, newRdn: 'uid=jsmith' });
		const shared = readerOf();
		(shared.scope as { groupBaseDN: string }).groupBaseDN = PEOPLE;
		const withClasses = record({ old: { title: ['Engineer'], objectclass: ['inetOrgPerson', 'groupOfNames'] } });
		expect(recoveryObstacle(shared, [inPlace, withClasses])).toBeUndefined();
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

describe('the snapshot at the position, from a full read made after it', () => {
	const UUID = {
		kept: '10000000-0000-4000-8000-000000000001',
		updated: '10000000-0000-4000-8000-000000000002',
		added: '10000000-0000-4000-8000-000000000003',
		deleted: '10000000-0000-4000-8000-000000000004',
		movedIn: '10000000-0000-4000-8000-000000000005',
		ops: '20000000-0000-4000-8000-000000000001',
		sales: '20000000-0000-4000-8000-000000000002',
	};
	const person = (uid: string, id: string, extra: Record<string, string | string[]> = {}, base = PEOPLE): Entry =>
		({
			dn: `uid=${uid},${base}`,
			objectClass: ['inetOrgPerson'],
			uid,
			cn: uid,
			entryUUID: id,
			title: 'Engineer',
			...extra,
		}) as Entry;

	it('puts back what the records changed, drops what they created, restores what they deleted into its groups', async () => {
		const deletedDn = `uid=gone,${PEOPLE}`;
		const current = {
			users: [
				person('updated', UUID.updated, { title: 'Boss' }),
				person('added', UUID.added),
				person('movedin', UUID.movedIn),
			],
			groups: [groupEntry('Sales', UUID.sales, [`uid=updated,${PEOPLE}`, `uid=added,${PEOPLE}`])],
		};
		const untouched = [person('kept', UUID.kept)];
		const ops = groupEntry('Ops', UUID.ops, [`uid=kept,${PEOPLE}`]);
		const { reader, asked } = realReader(current);
		// The full read after the records: everyone as they are now.
		const baseline = emptySnapshot();
		for (const entry of [...untouched, ...current.users])
			baseline.users.set(reader.userKeyOf(entry) as string, reader.toUserObservation(entry).observation.record);
		for (const entry of [ops, ...current.groups])
			baseline.groups.set(
				reader.userKeyOf(entry) as string,
				(await reader.toGroupObservation(entry)).observation.record,
			);

		const records: AccesslogRecord[] = [
			record({ dn: `uid=updated,${PEOPLE}`, entryUuid: UUID.updated, old: { title: ['Engineer'] } }),
			record({ type: 'add', dn: `uid=added,${PEOPLE}`, entryUuid: UUID.added, old: {}, modifications: [] }),
			record({
				dn: `cn=Sales,${GROUPS}`,
				entryUuid: UUID.sales,
				modifications: [{ attribute: 'member', operation: 'add', value: `uid=added,${PEOPLE}` }],
				old: { member: [`uid=updated,${PEOPLE}`] },
			}),
			record({
				type: 'delete',
				dn: deletedDn,
				entryUuid: UUID.deleted,
				modifications: [],
				old: {
					objectclass: ['inetOrgPerson'],
					uid: ['gone'],
					cn: ['gone'],
					title: ['Engineer'],
					memberof: [`cn=Ops,${GROUPS}`],
				},
			}),
			record({
				type: 'modrdn',
				dn: 'uid=movedin,ou=elsewhere,dc=example',
				entryUuid: UUID.movedIn,
				modifications: [],
				old: {},
				newRdn: 'uid=movedin',
				newSuperior: PEOPLE,
			}),
		];
		const contexts = contextsFromRecords(records, true);
		const { atPosition, now } = await entriesAtPosition(reader, records, contexts, baseline);

		expect(asked).toEqual([[...contexts.keys()]]);
		expect([...now.users.keys()].sort()).toEqual([UUID.updated, UUID.added, UUID.movedIn]);
		expect([...now.groups.keys()]).toEqual([UUID.sales]);
		const recordOf = (entry: Entry) => reader.toUserObservation(entry).observation.record;
		expect(atPosition.users.get(UUID.kept)).toEqual(recordOf(untouched[0]));
		expect(atPosition.users.get(UUID.updated)).toEqual(recordOf(person('updated', UUID.updated)));
		expect(atPosition.users.get(UUID.added)).toBeUndefined();
		// Outside the bases at the position: not watched then.
		expect(atPosition.users.get(UUID.movedIn)).toBeUndefined();
		expect(atPosition.users.get(UUID.deleted)).toEqual(
			recordOf({
				dn: deletedDn,
				entryUUID: UUID.deleted,
				objectClass: ['inetOrgPerson'],
				uid: 'gone',
				cn: 'gone',
				title: 'Engineer',
				memberOf: `cn=Ops,${GROUPS}`,
			} as Entry),
		);
		const members = (id: string) => atPosition.groups.get(id)?.memberHashes;
		expect(members(UUID.sales)).toEqual([dnHash(`uid=updated,${PEOPLE}`)]);
		expect(members(UUID.ops)).toEqual([dnHash(`uid=kept,${PEOPLE}`), dnHash(deletedDn)].sort((a, b) => a - b));
	});

	it('a deleted entry of no watched kind, or one the records created, is not put back; a group the log names keeps its logged members', async () => {
		const { reader } = realReader({ users: [], groups: [] });
		const baseline = emptySnapshot();
		const ops = groupEntry('Ops', UUID.ops, [`uid=kept,${PEOPLE}`]);
		baseline.groups.set(UUID.ops, (await reader.toGroupObservation(ops)).observation.record);
		const records: AccesslogRecord[] = [
			record({
				type: 'delete',
				dn: `ou=unit,${PEOPLE}`,
				entryUuid: UUID.kept,
				modifications: [],
				old: { objectclass: ['organizationalUnit'] },
			}),
			record({ type: 'add', dn: `uid=brief,${PEOPLE}`, entryUuid: UUID.added, modifications: [], old: {} }),
			record({
				type: 'delete',
				dn: `uid=brief,${PEOPLE}`,
				entryUuid: UUID.added,
				modifications: [],
				old: { objectclass: ['inetOrgPerson'], uid: ['brief'] },
			}),
			record({
				dn: `cn=Ops,${GROUPS}`,
				entryUuid: UUID.ops,
				modifications: [{ attribute: 'description', operation: 'replace', value: 'x' }],
				old: { description: ['y'] },
			}),
			record({
				type: 'delete',
				dn: `uid=gone,${PEOPLE}`,
				entryUuid: UUID.deleted,
				modifications: [],
				old: { objectclass: ['inetOrgPerson'], uid: ['gone'], memberof: [`cn=Ops,${GROUPS}`] },
			}),
		];
		const { atPosition } = await entriesAtPosition(reader, records, contextsFromRecords(records, true), baseline);
		expect([...atPosition.users.keys()]).toEqual([UUID.deleted]);
		// Ops is in the log: as it says (the refint removal is not put back into a group the log names).
		expect(atPosition.groups.get(UUID.ops)?.memberHashes).toEqual([dnHash(`uid=kept,${PEOPLE}`)]);
	});
});

describe('groups at the position', () => {
	const SALES = '30000000-0000-4000-8000-000000000001';
	const NEW = '30000000-0000-4000-8000-000000000002';
	const GONE = '30000000-0000-4000-8000-000000000003';
	it('a group created since is not there; one deleted since is, with the members it had', async () => {
		const created = groupEntry('New', NEW, [`uid=a,${PEOPLE}`]);
		const sales = groupEntry('Sales', SALES, [`uid=a,${PEOPLE}`]);
		const { reader } = realReader({ users: [], groups: [created, sales] });
		const baseline = emptySnapshot();
		for (const entry of [created, sales])
			baseline.groups.set(
				reader.userKeyOf(entry) as string,
				(await reader.toGroupObservation(entry)).observation.record,
			);
		const records: AccesslogRecord[] = [
			record({ type: 'add', dn: created.dn, entryUuid: NEW, modifications: [], old: {} }),
			record({
				dn: sales.dn,
				entryUuid: SALES,
				modifications: [{ attribute: 'description', operation: 'replace', value: 'x' }],
				old: { description: ['Sellers'] },
			}),
			record({
				type: 'delete',
				dn: `cn=Gone,${GROUPS}`,
				entryUuid: GONE,
				modifications: [],
				old: { objectclass: ['groupOfNames'], cn: ['Gone'], member: [`uid=a,${PEOPLE}`, `uid=b,${PEOPLE}`] },
			}),
		];
		const { atPosition, now } = await entriesAtPosition(reader, records, contextsFromRecords(records, true), baseline);
		expect([...now.groups.keys()]).toEqual([NEW, SALES]);
		expect(atPosition.groups.get(NEW)).toBeUndefined();
		const salesThen = await reader.toGroupObservation({ ...sales, description: ['Sellers'] } as Entry);
		expect(atPosition.groups.get(SALES)).toEqual(salesThen.observation.record);
		const gone = atPosition.groups.get(GONE);
		expect(gone?.id).toBe(GONE);
		expect(gone?.memberHashes).toEqual([dnHash(`uid=a,${PEOPLE}`), dnHash(`uid=b,${PEOPLE}`)].sort((a, b) => a - b));
		expect([...atPosition.users.keys()]).toEqual([]);
	});
});
