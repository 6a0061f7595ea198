import { randomUUID } from 'node:crypto';
import { DirectorySnapshotStrategy } from '../../core/changes/directory-snapshot';
import type { DirectoryEvent } from '../../core/changes/events';
import type { SerializedSnapshot } from '../../core/changes/snapshot/snapshot';
import { passwordHashOf } from '../../core/changes/snapshot/user-record';
import type { ChangeState } from '../../core/changes/state';
import type { DirectMembersPage, DirectoryBackend, UserField, UserSearch } from '../../core/directory/backend';
import type { DirectoryGroup } from '../../core/model/directory-group';
import type { DirectoryUser } from '../../core/model/directory-user';

/**
 * The OTDS REST change strategy (a snapshot over a DirectoryBackend) against an in-memory backend shaped
 * like OTDS: uuid ids, `name@partition` logins, uuid locations as DNs.
 */
const PARTITION = 'Content Server Members';
const userDn = (uuid: string) => `oTPerson=${uuid},orgunit=users,partition=${PARTITION},dc=identity,dc=opentext,dc=net`;
const groupDn = (uuid: string) =>
	`oTGroup=${uuid},orgunit=groups,partition=${PARTITION},dc=identity,dc=opentext,dc=net`;

interface FakeGroup {
	group: DirectoryGroup;
	/** Direct members: user ids or group ids. */
	members: string[];
}

class FakeOtds implements DirectoryBackend {
	readonly kind = 'otdsRest' as const;
	users = new Map<string, DirectoryUser>();
	groups = new Map<string, FakeGroup>();

	addUser(name: string): DirectoryUser {
		const id = randomUUID();
		const user: DirectoryUser = {
			id,
			dn: userDn(id),
			login: `${name}@${PARTITION}`,
			mail: `${name}@example.com`,
			memberOf: [],
			status: { disabled: false, locked: false, passwordResetRequired: false },
			attributes: {},
		};
		this.users.set(id, user);
		return user;
	}

	addGroup(name: string, members: string[] = []): DirectoryGroup {
		const group: DirectoryGroup = {
			id: `${name}@${PARTITION}`,
			dn: groupDn(randomUUID()),
			name,
			privileged: false,
			attributes: {},
		};
		this.groups.set(group.id, { group, members: [...members] });
		return group;
	}

	/** Honours `equals` conditions on person fields, as the segment uses them. */
	async *searchUsers(search: UserSearch = {}): AsyncGenerator<DirectoryUser[]> {
		const matches = (user: DirectoryUser) =>
			(search.conditions ?? []).every(
				(condition) =>
					condition.operator === 'equals' &&
					(user as unknown as Record<string, unknown>)[condition.attribute] === condition.value,
			);
		yield [...this.users.values()].filter(matches).map((user) => structuredClone(user));
	}

	async *searchGroups(): AsyncGenerator<DirectoryGroup[]> {
		yield [...this.groups.values()].map(({ group }) => structuredClone(group));
	}

	async *groupMembers(_key: string, value: string): AsyncGenerator<DirectoryUser[]> {
		for await (const page of this.directMembers(_key, value)) yield page.users;
	}

	async *directMembers(key: string, value: string): AsyncGenerator<DirectMembersPage> {
		// Groups are looked up by their id here, as OTDS's members listing takes it.
		if (key !== 'id') throw new Error(`groups are looked up by id, not ${key}`);
		const members = this.groups.get(value)?.members ?? [];
		yield {
			users: members.map((id) => this.users.get(id)).filter((user): user is DirectoryUser => user !== undefined),
			groups: members
				.map((id) => this.groups.get(id)?.group)
				.filter((group): group is DirectoryGroup => group !== undefined),
		};
	}

	userAttribute(field: UserField): string {
		return field === 'login' ? 'id' : field;
	}

