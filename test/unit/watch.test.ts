/**
 * The trigger's watch composed in the core (core/changes/watch.ts), on a fake directory shaped like an
 * OpenLDAP (test/support/fake-directory.ts, handwritten entries): the root DSE is read once per
 * activation, the group scope is written in the profile's group name attribute, the attribute mapping
 * applies to what is read, and typed attribute names are checked against the schema, once per server.
 */
import type { Entry } from 'ldapts';
import {
	sampleEvent,
	TEST_EVENT_LIMIT,
	testEventsOf,
	watchLdap,
	type LdapWatchOptions,
	type LdapWatchTarget,
} from '../../core/changes/watch';
import { DEFAULT_EXISTING_LIMIT } from '../../core/changes/existing';
import { readLdapServer } from '../../core/ldap/server-info';
import type { LdapSession } from '../../transport/ldap/session';
import { FakeDirectory } from '../support/fake-directory';

const BASE = 'dc=example,dc=com';
const PEOPLE = `ou=people,${BASE}`;
const GROUPS = `ou=groups,${BASE}`;
const SUBSCHEMA = 'cn=Subschema';

const person = (uid: string, n: number): Entry => ({
	dn: `uid=${uid},${PEOPLE}`,
	objectClass: ['top', 'person', 'inetOrgPerson'],
	uid,
	cn: uid,
	sn: uid,
	l: 'Berlin',
	entryUUID: `00000000-0000-4000-8000-00000000000${n}`,
	entryCSN: `2026112700000${n}.000000Z#000000#000#000000`,
	modifyTimestamp: `2026112700000${n}Z`,
	createTimestamp: '20261127000000Z',
});

const group = (cn: string, n: number, members: string[]): Entry => ({
	dn: `cn=${cn},${GROUPS}`,
	objectClass: ['top', 'groupOfNames'],
	cn,
	// A second name attribute, for a profile that names groups by it.
	groupName: cn,
	entryUUID: `00000000-0000-4000-9000-00000000000${n}`,
	entryCSN: `2026112700000${n}.000000Z#000000#000#000000`,
	member: members,
});

/** An OpenLDAP-shaped fake directory, its session counting root DSE reads. */
function openLdap(server: string): { directory: FakeDirectory; session: LdapSession; rootDseReads: () => number } {
	const directory = new FakeDirectory({ server });
	directory.rootDseEntry = {
		dn: '',
		objectClass: ['top', 'OpenLDAProotDSE'],
		namingContexts: [BASE],
		subschemaSubentry: SUBSCHEMA,
	};
	for (const dn of [BASE, PEOPLE, GROUPS]) directory.put({ dn });
	directory.put({
		dn: SUBSCHEMA,
		objectClass: ['top', 'subentry', 'subschema'],
		attributeTypes: [
			"( 2.5.4.3 NAME ( 'cn' 'commonName' ) )",
			"( 0.9.2342.19200300.100.1.1 NAME ( 'uid' 'userid' ) )",
			"( 2.5.4.7 NAME ( 'l' 'localityName' ) )",
			"( 2.16.840.1.113730.3.1.4 NAME 'employeeType' )",
			"( 2.16.840.1.113730.3.1.2 NAME 'departmentNumber' )",
		],
	});
	directory.put(person('adavis', 1));
	directory.put(person('bbrown', 2));
	directory.put(group('Sales', 3, [`uid=adavis,${PEOPLE}`]));
	directory.put(group('Engineering', 4, [`uid=bbrown,${PEOPLE}`]));
	const fake = directory.session();
	let reads = 0;
	const session = { ...fake, rootDse: (attributes: string[]) => (reads++, fake.rootDse(attributes)) } as LdapSession;
	return { directory, session, rootDseReads: () => reads };
}

const options = (overrides: Partial<LdapWatchOptions> = {}): LdapWatchOptions => ({
	conditions: [],
	extraAttributes: [],
	privilegedGroups: [],
	eventTypes: [],
	groupMembers: true,
	bulkThreshold: 100,
	emitExisting: false,
	existingLimit: DEFAULT_EXISTING_LIMIT,
	strategy: 'auto',
	groupNames: [],
	attributeMapping: {},
	captureActor: true,
	reconcileEvery: 0,
	logRecordsPerPoll: 5000,
	...overrides,
});

describe('the watch reads the root DSE once per activation', () => {
	it.each([
		['Auto-Detect', 'auto'],
		['a flavour named in the credential', 'openLdap'],
	] as const)(
		'with %s, a whole activation (strategy chosen, schema checked, first poll) reads it once',
		async (_label, flavour) => {
			const { session, rootDseReads } = openLdap(`ldap://once-${flavour}.example`);
			const watch = await watchLdap({ session, baseDN: BASE, flavour }, options({ extraAttributes: ['employeeType'] }));
			await watch.strategy.poll(undefined);
			expect(watch.strategy.name).toBe('timestamp');
			expect(watch.reason).toMatch(/publishes no change log/);
			expect(rootDseReads()).toBe(1);
		},
	);

	it('handed the server the adapter already read to choose the profile, it does not read the root DSE again', async () => {
		const { session, rootDseReads } = openLdap('ldap://handed.example');
		const server = await readLdapServer(session, 'auto');
		const watch = await watchLdap(
			{ session, baseDN: BASE, flavour: 'auto', server },
			options({ extraAttributes: ['employeeType'] }),
		);
		await watch.strategy.poll(undefined);
		expect(rootDseReads()).toBe(1);
	});
});

