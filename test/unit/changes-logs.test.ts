import type { Entry } from 'ldapts';
import {
	contextsFromRecords,
	parseAccesslogRecord,
	parseReqMod,
	readAheadScanned,
} from '../../core/changes/ldap/accesslog';
import { adCursorContext, adCursorProblem, parseTombstone } from '../../core/changes/ldap/ad-usn';
import { chooseStrategy } from '../../core/changes/ldap/auto';
import { ChangelogStrategy, changelogCursorLost, parseChangelogRecord } from '../../core/changes/ldap/changelog';
import { LdapChangeReader } from '../../core/changes/ldap/reader';
import { profileFor } from '../../core/ldap/flavours';
import { describeServer } from '../../core/ldap/server-info';
import { LdapSession } from '../../transport/ldap/session';

/**
 * Change logs of servers that do not run here (389 DS / OpenDJ cn=changelog, Active Directory), tested
 * on HANDWRITTEN response shapes taken from their documentation, not on recordings of live servers.
 * The accesslog shapes below are copied from the test slapd's own records.
 */

describe('accesslog records (shapes as slapd 2.5 writes them)', () => {
	it('decodes reqMod lines and reqOld values', () => {
		expect(parseReqMod('title:= Boss')).toEqual({ attribute: 'title', operation: 'replace', value: 'Boss' });
		expect(parseReqMod('member:+ uid=a,ou=people,dc=example,dc=com')).toEqual({
			attribute: 'member',
			operation: 'add',
			value: 'uid=a,ou=people,dc=example,dc=com',
		});
		expect(parseReqMod('pwdAccountLockedTime:-')).toEqual({
			attribute: 'pwdAccountLockedTime',
			operation: 'delete',
			value: undefined,
		});
		expect(parseReqMod('garbage')).toBeUndefined();
		const record = parseAccesslogRecord({
			dn: 'reqStart=20261126234717.333612Z,cn=accesslog',
			reqStart: '20261126234717.333612Z',
			reqType: 'modify',
			reqAuthzID: 'dn:cn=admin,dc=example,dc=com',
			reqDN: 'uid=adavis,ou=people,dc=example,dc=com',
			reqMod: ['title:= Boss', 'modifyTimestamp:= 20261126234717Z'],
			reqOld: ['title: Chief Executive Officer', 'modifyTimestamp: 20261126234717Z'],
			reqEntryUUID: '750F6B7A-7E3F-1041-9059-A59237D5930E',
		});
		expect(record).toMatchObject({
			type: 'modify',
			actor: 'cn=admin,dc=example,dc=com',
			entryUuid: '750f6b7a-7e3f-1041-9059-a59237d5930e',
		});
		expect(record.old.title).toEqual(['Chief Executive Officer']);
		const contexts = contextsFromRecords(
			[record, { ...record, reqStart: '20261126234718.000001Z', old: { title: ['Boss'] } }],
			true,
		);
		// The earliest earlier value is the state before the poll; the last record stamps the change.
		expect(contexts.get('750f6b7a-7e3f-1041-9059-a59237d5930e')).toMatchObject({
			stamp: '20261126234718.000001Z',
			before: { title: ['Chief Executive Officer'] },
		});
		// Capture Actor: the writer (reqAuthzID without its dn: prefix) when on, nobody when off.
		expect(contextsFromRecords([record], true).get('750f6b7a-7e3f-1041-9059-a59237d5930e')?.actor).toEqual({
			dn: 'cn=admin,dc=example,dc=com',
		});
		expect(contextsFromRecords([record], false).get('750f6b7a-7e3f-1041-9059-a59237d5930e')?.actor).toBeUndefined();
	});

	it('knows an earlier value only from the first record that changed it', () => {
		const uuid = '750f6b7a-7e3f-1041-9059-a59237d5930e';
		const record = (
			reqStart: string,
			mods: string[],
			old: string[],
			type = 'modify',
			extra: Record<string, string> = {},
		) =>
			parseAccesslogRecord({
				dn: `reqStart=${reqStart},cn=accesslog`,
				reqStart,
				reqType: type,
				reqDN: 'uid=adavis,ou=people,dc=example,dc=com',
				reqMod: mods,
				reqOld: old,
				reqEntryUUID: uuid,
				...extra,
			});
		// logold on: a changed attribute missing from reqOld was empty; the old modifyTimestamp is always there.
		const logged = contextsFromRecords(
			[
				record(
					'20261126000001.000001Z',
					['mobile:= +1 555', 'modifyTimestamp:= 20261126000001Z'],
					['modifyTimestamp: 20261125000000Z'],
				),
			],
			true,
		).get(uuid);
		expect(logged?.before).toEqual({ mobile: [], modifytimestamp: ['20261125000000Z'] });
		// logold off: the first change of title logged nothing, so a later record's reqOld (this poll's value) is not used.
		const unlogged = contextsFromRecords(
			[
				record('20261126000001.000001Z', ['title:= A', 'member:- uid=x,dc=example,dc=com'], []),
				record('20261126000002.000001Z', ['title:= B'], ['title: A']),
			],
			true,
		).get(uuid);
		expect(unlogged?.before).toEqual({});
		expect(unlogged?.removedValues).toEqual(['uid=x,dc=example,dc=com']);
		// A rename changes the RDN attribute without a reqMod line: its earlier value is not taken from later records.
		const renamed = contextsFromRecords(
			[
				record('20261126000001.000001Z', [], [], 'modrdn', { reqNewRDN: 'uid=arjun' }),
				record('20261126000002.000001Z', ['uid:+ a2'], ['uid: arjun', 'modifyTimestamp: 1']),
			],
			true,
		).get(uuid);
		expect(renamed?.previousDn).toBe('uid=adavis,ou=people,dc=example,dc=com');
		expect(renamed?.before?.uid).toBeUndefined();
	});
});