	getUser(): never {
		throw new Error('not used');
	}
	getGroup(): never {
		throw new Error('not used');
	}
	updateUserAttributes(): never {
		throw new Error('not used');
	}
	addGroupMember(): never {
		throw new Error('not used');
	}
	removeGroupMember(): never {
		throw new Error('not used');
	}
}

let directory: FakeOtds;
let strategy: DirectorySnapshotStrategy;
let state: ChangeState | undefined;

beforeEach(async () => {
	directory = new FakeOtds();
	strategy = new DirectorySnapshotStrategy({
		backend: directory,
		server: 'https://otds.example/otdsws',
		partition: PARTITION,
	});
	state = undefined;
	await poll();
});

async function poll(): Promise<DirectoryEvent[]> {
	const result = await strategy.poll(state);
	state = result.nextCursor;
	return result.events;
}

const summary = (events: DirectoryEvent[]) => events.map((event) => [event.type, event.user?.id]);

/** The segment of the tests below: people of the Finance department. */
const FINANCE = [{ attribute: 'department', operator: 'equals' as const, value: 'Finance' }];

/** OTDS users carry createTimestamp and modifyTimestamp: sets them on the directory's user. */
const stampTimes = (user: DirectoryUser, created: string, modified = created) =>
	Object.assign((directory.users.get(user.id) as DirectoryUser).attributes, {
		createTimestamp: created,
		modifyTimestamp: modified,
	});

describe('event ids of the OTDS snapshot', () => {
	it('a transition seen again later is a new event: disabled, enabled, disabled; member added, removed, added', async () => {
		const user = directory.addUser('flip');
		const group = directory.addGroup('Flip Group');
		await poll();
		const emitted: DirectoryEvent[] = [];
		for (const disabled of [true, false, true, false]) {
			(directory.users.get(user.id) as DirectoryUser).status.disabled = disabled;
			const events = await poll();
			expect(summary(events)).toEqual([[disabled ? 'user.disabled' : 'user.enabled', user.id]]);
			emitted.push(...events);
		}
		const members = (directory.groups.get(group.id) as FakeGroup).members;
		for (const added of [true, false, true]) {
			if (added) members.push(user.id);
			else members.splice(members.indexOf(user.id), 1);
			const events = await poll();
			expect(summary(events)).toEqual([[added ? 'group.memberAdded' : 'group.memberRemoved', user.id]]);
			emitted.push(...events);
		}
		expect(new Set(emitted.map((event) => event.id)).size).toBe(emitted.length);
	});

	it('a poll repeated from the same state (its result was not stored) yields the same ids', async () => {
		const user = directory.addUser('again');
		const group = directory.addGroup('Again Group');
		await poll();
		const stored = state;
		(directory.users.get(user.id) as DirectoryUser).status.locked = true;
		(directory.groups.get(group.id) as FakeGroup).members.push(user.id);
		const first = await strategy.poll(stored);
		const repeated = await strategy.poll(stored);
		expect(summary(first.events).sort()).toEqual([
			['group.memberAdded', user.id],
			['user.locked', user.id],
		]);
		expect(repeated.events.map((event) => event.id)).toEqual(first.events.map((event) => event.id));
		// Once stored, the next poll has nothing new.
		state = first.nextCursor;
		expect(await poll()).toEqual([]);
	});

	it('deleted and created again under the same id, then deleted again: two deletions', async () => {
		const user = directory.addUser('phoenix');
		await poll();
		const kept = directory.users.get(user.id) as DirectoryUser;
		directory.users.delete(user.id);
		expect(summary(await poll())).toEqual([['user.deleted', user.id]]);
		directory.users.set(user.id, kept);
		expect(summary(await poll())).toEqual([['user.created', user.id]]);
		directory.users.delete(user.id);
		expect(summary(await poll())).toEqual([['user.deleted', user.id]]);
	});
});

