#!/usr/bin/env node
/**
 * `npm run mutation [file...]`: runs Stryker once for each file of scripts/mutation-targets.cjs (or only the
 * files named, by path or by a part of it), each time with only that file's unit tests, then checks the score
 * of every listed file in the JSON report against the floor. `npm run mutation -- --check` only checks the
 * last results. Results add up in the incremental file: a file not run this time keeps its last results.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { targets, floor } = createRequire(import.meta.url)('./mutation-targets.cjs');
const reportFile = join(root, '.tmp', 'mutation', 'report.json');

const args = process.argv.slice(2);
const checkOnly = args.includes('--check');
const wanted = args.filter((arg) => arg !== '--check');
const chosen = targets.filter((target) => wanted.length === 0 || wanted.some((part) => target.file.includes(part)));
if (chosen.length === 0) {
	process.stderr.write(`No file under mutation matches ${wanted.join(', ')} (see scripts/mutation-targets.cjs)\n`);
	process.exit(1);
}

if (!checkOnly) {
	const stryker = join(root, 'node_modules', '.bin', 'stryker');
	for (const target of chosen) {
		process.stdout.write(`\n== ${target.file} (tests: ${target.tests.join(', ')})\n`);
		const run = spawnSync(stryker, ['run', '--mutate', target.file], {
			cwd: root,
			stdio: 'inherit',
			env: { ...process.env, MUTATION_TARGET: target.file },
		});
		if (run.status !== 0) {
			process.stderr.write(`Stryker failed on ${target.file} (exit ${run.status ?? run.signal})\n`);
			process.exit(1);
		}
	}
}

if (!existsSync(reportFile)) {
	process.stderr.write('No mutation report yet: run `npm run mutation` first.\n');
	process.exit(1);
}
const report = JSON.parse(readFileSync(reportFile, 'utf8'));
const detected = new Set(['Killed', 'Timeout']);
const undetected = new Set(['Survived', 'NoCoverage']);
const rows = [];
let failures = 0;
for (const target of chosen) {
	const mutants = report.files[target.file]?.mutants;
	if (!mutants) {
		rows.push([target.file, 'not measured']);
		failures++;
		continue;
	}
	const count = (statuses) => mutants.filter((mutant) => statuses.has(mutant.status)).length;
	const killed = count(detected);
	const survived = count(undetected);
	const score = killed + survived === 0 ? 100 : (100 * killed) / (killed + survived);
	const ok = score >= floor;
	if (!ok) failures++;
	const leftOut = count(new Set(['Ignored']));
	rows.push([
		target.file,
		`${killed + survived} mutants (${leftOut} static left out), ${killed} killed, ${survived} survived or not covered: ` +
			`${score.toFixed(1)}%${ok ? '' : ` < ${floor}%`}`,
	]);
}
const width = Math.max(...rows.map(([file]) => file.length));
process.stdout.write(`\nMutation score per file (floor ${floor}%):\n`);
for (const [file, text] of rows) process.stdout.write(`  ${file.padEnd(width)}  ${text}\n`);
if (failures > 0) {
	process.stderr.write(`${failures} file(s) not measured or below ${floor}%\n`);
	process.exit(1);
}
