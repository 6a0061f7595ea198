/**
 * Active Directory's uSNChanged strategy polled end to end on a fake directory
 * (test/support/fake-directory.ts): no domain controller runs here. Entries, tombstones and the root DSE
 * are HANDWRITTEN in the shapes Microsoft documents (MS-ADTS: highestCommittedUSN, dsServiceName and
 * configurationNamingContext in the root DSE; invocationId on the DC's NTDS Settings object;
 * tombstones in CN=Deleted Objects with isDeleted, lastKnownParent and the RDN mangled to
 * `<name>\0ADEL:<objectGUID>`, returned only with the Show Deleted control; tombstoneLifetime on
 * CN=Directory Service,CN=Windows NT,CN=Services in the configuration partition), NOT recordings of a
 * live DC. The fake refuses unpaged searches of more than 1,000 entries, like AD's MaxPageSize.
 */
import type { Entry } from 'ldapts';
import { AdUsnStrategy, SHOW_DELETED_OID, type AdUsnStrategyOptions } from '../../core/changes/ldap/ad-usn';
import type { DirectoryEvent } from '../../core/changes/events';
import { LdapChangeReader } from '../../core/changes/ldap/reader';
import type { ChangeState } from '../../core/changes/state';
import { profileFor } from '../../core/ldap/flavours';
import { guidToBytes } from '../../core/ldap/flavours/active-directory';
import { FakeDirectory } from '../support/fake-directory';

const domain = 'DC=corp,DC=example,DC=com';
const staff = `OU=Staff,${domain}`;
const groups = `OU=Groups,${domain}`;
const configuration = `CN=Configuration,${domain}`;
const ntdsSettings = `CN=NTDS Settings,CN=DC1,CN=Servers,CN=Default-First-Site-Name,CN=Sites,${configuration}`;
const directoryService = `CN=Directory Service,CN=Windows NT,CN=Services,${configuration}`;
const deletedObjects = `CN=Deleted Objects,${domain}`;
const personCategory = `CN=Person,CN=Schema,${configuration}`;
const invocation = (n: number) => guidToBytes(`7d1e0c55-2a41-4c3b-9e0f-00000000000${n}`) as Buffer;
const guid = (n: number) => `5c7e1a2b-0000-4000-8000-${String(n).padStart(12, '0')}`;

function person(n: number, usn: number, extra: Record<string, string> = {}): Entry {
	const dn = `CN=User ${n},${staff}`;
	return {
		dn,
		distinguishedName: dn,
		objectClass: ['top', 'person', 'organizationalPerson', 'user'],
		objectCategory: personCategory,
		objectGUID: guidToBytes(guid(n)) as Buffer,
		sAMAccountName: `user${n}`,
		cn: `User ${n}`,
		displayName: `User ${n}`,
		userAccountControl: '512',
		pwdLastSet: '134070000000000000',
		uSNChanged: String(usn),
		whenChanged: '20261120090000.0Z',
		...extra,
	};
}

/** A tombstone as Show Deleted returns it: most attributes stripped, the RDN mangled (no msDS-LastKnownRDN: a forest without the Recycle Bin). */
function tombstone(n: number, usn: number, objectClass = ['top', 'person', 'organizationalPerson', 'user']): Entry {
	return {
		dn: `CN=User ${n}\\0ADEL:${guid(n)},${deletedObjects}`,
		objectClass,
		isDeleted: 'TRUE',
		objectGUID: guidToBytes(guid(n)) as Buffer,
		lastKnownParent: staff,
		sAMAccountName: `user${n}`,
		uSNChanged: String(usn),
		whenChanged: '20261127093000.0Z',
	};
}

const summary = (events: DirectoryEvent[]) =>
	events
		.map((event) => [event.type, event.user?.id ?? event.group?.id])
		.sort((a, b) => String(a).localeCompare(String(b)));