describe('OTDS renames', () => {
	it('a new name under the same uuid is user.renamed, with the new name (the former one is not kept)', async () => {
		const user = directory.addUser('before.rename');
		await poll();
		(directory.users.get(user.id) as DirectoryUser).login = `after.rename@${PARTITION}`;
		const events = await poll();
		expect(events).toHaveLength(1);
		expect(events[0]).toMatchObject({
			type: 'user.renamed',
			user: { id: user.id, dn: user.dn, login: `after.rename@${PARTITION}` },
		});
		expect(events[0].changes).toEqual([{ attribute: 'id', after: `after.rename@${PARTITION}` }]);
	});

	it('renamed and changed in one poll: user.renamed and user.updated with the other field', async () => {
		const user = directory.addUser('two.changes');
		await poll();
		const current = directory.users.get(user.id) as DirectoryUser;
		current.login = `two.changes.renamed@${PARTITION}`;
		current.title = 'Auditor';
		const events = await poll();
		expect(events.map((event) => [event.type, event.changes])).toEqual([
			['user.renamed', [{ attribute: 'id', after: `two.changes.renamed@${PARTITION}` }]],
			['user.updated', [{ attribute: 'title', after: 'Auditor' }]],
		]);
	});
});

describe('nested groups', () => {
	it('a group added to and removed from a group is a member event naming it as memberGroup, not as a user', async () => {
		const parent = directory.addGroup('Parent');
		const child = directory.addGroup('Child');
		await poll();
		const members = (directory.groups.get(parent.id) as FakeGroup).members;
		const emitted: DirectoryEvent[] = [];
		for (const added of [true, false, true]) {
			if (added) members.push(child.id);
			else members.splice(members.indexOf(child.id), 1);
			const events = await poll();
			expect(events).toHaveLength(1);
			expect(events[0]).toMatchObject({
				type: added ? 'group.memberAdded' : 'group.memberRemoved',
				group: { id: parent.id },
				memberGroup: { id: child.id, dn: child.dn, name: 'Child', privileged: false },
			});
			expect(events[0].user).toBeUndefined();
			// The snapshot keeps the member's DN hash; the group still has that DN, so the removed value is known.
			expect(events[0].changes).toEqual([
				added
					? { attribute: 'member', before: null, after: child.dn }
					: { attribute: 'member', before: child.dn, after: null },
			]);
			emitted.push(...events);
		}
		expect(new Set(emitted.map((event) => event.id)).size).toBe(3);
	});

	it('a nested group outside the group scope is named from the member listing', async () => {
		strategy = new DirectorySnapshotStrategy({
			backend: directory,
			server: 'https://otds.example/otdsws',
			partition: PARTITION,
			groupNameContains: 'Scoped',
		});
		state = undefined;
		const parent = directory.addGroup('Scoped Parent');
		const outside = directory.addGroup('Elsewhere');
		const person = directory.addUser('member.person');
		await poll();
		(directory.groups.get(parent.id) as FakeGroup).members.push(outside.id, person.id);
		const events = await poll();
		expect(events.map((event) => [event.type, event.memberGroup?.name ?? event.user?.id]).sort()).toEqual(
			[
				['group.memberAdded', 'Elsewhere'],
				['group.memberAdded', person.id],
			].sort(),
		);
	});

	it('a nested group deleted: the parent loses it as memberGroup, and the group is deleted', async () => {
		const parent = directory.addGroup('Keeps');
		const child = directory.addGroup('Goes');
		(directory.groups.get(parent.id) as FakeGroup).members.push(child.id);
		await poll();
		directory.groups.delete(child.id);
		(directory.groups.get(parent.id) as FakeGroup).members.length = 0;
		const events = await poll();
		expect(events.map((event) => event.type)).toEqual(['group.memberRemoved', 'group.deleted']);
		// A group gone is known by the key of its record (the same as its group.deleted event's).
		expect(events[0].memberGroup?.id).toBe(events[1].group?.id);
		expect(events[0].memberGroup?.privileged).toBe(false);
		expect(events[0].user).toBeUndefined();
	});
});

