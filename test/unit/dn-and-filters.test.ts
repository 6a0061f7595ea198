import {
	AndFilter,
	EqualityFilter,
	ExtensibleFilter,
	NotFilter,
	OrFilter,
	PresenceFilter,
	SubstringFilter,
	type Filter,
} from 'ldapts';
import { ConfigurationError } from '../../core/errors';
import { formatDn, isDn, normalizeDn, parentDn, parseDn } from '../../core/ldap/dn';
import { escapeFilterValue } from '../../core/ldap/escape';
import { compileFilter } from '../../transport/ldap/filter-compiler';
import { guidToBytes, guidToString } from '../../core/ldap/flavours/active-directory';
import { profileFor } from '../../core/ldap/flavours';
import { PrivilegedGroups } from '../../core/ldap/groups';
import { idFilter } from '../../core/ldap/identifiers';

describe('DNs (RFC 4514)', () => {
	it('parses types, escaped values, hex pairs, multi-valued RDNs and spaces around separators', () => {
		expect(parseDn('cn=Smith\\, John + uid=js , ou=People,dc=example,dc=com')).toEqual([
			[
				{ type: 'cn', value: 'Smith, John' },
				{ type: 'uid', value: 'js' },
			],
			[{ type: 'ou', value: 'People' }],
			[{ type: 'dc', value: 'example' }],
			[{ type: 'dc', value: 'com' }],
		]);
		expect(parseDn('cn=S\\c3\\a3o Paulo Office,ou=groups')[0][0].value).toBe('São Paulo Office');
		expect(parseDn('cn=São Paulo 🏢,ou=x')[0][0].value).toBe('São Paulo 🏢');
		expect(parseDn('cn=\\ lead\\20,ou=x')[0][0].value).toBe(' lead ');
		expect(parseDn('1.3.6.1.4.1.1466.0=#04024869,dc=com')[0][0]).toEqual({
			type: '1.3.6.1.4.1.1466.0',
			value: '#04024869',
		});
		expect(parseDn('cn=a=b,dc=com')[0][0].value).toBe('a=b');
		expect(parseDn('')).toEqual([]);
	});

	it.each([
		'not a dn',
		'cn=x,,dc=com',
		'cn=x,',
		'cn=a\\',
		'cn=a\\zz',
		'cn=a"b',
		'cn=a;b',
		'cn=a<b',
		'cn=a\0b',
		'=x',
		'c n=x',
		'cn=\\ff\\fe',
	])('refuses %j with a message that names the field', (dn) => {
		expect(() => parseDn(dn, 'Group')).toThrow(ConfigurationError);
		expect(() => parseDn(dn, 'Group')).toThrow(/^Group ".*" is not a valid DN: /);
		expect(isDn(dn)).toBe(false);
	});

	it('normalizes for comparison, and formats back', () => {
		expect(normalizeDn('CN=Domain  Admins, OU=Groups,DC=Example,DC=Com')).toBe(
			normalizeDn('cn=domain admins,ou=groups,dc=example,dc=com'),
		);
		expect(normalizeDn('uid=b+cn=a,dc=x')).toBe(normalizeDn('cn=A + uid=B,dc=x'));
		expect(normalizeDn('cn=a\\2cb,dc=x')).toBe('cn=a\\,b,dc=x');
		expect(parentDn('cn=x,ou=groups,dc=example')).toBe('ou=groups,dc=example');
		expect(formatDn(parseDn('cn=Smith\\, John,dc=x'))).toBe('cn=Smith\\, John,dc=x');
	});

	it('recognises privileged groups by name or DN in any spelling', () => {
		const privileged = new PrivilegedGroups([
			'Domain Admins',
			'CN=Security Administrators, OU=Groups, DC=example, DC=com',
			' ',
		]);
		expect(privileged.matches('cn=Domain Admins,ou=groups,dc=example,dc=com', 'domain admins')).toBe(true);
		expect(
			privileged.matches('cn=security administrators,ou=groups,dc=example,dc=com', 'Security Administrators'),
		).toBe(true);
		expect(privileged.matches('cn=Security Administrators,ou=other,dc=example,dc=com', 'Sec')).toBe(false);
		expect(privileged.matches('cn=All Staff,ou=groups,dc=example,dc=com', 'All Staff')).toBe(false);
	});
});

