import { DirectorySnapshotStrategy } from '../../core/changes/directory-snapshot';
import type { DirectoryEvent } from '../../core/changes/events';
import type { ChangeState } from '../../core/changes/state';
import { canManage } from '../../core/directory/management';
import { ConfigurationError, NotFoundError, RequestError } from '../../core/errors';
import { withoutSecret } from '../../core/otds/management';
import { connectToEmulator, type EmulatorClient } from '../../emulators/otds/client-kit';
import { startOtdsEmulator, type OtdsEmulator } from '../../emulators/otds';
import { passwordOf } from '../../devkit/fixture';

/**
 * Directory management over OTDS REST against the OTDS emulator: each operation, its idempotence (a repeat writes
 * nothing and says changed: false), its refusals (nothing written), no password in any result or error, and the
 * polling trigger's change detection then emitting the matching event.
 */
const PARTITION = 'Content Server Members';
const ADMIN_PASSWORD = 'Manage-Admin-Pa55!';
const FIRST_PASSWORD = 'First-Pa55-word!';
let otds: OtdsEmulator;
let client: EmulatorClient;
let strategy: DirectorySnapshotStrategy;
let state: ChangeState | undefined;

beforeAll(async () => {
	otds = await startOtdsEmulator({ users: 20, adminPassword: ADMIN_PASSWORD, passwordPolicy: { minimumLength: 10 } });
	client = connectToEmulator(otds);
	strategy = new DirectorySnapshotStrategy({ backend: client.directory, server: otds.url, partition: PARTITION });
	state = (await strategy.poll(undefined)).nextCursor;
});

afterAll(async () => {
	client?.close();
	await otds?.stop();
});

/** One poll of the trigger's OTDS change detection: the event types since the last one. */
async function eventsSinceLastPoll(): Promise<DirectoryEvent[]> {
	const result = await strategy.poll(state);
	state = result.nextCursor;
	return result.events;
}
const typesOf = (events: DirectoryEvent[]) => events.map((event) => event.type).sort();

/** The writes the emulator received since `from` (its request log). */
const writesSince = (from: number) =>
	otds.requests
		.slice(from)
		.filter((request) => request.method !== 'GET')
		.map((r) => `${r.method} ${r.path}`);

const login = (name: string) => ({ key: 'login' as const, value: name });

it('OtdsDirectory implements the management contract', () => {
	expect(canManage(client.directory)).toBe(true);
});

