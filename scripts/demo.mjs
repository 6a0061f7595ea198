#!/usr/bin/env node
/**
 * `npm run demo`: runs the product on a fresh machine with built-in defaults.
 * This bootstrap only prepares: npm ci when node_modules is missing, Debian packages (slapd, openssl)
 * when missing, the build, and a bundle of the demo itself; scripts/demo/main.ts does the rest.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (line) => process.stdout.write(`[demo] ${line}\n`);

/** The step running now (a child process), which a signal stops before this process exits. */
let current;
let stopping = false;

// SIGINT / SIGTERM to this process (npm passes them on: its script execs node) as much as a terminal's Ctrl-C: the
// step running now is stopped (the demo itself stops everything it started), then this process exits.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
	process.on(signal, () => {
		stopping = true;
		if (current && current.exitCode === null && current.signalCode === null) stopStep(current, signal);
		else process.exit(130);
	});
}

/**
 * A step in its own process group, so that a signal reaches all of it: `npm run build` runs tsc under a shell that
 * would die alone and leave tsc running. It reads nothing from the terminal.
 */
function startStep(command, args) {
	return spawn(command, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
}

/** The signal to the step's whole group (the demo itself is one process that stops what it started). */
function stopStep(child, signal) {
	try {
		process.kill(-child.pid, signal);
	} catch {
		child.kill(signal);
	}
}

/** Runs one preparation step; exits when it fails or a signal stopped it. */
async function run(command, args, what) {
	say(what);
	current = startStep(command, args);
	const [code, signal] = await new Promise((resolve) =>
		current.once('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
	);
	current = undefined;
	if (stopping) process.exit(130);
	if (code !== 0) {
		process.stderr.write(`[demo] failed: ${what} (${command} ${args.join(' ')} exited with ${code ?? signal})\n`);
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
	await run('npm', ['ci', '--no-audit', '--no-fund'], 'Installing development packages (npm ci, about a minute)...');
say('Checking system packages (OpenLDAP slapd, ldap-utils, openssl, chromium for the tests)...');
current = startStep('bash', ['scripts/install-system-deps.sh']);
const depsStatus = await new Promise((resolve) => current.once('exit', (code) => resolve(code)));
current = undefined;
if (stopping) process.exit(130);
if (depsStatus !== 0)
	say('Some system packages are missing (see above): the demo goes on without them (no OpenLDAP source).');
await run('npm', ['run', '--silent', 'build'], 'Building the package...');
mkdirSync(join(root, '.tmp'), { recursive: true });
await run(
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

// The demo stops everything it started on SIGINT / SIGTERM / SIGHUP (the handlers above pass them on); its exit
// code is this process's.
current = spawn(process.execPath, [join(root, '.tmp', 'demo.cjs'), ...process.argv.slice(2)], {
	cwd: root,
	stdio: 'inherit',
});
current.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
