import type { ChangeState } from '../../core/changes/state';

/** The users' chunks with the last one changed by `change`. */
function cut(chunks: string[], change: (chunk: string) => string): string[] {
	return [...chunks.slice(0, -1), change(chunks[chunks.length - 1])];
}

/** A good stored state broken in one place each, as a hand-edited or half-written static data could be. */
export function corruptStates(good: ChangeState): Array<[string, ChangeState]> {
	const snapshot = good.snapshot;
	const broken: Array<[string, unknown]> = [
		['recentIds {}', { ...good, recentIds: {} }],
		['recentIds [42]', { ...good, recentIds: [42] }],
		['groups a string', { ...good, snapshot: { ...snapshot, groups: 'abc' } }],
		['groups {}', { ...good, snapshot: { ...snapshot, groups: {} } }],
		['groups [42]', { ...good, snapshot: { ...snapshot, groups: [42] } }],
		['a group record of garbage', { ...good, snapshot: { ...snapshot, groups: ['!!not base64!!'] } }],
		['users a number', { ...good, snapshot: { ...snapshot, users: 42 } }],
		['users a string', { ...good, snapshot: { ...snapshot, users: snapshot.users.join('') } }],
		[
			'users cut short',
			{ ...good, snapshot: { ...snapshot, users: cut(snapshot.users, (chunk) => chunk.slice(0, -5)) } },
		],
		[
			'users of foreign characters',
			{ ...good, snapshot: { ...snapshot, users: cut(snapshot.users, (chunk) => '"'.repeat(chunk.length)) } },
		],
		[
			'users out of key order',
			{ ...good, snapshot: { ...snapshot, users: [...snapshot.users, snapshot.users[snapshot.users.length - 1]] } },
		],
		['passwords a string', { ...good, snapshot: { ...snapshot, passwords: 'x' } }],
		['snapshot null', { ...good, snapshot: null }],
		['cursor a number', { ...good, cursor: 42 }],
		['stampHighWater an object', { ...good, stampHighWater: {} }],
		['readAheadFrom a list', { ...good, readAheadFrom: ['20261206120000Z'] }],
		['generation text', { ...good, generation: 'seven' }],
		['pollsSinceReconcile NaN', { ...good, pollsSinceReconcile: Number.NaN }],
		['an array', [good]],
		['a string', JSON.stringify(good)],
	];
	return broken.map(([what, state]) => [what, state as ChangeState]);
}
