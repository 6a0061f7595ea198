/**
 * Proves the test harness itself: the throwaway slapd (devkit/slapd.ts), its fixture and its TLS
 * material. Other integration tests rely on every behaviour checked here.
 */
import { existsSync } from 'node:fs';
import { Attribute, Change, Client, InvalidCredentialsError, NoSuchObjectError, type Entry } from 'ldapts';
import {
	directMemberships,
	generateEnterprise,
	groupDepth,
	GROUPS,
	passwordOf,
	transitiveUsers,
	type FixtureUser,
} from '../../devkit/fixture';
import { startSlapd, type Slapd } from '../../devkit/slapd';

/** Values of an attribute, whatever case the server used for its name. */
function values(entry: Entry | undefined, name: string): string[] {
	if (!entry) return [];
	const key = Object.keys(entry).find((k) => k.toLowerCase() === name.toLowerCase());
	const raw = key === undefined ? undefined : entry[key];
	if (raw === undefined) return [];
	const list = Array.isArray(raw) ? raw : [raw];
	return list.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v));
}

async function withClient<T>(
	url: string,
	bind: { dn: string; password: string } | undefined,
	fn: (c: Client) => Promise<T>,
	tlsCa?: string,
) {
	const client = new Client({
		url,
		timeout: 10_000,
		connectTimeout: 5_000,
		tlsOptions: tlsCa ? { ca: [tlsCa] } : undefined,
	});
	try {
		if (bind) await client.bind(bind.dn, bind.password);
		return await fn(client);
	} finally {
		await client.unbind().catch(() => undefined);
	}
}

async function readEntry(server: Slapd, dn: string, attributes = ['*', '+']): Promise<Entry | undefined> {
	return withClient(server.url, admin(server), async (c) => {
		const { searchEntries } = await c.search(dn, { scope: 'base', attributes });
		return searchEntries[0];
	});
}

const admin = (s: Slapd) => ({ dn: s.adminDN, password: s.adminPassword });
const replace = (type: string, ...vals: string[]) =>
	new Change({ operation: 'replace', modification: new Attribute({ type, values: vals }) });
const add = (type: string, ...vals: string[]) =>
	new Change({ operation: 'add', modification: new Attribute({ type, values: vals }) });
const remove = (type: string, ...vals: string[]) =>
	new Change({ operation: 'delete', modification: new Attribute({ type, values: vals }) });

describe('enterprise fixture', () => {
	it('is deterministic for a seed and differs between seeds', () => {
		const a = generateEnterprise({ seed: 7, users: 120 });
		expect(generateEnterprise({ seed: 7, users: 120 })).toEqual(a);
		expect(generateEnterprise({ seed: 8, users: 120 }).users.map((u) => u.uid)).not.toEqual(a.users.map((u) => u.uid));
	});

	it('has a sound org chart, unique logins and E.164 mobiles', () => {
		const f = generateEnterprise({ users: 500 });
		expect(new Set(f.users.map((u) => u.uid)).size).toBe(500);
		expect(new Set(f.users.map((u) => u.mail)).size).toBe(500);
		for (const u of f.users) {
			expect(u.mobile).toMatch(/^\+[1-9]\d{7,14}$/);
			if (u.role === 'ceo') expect(u.manager).toBeUndefined();
			else expect(f.userByUid.has(u.manager as string)).toBe(true);
		}
		// Every chain of managers ends at the CEO (no cycles), within five steps.
		for (const u of f.users) {
			let cursor: FixtureUser | undefined = u;
			let steps = 0;
			while (cursor?.manager !== undefined && steps < 10) {
				cursor = f.userByUid.get(cursor.manager);
				steps++;
			}
			expect(cursor?.role).toBe('ceo');
			expect(steps).toBeLessThanOrEqual(4);
		}
		const staff = f.users.filter((u) => u.role === 'staff');
		expect(staff.every((u) => f.userByUid.get(u.manager as string)?.role === 'manager')).toBe(true);
		expect(groupDepth(f, GROUPS.allStaff)).toBeGreaterThanOrEqual(3);
		expect(groupDepth(f, GROUPS.allManagers)).toBeGreaterThanOrEqual(3);
		expect(transitiveUsers(f, GROUPS.allStaff).size).toBe(500);
	});
});

