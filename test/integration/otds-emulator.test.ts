import { createAxiosTransport } from '../../tools/http/axios-transport';
import type { HttpMethod, HttpResponse } from '../../transport/http/types';
import { startOtdsEmulator, type OtdsEmulator } from '../../emulators/otds';
import { GROUPS, passwordOf } from '../../devkit/fixture';

/**
 * The OTDS emulator itself, over raw HTTP: shapes, errors, paging, memberships, timestamps, and the
 * /__emulator admin API that other processes (a real n8n, a demo) use to drive it.
 */
const PARTITION = 'Content Server Members';
let otds: OtdsEmulator;
let ticket: string;
const http = createAxiosTransport({ timeoutMs: 5_000 });

beforeAll(async () => {
	otds = await startOtdsEmulator({ users: 50, adminPassword: 'Emulator-Admin-1!' });
	const signIn = await http.request({
		method: 'POST',
		url: `${otds.url}/rest/authentication/credentials`,
		json: { userName: otds.adminUser, password: 'Emulator-Admin-1!' },
	});
	ticket = (signIn.body as { ticket: string }).ticket;
});

afterAll(async () => {
	http.close();
	await otds?.stop();
});

const id = (name: string) => encodeURIComponent(`${name}@${PARTITION}`);
function rest(
	method: HttpMethod,
	path: string,
	options: { qs?: Record<string, string | number | boolean>; json?: unknown; as?: string } = {},
): Promise<HttpResponse> {
	return http.request({
		method,
		url: `${otds.url}/rest/${path}`,
		qs: options.qs,
		json: options.json,
		headers: { OTDSTicket: options.as ?? ticket },
	});
}
function admin(method: HttpMethod, path: string, json?: unknown): Promise<HttpResponse> {
	return http.request({ method, url: `${otds.origin}/__emulator/${path}`, json });
}
const body = (response: HttpResponse) => response.body as Record<string, any>;

