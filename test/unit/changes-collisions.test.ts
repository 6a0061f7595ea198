/**
 * What the compact snapshot does when its small hashes collide: constructed collisions (values found by
 * search whose stored hashes are equal) prove that no password change and no update is lost or empty.
 */
import type { DirectoryUser } from '../../core/model/directory-user';
import { diffGroup, diffUser, type DiffEnvironment, type UserObservation } from '../../core/changes/differ';
import type { EventSource } from '../../core/changes/events';
import { nibbleHash } from '../../core/changes/snapshot/hash';
import { PasswordWatermark, passwordStampOf } from '../../core/changes/snapshot/password-watermark';
import { dnHash } from '../../core/changes/snapshot/dn-hash';
import { groupRecordOf } from '../../core/changes/snapshot/group-record';
import { decodeSnapshot, emptySnapshot, encodeSnapshot } from '../../core/changes/snapshot/snapshot';
import { passwordHashOf, type UserRecord, userRecordOf } from '../../core/changes/snapshot/user-record';

const source: EventSource = {
	kind: 'ldap',
	server: 'ldap://dir.example',
	strategy: 'timestamp',
	base: 'dc=example,dc=com',
};

function user(overrides: Partial<DirectoryUser> = {}): DirectoryUser {
	return {
		id: '750f6b7a-7e3f-1041-9059-a59237d5930e',
		dn: 'uid=nest-probe,ou=people,dc=example,dc=com',
		login: 'nest-probe',
		mail: 'nest-probe@example.com',
		displayName: 'Nest Probe',
		memberOf: [],
		status: { disabled: false, locked: false, passwordResetRequired: false },
		attributes: {},
		...overrides,
	};
}

const FIELD_ATTRIBUTES = {
	login: 'uid',
	surname: 'sn',
	department: 'ou',
	location: 'l',
	businessUnit: 'businessCategory',
};

const env = (overrides: Partial<DiffEnvironment> = {}): DiffEnvironment => ({
	source,
	detectedAt: '2026-11-27T00:00:00.000Z',
	attributeOf: (field) => (FIELD_ATTRIBUTES as Record<string, string>)[field] ?? field,
	extraAttributes: [],
	memberByDnHash: () => undefined,
	memberByDn: (dn) => ({ id: dn, dn }),
	...overrides,
});

