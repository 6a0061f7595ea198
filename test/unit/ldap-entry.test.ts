import fc from 'fast-check';
import type { Entry } from '../../transport/ldap/ldapts';
import { attributeValue, attributeValues, rawValue } from '../../core/ldap/entry';

/** An entry as ldapts hands one out: its attribute names in the server's case, values bare, in arrays, or Buffers. */
const entryOf = (attributes: Record<string, string | Buffer | Array<string | Buffer>>): Entry =>
	({ dn: 'uid=x,dc=example,dc=com', ...attributes }) as unknown as Entry;

describe('core/ldap/entry: reading attributes in any case of their names', () => {
	const entry = entryOf({
		entryUUID: 'a1b2',
		mail: ['one@example.com', 'two@example.com'],
		photo: Buffer.from('caf\u00e9'),
		empty: [],
		sn: 'Same Length',
	});

	it('finds an attribute by its exact name or in another case', () => {
		expect(attributeValue(entry, 'entryUUID')).toBe('a1b2');
		expect(attributeValue(entry, 'ENTRYUUID')).toBe('a1b2');
		expect(attributeValue(entry, 'entryuuid')).toBe('a1b2');
		expect(rawValue(entry, 'MAIL')).toEqual(['one@example.com', 'two@example.com']);
	});

	it('gives the first of several values, text for a Buffer, and nothing for an absent or empty attribute', () => {
		expect(attributeValue(entry, 'mail')).toBe('one@example.com');
		expect(attributeValue(entry, 'photo')).toBe('caf\u00e9');
		expect(attributeValue(entry, 'empty')).toBeUndefined();
		expect(attributeValue(entry, 'pwdAccountLockedTime')).toBeUndefined();
		// A name of the same length that is another attribute does not match.
		expect(attributeValue(entry, 'cn')).toBeUndefined();
	});

	it('does not read properties the entry does not own', () => {
		const inherited = Object.assign(Object.create({ title: 'Inherited' }) as object, { dn: 'uid=y' }) as Entry;
		expect(rawValue(inherited, 'TITLE')).toBeUndefined();
	});

	it('attributeValue is always the first of attributeValues, whatever the names, cases and values', () => {
		const name = fc.constantFrom('cn', 'CN', 'Cn', 'mail', 'MAIL', 'title', 'l', 'sn', 'SN', 'uid');
		const value = fc.oneof(
			fc.string(),
			fc.uint8Array({ maxLength: 6 }).map((bytes) => Buffer.from(bytes)),
			fc.array(
				fc.oneof(
					fc.string(),
					fc.uint8Array({ maxLength: 6 }).map((bytes) => Buffer.from(bytes)),
				),
				{
					maxLength: 3,
				},
			),
		);
		fc.assert(
			fc.property(fc.dictionary(name, value), name, (attributes, asked) => {
				const read = entryOf(attributes);
				expect(attributeValue(read, asked)).toEqual(attributeValues(read, asked)[0]);
			}),
		);
	});
});