describe('throwaway slapd', () => {
	let server: Slapd;
	const fixture = () => server.fixture;
	/** Ordinary staff accounts without a pre-set account state, one per test that changes them. */
	const plainStaff = (n: number): FixtureUser => {
		const list = fixture().users.filter(
			(u) => u.role === 'staff' && !u.status.disabled && !u.status.lockedOut && !u.status.mustChangePassword,
		);
		return list[n] as FixtureUser;
	};

	beforeAll(async () => {
		server = await startSlapd({ tls: true });
	});
	afterAll(async () => {
		await server?.stop();
	});

	it('serves an anonymous root DSE with naming contexts and controls', async () => {
		const root = await withClient(server.url, undefined, async (c) => {
			const { searchEntries } = await c.search('', { scope: 'base', attributes: ['*', '+'] });
			return searchEntries[0];
		});
		expect(values(root, 'namingContexts')).toEqual(
			expect.arrayContaining(['cn=accesslog', server.baseDN, server.otdsBaseDN]),
		);
		// Paged results and the password policy control.
		expect(values(root, 'supportedControl')).toEqual(
			expect.arrayContaining(['1.2.840.113556.1.4.319', '1.3.6.1.4.1.42.2.27.8.5.1']),
		);
		expect(values(root, 'objectClass')).toContain('OpenLDAProotDSE');
		expect(values(root, 'vendorName')).toEqual([]); // OpenLDAP publishes none unless asked (vendorInfo)
	});

	it('holds exactly the fixture, in both flavours', async () => {
		const count = (base: string, filter: string) =>
			withClient(server.url, admin(server), async (c) => {
				const { searchEntries } = await c.search(base, { filter, attributes: ['1.1'], paged: { pageSize: 500 } });
				return searchEntries.length;
			});
		expect(await count(server.layout.peopleDN, '(objectClass=inetOrgPerson)')).toBe(fixture().users.length);
		expect(await count(server.layout.groupsDN, '(objectClass=groupOfNames)')).toBe(fixture().groups.length);
		expect(await count(server.otdsBaseDN, '(objectClass=oTPerson)')).toBe(fixture().users.length);
		expect(await count(server.otdsBaseDN, '(objectClass=oTGroup)')).toBe(fixture().groups.length);
		expect(fixture().users.length).toBe(300);
	});

	it('has nested groups and the memberOf values the memberof overlay would keep', async () => {
		const { layout } = server;
		const { userGroups, groupParents } = directMemberships(fixture());
		const user = plainStaff(0);
		const userEntry = await readEntry(server, layout.userDN(user.uid), ['memberOf']);
		expect(values(userEntry, 'memberOf').sort()).toEqual((userGroups.get(user.uid) ?? []).map(layout.groupDN).sort());
		const engineering = await readEntry(server, layout.groupDN('Engineering'), ['memberOf']);
		expect(values(engineering, 'memberOf').sort()).toEqual(
			(groupParents.get('Engineering') ?? []).map(layout.groupDN).sort(),
		);

		// Expand "All Managers" through the server, level by level, and compare with the fixture.
		const found = new Set<string>();
		let frontier = [layout.groupDN(GROUPS.allManagers)];
		let depth = 0;
		await withClient(server.url, admin(server), async (c) => {
			while (frontier.length > 0) {
				depth++;
				const next: string[] = [];
				for (const dn of frontier) {
					const { searchEntries } = await c.search(dn, { scope: 'base', attributes: ['member'] });
					for (const member of values(searchEntries[0], 'member')) {
						if (member.endsWith(`,${layout.groupsDN}`)) next.push(member);
						else found.add(/^uid=([^,]+)/.exec(member)?.[1] as string);
					}
				}
				frontier = next;
			}
		});
		expect(depth).toBeGreaterThanOrEqual(3);
		expect(found).toEqual(transitiveUsers(fixture(), GROUPS.allManagers));
	});

	it('keeps memberOf and oTMemberOf current when members change online', async () => {
		const user = plainStaff(1);
		const { layout, otds } = server;
		const groupDN = layout.groupDN(GROUPS.domainAdmins);
		const otdsGroupDN = otds.groupDN(GROUPS.domainAdmins);
		await withClient(server.url, admin(server), async (c) => {
			await c.modify(groupDN, add('member', layout.userDN(user.uid)));
			await c.modify(otdsGroupDN, add('oTMember', otds.userDN(user.uid)));
		});
		expect(values(await readEntry(server, layout.userDN(user.uid), ['memberOf']), 'memberOf')).toContain(groupDN);
		expect(values(await readEntry(server, otds.userDN(user.uid), ['oTMemberOf']), 'oTMemberOf')).toContain(otdsGroupDN);
		await withClient(server.url, admin(server), async (c) => {
			await c.modify(groupDN, remove('member', layout.userDN(user.uid)));
			await c.modify(otdsGroupDN, remove('oTMember', otds.userDN(user.uid)));
		});
		expect(values(await readEntry(server, layout.userDN(user.uid), ['memberOf']), 'memberOf')).not.toContain(groupDN);
		expect(values(await readEntry(server, otds.userDN(user.uid), ['oTMemberOf']), 'oTMemberOf')).not.toContain(
			otdsGroupDN,
		);
	});

	it('has the privileged groups', async () => {
		const f = fixture();
		for (const name of [GROUPS.domainAdmins, GROUPS.securityAdministrators, GROUPS.privilegedAccess]) {
			const entry = await readEntry(server, server.layout.groupDN(name), ['member', 'cn']);
			expect(values(entry, 'member')).toHaveLength(f.groupByName.get(name)?.members.length as number);
			expect(f.groupByName.get(name)?.privileged).toBe(true);
		}
		expect(f.groupByName.get(GROUPS.domainAdmins)?.members.length).toBeGreaterThanOrEqual(3);
	});

	it('locks an account after three failed binds (ppolicy), and the accesslog sees it', async () => {
		const user = plainStaff(2);
		const dn = server.layout.userDN(user.uid);
		await withClient(server.url, { dn, password: passwordOf(user.uid) }, async () => undefined);
		for (let i = 0; i < 3; i++) {
			await expect(withClient(server.url, { dn, password: 'wrong' }, async () => undefined)).rejects.toBeInstanceOf(
				InvalidCredentialsError,
			);
		}
		const entry = await readEntry(server, dn, ['pwdAccountLockedTime', 'pwdFailureTime']);
		expect(values(entry, 'pwdAccountLockedTime')[0]).toMatch(/^\d{14}Z$/);
		expect(values(entry, 'pwdFailureTime')).toHaveLength(3);
		// Locked: even the right password is refused now.
		await expect(
			withClient(server.url, { dn, password: passwordOf(user.uid) }, async () => undefined),
		).rejects.toBeInstanceOf(InvalidCredentialsError);
		const log = await withClient(server.url, admin(server), (c) =>
			c.search(server.accesslogDN, { filter: `(&(objectClass=auditModify)(reqDN=${dn}))`, attributes: ['reqMod'] }),
		);
		const mods = log.searchEntries.flatMap((e) => values(e, 'reqMod'));
		expect(mods.some((m) => m.startsWith('pwdAccountLockedTime:='))).toBe(true);
	});

	it('sets pwdReset when an administrator changes a password (pwdMustChange)', async () => {
		const user = plainStaff(3);
		const dn = server.layout.userDN(user.uid);
		await withClient(server.url, admin(server), (c) => c.modify(dn, replace('userPassword', 'Temporary-1!')));
		const entry = await readEntry(server, dn, ['pwdReset', 'pwdChangedTime', 'userPassword']);
		expect(values(entry, 'pwdReset')).toEqual(['TRUE']);
		expect(values(entry, 'userPassword')[0]).toMatch(/^\{SSHA\}/); // ppolicy_hash_cleartext
		await withClient(server.url, { dn, password: 'Temporary-1!' }, async () => undefined);
	});

	it('records modifications in cn=accesslog with reqMod, actor and old values', async () => {
		const user = plainStaff(4);
		const dn = server.layout.userDN(user.uid);
		await withClient(server.url, admin(server), (c) => c.modify(dn, replace('title', 'Principal Engineer')));
		const log = await withClient(server.url, admin(server), (c) =>
			c.search(server.accesslogDN, {
				filter: `(&(objectClass=auditModify)(reqResult=0)(reqDN=${dn}))`,
				attributes: ['reqMod', 'reqOld', 'reqAuthzID', 'reqStart', 'reqEntryUUID'],
			}),
		);
		const record = log.searchEntries.find((e) => values(e, 'reqMod').includes('title:= Principal Engineer'));
		expect(record).toBeDefined();
		expect(values(record, 'reqAuthzID')).toEqual([server.adminDN]);
		expect(values(record, 'reqOld')).toContain(`title: ${user.title}`);
		expect(values(record, 'reqEntryUUID')[0]).toMatch(/^[0-9a-f-]{36}$/);
		// Ordinary users may not read the log: slapd hides its very existence from them.
		const asUser = { dn: server.layout.userDN(plainStaff(5).uid), password: passwordOf(plainStaff(5).uid) };
		const search = withClient(server.url, asUser, (c) => c.search(server.accesslogDN, { filter: '(objectClass=*)' }));
		await expect(search).rejects.toBeInstanceOf(NoSuchObjectError);
	});

	it('serves the OTDS-shaped tree with its attributes', async () => {
		const f = fixture();
		const user = f.users.find((u) => u.status.mustChangePassword) as FixtureUser;
		const { searchEntries } = await withClient(server.url, admin(server), (c) =>
			c.search(server.otdsBaseDN, {
				filter: `(&(objectClass=oTPerson)(oTExternalID1=${user.uid}))`,
				attributes: ['*', 'entryUUID', 'pwdReset', 'modifyTimestamp'],
			}),
		);
		expect(searchEntries).toHaveLength(1);
		const entry = searchEntries[0] as Entry;
		expect(entry.dn).toBe(`oTPerson=${user.uuid},orgunit=users,partition=Content Server Members,${server.otdsBaseDN}`);
		expect(values(entry, 'entryUUID')).toEqual([user.uuid]);
		expect(values(entry, 'cn')).toEqual([user.uid]);
		expect(values(entry, 'mail')).toEqual([user.mail]);
		expect(values(entry, 'oTDepartment')).toEqual([user.department]);
		expect(values(entry, 'UserMustChangePasswordAtNextSignIn')).toEqual(['TRUE']);
		expect(values(entry, 'pwdReset')).toEqual(['TRUE']);
		expect(values(entry, 'accountLockedOut')).toEqual([user.status.lockedOut ? 'TRUE' : 'FALSE']);
		expect(values(entry, 'oTExternalID2')).toEqual([`${user.uid}@Content Server Members`]);
		const groups = directMemberships(f).userGroups.get(user.uid) ?? [];
		expect(values(entry, 'oTMemberOf').sort()).toEqual(groups.map(server.otds.groupDN).sort());
		// The OTDS rootdn can bind too.
		await withClient(server.url, { dn: server.otdsAdminDN, password: server.otdsAdminPassword }, async () => undefined);
	});

	it('speaks ldaps with the test CA and refuses a wrong CA', async () => {
		const tls = server.tls;
		if (!tls || !server.ldapsUrl) throw new Error('tls expected');
		const who = await withClient(
			server.ldapsUrl,
			admin(server),
			(c) => c.exop('1.3.6.1.4.1.4203.1.11.3'),
			tls.caCertPem,
		);
		expect(who.value).toBe(`dn:${server.adminDN}`);
		await expect(
			withClient(server.ldapsUrl, admin(server), async () => undefined, tls.wrongCaCertPem),
		).rejects.toThrow();
	});

	it('upgrades the plain port with StartTLS', async () => {
		const tls = server.tls;
		if (!tls) throw new Error('tls expected');
		const client = new Client({ url: server.url, timeout: 10_000 });
		try {
			await client.startTLS({ ca: [tls.caCertPem] });
			await client.bind(server.adminDN, server.adminPassword);
			const { searchEntries } = await client.search(server.baseDN, { scope: 'base' });
			expect(searchEntries).toHaveLength(1);
		} finally {
			await client.unbind().catch(() => undefined);
		}
		const wrong = new Client({ url: server.url, timeout: 10_000 });
		await expect(wrong.startTLS({ ca: [tls.wrongCaCertPem] })).rejects.toThrow();
		await wrong.unbind().catch(() => undefined);
	});

	it('keeps data and port across restart(), and recovers after kill()', async () => {
		const user = plainStaff(6);
		const dn = server.layout.userDN(user.uid);
		const { url, pid } = server;
		await withClient(server.url, admin(server), (c) => c.modify(dn, replace('title', 'Before Restart')));
		await server.restart();
		expect(server.url).toBe(url);
		expect(server.pid).not.toBe(pid);
		expect(values(await readEntry(server, dn, ['title']), 'title')).toEqual(['Before Restart']);

		await withClient(server.url, admin(server), (c) => c.modify(dn, replace('title', 'Before Crash')));
		server.kill();
		for (let i = 0; i < 100 && server.running; i++) await new Promise((r) => setTimeout(r, 20));
		expect(server.running).toBe(false);
		await expect(withClient(server.url, admin(server), async () => undefined)).rejects.toThrow();
		await server.restart();
		expect(values(await readEntry(server, dn, ['title']), 'title')).toEqual(['Before Crash']);
	});

	it('runs the ldapmodify CLI as admin', async () => {
		const dn = `uid=cli.test,${server.layout.peopleDN}`;
		await server.ldapmodify(
			`dn: ${dn}\nchangetype: add\nobjectClass: inetOrgPerson\nuid: cli.test\ncn: CLI Test\nsn: Test\n\n` +
				`dn: ${server.layout.groupDN(GROUPS.vpnUsers)}\nchangetype: modify\nadd: member\nmember: ${dn}\n`,
		);
		expect(values(await readEntry(server, dn, ['memberOf']), 'memberOf')).toEqual([
			server.layout.groupDN(GROUPS.vpnUsers),
		]);
		await expect(
			server.ldapmodify(`dn: ${dn}\nchangetype: modify\nreplace: nosuchattr\nnosuchattr: x\n`),
		).rejects.toThrow(/nosuchattr/i);
	});

	it('starts independent servers, and stop() leaves no process and no folder', async () => {
		const other = await startSlapd({ users: 20, vendorInfo: true });
		const { pid, dir } = other;
		try {
			expect(other.port).not.toBe(server.port);
			expect(dir).not.toBe(server.dir);
			const root = await withClient(other.url, undefined, async (c) => {
				const { searchEntries } = await c.search('', { scope: 'base', attributes: ['vendorName', 'vendorVersion'] });
				return searchEntries[0];
			});
			expect(values(root, 'vendorVersion')[0]).toMatch(/^\d+\.\d+/);
		} finally {
			await other.stop();
		}
		expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
		expect(existsSync(dir)).toBe(false);
		expect(other.running).toBe(false);
		await other.stop(); // idempotent
	});
});
