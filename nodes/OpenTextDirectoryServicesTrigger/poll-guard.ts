/**
 * One poll at a time per workflow and trigger node, in this process.
 *
 * n8n (2.8.4, n8n-core's ActiveWorkflows) registers a poll as a cron job and calls the node's poll() on
 * every tick without waiting for the previous call: a poll slower than its interval (a slow directory, a
 * large reconciliation) overlaps the next one. Both would start from the same stored state, read the same
 * changes and emit them in two executions. The second poll therefore returns nothing while the first runs;
 * the first emits the changes and moves the state, and the next tick after it picks up anything newer.
 *
 * An in-process guard is enough: n8n runs a workflow's polls only in the main process, and with several
 * mains only on the leader (ScheduledTaskManager skips the tick on followers); workers and webhook
 * processors never activate polling triggers. No n8n import here: the node passes a key.
 */
const running = new Set<string>();

/** Claims `key` for one poll: the release function, or undefined when a poll with that key runs. */
export function claimPoll(key: string): (() => void) | undefined {
	if (running.has(key)) return undefined;
	running.add(key);
	let released = false;
	return () => {
		if (released) return;
		released = true;
		running.delete(key);
	};
}
