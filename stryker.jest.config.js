/**
 * The jest configuration of the mutation run (stryker.config.mjs): the `unit` project alone, compiled without
 * type checks (Stryker marks the mutated files @ts-nocheck, since a mutant is type-unsafe on purpose; the type
 * check stays with `npm run lint`), and without the 100,000-user size budget of the snapshot: at 25 s it would
 * be run again for every mutant of the snapshot code, which the smaller round-trip tests cover.
 */
const { projects } = require('./jest.config.js');
const { compilerOptions } = require('./tsconfig.json');

const unit = projects.find((project) => project.displayName === 'unit');

module.exports = {
	...unit,
	// A sandbox of a running mutation run is a copy of the project: not a place to look for modules.
	modulePathIgnorePatterns: ['<rootDir>/.tmp/'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: { ...compilerOptions, isolatedModules: true }, diagnostics: false }],
	},
	testNamePattern: '^(?!.*keeps 100,000 users)',
};
