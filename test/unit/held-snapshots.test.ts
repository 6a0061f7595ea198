/**
 * Snapshots held in the process's memory (core/changes/held-snapshots.ts): the stored state keeps everything but
 * the snapshot; the process that wrote the reference gives the snapshot back, any other process (n8n restarted)
 * does not, and the poll then starts over with a directory.resync that says why (strategy.ts).
 */
import {
	HeldSnapshots,
	isHeldSnapshotReference,
	snapshotHeldElsewhere,
	type StoredChangeState,
} from '../../core/changes/held-snapshots';
import { encodeSnapshot, emptySnapshot } from '../../core/changes/snapshot/snapshot';
import { CHANGE_STATE_VERSION, type ChangeState } from '../../core/changes/state';
import { storedState } from '../../core/changes/strategy';

const SCOPE = 'ldap|ou=people|ou=groups';

/** Whether `stored` refers to a snapshot `held` cannot give back for `key`, as the triggers ask it. */
const lostIn = (held: HeldSnapshots, key: string, stored: StoredChangeState | ChangeState | undefined) =>
	snapshotHeldElsewhere(held.restore(key, stored));

function stateOf(cursor: string, overrides: Partial<ChangeState> = {}): ChangeState {
	return {
		version: CHANGE_STATE_VERSION,
		strategy: 'accesslog',
		scopeKey: SCOPE,
		server: 'ldap://one',
		snapshot: { ...encodeSnapshot(emptySnapshot()), users: [`users of ${cursor}`] },
		cursor,
		pollsSinceReconcile: 1,
		generation: 3,
		recentIds: ['a', 'b'],
		...overrides,
	};
}

describe('HeldSnapshots', () => {
	it('stores everything but the snapshot, which the same process gives back whole', () => {
		const held = new HeldSnapshots('one');
		const state = stateOf('20261207000000.000001Z');
		const stored = held.hold('workflow 1 / trigger', state);
		expect(isHeldSnapshotReference(stored.snapshot)).toBe(true);
		expect(JSON.stringify(stored)).not.toContain('users of');
		const { snapshot, ...rest } = stored;
		const { snapshot: original, ...expected } = state;
		expect(rest).toEqual(expected);
		expect(original).toBeDefined();
		expect(snapshot).not.toEqual(original);
		// As the database gives it back: a copy.
		const restored = held.restore('workflow 1 / trigger', JSON.parse(JSON.stringify(stored)));
		expect(restored).toBe(state);
		expect(lostIn(held, 'workflow 1 / trigger', stored)).toBe(false);
	});

	it('a reference written by another process (or before a restart) is not resolved: the poll starts over and says why', () => {
		const before = new HeldSnapshots('before-restart');
		const after = new HeldSnapshots('after-restart');
		const stored = JSON.parse(JSON.stringify(before.hold('key', stateOf('20261207000000.000001Z'))));
		after.hold('key', stateOf('20261207000000.000009Z'));
		expect(after.restore('key', stored)).toEqual(stored);
		expect(lostIn(after, 'key', stored)).toBe(true);
		const { previous, unusable } = storedState(after.restore('key', stored), SCOPE);
		expect(previous).toBeUndefined();
		expect(unusable).toMatch(/memory of an n8n process that no longer holds it/);
		expect(unusable).toMatch(/changes made since the last poll were not seen/);
	});

	it('an older reference of this process (static data reloaded from the database) gets the newest state held', () => {
		const held = new HeldSnapshots('one');
		const first = held.hold('key', stateOf('20261207000000.000001Z'));
		const newest = stateOf('20261207000100.000001Z');
		held.hold('key', newest);
		expect(held.restore('key', first)).toBe(newest);
	});

	it('a reference is resolved only for the trigger that wrote it, and only to a state of the same strategy and scope', () => {
		const held = new HeldSnapshots('one');
		const stored = held.hold('workflow 1', stateOf('20261207000000.000001Z'));
		expect(lostIn(held, 'workflow 2', stored)).toBe(true);
		held.hold('workflow 1', stateOf('20261207000100.000001Z', { scopeKey: 'another scope' }));
		expect(lostIn(held, 'workflow 1', stored)).toBe(true);
		held.hold('workflow 1', stateOf('20261207000200.000001Z', { strategy: 'timestamp' }));
		expect(lostIn(held, 'workflow 1', stored)).toBe(true);
	});

	it('a reference this process could not have written (a later count, or another shape) is not resolved', () => {
		const held = new HeldSnapshots('one');
		const state = held.hold('key', stateOf('20261207000000.000001Z'));
		for (const reference of ['one/2', 'one/0', 'one', 'one/x', 'two/1', ''])
			expect(lostIn(held, 'key', { ...state, snapshot: { heldInProcess: reference } })).toBe(true);
		expect(lostIn(held, 'key', { ...state, snapshot: { heldInProcess: 'one/1' } })).toBe(false);
	});

	it('a state stored whole is used as it is, and release() forgets what was held', () => {
		const held = new HeldSnapshots('one');
		const whole = stateOf('20261207000000.000001Z');
		expect(held.restore('key', whole)).toBe(whole);
		expect(lostIn(held, 'key', whole)).toBe(false);
		expect(held.restore('key', undefined)).toBeUndefined();
		expect(lostIn(held, 'key', undefined)).toBe(false);
		const stored = held.hold('key', whole);
		held.release('key');
		expect(lostIn(held, 'key', stored)).toBe(true);
	});

	it('two processes never share a token', () => {
		const stored = new HeldSnapshots().hold('key', stateOf('20261207000000.000001Z'));
		const other = new HeldSnapshots();
		other.hold('key', stateOf('20261207000000.000001Z'));
		expect(lostIn(other, 'key', stored)).toBe(true);
		const own = other.hold('key', stateOf('20261207000100.000001Z'));
		expect(lostIn(other, 'key', own)).toBe(false);
	});

	it('a whole state is used as it is while a snapshot is held for the same trigger', () => {
		const held = new HeldSnapshots('one');
		held.hold('key', stateOf('20261207000000.000001Z'));
		const whole = stateOf('20261207000100.000001Z');
		expect(held.restore('key', whole)).toBe(whole);
		expect(lostIn(held, 'key', whole)).toBe(false);
	});

	it('static data that holds null or something else in place of a state is passed on as it is', () => {
		const held = new HeldSnapshots('one');
		held.hold('key', stateOf('20261207000000.000001Z'));
		expect(held.restore('key', null as unknown as ChangeState)).toBeNull();
		expect(lostIn(held, 'key', null as unknown as ChangeState)).toBe(false);
	});

	it('only an object with a text heldInProcess is a reference', () => {
		expect(isHeldSnapshotReference({ heldInProcess: 'one/1' })).toBe(true);
		for (const value of [
			undefined,
			null,
			'one/1',
			{ heldInProcess: 1 },
			{ users: [], groups: [] },
			Object.assign(['one/1'], { heldInProcess: 'one/1' }),
		])
			expect(isHeldSnapshotReference(value)).toBe(false);
	});
});