describe('users', () => {
	it('create: POST /rest/users with the fields, the first password, disabled, must change; a repeat is changed: false', async () => {
		const before = otds.requests.length;
		const created = await client.directory.createUser({
			login: 'new.hire',
			givenName: 'New',
			surname: 'Hire',
			displayName: 'New Hire',
			mail: 'new.hire@example.com',
			department: 'Finance',
			title: 'Analyst',
			attributes: { oTExtraAttr2: ['badge-7'] },
			password: FIRST_PASSWORD,
			disabled: true,
			mustChangePassword: true,
		});
		expect(created).toMatchObject({
			changed: true,
			user: {
				login: `new.hire@${PARTITION}`,
				givenName: 'New',
				surname: 'Hire',
				mail: 'new.hire@example.com',
				department: 'Finance',
				status: { disabled: true, locked: false, passwordResetRequired: true },
			},
		});
		expect(created.dn).toMatch(/^oTPerson=[0-9a-f-]{36},orgunit=users,partition=Content Server Members,/);
		const stored = otds.store.requireUser(`new.hire@${PARTITION}`);
		expect(stored.password).toBe(FIRST_PASSWORD);
		expect(stored.attributes.oTExtraAttr2).toEqual(['badge-7']);
		expect(writesSince(before)).toEqual([
			'POST /otdsws/rest/users',
			`PUT /otdsws/rest/users/${encodeURIComponent(`new.hire@${PARTITION}`)}/password`,
			`PATCH /otdsws/rest/users/${encodeURIComponent(`new.hire@${PARTITION}`)}`,
		]);
		expect(JSON.stringify(created)).not.toContain(FIRST_PASSWORD);

		const again = otds.requests.length;
		const repeat = await client.directory.createUser({ login: 'new.hire', password: FIRST_PASSWORD });
		expect(repeat).toMatchObject({ changed: false, dn: created.dn, user: { login: `new.hire@${PARTITION}` } });
		expect(writesSince(again)).toEqual([]);
		await expect(client.directory.createUser({ login: 'new.hire' }, { errorIfPresentOrAbsent: true })).rejects.toThrow(
			ConfigurationError,
		);

		expect(typesOf(await eventsSinceLastPoll())).toEqual(['user.created']);
	});

	it('disable / enable: accountDisabled written only when it differs; the trigger sees user.disabled then user.enabled', async () => {
		const user = otds.store.createUser({ name: 'status.one', password: FIRST_PASSWORD });
		await eventsSinceLastPoll();
		const disabled = await client.directory.setUserEnabled(login('status.one'), false);
		expect(disabled).toMatchObject({ changed: true, user: { status: { disabled: true } } });
		expect(otds.store.requireUser(user.uuid).attributes.accountDisabled).toEqual(['true']);
		expect(typesOf(await eventsSinceLastPoll())).toEqual(['user.disabled']);

		const before = otds.requests.length;
		expect(await client.directory.setUserEnabled(login('status.one'), false)).toMatchObject({ changed: false });
		expect(writesSince(before)).toEqual([]);
		expect(await eventsSinceLastPoll()).toEqual([]);

		expect(await client.directory.setUserEnabled(login('status.one'), true)).toMatchObject({
			changed: true,
			user: { status: { disabled: false } },
		});
		expect(typesOf(await eventsSinceLastPoll())).toEqual(['user.enabled']);
		expect(await client.directory.setUserEnabled(login('status.one'), true)).toMatchObject({ changed: false });
	});

	it('unlock clears accountLockedOut; an unlocked account is changed: false; the trigger sees user.unlocked', async () => {
		otds.store.createUser({ name: 'status.two' });
		otds.store.lockUser('status.two');
		await eventsSinceLastPoll();
		expect(await client.directory.unlockUser(login('status.two'))).toMatchObject({
			changed: true,
			user: { status: { locked: false } },
		});
		expect(typesOf(await eventsSinceLastPoll())).toEqual(['user.unlocked']);
		const before = otds.requests.length;
		expect(await client.directory.unlockUser(login('status.two'))).toMatchObject({ changed: false });
		expect(writesSince(before)).toEqual([]);
	});

	it('require password change sets UserMustChangePasswordAtNextSignIn once; the trigger sees user.passwordResetRequired', async () => {
		otds.store.createUser({ name: 'status.three' });
		await eventsSinceLastPoll();
		expect(await client.directory.requirePasswordChange(login('status.three'))).toMatchObject({
			changed: true,
			user: { status: { passwordResetRequired: true } },
		});
		expect(otds.store.requireUser('status.three').attributes.UserMustChangePasswordAtNextSignIn).toEqual(['true']);
		expect(typesOf(await eventsSinceLastPoll())).toEqual(['user.passwordResetRequired']);
		expect(await client.directory.requirePasswordChange(login('status.three'))).toMatchObject({ changed: false });
	});

	it('set password: PUT .../password {newPassword}, always changed; with must change; the trigger sees user.passwordChanged', async () => {
		otds.store.createUser({ name: 'status.four', password: FIRST_PASSWORD });
		otds.store.advanceClock(2_000);
		await eventsSinceLastPoll();
		const result = await client.directory.setPassword(login('status.four'), 'Second-Pa55-word!');
		expect(result).toMatchObject({ changed: true, user: { status: { passwordResetRequired: false } } });
		expect(otds.store.requireUser('status.four').password).toBe('Second-Pa55-word!');
		expect(JSON.stringify(result)).not.toContain('Second-Pa55-word!');
		expect(typesOf(await eventsSinceLastPoll())).toEqual(['user.passwordChanged']);

		otds.store.advanceClock(2_000);
		const mustChange = await client.directory.setPassword(login('status.four'), 'Third-Pa55-word!', {
			mustChange: true,
		});
		expect(mustChange).toMatchObject({ changed: true, user: { status: { passwordResetRequired: true } } });
		// A password set with a reset required is an administrator's reset: that is the event (core/changes/differ.ts).
		expect(typesOf(await eventsSinceLastPoll())).toEqual(['user.passwordResetRequired']);
	});

	it("a password the policy refuses: a RequestError that does not repeat it; a new user's refused first password takes the user back", async () => {
		otds.store.createUser({ name: 'status.five', password: FIRST_PASSWORD });
		const error = await client.directory.setPassword(login('status.five'), 'short1').catch((e: unknown) => e);
		expect(error).toBeInstanceOf(RequestError);
		expect((error as RequestError).kind).toBe('invalidInput');
		expect((error as Error).message).toMatch(/password policy/);
		expect(`${(error as Error).message} ${(error as RequestError).hint}`).not.toContain('short1');
		expect(otds.store.requireUser('status.five').password).toBe(FIRST_PASSWORD);

		const refused = await client.directory.createUser({ login: 'not.kept', password: 'tiny' }).catch((e: unknown) => e);
		expect(refused).toBeInstanceOf(RequestError);
		expect((refused as Error).message).not.toContain('tiny');
		expect(otds.store.findUser(`not.kept@${PARTITION}`)).toBeUndefined();
	});

	it('a server that quotes the password back: the error carries [password] instead', () => {
		const quoted = new RequestError('invalidInput', 'OTDS rejected "Quoted-Secret-1"', 'Check Quoted-Secret-1', 'x');
		const scrubbed = withoutSecret(quoted, 'Quoted-Secret-1') as RequestError;
		expect(scrubbed).toBeInstanceOf(RequestError);
		expect(`${scrubbed.message} ${scrubbed.hint}`).not.toContain('Quoted-Secret-1');
		expect(scrubbed.message).toContain('[password]');
	});

	it('move / rename: the place it is in is changed: false; a new name or partition is refused, nothing written', async () => {
		otds.store.createUser({ name: 'status.six' });
		expect(await client.directory.moveUser(login('status.six'), { newName: 'status.six' })).toMatchObject({
			changed: false,
		});
		const before = otds.requests.length;
		await expect(client.directory.moveUser(login('status.six'), { newName: 'status.renamed' })).rejects.toThrow(
			/New Name cannot be changed over OTDS REST/,
		);
		await expect(client.directory.moveUser(login('status.six'), { newParent: 'otds.admin' })).rejects.toThrow(
			/New Parent cannot be changed over OTDS REST/,
		);
		await expect(client.directory.moveUser(login('status.six'), {})).rejects.toThrow(ConfigurationError);
		expect(writesSince(before)).toEqual([]);
		expect(otds.store.findUser(`status.six@${PARTITION}`)).toBeDefined();
	});

	it('delete: DELETE /rest/users/{id}; an absent user is changed: false, or an error with the option; the trigger sees user.deleted', async () => {
		const user = otds.store.createUser({ name: 'leaver' });
		await eventsSinceLastPoll();
		expect(await client.directory.deleteUser(login('leaver'))).toEqual({
			changed: true,
			dn: otds.store.userLocationOf(user),
		});
		expect(otds.store.findUser(user.uuid)).toBeUndefined();
		const deleted = await eventsSinceLastPoll();
		expect(typesOf(deleted)).toEqual(['user.deleted']);
		expect(deleted[0].user?.id).toBe(user.uuid);

		expect(await client.directory.deleteUser(login('leaver'))).toEqual({ changed: false });
		await expect(client.directory.deleteUser(login('leaver'), { errorIfPresentOrAbsent: true })).rejects.toThrow(
			NotFoundError,
		);
	});

	it('refusals before any write: read-only or secret attributes, no login, no partition, a non-administrator', async () => {
		const before = otds.requests.length;
		await expect(
			client.directory.createUser({ login: 'bad.one', attributes: { createTimestamp: ['2020-01-01T00:00:00Z'] } }),
		).rejects.toThrow(/maintains itself/);
		await expect(
			client.directory.createUser({ login: 'bad.two', attributes: { userPassword: ['x'] } }),
		).rejects.toThrow(ConfigurationError);
		await expect(client.directory.createUser({ login: '  ' })).rejects.toThrow(/Login Name is empty/);
		await expect(client.directory.setPassword(login('status.one'), '')).rejects.toThrow(/Password is empty/);
		expect(writesSince(before)).toEqual([]);

		const noPartition = connectToEmulator(otds, { partition: '' });
		try {
			await expect(noPartition.directory.createUser({ login: 'bad.three' })).rejects.toThrow(/Partition is empty/);
		} finally {
			noPartition.close();
		}

		const fixtureUser = otds.fixture!.users[0];
		const reader = connectToEmulator(otds, {
			auth: { method: 'ticket', baseUrl: otds.url, userName: fixtureUser.uid, password: passwordOf(fixtureUser.uid) },
		});
		try {
			const refused = await reader.directory.setUserEnabled(login('status.one'), false).catch((e: unknown) => e);
			expect(refused).toBeInstanceOf(RequestError);
			expect((refused as RequestError).kind).toBe('insufficientAccess');
		} finally {
			reader.close();
		}
		expect(otds.store.requireUser('status.one').attributes.accountDisabled).toEqual(['false']);
	});

	it('the flag attributes are configurable: another Disabled Attribute is the one written and read', async () => {
		otds.store.createUser({ name: 'status.seven' });
		const custom = connectToEmulator(otds, { statusAttributes: { disabled: ['oTExtraAttr5'] } });
		try {
			expect(await custom.directory.setUserEnabled(login('status.seven'), false)).toMatchObject({
				changed: true,
				user: { status: { disabled: true } },
			});
			expect(otds.store.requireUser('status.seven').attributes.oTExtraAttr5).toEqual(['true']);
			expect(otds.store.requireUser('status.seven').attributes.accountDisabled).toEqual(['false']);
			expect(() => connectToEmulator(otds, { statusAttributes: { locked: ['not valid!'] } })).toThrow(
				ConfigurationError,
			);
		} finally {
			custom.close();
		}
	});
});