describe('the watch composes the scope from the options', () => {
	it("writes the group scope in the profile's group name attribute", async () => {
		const { directory, session } = openLdap('ldap://group-name.example');
		const server = await readLdapServer(session, 'auto');
		const target: LdapWatchTarget = {
			session,
			baseDN: BASE,
			flavour: 'auto',
			server: { ...server, profile: { ...server.profile, group: { ...server.profile.group, name: 'groupName' } } },
		};
		const watch = await watchLdap(
			target,
			options({ strategy: 'timestamp', groupNames: ['Sales'], emitExisting: true }),
		);
		const { events } = await watch.strategy.poll(undefined);
		expect(events.filter((event) => event.type === 'group.created').map((event) => event.group?.name)).toEqual([
			'Sales',
		]);
		const groupSearches = directory.requests
			.map((request) => request.filter)
			.filter((filter) => filter.includes('(objectClass=groupOfNames)'));
		expect(groupSearches.length).toBeGreaterThan(0);
		expect(
			groupSearches.every((filter) => filter.includes('(groupName=Sales)') && !filter.includes('(cn=Sales)')),
		).toBe(true);
	});

	it('reads users with the Attribute Mapping over the profile', async () => {
		const { session } = openLdap('ldap://mapping.example');
		const watch = await watchLdap(
			{ session, baseDN: BASE, flavour: 'auto' },
			options({ attributeMapping: { department: 'departmentNumber' } }),
		);
		expect(watch.backend.userAttribute?.('department')).toBe('departmentNumber');
		expect(watch.backend.userAttribute?.('title')).toBe('title');
	});

	it.each([
		[
			'Additional Attributes',
			{ extraAttributes: ['departmnt'] },
			/^Additional Attributes names "departmnt", which is not an attribute type/,
		],
		[
			'Segment',
			{ conditions: [{ attribute: 'locaton', operator: 'equals' as const, value: 'Berlin' }] },
			/^Segment names "locaton"/,
		],
		['Attribute Mapping', { attributeMapping: { mobile: 'mobilePhone' } }, /^Attribute Mapping names "mobilePhone"/],
	])('refuses a name the schema does not know in %s', async (_field, overrides, message) => {
		const { session } = openLdap(`ldap://typo-${_field.replace(/ /g, '-')}.example`);
		await expect(watchLdap({ session, baseDN: BASE, flavour: 'auto' }, options(overrides))).rejects.toThrow(message);
	});

	it('reads the schema of a server once, for the next activations too', async () => {
		const { directory, session } = openLdap('ldap://schema-once.example');
		const typed = options({
			extraAttributes: ['employeeType'],
			conditions: [{ attribute: 'L', operator: 'equals', value: 'Berlin' }],
		});
		await watchLdap({ session, baseDN: BASE, flavour: 'auto' }, typed);
		await watchLdap({ session, baseDN: BASE, flavour: 'auto' }, typed);
		expect(directory.requests.filter((request) => request.base === SUBSCHEMA)).toHaveLength(1);
	});
});

describe('"Fetch Test Event" in the editor', () => {
	it('samples an event of a type the workflow wants, from the real entries, when nothing changed yet', async () => {
		const { session } = openLdap('ldap://sample.example');
		const sample = async (eventTypes: string[]) =>
			sampleEvent(await watchLdap({ session, baseDN: BASE, flavour: 'auto' }, options({ eventTypes })));

		const updated = await sample([]);
		expect(updated).toMatchObject({ type: 'user.updated', sample: true, user: { login: 'adavis' } });

		const locked = await sample(['user.locked', 'user.unlocked']);
		expect(locked).toMatchObject({
			type: 'user.locked',
			user: { login: 'adavis' },
			changes: [{ attribute: 'locked', before: 'false', after: 'true' }],
		});

		const joined = await sample(['group.memberAdded']);
		expect(joined).toMatchObject({
			type: 'group.memberAdded',
			group: { name: 'Sales' },
			user: { login: 'adavis' },
			changes: [{ attribute: 'member', before: null, after: `uid=adavis,${PEOPLE}` }],
		});
		expect(joined.user).not.toHaveProperty('attributes');

		const bulk = await sample(['directory.bulkChange']);
		expect(bulk).toMatchObject({ type: 'directory.bulkChange', summary: { total: expect.any(Number) } });
		expect(bulk.user).toBeUndefined();

		// user.updated is preferred when wanted, whatever the order.
		expect((await sample(['group.deleted', 'user.updated'])).type).toBe('user.updated');
	});

	it('shows at most the first events of a backlog, the last of them saying how many more wait', () => {
		const backlog = Array.from({ length: TEST_EVENT_LIMIT + 7 }, (_, n) => ({ id: `e${n}` }));
		const shown = testEventsOf(backlog);
		expect(shown).toHaveLength(TEST_EVENT_LIMIT);
		expect(shown[0]).toEqual({ id: 'e0' });
		expect(shown[TEST_EVENT_LIMIT - 1]).toEqual({ id: `e${TEST_EVENT_LIMIT - 1}`, moreEvents: 7 });
		expect(backlog[TEST_EVENT_LIMIT - 1]).toEqual({ id: `e${TEST_EVENT_LIMIT - 1}` });

		const few = backlog.slice(0, 3);
		expect(testEventsOf(few)).toEqual(few);
	});
});
