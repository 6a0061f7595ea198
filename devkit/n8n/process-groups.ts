/**
 * Children killed on exit: the process groups of the n8n servers and CLI commands this process
 * started, so none of them outlives a test run or the demo (even on Ctrl-C).
 */

/** Leader pids of the groups still running (each child is spawned detached: its own group). */
export const liveGroups = new Set<number>();
let exitHooksInstalled = false;

/** Signals the whole group (n8n and the task runner it starts, or a CLI command and its runner). */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
	try {
		process.kill(-pid, signal);
	} catch {
		// already gone
	}
}

/**
 * Kills every live group when this process exits, and on SIGINT/SIGTERM/SIGHUP when nothing else
 * handles them; installed once.
 */
export function installExitHooks(): void {
	if (exitHooksInstalled) return;
	exitHooksInstalled = true;
	process.on('exit', () => {
		for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
	});
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
		// Only when nobody else handles the signal: then our handler cleans up and re-raises it so the
		// default behaviour (terminate) still happens.
		if (process.listenerCount(signal) > 0) continue;
		const handler = () => {
			for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
			process.removeListener(signal, handler);
			process.kill(process.pid, signal);
		};
		process.on(signal, handler);
	}
}