describe('a stored state the OTDS snapshot cannot use', () => {
	it('of another scope or version: starts over with one directory.resync saying why, never a "created" flood', async () => {
		directory.addUser('already-there');
		await poll();
		const narrowed = new DirectorySnapshotStrategy({
			backend: directory,
			server: 'https://otds.example/otdsws',
			partition: PARTITION,
			groupNameContains: 'Finance',
		});
		const moved = await narrowed.poll(state);
		expect(moved.events.map((event) => event.type)).toEqual(['directory.resync']);
		expect(moved.events[0].summary?.reason).toMatch(/watched scope changed.*started over/);
		expect((await narrowed.poll(moved.nextCursor)).events).toEqual([]);
		const older = { ...state, version: 1 } as unknown as ChangeState;
		const fromOlder = await strategy.poll(older);
		expect(fromOlder.events.map((event) => [event.type, event.summary?.reason])).toEqual([
			['directory.resync', expect.stringMatching(/another version/)],
		]);
		// The first activation itself stays silent.
		expect((await strategy.poll(undefined)).events).toEqual([]);
	});

	it('damaged in place after a poll wrote it (the check of a snapshot this process wrote is skipped only while it is untouched)', async () => {
		const member = directory.addUser('member');
		directory.addGroup('Damaged Group', [member.id]);
		await poll();
		expect(await poll()).toEqual([]);
		const damages: Array<(snapshot: SerializedSnapshot) => void> = [
			(snapshot) => (snapshot.groups[0] = `${snapshot.groups[0].slice(0, 40)}!!`),
			(snapshot) => snapshot.groups.push('not a group'),
			// The users' chunks, edited in place: a chunk's text changed, one added, one gone, the list replaced.
			(snapshot) => (snapshot.users[0] = `${snapshot.users[0].slice(1)}"`),
			(snapshot) => snapshot.users.push(snapshot.users[0]),
			(snapshot) => snapshot.users.pop(),
			(snapshot) => (snapshot.users = [`${snapshot.users[0].slice(0, -5)}`]),
		];
		for (const [index, damage] of damages.entries()) {
			const written = (await strategy.poll(state)).nextCursor;
			damage(written.snapshot as unknown as SerializedSnapshot);
			const result = await strategy.poll(written);
			expect([index, ...result.events.map((event) => [event.type, event.summary?.reason])]).toEqual([
				index,
				['directory.resync', expect.stringMatching(/unreadable/)],
			]);
		}
	});
});

