/**
 * The edges of DN parsing (RFC 4514) and filter compilation (RFC 4515): what each accepts and how it reads it,
 * what each refuses and what the message says, so that a DN or filter a user typed is either read exactly or
 * refused with a message that helps.
 */
import {
	AndFilter,
	ApproximateFilter,
	EqualityFilter,
	ExtensibleFilter,
	GreaterThanEqualsFilter,
	LessThanEqualsFilter,
	OrFilter,
	PresenceFilter,
	SubstringFilter,
} from 'ldapts';
import { ConfigurationError } from '../../core/errors';
import { decodeUtf8, formatDn, isDn, normalizeDn, parentDn, parseDn } from '../../core/ldap/dn';
import { compileFilter } from '../../transport/ldap/filter-compiler';

const messageOf = (action: () => unknown): string => {
	try {
		action();
	} catch (error) {
		return (error as Error).message;
	}
	throw new Error('no error');
};

describe('DN parsing', () => {
	test('attribute types: descriptors, numeric OIDs with or without the oid. prefix', () => {
		expect(parseDn('oid.2.5.4.3=Sales')[0][0]).toEqual({ type: '2.5.4.3', value: 'Sales' });
		expect(parseDn('OID.2.5.4.3=Sales')[0][0].type).toBe('2.5.4.3');
		expect(parseDn('ms-DS-x1=v')[0][0].type).toBe('ms-DS-x1');
		for (const dn of ['1=x', '1cn=x', '-cn=x', 'c.n=x', '2.5.=x']) expect(isDn(dn)).toBe(false);
		expect(messageOf(() => parseDn('1cn=x'))).toMatch(/"1cn" is not an attribute type/);
		expect(messageOf(() => parseDn(' =x', 'Base DN'))).toMatch(/^Base DN .*an attribute type is missing at position 2/);
		expect(messageOf(() => parseDn('cn x'))).toMatch(/"=" expected after "cn"/);
	});

	test('spaces around types, = and separators are ignored; trailing unescaped spaces of a value dropped', () => {
		expect(parseDn('  cn  =  Jane Doe   ,  dc = com ')).toEqual([
			[{ type: 'cn', value: 'Jane Doe' }],
			[{ type: 'dc', value: 'com' }],
		]);
		expect(parseDn('cn=a\\ ,dc=com')[0][0].value).toBe('a ');
		expect(parseDn('cn=a\\20 \\20 ,dc=com')[0][0].value).toBe('a   ');
		expect(parseDn('cn=   ')[0][0].value).toBe('');
	});

	test('escapes: special characters, spaces and hex pairs; anything else is refused', () => {
		expect(parseDn('cn=\\#1\\=\\+\\;\\<\\>\\"\\\\')[0][0].value).toBe('#1=+;<>"\\');
		expect(parseDn('cn=\\41\\62c')[0][0].value).toBe('Abc');
		expect(parseDn('cn=\\4A\\4a')[0][0].value).toBe('JJ');
		expect(messageOf(() => parseDn('cn=a\\4'))).toMatch(/"\\4" is not a valid escape/);
		expect(messageOf(() => parseDn('cn=a\\4g'))).toMatch(/"\\4" is not a valid escape/);
		expect(messageOf(() => parseDn('cn=a\\'))).toMatch(/lone backslash/);
		expect(messageOf(() => parseDn('cn=a\\00b'))).toMatch(/NUL/);
		expect(messageOf(() => parseDn('cn=a\u0000b'))).toMatch(/NUL/);
		expect(messageOf(() => parseDn('cn=\\c3'))).toMatch(/not valid UTF-8/);
		for (const char of ['"', ';', '<', '>']) {
			expect(messageOf(() => parseDn(`cn=a${char}b`))).toContain(`"${char}" must be escaped as "\\${char}"`);
		}
	});

	test('hex values: an even number of hex digits, lower-cased, then a separator or the end', () => {
		expect(parseDn('cn=#04AB,dc=com')).toEqual([[{ type: 'cn', value: '#04ab' }], [{ type: 'dc', value: 'com' }]]);
		expect(parseDn('cn=#0102  +sn=x')[0]).toEqual([
			{ type: 'cn', value: '#0102' },
			{ type: 'sn', value: 'x' },
		]);
		for (const dn of ['cn=#', 'cn=#123', 'cn=#12,', 'cn=#zz']) expect(isDn(dn)).toBe(false);
		expect(messageOf(() => parseDn('cn=#0a x'))).toMatch(/unexpected "x" after a hex value/);
		expect(messageOf(() => parseDn('cn=#abc'))).toMatch(/even number of hex digits/);
	});

	test('separators: "," between RDNs, "+" inside one; a trailing "," or another character is refused', () => {
		expect(parseDn('cn=a+sn=b+uid=c')).toHaveLength(1);
		expect(parseDn('cn=a+sn=b+uid=c')[0]).toHaveLength(3);
		expect(parseDn('cn=a,sn=b,uid=c')).toHaveLength(3);
		expect(messageOf(() => parseDn('cn=a,  '))).toMatch(/ends with ","/);
		expect(messageOf(() => parseDn('cn=#01;x'))).toMatch(/unexpected ";" after a hex value/);
	});

	test('the root DSE is the empty DN: no RDNs, and not a DN an entry can have', () => {
		expect(parseDn('   ')).toEqual([]);
		expect(isDn('')).toBe(false);
		expect(isDn('dc=com')).toBe(true);
		expect(parentDn('dc=com')).toBe('');
		expect(parentDn('cn=a+sn=b,ou=x\\,y,dc=com')).toBe('ou=x\\,y,dc=com');
	});

	test('an error shows the DN with control characters visible and a long DN cut', () => {
		expect(messageOf(() => parseDn('cn=a\u0001"'))).toContain('"cn=a\\01""');
		expect(messageOf(() => parseDn('cn=a\u007f"'))).toContain('cn=a\\7f"');
		const long = `cn=${'x'.repeat(300)}"`;
		const message = messageOf(() => parseDn(long));
		expect(message).toContain(`"cn=${'x'.repeat(197)}…"`);
		expect(message).not.toContain('x'.repeat(198));
		expect(messageOf(() => parseDn(`cn=${'y'.repeat(196)};`))).toContain(`"cn=${'y'.repeat(196)};"`);
	});

	test('normalized DNs ignore case and runs of spaces, and escape the one way', () => {
		expect(normalizeDn('CN=Jane   Doe ,OU=People')).toBe('cn=jane doe,ou=people');
		expect(normalizeDn('cn=\\#x\\ ,dc=com')).toBe('cn=\\#x,dc=com');
		expect(normalizeDn('sn=B+cn=a')).toBe('cn=a+sn=b');
		expect(() => normalizeDn('cn=a;', 'Group DN')).toThrow(/^Group DN /);
	});

	test('a DN may end in a hex value; one that ends in a bare attribute type is refused', () => {
		expect(parseDn('cn=x,uid=#0401')).toEqual([[{ type: 'cn', value: 'x' }], [{ type: 'uid', value: '#0401' }]]);
		expect(parseDn('cn=#0401  ')[0][0].value).toBe('#0401');
		expect(messageOf(() => parseDn('cn=a,dc'))).toMatch(/"=" expected after "dc"/);
		expect(isDn('cn')).toBe(false);
	});

	test('an attribute type is named as typed in the message, even when it contains "oid."', () => {
		expect(messageOf(() => parseDn('xoid.2.5.4.3=x'))).toMatch(/"xoid\.2\.5\.4\.3" is not an attribute type/);
	});

	test('without a field name, the messages of parseDn, normalizeDn and parentDn name the DN', () => {
		for (const read of [parseDn, normalizeDn, parentDn]) {
			const error = (() => {
				try {
					read('cn=a;');
				} catch (caught) {
					return caught;
				}
				throw new Error('no error');
			})();
			expect(error).toBeInstanceOf(ConfigurationError);
			expect((error as ConfigurationError).field).toBe('DN');
			expect((error as Error).message).toMatch(/^DN "cn=a;" is not a valid DN/);
		}
	});

	test('formatDn writes a multi-valued RDN joined with "+" and RDNs joined with ","', () => {
		expect(formatDn(parseDn('cn=a+sn=b\\+c,dc=com'))).toBe('cn=a+sn=b\\+c,dc=com');
		expect(parentDn('uid=x,cn=a+sn=b,dc=com')).toBe('cn=a+sn=b,dc=com');
	});

	test('decodeUtf8 gives the text of valid UTF-8 and nothing for invalid bytes', () => {
		expect(decodeUtf8(Buffer.from('Zoë', 'utf8'))).toBe('Zoë');
		expect(decodeUtf8(Buffer.from([0xc3]))).toBeUndefined();
	});
});