/** A DC with three users and a group, the trigger's first activation done at USN 5000. */
async function activated(options: AdUsnStrategyOptions & { tombstoneLifetime?: string } = {}) {
	let clock = new Date('2026-11-27T10:00:00Z');
	const directory = new FakeDirectory({ server: 'ldap://dc1.corp.example.com', sizeLimit: 1000 });
	for (const dn of [domain, staff, groups, configuration, deletedObjects]) directory.put({ dn });
	directory.put({
		dn: ntdsSettings,
		objectClass: ['top', 'applicationSettings', 'nTDSDSA'],
		invocationId: invocation(1),
	});
	directory.put({
		dn: directoryService,
		objectClass: ['top', 'nTDSService'],
		...(options.tombstoneLifetime ? { tombstoneLifetime: options.tombstoneLifetime } : {}),
	});
	for (const n of [1, 2, 3]) directory.put(person(n, 4000 + n));
	directory.put({
		dn: `CN=Sales,${groups}`,
		objectClass: ['top', 'group'],
		objectGUID: guidToBytes(guid(90)) as Buffer,
		cn: 'Sales',
		member: [`CN=User 1,${staff}`],
		uSNChanged: '4004',
		whenChanged: '20261120090000.0Z',
	});
	directory.rootDseEntry = {
		dn: '',
		dnsHostName: 'DC1.corp.example.com',
		highestCommittedUSN: '5000',
		dsServiceName: ntdsSettings,
		defaultNamingContext: domain,
		configurationNamingContext: configuration,
		supportedCapabilities: ['1.2.840.113556.1.4.800'],
	};
	const reader = new LdapChangeReader({
		session: directory.session(),
		profile: profileFor('activeDirectory'),
		flavour: 'activeDirectory',
		userBaseDN: staff,
		groupBaseDN: groups,
	});
	const strategy = new AdUsnStrategy(reader, directory.server, { reconcileEvery: 0, now: () => clock, ...options });
	const first = await strategy.poll(undefined);
	expect(first.events).toEqual([]);
	expect(first.nextCursor.cursor).toBe('5000');
	const setUsn = (usn: number) =>
		(directory.rootDseEntry = { ...directory.rootDseEntry, highestCommittedUSN: String(usn) });
	const later = (days: number) => (clock = new Date(clock.getTime() + days * 86_400_000));
	return { directory, strategy, start: first.nextCursor, setUsn, later };
}

describe('Active Directory uSNChanged polls (handwritten shapes, fake DC)', () => {
	it('an incremental poll: changed and new entries by uSNChanged, deletes from tombstones read in pages', async () => {
		const { directory, strategy, start, setUsn, later } = await activated();
		directory.put(person(1, 5001, { userAccountControl: '514', whenChanged: '20261127091000.0Z' }));
		directory.remove(`CN=User 2,${staff}`);
		directory.put(tombstone(2, 5002));
		directory.put(person(4, 5003, { whenChanged: '20261127092000.0Z' }));
		// 1,200 deleted computers and one deleted user the trigger never saw: more than one page of tombstones.
		for (let n = 100; n < 1300; n++)
			directory.put(tombstone(n, 5003 + n - 99, ['top', 'person', 'organizationalPerson', 'user', 'computer']));
		directory.put(tombstone(2000, 6300));
		setUsn(6300);
		later(1 / 24);
		directory.requests.length = 0;

		const result = await strategy.poll(start);
		expect(summary(result.events)).toEqual([
			['user.created', guid(4)],
			['user.deleted', guid(2)],
			['user.disabled', guid(1)],
		]);
		const deleted = result.events.find((event) => event.type === 'user.deleted');
		expect(deleted?.user).toMatchObject({ id: guid(2), dn: `CN=User 2,${staff}`, login: 'user2' });
		expect(deleted?.occurredAt).toBe('2026-11-27T09:30:00.000Z');
		expect(result.nextCursor.cursor).toBe('6300');
		expect(result.nextCursor.cursorContext).toMatch(
			/^dc1\.corp\.example\.com\|7d1e0c55-2a41-4c3b-9e0f-000000000001\|2026-11-27T11:00:00\.000Z$/,
		);
		const tombstoneRead = directory.requests.find((request) => request.filter.includes('isDeleted'));
		expect(tombstoneRead).toMatchObject({ base: domain, paged: true, controls: [SHOW_DELETED_OID] });
		expect(tombstoneRead?.filter).toContain('(uSNChanged>=5001)');
		// A poll an hour after the last one needs no look at the tombstone lifetime.
		expect(directory.requests.some((request) => request.base === directoryService)).toBe(false);
		expect((await strategy.poll(result.nextCursor)).events).toEqual([]);
	});

	it('a restored DC (new invocationID) reconciles: one directory.resync and only the real differences', async () => {
		const { directory, strategy, start, setUsn, later } = await activated();
		// Restored from a backup: new invocationID, USNs continuing from the backup's.
		directory.put({ ...(directory.get(ntdsSettings) as Entry), invocationId: invocation(2) });
		setUsn(4900);
		directory.put(person(3, 4901, { title: 'Changed after the restore', whenChanged: '20261127093000.0Z' }));
		later(1);
		const result = await strategy.poll(start);
		expect(summary(result.events)).toEqual([
			['directory.resync', undefined],
			['user.updated', guid(3)],
		]);
		expect(result.events[0].summary?.reason).toMatch(/restored \(its invocationID changed\)/);
		expect(result.nextCursor.cursor).toBe('4900');
		expect((await strategy.poll(result.nextCursor)).events).toEqual([]);
	});

	it('more than the tombstone lifetime since the last poll reconciles: a delete whose tombstone is gone is still reported', async () => {
		const { directory, strategy, start, later } = await activated({ tombstoneLifetime: '180' });
		directory.remove(`CN=User 2,${staff}`); // and its tombstone collected long ago
		later(200);
		const result = await strategy.poll(start);
		expect(summary(result.events)).toEqual([
			['directory.resync', undefined],
			['user.deleted', guid(2)],
		]);
		expect(result.events.find((event) => event.type === 'directory.resync')?.summary?.reason).toMatch(
			/200 days passed since the last poll, more than the tombstone lifetime \(180 days\)/,
		);
		expect(directory.requests.some((request) => request.base === directoryService)).toBe(true);
	});

	it('within the lifetime the poll goes on from the cursor; a forest without tombstoneLifetime set means 60 days', async () => {
		const within = await activated({ tombstoneLifetime: '180' });
		within.directory.remove(`CN=User 2,${staff}`);
		within.directory.put(tombstone(2, 5001));
		within.setUsn(5001);
		within.later(100);
		expect(summary((await within.strategy.poll(within.start)).events)).toEqual([['user.deleted', guid(2)]]);

		const unset = await activated();
		unset.later(100);
		const result = await unset.strategy.poll(unset.start);
		expect(result.events[0]?.summary?.reason).toMatch(/tombstone lifetime \(60 days\)/);

		// Set in the trigger: the forest's value is not read.
		const configured = await activated({ tombstoneLifetimeDays: 365 });
		configured.later(200);
		configured.directory.requests.length = 0;
		expect((await configured.strategy.poll(configured.start)).events).toEqual([]);
		expect(configured.directory.requests.some((request) => request.base === directoryService)).toBe(false);
	});

	it('refuses a configured tombstone lifetime below the 2 days AD allows, naming the setting', async () => {
		await expect(activated({ tombstoneLifetimeDays: 1 })).rejects.toThrow(
			/^Tombstone Lifetime \(Days\) must be a number of days of at least 2/,
		);
	});

	it('a state stored before the poll time was kept: the newest change it saw bounds the gap', async () => {
		const { strategy, start, later } = await activated({ tombstoneLifetime: '180' });
		const [host, invocationId] = (start.cursorContext ?? '').split('|');
		const older: ChangeState = { ...start, cursorContext: `${host}|${invocationId}` };
		expect(older.stampHighWater).toBe('20261120090000Z');
		// 7 days after its newest change: within the lifetime whenever the poll ran.
		expect((await strategy.poll(older)).events).toEqual([]);
		later(200);
		const result = await strategy.poll(older);
		expect(result.events[0]?.summary?.reason).toMatch(
			/since the newest change the last poll saw, more than the tombstone lifetime \(180 days\)/,
		);
	});
});

