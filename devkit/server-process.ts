/**
 * The clean-up layers a test server started as a child process needs (the pattern of slapd.ts, for servers
 * added since): stop it by pid; a process 'exit' handler SIGKILLs whatever is still running and removes its
 * folder (forgotten stop() calls, uncaught errors); and a watchdog shell, holding a pipe from this process,
 * kills the server and removes the folder when that pipe closes, i.e. even when this process is SIGKILLed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import type { Socket } from 'node:net';

export interface LiveServer {
	child: ChildProcess;
	watchdog?: ChildProcess;
	/** Removed with the server when this process ends without stopping it. */
	dir: string;
}

const live = new Set<LiveServer>();
let exitHookInstalled = false;

function installExitHook(): void {
	if (exitHookInstalled) return;
	exitHookInstalled = true;
	process.on('exit', () => {
		for (const server of live) {
			killQuietly(server.child);
			killQuietly(server.watchdog);
			rmSync(server.dir, { recursive: true, force: true });
		}
	});
}

/**
 * Registers a just-spawned server: exit hook and watchdog, and forgetting it when it exits. The child must
 * not keep this process alive (it is unref'ed here, with its output streams).
 */
export function trackServer(child: ChildProcess, dir: string): LiveServer {
	installExitHook();
	child.unref();
	for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as Socket | null)?.unref?.();
	const server: LiveServer = { child, dir, watchdog: startWatchdog(child.pid, dir) };
	live.add(server);
	child.once('exit', () => {
		live.delete(server);
		killQuietly(server.watchdog);
	});
	return server;
}

/** A shell in its own session (a Ctrl-C aimed at the test run does not end it first) that waits for end-of-file. */
function startWatchdog(pid: number | undefined, dir: string): ChildProcess | undefined {
	if (pid === undefined) return undefined;
	const script = 'read _ignored; kill -9 "$0" 2>/dev/null; rm -rf "$1"';
	const watchdog = spawn('sh', ['-c', script, String(pid), dir], {
		stdio: ['pipe', 'ignore', 'ignore'],
		detached: true,
	});
	watchdog.on('error', () => undefined);
	watchdog.unref();
	(watchdog.stdin as Socket | null)?.unref();
	return watchdog;
}

function killQuietly(child: ChildProcess | undefined): void {
	try {
		if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
	} catch {
		// already gone
	}
}

/** SIGTERM, wait for the exit (SIGKILL after `graceMs`). Keeps the event loop alive while waiting. */
export async function terminateServer(server: LiveServer | undefined, graceMs = 10_000): Promise<void> {
	if (!server) return;
	const { child } = server;
	if (child.exitCode === null && child.signalCode === null) {
		child.ref();
		const exited = once(child, 'exit');
		child.kill('SIGTERM');
		const timer = setTimeout(() => killQuietly(child), graceMs);
		await exited;
		clearTimeout(timer);
	}
	live.delete(server);
	killQuietly(server.watchdog);
}

/** Runs a program to completion; rejects with its output. */
export function runTool(
	file: string,
	args: string[],
	options: { input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
	return new Promise((resolve, reject) => {
		const child = spawn(file, args, { env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
		let out = '';
		let err = '';
		child.stdout.on('data', (d: Buffer) => (out += d.toString()));
		child.stderr.on('data', (d: Buffer) => (err += d.toString()));
		child.on('error', reject);
		child.on('close', (code) =>
			code === 0
				? resolve(out)
				: reject(new Error(`${file} ${args.slice(0, 3).join(' ')} exited with ${code}:\n${err}${out}`)),
		);
		child.stdin.end(options.input ?? '');
	});
}