/** Generalized time of a second counted from 2026-11-27T00:00:00Z. */
function secondStamp(offset: number): string {
	const iso = new Date(Date.UTC(2026, 10, 27) + offset * 1000).toISOString();
	return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

/** Two pwdChangedTime values, the second later, whose stored one-byte hashes are equal. */
function collidingPasswordStamps(): [string, string] {
	const first = secondStamp(0);
	for (let offset = 1; offset < 100_000; offset++) {
		const later = secondStamp(offset);
		if (passwordHashOf(later) === passwordHashOf(first)) return [first, later];
	}
	throw new Error('no collision found');
}

function observed(stamp: string, overrides: Partial<DirectoryUser> = {}, extras: string[] = []): UserObservation {
	const now = user(overrides);
	return { user: now, record: userRecordOf(now, stamp, extras), passwordStamp: passwordStampOf(stamp) };
}

const types = (events: Array<{ type: string }>) => events.map((event) => event.type);

describe('password changes whose stored hash collides', () => {
	const [earlier, later] = collidingPasswordStamps();
	const stored = userRecordOf(user(), earlier);
	const now = observed(later);

	it('the constructed stamps do collide: the hash alone says nothing changed', () => {
		expect(earlier).not.toBe(later);
		expect(now.record.passwordHash).toBe(stored.passwordHash);
		expect(diffUser(stored, now, { stamp: 's' }, env())).toEqual([]);
	});

	it('a stamp later than every stored one is a change (the watermark), and reading it again is not', () => {
		const watermark = PasswordWatermark.fresh();
		watermark.note(stored.id, passwordStampOf(earlier));
		const withWatermark = (mark: PasswordWatermark) =>
			env({ passwordStampIsNew: (key, stamp) => mark.isNew(key, stamp) });
		expect(types(diffUser(stored, now, { stamp: 's' }, withWatermark(watermark)))).toEqual(['user.passwordChanged']);
		const next = watermark.clone();
		next.note(now.record.id, now.passwordStamp);
		expect(diffUser(now.record, now, { stamp: 's2' }, withWatermark(next))).toEqual([]);
	});

	it('at the watermark second itself, only users not stored with that stamp changed', () => {
		const watermark = PasswordWatermark.fresh();
		// Someone else's password change, seen earlier in the same second as this user's.
		watermark.note('11111111-2222-3333-4444-555555555555', passwordStampOf(later));
		expect(watermark.isNew(stored.id, now.passwordStamp)).toBe(true);
		watermark.note(stored.id, now.passwordStamp);
		expect(watermark.isNew(stored.id, now.passwordStamp)).toBe(false);
		// Earlier than the watermark: only the hash can tell.
		expect(watermark.isNew(stored.id, passwordStampOf(secondStamp(-5)))).toBe(false);
	});

	it('the watermark survives the stored state; a state without one trusts nothing until tracked', () => {
		const snapshot = emptySnapshot();
		snapshot.users.set(stored.id, stored);
		snapshot.passwords?.note(stored.id, passwordStampOf(earlier));
		const again = decodeSnapshot(JSON.parse(JSON.stringify(encodeSnapshot(snapshot))));
		expect(again.passwords?.isNew(stored.id, now.passwordStamp)).toBe(true);
		expect(again.passwords?.isNew(stored.id, passwordStampOf(earlier))).toBe(false);
		const legacy = encodeSnapshot(snapshot);
		delete legacy.passwords;
		expect(decodeSnapshot(legacy).passwords?.isNew(stored.id, now.passwordStamp)).toBe(false);
	});

	it('a log that says the password was set forces the event', () => {
		expect(types(diffUser(stored, now, { stamp: 's', passwordChanged: true }, env()))).toEqual([
			'user.passwordChanged',
		]);
	});

	it("a password set while a reset is required is the administrator's reset, not the user's change", () => {
		const required = user({ status: { disabled: false, locked: false, passwordResetRequired: true } });
		const before = userRecordOf(required, earlier);
		const reset = {
			user: required,
			record: userRecordOf(required, secondStamp(7)),
			passwordStamp: passwordStampOf(secondStamp(7)),
		};
		expect(diffUser(before, reset, { stamp: 's', passwordChanged: true }, env())).toEqual([]);
	});

	it('reads AD pwdLastSet (FILETIME) as a time, and "must change" (0) as none', () => {
		// 2026-11-27T00:00:00Z in 100-ns intervals since 1601.
		const filetime = String((BigInt(Date.UTC(2026, 10, 27)) + 11644473600000n) * 10000n);
		expect(passwordStampOf(filetime)).toBe('20261127000000.0000000Z');
		expect(passwordStampOf('0')).toBeUndefined();
		expect(passwordStampOf('20261127001122.5Z')).toBe('20261127001122Z');
	});
});

describe('updates whose field hashes collide', () => {
	/** A login whose 4-bit field hash equals nest-probe's (so only the whole hash moves). */
	function collidingLogin(): string {
		for (let index = 2; index < 1000; index++)
			if (nibbleHash(`nest-probe${index}`) === nibbleHash('nest-probe')) return `nest-probe${index}`;
		throw new Error('no collision found');
	}

	it('lists every candidate, marked uncertain, when no field hash tells which changed', () => {
		const login = collidingLogin();
		const before = userRecordOf(user(), 'p');
		const now = observed('p', { login });
		expect(now.record.fieldHashes).toEqual(before.fieldHashes);
		expect(now.record.valuesHash).not.toBe(before.valuesHash);
		const events = diffUser(before, now, { stamp: 's' }, env());
		expect(types(events)).toEqual(['user.updated']);
		const changes = events[0].changes;
		expect(changes).toContainEqual({ attribute: 'uid', after: login, uncertain: true });
		expect(changes).toContainEqual({ attribute: 'mail', after: 'nest-probe@example.com', uncertain: true });
		expect(changes.every((change) => change.uncertain === true && !('before' in change))).toBe(true);
	});

	it('names the attribute a log knows changed, without the uncertain ones', () => {
		const login = collidingLogin();
		const events = diffUser(
			userRecordOf(user(), 'p'),
			observed('p', { login }),
			{ stamp: 's', before: { uid: ['nest-probe'], mail: ['nest-probe@example.com'] } },
			env(),
		);
		expect(events[0].changes).toEqual([{ attribute: 'uid', before: 'nest-probe', after: login }]);
	});

	it('an extra attribute is named by its own hash; a record written before that hash existed lists candidates', () => {
		const extras = ['roomNumber'];
		const withRoom = (room: string) => observed('p', { attributes: { roomNumber: room } }, extras);
		// Rooms whose extras hash (1 of 7) differs, and whose field hashes do not (they are not fields).
		const first = withRoom('101');
		let moved = withRoom('102');
		for (let room = 103; moved.record.extrasHash === first.record.extrasHash; room++) moved = withRoom(String(room));
		const extrasEnv = env({ extraAttributes: extras });
		expect(diffUser(first.record, moved, { stamp: 's' }, extrasEnv)[0].changes).toEqual([
			{ attribute: 'roomNumber', after: moved.user.attributes.roomNumber },
		]);
		const legacy: UserRecord = { ...first.record, extrasHash: 0 };
		const changes = diffUser(legacy, moved, { stamp: 's' }, extrasEnv)[0].changes;
		expect(changes).toContainEqual({
			attribute: 'roomNumber',
			after: moved.user.attributes.roomNumber,
			uncertain: true,
		});
		expect(changes).toHaveLength(13);
	});

	it('an unchanged user yields nothing (no empty update)', () => {
		const now = observed('p');
		expect(diffUser(now.record, now, { stamp: 's' }, env())).toEqual([]);
	});
});

describe('groups', () => {
	const admins = {
		id: '11111111-2222-3333-4444-555555555555',
		dn: 'cn=Admins,ou=groups,dc=example,dc=com',
		name: 'Admins',
		privileged: true,
		attributes: {},
	};

	it('a deleted privileged group reports privileged: true from its stored record', () => {
		const snapshot = emptySnapshot();
		const record = groupRecordOf(admins, ['uid=a,ou=people,dc=example,dc=com']);
		snapshot.groups.set(record.id, record);
		const stored = decodeSnapshot(JSON.parse(JSON.stringify(encodeSnapshot(snapshot)))).groups.get(record.id);
		expect(stored?.privileged).toBe(true);
		const deleted = diffGroup(stored, undefined, { stamp: 's' }, env());
		expect(deleted.map((event) => [event.type, event.group?.privileged])).toEqual([['group.deleted', true]]);
		const plain = groupRecordOf({ ...admins, privileged: false }, []);
		expect(diffGroup(plain, undefined, { stamp: 's' }, env())[0].group?.privileged).toBe(false);
		// A record stored before the flag existed: matched by DN hash against the groups configured by DN.
		const byDn = env({ privilegedDnHash: (hash) => hash === dnHash('CN=Admins, OU=Groups,dc=example,dc=com') });
		expect(diffGroup(plain, undefined, { stamp: 's' }, byDn)[0].group?.privileged).toBe(true);
	});

	it("a nested group that joins or leaves is the event's memberGroup, not its user", () => {
		const nested = {
			id: '99999999-2222-3333-4444-555555555555',
			dn: 'cn=Ops,ou=groups,dc=example,dc=com',
			name: 'Ops',
		};
		const groupEnv = env({
			memberGroupByDn: (dn) => (dn === nested.dn ? nested : undefined),
			memberGroupByDnHash: (hash) =>
				hash === groupRecordOf({ ...admins, dn: nested.dn }, []).dnHash ? nested : undefined,
		});
		const without = groupRecordOf(admins, []);
		const withNested = { group: admins, memberDns: [nested.dn], record: groupRecordOf(admins, [nested.dn]) };
		const added = diffGroup(without, withNested, { stamp: 's' }, groupEnv);
		expect(added).toHaveLength(1);
		expect(added[0]).toMatchObject({ type: 'group.memberAdded', memberGroup: nested });
		expect(added[0].user).toBeUndefined();
		const removed = diffGroup(
			withNested.record,
			{ group: admins, memberDns: [], record: without },
			{ stamp: 's' },
			groupEnv,
		);
		expect(removed).toHaveLength(1);
		expect(removed[0]).toMatchObject({
			type: 'group.memberRemoved',
			memberGroup: nested,
			changes: [{ attribute: 'member', before: nested.dn, after: null }],
		});
		expect(removed[0].user).toBeUndefined();
	});
});
