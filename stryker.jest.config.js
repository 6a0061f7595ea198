/**
 * The jest configuration of the mutation run (stryker.config.mjs): the unit tests written for the files under
 * mutation, compiled without type checks (Stryker marks the mutated files @ts-nocheck, since a mutant is
 * type-unsafe on purpose; the type check stays with `npm run lint`). Left out: the unit tests of other modules
 * that reach these files on the way (channels against emulators, AD and changelog strategies), and the
 * 100,000-user size budget of the snapshot; every one of them would run again for each mutant they reach, and
 * the mutants must be killed by tests of the files themselves.
 */
const { projects } = require('./jest.config.js');
const { compilerOptions } = require('./tsconfig.json');

const unit = projects.find((project) => project.displayName === 'unit');

module.exports = {
	...unit,
	// A sandbox of a running mutation run is a copy of the project: not a place to look for modules.
	modulePathIgnorePatterns: ['<rootDir>/.tmp/'],
	testMatch: [
		'push-ack-token*',
		'push-trigger-request*',
		'push-dispatcher*',
		'push-retry',
		'http-retry-policy',
		'escape',
		'dn-and-filters',
		'ldap-dn-filter-edges',
		'changes-snapshot*',
		'changes-collisions',
		'changes-logs',
		'deleted-group-event',
		'otds-snapshot-changes',
	].map((name) => `<rootDir>/test/unit/${name}.test.ts`),
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: { ...compilerOptions, isolatedModules: true }, diagnostics: false }],
	},
	testNamePattern: '^(?!.*keeps 100,000 users)',
};