describe('filter compilation (escapes are bytes)', () => {
	const only = (filter: Filter) => filter as EqualityFilter;

	it('decodes escaped UTF-8 bytes into the text they encode', () => {
		const filter = only(compileFilter(`(l=${escapeFilterValue('São Paulo')})`));
		expect(filter).toBeInstanceOf(EqualityFilter);
		expect(filter.value).toBe('São Paulo');
		expect(only(compileFilter('(cn=Müller)')).value).toBe('Müller');
	});

	it('keeps escaped special characters as data', () => {
		const value = '*)(uid=*\\\0(';
		const filter = only(compileFilter(`(uid=${escapeFilterValue(value)})`));
		expect(filter).toBeInstanceOf(EqualityFilter);
		expect(filter.value).toBe(value);
	});

	it('builds and/or/not, presence, substrings and extensible matches', () => {
		const filter = compileFilter(
			'(&(objectClass=inetOrgPerson)(|(cn=a*b*c)(!(mail=*)))(userAccountControl:1.2.840.113556.1.4.803:=2)(cn;lang-en=x))',
		);
		expect(filter).toBeInstanceOf(AndFilter);
		const [oc, or, extensible, ranged] = (filter as AndFilter).filters;
		expect(oc).toBeInstanceOf(EqualityFilter);
		expect(or).toBeInstanceOf(OrFilter);
		const [substring, not] = (or as OrFilter).filters;
		expect(substring).toMatchObject({ attribute: 'cn', initial: 'a', any: ['b'], final: 'c' });
		expect(substring).toBeInstanceOf(SubstringFilter);
		expect((not as NotFilter).filter).toBeInstanceOf(PresenceFilter);
		expect(extensible).toBeInstanceOf(ExtensibleFilter);
		expect(extensible).toMatchObject({
			matchType: 'userAccountControl',
			rule: '1.2.840.113556.1.4.803',
			value: '2',
			dnAttributes: false,
		});
		expect(ranged).toMatchObject({ attribute: 'cn;lang-en', value: 'x' });
		expect(compileFilter('(ou:dn:=Sales)')).toMatchObject({ matchType: 'ou', dnAttributes: true, value: 'Sales' });
	});

	it.each(['', 'cn=x', '(cn=x', '(cn=x))', '(cn=a(b)', '(cn=\\zz)', '(=x)', '(&(cn=x)', '(cn>=a*)'])(
		'refuses %j',
		(text) => {
			expect(() => compileFilter(text)).toThrow(ConfigurationError);
		},
	);

	it('sends an AD objectGUID as its 16 raw bytes', () => {
		const bytes = Buffer.from('3f2504e04f8941d39a0c0305e82c3301', 'hex');
		const text = guidToString(bytes);
		expect(guidToBytes(text)).toEqual(bytes);
		expect(guidToBytes(`{${text.toUpperCase()}}`)).toEqual(bytes);
		expect(guidToBytes('not-a-guid')).toBeUndefined();
		const filter = only(compileFilter(idFilter(profileFor('activeDirectory'), 'objectGUID', text)));
		expect(Buffer.isBuffer(filter.value)).toBe(true);
		expect(filter.value).toEqual(bytes);
		expect(compileFilter(idFilter(profileFor('activeDirectory'), 'objectGUID', '*'))).toBeInstanceOf(NotFilter);
		expect(only(compileFilter(idFilter(profileFor('openLdap'), 'entryUUID', 'a*b'))).value).toBe('a*b');
	});
});
