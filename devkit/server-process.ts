/**
 * What the test servers started as child processes share (slapd.ts, samba.ts, dirsrv.ts): free ports, running
 * their tools, and the clean-up layers a started server needs: stop it by pid; a process 'exit' handler cleans
 * up whatever is still there (forgotten stop() calls, uncaught errors); and a watchdog shell, holding a pipe from
 * this process, cleans up when that pipe closes, i.e. even when this process is SIGKILLed.
 *
 * guardCleanUp() is the last two for any clean-up; trackServer() applies it to a server whose whole state is
 * its process and one folder (kill it, remove the folder).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';

/** Registered clean-ups still to do. */
interface Guard {
	cleanUp: () => void;
	watchdog?: ChildProcess;
}
const guards = new Set<Guard>();
let exitHookInstalled = false;

function installExitHook(): void {
	if (exitHookInstalled) return;
	exitHookInstalled = true;
	process.on('exit', () => {
		for (const guard of guards) {
			try {
				guard.cleanUp();
			} catch {
				// the watchdog and the next guards still get their turn
			}
			killQuietly(guard.watchdog);
		}
	});
}

export interface CleanUpGuard {
	/** Forgets the clean-up: no exit handler, watchdog ended. Idempotent. */
	release(): void;
}

/**
 * Until release(): when this process exits, `cleanUp` runs (synchronously, in the 'exit' handler); and when it
 * dies any other way, even SIGKILLed, a watchdog shell runs `watchdog.script` with `watchdog.args` as $0, $1, ...
 * The watchdog runs in its own session (detached), so a Ctrl-C aimed at the test run does not end it first.
 */
export function guardCleanUp(cleanUp: () => void, watchdog?: { script: string; args: string[] }): CleanUpGuard {
	installExitHook();
	const guard: Guard = { cleanUp, watchdog: watchdog && startWatchdog(watchdog.script, watchdog.args) };
	guards.add(guard);
	return {
		release() {
			guards.delete(guard);
			killQuietly(guard.watchdog);
		},
	};
}

/** A shell that waits for end-of-file on a pipe from this process, then runs the script. */
function startWatchdog(script: string, args: string[]): ChildProcess {
	const watchdog = spawn('sh', ['-c', `read _ignored; ${script}`, ...args], {
		stdio: ['pipe', 'ignore', 'ignore'],
		detached: true,
	});
	watchdog.on('error', () => undefined);
	watchdog.unref();
	(watchdog.stdin as Socket | null)?.unref();
	return watchdog;
}

export interface LiveServer {
	child: ChildProcess;
	/** Removed with the server when this process ends without stopping it. */
	dir: string;
	guard: CleanUpGuard;
}

/**
 * Registers a just-spawned server: exit hook and watchdog (both SIGKILL it and remove its folder), forgotten
 * when it exits (a kill() for a crash test keeps the folder). The child must not keep this process alive (it is
 * unref'ed here, with its output streams).
 */
export function trackServer(child: ChildProcess, dir: string): LiveServer {
	unrefChild(child);
	const guard = guardCleanUp(
		() => {
			killQuietly(child);
			rmSync(dir, { recursive: true, force: true });
		},
		child.pid === undefined
			? undefined
			: { script: 'kill -9 "$0" 2>/dev/null; rm -rf "$1"', args: [String(child.pid), dir] },
	);
	child.once('exit', () => guard.release());
	return { child, dir, guard };
}

/** Lets this process end while the child still runs (with its standard streams). */
export function unrefChild(child: ChildProcess): void {
	child.unref();
	for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as Socket | null)?.unref?.();
}

/** SIGKILL, unless it is gone already. */
export function killQuietly(child: ChildProcess | undefined): void {
	try {
		if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
	} catch {
		// already gone
	}
}

/**
 * `signal` (SIGTERM unless the server stops more quickly on another), wait for the exit (SIGKILL after
 * `graceMs`). Keeps the event loop alive while waiting.
 */
export async function stopProcess(
	child: ChildProcess | undefined,
	graceMs = 10_000,
	signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
	if (!child || child.exitCode !== null || child.signalCode !== null) return;
	child.ref();
	const exited = once(child, 'exit');
	child.kill(signal);
	const timer = setTimeout(() => killQuietly(child), graceMs);
	await exited;
	clearTimeout(timer);
}

/** stopProcess, then forgets the server's exit hook and watchdog. */
export async function terminateServer(server: LiveServer | undefined, graceMs = 10_000): Promise<void> {
	if (!server) return;
	await stopProcess(server.child, graceMs);
	server.guard.release();
}

/**
 * A TCP port on `host` that is free right now (the OS picks it); someone else may take it before it is used,
 * which is why the starters retry on a port clash.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
	return await new Promise<number>((resolve, reject) => {
		const server = createServer();
		server.unref();
		server.once('error', reject);
		server.listen(0, host, () => {
			const address = server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			server.close(() => (port ? resolve(port) : reject(new Error('could not pick a free port'))));
		});
	});
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
