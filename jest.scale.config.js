/**
 * `npm run test:scale`: n8n's queue mode (test/scale/: main, two workers and a webhook processor on a throwaway
 * PostgreSQL and Redis): the queue-mode cases and the templates' scenario. Not part of `npm test`: about twelve minutes
 * (each file starts its own PostgreSQL, Redis and four n8n processes; queue-mode.test.ts alone takes eight, most of
 * it waiting for n8n's one-minute polling ticks), more than a test file should add to CI.
 */
module.exports = {
	projects: [
		{
			displayName: 'scale',
			testEnvironment: 'node',
			transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }] },
			testMatch: ['<rootDir>/test/scale/**/*.test.ts'],
			setupFilesAfterEnv: ['<rootDir>/test/support/timeouts/n8n.js'],
		},
	],
	reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
