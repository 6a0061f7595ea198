/**
 * `npm run test:scale`: n8n's queue mode (test/scale/: main, two workers and a webhook processor on a throwaway
 * PostgreSQL and Redis). Not part of `npm test`: one file takes about eight minutes, most of it waiting for n8n's
 * one-minute polling ticks and for a killed worker's execution to be given up.
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
