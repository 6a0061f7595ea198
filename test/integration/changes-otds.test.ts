import { DirectorySnapshotStrategy } from '../../core/changes/directory-snapshot';
import type { DirectoryEvent } from '../../core/changes/events';
import type { ChangeState } from '../../core/changes/state';
import { connectToEmulator, type EmulatorClient } from '../../emulators/otds/client-kit';
import { startOtdsEmulator, type OtdsEmulator } from '../../emulators/otds';
import { untilNextSecond } from '../support/clock';
import { corruptStates } from '../support/corrupt-states';

/**
 * OTDS REST as a change source (snapshot over the REST listings), against the OTDS emulator: one scripted
 * scenario on one stored state, each event exactly once, across an emulator restart between polls and
 * failures in the middle of a poll.
 */
let otds: OtdsEmulator;
let client: EmulatorClient;
let strategy: DirectorySnapshotStrategy;
let state: ChangeState | undefined;
/** Every event the scenario's polls emitted. */
const emitted: DirectoryEvent[] = [];

beforeAll(async () => {
	otds = await startOtdsEmulator({ users: 60, adminPassword: 'Admin-Pa55-word!' });
	// 20 users a page: the user listing takes several requests, so a poll can fail between them.
	client = connectToEmulator(otds, { privilegedGroups: ['Change Admins'], pageSize: 20 });
	strategy = new DirectorySnapshotStrategy({
		backend: client.directory,
		server: otds.url,
		partition: otds.store.partition,
	});
});

afterAll(async () => {
	client?.close();
	await otds?.stop();
});

/** One poll from the stored state; the next state is stored only when the poll succeeded. */
async function poll(): Promise<DirectoryEvent[]> {
	const result = await strategy.poll(state);
	state = result.nextCursor;
	emitted.push(...result.events);
	return result.events;
}

/** A poll that must fail, leaving the stored state exactly as it was. */
async function failingPoll(): Promise<void> {
	const kept = structuredClone(state);
	await expect(poll()).rejects.toThrow();
	expect(state).toEqual(kept);
}

const PARTITION = 'Content Server Members';
const locationOf = (group: { uuid: string }) =>
	otds.store.groupJson(otds.store.requireGroup(group.uuid)).location as string;

const typesOf = (events: DirectoryEvent[]) => events.map((event) => event.type).sort();

it('first activation records and emits nothing', async () => {
	expect(await poll()).toEqual([]);
	expect(await poll()).toEqual([]);
});

it("with Emit Existing Entries on First Poll, the first poll emits the partition's users and groups as they are", async () => {
	const existing = new DirectorySnapshotStrategy({
		backend: client.directory,
		server: otds.url,
		partition: otds.store.partition,
		emitExisting: true,
		bulkThreshold: 5,
	});
	const first = await existing.poll(undefined);
	const people = otds.store.allUsers().filter((user) => user.partition === otds.store.partition);
	expect(
		first.events
			.filter((event) => event.type === 'user.created')
			.map((event) => event.user?.id)
			.sort(),
	).toEqual(people.map((user) => user.uuid).sort());
	expect(first.events.some((event) => event.type === 'group.created')).toBe(true);
	expect(
		first.events.every(
			(event) => event.existing === true && (event.type === 'user.created' || event.type === 'group.created'),
		),
	).toBe(true);
	expect((await existing.poll(first.nextCursor)).events).toEqual([]);
});