describe('a segment on the OTDS snapshot', () => {
	const financeSegment = () =>
		new DirectorySnapshotStrategy({
			backend: directory,
			server: 'https://otds.example/otdsws',
			partition: PARTITION,
			userSearch: { conditions: FINANCE },
		});

	it('a person who no longer matches it left the scope (user.updated, scope "left"); a deleted one is user.deleted', async () => {
		const mover = directory.addUser('mover');
		const leaver = directory.addUser('leaver');
		for (const user of [mover, leaver]) (directory.users.get(user.id) as DirectoryUser).department = 'Finance';
		const segment = financeSegment();
		let stored = (await segment.poll(undefined)).nextCursor;
		(directory.users.get(mover.id) as DirectoryUser).department = 'Sales';
		directory.users.delete(leaver.id);
		const result = await segment.poll(stored);
		expect(result.events.map((event) => [event.type, event.user?.id, event.scope]).sort()).toEqual([
			['user.deleted', leaver.id, undefined],
			['user.updated', mover.id, 'left'],
		]);
		expect(result.events.find((event) => event.scope === 'left')?.changes).toContainEqual(
			expect.objectContaining({ attribute: 'department', after: 'Sales' }),
		);
		stored = result.nextCursor;
		(directory.users.get(mover.id) as DirectoryUser).title = 'Unwatched';
		expect((await segment.poll(stored)).events).toEqual([]);
	});

	it('a person of OTDS who comes into it entered the scope (user.updated, scope "entered"); a new one is user.created', async () => {
		// Whole seconds here.
		const insider = directory.addUser('insider');
		const mover = directory.addUser('mover-in');
		stampTimes(insider, '2026-01-05T08:00:00Z', '2026-11-20T10:00:00Z');
		stampTimes(mover, '2026-02-01T08:00:00Z');
		(directory.users.get(insider.id) as DirectoryUser).department = 'Finance';
		const segment = financeSegment();
		const stored = (await segment.poll(undefined)).nextCursor;
		const moved = directory.users.get(mover.id) as DirectoryUser;
		moved.department = 'Finance';
		stampTimes(moved, '2026-02-01T08:00:00Z', '2026-11-27T09:00:00Z');
		const hired = directory.addUser('hired');
		(directory.users.get(hired.id) as DirectoryUser).department = 'Finance';
		stampTimes(hired, '2026-11-27T09:00:00Z');
		const result = await segment.poll(stored);
		expect(result.events.map((event) => [event.type, event.user?.id, event.scope]).sort()).toEqual([
			['user.created', hired.id, undefined],
			['user.updated', mover.id, 'entered'],
		]);
		expect(result.events.find((event) => event.scope === 'entered')?.changes).toContainEqual({
			attribute: 'department',
			after: 'Finance',
			uncertain: true,
		});
		// The stamps were read for change detection only: not in the event unless asked for.
		expect(result.events.every((event) => event.user?.attributes?.createTimestamp === undefined)).toBe(true);
	});
});

describe('OTDS password changes', () => {
	/** OTDS gives passwordChangedTime as ISO 8601 in whole seconds. */
	const stampAt = (seconds: number) =>
		new Date(Date.UTC(2026, 11, 7, 8, 0, 0) + seconds * 1000).toISOString().replace('.000', '');
	const setStamp = (user: DirectoryUser, stamp: string | undefined) => {
		const stored = directory.users.get(user.id) as DirectoryUser;
		if (stamp === undefined) delete stored.attributes.passwordChangedTime;
		else stored.attributes.passwordChangedTime = [stamp];
	};

	it('every change is seen, also one whose stamp hashes like the one before (the record keeps 4 bits of it)', async () => {
		const user = directory.addUser('rotating');
		setStamp(user, stampAt(0));
		await poll();
		let alike = 0;
		for (let second = 1; second <= 48; second++) {
			if (passwordHashOf(stampAt(second)) === passwordHashOf(stampAt(second - 1))) alike++;
			setStamp(user, stampAt(second));
			expect([second, summary(await poll())]).toEqual([second, [['user.passwordChanged', user.id]]]);
		}
		// The case this is about happened: stamps one after the other that the record alone cannot tell apart.
		expect(alike).toBeGreaterThan(0);
		expect(await poll()).toEqual([]);
	});

	it('two users changed in the same second, one of them hashing alike: both seen; the others not', async () => {
		const users = Array.from({ length: 40 }, (_, index) => directory.addUser(`same.second.${index}`));
		users.forEach((user, index) => setStamp(user, stampAt(index)));
		await poll();
		const now = stampAt(100);
		const alike = users.find((_, index) => passwordHashOf(stampAt(index)) === passwordHashOf(now));
		expect(alike).toBeDefined();
		const changed = [alike as DirectoryUser, users.find((user) => user !== alike) as DirectoryUser];
		for (const user of changed) setStamp(user, now);
		expect(summary(await poll()).sort()).toEqual(changed.map((user) => ['user.passwordChanged', user.id]).sort());
		expect(await poll()).toEqual([]);
	});

	it('the first stamp in a scope where no one had one is a change, also when it hashes like none', async () => {
		const user = directory.addUser('first.stamp');
		await poll();
		let second = 0;
		while (passwordHashOf(stampAt(second)) !== passwordHashOf(undefined)) second++;
		setStamp(user, stampAt(second));
		expect(summary(await poll())).toEqual([['user.passwordChanged', user.id]]);
		expect(await poll()).toEqual([]);
	});

	it('a state written before the stamps were noted is not taken as "every stamp new"; from then on they are', async () => {
		const users = Array.from({ length: 5 }, (_, index) => directory.addUser(`upgraded.${index}`));
		users.forEach((user, index) => setStamp(user, stampAt(index)));
		await poll();
		// What a state of the earlier code held: a watermark that noted nothing.
		const stored = state as ChangeState;
		state = { ...stored, snapshot: { ...stored.snapshot, passwords: { upTo: '', atUpTo: '' } } };
		(directory.users.get(users[1].id) as DirectoryUser).title = 'Changed meanwhile';
		expect(summary(await poll())).toEqual([['user.updated', users[1].id]]);
		let second = 10;
		while (passwordHashOf(stampAt(second)) !== passwordHashOf(stampAt(0))) second++;
		setStamp(users[0], stampAt(second));
		expect(summary(await poll())).toEqual([['user.passwordChanged', users[0].id]]);
	});
});

