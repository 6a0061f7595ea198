import { ConfigurationError, NotFoundError, RequestError } from '../../core/errors';
import type { DirectoryBackend, UserSearch } from '../../core/directory/backend';
import type { DirectoryUser } from '../../core/model/directory-user';
import type { OtdsDirectory } from '../../core/otds/directory';
import { connectToEmulator, type EmulatorClient, type EmulatorClientOptions } from '../../emulators/otds/client-kit';
import { startOtdsEmulator, type OtdsEmulator } from '../../emulators/otds';
import { GROUPS, passwordOf, transitiveUsers, type FixtureUser } from '../../devkit/fixture';

/** Every DirectoryBackend operation of OtdsDirectory, against the OTDS emulator over loopback HTTP. */
const PARTITION = 'Content Server Members';
let otds: OtdsEmulator;
const clients: EmulatorClient[] = [];

beforeAll(async () => {
	otds = await startOtdsEmulator({ users: 150, adminPassword: 'Admin-Pa55-word!' });
});

afterAll(async () => {
	for (const client of clients) client.close();
	await otds?.stop();
});

function directory(options: EmulatorClientOptions = {}): OtdsDirectory {
	const client = connectToEmulator(otds, options);
	clients.push(client);
	return client.directory;
}

async function all<T>(pages: AsyncGenerator<T[]>): Promise<T[]> {
	const items: T[] = [];
	for await (const page of pages) items.push(...page);
	return items;
}

const uids = (users: DirectoryUser[]) => users.map((user) => user.login.replace(`@${PARTITION}`, '')).sort();
const fixtureUser = (predicate: (user: FixtureUser) => boolean) => otds.fixture!.users.find(predicate)!;
const sinceLog = (start: number) => otds.requests.slice(start);