describe('Active Directory: a renamed and a deleted group member (handwritten shapes, fake DC)', () => {
	it('a rename rewrites the group link: one user.renamed, no membership change; a deleted member leaves its group in the poll of its tombstone', async () => {
		const { directory, strategy, start, setUsn } = await activated();
		const renamedDn = `CN=User One,${staff}`;
		directory.remove(`CN=User 1,${staff}`);
		directory.put({ ...person(1, 5001), dn: renamedDn, distinguishedName: renamedDn, cn: 'User One' });
		// The group's member link follows the rename; the group is read in this poll (its description changed too).
		directory.put({
			dn: `CN=Sales,${groups}`,
			objectClass: ['top', 'group'],
			objectGUID: guidToBytes(guid(90)) as Buffer,
			cn: 'Sales',
			description: 'Sales team',
			member: [renamedDn],
			uSNChanged: '5002',
			whenChanged: '20261127091000.0Z',
		});
		setUsn(5002);
		const renamed = await strategy.poll(start);
		expect(summary(renamed.events)).toEqual([
			['group.updated', guid(90)],
			['user.renamed', guid(1)],
		]);

		// Deleted: AD drops the link from the group; the group's own uSNChanged need not move.
		directory.remove(renamedDn);
		directory.put(tombstone(1, 5003));
		directory.put({
			dn: `CN=Sales,${groups}`,
			objectClass: ['top', 'group'],
			objectGUID: guidToBytes(guid(90)) as Buffer,
			cn: 'Sales',
			description: 'Sales team',
			uSNChanged: '5002',
			whenChanged: '20261127091000.0Z',
		});
		setUsn(5003);
		const deleted = await strategy.poll(renamed.nextCursor);
		expect(summary(deleted.events)).toEqual([
			['group.memberRemoved', guid(1)],
			['user.deleted', guid(1)],
		]);
		const deletion = deleted.events.find((event) => event.type === 'user.deleted');
		expect(deletion?.user).toMatchObject({ id: guid(1), login: 'user1' });
		expect(deleted.events.find((event) => event.type === 'group.memberRemoved')?.user).toEqual(deletion?.user);
	});
});
