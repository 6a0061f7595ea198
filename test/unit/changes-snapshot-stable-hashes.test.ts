/**
 * The hashes behind event ids and the stored snapshot stay the same from one version of the package to the next:
 * n8n keeps the trigger's stored snapshot and the ids of the events it emitted across an update, so a hash that
 * changed would report every user as changed and emit every recent event again. The values below were computed by
 * the version that introduced them (the record's hashes by stored-state version 3, with its 32-bit whole hash and
 * 2-bit field hashes); they depend on the present hashes (not on how records are laid out).
 */
import { eventId, type EventSource } from '../../core/changes/events';
import { hash32, hashHex, nibbleHash, nonZeroHash } from '../../core/changes/snapshot/hash';
import { recordKeyOf } from '../../core/changes/snapshot/record-key';
import { userRecordOf } from '../../core/changes/snapshot/user-record';
import type { DirectoryUser } from '../../core/model/directory-user';

const texts = ['', 'a', 'uid=jdoe,ou=people,dc=example', 'Zoë 🏢'];

describe('hashes kept across versions', () => {
	it('the 32-bit, 64-bit, 4-bit and 1–7 hashes of a text', () => {
		expect(texts.map(hash32)).toEqual([1572119809, 1469464775, 3534220294, 4162936877]);
		expect(texts.map(hashHex)).toEqual([
			'01a5b45d375d1c92',
			'c74096570ca6b81a',
			'06eca7d2cd4c7c92',
			'2d6021f887ae3644',
		]);
		expect(texts.map(nibbleHash)).toEqual([7, 12, 13, 7]);
		expect(texts.map((text) => nonZeroHash(text, 7))).toEqual([4, 5, 5, 4]);
	});

	it('an event id', () => {
		const source = {
			kind: 'ldap',
			server: 'ldap://dir.example',
			strategy: 'snapshot',
			base: 'dc=example',
		} as EventSource;
		expect(eventId(source, '750f6b7a-7e3f-1041-9059-a59237d5930e', 'user.locked', 'csn-1')).toBe('88f02014c321bb61');
	});

	it('the stored key of an id that is not a lower-case UUID', () => {
		expect(recordKeyOf('jdoe')).toBe('hash:2542d3676fec90db88b271ad9c8a09c3');
		expect(recordKeyOf('{750F6B7A-7E3F-1041-9059-A59237D5930E}')).toBe('hash:34a3484c6023fc8fc2b9c029a80e69ad');
	});

	it("a user's record: the hashes of its values, fields, extra attributes, DN and password stamp", () => {
		const user: DirectoryUser = {
			id: '750f6b7a-7e3f-1041-9059-a59237d5930e',
			dn: 'uid=jdoe,ou=people,dc=example',
			login: 'jdoe',
			mail: 'jdoe@example.com',
			memberOf: [],
			status: { disabled: false, locked: true, passwordResetRequired: false },
			attributes: { roles: ['b', 'a'] },
		};
		expect(userRecordOf(user, '20261206080000Z', ['roles'])).toEqual({
			id: '750f6b7a-7e3f-1041-9059-a59237d5930e',
			status: { disabled: false, locked: true, passwordResetRequired: false },
			valuesHash: 3127850502,
			fieldHashes: [3, 1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3],
			extrasHash: 6,
			dnHash: 3534220294,
			passwordHash: 2,
		});
		// The order of a multi-valued attribute's values does not count.
		const reordered = { ...user, attributes: { roles: ['a', 'b'] } };
		expect(userRecordOf(reordered, '20261206080000Z', ['roles'])).toEqual(
			userRecordOf(user, '20261206080000Z', ['roles']),
		);
		expect(userRecordOf({ ...user, attributes: { roles: ['a'] } }, '20261206080000Z', ['roles']).extrasHash).not.toBe(
			6,
		);
	});
});