describe('filter compilation', () => {
	test('ordering and approximate matches', () => {
		expect(compileFilter('(uidNumber>=1000)')).toEqual(
			new GreaterThanEqualsFilter({ attribute: 'uidNumber', value: '1000' }),
		);
		expect(compileFilter('(uidNumber<=2000)')).toEqual(
			new LessThanEqualsFilter({ attribute: 'uidNumber', value: '2000' }),
		);
		expect(compileFilter('(cn~=jon)')).toEqual(new ApproximateFilter({ attribute: 'cn', value: 'jon' }));
		expect(messageOf(() => compileFilter('(cn>=a*)'))).toMatch(/"\*" is not allowed here/);
		expect(messageOf(() => compileFilter('(cn~=\\ff)'))).toMatch(/only an equality match may compare binary values/);
	});

	test('presence, equality with an empty value, and substrings with empty parts skipped', () => {
		expect(compileFilter('(mail=*)')).toEqual(new PresenceFilter({ attribute: 'mail' }));
		expect(compileFilter('(mail=)')).toEqual(new EqualityFilter({ attribute: 'mail', value: '' }));
		expect(compileFilter('(cn=ab*)')).toMatchObject({ initial: 'ab', any: [], final: '' });
		expect(compileFilter('(cn=*yz)')).toMatchObject({ initial: '', any: [], final: 'yz' });
		expect(compileFilter('(cn=*a**b*)')).toMatchObject({ initial: '', any: ['a', 'b'], final: '' });
		expect(compileFilter('(cn=x*\\2a*y)')).toMatchObject({ initial: 'x', any: ['*'], final: 'y' });
		expect(compileFilter('(cn=a*b)')).toBeInstanceOf(SubstringFilter);
		expect(compileFilter('(cn=**x)')).toEqual(
			new SubstringFilter({ attribute: 'cn', initial: '', any: [], final: 'x' }),
		);
		expect(messageOf(() => compileFilter('(cn=\\ff*)'))).toMatch(/binary/);
	});

	test('extensible matches: attribute, dn flag and rule in the orders RFC 4515 allows', () => {
		expect(compileFilter('(cn:=Jane)')).toEqual(
			new ExtensibleFilter({ matchType: 'cn', rule: '', dnAttributes: false, value: 'Jane' }),
		);
		expect(compileFilter('(:2.5.13.5:=x)')).toMatchObject({ matchType: '', rule: '2.5.13.5', dnAttributes: false });
		expect(compileFilter('(:DN:2.5.13.5:=x)')).toMatchObject({ rule: '2.5.13.5', dnAttributes: true });
		expect(compileFilter('(cn:dn:caseExactMatch:=x)')).toMatchObject({
			matchType: 'cn',
			rule: 'caseExactMatch',
			dnAttributes: true,
		});
		expect(messageOf(() => compileFilter('(:=x)'))).toMatch(/needs an attribute or a matching rule/);
		expect(messageOf(() => compileFilter('(:dn:=x)'))).toMatch(/needs an attribute or a matching rule/);
		expect(messageOf(() => compileFilter('(cn:1.2:3.4:=x)'))).toMatch(/unexpected "3.4" in an extensible match/);
		expect(messageOf(() => compileFilter('(cn::=x)'))).toMatch(/matching rule expected at position 4/);
	});

	test('and, or with any number of parts; surrounding spaces ignored', () => {
		expect(compileFilter('(&)')).toEqual(new AndFilter({ filters: [] }));
		expect(compileFilter('  (|(a=1)(b=2)(c=3))  ')).toEqual(
			new OrFilter({
				filters: ['a', 'b', 'c'].map((attribute, index) => new EqualityFilter({ attribute, value: String(index + 1) })),
			}),
		);
	});

	test('attribute descriptions: options and numeric OIDs, nothing else', () => {
		expect(compileFilter('(2.5.4.3=x)')).toMatchObject({ attribute: '2.5.4.3' });
		expect(compileFilter('(cn;binary;lang-de=x)')).toMatchObject({ attribute: 'cn;binary;lang-de' });
		expect(() => compileFilter('(1cn=x)')).toThrow(/"=" expected at position 2/);
		expect(messageOf(() => compileFilter('(=x)'))).toMatch(/attribute expected at position 1/);
	});

	test('in an extensible match the dn flag comes before the rule, and the value may hold no "*"', () => {
		expect(messageOf(() => compileFilter('(cn:caseExactMatch:dn:=x)'))).toMatch(
			/unexpected "dn" in an extensible match/,
		);
		expect(messageOf(() => compileFilter('(cn:=a*)'))).toMatch(/"\*" is not allowed here \(position 6\)/);
	});

	test('a message says "end of filter" only at the end, and nothing else there', () => {
		expect(messageOf(() => compileFilter('x'))).toBe('Filter is not a valid LDAP filter: "(" expected at position 0');
	});

	test('only a filter that breaks the syntax becomes a ConfigurationError; a filter that is no text at all is a bug', () => {
		expect(() => compileFilter(42 as unknown as string)).toThrow(TypeError);
	});

	test('errors name the field and where the filter went wrong', () => {
		expect(messageOf(() => compileFilter('(cn=x', 'User Filter'))).toMatch(
			/^User Filter is not a valid LDAP filter: "\)" expected at position 5 \(end of filter\)/,
		);
		expect(messageOf(() => compileFilter('(cn=x)y'))).toMatch(/^Filter .*unexpected text after position 6/);
		expect(messageOf(() => compileFilter('(cn=x)(cn=y)'))).toMatch(/unexpected text after position 6/);
		expect(messageOf(() => compileFilter('x'))).not.toMatch(/end of filter/);
		expect(messageOf(() => compileFilter('(cn=a(b)'))).toMatch(/"\(" must be escaped at position 5/);
		expect(messageOf(() => compileFilter('(cn=a\u0000)'))).toMatch(/"\\0" must be escaped at position 5/);
		expect(messageOf(() => compileFilter('(cn=\\4)'))).toMatch(/"\\4\)" is not a valid escape at position 4/);
	});
});
