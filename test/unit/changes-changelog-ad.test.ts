/**
 * cn=changelog (389 DS retro changelog, OpenDJ / legacy OTDS external changelog) and Auto's choice of it,
 * on a fake directory (test/support/fake-directory.ts): no such server runs here. The records and entries
 * are HANDWRITTEN in the shapes the vendors document (389 DS: changenumber, targetDn, changeType,
 * changes, targetUniqueId as nsUniqueId; OpenDJ: changeNumber, changeTime, targetDN, changeType,
 * changes, targetEntryUUID, changeInitiatorsName, replicationCSN, replicaIdentifier, newRDN,
 * deleteOldRDN, newSuperior), NOT recordings of live servers. Active Directory: changes-ad-usn.test.ts.
 */
import type { Entry } from 'ldapts';
import { createLdapChangeStrategy } from '../../core/changes/ldap/auto';
import {
	ChangelogStrategy,
	changelogContexts,
	changelogRanges,
	parseChangelogRecord,
	type ChangelogStrategyOptions,
} from '../../core/changes/ldap/changelog';
import type { DirectoryEvent } from '../../core/changes/events';
import { LdapChangeReader } from '../../core/changes/ldap/reader';
import type { ChangeState } from '../../core/changes/state';
import { profileFor } from '../../core/ldap/flavours';
import type { DirectoryFlavour } from '../../core/ldap/flavours';
import { FakeDirectory } from '../support/fake-directory';

const changelogBase: Entry = { dn: 'cn=changelog', objectClass: ['top', 'container'], cn: 'changelog' };
const summary = (events: DirectoryEvent[]) => events.map((event) => [event.type, event.user?.id ?? event.group?.id]);

function strategyOn(
	directory: FakeDirectory,
	flavour: Exclude<DirectoryFlavour, 'auto'>,
	bases: { users: string; groups: string },
	options: ChangelogStrategyOptions = {},
): ChangelogStrategy {
	const session = directory.session();
	const reader = new LdapChangeReader({
		session,
		profile: profileFor(flavour),
		flavour,
		userBaseDN: bases.users,
		groupBaseDN: bases.groups,
	});
	return new ChangelogStrategy(reader, directory.server, { reconcileEvery: 0, ...options });
}

describe('changelog ranges', () => {
	it('covers the numbers after the cursor up to the last one, in batches, at most the per-poll maximum', () => {
		expect(changelogRanges(10, 14, 500, 10_000)).toEqual([{ from: 11, to: 14 }]);
		expect(changelogRanges(10, 1210, 500, 10_000)).toEqual([
			{ from: 11, to: 510 },
			{ from: 511, to: 1010 },
			{ from: 1011, to: 1210 },
		]);
		expect(changelogRanges(10, 5000, 500, 1000)).toEqual([
			{ from: 11, to: 510 },
			{ from: 511, to: 1010 },
		]);
		expect(changelogRanges(10, 10, 500, 1000)).toEqual([]);
		// No lastChangeNumber: as far as the per-poll maximum allows (the strategy stops at a short range).
		expect(changelogRanges(0, undefined, 2, 5)).toEqual([
			{ from: 1, to: 2 },
			{ from: 3, to: 4 },
			{ from: 5, to: 5 },
		]);
	});

	it('refuses a batch size that is not a whole number of at least 1, naming the setting', () => {
		const directory = new FakeDirectory();
		const bases = { users: 'ou=people,dc=example,dc=com', groups: 'ou=groups,dc=example,dc=com' };
		expect(() => strategyOn(directory, '389ds', bases, { changelogBatchSize: 0 })).toThrow(
			/^Changelog Batch Size must be a whole number of at least 1, not 0$/,
		);
		expect(() => strategyOn(directory, '389ds', bases, { changelogMaxPerPoll: 2.5 })).toThrow(
			/^Log Records per Poll must be a whole number/,
		);
	});
});

