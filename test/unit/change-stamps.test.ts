import fc from 'fast-check';
import { comparableStamp } from '../../core/changes/change-stamps';

describe('comparableStamp: a change stamp cut to its second, comparable as text', () => {
	it('keeps a CSN whole, cuts a generalized time to its second, leaves other text as it is', () => {
		expect(comparableStamp('20261207003415.123456Z#000000#000#000000')).toBe(
			'20261207003415.123456Z#000000#000#000000',
		);
		expect(comparableStamp('20261207003415Z')).toBe('20261207003415Z');
		expect(comparableStamp('20261207003415.000061Z')).toBe('20261207003415Z');
		expect(comparableStamp('20261207003415+0100')).toBe('20261207003415Z');
		expect(comparableStamp('2026120700341')).toBe('2026120700341');
		expect(comparableStamp('')).toBe('');
	});

	it('gives what the earlier regular-expression form gave, for any text', () => {
		// The form this replaced (a match per call); kept here as the reference.
		const reference = (value: string): string => {
			if (value.includes('#')) return value;
			const match = /^(\d{14})/.exec(value);
			return match ? `${match[1]}Z` : value;
		};
		fc.assert(
			fc.property(fc.oneof(fc.stringMatching(/^\d{10,18}/), fc.string()), fc.string(), (start, rest) => {
				expect(comparableStamp(`${start}${rest}`)).toBe(reference(`${start}${rest}`));
			}),
		);
	});
});
