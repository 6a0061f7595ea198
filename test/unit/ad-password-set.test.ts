import type { Entry } from 'ldapts';
import type { DirectoryEvent, EventSource } from '../../core/changes/events';
import { confirmPasswordChanges } from '../../core/changes/ldap/password-confirmation';
import type { LdapChangeReader } from '../../core/changes/ldap/reader';
import {
	adPasswordSetCheck,
	PWD_LAST_SET_ATTRIBUTE_ID,
	UNICODE_PWD_ATTRIBUTE_ID,
	writesFromVector,
	writesFromXml,
} from '../../core/ldap/flavours/ad-password-set';
import type { PasswordSetCheck } from '../../core/ldap/flavours/profile';

/**
 * AD's pwdLastSet moves both when a password is set and when -1 is written to it; unicodePwd's replication
 * metadata tells which (core/ldap/flavours/ad-password-set.ts), and the poll's user.passwordChanged events are
 * checked with it (core/changes/ldap/password-confirmation.ts). The Samba AD DC case is in
 * test/integration/real-ad-changes.test.ts; these are the shapes a server may send.
 */
const DSA = '0123456789abcdef0123456789abcdef';
const OTHER_DSA = 'fedcba9876543210fedcba9876543210';

interface Stamp {
	attributeId: number;
	usn: bigint;
	dsa?: string;
}

/** A replPropertyMetaData vector as Samba sends it: version 1, count, then 48 bytes a stamp. */
function vector(stamps: Stamp[], version = 1): Buffer {
	const buffer = Buffer.alloc(16 + stamps.length * 48);
	buffer.writeUInt32LE(version, 0);
	buffer.writeUInt32LE(stamps.length, 8);
	stamps.forEach((stamp, index) => {
		const offset = 16 + index * 48;
		buffer.writeUInt32LE(stamp.attributeId, offset);
		buffer.writeUInt32LE(3, offset + 4);
		buffer.writeBigUInt64LE(13_441_144_715n, offset + 8);
		Buffer.from(stamp.dsa ?? DSA, 'hex').copy(buffer, offset + 16);
		buffer.writeBigInt64LE(stamp.usn, offset + 32);
		buffer.writeBigInt64LE(stamp.usn + 1n, offset + 40);
	});
	return buffer;
}

const entryWith = (attributes: Record<string, unknown>): Entry => ({ dn: 'CN=x,DC=example', ...attributes }) as Entry;

/** msDS-ReplAttributeMetaData's XML document of one attribute, as Windows documents it. */
const xml = (name: string, usn: number, dsa = '01234567-89ab-cdef-0123-456789abcdef') =>
	`<DS_REPL_ATTR_META_DATA>\n\t<pszAttributeName>${name}</pszAttributeName>\n\t<dwVersion>2</dwVersion>\n` +
	`\t<ftimeLastOriginatingChange>2026-12-07T19:21:55Z</ftimeLastOriginatingChange>\n` +
	`\t<uuidLastOriginatingDsaInvocationID>${dsa}</uuidLastOriginatingDsaInvocationID>\n` +
	`\t<usnOriginatingChange>${usn}</usnOriginatingChange>\n\t<usnLocalChange>${usn}</usnLocalChange>\n` +
	`\t<pszLastOriginatingDsaDN></pszLastOriginatingDsaDN>\n</DS_REPL_ATTR_META_DATA>\n`;

