#!/usr/bin/env node
/**
 * `npm run bench [name...]`: bundles each bench/<name>.bench.ts with esbuild and runs it in its own Node
 * process, one after another, so one benchmark's memory never weighs on the next. Each benchmark prints
 * its own table of figures, measured against a baseline in the same script.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wanted = process.argv.slice(2);
const benches = readdirSync(join(root, 'bench'))
	.filter((file) => file.endsWith('.bench.ts'))
	.map((file) => file.replace(/\.bench\.ts$/, ''))
	.filter((name) => wanted.length === 0 || wanted.includes(name))
	.sort();
if (benches.length === 0) {
	process.stderr.write(`No benchmark matches ${wanted.join(', ') || '(none found in bench/)'}\n`);
	process.exit(1);
}
mkdirSync(join(root, '.tmp', 'bench'), { recursive: true });
const esbuild = join(root, 'node_modules', '.bin', 'esbuild');
if (!existsSync(esbuild)) {
	process.stderr.write('Run `npm ci` first.\n');
	process.exit(1);
}
let failed = 0;
for (const name of benches) {
	const outfile = join(root, '.tmp', 'bench', `${name}.cjs`);
	const build = spawnSync(
		esbuild,
		[
			`bench/${name}.bench.ts`,
			'--bundle',
			'--platform=node',
			'--target=node20',
			'--packages=external',
			'--log-level=warning',
			`--outfile=${outfile}`,
		],
		{ cwd: root, stdio: 'inherit' },
	);
	if (build.status !== 0) {
		failed++;
		continue;
	}
	process.stdout.write(`\n== bench/${name}\n`);
	const run = spawnSync(process.execPath, ['--expose-gc', outfile], { cwd: root, stdio: 'inherit' });
	if (run.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