describe('shapes', () => {
	it('serves users with attrsAsKeys as an attributes object, otherwise as values', async () => {
		const user = otds.fixture!.users[7];
		const asKeys = body(await rest('GET', `users/${id(user.uid)}`, { qs: { attrsAsKeys: true } }));
		expect(asKeys).toMatchObject({
			userPartitionID: PARTITION,
			name: user.uid,
			id: `${user.uid}@${PARTITION}`,
			location: `oTPerson=${user.uuid},orgunit=users,partition=${PARTITION},dc=identity,dc=opentext,dc=net`,
			uuid: user.uuid,
			objectClass: 'oTPerson',
			values: [],
			customAttributes: null,
			urlId: `${user.uid}@${PARTITION}`,
		});
		expect(asKeys.attributes).toMatchObject({
			mail: [user.mail],
			oTDepartment: [user.department],
			l: [user.location],
			oTMobile: [user.mobile],
			oTExtraAttr1: [user.businessUnit],
			accountDisabled: [String(user.status.disabled)],
			accountLockedOut: [String(user.status.lockedOut)],
			UserMustChangePasswordAtNextSignIn: [String(user.status.mustChangePassword)],
		});
		expect(asKeys.attributes.modifyTimestamp[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
		expect(asKeys.attributes.oTMemberOf.length).toBeGreaterThan(0);
		const asValues = body(await rest('GET', `users/${id(user.uid)}`));
		expect(asValues.attributes).toBeUndefined();
		expect(asValues.values).toEqual(expect.arrayContaining([{ name: 'mail', values: [user.mail] }]));
	});

	it('serves groups with numMembers and no modifyTimestamp', async () => {
		const group = body(await rest('GET', `groups/${id(GROUPS.executives)}`, { qs: { attrsAsKeys: true } }));
		expect(group).toMatchObject({
			name: GROUPS.executives,
			id: `${GROUPS.executives}@${PARTITION}`,
			objectClass: 'oTGroup',
			numMembers: 5,
		});
		expect(group.attributes.createTimestamp).toHaveLength(1);
		expect(group.attributes.modifyTimestamp).toBeUndefined();
	});

	it('answers the current user and the partitions', async () => {
		expect(body(await rest('GET', 'currentuser'))).toMatchObject({ user: { id: 'otadmin@otds.admin' }, isAdmin: true });
		const partitions = body(await rest('GET', 'partitions')).partitions.map((p: { name: string }) => p.name);
		expect(partitions).toEqual(expect.arrayContaining([PARTITION, 'otds.admin']));
		expect(body(await rest('GET', `partitions/${encodeURIComponent(PARTITION)}`))).toMatchObject({
			name: PARTITION,
			numUsers: 50,
		});
		expect((await rest('GET', 'partitions/Nope')).status).toBe(404);
	});
});

describe('lists', () => {
	it('pages with nextPageCookie, null on the last page; cookies are reusable and tied to their query', async () => {
		const first = body(await rest('GET', 'users', { qs: { where_partition_name: PARTITION, page_size: 30 } }));
		expect(first).toMatchObject({ actualPageSize: 30, requestedPageSize: 30 });
		const cookie = first.nextPageCookie as string;
		const second = body(
			await rest('GET', 'users', { qs: { where_partition_name: PARTITION, page_size: 30, next_page_cookie: cookie } }),
		);
		expect(second).toMatchObject({ actualPageSize: 20, nextPageCookie: null });
		const again = body(
			await rest('GET', 'users', { qs: { where_partition_name: PARTITION, page_size: 30, next_page_cookie: cookie } }),
		);
		expect(again.users).toEqual(second.users);
		expect((await rest('GET', 'users', { qs: { where_filter: 'x', next_page_cookie: cookie } })).status).toBe(400);
		expect((await rest('GET', 'users', { qs: { next_page_cookie: 'bm9wZQ==' } })).status).toBe(400);
		expect(body(await rest('GET', 'users')).requestedPageSize).toBe(250);
	});

	it('filters with where_filter on name, mail and displayName; where_state; where_location; limit', async () => {
		const someone = otds.fixture!.users[12];
		const byMail = body(await rest('GET', 'users', { qs: { where_filter: someone.mail.toUpperCase() } })).users;
		expect(byMail.map((u: { name: string }) => u.name)).toEqual([someone.uid]);
		const byDisplayName = body(
			await rest('GET', 'users', { qs: { where_filter: `${someone.givenName} ${someone.sn}` } }),
		).users;
		expect(byDisplayName.map((u: { name: string }) => u.name)).toContain(someone.uid);
		const disabled = body(
			await rest('GET', 'users', { qs: { where_partition_name: PARTITION, where_state: 'disabled' } }),
		).users;
		expect(
			disabled.every(
				(u: { attributes?: unknown; values: Array<{ name: string; values: string[] }> }) =>
					u.values.find((v) => v.name === 'accountDisabled')?.values[0] === 'true',
			),
		).toBe(true);
		expect((await rest('GET', 'users', { qs: { where_state: 'sleepy' } })).status).toBe(400);
		const admins = body(
			await rest('GET', 'users', {
				qs: { where_location: 'orgunit=users,partition=otds.admin,dc=identity,dc=opentext,dc=net' },
			}),
		).users;
		expect(admins.map((u: { id: string }) => u.id)).toEqual(['otadmin@otds.admin']);
		const limited = body(await rest('GET', 'users', { qs: { limit: 5, page_size: 3 } }));
		expect(limited.users).toHaveLength(3);
		const rest2 = body(
			await rest('GET', 'users', { qs: { limit: 5, page_size: 3, next_page_cookie: limited.nextPageCookie } }),
		);
		expect(rest2).toMatchObject({ actualPageSize: 2, nextPageCookie: null });
		expect((await rest('GET', 'groups', { qs: { where_filter: 'executive team' } })).body).toMatchObject({
			groups: [{ name: GROUPS.executives }],
		});
	});
});

describe('errors', () => {
	it('answers 401 without or with a bad ticket, 403 to a non-administrator writing, 404, 405 and 409', async () => {
		const noTicket = await http.request({ method: 'GET', url: `${otds.url}/rest/users` });
		expect(noTicket.status).toBe(401);
		expect(body(noTicket)).toMatchObject({ status: 401, errorDetails: null });
		expect((await rest('GET', 'users', { as: '*OTDSSSO*bogus*' })).status).toBe(401);
		const wrong = await http.request({
			method: 'POST',
			url: `${otds.url}/rest/authentication/credentials`,
			json: { userName: otds.adminUser, password: 'nope' },
		});
		expect(wrong.status).toBe(401);
		expect(body(wrong).error).toMatch(/Invalid username or password/);
		const user = otds.fixture!.users[20];
		const userTicket = body(
			await http.request({
				method: 'POST',
				url: `${otds.url}/rest/authentication/credentials`,
				json: { userName: user.uid, password: passwordOf(user.uid) },
			}),
		).ticket;
		expect((await rest('GET', `users/${id(user.uid)}`, { as: userTicket })).status).toBe(200);
		expect(
			(
				await rest('PATCH', `users/${id(user.uid)}`, {
					as: userTicket,
					json: { values: [{ name: 'title', values: ['x'] }] },
				})
			).status,
		).toBe(403);
		expect((await rest('GET', `users/${id('ghost')}`)).status).toBe(404);
		expect((await rest('DELETE', 'currentuser')).status).toBe(404);
		expect((await rest('PUT', `groups/${id(GROUPS.executives)}`)).status).toBe(405);
		const duplicate = await rest('POST', 'users', { json: { userPartitionID: PARTITION, name: user.uid } });
		expect(duplicate.status).toBe(409);
	});

	it('grants administration to members of otdsadmins@otds.admin, not to a partition', async () => {
		const signIn = async (userName: string, password: string) =>
			body(
				await http.request({
					method: 'POST',
					url: `${otds.url}/rest/authentication/credentials`,
					json: { userName, password },
				}),
			).ticket as string;
		const write = (as: string, uid: string) =>
			rest('PATCH', `users/${id(uid)}`, {
				as,
				json: { userPartitionID: PARTITION, values: [{ name: 'title', values: ['Checked'] }] },
			});
		expect(
			body(await rest('GET', `groups/${encodeURIComponent('otdsadmins@otds.admin')}/members`)).members.map(
				(member: { id: string }) => member.id,
			),
		).toEqual([otds.adminUser]);
		// In the administrators' partition but not in otdsadmins: no rights.
		otds.store.createUser({ name: 'auditor', partition: 'otds.admin', password: 'Auditor-1!' });
		const auditor = await signIn('auditor@otds.admin', 'Auditor-1!');
		expect(body(await rest('GET', 'currentuser', { as: auditor })).isAdmin).toBe(false);
		expect((await write(auditor, otds.fixture!.users[22].uid)).status).toBe(403);
		// A person of another partition made a member of otdsadmins: an administrator, from the next request on.
		const delegate = otds.fixture!.users[23];
		const delegateTicket = await signIn(delegate.uid, passwordOf(delegate.uid));
		expect((await write(delegateTicket, otds.fixture!.users[22].uid)).status).toBe(403);
		otds.store.addMember('otdsadmins@otds.admin', `${delegate.uid}@${PARTITION}`, { kind: 'user' });
		expect(body(await rest('GET', 'currentuser', { as: delegateTicket })).isAdmin).toBe(true);
		expect((await write(delegateTicket, otds.fixture!.users[22].uid)).status).toBe(200);
		otds.store.removeMember('otdsadmins@otds.admin', `${delegate.uid}@${PARTITION}`, { kind: 'user' });
		expect((await write(delegateTicket, otds.fixture!.users[22].uid)).status).toBe(403);
	});

	it('answers 400 to bad bodies and read-only attributes, changing nothing', async () => {
		const user = otds.fixture!.users[21];
		const before = JSON.stringify(otds.store.findUser(user.uid));
		expect((await rest('PATCH', `users/${id(user.uid)}`, { json: { values: 'title' } })).status).toBe(400);
		expect(
			(
				await rest('PATCH', `users/${id(user.uid)}`, {
					json: {
						values: [
							{ name: 'title', values: ['ok'] },
							{ name: 'modifyTimestamp', values: ['x'] },
						],
					},
				})
			).status,
		).toBe(400);
		expect(
			(await rest('PATCH', `users/${id(user.uid)}`, { json: { userPartitionID: 'otds.admin', values: [] } })).status,
		).toBe(400);
		expect((await rest('POST', `users/${id(user.uid)}/memberof`, { json: { stringList: [] } })).status).toBe(400);
		expect(
			(
				await rest('POST', `users/${id(user.uid)}/memberof`, {
					json: { stringList: [`${GROUPS.helpDesk}@${PARTITION}`, 'Ghosts'] },
				})
			).status,
		).toBe(404);
		expect(JSON.stringify(otds.store.findUser(user.uid))).toBe(before);
	});
});

describe('refuses what OTDS refuses', () => {
	const user = () => otds.fixture!.users[24];
	const unchanged = async (request: () => Promise<HttpResponse>, status = 400) => {
		const before = JSON.stringify(otds.store.findUser(user().uid));
		const response = await request();
		expect(response.status).toBe(status);
		expect(body(response)).toMatchObject({ status, errorDetails: null });
		expect(JSON.stringify(otds.store.findUser(user().uid))).toBe(before);
		return response;
	};

	it('a PATCH with attributes instead of values, or any field OTDS does not know', async () => {
		const refused = await unchanged(() =>
			rest('PATCH', `users/${id(user().uid)}`, { json: { userPartitionID: PARTITION, attributes: { title: ['x'] } } }),
		);
		expect(body(refused).error).toMatch(/attributes/);
		await unchanged(() =>
			rest('PATCH', `users/${id(user().uid)}`, {
				json: { userPartitionID: PARTITION, value: [{ name: 'title', values: ['x'] }] },
			}),
		);
		await unchanged(() =>
			rest('POST', `users/${id(user().uid)}/memberof`, {
				json: { stringList: [`${GROUPS.helpDesk}@${PARTITION}`], groups: [] },
			}),
		);
		await unchanged(() =>
			rest('PUT', `users/${id(user().uid)}/password`, { json: { newPassword: 'Abc-12345!', oldPassword: 'x' } }),
		);
	});

	it('wrong types', async () => {
		await unchanged(() =>
			rest('PATCH', `users/${id(user().uid)}`, {
				json: { userPartitionID: PARTITION, values: [{ name: 'title', values: 'x' }] },
			}),
		);
		await unchanged(() =>
			rest('PATCH', `users/${id(user().uid)}`, {
				json: { userPartitionID: PARTITION, values: [{ name: 'title', values: [1] }] },
			}),
		);
		await unchanged(() =>
			rest('PATCH', `users/${id(user().uid)}`, { json: { userPartitionID: PARTITION, description: 42, values: [] } }),
		);
		await unchanged(() =>
			rest('POST', `users/${id(user().uid)}/memberof`, { json: { stringList: `${GROUPS.helpDesk}@${PARTITION}` } }),
		);
	});

	it('a body without a JSON content type', async () => {
		// fetch sends a byte body without a content type, and a text body as text/plain.
		const raw = async (method: HttpMethod, url: string, text: string, contentType?: string): Promise<HttpResponse> => {
			const headers: Record<string, string> = {
				OTDSTicket: ticket,
				...(contentType ? { 'content-type': contentType } : {}),
			};
			const response = await fetch(url, { method, headers, body: contentType ? text : new TextEncoder().encode(text) });
			return { status: response.status, headers: {}, body: (await response.json()) as unknown };
		};
		const patch = JSON.stringify({ userPartitionID: PARTITION, values: [{ name: 'title', values: ['x'] }] });
		await unchanged(() => raw('PATCH', `${otds.url}/rest/users/${id(user().uid)}`, patch), 415);
		await unchanged(() => raw('PATCH', `${otds.url}/rest/users/${id(user().uid)}`, patch, 'text/plain'), 415);
		const signIn = await raw(
			'POST',
			`${otds.url}/rest/authentication/credentials`,
			JSON.stringify({ userName: otds.adminUser, password: 'Emulator-Admin-1!' }),
			'text/plain',
		);
		expect(signIn.status).toBe(415);
	});

	it('attributes outside the partition schema, by default', async () => {
		const refused = await unchanged(() =>
			rest('PATCH', `users/${id(user().uid)}`, {
				json: { userPartitionID: PARTITION, values: [{ name: 'titel', values: ['typo'] }] },
			}),
		);
		expect(body(refused).error).toMatch(/titel.*not defined in the schema/);
		// The custom attributes this project asks administrators to add are in the emulated schema.
		expect(
			(
				await rest('PATCH', `users/${id(user().uid)}`, {
					json: {
						userPartitionID: PARTITION,
						values: [{ name: 'otdpAcknowledgment', values: ['n-1|2025-01-01T00:00:00Z'] }],
					},
				})
			).status,
		).toBe(200);
	});
});

describe('refuses new users and groups as OTDS would, creating nothing', () => {
	const created = (name: string) =>
		otds.store.findUser(`${name}@${PARTITION}`) ?? otds.store.findGroup(`${name}@${PARTITION}`);
	const refused = async (collection: 'users' | 'groups', json: Record<string, unknown>, status = 400) => {
		const response = await rest('POST', collection, { json });
		expect(response.status).toBe(status);
		expect(body(response)).toMatchObject({ status, errorDetails: null });
		if (typeof json.name === 'string' && status !== 409) expect(created(json.name)).toBeUndefined();
		return body(response).error as string;
	};

	it('unknown fields, wrong types, a missing name or partition', async () => {
		expect(await refused('users', { userPartitionID: PARTITION, name: 'r.one', attributes: { mail: ['x'] } })).toMatch(
			/attributes/,
		);
		await refused('users', { userPartitionID: PARTITION, name: 'r.two', values: [{ name: 'mail', values: 'x' }] });
		await refused('users', { userPartitionID: PARTITION, name: 'r.three', description: 7 });
		await refused('users', { userPartitionID: PARTITION, name: 'r.four', password: 12345678 });
		await refused('users', { userPartitionID: PARTITION, values: [] });
		await refused('users', { name: 'r.five' });
		await refused('groups', { userPartitionID: PARTITION, name: 'R Group', password: 'x' });
		await refused('groups', { userPartitionID: PARTITION, name: 'R Group', values: [] });
	});

	it('read-only or unknown attributes, a flag that is not true or false, description in values', async () => {
		await refused('users', {
			userPartitionID: PARTITION,
			name: 'r.six',
			values: [{ name: 'oTMemberOf', values: ['x'] }],
		});
		await refused('users', { userPartitionID: PARTITION, name: 'r.seven', values: [{ name: 'titel', values: ['x'] }] });
		expect(
			await refused('users', {
				userPartitionID: PARTITION,
				name: 'r.eight',
				values: [{ name: 'accountDisabled', values: ['yes'] }],
			}),
		).toMatch(/true or false/);
		await refused('users', {
			userPartitionID: PARTITION,
			name: 'r.nine',
			values: [{ name: 'description', values: ['x'] }],
		});
		const flag = await rest('PATCH', `users/${id(otds.fixture!.users[25].uid)}`, {
			json: { userPartitionID: PARTITION, values: [{ name: 'accountLockedOut', values: ['1'] }] },
		});
		expect(flag.status).toBe(400);
	});

	it('an existing name: 409, as for a duplicate anywhere', async () => {
		await refused('users', { userPartitionID: PARTITION, name: otds.fixture!.users[3].uid }, 409);
		await refused('groups', { userPartitionID: PARTITION, name: GROUPS.helpDesk }, 409);
	});

	it('creates what it accepts: a user with values, a group with a description, both deletable', async () => {
		const user = await rest('POST', 'users', {
			json: { userPartitionID: PARTITION, name: 'r.kept', values: [{ name: 'accountDisabled', values: ['true'] }] },
		});
		expect(user.status).toBe(201);
		expect(body(user).attributes).toBeUndefined();
		expect(otds.store.requireUser(`r.kept@${PARTITION}`).attributes.accountDisabled).toEqual(['true']);
		const group = await rest('POST', 'groups', {
			json: { userPartitionID: PARTITION, name: 'R Kept', description: 'd' },
		});
		expect(group.status).toBe(201);
		expect((await rest('DELETE', `users/${id('r.kept')}`)).status).toBe(204);
		expect((await rest('DELETE', `groups/${encodeURIComponent(`R Kept@${PARTITION}`)}`)).status).toBe(204);
		expect((await rest('DELETE', `users/${id('r.kept')}`)).status).toBe(404);
	});
});

describe('writes', () => {
	it('PATCH merges, PUT replaces writable attributes (default), both move modifyTimestamp', async () => {
		const user = otds.fixture!.users[22];
		otds.store.advanceClock(1_000);
		const patched = body(
			await rest('PATCH', `users/${id(user.uid)}`, {
				qs: { attrsAsKeys: true },
				json: { userPartitionID: PARTITION, values: [{ name: 'oTExtraAttr2', values: ['v1'] }] },
			}),
		);
		expect(patched.attributes).toMatchObject({ oTExtraAttr2: ['v1'], mail: [user.mail] });
		expect(patched.attributes.modifyTimestamp[0] > patched.attributes.createTimestamp[0]).toBe(true);
		const put = body(
			await rest('PUT', `users/${id(user.uid)}`, {
				qs: { attrsAsKeys: true },
				json: { userPartitionID: PARTITION, name: user.uid, values: [{ name: 'mail', values: [user.mail] }] },
			}),
		);
		expect(put.attributes.oTExtraAttr2).toBeUndefined();
		expect(put.attributes.givenName).toBeUndefined();
		expect(put.attributes).toMatchObject({ mail: [user.mail], createTimestamp: patched.attributes.createTimestamp });
	});

	it('adds and removes memberships through memberof and deletionset, users and groups', async () => {
		const user = otds.fixture!.users[23];
		const add = await rest('POST', `users/${id(user.uid)}/memberof`, {
			json: { stringList: [`${GROUPS.financeApprovers}@${PARTITION}`] },
		});
		expect(add.status).toBe(204);
		expect(add.body ?? '').toBe('');
		const groups = body(await rest('GET', `users/${id(user.uid)}/memberof`)).groups.map(
			(g: { name: string }) => g.name,
		);
		expect(groups).toContain(GROUPS.financeApprovers);
		expect(
			(
				await rest('POST', `users/${id(user.uid)}/memberof/deletionset`, {
					json: { stringList: [GROUPS.financeApprovers] },
				})
			).status,
		).toBe(204);
		expect(
			body(await rest('GET', `users/${id(user.uid)}/memberof`)).groups.map((g: { name: string }) => g.name),
		).not.toContain(GROUPS.financeApprovers);
		expect(
			(
				await rest('POST', `groups/${id(GROUPS.helpDesk)}/memberof`, {
					json: { stringList: [`${GROUPS.privilegedAccess}@${PARTITION}`] },
				})
			).status,
		).toBe(204);
		const members = body(await rest('GET', `groups/${id(GROUPS.privilegedAccess)}/members`)).members.map(
			(m: { name: string; objectClass: string }) => `${m.objectClass}:${m.name}`,
		);
		expect(members).toContain(`oTGroup:${GROUPS.helpDesk}`);
		expect(
			body(await rest('GET', `groups/${id(GROUPS.helpDesk)}/memberof`)).groups.map((g: { name: string }) => g.name),
		).toEqual([GROUPS.privilegedAccess]);
		expect(
			(
				await rest('POST', `groups/${id(GROUPS.helpDesk)}/memberof/deletionset`, {
					json: { stringList: [`${GROUPS.privilegedAccess}@${PARTITION}`] },
				})
			).status,
		).toBe(204);
	});

	it('keeps the user timestamp on membership changes unless told otherwise', async () => {
		const user = otds.fixture!.users[24];
		const before = otds.store.findUser(user.uid)!.attributes.modifyTimestamp[0];
		otds.store.advanceClock(5_000);
		otds.store.addMember(GROUPS.vpnUsers, user.uid);
		expect(otds.store.findUser(user.uid)!.attributes.modifyTimestamp[0]).toBe(before);
		const touching = await startOtdsEmulator({ users: 20, membershipTouchesUser: true });
		try {
			const someone = touching.fixture!.users[3].uid;
			const was = touching.store.findUser(someone)!.attributes.modifyTimestamp[0];
			touching.store.addMember(GROUPS.vpnUsers, someone);
			expect(touching.store.findUser(someone)!.attributes.modifyTimestamp[0] > was).toBe(true);
		} finally {
			await touching.stop();
		}
	});
});

describe('admin API over HTTP', () => {
	it('creates, changes and deletes users and groups the way OTDS would record it', async () => {
		const created = await admin('POST', 'users', {
			name: 'newhire',
			attributes: { mail: 'new.hire@example.com', givenName: 'New', sn: 'Hire' },
			password: 'Welcome-1!',
			groups: [GROUPS.vpnUsers],
		});
		expect(created.status).toBe(201);
		const createdAt = body(created).attributes.createTimestamp[0];
		expect(body(created).attributes.modifyTimestamp).toEqual([createdAt]);
		await admin('POST', 'clock', { advanceMs: 120_000 });
		for (const action of ['lock', 'disable', 'require-password-reset'])
			expect((await admin('POST', `users/newhire/${action}`)).status).toBe(200);
		const flagged = body(await admin('GET', 'users/newhire')).attributes;
		expect(flagged).toMatchObject({
			accountLockedOut: ['true'],
			accountDisabled: ['true'],
			UserMustChangePasswordAtNextSignIn: ['true'],
			pwdReset: ['true'],
		});
		expect(flagged.modifyTimestamp[0] > createdAt).toBe(true);
		for (const action of ['unlock', 'enable']) await admin('POST', `users/newhire/${action}`);
		await admin('POST', 'users/newhire/password', { password: 'Changed-2!' });
		const signIn = await http.request({
			method: 'POST',
			url: `${otds.url}/rest/authentication/credentials`,
			json: { userName: 'newhire', password: 'Changed-2!' },
		});
		expect(signIn.status).toBe(200);
		expect(body(await admin('GET', 'users/newhire')).attributes).toMatchObject({
			pwdReset: ['false'],
			UserMustChangePasswordAtNextSignIn: ['false'],
		});
		expect(
			body(await admin('PATCH', 'users/newhire', { attributes: { title: 'Analyst', mail: null } })).attributes,
		).toMatchObject({ title: ['Analyst'] });
		const renamed = body(await admin('POST', 'users/newhire/rename', { name: 'new.hire' }));
		expect(renamed).toMatchObject({
			id: `new.hire@${PARTITION}`,
			uuid: body(created).uuid,
			location: body(created).location,
		});
		const group = await admin('POST', 'groups', {
			name: 'Project Falcon',
			description: 'Falcon team',
			members: ['new.hire'],
		});
		expect(body(group)).toMatchObject({ numMembers: 1, description: 'Falcon team' });
		expect(
			body(
				await admin('POST', `groups/${encodeURIComponent('Project Falcon')}/members`, {
					member: GROUPS.executives,
					kind: 'group',
				}),
			).numMembers,
		).toBe(2);
		expect(
			body(await admin('DELETE', `groups/${encodeURIComponent('Project Falcon')}/members/new.hire`)).numMembers,
		).toBe(1);
		expect((await admin('DELETE', `groups/${encodeURIComponent('Project Falcon')}`)).status).toBe(204);
		expect((await admin('DELETE', 'users/new.hire')).status).toBe(204);
		expect((await admin('GET', 'users/new.hire')).status).toBe(404);
		expect((await admin('POST', 'users', { name: otds.fixture!.users[0].uid })).status).toBe(409);
	});

	it('sets faults and reads the request log', async () => {
		await admin('DELETE', 'requests');
		await admin('POST', 'faults', { fail: { count: 1, status: 503, retryAfterSeconds: 2 } });
		await admin('POST', 'faults', { rateLimit: { count: 1, retryAfterSeconds: 3 } });
		const failed = await rest('GET', 'currentuser');
		expect(failed.status).toBe(503);
		expect(failed.headers['retry-after']).toBe('2');
		const limited = await rest('GET', 'currentuser');
		expect(limited.status).toBe(429);
		expect(limited.headers['retry-after']).toBe('3');
		expect((await rest('GET', 'currentuser')).status).toBe(200);
		await admin('POST', 'faults', { drop: { count: 1, path: '/rest/groups' } });
		await expect(rest('GET', 'groups')).rejects.toMatchObject({ code: 'ECONNRESET' });
		await admin('POST', 'faults', { expireTickets: true });
		// An expired ticket: 400 with OTDS status 1034 (pyxecm), the emulator's default.
		const expired = await rest('GET', 'currentuser');
		expect(expired.status).toBe(400);
		expect(body(expired)).toEqual({ status: 1034, error: 'Expired OTDS SSO ticket', errorDetails: null });
		const log = body(await admin('GET', 'requests')).requests as Array<{
			path: string;
			status?: number;
			fault?: string;
		}>;
		expect(log.map((entry) => entry.fault ?? entry.status)).toEqual(['status 503', 'status 429', 200, 'drop', 400]);
		expect(JSON.stringify(log)).not.toContain('OTDSSSO');
		const signIn = await http.request({
			method: 'POST',
			url: `${otds.url}/rest/authentication/credentials`,
			json: { userName: otds.adminUser, password: 'Emulator-Admin-1!' },
		});
		ticket = body(signIn).ticket;
	});

	it('lets matching requests through before a fault applies (after)', async () => {
		await admin('POST', 'faults', { fail: { count: 1, status: 500, path: '/rest/users', after: 2 } });
		expect((await rest('GET', 'groups')).status).toBe(200);
		expect((await rest('GET', 'users')).status).toBe(200);
		expect((await rest('GET', 'users')).status).toBe(200);
		expect((await rest('GET', 'users')).status).toBe(500);
		expect((await rest('GET', 'users')).status).toBe(200);
		expect(body(await admin('POST', 'faults', {})).pending).toBe(0);
	});

	it('can require a token for the admin API', async () => {
		const guarded = await startOtdsEmulator({ users: 20, adminApiToken: 'let-me-in' });
		try {
			expect((await http.request({ method: 'GET', url: `${guarded.origin}/__emulator/state` })).status).toBe(401);
			const state = await http.request({
				method: 'GET',
				url: `${guarded.origin}/__emulator/state`,
				headers: { 'x-emulator-token': 'let-me-in' },
			});
			expect(body(state)).toMatchObject({ partition: PARTITION, users: 21 });
		} finally {
			await guarded.stop();
		}
	});
});
