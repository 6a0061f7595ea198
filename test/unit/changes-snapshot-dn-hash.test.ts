/**
 * The snapshot's DN hash: a rename is a DN whose hash moved, so two spellings of one DN must hash the same and
 * two DNs must not. The fast paths (no normalized text built for a plain DN) must give exactly what the full
 * normalizer gives, for every DN and not only the ones a test thought of: checked over generated DNs.
 */
import fc from 'fast-check';
import { comparableDn, dnHash } from '../../core/changes/snapshot/dn-hash';
import { hash32 } from '../../core/changes/snapshot/hash';
import { isDn, normalizeDn } from '../../core/ldap/dn';

/** A fixed seed: a failure prints its counterexample and reproduces. */
const runs = { seed: 14, numRuns: 200 };

const spaces = fc.constantFrom('', '', ' ', '  ');
const attributeType = fc.constantFrom('cn', 'CN', 'uid', 'ou', 'Ou', 'dc', 'x-1', '2.5.4.3');
const valueChar = fc.constantFrom(
	'a',
	'B',
	'z',
	'0',
	'9',
	' ',
	'.',
	'-',
	'_',
	'é',
	'\\,',
	'\\+',
	'\\2c',
	'"',
	'#',
	'=',
	// Whitespace other than the space: the normalizer makes each run of it one space.
	'\t',
	'\n',
	'\u00a0',
);
const value = fc.array(valueChar, { minLength: 0, maxLength: 6 }).map((chars) => chars.join(''));
const rdn = fc
	.tuple(spaces, attributeType, spaces, spaces, value, spaces)
	.map(([before, type, around, after, text, end]) => `${before}${type}${around}=${after}${text}${end}`);
const separator = fc.constantFrom(',', ',', ', ', ' ,', '+');
const dn = fc
	.tuple(rdn, fc.array(fc.tuple(separator, rdn), { maxLength: 4 }))
	.map(([first, rest]) => first + rest.map(([sep, part]) => sep + part).join(''));
/** Anything a directory or a log may hand over, valid or not: the characters the fast paths look at. */
const anyText = fc
	.array(fc.constantFrom('c', 'N', '=', ',', ' ', '\t', '\\', '+', '#', ';', '<', '"', 'é', '1'), { maxLength: 16 })
	.map((chars) => chars.join(''));

describe('DN hashes', () => {
	it('hash a DN as the hash of its comparable form, whatever the text', () => {
		fc.assert(
			fc.property(fc.oneof(dn, anyText), (text) => dnHash(text) === hash32(comparableDn(text))),
			runs,
		);
	});

	it("the comparable form of a valid DN is the normalizer's (case, spaces around separators and values)", () => {
		fc.assert(
			fc.property(dn, (text) => {
				fc.pre(isDn(text));
				return comparableDn(text) === normalizeDn(text);
			}),
			runs,
		);
	});

	it('two spellings of one DN hash the same; another value or another type does not', () => {
		expect(dnHash(' UID = J.Doe , OU=People,DC=Example ')).toBe(dnHash('uid=j.doe,ou=people,dc=example'));
		expect(dnHash('CN=Smith\\, John,DC=x')).toBe(dnHash('cn=smith\\2c john,dc=x'));
		expect(dnHash('uid=jdoe,ou=people,dc=example')).not.toBe(dnHash('uid=jdoe2,ou=people,dc=example'));
		expect(dnHash('uid=jdoe,ou=people,dc=example')).not.toBe(dnHash('cn=jdoe,ou=people,dc=example'));
		expect(dnHash('uid=jdoe,ou=people')).not.toBe(dnHash('uid=jdoe,ou=people,dc=example'));
	});

	it('a tab, a line break or a no-break space inside a value counts as the space the normalizer makes of it', () => {
		for (const white of ['\t', '\n', '\r', '\u00a0']) {
			const spelled = `cn=Ann${white}Lee,ou=people,dc=example`;
			expect(comparableDn(spelled)).toBe('cn=ann lee,ou=people,dc=example');
			expect(dnHash(spelled)).toBe(dnHash('cn=ann lee,ou=people,dc=example'));
			// Two spellings the normalizer equates also hash the same when only one takes the fast path.
			expect(dnHash(spelled)).toBe(dnHash(`cn=Ann ${white}Lee,ou=people,dc=example`));
		}
	});

	it('text that is no DN is compared trimmed and in lower case', () => {
		expect(comparableDn('  Not A DN ')).toBe('not a dn');
		expect(dnHash('  Not A DN ')).toBe(dnHash('not a dn'));
	});
});