describe('389 DS retro changelog bigger than the size limit (handwritten shapes)', () => {
	const people = 'ou=people,dc=example,dc=com';
	const ids = {
		a: 'c2b1d281-1dd111b2-80a1d0c4-8c5b2b65',
		b: 'c2b1d282-1dd111b2-80a1d0c4-8c5b2b65',
		c: 'c2b1d283-1dd111b2-80a1d0c4-8c5b2b65',
	};
	const person = (uid: string, id: string, extra: Record<string, string> = {}): Entry => ({
		dn: `uid=${uid},${people}`,
		objectClass: ['top', 'person', 'inetOrgPerson'],
		uid,
		cn: uid,
		sn: uid,
		nsUniqueId: id,
		modifyTimestamp: '20261127000000Z',
		...extra,
	});
	const record = (
		changeNumber: number,
		changeType: string,
		targetDn: string,
		extra: Record<string, string> = {},
	): Entry => ({
		dn: `changenumber=${changeNumber},cn=changelog`,
		objectClass: ['top', 'changelogentry'],
		changeNumber: String(changeNumber),
		changeType,
		targetDn,
		changeTime: '20261127080000Z',
		...extra,
	});

	it('reads a 2,500-record backlog in ranges under a size limit of 1,000, the cursor moving only over what was read', async () => {
		// 389 DS counts a whole paged search against its size limit: ranges are the way past it.
		const directory = new FakeDirectory({
			server: 'ldap://ds389.example',
			sizeLimit: 1000,
			sizeLimitCountsPages: true,
		});
		for (const entry of [
			{ dn: 'dc=example,dc=com' },
			{ dn: people },
			{ dn: 'ou=groups,dc=example,dc=com' },
			changelogBase,
			person('a', ids.a),
			person('b', ids.b),
		])
			directory.put(entry);
		directory.put(record(10, 'modify', 'cn=config'));
		directory.rootDseEntry = {
			dn: '',
			vendorName: '389 Project',
			changelog: 'cn=changelog',
			firstChangeNumber: '1',
			lastChangeNumber: '10',
		};
		const strategy = strategyOn(
			directory,
			'389ds',
			{ users: people, groups: 'ou=groups,dc=example,dc=com' },
			{ changelogMaxPerPoll: 2000 },
		);
		const first = await strategy.poll(undefined);
		expect(first.nextCursor.cursor).toBe('10');

		// 2,500 records: a disable early, an add late, the rest writes elsewhere (cn=config is not watched).
		for (let number = 11; number <= 2510; number++)
			directory.put(
				record(number, 'modify', 'cn=config', { changes: 'replace: nsslapd-sizelimit\nnsslapd-sizelimit: 1000\n-\n' }),
			);
		directory.put(
			record(11, 'modify', `uid=a,${people}`, {
				targetUniqueId: ids.a.toUpperCase(),
				changes: 'replace: nsAccountLock\nnsAccountLock: TRUE\n-\n',
			}),
		);
		directory.put(
			record(2400, 'add', `uid=c,${people}`, {
				targetUniqueId: ids.c,
				changes: 'objectClass: inetOrgPerson\nuid: c\n',
			}),
		);
		directory.put(person('a', ids.a, { nsAccountLock: 'TRUE' }));
		directory.put(person('c', ids.c));
		directory.rootDseEntry = { ...directory.rootDseEntry, lastChangeNumber: '2510' };

		// One unpaged search of the whole backlog is refused by this server.
		await expect(
			directory.search('cn=changelog', { scope: 'one', filter: '(changeNumber>=11)', attributes: ['changeNumber'] }),
		).rejects.toThrow(/size limit/);
		directory.requests.length = 0;
		const second = await strategy.poll(first.nextCursor);
		expect(summary(second.events)).toEqual([['user.disabled', ids.a]]);
		expect(second.nextCursor.cursor).toBe('2010');
		const logReads = directory.requests.filter((request) => request.base === 'cn=changelog');
		expect(logReads.map((request) => request.filter)).toEqual([
			'(&(changeNumber>=11)(changeNumber<=510))',
			'(&(changeNumber>=511)(changeNumber<=1010))',
			'(&(changeNumber>=1011)(changeNumber<=1510))',
			'(&(changeNumber>=1511)(changeNumber<=2010))',
		]);

		const third = await strategy.poll(second.nextCursor);
		expect(summary(third.events)).toEqual([['user.created', ids.c]]);
		expect(third.nextCursor.cursor).toBe('2510');
		const fourth = await strategy.poll(third.nextCursor);
		expect(fourth.events).toEqual([]);
		expect(fourth.nextCursor.cursor).toBe('2510');
	});

	/** A generalized time `secondsAgo` before now, as 389 DS writes changeTime. */
	const changeTimeAgo = (secondsAgo: number) =>
		new Date(Date.now() - secondsAgo * 1000)
			.toISOString()
			.replace(/[-:T]/g, '')
			.replace(/\.\d+Z$/, 'Z');

	it('a change number counted in lastChangeNumber whose record is not visible yet holds the cursor until it is (389 DS numbers a change before it commits)', async () => {
		const directory = new FakeDirectory({ server: 'ldap://ds389.example' });
		for (const entry of [
			{ dn: 'dc=example,dc=com' },
			{ dn: people },
			changelogBase,
			person('a', ids.a),
			person('b', ids.b),
			person('c', ids.c),
		])
			directory.put(entry);
		directory.put(record(10, 'modify', 'cn=config'));
		directory.rootDseEntry = { dn: '', changelog: 'cn=changelog', firstChangeNumber: '1', lastChangeNumber: '10' };
		const strategy = strategyOn(directory, '389ds', { users: people, groups: people });
		const first = await strategy.poll(undefined);
		expect(first.nextCursor.cursor).toBe('10');

		// Three writes in parallel, numbered 11-13; 12's record (b) is not committed yet, 13's (c) is.
		const titled = (number: number, uid: string, id: string) => {
			directory.put(
				record(number, 'modify', `uid=${uid},${people}`, {
					targetUniqueId: id,
					changeTime: changeTimeAgo(0),
					changes: `replace: title\ntitle: Lead ${uid}\n-\n`,
				}),
			);
			directory.put(person(uid, id, { title: `Lead ${uid}` }));
		};
		titled(11, 'a', ids.a);
		titled(13, 'c', ids.c);
		directory.rootDseEntry = { ...directory.rootDseEntry, lastChangeNumber: '13' };
		const second = await strategy.poll(first.nextCursor);
		expect(summary(second.events)).toEqual([
			['user.updated', ids.a],
			['user.updated', ids.c],
		]);
		expect(second.nextCursor.cursor).toBe('11');
		expect(second.readAgainSoon).toBe(true);

		// 12 commits: the next read emits it, and c's change is not emitted again.
		titled(12, 'b', ids.b);
		const third = await strategy.poll(second.nextCursor);
		expect(summary(third.events)).toEqual([['user.updated', ids.b]]);
		expect(third.nextCursor.cursor).toBe('13');
		expect(third.readAgainSoon).toBeUndefined();
	});

	it('a change number missing below a record older than a minute was skipped by the server: the cursor moves on', async () => {
		const directory = new FakeDirectory({ server: 'ldap://ds389.example' });
		for (const entry of [{ dn: 'dc=example,dc=com' }, { dn: people }, changelogBase, person('a', ids.a)])
			directory.put(entry);
		directory.put(record(10, 'modify', 'cn=config'));
		directory.rootDseEntry = { dn: '', changelog: 'cn=changelog', firstChangeNumber: '1', lastChangeNumber: '10' };
		const strategy = strategyOn(directory, '389ds', { users: people, groups: people });
		const first = await strategy.poll(undefined);
		directory.put(
			record(12, 'modify', `uid=a,${people}`, {
				targetUniqueId: ids.a,
				changeTime: changeTimeAgo(90),
				changes: 'replace: title\ntitle: Lead\n-\n',
			}),
		);
		directory.put(person('a', ids.a, { title: 'Lead' }));
		directory.rootDseEntry = { ...directory.rootDseEntry, lastChangeNumber: '12' };
		const second = await strategy.poll(first.nextCursor);
		expect(summary(second.events)).toEqual([['user.updated', ids.a]]);
		expect(second.nextCursor.cursor).toBe('12');
		expect(second.readAgainSoon).toBeUndefined();
	});

	it('without a published lastChangeNumber, covers only the records seen', async () => {
		const directory = new FakeDirectory({ sizeLimit: 1000 });
		for (const entry of [{ dn: 'dc=example,dc=com' }, { dn: people }, changelogBase, person('a', ids.a)])
			directory.put(entry);
		directory.rootDseEntry = { dn: '', changelog: 'cn=changelog', firstChangeNumber: '1' };
		const strategy = strategyOn(directory, '389ds', { users: people, groups: people }, { changelogBatchSize: 2 });
		const first = await strategy.poll(undefined);
		const start: ChangeState = { ...first.nextCursor, cursor: '0' };
		for (let number = 1; number <= 3; number++)
			directory.put(record(number, 'modify', `uid=a,${people}`, { targetUniqueId: ids.a }));
		directory.put(person('a', ids.a, { title: 'Lead' }));
		const next = await strategy.poll(start);
		expect(summary(next.events)).toEqual([['user.updated', ids.a]]);
		// Ranges 1-2 (full) and 3-4 (short): 4 may still be written, so the cursor stays at 3.
		expect(next.nextCursor.cursor).toBe('3');
	});
});