describe('what the OTDS snapshot asks for, and what it keeps', () => {
	const SERVER = 'https://otds.example/otdsws';
	const snapshotOf = (options: Partial<ConstructorParameters<typeof DirectorySnapshotStrategy>[0]> = {}) =>
		new DirectorySnapshotStrategy({ backend: directory, server: SERVER, partition: PARTITION, ...options });
	/** The searches the backend was asked for, from now on. */
	const recordSearches = () => {
		const users: UserSearch[] = [];
		const groups: unknown[] = [];
		const searchUsers = directory.searchUsers.bind(directory);
		const searchGroups = directory.searchGroups.bind(directory);
		directory.searchUsers = (search: UserSearch = {}) => {
			users.push(structuredClone(search));
			return searchUsers(search);
		};
		directory.searchGroups = ((search: unknown) => {
			groups.push(structuredClone(search));
			return searchGroups();
		}) as FakeOtds['searchGroups'];
		return { users, groups };
	};

	it('each part of the watched scope is the scope: another partition, base, segment or set of extras starts over with one directory.resync', async () => {
		directory.addUser('scoped');
		await poll();
		for (const other of [
			{ partition: 'Other Partition' },
			{ base: 'ou=elsewhere,dc=identity,dc=opentext,dc=net' },
			{ userSearch: { conditions: FINANCE } },
			{ userSearch: { extraAttributes: ['oTExtraAttr2'] } },
			{ groupNameContains: 'Finance' },
		]) {
			const result = await snapshotOf(other).poll(state);
			expect([other, result.events.map((event) => [event.type, event.summary?.reason])]).toEqual([
				other,
				[['directory.resync', expect.stringMatching(/watched scope changed/)]],
			]);
		}
		// The same scope again: nothing.
		expect((await snapshotOf().poll(state)).events).toEqual([]);
	});

	it('asks for the password stamp, with a segment for the creation and change stamps too, and passes the group names', async () => {
		const searches = recordSearches();
		await snapshotOf({ groupNameContains: 'Fin' }).poll(undefined);
		expect(searches.users).toEqual([{ extraAttributes: ['passwordChangedTime'] }]);
		expect(searches.groups).toEqual([{ nameContains: 'Fin' }]);
		searches.users.length = 0;
		await snapshotOf({ userSearch: { conditions: FINANCE, extraAttributes: ['oTExtraAttr2'] } }).poll(undefined);
		expect(searches.users).toEqual([
			{
				conditions: FINANCE,
				extraAttributes: ['oTExtraAttr2', 'passwordChangedTime', 'createTimestamp', 'modifyTimestamp'],
			},
		]);
	});

	it('with a segment, lists everyone a second time only on a poll where someone left it', async () => {
		const member = directory.addUser('stays');
		(directory.users.get(member.id) as DirectoryUser).department = 'Finance';
		const segment = snapshotOf({ userSearch: { conditions: FINANCE, extraAttributes: ['oTExtraAttr2'] } });
		let stored = (await segment.poll(undefined)).nextCursor;
		const searches = recordSearches();
		(directory.users.get(member.id) as DirectoryUser).title = 'Changed';
		const changed = await segment.poll(stored);
		expect(changed.events.map((event) => event.type)).toEqual(['user.updated']);
		expect(searches.users).toHaveLength(1);
		stored = changed.nextCursor;
		(directory.users.get(member.id) as DirectoryUser).department = 'Sales';
		const left = await segment.poll(stored);
		expect(left.events.map((event) => [event.type, event.scope])).toEqual([['user.updated', 'left']]);
		// The second listing: the segment's other settings, without its conditions.
		expect(searches.users.slice(2)).toEqual([
			{
				conditions: [],
				extraAttributes: ['oTExtraAttr2', 'passwordChangedTime', 'createTimestamp', 'modifyTimestamp'],
			},
		]);
	});

	it('two segments, or a partition and a base that join alike, are two scopes', async () => {
		const segment = (value: string) => ({
			userSearch: { conditions: [{ attribute: 'department', operator: 'equals' as const, value }] },
		});
		const finance = (await snapshotOf(segment('Finance')).poll(undefined)).nextCursor;
		expect((await snapshotOf(segment('Sales')).poll(finance)).events.map((event) => event.type)).toEqual([
			'directory.resync',
		]);
		const joined = (await snapshotOf({ partition: 'P', base: 'Xbase' }).poll(undefined)).nextCursor;
		expect(
			(await snapshotOf({ partition: 'PX', base: 'base' }).poll(joined)).events.map((event) => event.type),
		).toEqual(['directory.resync']);
	});

	it('without a segment, a deleted person takes no second listing', async () => {
		const gone = directory.addUser('gone');
		await poll();
		const searches = recordSearches();
		directory.users.delete(gone.id);
		expect(summary(await poll())).toEqual([['user.deleted', gone.id]]);
		expect(searches.users).toHaveLength(1);
	});

	it('existing entries on the first activation only when asked, named as the backend names them; never on a start over', async () => {
		const user = directory.addUser('existing');
		const withExisting = snapshotOf({ emitExisting: true });
		const first = await withExisting.poll(undefined);
		expect(summary(first.events)).toEqual([['user.created', user.id]]);
		expect(first.events[0].existing).toBe(true);
		// The login is the backend's `id` attribute here (FakeOtds.userAttribute).
		expect(first.events[0].changes).toContainEqual({ attribute: 'id', before: null, after: user.login });
		const older = { ...first.nextCursor, version: 1 } as unknown as ChangeState;
		expect((await withExisting.poll(older)).events.map((event) => event.type)).toEqual(['directory.resync']);
		expect((await withExisting.poll(first.nextCursor)).events).toEqual([]);
	});

	it('keeps the password stamp in the event when it was asked for as an additional attribute', async () => {
		const extras = snapshotOf({ userSearch: { extraAttributes: ['passwordChangedTime'] } });
		const stored = (await extras.poll(undefined)).nextCursor;
		const user = directory.addUser('stamped');
		(directory.users.get(user.id) as DirectoryUser).attributes.passwordChangedTime = ['2026-12-07T08:00:00Z'];
		const created = await extras.poll(stored);
		expect(created.events[0].user?.attributes?.passwordChangedTime).toEqual(['2026-12-07T08:00:00Z']);
	});

	it('a backend that does not map fields to attributes: changes are named by the field', async () => {
		const user = directory.addUser('unmapped');
		Object.assign(directory, { userAttribute: undefined });
		await poll();
		(directory.users.get(user.id) as DirectoryUser).title = 'Named by field';
		const events = await poll();
		expect(events[0].changes).toContainEqual(expect.objectContaining({ attribute: 'title', after: 'Named by field' }));
	});

	it('with a segment, a member from outside it is named from the member listing', async () => {
		const outsider = directory.addUser('outsider');
		const group = directory.addGroup('Mixed Group');
		const segment = snapshotOf({ userSearch: { conditions: FINANCE } });
		const stored = (await segment.poll(undefined)).nextCursor;
		(directory.groups.get(group.id) as FakeGroup).members.push(outsider.id);
		const events = (await segment.poll(stored)).events;
		expect(events.map((event) => event.type)).toEqual(['group.memberAdded']);
		expect(events[0].user).toMatchObject({ id: outsider.id, login: outsider.login, mail: outsider.mail });
	});

	it('names the source in every event, and every poll is a whole reading (no reconciliation is ever due)', async () => {
		const user = directory.addUser('sourced');
		const result = await strategy.poll(state);
		expect(result.events).toHaveLength(1);
		expect(result.events[0].source).toEqual({
			kind: 'otdsRest',
			server: SERVER,
			strategy: 'snapshot',
			partition: PARTITION,
			base: undefined,
		});
		expect(result.events[0].user?.id).toBe(user.id);
		expect(result.nextCursor.pollsSinceReconcile).toBe(0);
		expect((await strategy.poll(result.nextCursor)).nextCursor.pollsSinceReconcile).toBe(0);
	});

	it('a backend that lists no direct members reads the people of each group (nested: false)', async () => {
		const person = directory.addUser('plain.member');
		const group = directory.addGroup('Plain Group');
		const asked: unknown[] = [];
		Object.assign(directory, {
			directMembers: undefined,
			groupMembers: async function* (key: string, value: string, options: unknown) {
				asked.push([key, value, options]);
				const members = directory.groups.get(value)?.members ?? [];
				yield members.map((id) => directory.users.get(id)).filter((user) => user !== undefined);
			},
		});
		await poll();
		(directory.groups.get(group.id) as FakeGroup).members.push(person.id);
		expect(summary(await poll())).toEqual([['group.memberAdded', person.id]]);
		expect(asked).toContainEqual(['id', group.id, { nested: false }]);
	});

	it("with a segment, a person created in the same second as the last poll's newest change is new, not come into the segment", async () => {
		// Listed first, an older change; listed second, the newest: the newest is the greatest, not the first.
		const older = directory.addUser('older');
		const newest = directory.addUser('newest');
		for (const user of [newest, older]) (directory.users.get(user.id) as DirectoryUser).department = 'Finance';
		stampTimes(newest, '2026-01-05T08:00:00Z', '2026-11-27T09:00:00.900Z');
		stampTimes(older, '2026-01-05T08:00:00Z', '2026-11-20T10:00:00Z');
		const sameSecond = directory.addUser('same.second');
		const between = directory.addUser('between');
		stampTimes(sameSecond, '2026-11-27T09:00:00.200Z');
		stampTimes(between, '2026-11-25T09:00:00Z');
		const segment = snapshotOf({ userSearch: { conditions: FINANCE } });
		const stored = (await segment.poll(undefined)).nextCursor;
		for (const user of [sameSecond, between]) (directory.users.get(user.id) as DirectoryUser).department = 'Finance';
		// A member of the segment all along, created long before: changed, not come in.
		(directory.users.get(older.id) as DirectoryUser).title = 'Changed';
		const result = await segment.poll(stored);
		expect(result.events.map((event) => [event.type, event.user?.id, event.scope]).sort()).toEqual(
			[
				['user.created', sameSecond.id, undefined],
				['user.updated', between.id, 'entered'],
				['user.updated', older.id, undefined],
			].sort(),
		);
	});
});
