/**
 * The snapshot's DN hash: a rename is a DN whose hash moved, so two spellings of one DN must hash the same and
 * two DNs must not. The fast paths (no normalized text built for a plain DN) must give exactly what the full
 * normalizer gives, for every DN and not only the ones a test thought of: checked over generated DNs.
 */
import fc from 'fast-check';
import { comparableDn, dnHash } from '../../core/changes/snapshot/dn-hash';
import * as hash from '../../core/changes/snapshot/hash';
import * as dnModule from '../../core/ldap/dn';

const { hash32 } = hash;
const { isDn, normalizeDn } = dnModule;

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
	.array(
		fc.constantFrom('c', 'N', '=', ',', ' ', '\t', '\r', '\u00a0', '\\', '+', '#', ';', '<', '>', '"', 'é', 'É', '1'),
		{ maxLength: 16 },
	)
	.map((chars) => chars.join(''));

/** A plain DN, as nearly every directory writes them: ASCII types and values, no escapes, single spaces. */
const plainWord = fc
	.array(fc.constantFrom('a', 'Z', 'q', '0', '7', '.', '-', '_', '@'), { minLength: 1, maxLength: 5 })
	.map((chars) => chars.join(''));
const plainValue = fc.array(plainWord, { minLength: 1, maxLength: 3 }).map((words) => words.join(' '));
const plainRdn = fc
	.tuple(
		fc.constantFrom('', ' '),
		fc.constantFrom('cn', 'UID', 'ou', 'dc', 'x-1'),
		fc.constantFrom('', ' '),
		plainValue,
	)
	.map(([before, type, around, text]) => `${before}${type}${around}=${around}${text}${before}`);
const plainDn = fc.array(plainRdn, { minLength: 1, maxLength: 5 }).map((rdns) => rdns.join(','));

describe('DN hashes', () => {
	it('hash a plain DN without building its normalized text, and compare it without the full parser', () => {
		// A reconciliation hashes every user's DN: the fast paths are what keeps it within its time.
		const texts = jest.spyOn(hash, 'hash32');
		const parser = jest.spyOn(dnModule, 'normalizeDn');
		try {
			fc.assert(
				fc.property(plainDn, (text) => {
					dnHash(text);
					comparableDn(text);
				}),
				runs,
			);
			expect(texts).not.toHaveBeenCalled();
			expect(parser).not.toHaveBeenCalled();
		} finally {
			texts.mockRestore();
			parser.mockRestore();
		}
		fc.assert(
			fc.property(plainDn, (text) => dnHash(text) === hash32(normalizeDn(text))),
			runs,
		);
	});

	it('hash a DN as the hash of its comparable form, whatever the text', () => {
		fc.assert(
			fc.property(fc.oneof(dn, anyText), (text) => dnHash(text) === hash32(comparableDn(text))),
			runs,
		);
	});

	it('hash the edge cases of the fast path as the comparable form: whitespace of every kind, empty or odd parts', () => {
		const edges = [
			...['\t', '\n', '\u000b', '\f', '\r', ' ', '\b', '\u000e', '\u00a0'].flatMap((space) => [
				`cn=a${space},dc=x`,
				`${space}cn=a,dc=x`,
				`cn=${space}a`,
			]),
			...['"', '+', '#', ';', '<', '>', '\\'].flatMap((special) => [`cn = a${special}b , dc = x`, `cn = ${special}a`]),
			'CN=Z,DC=Y',
			',cn = A',
			'cn = a,, dc = x',
			'=a , dc = x',
			' =a , dc = x',
			'cn=a, b ,c=d',
			'cn=a=b , dc=x',
			'cn = a , dc = x,',
		];
		for (const text of edges) expect([text, dnHash(text)]).toEqual([text, hash32(comparableDn(text))]);
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
		// A part without a type, or without any `=`: no DN either, so not taken apart.
		expect(comparableDn('=A , dc=X')).toBe('=a , dc=x');
		expect(comparableDn('CN=a, B ')).toBe('cn=a, b');
		expect(dnHash('  Not A DN ')).toBe(dnHash('not a dn'));
	});
});
