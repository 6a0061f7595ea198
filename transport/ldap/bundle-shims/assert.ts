/**
 * Stands in for Node's assert module in the ldapts bundle (see gulpfile.js): ldapts and its BER reader (asn1)
 * use three of its checks, on lengths and arguments. Same behaviour: a failed check throws, with the same code.
 */
class AssertionError extends Error {
	readonly code = 'ERR_ASSERTION';

	constructor(message: string) {
		super(message);
		this.name = 'AssertionError';
	}
}

function assert(value: unknown, message?: string): asserts value {
	if (!value) throw new AssertionError(message ?? 'The expression evaluated to a falsy value');
}

assert.ok = assert;
assert.equal = (actual: unknown, expected: unknown, message?: string): void => {
	// assert.equal is the loose comparison (==), as in Node.
	if (actual != expected) throw new AssertionError(message ?? `${String(actual)} == ${String(expected)}`);
};
assert.strictEqual = (actual: unknown, expected: unknown, message?: string): void => {
	if (!Object.is(actual, expected)) throw new AssertionError(message ?? `${String(actual)} === ${String(expected)}`);
};
assert.AssertionError = AssertionError;

export = assert;