describe('Auto choice from root DSE facts', () => {
	const dse = (extra: Record<string, string | string[]>): Entry => ({ dn: '', ...extra });
	it('prefers a readable accesslog, then a changelog, then AD USNs, then timestamps', () => {
		const openLdap = describeServer(
			dse({ objectClass: ['top', 'OpenLDAProotDSE'], namingContexts: ['cn=accesslog', 'dc=example,dc=com'] }),
		);
		expect(chooseStrategy(openLdap, { accesslog: true, changelog: false }).name).toBe('accesslog');
		expect(chooseStrategy(openLdap, { accesslog: false, changelog: false }).name).toBe('timestamp');
		const ds389 = describeServer(
			dse({
				vendorName: '389 Project',
				namingContexts: ['dc=example,dc=com'],
				changelog: 'cn=changelog',
				firstChangeNumber: '1',
				lastChangeNumber: '42',
			}),
		);
		expect(chooseStrategy(ds389, { accesslog: false, changelog: true }).name).toBe('changelog');
		expect(chooseStrategy(ds389, { accesslog: false, changelog: false })).toMatchObject({
			name: 'timestamp',
			reason: expect.stringMatching(/cn=changelog is not readable/),
		});
		const ad = describeServer(
			dse({
				supportedCapabilities: ['1.2.840.113556.1.4.800'],
				defaultNamingContext: 'DC=corp,DC=example',
				highestCommittedUSN: '12345',
			}),
		);
		expect(chooseStrategy(ad, { accesslog: false, changelog: false }).name).toBe('adUsn');
	});
});

