/**
 * A user's record in memory (user-record.ts): each value over its whole width written where it belongs and read
 * back, the status and key format read where the record lies, its text form, and what a record is made of.
 */
import { hash32, nonZeroHash } from '../../core/changes/snapshot/hash';
import { recordKeyOf } from '../../core/changes/snapshot/record-key';
import {
	decodeUserRecord,
	encodeUserRecord,
	passwordHashOf,
	readUserRecord,
	statusBits,
	storedExtrasHash,
	storedKeyFormat,
	storedStatusBits,
	USER_RECORD_BYTES,
	userRecordOf,
	WATCHED_USER_FIELDS,
	writeUserRecord,
	type UserRecord,
} from '../../core/changes/snapshot/user-record';
import type { AccountStatus, DirectoryUser } from '../../core/model/directory-user';

const statuses: AccountStatus[] = [0, 1, 2, 3, 4, 5, 6, 7].map((bits) => ({
	disabled: (bits & 1) !== 0,
	locked: (bits & 2) !== 0,
	passwordResetRequired: (bits & 4) !== 0,
}));

const ids = [
	'3f2504e0-4f89-41d3-9a0c-0305e82c3301',
	'1cd63b12-85cb-1041-87eb-ebcda8695a50',
	'c2b1d281-1dd111b2-80a1d0c4-8c5b2b65',
	recordKeyOf('jdoe'),
];

function record(index: number): UserRecord {
	return {
		id: ids[index % ids.length],
		status: { ...statuses[index % 8] },
		valuesHash: (0xfedcba98 ^ Math.imul(index, 0x9e3779b1)) >>> 0,
		fieldHashes: WATCHED_USER_FIELDS.map((_, field) => (index + field * 3) % 4),
		extrasHash: index % 8,
		dnHash: Math.imul(index + 1, 0x85ebca6b) >>> 0,
		passwordHash: index % 16,
	};
}

