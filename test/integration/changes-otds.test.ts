import { DirectorySnapshotStrategy } from '../../core/changes/directory-snapshot';
import type { DirectoryEvent } from '../../core/changes/events';
import type { ChangeState } from '../../core/changes/state';
import { connectToEmulator, type EmulatorClient } from '../../emulators/otds/client-kit';
import { startOtdsEmulator, type OtdsEmulator } from '../../emulators/otds';

/** OTDS REST as a change source (snapshot over the REST listings), against the OTDS emulator. */
let otds: OtdsEmulator;
let client: EmulatorClient;
let strategy: DirectorySnapshotStrategy;
let state: ChangeState | undefined;

beforeAll(async () => {
	otds = await startOtdsEmulator({ users: 60, adminPassword: 'Admin-Pa55-word!' });
	client = connectToEmulator(otds, { privilegedGroups: ['Change Admins'] });
	strategy = new DirectorySnapshotStrategy({ backend: client.directory, server: otds.url, partition: otds.store.partition });
});

afterAll(async () => {
	client?.close();
	await otds?.stop();
});

async function poll(): Promise<DirectoryEvent[]> {
	const result = await strategy.poll(state);
	state = result.nextCursor;
	return result.events;
}

const typesOf = (events: DirectoryEvent[]) => events.map((event) => event.type).sort();

it('first activation records and emits nothing', async () => {
	expect(await poll()).toEqual([]);
	expect(await poll()).toEqual([]);
});

it('with Emit Existing Entries on First Poll, the first poll emits the partition\'s users and groups as they are', async () => {
	const existing = new DirectorySnapshotStrategy({ backend: client.directory, server: otds.url, partition: otds.store.partition, emitExisting: true, bulkThreshold: 5 });
	const first = await existing.poll(undefined);
	const people = otds.store.allUsers().filter((user) => user.partition === otds.store.partition);
	expect(first.events.filter((event) => event.type === 'user.created').map((event) => event.user?.id).sort()).toEqual(people.map((user) => user.uuid).sort());
	expect(first.events.some((event) => event.type === 'group.created')).toBe(true);
	expect(first.events.every((event) => event.existing === true && (event.type === 'user.created' || event.type === 'group.created'))).toBe(true);
	expect((await existing.poll(first.nextCursor)).events).toEqual([]);
});

it('user created, updated, locked, disabled, reset required, password changed, deleted', async () => {
	const store = otds.store;
	const created = store.createUser({ name: 'change.probe', attributes: { mail: 'change.probe@example.com', title: 'Analyst' }, password: 'Start-Pa55-word!' });
	const events = await poll();
	expect(typesOf(events)).toEqual(['user.created']);
	expect(events[0]).toMatchObject({ user: { id: created.uuid }, source: { kind: 'otdsRest', strategy: 'snapshot', partition: store.partition } });

	store.updateUser(created.uuid, { title: 'Manager' });
	const updated = await poll();
	expect(typesOf(updated)).toEqual(['user.updated']);
	expect(updated[0].changes).toEqual([{ attribute: 'title', after: 'Manager' }]);

	store.lockUser(created.uuid);
	expect(typesOf(await poll())).toEqual(['user.locked']);
	store.disableUser(created.uuid);
	expect(typesOf(await poll())).toEqual(['user.disabled']);
	store.requirePasswordReset(created.uuid);
	expect(typesOf(await poll())).toEqual(['user.passwordResetRequired']);
	store.changePassword(created.uuid, 'Chosen-Pa55-word!');
	expect(typesOf(await poll())).toEqual(['user.passwordChanged']);

	store.deleteUser(created.uuid);
	const deleted = await poll();
	expect(typesOf(deleted)).toEqual(['user.deleted']);
	expect(deleted[0].user?.id).toBe(created.uuid);
});

it('privileged group created, member added and removed, group deleted', async () => {
	const store = otds.store;
	const [first, second] = store.allUsers().filter((user) => user.partition === store.partition);
	const group = store.createGroup({ name: 'Change Admins', members: [first.uuid] });
	const created = await poll();
	expect(typesOf(created)).toEqual(['group.created', 'group.memberAdded']);
	expect(created.every((event) => event.group?.privileged === true)).toBe(true);
	expect(created.find((event) => event.type === 'group.memberAdded')?.user?.id).toBe(first.uuid);

	store.addMember(group.uuid, second.uuid);
	const added = await poll();
	expect(added.map((event) => [event.type, event.user?.id])).toEqual([['group.memberAdded', second.uuid]]);
	store.removeMember(group.uuid, first.uuid);
	const removed = await poll();
	expect(removed.map((event) => [event.type, event.user?.id])).toEqual([['group.memberRemoved', first.uuid]]);

	store.deleteGroup(group.uuid);
	expect(typesOf(await poll())).toEqual(['group.deleted']);
	expect(await poll()).toEqual([]);
});