describe('OpenDJ changelog of legacy OTDS: records keyed by entryUUID, entries by oTObjectGUID (handwritten shapes)', () => {
	const partition = 'partition=Acme,dc=identity,dc=opentext,dc=net';
	const users = `orgunit=users,${partition}`;
	const sales = `orgunit=Sales,${users}`;
	const groups = `orgunit=groups,${partition}`;
	// OTDS assigns oTObjectGUID; OpenDJ assigns entryUUID itself: the two differ.
	const guid = (n: number) => `6f1c0b3e-0000-4000-8000-00000000000${n}`;
	const uuid = (n: number) => `d3a2e5c4-1111-3222-9333-00000000000${n}`;
	const userDn = (n: number, parent = users) => `oTPerson=${guid(n)},${parent}`;
	const person = (n: number, parent = users, extra: Record<string, string> = {}): Entry => ({
		dn: userDn(n, parent),
		objectClass: ['top', 'oTPerson'],
		oTObjectGUID: guid(n),
		entryUUID: uuid(n),
		cn: `user${n}`,
		mail: `user${n}@acme.example`,
		modifyTimestamp: '20261127000000Z',
		...extra,
	});
	const change = (
		changeNumber: number,
		changeType: string,
		targetDN: string,
		target: number,
		extra: Record<string, string> = {},
	): Entry => ({
		dn: `changeNumber=${changeNumber},cn=changelog`,
		objectClass: ['top', 'changeLogEntry'],
		changeNumber: String(changeNumber),
		changeTime: `202611270900${String(changeNumber % 60).padStart(2, '0')}Z`,
		changeType,
		targetDN,
		targetEntryUUID: uuid(target),
		changeInitiatorsName: 'cn=otadmin,cn=admins,dc=identity,dc=opentext,dc=net',
		replicationCSN: `0000019a6b5e1c2d7e3f0000${String(changeNumber).padStart(4, '0')}`,
		replicaIdentifier: '32017',
		changeLogCookie: `${partition}:0000019a6b5e1c2d7e3f0000${String(changeNumber).padStart(4, '0')};`,
		...extra,
	});

	async function scenario(options: ChangelogStrategyOptions) {
		const directory = new FakeDirectory({ server: 'ldap://otds.example', sizeLimit: 1000 });
		for (const dn of ['dc=identity,dc=opentext,dc=net', partition, users, sales, groups]) directory.put({ dn });
		directory.put(changelogBase);
		for (const n of [1, 2, 3, 4]) directory.put(person(n));
		// The newest record before the first activation (which checks that records are readable).
		directory.put(
			change(100, 'modify', userDn(1), 1, { changes: 'replace: description\ndescription: before the trigger\n-\n' }),
		);
		directory.rootDseEntry = {
			dn: '',
			vendorName: 'ForgeRock AS.',
			vendorVersion: 'OpenDJ 2.6.4',
			changelog: 'cn=changelog',
			firstChangeNumber: '1',
			lastChangeNumber: '100',
		};
		const strategy = strategyOn(directory, 'openDj', { users, groups }, options);
		const first = await strategy.poll(undefined);

		// 101: user1 disabled. 102-103: user2 moved to Sales, then changed there. 104: user3 deleted.
		// 105-106: user4 moved, then deleted under its new DN. 107: user5 added.
		directory.put(
			change(101, 'modify', userDn(1), 1, { changes: 'replace: accountDisabled\naccountDisabled: TRUE\n-\n' }),
		);
		directory.put(
			change(102, 'modrdn', userDn(2), 2, { newRDN: `oTPerson=${guid(2)}`, deleteOldRDN: 'TRUE', newSuperior: sales }),
		);
		directory.put(
			change(103, 'modify', userDn(2, sales), 2, { changes: 'replace: mail\nmail: user2@sales.acme.example\n-\n' }),
		);
		directory.put(change(104, 'delete', userDn(3), 3));
		directory.put(
			change(105, 'modrdn', userDn(4), 4, { newRDN: `oTPerson=${guid(4)}`, deleteOldRDN: 'TRUE', newSuperior: sales }),
		);
		directory.put(change(106, 'delete', userDn(4, sales), 4));
		directory.put(change(107, 'add', userDn(5), 5, { changes: 'objectClass: oTPerson\ncn: user5\n' }));
		directory.put(person(1, users, { accountDisabled: 'TRUE' }));
		directory.remove(userDn(2));
		directory.put(person(2, sales, { mail: 'user2@sales.acme.example' }));
		directory.remove(userDn(3));
		directory.remove(userDn(4));
		directory.put(person(5));
		directory.rootDseEntry = { ...directory.rootDseEntry, lastChangeNumber: '107' };
		return { directory, strategy, first, second: await strategy.poll(first.nextCursor) };
	}

	it('names each change by the profile key: modify, move, delete, move-then-delete, add', async () => {
		const { second } = await scenario({});
		const types = (n: number) => second.events.filter((event) => event.user?.id === guid(n)).map((event) => event.type);
		expect(types(1)).toEqual(['user.disabled']);
		expect(types(2)).toEqual(['user.renamed', 'user.updated']);
		expect(types(3)).toEqual(['user.deleted']);
		expect(types(4)).toEqual(['user.deleted']);
		expect(types(5)).toEqual(['user.created']);
		expect(second.events).toHaveLength(6);
		const renamed = second.events.find((event) => event.type === 'user.renamed');
		expect(renamed?.changes).toEqual([{ attribute: 'dn', before: userDn(2), after: userDn(2, sales) }]);
		expect(second.events.find((event) => event.user?.id === guid(3))?.user?.dn).toBe(userDn(3));
		expect(second.events.find((event) => event.type === 'user.disabled')).toMatchObject({
			actor: { dn: 'cn=otadmin,cn=admins,dc=identity,dc=opentext,dc=net' },
			occurredAt: '2026-11-27T09:00:41.000Z',
		});
		expect(second.nextCursor.cursor).toBe('107');
	});

	it('reports who made a change only when Capture Actor is on', async () => {
		const withActor = (await scenario({})).second.events;
		const without = (await scenario({ captureActor: false })).second.events;
		expect(withActor.every((event) => event.actor?.dn === 'cn=otadmin,cn=admins,dc=identity,dc=opentext,dc=net')).toBe(
			true,
		);
		expect(without.map((event) => event.type)).toEqual(withActor.map((event) => event.type));
		expect(without.every((event) => event.actor === undefined)).toBe(true);
	});
});

