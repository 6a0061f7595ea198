/**
 * What the cached installs outside the repository share (n8n releases, Node runtimes): the cache root,
 * one installing process per folder (an O_EXCL lock file), and `npm install` with its output in a log.
 *
 *   <cache>/<folder>/install.log         npm's output; the last line is `rc=<exit code>`
 *   <cache>/<folder>/.otdp-install.lock  held (O_EXCL) by the one process that may install; {pid, host, since}
 *   <cache>/<folder>/.otdp-install-ok    written only after a verified successful install
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanEnv, Log, pidAlive, sleep, tailFile } from './common';
import { installExitHooks, liveGroups } from './process-groups';
import { elapsedText, installActivity, installFailureHint, npmInstallEnv, type InstallRuntime } from './install-env';

export const LOCK_FILE = '.otdp-install.lock';
export const OK_FILE = '.otdp-install-ok';
export const LOG_FILE = 'install.log';
/** How long we wait for somebody else's install (lock holder or a hand-started npm) before giving up. */
export const FOREIGN_WAIT_MS = 30 * 60_000;
export const PROGRESS_EVERY_MS = 15_000;

export function n8nCacheRoot(): string {
	return process.env.OTDP_N8N_CACHE ?? path.join(os.homedir(), '.cache', 'otdp-n8n');
}

// ---------------------------------------------------------------------------------------------
// Lock

interface LockInfo {
	pid: number;
	host: string;
	since: string;
}

export async function acquireLock(dir: string, what: string, log: Log): Promise<() => void> {
	const lockPath = path.join(dir, LOCK_FILE);
	const me: LockInfo = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
	const started = Date.now();
	let lastNote = 0;
	for (;;) {
		try {
			const fd = fs.openSync(lockPath, 'wx');
			fs.writeSync(fd, JSON.stringify(me));
			fs.closeSync(fd);
			break;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
		}
		const holder = readLock(lockPath);
		if (isStaleLock(lockPath, holder)) {
			log(`removing a stale install lock ${lockPath} (${holder ? `pid ${holder.pid} is gone` : 'unreadable'})`);
			fs.rmSync(lockPath, { force: true });
			continue;
		}
		if (Date.now() - started > FOREIGN_WAIT_MS) {
			throw new Error(
				`${what}: ${lockPath} has been held by pid ${holder?.pid} for too long; remove it if that process is gone`,
			);
		}
		if (Date.now() - lastNote >= PROGRESS_EVERY_MS) {
			lastNote = Date.now();
			log(
				`${what}: another process (pid ${holder?.pid}) is installing into ${dir}; waiting ` +
					`(${Math.round((Date.now() - started) / 1000)} s so far)`,
			);
		}
		await sleep(1000);
	}
	const onExit = () => releaseIfMine(lockPath);
	process.once('exit', onExit);
	return () => {
		process.removeListener('exit', onExit);
		releaseIfMine(lockPath);
	};
}

function readLock(lockPath: string): LockInfo | undefined {
	try {
		const info = JSON.parse(fs.readFileSync(lockPath, 'utf8')) as LockInfo;
		return typeof info.pid === 'number' ? info : undefined;
	} catch {
		return undefined;
	}
}

function isStaleLock(lockPath: string, holder: LockInfo | undefined): boolean {
	if (!holder) {
		// Being written right now, or garbage: give a writer a few seconds.
		try {
			return Date.now() - fs.statSync(lockPath).mtimeMs > 10_000;
		} catch {
			return false;
		}
	}
	if (holder.host !== os.hostname()) {
		// Cannot see the other machine's processes; trust the lock for a while.
		return Date.now() - Date.parse(holder.since) > FOREIGN_WAIT_MS;
	}
	return !pidAlive(holder.pid);
}

function releaseIfMine(lockPath: string): void {
	const holder = readLock(lockPath);
	if (holder && holder.pid === process.pid && holder.host === os.hostname()) fs.rmSync(lockPath, { force: true });
}

