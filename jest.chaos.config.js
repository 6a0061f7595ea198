/**
 * `npm run chaos`: the chaos suites in test/chaos/ (1,000 directory runs against a real slapd, the push fault
 * runs against the emulators). Not part of `npm test`, which runs a fixed-seed slice of each instead.
 */
module.exports = {
	projects: [
		{
			displayName: 'chaos',
			testEnvironment: 'node',
			transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }] },
			testMatch: ['<rootDir>/test/chaos/**/*.chaos.ts'],
			setupFilesAfterEnv: ['<rootDir>/test/support/timeouts/chaos.js'],
		},
	],
	reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