it('user created, updated, locked, disabled, reset required, password changed, deleted', async () => {
	const store = otds.store;
	const created = store.createUser({
		name: 'change.probe',
		attributes: { mail: 'change.probe@example.com', title: 'Analyst' },
		password: 'Start-Pa55-word!',
	});
	const events = await poll();
	expect(typesOf(events)).toEqual(['user.created']);
	expect(events[0]).toMatchObject({
		user: { id: created.uuid },
		source: { kind: 'otdsRest', strategy: 'snapshot', partition: store.partition },
	});

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

it('renamed under the same uuid: user.renamed with the new name, nothing else', async () => {
	const store = otds.store;
	const user = store.createUser({ name: 'rename.probe', attributes: { mail: 'rename.probe@example.com' } });
	expect(typesOf(await poll())).toEqual(['user.created']);
	const dn = store.userLocationOf(user);
	store.renameUser(user.uuid, 'renamed.probe');
	const events = await poll();
	expect(events).toHaveLength(1);
	expect(events[0]).toMatchObject({
		type: 'user.renamed',
		user: { id: user.uuid, dn, login: `renamed.probe@${PARTITION}` },
	});
	// The snapshot keeps a hash of the name, not the name: the former one is left out, never guessed.
	expect(events[0].changes).toEqual([{ attribute: 'id', after: `renamed.probe@${PARTITION}` }]);
	expect(await poll()).toEqual([]);
});

it('unlocked and enabled, with the earlier flags', async () => {
	const store = otds.store;
	const user = store.createUser({ name: 'status.probe' });
	store.lockUser(user.uuid);
	store.disableUser(user.uuid);
	expect(typesOf(await poll())).toEqual(['user.created']);
	store.unlockUser(user.uuid);
	const unlocked = await poll();
	expect(unlocked.map((event) => [event.type, event.user?.id, event.changes])).toEqual([
		['user.unlocked', user.uuid, [{ attribute: 'locked', before: 'true', after: 'false' }]],
	]);
	store.enableUser(user.uuid);
	const enabled = await poll();
	expect(enabled.map((event) => [event.type, event.user?.id, event.changes])).toEqual([
		['user.enabled', user.uuid, [{ attribute: 'disabled', before: 'true', after: 'false' }]],
	]);
});

it('flip-flops are each emitted: disabled, enabled, disabled; member added, removed, added', async () => {
	const store = otds.store;
	const user = store.createUser({ name: 'flip.probe' });
	const group = store.createGroup({ name: 'Flip Group' });
	expect(typesOf(await poll())).toEqual(['group.created', 'user.created']);
	const seen: DirectoryEvent[] = [];
	for (const disabled of [true, false, true]) {
		if (disabled) store.disableUser(user.uuid);
		else store.enableUser(user.uuid);
		const events = await poll();
		expect(events.map((event) => [event.type, event.user?.id])).toEqual([
			[disabled ? 'user.disabled' : 'user.enabled', user.uuid],
		]);
		seen.push(...events);
	}
	for (const added of [true, false, true]) {
		if (added) store.addMember(group.uuid, user.uuid);
		else store.removeMember(group.uuid, user.uuid);
		const events = await poll();
		expect(events.map((event) => [event.type, event.group?.id, event.user?.id])).toEqual([
			[added ? 'group.memberAdded' : 'group.memberRemoved', `Flip Group@${PARTITION}`, user.uuid],
		]);
		expect(events[0].changes).toEqual([
			added
				? { attribute: 'member', before: null, after: store.userLocationOf(user) }
				: { attribute: 'member', before: store.userLocationOf(user), after: null },
		]);
		seen.push(...events);
	}
	expect(new Set(seen.map((event) => event.id)).size).toBe(6);
	expect(await poll()).toEqual([]);
});

it('a nested group added and removed: the events name the sub-group as memberGroup, not as a user', async () => {
	const store = otds.store;
	// The same through a client without the members endpoint (members derived from oTMemberOf).
	const derivedClient = connectToEmulator(otds, { membersEndpoint: 'derived' });
	try {
		const derived = new DirectorySnapshotStrategy({
			backend: derivedClient.directory,
			server: otds.url,
			partition: store.partition,
		});
		const parent = store.createGroup({ name: 'Nested Parent' });
		const child = store.createGroup({ name: 'Nested Child' });
		expect(typesOf(await poll())).toEqual(['group.created', 'group.created']);
		let derivedState = (await derived.poll(undefined)).nextCursor;
		const childGroup = {
			id: `Nested Child@${PARTITION}`,
			dn: locationOf(child),
			name: 'Nested Child',
			privileged: false,
		};
		for (const added of [true, false, true]) {
			if (added) store.addMember(parent.uuid, child.uuid, { kind: 'group' });
			else store.removeMember(parent.uuid, child.uuid, { kind: 'group' });
			const change = added
				? { attribute: 'member', before: null, after: childGroup.dn }
				: { attribute: 'member', before: childGroup.dn, after: null };
			const events = await poll();
			const fromDerived = await derived.poll(derivedState);
			derivedState = fromDerived.nextCursor;
			for (const found of [events, fromDerived.events]) {
				expect(found).toHaveLength(1);
				expect(found[0]).toMatchObject({
					type: added ? 'group.memberAdded' : 'group.memberRemoved',
					group: { id: `Nested Parent@${PARTITION}` },
					memberGroup: childGroup,
					changes: [change],
				});
				expect(found[0].user).toBeUndefined();
			}
		}
		// Deleting the sub-group removes it from its parent: both are reported. A group gone is known by the
		// key of its record only (a hash of `name@partition`), the same in both events.
		store.deleteGroup(child.uuid);
		const deleted = await poll();
		expect(deleted.map((event) => event.type).sort()).toEqual(['group.deleted', 'group.memberRemoved']);
		const removal = deleted.find((event) => event.type === 'group.memberRemoved') as DirectoryEvent;
		expect(removal).toMatchObject({
			group: { id: `Nested Parent@${PARTITION}` },
			memberGroup: { id: deleted.find((event) => event.type === 'group.deleted')?.group?.id },
		});
		expect(removal.user).toBeUndefined();
	} finally {
		derivedClient.close();
	}
});

it('an emulator restart between polls: the poll during the outage fails and moves nothing; the next one catches up once', async () => {
	const store = otds.store;
	const user = store.createUser({ name: 'restart.probe', attributes: { title: 'Clerk' } });
	expect(typesOf(await poll())).toEqual(['user.created']);
	store.updateUser(user.uuid, { title: 'Senior Clerk' });
	await otds.suspend();
	try {
		await failingPoll();
		store.lockUser(user.uuid);
	} finally {
		await otds.resume();
	}
	// A restarted server knows none of the tickets it issued: the client signs in again.
	otds.faults.expireAllTickets();
	const events = await poll();
	expect(events.map((event) => [event.type, event.changes])).toEqual([
		['user.locked', [{ attribute: 'locked', before: 'false', after: 'true' }]],
		['user.updated', [{ attribute: 'title', after: 'Senior Clerk' }]],
	]);
	expect(await poll()).toEqual([]);
});

it("a failure in the middle of a poll (a later page of users, one group's members) rejects, moves nothing, and the next poll emits each event once", async () => {
	const store = otds.store;
	const [member] = store.allUsers().filter((user) => user.partition === store.partition);
	const user = store.createUser({ name: 'midpoll.probe', attributes: { title: 'Intern' } });
	const group = store.createGroup({ name: 'Midpoll Group' });
	expect(typesOf(await poll())).toEqual(['group.created', 'user.created']);
	store.updateUser(user.uuid, { title: 'Associate' });
	store.addMember(group.uuid, member.uuid);

	// The first page of users is answered, the second fails with a 500 (not retried).
	otds.requests.length = 0;
	otds.faults.failNext(1, 500, { method: 'GET', path: '/rest/users', after: 1 });
	await failingPoll();
	expect(otds.faults.pending()).toBe(0);
	expect(
		otds.requests.filter((entry) => entry.path === '/otdsws/rest/users').map((entry) => entry.fault ?? entry.status),
	).toEqual([200, 'status 500']);

	// Users and groups read, two groups' members read, then the third group's connection breaks on every attempt.
	otds.requests.length = 0;
	otds.faults.dropNext(4, { method: 'GET', path: '/members', after: 2 });
	await failingPoll();
	expect(otds.faults.pending()).toBe(0);
	expect(
		otds.requests.filter((entry) => entry.path.endsWith('/members')).map((entry) => entry.fault ?? entry.status),
	).toEqual([200, 200, 'drop', 'drop', 'drop', 'drop']);

	const events = await poll();
	expect(events.map((event) => [event.type, event.user?.id]).sort()).toEqual([
		['group.memberAdded', member.uuid],
		['user.updated', user.uuid],
	]);
	expect(await poll()).toEqual([]);
});

it('emitted no event twice over the whole scenario', () => {
	expect(emitted.length).toBeGreaterThan(30);
	expect(new Set(emitted.map((event) => event.id)).size).toBe(emitted.length);
});

it('a segment: a person who leaves it left the scope, one who was in OTDS before and comes into it entered it; a new one is created', async () => {
	const store = otds.store;
	const insider = store.createUser({ name: 'segment.insider', attributes: { title: 'Segment Probe' } });
	const mover = store.createUser({ name: 'segment.mover', attributes: { title: 'Elsewhere' } });
	// Stamps have whole seconds: the mover's creation must be a second older than the changes below.
	await untilNextSecond();
	store.updateUser(insider.uuid, { description: 'moves the newest change past the creations' });
	const segment = new DirectorySnapshotStrategy({
		backend: client.directory,
		server: otds.url,
		partition: store.partition,
		userSearch: { conditions: [{ attribute: 'title', operator: 'equals', value: 'Segment Probe' }] },
	});
	let stored = (await segment.poll(undefined)).nextCursor;
	store.updateUser(mover.uuid, { title: 'Segment Probe' });
	const hired = store.createUser({ name: 'segment.hired', attributes: { title: 'Segment Probe' } });
	const arrivals = await segment.poll(stored);
	expect(arrivals.events.map((event) => [event.type, event.user?.id, event.scope]).sort()).toEqual([
		['user.created', hired.uuid, undefined],
		['user.updated', mover.uuid, 'entered'],
	]);
	stored = arrivals.nextCursor;
	store.updateUser(insider.uuid, { title: 'Somewhere Else' });
	const departures = await segment.poll(stored);
	expect(departures.events.map((event) => [event.type, event.user?.id, event.scope])).toEqual([
		['user.updated', insider.uuid, 'left'],
	]);
});

it('any corrupt part of the stored state gives one directory.resync and a fresh start, never an error', async () => {
	await poll();
	for (const [what, corrupt] of corruptStates(state!)) {
		const restarted = await strategy.poll(corrupt).catch((error: unknown) => {
			throw new Error(`${what}: ${String(error)}`);
		});
		expect([what, typesOf(restarted.events)]).toEqual([what, ['directory.resync']]);
		expect([what, (await strategy.poll(restarted.nextCursor)).events]).toEqual([what, []]);
	}
});