// ---------------------------------------------------------------------------------------------
// npm install into a cache folder

export function countModules(dir: string): number {
	try {
		return fs.readdirSync(path.join(dir, 'node_modules')).filter((n) => !n.startsWith('.')).length;
	} catch {
		return 0;
	}
}

export interface NpmInstallOptions {
	/** What is installed, for messages: "n8n 2.8.4", "Node.js 24.21.0". */
	what: string;
	/** The package.json to install from (written fresh; node_modules and the lock file are removed first). */
	packageJson: Record<string, unknown>;
	/** Another Node.js runtime to install for (its node on PATH, its headers); default: the one running this. */
	runtime?: InstallRuntime;
	/** Said once before starting, e.g. how long it takes. */
	expectation?: string;
	log: Log;
}

/**
 * `npm install --no-audit --no-fund` in `dir` from scratch, output appended to install.log and `rc=N`
 * as its last line. Throws with the tail of the log when npm fails.
 */
export async function runNpmInstall(dir: string, options: NpmInstallOptions): Promise<void> {
	const { what, log } = options;
	const logPath = path.join(dir, LOG_FILE);
	if (fs.existsSync(path.join(dir, 'node_modules'))) {
		log(`${what}: removing an unfinished install in ${dir}`);
		fs.rmSync(path.join(dir, 'node_modules'), { recursive: true, force: true });
	}
	fs.rmSync(path.join(dir, 'package-lock.json'), { force: true });
	fs.rmSync(path.join(dir, OK_FILE), { force: true });
	fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(options.packageJson, null, 2) + '\n');
	fs.writeFileSync(logPath, `# npm install --no-audit --no-fund (${what}), started ${new Date().toISOString()}\n`);

	// Every install gets Node's headers for native builds (install-env.ts), so node-gyp needs no download.
	const env = npmInstallEnv(options.runtime);
	log(
		`${what}: installing into ${dir}${options.expectation ? ` (${options.expectation})` : ''}; output in ${logPath}; ` +
			(env.npm_config_nodedir
				? `native modules build against the Node.js headers in ${env.npm_config_nodedir}`
				: 'Node.js headers not found on this machine: native modules may need to download them'),
	);
	const started = Date.now();
	const fd = fs.openSync(logPath, 'a');
	const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
	const child = spawn(npm, ['install', '--no-audit', '--no-fund'], {
		cwd: dir,
		env: cleanEnv(env),
		stdio: ['ignore', fd, fd],
		// Its own process group, killed whole (native builds included) when this process exits or is stopped
		// (the demo's Ctrl-C): the unfinished install is redone next time.
		detached: true,
	});
	installExitHooks();
	if (child.pid) liveGroups.add(child.pid);
	// What npm is busy with: an install script (native builds take minutes with no new package), or fetching.
	const timer = setInterval(() => {
		const activity = child.pid === undefined ? undefined : installActivity(child.pid, dir);
		log(
			`${what}: npm install, ${elapsedText(Date.now() - started)}: ` +
				(activity ? `running ${activity}` : `fetching and unpacking packages (${countModules(dir)} in node_modules)`),
		);
	}, PROGRESS_EVERY_MS);
	let rc: number;
	try {
		rc = await new Promise<number>((resolve, reject) => {
			child.once('error', reject);
			child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
		});
	} finally {
		if (child.pid) liveGroups.delete(child.pid);
		clearInterval(timer);
		fs.closeSync(fd);
	}
	fs.appendFileSync(logPath, `rc=${rc}\n`);
	if (rc !== 0) {
		const tail = tailFile(logPath, 30);
		throw new Error(
			`npm install of ${what} in ${dir} failed (exit code ${rc}): ${installFailureHint(tailFile(logPath, 400), env)}.\n` +
				`Last lines of ${logPath}:\n${tail}`,
		);
	}
	log(`${what}: npm install finished in ${elapsedText(Date.now() - started)}`);
}
