/**
 * The jest configuration of the mutation run (stryker.config.mjs): the unit tests written for the files under
 * mutation, compiled without type checks (Stryker marks the mutated files @ts-nocheck, since a mutant is
 * type-unsafe on purpose; the type check stays with `npm run lint`). Left out: the unit tests of other modules
 * that reach these files on the way (channels against emulators, AD and changelog strategies), and the
 * 100,000-user size budget of the snapshot; every one of them would run again for each mutant they reach, and
 * the mutants must be killed by tests of the files themselves.
 */
const { projects } = require('./jest.config.js');
const { targets } = require('./scripts/mutation-targets.cjs');
const { compilerOptions } = require('./tsconfig.json');

const unit = projects.find((project) => project.displayName === 'unit');

module.exports = {
	...unit,
	// A sandbox of a running mutation run is a copy of the project: not a place to look for modules.
	modulePathIgnorePatterns: ['<rootDir>/.tmp/'],
	// scripts/mutation.mjs names the file under mutation: only its own tests are loaded for each mutant.
	testMatch: testsFor(process.env.MUTATION_TARGET).map((name) => `<rootDir>/test/unit/${name}.test.ts`),
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: { ...compilerOptions, isolatedModules: true }, diagnostics: false }],
	},
	testNamePattern: '^(?!.*keeps 100,000 users)',
};

/** The tests of one target file, or of them all. */
function testsFor(file) {
	if (!file) return [...new Set(targets.flatMap((target) => target.tests))];
	const target = targets.find((candidate) => candidate.file === file);
	if (!target) throw new Error(`MUTATION_TARGET ${file} is not listed in scripts/mutation-targets.cjs`);
	return target.tests;
}