describe('The bind account must be able to read cn=changelog', () => {
	const people = 'ou=people,dc=example,dc=com';
	function ds389(lastChangeNumber: string | undefined): FakeDirectory {
		const directory = new FakeDirectory({ server: 'ldap://ds389.example' });
		for (const dn of ['dc=example,dc=com', people]) directory.put({ dn });
		directory.put(changelogBase);
		directory.rootDseEntry = {
			dn: '',
			vendorName: '389 Project',
			vendorVersion: '389-Directory/2.3.4',
			namingContexts: ['dc=example,dc=com'],
			changelog: 'cn=changelog',
			firstChangeNumber: '1',
			...(lastChangeNumber ? { lastChangeNumber } : {}),
		};
		if (lastChangeNumber)
			directory.put({
				dn: `changenumber=${lastChangeNumber},cn=changelog`,
				objectClass: ['top', 'changelogentry'],
				changeNumber: lastChangeNumber,
				changeType: 'modify',
				targetDn: `uid=a,${people}`,
			});
		return directory;
	}
	const choose = (directory: FakeDirectory) =>
		createLdapChangeStrategy({
			session: directory.session(),
			strategy: 'auto',
			flavour: 'auto',
			userBaseDN: people,
			groupBaseDN: people,
		});

	it('picks the changelog when its newest record is readable (or the log is empty and its entry is)', async () => {
		const readable = await choose(ds389('42'));
		expect(readable.strategy.name).toBe('changelog');
		expect(readable.reason).toMatch(/can read it/);
		expect((await choose(ds389(undefined))).strategy.name).toBe('changelog');
	});

	it('falls back to timestamps when an ACL hides the records or the server refuses them', async () => {
		const hidden = ds389('42');
		hidden.restrict('cn=changelog', 'hidden');
		const quiet = await choose(hidden);
		expect(quiet.strategy.name).toBe('timestamp');
		expect(quiet.reason).toMatch(/cn=changelog is not readable by the bind account/);
		// OpenDJ: the cn=changelog entry is public, its records need the changelog-read privilege.
		const refused = ds389('42');
		refused.restrict('cn=changelog', 'refused');
		expect((await choose(refused)).strategy.name).toBe('timestamp');
		const missing = ds389('42');
		missing.remove('cn=changelog');
		expect((await choose(missing)).strategy.name).toBe('timestamp');
	});

	it('chosen explicitly, an unreadable changelog fails the first activation with what to fix', async () => {
		const hidden = ds389('42');
		hidden.restrict('cn=changelog', 'hidden');
		const { strategy } = await createLdapChangeStrategy({
			session: hidden.session(),
			strategy: 'changelog',
			flavour: 'auto',
			userBaseDN: people,
			groupBaseDN: people,
		});
		await expect(strategy.poll(undefined)).rejects.toThrow(
			/^Change Detection is Changelog, but the bind account cannot read the records of cn=changelog: grant it read access/,
		);
		const readable = ds389('42');
		const chosen = await createLdapChangeStrategy({
			session: readable.session(),
			strategy: 'changelog',
			flavour: 'auto',
			userBaseDN: people,
			groupBaseDN: people,
		});
		expect((await chosen.strategy.poll(undefined)).nextCursor.cursor).toBe('42');
	});
});