describe('users', () => {
	it('gets a user by login, with every field mapped', async () => {
		const expected = fixtureUser((user) => user.role === 'staff' && user.manager !== undefined);
		const user = await directory().getUser('login', expected.uid, [
			'oTExternalID3',
			'employeeNumber',
			'createTimestamp',
		]);
		expect(user).toMatchObject({
			id: expected.uuid,
			login: `${expected.uid}@${PARTITION}`,
			dn: `oTPerson=${expected.uuid},orgunit=users,partition=${PARTITION},dc=identity,dc=opentext,dc=net`,
			mail: expected.mail,
			displayName: `${expected.givenName} ${expected.sn}`,
			givenName: expected.givenName,
			surname: expected.sn,
			department: expected.department,
			location: expected.location,
			title: expected.title,
			businessUnit: expected.businessUnit,
			mobile: expected.mobile,
			employeeNumber: expected.employeeNumber,
			manager: `${expected.manager}@${PARTITION}`,
			status: {
				disabled: expected.status.disabled,
				locked: expected.status.lockedOut,
				passwordResetRequired: expected.status.mustChangePassword,
			},
			attributes: { oTExternalID3: `${expected.uid}@example.com`, employeeNumber: expected.employeeNumber },
		});
		expect(user.attributes.createTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
		expect(user.memberOf.length).toBeGreaterThan(0);
		expect(user.memberOf.every((dn) => dn.startsWith('oTGroup='))).toBe(true);
	});

	it("gets a user whose name is a mail address: its id is the name itself (pyxecm's sample user)", async () => {
		const created = otds.store.createUser({ name: 'r.silva@example.com', attributes: { mail: 'r.silva@example.com' } });
		try {
			const byLogin = await directory().getUser('login', 'r.silva@example.com');
			expect(byLogin.login).toBe('r.silva@example.com');
			expect(await directory().getUser('mail', 'r.silva@example.com')).toEqual(byLogin);
		} finally {
			otds.store.deleteUser(created.uuid);
		}
	});

	it('gets the same user by the full id, mail, location and uuid', async () => {
		const expected = otds.fixture!.users[40];
		const dir = directory();
		const byLogin = await dir.getUser('login', `${expected.uid}@${PARTITION}`);
		expect(await dir.getUser('mail', expected.mail.toUpperCase())).toEqual(byLogin);
		expect(await dir.getUser('dn', byLogin.dn)).toEqual(byLogin);
		expect(await dir.getUser('id', expected.uuid)).toEqual(byLogin);
	});

	it('finds a user by uuid without a partition, by scanning', async () => {
		const expected = otds.fixture!.users[77];
		const start = otds.requests.length;
		const user = await directory({ partition: undefined }).getUser('id', expected.uuid);
		expect(user.login).toBe(`${expected.uid}@${PARTITION}`);
		expect(sinceLog(start).some((request) => request.path === '/otdsws/rest/users')).toBe(true);
	});

	it('reads the account status flags', async () => {
		const dir = directory();
		for (const user of otds
			.fixture!.users.filter((candidate) => candidate.status.disabled || candidate.status.mustChangePassword)
			.slice(0, 5)) {
			expect((await dir.getUser('login', user.uid)).status).toMatchObject({
				disabled: user.status.disabled,
				passwordResetRequired: user.status.mustChangePassword,
			});
		}
		const [a, b, c] = otds.fixture!.users.slice(90, 93).map((user) => user.uid);
		otds.store.lockUser(a);
		otds.store.disableUser(b);
		otds.store.requirePasswordReset(c);
		try {
			expect((await dir.getUser('login', a)).status).toEqual({
				disabled: false,
				locked: true,
				passwordResetRequired: false,
			});
			expect((await dir.getUser('login', b)).status).toEqual({
				disabled: true,
				locked: false,
				passwordResetRequired: false,
			});
			expect((await dir.getUser('login', c)).status).toEqual({
				disabled: false,
				locked: false,
				passwordResetRequired: true,
			});
		} finally {
			otds.store.unlockUser(a);
			otds.store.enableUser(b);
			otds.store.changePassword(c, passwordOf(c));
		}
	});

	it('reports unknown users as not found, by every key', async () => {
		const dir = directory();
		await expect(dir.getUser('login', 'nobody')).rejects.toThrow(NotFoundError);
		await expect(dir.getUser('mail', 'nobody@example.com')).rejects.toThrow(NotFoundError);
		await expect(dir.getUser('id', '00000000-0000-4000-8000-000000000000')).rejects.toThrow(NotFoundError);
		await expect(
			dir.getUser(
				'dn',
				`oTPerson=00000000-0000-4000-8000-000000000000,orgunit=users,partition=${PARTITION},dc=identity,dc=opentext,dc=net`,
			),
		).rejects.toThrow(NotFoundError);
	});

	it('refuses bad input before asking OTDS', async () => {
		const dir = directory();
		await expect(dir.getUser('login', '  ')).rejects.toThrow(ConfigurationError);
		await expect(dir.getUser('login', 'x', ['bad name'])).rejects.toMatchObject({ field: 'Additional Attributes' });
		await expect(
			all(dir.searchUsers({ conditions: [{ attribute: 'mail', operator: 'equals' }] })),
		).rejects.toMatchObject({ field: 'Conditions' });
	});

	it('says clearly when the partition does not exist', async () => {
		await expect(directory({ partition: 'No Such Partition' }).getUser('login', 'x')).rejects.toMatchObject({
			name: 'ConfigurationError',
			field: 'Partition',
		});
	});

	it('streams every user page by page, following nextPageCookie', async () => {
		const start = otds.requests.length;
		const pages: number[] = [];
		for await (const page of directory().searchUsers({ pageSize: 40 })) pages.push(page.length);
		expect(pages).toEqual([40, 40, 40, 30]);
		const listCalls = sinceLog(start).filter((request) => request.path === '/otdsws/rest/users');
		expect(listCalls).toHaveLength(4);
		expect(listCalls[0].query).toMatchObject({ where_partition_name: PARTITION, page_size: '40', attrsAsKeys: 'true' });
		expect(listCalls[1].query.next_page_cookie).toMatch(/^[A-Za-z0-9+/]+=*$/);
	});

	it('reads both answer shapes (attributes object and values list)', async () => {
		const withKeys = await all(directory().searchUsers({ limit: 30 }));
		const withValues = await all(directory({ attributesAsKeys: false }).searchUsers({ limit: 30 }));
		expect(withValues).toEqual(withKeys);
	});

	it('filters by account state on the server', async () => {
		const start = otds.requests.length;
		const disabled = await all(directory().searchUsers({ state: 'disabled' }));
		expect(uids(disabled)).toEqual(
			otds
				.fixture!.users.filter((user) => user.status.disabled)
				.map((user) => user.uid)
				.sort(),
		);
		expect(sinceLog(start).find((request) => request.path === '/otdsws/rest/users')?.query.where_state).toBe(
			'disabled',
		);
		const enabled = await all(directory().searchUsers({ state: 'enabled' }));
		expect(enabled.length + disabled.length).toBe(150);
	});

	it('applies conditions client-side, case-insensitively, with where_filter narrowing when it can', async () => {
		const dir = directory();
		const cases: Array<[UserSearch['conditions'], (user: FixtureUser) => boolean]> = [
			[
				[{ attribute: 'oTDepartment', operator: 'equals', value: 'engineering' }],
				(u) => u.department === 'Engineering',
			],
			[[{ attribute: 'l', operator: 'startsWith', value: 'lon' }], (u) => u.location === 'London'],
			[
				[{ attribute: 'mail', operator: 'endsWith', value: 'SMITH@example.com' }],
				(u) => u.mail.endsWith('smith@example.com'),
			],
			[
				[{ attribute: 'title', operator: 'contains', value: 'engineer' }],
				(u) => u.title.toLowerCase().includes('engineer'),
			],
			[[{ attribute: 'manager', operator: 'notPresent' }], (u) => u.manager === undefined],
			[
				[
					{ attribute: 'manager', operator: 'present' },
					{ attribute: 'oTExtraAttr1', operator: 'equals', value: 'Operations' },
				],
				(u) => u.manager !== undefined && u.businessUnit === 'Operations',
			],
		];
		for (const [conditions, predicate] of cases) {
			const found = await all(dir.searchUsers({ conditions }));
			expect(uids(found)).toEqual(
				otds
					.fixture!.users.filter(predicate)
					.map((user) => user.uid)
					.sort(),
			);
		}
		const start = otds.requests.length;
		await all(dir.searchUsers({ conditions: [{ attribute: 'mail', operator: 'contains', value: 'smith' }] }));
		expect(sinceLog(start).find((request) => request.path === '/otdsws/rest/users')?.query.where_filter).toBe('smith');
	});

	it('stops at the limit, asking the server for no more than needed', async () => {
		const start = otds.requests.length;
		const users = await all(directory().searchUsers({ limit: 7 }));
		expect(users).toHaveLength(7);
		const calls = sinceLog(start).filter((request) => request.path === '/otdsws/rest/users');
		expect(calls).toHaveLength(1);
		expect(calls[0].query).toMatchObject({ limit: '7', page_size: '7' });
		const filtered = await all(
			directory().searchUsers({
				limit: 3,
				pageSize: 5,
				conditions: [{ attribute: 'oTDepartment', operator: 'equals', value: 'Sales' }],
			}),
		);
		expect(filtered).toHaveLength(3);
		expect(filtered.every((user) => user.department === 'Sales')).toBe(true);
	});

	it('searches without a partition across what the account sees', async () => {
		const users = await all(directory({ partition: undefined }).searchUsers({}));
		expect(users.map((user) => user.login)).toContain('otadmin@otds.admin');
		expect(users).toHaveLength(151);
	});
});

describe('groups', () => {
	it('gets a group by name, id and location', async () => {
		const dir = directory({ privilegedGroups: [GROUPS.domainAdmins] });
		const fixtureGroup = otds.fixture!.groupByName.get(GROUPS.domainAdmins)!;
		const byName = await dir.getGroup('name', GROUPS.domainAdmins, ['createTimestamp']);
		expect(byName).toMatchObject({
			id: `${GROUPS.domainAdmins}@${PARTITION}`,
			dn: `oTGroup=${fixtureGroup.uuid},orgunit=groups,partition=${PARTITION},dc=identity,dc=opentext,dc=net`,
			name: GROUPS.domainAdmins,
			description: fixtureGroup.description,
			memberCount: fixtureGroup.members.length,
			privileged: true,
		});
		expect(byName.attributes.createTimestamp).toMatch(/Z$/);
		expect(await dir.getGroup('id', byName.id, ['createTimestamp'])).toEqual(byName);
		expect(await dir.getGroup('dn', byName.dn, ['createTimestamp'])).toEqual(byName);
		expect(
			await directory({ partition: undefined, privilegedGroups: [byName.id] }).getGroup('name', 'domain admins', [
				'createTimestamp',
			]),
		).toEqual(byName);
		await expect(dir.getGroup('name', 'No Such Group')).rejects.toThrow(NotFoundError);
	});

	it('marks privileged groups by name, id, location or uuid', async () => {
		const fixtureGroup = otds.fixture!.groupByName.get(GROUPS.securityAdministrators)!;
		for (const reference of [
			GROUPS.securityAdministrators.toUpperCase(),
			`${GROUPS.securityAdministrators}@${PARTITION}`,
			fixtureGroup.uuid,
		]) {
			expect(
				(await directory({ privilegedGroups: [reference] }).getGroup('name', GROUPS.securityAdministrators)).privileged,
			).toBe(true);
		}
		expect((await directory().getGroup('name', GROUPS.securityAdministrators)).privileged).toBe(false);
	});

	it("marks a privileged group named by the short DN a person's oTMemberOf holds (matched by uuid)", async () => {
		const fixtureGroup = otds.fixture!.groupByName.get(GROUPS.securityAdministrators)!;
		const shortDn = `oTGroup=${fixtureGroup.uuid},dc=identity,dc=opentext,dc=net`;
		expect(
			(await directory({ privilegedGroups: [shortDn] }).getGroup('name', GROUPS.securityAdministrators)).privileged,
		).toBe(true);
	});

	it('finds a group by the short DN of oTMemberOf (by its uuid), which OTDS does not take as an address', async () => {
		const dir = directory();
		const group = await dir.getGroup('name', GROUPS.securityAdministrators);
		const shortDn = `oTGroup=${otds.fixture!.groupByName.get(GROUPS.securityAdministrators)!.uuid},dc=identity,dc=opentext,dc=net`;
		expect(await dir.getGroup('dn', shortDn)).toEqual(group);
	});

	it('searches groups by name and conditions, page by page', async () => {
		const managers = await all(directory().searchGroups({ nameContains: 'managers', pageSize: 3 }));
		expect(managers.map((group) => group.name).sort()).toEqual(
			otds
				.fixture!.groups.filter((group) => group.name.toLowerCase().includes('managers'))
				.map((group) => group.name)
				.sort(),
		);
		const everyone = await all(directory().searchGroups({ pageSize: 7 }));
		expect(everyone).toHaveLength(otds.fixture!.groups.length);
		const described = await all(
			directory().searchGroups({
				conditions: [{ attribute: 'description', operator: 'startsWith', value: 'people based in' }],
			}),
		);
		expect(described.length).toBe(otds.fixture!.groups.filter((group) => group.kind === 'location').length);
		expect(await all(directory().searchGroups({ limit: 2 }))).toHaveLength(2);
	});
});

describe('group members', () => {
	const modes = ['groupsMembers', 'derived', 'auto'] as const;

	it.each(modes)('lists direct members (%s)', async (mode) => {
		const finance = otds.fixture!.groupByName.get('Finance')!;
		const members = await all(
			directory({ membersEndpoint: mode }).groupMembers('name', 'Finance', { nested: false, pageSize: 5 }),
		);
		expect(uids(members)).toEqual(finance.members.map((member) => (member.kind === 'user' ? member.uid : '')).sort());
	});

	it.each(modes)('expands nested groups, each person once (%s)', async (mode) => {
		for (const name of [GROUPS.allStaff, GROUPS.allManagers, GROUPS.privilegedAccess, GROUPS.helpDesk]) {
			const members = await all(
				directory({ membersEndpoint: mode }).groupMembers('name', name, { nested: true, pageSize: 25 }),
			);
			expect(uids(members)).toEqual([...transitiveUsers(otds.fixture!, name)].sort());
		}
	});

	it('reads parent groups through /groups/{id}/memberof when asked to', async () => {
		const members = await all(
			directory({ membersEndpoint: 'derived', derivedGroupParents: 'memberof' }).groupMembers(
				'name',
				GROUPS.allManagers,
				{ nested: true },
			),
		);
		expect(uids(members)).toEqual([...transitiveUsers(otds.fixture!, GROUPS.allManagers)].sort());
	});

	it('falls back to derived members when the server has no members endpoint', async () => {
		const bare = await startOtdsEmulator({ users: 60, groupMembersEndpoint: false });
		const client = connectToEmulator(bare);
		try {
			const members = await all(client.directory.groupMembers('name', GROUPS.privilegedAccess, { nested: true }));
			expect(uids(members)).toEqual([...transitiveUsers(bare.fixture!, GROUPS.privilegedAccess)].sort());
			const start = bare.requests.length;
			await all(client.directory.groupMembers('name', GROUPS.executives, { nested: false }));
			expect(bare.requests.slice(start).some((request) => request.path.endsWith('/members'))).toBe(false);
			const forced = connectToEmulator(bare, { membersEndpoint: 'groupsMembers' });
			clients.push(forced);
			await expect(
				all(forced.directory.groupMembers('name', GROUPS.executives, { nested: false })),
			).rejects.toMatchObject({ kind: 'protocol' });
		} finally {
			client.close();
			await bare.stop();
		}
	});

	it.each(modes)('cuts cycles between groups (%s)', async (mode) => {
		const a = otds.store.createGroup({ name: `Cycle A ${mode}` });
		const b = otds.store.createGroup({ name: `Cycle B ${mode}` });
		otds.store.addMember(a.uuid, b.uuid, { kind: 'group' });
		otds.store.addMember(b.uuid, a.uuid, { kind: 'group' });
		otds.store.addMember(a.uuid, otds.fixture!.users[5].uid);
		otds.store.addMember(b.uuid, otds.fixture!.users[6].uid);
		otds.store.addMember(b.uuid, otds.fixture!.users[5].uid);
		const members = await all(directory({ membersEndpoint: mode }).groupMembers('name', a.name, { nested: true }));
		expect(uids(members)).toEqual([otds.fixture!.users[5].uid, otds.fixture!.users[6].uid].sort());
	});

	it('reports an unknown group as not found', async () => {
		await expect(all(directory().groupMembers('name', 'Nope', { nested: true }))).rejects.toThrow(NotFoundError);
	});
});

describe('membership changes', () => {
	it('adds and removes a member, saying whether anything changed', async () => {
		const dir = directory();
		const user = fixtureUser((candidate) => candidate.department === 'Sales' && candidate.role === 'staff');
		const group = { key: 'name' as const, value: GROUPS.vpnUsers };
		await dir.removeGroupMember(group, { key: 'login', value: user.uid });
		const start = otds.requests.length;
		const added = await dir.addGroupMember(group, { key: 'login', value: user.uid });
		expect(added).toEqual({
			changed: true,
			groupDn: (await dir.getGroup('name', GROUPS.vpnUsers)).dn,
			userDn: (await dir.getUser('login', user.uid)).dn,
		});
		const write = sinceLog(start).find((request) => request.method === 'POST');
		expect(write?.path).toBe(`/otdsws/rest/users/${encodeURIComponent(`${user.uid}@${PARTITION}`)}/memberof`);
		// oTMemberOf holds the short DN of the group's uuid, not its location (pyxecm's sample).
		const shortDn = `oTGroup=${(await dir.getGroup('name', GROUPS.vpnUsers)).dn.split(',')[0].slice('oTGroup='.length)},dc=identity,dc=opentext,dc=net`;
		expect((await dir.getUser('login', user.uid)).memberOf).toContain(shortDn);
		expect((await dir.addGroupMember(group, { key: 'mail', value: user.mail })).changed).toBe(false);
		expect((await dir.removeGroupMember(group, { key: 'id', value: user.uuid })).changed).toBe(true);
		expect((await dir.removeGroupMember(group, { key: 'login', value: user.uid })).changed).toBe(false);
		expect((await dir.getUser('login', user.uid)).memberOf).not.toContain(shortDn);
	});

	it("reads a person's groups (GET users/{id}/memberof) page by page to the end", async () => {
		const groups = [GROUPS.vpnUsers, GROUPS.helpDesk, GROUPS.executives].map((name) => `${name}@${PARTITION}`);
		otds.store.createUser({ name: 'many.groups', groups });
		const dir = directory({ pageSize: 2 });
		const last = { key: 'name' as const, value: GROUPS.executives };
		expect((await dir.addGroupMember(last, { key: 'login', value: 'many.groups' })).changed).toBe(false);
		const start = otds.requests.length;
		expect((await dir.removeGroupMember(last, { key: 'login', value: 'many.groups' })).changed).toBe(true);
		expect(
			sinceLog(start).filter((request) => request.path.endsWith('/memberof') && request.method === 'GET').length,
		).toBe(2);
		expect(otds.store.groupsOf(otds.store.findUser('many.groups')!.uuid).map((group) => group.name)).toEqual([
			GROUPS.vpnUsers,
			GROUPS.helpDesk,
		]);
	});

	it('needs an administrator: a directory user gets 403 as insufficient access', async () => {
		const user = otds.fixture!.users[30];
		const dir = directory({
			auth: { method: 'ticket', baseUrl: otds.url, userName: user.uid, password: passwordOf(user.uid) },
		});
		const error = await dir
			.addGroupMember({ key: 'name', value: GROUPS.domainAdmins }, { key: 'login', value: user.uid })
			.catch((e: unknown) => e);
		expect(error).toBeInstanceOf(RequestError);
		expect(error).toMatchObject({ kind: 'insufficientAccess' });
		expect(otds.store.groupsOf(user.uuid).map((group) => group.name)).not.toContain(GROUPS.domainAdmins);
	});
});

describe('attribute write-back', () => {
	const subject = () => otds.fixture!.users[60];

	it.each(['PATCH', 'PUT'] as const)(
		'sets, adds and removes values (%s), keeping everything else',
		async (writeMethod) => {
			const dir = directory({ writeMethod });
			const user = subject();
			const before = await dir.getUser('login', user.uid, ['oTExtraAttr2', 'oTExtraAttr3']);
			const start = otds.requests.length;
			const after = await dir.updateUserAttributes('login', user.uid, [
				{ attribute: 'oTExtraAttr2', action: 'set', values: [`ack:notice-1:${writeMethod}`] },
				{ attribute: 'oTExtraAttr3', action: 'add', values: ['a', 'b'] },
				{ attribute: 'oTExtraAttr3', action: 'remove', values: ['a'] },
			]);
			expect(after.attributes).toEqual({ oTExtraAttr2: `ack:notice-1:${writeMethod}`, oTExtraAttr3: 'b' });
			expect(sinceLog(start).filter((request) => request.method === writeMethod)).toHaveLength(1);
			const reread = await dir.getUser('login', user.uid);
			expect({ ...reread, attributes: {} }).toEqual({ ...before, attributes: {} });
			const stored = otds.store.findUser(user.uid)!;
			expect(stored.attributes.modifyTimestamp[0] >= stored.attributes.createTimestamp[0]).toBe(true);
			await dir.updateUserAttributes('id', user.uuid, [
				{ attribute: 'oTExtraAttr2', action: 'set', values: [] },
				{ attribute: 'oTExtraAttr3', action: 'remove', values: [] },
			]);
			expect((await dir.getUser('login', user.uid, ['oTExtraAttr2', 'oTExtraAttr3'])).attributes).toEqual({});
		},
	);

	it.each(['PATCH', 'PUT'] as const)(
		'writes description as the top-level field of the user (%s), not as an entry of values',
		async (writeMethod) => {
			const dir = directory({ writeMethod });
			const uid = otds.fixture!.users[61].uid;
			const start = otds.requests.length;
			await dir.updateUserAttributes('login', uid, [
				{ attribute: 'description', action: 'set', values: [`Contractor (${writeMethod})`] },
			]);
			expect(otds.store.findUser(uid)!.description).toBe(`Contractor (${writeMethod})`);
			expect(otds.store.findUser(uid)!.attributes.description).toBeUndefined();
			expect(sinceLog(start).filter((request) => request.method === writeMethod)).toHaveLength(1);
			expect((await dir.getUser('login', uid, ['description'])).attributes).toEqual({
				description: `Contractor (${writeMethod})`,
			});
			await dir.updateUserAttributes('login', uid, [{ attribute: 'description', action: 'set', values: [] }]);
			expect(otds.store.findUser(uid)!.description).toBeNull();
		},
	);

	it('echoes the whole user as read in a PUT, changed: its description and name stay', async () => {
		const uid = otds.fixture!.users[62].uid;
		otds.store.findUser(uid)!.description = 'Works from Lisbon';
		const after = await directory({ writeMethod: 'PUT' }).updateUserAttributes('login', uid, [
			{ attribute: 'title', action: 'set', values: ['Echoed'] },
		]);
		expect(after.title).toBe('Echoed');
		expect(otds.store.findUser(uid)!.description).toBe('Works from Lisbon');
		expect(otds.store.findUser(uid)!.attributes.mail).toEqual([otds.fixture!.users[62].mail]);
	});

	it('moves modifyTimestamp', async () => {
		const dir = directory();
		otds.store.advanceClock(60_000);
		const before = otds.store.findUser(subject().uid)!.attributes.modifyTimestamp[0];
		await dir.updateUserAttributes('login', subject().uid, [
			{ attribute: 'title', action: 'set', values: ['Regional Sales Lead'] },
		]);
		const after = otds.store.findUser(subject().uid)!.attributes.modifyTimestamp[0];
		expect(after > before).toBe(true);
		expect((await dir.getUser('login', subject().uid)).title).toBe('Regional Sales Lead');
	});

	it('refuses attributes OTDS maintains, before sending anything', async () => {
		const start = otds.requests.length;
		await expect(
			directory().updateUserAttributes('login', subject().uid, [
				{ attribute: 'modifyTimestamp', action: 'set', values: ['x'] },
			]),
		).rejects.toMatchObject({
			field: 'Attributes',
		});
		await expect(directory().updateUserAttributes('login', subject().uid, [])).rejects.toThrow(ConfigurationError);
		expect(sinceLog(start)).toEqual([]);
	});

	it('reports a strict partition schema rejecting a custom attribute, and writes nothing', async () => {
		const strict = await startOtdsEmulator({ users: 20, strictSchema: true });
		const client = connectToEmulator(strict);
		try {
			const uid = strict.fixture!.users[3].uid;
			const before = JSON.stringify(strict.store.findUser(uid));
			const error = await client.directory
				.updateUserAttributes('login', uid, [
					{ attribute: 'title', action: 'set', values: ['Changed'] },
					{ attribute: 'ackLastNotice', action: 'set', values: ['notice-9'] },
				])
				.catch((e: unknown) => e as RequestError);
			expect(error).toMatchObject({ kind: 'invalidInput' });
			expect((error as Error).message).toMatch(/ackLastNotice.*not defined in the schema/);
			expect((error as RequestError).hint).toMatch(/schema/);
			expect(JSON.stringify(strict.store.findUser(uid))).toBe(before);
		} finally {
			client.close();
			await strict.stop();
		}
	});

	it('reports an unknown user as not found', async () => {
		await expect(
			directory().updateUserAttributes('login', 'ghost', [{ attribute: 'title', action: 'set', values: ['x'] }]),
		).rejects.toThrow(NotFoundError);
	});
});

describe('the backend contract', () => {
	it('is an otdsRest DirectoryBackend and names its attributes', () => {
		const backend: DirectoryBackend = directory({ fields: { businessUnit: 'oTExtraAttr4' } });
		expect(backend.kind).toBe('otdsRest');
		expect(backend.userAttribute?.('department')).toBe('oTDepartment');
		expect(backend.userAttribute?.('businessUnit')).toBe('oTExtraAttr4');
		expect(backend.userAttribute?.('id')).toBe('uuid');
	});
});

describe('ids that would change the request path', () => {
	it('"..", "." or "" as a user, group or location never reach a path; "/" is encoded', async () => {
		const start = otds.requests.length;
		for (const id of ['..', '.']) {
			await expect(directory().getUser('dn', id)).rejects.toThrow(/cannot be an OTDS id/);
			await expect(directory().getGroup('id', id)).rejects.toThrow(/cannot be an OTDS id/);
			await expect(directory({ partition: id }).getUser('login', 'x')).rejects.toThrow(/cannot be an OTDS id/);
		}
		await expect(directory().getUser('dn', '../groups')).rejects.toThrow(NotFoundError);
		const paths = sinceLog(start).map((entry) => entry.path);
		expect(paths.filter((path) => /\/rest\/?$|\/rest\/(users|groups|partitions)\/?$|\/\.\.?(\/|$)/.test(path))).toEqual(
			[],
		);
		expect(paths).toContain('/otdsws/rest/users/..%2Fgroups');
	});
});
