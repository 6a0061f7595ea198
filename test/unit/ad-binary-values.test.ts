import { attributeTexts } from '../../core/ldap/attribute-text';
import type { Entry } from '../../transport/ldap/ldapts';
import {
	adBinaryText,
	primaryGroupFilter,
	primaryGroupId,
	sidToString,
} from '../../core/ldap/flavours/active-directory';

describe('AD binary values in their text forms', () => {
	it('reads SIDs (MS-DTYP 2.4.2): revision, big-endian authority, little-endian sub-authorities', () => {
		// BUILTIN\Administrators
		expect(sidToString(Buffer.from('01020000000000052000000020020000', 'hex'))).toBe('S-1-5-32-544');
		// A domain account: S-1-5-21-<three domain sub-authorities>-<RID 1104>
		expect(sidToString(Buffer.from('010500000000000515000000a065cf7e784b9b5fe77c8770' + '50040000', 'hex'))).toBe(
			'S-1-5-21-2127521184-1604012920-1887927527-1104',
		);
		// Everyone: one sub-authority, authority 1
		expect(sidToString(Buffer.from('010100000000000100000000', 'hex'))).toBe('S-1-1-0');
		// An authority of 2^32 or more is hexadecimal
		expect(sidToString(Buffer.from('0101000100000000' + '07000000', 'hex'))).toBe('S-1-0x000100000000-7');
	});

	it('refuses bytes that are no SID, and GUIDs that are not 16 bytes', () => {
		expect(sidToString(Buffer.from('0102000000000005200000', 'hex'))).toBeUndefined();
		expect(sidToString(Buffer.alloc(3))).toBeUndefined();
		expect(adBinaryText('objectGUID', Buffer.alloc(15))).toBeUndefined();
		expect(adBinaryText('description', Buffer.alloc(16))).toBeUndefined();
	});

	it("tells a group's primaryGroupID from its objectSid: a domain group's last part, never a built-in group's", () => {
		const domain = '010500000000000515000000a065cf7e784b9b5fe77c8770';
		// Domain Users: S-1-5-21-<domain>-513
		expect(primaryGroupId({ dn: 'CN=Domain Users', objectSid: Buffer.from(domain + '01020000', 'hex') })).toBe('513');
		expect(primaryGroupId({ dn: 'CN=Staff', objectSid: Buffer.from(domain + '50040000', 'hex') })).toBe('1104');
		// BUILTIN\Users (S-1-5-32-545) is nobody's primary group, though its SID ends in a number too.
		expect(primaryGroupId({ dn: 'CN=Users', objectSid: Buffer.from('01020000000000052000000021020000', 'hex') })).toBe(
			undefined,
		);
		// A SID of another shape (S-1-5-21-<rid> alone), none, or bytes that are no SID.
		expect(primaryGroupId({ dn: 'CN=x', objectSid: Buffer.from('01020000000000051500000001020000', 'hex') })).toBe(
			undefined,
		);
		expect(primaryGroupId({ dn: 'CN=x' })).toBeUndefined();
		expect(primaryGroupId({ dn: 'CN=x', objectSid: Buffer.alloc(5) })).toBeUndefined();
	});

	it("finds a person's primary group by the person's objectSid with its last part replaced by primaryGroupID", () => {
		const domain = '010500000000000515000000a065cf7e784b9b5fe77c8770';
		const person = { dn: 'CN=Dave', objectSid: Buffer.from(domain + '50040000', 'hex'), primaryGroupID: '513' };
		const escaped = (hex: string) => hex.replace(/(..)/g, '\\$1');
		expect(primaryGroupFilter(person)).toBe(`(objectSid=${escaped(domain + '01020000')})`);
		expect(primaryGroupFilter({ ...person, primaryGroupID: '4294967295' })).toBe(
			`(objectSid=${escaped(domain + 'ffffffff')})`,
		);
		// No primaryGroupID, one that is no relative id, or no domain SID: nothing to look for.
		for (const other of <Entry[]>[
			{ dn: 'CN=Dave', objectSid: person.objectSid },
			{ ...person, primaryGroupID: '4294967296' },
			{ ...person, primaryGroupID: '51x' },
			{ ...person, objectSid: Buffer.from('01020000000000052000000021020000', 'hex') },
			{ dn: 'CN=Dave', primaryGroupID: '513' },
		])
			expect(primaryGroupFilter(other)).toBeUndefined();
	});

	it('gives Additional Attributes as text: SIDs and GUIDs by name, other bytes as base64, text as it is', () => {
		const guid = Buffer.from('3412000078560000abcdef0123456789', 'hex');
		const entry = {
			dn: 'CN=x',
			objectSid: Buffer.from('01020000000000052000000020020000', 'hex'),
			ObjectGUID: guid,
			thumbnailPhoto: [Buffer.from([0xff, 0xd8, 0xff]), Buffer.from([0x00, 0x01])],
			description: 'plain text',
			otherPager: ['a', 'b'],
		};
		expect(attributeTexts(entry, 'objectSid')).toEqual(['S-1-5-32-544']);
		expect(attributeTexts(entry, 'objectGUID')).toEqual(['00001234-5678-0000-abcd-ef0123456789']);
		expect(attributeTexts(entry, 'thumbnailPhoto')).toEqual(['/9j/', 'AAE=']);
		expect(attributeTexts(entry, 'description')).toEqual(['plain text']);
		expect(attributeTexts(entry, 'otherPager')).toEqual(['a', 'b']);
		expect(attributeTexts(entry, 'missing')).toEqual([]);
	});
});
