/**
 * Five projects: fast unit tests, integration tests against real directory servers, end-to-end tests in a real n8n,
 * the same package in n8n's queue mode (main, workers and a webhook processor on PostgreSQL and Redis), and the n8n
 * editor in a real (headless) Chromium.
 */
const tsJest = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }] };
const project = (name, dir, timeouts = name) => ({
	displayName: name,
	testEnvironment: 'node',
	transform: tsJest,
	testMatch: [`<rootDir>/test/${dir}/**/*.test.ts`],
	// jest ignores testTimeout inside a project's config; a setup file sets it instead.
	setupFilesAfterEnv: [`<rootDir>/test/support/timeouts/${timeouts}.js`],
});

module.exports = {
	projects: [
		project('unit', 'unit'),
		project('integration', 'integration'),
		project('n8n', 'n8n'),
		project('scale', 'scale', 'n8n'),
		project('editor', 'editor', 'n8n'),
	],
	reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
