/**
 * Prints one plain closing line, "tests: N passed, N failed[, N skipped]", that CI reads to know how
 * many tests ran. Jest's own summary is kept; this only adds the line after it.
 *
 * While a test file runs longer than a progress interval (the n8n and editor files take minutes), it also
 * prints a line every interval: the file, how long it has run, how many of its tests finished and the last
 * one. Jest's own reporter says nothing until a file ends. OTDP_PROGRESS_SECONDS sets the interval (30).
 */
const fs = require('fs');
const path = require('path');

const everyMs = Number(process.env.OTDP_PROGRESS_SECONDS || 30) * 1000;

function elapsed(ms) {
	const seconds = Math.round(ms / 1000);
	return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}

class SummaryReporter {
	constructor(globalConfig) {
		this.rootDir = globalConfig.rootDir;
		/** test file path → { started, done, last, timer } */
		this.running = new Map();
	}

	onTestFileStart(test) {
		const file = path.relative(this.rootDir, test.path);
		const state = { started: Date.now(), done: 0, last: '' };
		// Straight to the file descriptor: jest's default reporter holds back what is written to process.stderr.
		state.timer = setInterval(() => {
			const finished = state.done === 0 ? 'no test finished yet' : `${state.done} finished, last: ${state.last}`;
			fs.writeSync(2, `[progress] ${file}: running for ${elapsed(Date.now() - state.started)}; ${finished}\n`);
		}, everyMs);
		state.timer.unref();
		this.running.set(test.path, state);
	}

	onTestCaseResult(test, result) {
		const state = this.running.get(test.path);
		if (!state) return;
		state.done += 1;
		state.last = `"${result.title}" ${result.status}`;
	}

	onTestFileResult(test) {
		const state = this.running.get(test.path);
		if (state) clearInterval(state.timer);
		this.running.delete(test.path);
	}

	onRunComplete(_contexts, results) {
		for (const state of this.running.values()) clearInterval(state.timer);
		const skipped = results.numPendingTests + results.numTodoTests;
		const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
		let line = `tests: ${results.numPassedTests} passed, ${failed} failed`;
		if (skipped > 0) line += `, ${skipped} skipped`;
		process.stderr.write(`\n${line}\n`);
	}
}
module.exports = SummaryReporter;
