import { isValidAttributeName } from '../../core/directory/attribute-names';
import { escapeDnValue, escapeFilterBytes, escapeFilterValue } from '../../core/ldap/escape';
import { allOf, anyOf, conditionFilter, equalsAny } from '../../core/ldap/filter';
import { ConfigurationError } from '../../core/errors';

describe('escapeFilterValue (RFC 4515)', () => {
	it.each([
		['*', '\\2a'],
		['(', '\\28'],
		[')', '\\29'],
		['\\', '\\5c'],
		['\0', '\\00'],
		['*)(uid=*', '\\2a\\29\\28uid=\\2a'],
		['jdoe', 'jdoe'],
	])('escapes %j as %j', (input, expected) => {
		expect(escapeFilterValue(input)).toBe(expected);
	});

	it('turns non-ASCII into escaped UTF-8 bytes so any server parses it the same', () => {
		expect(escapeFilterValue('Müller')).toBe('M\\c3\\bcller');
	});

	it('escapes every control character, DEL included, and leaves printable ASCII as it is', () => {
		expect(escapeFilterValue('\x1f')).toBe('\\1f');
		expect(escapeFilterValue('\x7f')).toBe('\\7f');
		expect(escapeFilterValue('a\x7fb')).toBe('a\\7fb');
		expect(escapeFilterValue('\n\t')).toBe('\\0a\\09');
		expect(escapeFilterValue('\u0080')).toBe('\\c2\\80');
		const printable = Array.from({ length: 0x7f - 0x20 }, (_, index) => String.fromCharCode(0x20 + index))
			.filter((char) => !'*()\\'.includes(char))
			.join('');
		expect(printable).toContain(' ');
		expect(printable).toContain('~');
		expect(escapeFilterValue(printable)).toBe(printable);
		expect(escapeFilterValue('')).toBe('');
	});
});

describe('escapeFilterBytes (binary values, RFC 4515)', () => {
	it('escapes every byte, the reserved characters, zero and non-ASCII bytes alike', () => {
		expect(escapeFilterBytes(Buffer.from([0x01, 0x2a, 0x28, 0x29, 0x5c, 0x00, 0x41, 0xff, 0x0a]))).toBe(
			'\\01\\2a\\28\\29\\5c\\00\\41\\ff\\0a',
		);
		expect(escapeFilterBytes(new Uint8Array())).toBe('');
	});
});

describe('escapeDnValue (RFC 4514)', () => {
	it.each([
		['Smith, John', 'Smith\\, John'],
		['a+b', 'a\\+b'],
		['#first', '\\#first'],
		[' lead', '\\ lead'],
		['trail ', 'trail\\ '],
		['x=y;z<>"', 'x\\=y\\;z\\<\\>\\"'],
		['back\\slash', 'back\\\\slash'],
		['nul\0', 'nul\\00'],
		['plain', 'plain'],
		['a#b c', 'a#b c'],
		[' ', '\\ '],
		['#', '\\#'],
		['  ', '\\ \\ '],
		['trail#', 'trail#'],
		['', ''],
	])('escapes %j as %j', (input, expected) => {
		expect(escapeDnValue(input)).toBe(expected);
	});
});

describe('attribute names and conditions', () => {
	it('accepts descriptors, OIDs and options, refuses filter syntax', () => {
		expect(isValidAttributeName('msDS-User-Account-Control-Computed')).toBe(true);
		expect(isValidAttributeName('2.5.4.3')).toBe(true);
		expect(isValidAttributeName('member;range=0-1499')).toBe(false);
		expect(isValidAttributeName('cn;lang-en')).toBe(true);
		expect(isValidAttributeName('uid=*)(cn')).toBe(false);
		expect(isValidAttributeName('')).toBe(false);
	});

	it('builds each operator with the value escaped', () => {
		expect(conditionFilter({ attribute: 'ou', operator: 'equals', value: 'R&D (EU)' })).toBe('(ou=R&D \\28EU\\29)');
		expect(conditionFilter({ attribute: 'l', operator: 'startsWith', value: 'Ber*' })).toBe('(l=Ber\\2a*)');
		expect(conditionFilter({ attribute: 'l', operator: 'endsWith', value: 'lin' })).toBe('(l=*lin)');
		expect(conditionFilter({ attribute: 'title', operator: 'contains', value: 'Manager' })).toBe('(title=*Manager*)');
		expect(conditionFilter({ attribute: 'mobile', operator: 'present' })).toBe('(mobile=*)');
		expect(conditionFilter({ attribute: 'mobile', operator: 'notPresent' })).toBe('(!(mobile=*))');
	});

	it('names the field when an attribute name is not one', () => {
		expect(() => conditionFilter({ attribute: 'ou)(uid=*', operator: 'equals', value: 'x' })).toThrow(
			ConfigurationError,
		);
		expect(() => conditionFilter({ attribute: 'ou)(uid=*', operator: 'equals', value: 'x' })).toThrow(
			/^Conditions "ou\)\(uid=\*" is not a valid LDAP attribute name/,
		);
	});
});

describe('joining filter components', () => {
	it('joins several with & or |, keeps a single one as it is, and drops empty ones', () => {
		expect(allOf(['(a=1)', '(b=2)'])).toBe('(&(a=1)(b=2))');
		expect(anyOf(['(a=1)', '(b=2)'])).toBe('(|(a=1)(b=2))');
		expect(allOf(['', '(a=1)', ''])).toBe('(a=1)');
		expect(anyOf(['(a=1)', ''])).toBe('(a=1)');
		expect(allOf(['(a=1)', '', '(b=2)'])).toBe('(&(a=1)(b=2))');
		expect(anyOf(['', '(b=2)', '(c=3)'])).toBe('(|(b=2)(c=3))');
	});

	it('ORs one equality per value, each escaped', () => {
		expect(equalsAny('cn', ['Sales', 'R*D'])).toBe('(|(cn=Sales)(cn=R\\2aD))');
		expect(equalsAny('cn', ['Only'])).toBe('(cn=Only)');
	});

	it('refuses an unknown operator naming the field, and treats a missing value as empty', () => {
		expect(() =>
			conditionFilter({ attribute: 'ou', operator: 'near' as never, value: 'x' }, 'User Conditions'),
		).toThrow(/^User Conditions has an unknown operator "near"/);
		expect(conditionFilter({ attribute: 'ou', operator: 'equals' })).toBe('(ou=)');
	});
});
