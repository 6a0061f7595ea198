/** Three projects: fast unit tests, integration tests against a real slapd, and end-to-end tests in a real n8n. */
const tsJest = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }] };
const project = (name, dir) => ({
	displayName: name,
	testEnvironment: 'node',
	transform: tsJest,
	testMatch: [`<rootDir>/test/${dir}/**/*.test.ts`],
	// jest ignores testTimeout inside a project's config; a setup file sets it instead.
	setupFilesAfterEnv: [`<rootDir>/test/support/timeouts/${name}.js`],
});

module.exports = {
	projects: [
		project('unit', 'unit'),
		project('integration', 'integration'),
		project('n8n', 'n8n'),
	],
	reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
