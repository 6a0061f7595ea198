/**
 * SeenIds (core/seen-ids.ts): what an audience keeps to return each person once, as 96-bit hashes in one typed
 * array. It answers as a Set of the texts does, and its size per person stays within 24 to 48 bytes.
 */
import fc from 'fast-check';

import { SeenIds } from '../../core/seen-ids';

const uuid = (index: number) =>
	`9f0c${index.toString(16).padStart(8, '0')}-1c2d-4e5f-8a9b-${(index * 7919).toString(16).padStart(12, '0')}`;

describe('SeenIds', () => {
	test('answers as a Set of the texts does', () => {
		fc.assert(
			fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 12 }), { maxLength: 400 }), (texts) => {
				const seen = new SeenIds();
				const set = new Set<string>();
				for (const text of texts) {
					expect(seen.has(text)).toBe(set.has(text));
					expect(seen.add(text)).toBe(!set.has(text));
					set.add(text);
					expect(seen.has(text)).toBe(true);
				}
				expect(seen.size).toBe(set.size);
			}),
		);
	});

	test('a million people: none taken for another, each repeat seen, 24 to 48 bytes a person', () => {
		const seen = new SeenIds();
		const people = 1_000_000;
		let takenForAnother = 0;
		for (let index = 0; index < people; index++) if (!seen.add(uuid(index))) takenForAnother++;
		expect(takenForAnother).toBe(0);
		let repeatsMissed = 0;
		for (let index = 0; index < people; index += 997) if (seen.add(uuid(index))) repeatsMissed++;
		expect(repeatsMissed).toBe(0);
		expect(seen.has(uuid(people))).toBe(false);
		expect(seen.size).toBe(people);
		expect(seen.byteLength / people).toBeGreaterThanOrEqual(24);
		expect(seen.byteLength / people).toBeLessThanOrEqual(48);
	});

	test('the empty text and texts whose hashes are small are kept like any other', () => {
		const seen = new SeenIds();
		for (const text of ['', '\u0000', '\u0000\u0000', 'a']) expect(seen.add(text)).toBe(true);
		for (const text of ['', '\u0000', '\u0000\u0000', 'a']) expect(seen.has(text)).toBe(true);
		expect(seen.size).toBe(4);
	});
});