describe('Active Directory uSNChanged cursor (handwritten shapes)', () => {
	const invocation = Buffer.from('3f2504e04f8941d39a0c0305e82c3301', 'hex');
	const rootDse: Entry = { dn: '', dnsHostName: 'DC1.corp.example', highestCommittedUSN: '5000' };
	it('ties the cursor to the DC and its invocationID, and explains a lost cursor', () => {
		const context = adCursorContext(rootDse, { dn: 'CN=NTDS Settings,CN=DC1,...', invocationId: invocation });
		expect(context).toBe('dc1.corp.example|e004253f-894f-d341-9a0c-0305e82c3301');
		expect(adCursorProblem(context, context, '4000', 5000)).toBeUndefined();
		expect(adCursorProblem(context, 'dc1.corp.example|00000000-0000-0000-0000-000000000001', '4000', 5000)).toMatch(
			/restored/,
		);
		expect(adCursorProblem(context, 'dc2.corp.example|e004253f-894f-d341-9a0c-0305e82c3301', '4000', 5000)).toMatch(
			/another domain controller/,
		);
		expect(adCursorProblem(context, context, undefined, 5000)).toMatch(/no uSNChanged/);
		expect(adCursorProblem(context, context, '6000', 5000)).toMatch(/lower USN/);
	});
	it('reads a tombstone', () => {
		const tombstone = parseTombstone({
			dn: 'CN=Jane Doe\\0ADEL:e004253f-894f-d341-9a0c-0305e82c3301,CN=Deleted Objects,DC=corp,DC=example',
			objectGUID: invocation,
			lastKnownParent: 'OU=Staff,DC=corp,DC=example',
			'msDS-LastKnownRDN': 'Jane Doe',
		});
		expect(tombstone).toEqual({
			id: 'e004253f-894f-d341-9a0c-0305e82c3301',
			lastKnownParent: 'OU=Staff,DC=corp,DC=example',
			name: 'Jane Doe',
		});
	});
});

