#!/usr/bin/env node
/**
 * `npm run demo`: runs the product on a fresh machine with built-in defaults.
 * This bootstrap only prepares: npm ci when node_modules is missing, Debian packages (slapd, openssl)
 * when missing, the build, and a bundle of the demo itself; scripts/demo/main.ts does the rest.
 */
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (line) => process.stdout.write(`[demo] ${line}\n`);

function run(command, args, what) {
	say(what);
	const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
	if (result.status !== 0) {
		process.stderr.write(
			`[demo] failed: ${what} (${command} ${args.join(' ')} exited with ${result.status ?? result.signal})\n`,
		);
		process.exit(1);
	}
}

// `npm run demo -- scenario <name>`: asks the running demo to make a directory change (see scripts/demo/scenarios.ts).
if (process.argv[2] === 'scenario') {
	const name = process.argv[3] ?? '';
	let inbox = `http://127.0.0.1:${process.env.DEMO_INBOX_PORT || 5680}/inbox`;
	try {
		inbox = JSON.parse(readFileSync(join(root, '.tmp', 'demo-state.json'), 'utf8')).inbox;
	} catch {
		// no state file: try the default port
	}
	try {
		const res = await fetch(`${inbox}/api/scenarios/${encodeURIComponent(name)}`, { method: 'POST' });
		const answer = await res.json();
		say(answer.text);
		process.exit(answer.ok ? 0 : 1);
	} catch (error) {
		process.stderr.write(
			`[demo] The demo does not answer at ${inbox} (${error.message}): start it first with npm run demo\n`,
		);
		process.exit(1);
	}
}

if (!existsSync(join(root, 'node_modules', '.bin', 'esbuild')))
	run('npm', ['ci', '--no-audit', '--no-fund'], 'Installing development packages (npm ci, about a minute)...');
say('Checking system packages (OpenLDAP slapd, ldap-utils, openssl, chromium for the tests)...');
const deps = spawnSync('bash', ['scripts/install-system-deps.sh'], { cwd: root, stdio: 'inherit' });
if (deps.status !== 0)
	say('Some system packages are missing (see above): the demo goes on without them (no OpenLDAP source).');
run('npm', ['run', '--silent', 'build'], 'Building the package...');
mkdirSync(join(root, '.tmp'), { recursive: true });
run(
	join(root, 'node_modules', '.bin', 'esbuild'),
	[
		'scripts/demo/main.ts',
		'--bundle',
		'--platform=node',
		'--target=node20',
		'--packages=external',
		'--log-level=warning',
		'--outfile=.tmp/demo.cjs',
	],
	'Preparing the demo...',
);

// The demo handles Ctrl-C itself (it stops everything it started); forward signals and its exit code.
const child = spawn(process.execPath, [join(root, '.tmp', 'demo.cjs'), ...process.argv.slice(2)], {
	cwd: root,
	stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