describe('AD: a password set or only pwdLastSet moved (replication metadata)', () => {
	const others = [
		{ attributeId: 0x90001, usn: 9n },
		{ attributeId: 0x20001, usn: 4000n },
	];

	it('one originating write of unicodePwd and pwdLastSet is a password set; pwdLastSet written alone is not', () => {
		const set = vector([
			...others,
			{ attributeId: UNICODE_PWD_ATTRIBUTE_ID, usn: 5628n },
			{ attributeId: PWD_LAST_SET_ATTRIBUTE_ID, usn: 5628n },
		]);
		expect(adPasswordSetCheck.wasSet(entryWith({ replPropertyMetaData: set }))).toBe(true);
		const lifted = vector([
			{ attributeId: UNICODE_PWD_ATTRIBUTE_ID, usn: 3999n },
			...others,
			{ attributeId: PWD_LAST_SET_ATTRIBUTE_ID, usn: 5627n },
		]);
		expect(adPasswordSetCheck.wasSet(entryWith({ replPropertyMetaData: lifted }))).toBe(false);
		// The same USN on two DCs is two writes.
		const elsewhere = vector([
			{ attributeId: UNICODE_PWD_ATTRIBUTE_ID, usn: 5628n, dsa: OTHER_DSA },
			{ attributeId: PWD_LAST_SET_ATTRIBUTE_ID, usn: 5628n },
		]);
		expect(adPasswordSetCheck.wasSet(entryWith({ replPropertyMetaData: elsewhere }))).toBe(false);
	});

	it('reads the two stamps wherever they are in the vector, and refuses a vector it does not know', () => {
		expect(writesFromVector(vector([{ attributeId: PWD_LAST_SET_ATTRIBUTE_ID, usn: 7n }, ...others]))).toEqual({
			stamp: { invocationId: DSA, usn: '7' },
		});
		expect(writesFromVector(vector([{ attributeId: UNICODE_PWD_ATTRIBUTE_ID, usn: 7n }], 2))).toBeUndefined();
		// A count that promises more stamps than the bytes hold.
		const cut = vector([{ attributeId: UNICODE_PWD_ATTRIBUTE_ID, usn: 7n }]).subarray(0, 40);
		expect(writesFromVector(cut)).toBeUndefined();
		expect(writesFromVector(Buffer.alloc(8))).toBeUndefined();
	});

	it('reads the XML form (msDS-ReplAttributeMetaData) when there is no vector', () => {
		const set = [xml('cn', 4000), xml('unicodePwd', 5628), xml('pwdLastSet', 5628)];
		expect(writesFromXml(set)).toEqual({
			password: { invocationId: '01234567-89ab-cdef-0123-456789abcdef', usn: '5628' },
			stamp: { invocationId: '01234567-89ab-cdef-0123-456789abcdef', usn: '5628' },
		});
		expect(adPasswordSetCheck.wasSet(entryWith({ 'msDS-ReplAttributeMetaData': set }))).toBe(true);
		const lifted = [xml('unicodePwd', 3999), xml('pwdLastSet', 5627)];
		expect(adPasswordSetCheck.wasSet(entryWith({ 'msDS-ReplAttributeMetaData': lifted }))).toBe(false);
		// A document without its USN says nothing.
		expect(
			writesFromXml([xml('unicodePwd', 1).replace(/<usnOriginatingChange>.*<\/usnOriginatingChange>/, '')]),
		).toEqual({});
	});

	it('cannot tell without both stamps: neither attribute returned, or one stamp missing', () => {
		expect(adPasswordSetCheck.wasSet(entryWith({}))).toBeUndefined();
		const half = vector([{ attributeId: PWD_LAST_SET_ATTRIBUTE_ID, usn: 5627n }]);
		expect(adPasswordSetCheck.wasSet(entryWith({ replPropertyMetaData: half }))).toBeUndefined();
		expect(
			adPasswordSetCheck.wasSet(entryWith({ 'msDS-ReplAttributeMetaData': [xml('pwdLastSet', 5627)] })),
		).toBeUndefined();
		// Text instead of bytes (not asked for as a buffer): not read as a vector.
		expect(adPasswordSetCheck.wasSet(entryWith({ replPropertyMetaData: 'AQAAAA==' }))).toBeUndefined();
	});
});