describe('cn=changelog (389 DS retro changelog, handwritten shapes)', () => {
	const people = 'ou=people,dc=example,dc=com';
	const groupsDn = 'ou=groups,dc=example,dc=com';
	const person = (uid: string, id: string, extra: Record<string, string> = {}): Entry => ({
		dn: `uid=${uid},${people}`,
		objectClass: ['inetOrgPerson'],
		uid,
		cn: uid,
		sn: uid,
		nsUniqueId: id,
		modifyTimestamp: '20261127000000Z',
		...extra,
	});
	const change = (
		changeNumber: number,
		changeType: string,
		targetDN: string,
		extra: Record<string, string> = {},
	): Entry => ({
		dn: `changenumber=${changeNumber},cn=changelog`,
		changeNumber: String(changeNumber),
		changeType,
		targetDN,
		...extra,
	});

	it('parses records and tells a trimmed log', () => {
		const record = parseChangelogRecord(
			change(12, 'modify', `uid=a,${people}`, {
				targetUniqueId: 'C2B1D281-1DD111B2-80A1D0C4-8C5B2B65',
				changes:
					'replace: nsAccountLock\nnsAccountLock: TRUE\n-\nreplace: modifyTimestamp\nmodifyTimestamp: 20261127000000Z\n-\n',
			}),
		);
		expect(record).toMatchObject({
			changeNumber: 12,
			type: 'modify',
			targetId: 'c2b1d281-1dd111b2-80a1d0c4-8c5b2b65',
			changedAttributes: ['nsAccountLock', 'modifyTimestamp'],
		});
		expect(changelogCursorLost(10, { first: 5, last: 20 })).toBe(false);
		expect(changelogCursorLost(10, { first: 12, last: 20 })).toBe(true);
		expect(changelogCursorLost(10, { first: 1, last: 3 })).toBe(true);
	});

	it('polls: a disable, a delete named only by DN, an add; then a trimmed log resyncs', async () => {
		const ids = {
			a: 'c2b1d281-1dd111b2-80a1d0c4-8c5b2b65',
			b: 'c2b1d282-1dd111b2-80a1d0c4-8c5b2b65',
			c: 'c2b1d283-1dd111b2-80a1d0c4-8c5b2b65',
		};
		let users = [person('a', ids.a), person('b', ids.b)];
		// The newest record before the first activation, which checks that the log's records are readable.
		let log: Entry[] = [change(10, 'modify', 'cn=config')];
		let bounds = { firstChangeNumber: '1', lastChangeNumber: '10' };
		const matching = (entries: Entry[], filter: { toString(): string }) =>
			entries.filter((entry) => filter.toString().toLowerCase().includes(String(entry.nsUniqueId).toLowerCase()));
		const fake = {
			server: 'ldap://ds389.example',
			rootDse: () => Promise.resolve({ dn: '', ...bounds }),
			search: (base: string, options: { filter: { toString(): string }; scope: string }) => {
				if (base === 'cn=changelog') return Promise.resolve(options.scope === 'base' ? [{ dn: base }] : log);
				if (base === people) return Promise.resolve(matching(users, options.filter));
				if (options.scope === 'base') return Promise.resolve(users.filter((user) => user.dn === base));
				return Promise.resolve([]);
			},
			searchPages: async function* (base: string) {
				yield base === people ? users : [];
			},
			// The session's own: over this fake's search.
			searchIfPresent: LdapSession.prototype.searchIfPresent,
		} as unknown as LdapSession;
		const reader = new LdapChangeReader({
			session: fake,
			profile: profileFor('389ds'),
			flavour: '389ds',
			userBaseDN: people,
			groupBaseDN: groupsDn,
		});
		const strategy = new ChangelogStrategy(reader, fake.server, { reconcileEvery: 0 });
		const first = await strategy.poll(undefined);
		expect(first.events).toEqual([]);
		expect(first.nextCursor.cursor).toBe('10');

		users = [person('a', ids.a, { nsAccountLock: 'TRUE' }), person('c', ids.c)];
		log = [
			change(11, 'modify', `uid=a,${people}`, { targetUniqueId: ids.a }),
			change(12, 'delete', `uid=b,${people}`),
			change(13, 'add', `uid=c,${people}`, { targetUniqueId: ids.c }),
			change(14, 'modify', 'cn=config'),
		];
		bounds = { firstChangeNumber: '1', lastChangeNumber: '14' };
		const second = await strategy.poll(first.nextCursor);
		expect(second.events.map((event) => [event.type, event.user?.id, event.source.strategy])).toEqual([
			['user.disabled', ids.a, 'changelog'],
			['user.created', ids.c, 'changelog'],
			['user.deleted', ids.b, 'changelog'],
		]);
		expect(second.nextCursor.cursor).toBe('14');

		users = [
			person('a', ids.a, { nsAccountLock: 'TRUE', title: 'Changed in the gap' }),
			person('c', ids.c, { modifyTimestamp: '20261127000500Z' }),
		];
		bounds = { firstChangeNumber: '40', lastChangeNumber: '60' };
		log = [];
		const third = await strategy.poll(second.nextCursor);
		// c was read again (its stamp moved) but nothing watched changed: only the real difference is emitted.
		expect(third.events.map((event) => [event.type, event.user?.id])).toEqual([
			['directory.resync', undefined],
			['user.updated', ids.a],
		]);
		expect(third.nextCursor.cursor).toBe('60');
	});
});

describe('readAheadScanned: when a slow read-ahead shows a change stamp the server does not index', () => {
	it('is a scan when the time is far beyond what the entries brought and the log read explain', () => {
		// 100 entries in a second, beside a log read of 10 ms: the server went through the directory.
		expect(readAheadScanned(1000, 10, 100)).toBe(true);
		expect(readAheadScanned(450, 10, 100)).toBe(true);
	});

	it('is not when the entries it brought explain the time (a bulk change; a read cut short at its limit)', () => {
		expect(readAheadScanned(1000, 10, 1000)).toBe(false);
		expect(readAheadScanned(390, 10, 100)).toBe(false);
	});

	it('is not when it was quick, or when the log read beside it was as slow (a busy server, a cold process)', () => {
		expect(readAheadScanned(150, 1, 0)).toBe(false);
		expect(readAheadScanned(1000, 300, 0)).toBe(false);
	});
});
