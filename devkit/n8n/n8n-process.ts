/**
 * The running `n8n start` behind an N8nInstance: its own process group and throw-away user folder,
 * readiness, logs, stop, and the n8n CLI run against the same folder and database. N8nInstance (see
 * instance.ts) is this plus the HTTP clients; startN8n creates it.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import { Log, settlesWithin, sleep, tailFile } from './common';
import { freePort } from '../server-process';
import { killGroup, liveGroups } from './process-groups';

/** How an n8n CLI command ended and what it printed. */
export interface CliResult {
	code: number;
	stdout: string;
	stderr: string;
}

/** What each process prints when it is ready. */
const READY_LINE = {
	start: /Editor is now accessible/,
	worker: /n8n worker is now ready/,
	webhook: /Webhook listener waiting for requests/,
} as const;

export class N8nProcess {
	/** Process groups of CLI commands still running against this instance. */
	private readonly cliGroups = new Set<number>();
	protected exited = false;
	protected exitInfo = '';
	private stopping?: Promise<void>;
	private readonly exitPromise: Promise<void>;

	protected constructor(
		/** `start` (the main process), `worker` or `webhook` (queue mode). */
		readonly role: 'start' | 'worker' | 'webhook',
		readonly version: string,
		readonly bin: string,
		/** The node executable running n8n (and its CLI commands). */
		readonly nodeBin: string,
		readonly url: string,
		readonly port: number,
		readonly userFolder: string,
		readonly logFile: string,
		private readonly env: NodeJS.ProcessEnv,
		private readonly child: ChildProcess,
		private readonly log: Log,
		private readonly keepUserFolder: boolean,
		readonly startedAt: number,
	) {
		this.exitPromise = new Promise<void>((resolve) => {
			child.once('exit', (code, signal) => {
				this.exited = true;
				this.exitInfo = signal ? `signal ${signal}` : `exit code ${code}`;
				resolve();
			});
		});
	}

	/** Process id of the running `n8n start` (its /proc/<pid>/exe is the Node.js that runs it). */
	get pid(): number | undefined {
		return this.exited ? undefined : this.child.pid;
	}

	/** @internal */
	async waitUntilReady(timeoutMs: number): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		let apiUpSince = 0;
		while (Date.now() < deadline) {
			if (this.exited) {
				throw new Error(`n8n exited during start-up (${this.exitInfo}). Last log lines:\n${this.logTail(40)}`);
			}
			// Only the main process has the REST API; a worker and a webhook processor answer readiness alone.
			const [ready, settings] = await Promise.all([
				this.probe('/healthz/readiness'),
				this.role === 'start' ? this.probe('/rest/settings') : true,
			]);
			if (ready && settings) {
				apiUpSince ||= Date.now();
				// The line each process prints once everything is initialised; don't insist on the wording for more
				// than a few seconds (other versions may phrase it differently).
				if (READY_LINE[this.role].test(this.logTail(400)) || Date.now() - apiUpSince > 5000) {
					const what = this.role === 'start' ? '' : ` ${this.role}`;
					this.log(`n8n ${this.version}${what}: ready after ${((Date.now() - this.startedAt) / 1000).toFixed(1)} s`);
					return;
				}
			}
			await sleep(500);
		}
		throw new Error(
			`n8n did not become ready within ${Math.round(timeoutMs / 1000)} s at ${this.url}. Last log lines:\n${this.logTail(40)}`,
		);
	}

	private async probe(pathname: string): Promise<boolean> {
		try {
			const res = await fetch(this.url + pathname, { signal: AbortSignal.timeout(3000) });
			await res.arrayBuffer();
			return res.status === 200;
		} catch {
			return false;
		}
	}

	/** Whole log of the n8n process (stdout + stderr). */
	logs(): string {
		try {
			return fs.readFileSync(this.logFile, 'utf8');
		} catch {
			return '';
		}
	}

	/** Last `lines` lines of the log. */
	logTail(lines = 40): string {
		return tailFile(this.logFile, lines);
	}

	get running(): boolean {
		return !this.exited;
	}

	/**
	 * SIGTERM to the whole process group, SIGKILL after `timeoutMs` (default 20 s). Removes the user
	 * folder unless asked to keep it. Safe to call more than once.
	 */
	async stop(options: { timeoutMs?: number; keepUserFolder?: boolean } = {}): Promise<void> {
		this.stopping ??= (async () => {
			for (const group of this.cliGroups) killGroup(group, 'SIGKILL');
			const pid = this.child.pid;
			if (pid && !this.exited) {
				killGroup(pid, 'SIGTERM');
				const timeoutMs = options.timeoutMs ?? 20_000;
				if (!(await settlesWithin(this.exitPromise, timeoutMs))) {
					this.log(`n8n: did not stop within ${Math.round(timeoutMs / 1000)} s; killing it`);
				}
			}
			if (pid) {
				killGroup(pid, 'SIGKILL'); // also anything left in the group (task runner)
				liveGroups.delete(pid);
			}
			await settlesWithin(this.exitPromise, 5000);
			if (!(options.keepUserFolder ?? this.keepUserFolder)) {
				fs.rmSync(this.userFolder, { recursive: true, force: true, maxRetries: 3 });
			}
		})();
		await this.stopping;
	}

	/**
	 * SIGKILL to the whole process group at once, as when its machine or container dies (a crash test); stop()
	 * still removes the user folder.
	 */
	async kill(): Promise<void> {
		const pid = this.child.pid;
		if (pid && !this.exited) killGroup(pid, 'SIGKILL');
		await settlesWithin(this.exitPromise, 10_000);
	}

	// -------------------------------------------------------------------------------------------
	// CLI

	/**
	 * Runs the n8n CLI against this instance's user folder and database (works while the server runs;
	 * the CLI gets its own task-broker port).
	 */
	async cli(
		args: string[],
		options: { timeoutMs?: number; env?: Record<string, string | undefined> } = {},
	): Promise<CliResult> {
		if (this.stopping) throw new Error('this n8n instance has been stopped');
		const env = { ...this.env, N8N_RUNNERS_BROKER_PORT: String(await freePort()), ...options.env } as NodeJS.ProcessEnv;
		for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
		return await new Promise<CliResult>((resolve, reject) => {
			const child = spawn(this.nodeBin, [this.bin, ...args], {
				cwd: this.userFolder,
				env,
				detached: true,
				stdio: ['ignore', 'pipe', 'pipe'],
			});
			if (child.pid) {
				liveGroups.add(child.pid);
				this.cliGroups.add(child.pid);
			}
			let stdout = '';
			let stderr = '';
			child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
			child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
			const timer = setTimeout(() => {
				if (child.pid) killGroup(child.pid, 'SIGKILL');
			}, options.timeoutMs ?? 180_000);
			child.once('error', (error) => {
				clearTimeout(timer);
				reject(error);
			});
			child.once('close', (code, signal) => {
				clearTimeout(timer);
				if (child.pid) {
					killGroup(child.pid, 'SIGKILL'); // a task runner it may have left behind
					liveGroups.delete(child.pid);
					this.cliGroups.delete(child.pid);
				}
				resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
			});
		});
	}
}
