/** Three projects: fast unit tests, integration tests against a real slapd, and end-to-end tests in a real n8n. */
const tsJest = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }] };
const project = (name, dir, timeout) => ({
	displayName: name,
	testEnvironment: 'node',
	transform: tsJest,
	testMatch: [`<rootDir>/test/${dir}/**/*.test.ts`],
	testTimeout: timeout,
});

module.exports = {
	projects: [
		project('unit', 'unit', 10_000),
		project('integration', 'integration', 120_000),
		project('n8n', 'n8n', 900_000),
	],
	reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