describe('a password set, as the changelog records it (handwritten 389 DS record)', () => {
	it('a modify of userPassword tells the differ the password was set (its stamp hash may collide); a title change does not', () => {
		const record = (changeNumber: number, changes: string) =>
			parseChangelogRecord({
				dn: `changenumber=${changeNumber},cn=changelog`,
				changenumber: String(changeNumber),
				targetdn: 'uid=jdoe,ou=people,dc=example,dc=com',
				changetype: 'modify',
				changes,
				targetuniqueid: '6e5d4c3b-1a2b11f0-8c9d0e1f-2a3b4c5d',
			});
		const password = record(
			7,
			'replace: userPassword\nuserPassword: {SSHA}x\n-\nreplace: modifiersName\nmodifiersName: cn=admin\n-\n',
		);
		const title = record(8, 'replace: title\ntitle: Manager\n-\n');
		const contextOf = (parsed: ReturnType<typeof parseChangelogRecord>) =>
			[...changelogContexts([parsed], new Map([[parsed, 'key']]), false).values()][0];
		expect(contextOf(password).passwordChanged).toBe(true);
		expect(contextOf(title).passwordChanged).toBeUndefined();
	});
});

describe('389 DS: a renamed and a deleted group member, as the retro changelog records them (handwritten shapes)', () => {
	const people = 'ou=people,dc=example,dc=com';
	const groupsBase = 'ou=groups,dc=example,dc=com';
	const ids = {
		a: 'c2b1d291-1dd111b2-80a1d0c4-8c5b2b65',
		b: 'c2b1d292-1dd111b2-80a1d0c4-8c5b2b65',
		team: 'c2b1d299-1dd111b2-80a1d0c4-8c5b2b65',
	};
	const dnOf = (uid: string) => `uid=${uid},${people}`;
	const teamDn = `cn=Team,${groupsBase}`;
	const person = (uid: string, id: string): Entry => ({
		dn: dnOf(uid),
		objectClass: ['top', 'person', 'inetOrgPerson'],
		uid,
		cn: uid,
		sn: 'Member',
		nsUniqueId: id,
		modifyTimestamp: '20261127000000Z',
	});
	const team = (members: string[]): Entry => ({
		dn: teamDn,
		objectClass: ['top', 'groupOfNames'],
		cn: 'Team',
		nsUniqueId: ids.team,
		modifyTimestamp: '20261127000000Z',
		...(members.length > 0 ? { member: members.map(dnOf) } : {}),
	});
	const record = (
		changeNumber: number,
		changeType: string,
		targetDn: string,
		targetUniqueId: string,
		extra: Record<string, string> = {},
	): Entry => ({
		dn: `changenumber=${changeNumber},cn=changelog`,
		objectClass: ['top', 'changelogentry'],
		changeNumber: String(changeNumber),
		changeType,
		targetDn,
		targetUniqueId,
		changeTime: '20261127080000Z',
		...extra,
	});

	it('a rename is one user.renamed (DN and uid), the group rewritten by referential integrity is no membership change; a deletion names the member alike in its group', async () => {
		const directory = new FakeDirectory({ server: 'ldap://ds389.example' });
		for (const entry of [
			{ dn: 'dc=example,dc=com' },
			{ dn: people },
			{ dn: groupsBase },
			changelogBase,
			person('a', ids.a),
			person('b', ids.b),
			team(['a', 'b']),
		])
			directory.put(entry);
		directory.put(record(10, 'modify', 'cn=config', ''));
		directory.rootDseEntry = {
			dn: '',
			vendorName: '389 Project',
			changelog: 'cn=changelog',
			firstChangeNumber: '1',
			lastChangeNumber: '10',
		};
		const strategy = strategyOn(directory, '389ds', { users: people, groups: groupsBase });
		let state = (await strategy.poll(undefined)).nextCursor;
		const poll = async (last: number) => {
			directory.rootDseEntry = { ...directory.rootDseEntry, lastChangeNumber: String(last) };
			const result = await strategy.poll(state);
			state = result.nextCursor;
			return result.events;
		};

		// uid=a becomes uid=a2; the referential integrity plug-in rewrites the member value (its own logged modify).
		directory.put(record(11, 'modrdn', dnOf('a'), ids.a, { newRDN: 'uid=a2', deleteOldRDN: 'TRUE' }));
		directory.put(
			record(12, 'modify', teamDn, ids.team, {
				changes: `replace: member\nmember: ${dnOf('b')}\nmember: ${dnOf('a2')}\n-\n`,
			}),
		);
		directory.remove(dnOf('a'));
		directory.put(person('a2', ids.a));
		directory.put(team(['b', 'a2']));
		const renamed = await poll(12);
		expect(summary(renamed)).toEqual([['user.renamed', ids.a]]);
		expect(renamed[0].changes).toEqual([
			{ attribute: 'dn', before: dnOf('a'), after: dnOf('a2') },
			{ attribute: 'uid', before: 'a', after: 'a2' },
		]);

		// a2 deleted; the plug-in removes the member value.
		directory.put(record(13, 'delete', dnOf('a2'), ids.a));
		directory.put(record(14, 'modify', teamDn, ids.team, { changes: `delete: member\nmember: ${dnOf('a2')}\n-\n` }));
		directory.remove(dnOf('a2'));
		directory.put(team(['b']));
		const deleted = await poll(14);
		expect(summary(deleted).sort()).toEqual([
			['group.memberRemoved', ids.a],
			['user.deleted', ids.a],
		]);
		const [removal, deletion] = [
			deleted.find((event) => event.type === 'group.memberRemoved'),
			deleted.find((event) => event.type === 'user.deleted'),
		];
		expect(deletion?.user).toEqual({ id: ids.a, dn: dnOf('a2') });
		expect(removal?.user).toEqual(deletion?.user);
		expect(removal?.changes).toEqual([{ attribute: 'member', before: dnOf('a2'), after: null }]);

		// b deleted where the plug-in's write is not in the log: the group, which listed b, is read in the same poll.
		directory.put(record(15, 'delete', dnOf('b'), ids.b));
		directory.remove(dnOf('b'));
		directory.put(team([]));
		expect(summary(await poll(15)).sort()).toEqual([
			['group.memberRemoved', ids.b],
			['user.deleted', ids.b],
		]);
	});
});