describe('groups', () => {
	it('create: POST /rest/groups {userPartitionID, name, description}; a repeat is changed: false; the trigger sees group.created', async () => {
		await eventsSinceLastPoll();
		const before = otds.requests.length;
		const created = await client.directory.createGroup({ name: 'Project Falcon', description: 'Falcon team' });
		expect(created).toMatchObject({
			changed: true,
			group: { id: `Project Falcon@${PARTITION}`, name: 'Project Falcon', description: 'Falcon team' },
		});
		expect(writesSince(before)).toEqual(['POST /otdsws/rest/groups']);
		expect(typesOf(await eventsSinceLastPoll())).toEqual(['group.created']);

		expect(await client.directory.createGroup({ name: 'Project Falcon' })).toMatchObject({
			changed: false,
			dn: created.dn,
		});
		await expect(
			client.directory.createGroup({ name: 'Project Falcon' }, { errorIfPresentOrAbsent: true }),
		).rejects.toThrow(/already exists/);
		await expect(
			client.directory.createGroup({ name: 'Project Hawk', attributes: { mail: ['x@example.com'] } }),
		).rejects.toThrow(ConfigurationError);
	});

	it('delete: DELETE /rest/groups/{id}; absent is changed: false or an error with the option; the trigger sees group.deleted', async () => {
		otds.store.createGroup({ name: 'Short Lived' });
		await eventsSinceLastPoll();
		expect(await client.directory.deleteGroup({ key: 'name', value: 'Short Lived' })).toMatchObject({
			changed: true,
		});
		expect(otds.store.findGroup(`Short Lived@${PARTITION}`)).toBeUndefined();
		expect(typesOf(await eventsSinceLastPoll())).toEqual(['group.deleted']);
		expect(await client.directory.deleteGroup({ key: 'name', value: 'Short Lived' })).toEqual({ changed: false });
		await expect(
			client.directory.deleteGroup({ key: 'name', value: 'Short Lived' }, { errorIfPresentOrAbsent: true }),
		).rejects.toThrow(NotFoundError);
	});
});