describe("a poll's user.passwordChanged events, checked", () => {
	const source: EventSource = { kind: 'ldap', server: 'ldaps://dc.example', strategy: 'adUsn', base: 'DC=example' };
	const ids = [
		'11111111-1111-4111-8111-111111111111',
		'22222222-2222-4222-8222-222222222222',
		'33333333-3333-4333-8333-333333333333',
		'44444444-4444-4444-8444-444444444444',
	];
	const cleared = { attribute: 'passwordResetRequired', before: 'true', after: 'false' };
	const event = (
		type: DirectoryEvent['type'],
		id: string,
		changes: DirectoryEvent['changes'] = [],
	): DirectoryEvent => ({
		id: `${type}-${id}`,
		type,
		detectedAt: '2026-12-07T20:00:00.000Z',
		source,
		user: { id, dn: `CN=${id},DC=example` },
		changes,
	});

	/** A reader whose people answer the check as `verdicts` says (missing: not found). */
	function readerWith(verdicts: Record<string, boolean | undefined>, check: PasswordSetCheck | undefined = undefined) {
		const asked: string[][] = [];
		const reader = {
			scope: {
				profile: {
					passwordSet: check ?? {
						attributes: ['verdict'],
						wasSet: (entry: Entry) => (entry as unknown as { verdict?: boolean }).verdict,
					},
				},
			},
			userEntriesByIds: async (keys: string[], attributes: string[]) => {
				asked.push([...keys, ...attributes]);
				return keys.filter((key) => key in verdicts).map((key) => entryWith({ id: key, verdict: verdicts[key] }));
			},
			userKeyOf: (entry: Entry) => entry.id as string,
		};
		return { reader: reader as unknown as LdapChangeReader, asked };
	}

	it('keeps a set password and what cannot be told; a moved stamp alone is no event; a lifted reset is a user.updated', async () => {
		const [set, lifted, moved, unknown] = ids;
		const { reader, asked } = readerWith({ [set]: true, [lifted]: false, [moved]: false, [unknown]: undefined });
		const events = [
			event('user.passwordChanged', set),
			event('user.passwordChanged', lifted, [cleared]),
			event('user.passwordChanged', moved),
			event('user.passwordChanged', unknown),
			event('user.locked', moved),
			{ ...event('group.created', set), user: undefined },
		];
		const checked = await confirmPasswordChanges(reader, events);
		expect(checked.map((e) => [e.type, e.user?.id, e.changes])).toEqual([
			['user.passwordChanged', set, []],
			['user.passwordChanged', unknown, []],
			['user.locked', moved, []],
			['group.created', undefined, []],
			['user.updated', lifted, [cleared]],
		]);
		// One read, of the four people, with the check's attributes only.
		expect(asked).toEqual([[set, lifted, moved, unknown, 'verdict']]);
		// Its id is new, and the same for the same change read again.
		const again = await confirmPasswordChanges(
			reader,
			events.map((e) => ({ ...e, changes: [...e.changes] })),
		);
		expect(again[4].id).toBe(checked[4].id);
		expect(checked[4].id).not.toBe(events[1].id);
	});

	it("merges a lifted reset into the person's user.updated of the same poll; a person not found keeps the event", async () => {
		const [lifted, gone] = ids;
		const { reader } = readerWith({ [lifted]: false });
		const title = { attribute: 'title', before: 'Engineer', after: 'Architect' };
		const checked = await confirmPasswordChanges(reader, [
			event('user.passwordChanged', lifted, [cleared]),
			event('user.updated', lifted, [title]),
			event('user.passwordChanged', gone),
		]);
		expect(checked.map((e) => [e.type, e.user?.id, e.changes])).toEqual([
			['user.updated', lifted, [title, cleared]],
			['user.passwordChanged', gone, []],
		]);
	});

	it('reads nothing where the flavour has no check, or when no password looks set', async () => {
		const events = [event('user.passwordChanged', ids[0])];
		const { reader, asked } = readerWith({ [ids[0]]: false });
		(reader.scope.profile as { passwordSet?: PasswordSetCheck }).passwordSet = undefined;
		expect(await confirmPasswordChanges(reader, events)).toBe(events);
		const withCheck = readerWith({ [ids[0]]: false });
		const other = [event('user.updated', ids[0])];
		expect(await confirmPasswordChanges(withCheck.reader, other)).toBe(other);
		expect([...asked, ...withCheck.asked]).toEqual([]);
		// Every password found set: the events as they were.
		const allSet = readerWith({ [ids[0]]: true });
		expect(await confirmPasswordChanges(allSet.reader, events)).toBe(events);
		expect(allSet.asked).toHaveLength(1);
	});
});
