import { createRequire } from 'node:module';

const { targets } = createRequire(import.meta.url)('./scripts/mutation-targets.cjs');

/**
 * Mutation testing of the critical core (`npm run mutation`, which runs this once per file): Stryker plants one
 * small bug at a time in the files of scripts/mutation-targets.cjs and runs the unit tests that cover it; a
 * mutant that no test notices shows an untested behaviour.
 * Incremental: only mutants whose code or covering tests changed since the last run are tested again; the
 * incremental file and the reports stay in .tmp/mutation (git-ignored).
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
	testRunner: 'jest',
	plugins: ['@stryker-mutator/jest-runner'],
	jest: { projectType: 'custom', configFile: 'stryker.jest.config.js', enableFindRelatedTests: true },
	coverageAnalysis: 'perTest',
	mutate: targets.map((target) => target.file),
	// Two cores, shared: one test process.
	concurrency: 1,
	// A mutant in module-level code (a constant table, a Set of statuses) is live from the moment its module
	// loads, so Stryker would run every unit test for each of them: hours on this machine. They are left out.
	ignoreStatic: true,
	incremental: true,
	incrementalFile: '.tmp/mutation/incremental.json',
	tempDirName: '.tmp/stryker',
	ignorePatterns: ['dist', 'artifacts', 'coverage', '.tmp'],
	reporters: ['clear-text', 'progress', 'html', 'json'],
	htmlReporter: { fileName: '.tmp/mutation/report.html' },
	jsonReporter: { fileName: '.tmp/mutation/report.json' },
	clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
	// The floor holds for each file, not for the total: scripts/mutation.mjs checks it from the JSON report.
	thresholds: { high: 90, low: 85, break: null },
	timeoutMS: 10000,
};