describe('a user record in memory', () => {
	it('the status flags each have their bit', () => {
		expect(statuses.map(statusBits)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
	});

	it('every value over its whole width reads back, written between other records without touching them', () => {
		const bytes = new Uint8Array(3 * USER_RECORD_BYTES).fill(0xff);
		for (let index = 0; index < 64; index++) {
			const written = record(index);
			writeUserRecord(written, bytes, USER_RECORD_BYTES);
			expect(readUserRecord(bytes, USER_RECORD_BYTES)).toEqual(written);
			expect(bytes.subarray(0, USER_RECORD_BYTES).every((byte) => byte === 0xff)).toBe(true);
			expect(bytes.subarray(2 * USER_RECORD_BYTES).every((byte) => byte === 0xff)).toBe(true);
			// The last three bytes are zero: the stored form does not keep them.
			expect([...bytes.subarray(USER_RECORD_BYTES + 29, 2 * USER_RECORD_BYTES)]).toEqual([0, 0, 0]);
			expect(storedStatusBits(bytes, USER_RECORD_BYTES)).toBe(statusBits(written.status));
			expect(storedExtrasHash(bytes, USER_RECORD_BYTES)).toBe(written.extrasHash);
			expect(storedKeyFormat(bytes, USER_RECORD_BYTES)).toBe([0, 3, 1, 2][index % ids.length]);
		}
		// Each field hash has its own two bits: 3 in one field, 0 in all others.
		for (let field = 0; field < WATCHED_USER_FIELDS.length; field++) {
			const fieldHashes = WATCHED_USER_FIELDS.map((_, other) => (other === field ? 3 : 0));
			writeUserRecord({ ...record(0), fieldHashes }, bytes, 0);
			expect(readUserRecord(bytes, 0).fieldHashes).toEqual(fieldHashes);
		}
	});

	it('its text reads back, and any value changed changes the text', () => {
		const base = record(5);
		const text = encodeUserRecord(base);
		expect(text).toHaveLength(40);
		expect(decodeUserRecord(text)).toEqual(base);
		const changed: UserRecord[] = [
			{ ...base, id: ids[0] },
			{ ...base, status: { ...base.status, locked: !base.status.locked } },
			{ ...base, valuesHash: base.valuesHash ^ 0x80000000 },
			{ ...base, fieldHashes: [...base.fieldHashes.slice(0, 11), (base.fieldHashes[11] + 1) % 4] },
			{ ...base, extrasHash: 7 },
			{ ...base, dnHash: base.dnHash ^ 1 },
			{ ...base, passwordHash: 15 },
		];
		for (const other of changed) {
			expect(encodeUserRecord(other)).not.toBe(text);
			expect(decodeUserRecord(encodeUserRecord(other))).toEqual(other);
		}
	});
});

describe("a user's record as read now", () => {
	const user: DirectoryUser = {
		id: '1cd63b12-85cb-1041-87eb-ebcda8695a50',
		dn: 'uid=jdoe,ou=people,dc=example',
		login: 'jdoe',
		mail: 'jdoe@example.com',
		memberOf: [],
		status: { disabled: true, locked: false, passwordResetRequired: true },
		attributes: { roles: ['a'], Office: '12' },
	};

	it('its id is the record key, its status a copy', () => {
		const made = userRecordOf({ ...user, id: 'jdoe@Content Server Members' }, undefined);
		expect(made.id).toBe(recordKeyOf('jdoe@Content Server Members'));
		expect(made.status).toEqual(user.status);
		expect(made.status).not.toBe(user.status);
	});

	it('a missing password stamp hashes as an empty one; the hash has four bits', () => {
		expect(passwordHashOf(undefined)).toBe(hash32('') & 15);
		expect(userRecordOf(user, undefined).passwordHash).toBe(passwordHashOf(''));
		const hashes = new Set(Array.from({ length: 64 }, (_, index) => passwordHashOf(`2026${index}`)));
		expect(Math.max(...hashes)).toBeLessThan(16);
		expect(hashes.size).toBe(16);
	});

	it('extra attributes count by their value and name, and only the ones watched', () => {
		const plain = userRecordOf(user, 'p');
		const watched = userRecordOf(user, 'p', ['roles', 'Office']);
		expect(userRecordOf(user, 'p', [])).toEqual(plain);
		expect(plain.extrasHash).toBeGreaterThan(0);
		expect(watched.valuesHash).not.toBe(plain.valuesHash);
		expect(watched.fieldHashes).toEqual(plain.fieldHashes);
		// The name counts in lower case.
		const twice = { ...user, attributes: { Office: '12', office: '12' } };
		expect(userRecordOf(twice, 'p', ['Office']).valuesHash).toBe(userRecordOf(twice, 'p', ['office']).valuesHash);
		const otherRole = { ...user, attributes: { ...user.attributes, roles: ['b'] } };
		expect(userRecordOf(otherRole, 'p', ['roles', 'Office']).valuesHash).not.toBe(watched.valuesHash);
		expect(userRecordOf(otherRole, 'p').valuesHash).toBe(plain.valuesHash);
		// A value moved from one watched attribute to the other is a change too.
		const swapped = { ...user, attributes: { roles: ['12'], Office: 'a' } };
		expect(userRecordOf(swapped, 'p', ['roles', 'Office']).valuesHash).not.toBe(watched.valuesHash);
	});

	it('each watched field changes the whole hash and its own field hash only, or the whole hash alone', () => {
		const before = userRecordOf(user, 'p');
		for (const [index, field] of WATCHED_USER_FIELDS.entries()) {
			const after = userRecordOf({ ...user, [field]: `changed ${field}` }, 'p');
			expect(after.valuesHash).not.toBe(before.valuesHash);
			after.fieldHashes.forEach((hash, other) => {
				if (other !== index) expect([field, other, hash]).toEqual([field, other, before.fieldHashes[other]]);
			});
		}
		// A value moved from one field to the next is a change.
		expect(userRecordOf({ ...user, login: 'jdoe@example.com', mail: 'jdoe' }, 'p').valuesHash).not.toBe(
			before.valuesHash,
		);
	});

	it('with two or more extra attributes, each one counts apart: their texts are joined by a separator', () => {
		for (const [roles, office] of [
			['a', '12'],
			['b', '7'],
			['admin', 'north'],
		]) {
			const two = { ...user, attributes: { roles, office } };
			expect(userRecordOf(two, 'p', ['roles', 'office']).extrasHash).toBe(
				nonZeroHash(`roles=${roles}\u0000office=${office}`, 7),
			);
		}
	});
});
