/**
 * Prints one plain closing line, "tests: N passed, N failed[, N skipped]", that CI reads to know how
 * many tests ran. Jest's own summary is kept; this only adds the line after it.
 */
class SummaryReporter {
	onRunComplete(_contexts, results) {
		const skipped = results.numPendingTests + results.numTodoTests;
		const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
		let line = `tests: ${results.numPassedTests} passed, ${failed} failed`;
		if (skipped > 0) line += `, ${skipped} skipped`;
		process.stderr.write(`\n${line}\n`);
	}
}
module.exports = SummaryReporter;
