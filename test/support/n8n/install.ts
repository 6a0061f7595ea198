/**
 * Installs a given n8n release once into a cache folder outside the repository and reuses it.
 *
 *   <cache>/n8n-<version>/package.json        {"private":true,"dependencies":{"n8n":"<version>"},"overrides":{"xlsx":"0.18.5"}}
 *   <cache>/n8n-<version>/install.log         npm's output; the last line is `rc=<exit code>`
 *   <cache>/n8n-<version>/.otdp-install.lock  held (O_EXCL) by the one process that may install; {pid, host, since}
 *   <cache>/n8n-<version>/.otdp-install-ok    written only after a verified successful install
 *
 * <cache> is $OTDP_N8N_CACHE or ~/.cache/otdp-n8n. An install that was started by hand in that folder
 * (an `npm install` whose working directory is the folder, appending `rc=N` to install.log) is waited
 * for and adopted when it ends with rc=0. Anything else without the completion marker is redone from
 * scratch (node_modules is removed first), because a half-finished npm tree cannot be trusted.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanEnv, defaultLog, Log, pidAlive, sleep, tailFile } from './common';

export const DEFAULT_N8N_VERSION = '2.8.4';

const LOCK_FILE = '.otdp-install.lock';
const OK_FILE = '.otdp-install-ok';
const LOG_FILE = 'install.log';
/** How long we wait for somebody else's install (lock holder or a hand-started npm) before giving up. */
const FOREIGN_WAIT_MS = 30 * 60_000;
const PROGRESS_EVERY_MS = 15_000;

export function n8nCacheRoot(): string {
	return process.env.OTDP_N8N_CACHE ?? path.join(os.homedir(), '.cache', 'otdp-n8n');
}

export function n8nInstallDir(version = DEFAULT_N8N_VERSION): string {
	return path.join(n8nCacheRoot(), `n8n-${version}`);
}

/** The n8n entry script (what node_modules/.bin/n8n links to). */
export function n8nBinPath(version = DEFAULT_N8N_VERSION): string {
	return path.join(n8nInstallDir(version), 'node_modules', '.bin', 'n8n');
}

/** Whether `version` is installed and verified (no waiting, no installing). */
export function isN8nInstalled(version = DEFAULT_N8N_VERSION): boolean {
	const dir = n8nInstallDir(version);
	return fs.existsSync(path.join(dir, OK_FILE)) && verifyInstall(dir, version) === undefined;
}

/**
 * Makes sure n8n `version` is installed in the cache and returns the path of its bin script
 * (run it as `node <bin> start`, or directly: it has a node shebang).
 * The first install takes several minutes; progress lines go to `log`.
 */
export async function ensureN8n(version = DEFAULT_N8N_VERSION, log: Log = defaultLog): Promise<string> {
	if (!/^\d+\.\d+\.\d+([-.][\w.]+)?$/.test(version)) throw new Error(`ensureN8n: not an n8n version: "${version}"`);
	const dir = n8nInstallDir(version);
	const bin = n8nBinPath(version);
	if (fs.existsSync(path.join(dir, OK_FILE)) && verifyInstall(dir, version) === undefined) return bin;

	fs.mkdirSync(dir, { recursive: true });
	const release = await acquireLock(dir, version, log);
	try {
		// Somebody may have finished while we waited for the lock.
		if (fs.existsSync(path.join(dir, OK_FILE)) && verifyInstall(dir, version) === undefined) return bin;

		await waitForForeignNpm(dir, version, log);
		if (adoptForeignInstall(dir, version, log)) return bin;

		await install(dir, version, log);
		const problem = verifyInstall(dir, version);
		if (problem) throw new Error(`n8n ${version} install in ${dir} finished but looks broken: ${problem}`);
		fs.writeFileSync(path.join(dir, OK_FILE), JSON.stringify({ version, installedAt: new Date().toISOString() }) + '\n');
		log(`n8n ${version} is installed in ${dir}`);
		return bin;
	} finally {
		release();
	}
}

/** undefined when `dir` holds a usable n8n `version`, else what is wrong. */
function verifyInstall(dir: string, version: string): string | undefined {
	const bin = path.join(dir, 'node_modules', '.bin', 'n8n');
	if (!fs.existsSync(bin)) return 'node_modules/.bin/n8n is missing';
	try {
		const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', 'n8n', 'package.json'), 'utf8'));
		if (pkg.version !== version) return `node_modules/n8n is version ${pkg.version}, not ${version}`;
	} catch {
		return 'node_modules/n8n/package.json is missing or unreadable';
	}
	// sqlite3 is compiled during the install; its absence means the install stopped half-way.
	const sqlite3 = path.join(dir, 'node_modules', 'sqlite3');
	if (fs.existsSync(sqlite3) && !fs.existsSync(path.join(sqlite3, 'build', 'Release', 'node_sqlite3.node'))) {
		return 'the sqlite3 native module was not built';
	}
	return undefined;
}

// ---------------------------------------------------------------------------------------------
// Lock

interface LockInfo {
	pid: number;
	host: string;
	since: string;
}

async function acquireLock(dir: string, version: string, log: Log): Promise<() => void> {
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
			throw new Error(`ensureN8n: ${lockPath} has been held by pid ${holder?.pid} for too long; remove it if that process is gone`);
		}
		if (Date.now() - lastNote >= PROGRESS_EVERY_MS) {
			lastNote = Date.now();
			log(
				`n8n ${version}: another process (pid ${holder?.pid}) is installing into ${dir}; waiting ` +
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
// An install started by hand (outside this harness) in the same folder

/** Ids of running npm processes whose working directory is `dir` (Linux /proc; [] elsewhere). */
function foreignNpmPids(dir: string): number[] {
	if (process.platform !== 'linux') return [];
	let real: string;
	try {
		real = fs.realpathSync(dir);
	} catch {
		return [];
	}
	const pids: number[] = [];
	let entries: string[] = [];
	try {
		entries = fs.readdirSync('/proc');
	} catch {
		return [];
	}
	for (const entry of entries) {
		if (!/^\d+$/.test(entry)) continue;
		const pid = Number(entry);
		if (pid === process.pid) continue;
		try {
			if (fs.readlinkSync(`/proc/${entry}/cwd`) !== real) continue;
			const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
			if (/\bnpm\b|npm-cli\.js/.test(cmd)) pids.push(pid);
		} catch {
			// gone, or not ours to read
		}
	}
	return pids;
}

/** Last non-empty line of install.log. */
function lastLogLine(dir: string): string {
	return tailFile(path.join(dir, LOG_FILE), 1).trim();
}

async function waitForForeignNpm(dir: string, version: string, log: Log): Promise<void> {
	const started = Date.now();
	let lastNote = 0;
	for (;;) {
		const pids = foreignNpmPids(dir);
		if (pids.length === 0) {
			// A hand-started install's shell appends `rc=N` right after npm exits: give it a moment.
			if (fs.existsSync(path.join(dir, LOG_FILE)) && !/^rc=/.test(lastLogLine(dir))) await sleep(1500);
			return;
		}
		if (Date.now() - started > FOREIGN_WAIT_MS) {
			throw new Error(`ensureN8n: an npm process (pid ${pids.join(', ')}) has been running in ${dir} for too long`);
		}
		if (Date.now() - lastNote >= PROGRESS_EVERY_MS) {
			lastNote = Date.now();
			log(
				`n8n ${version}: waiting for an install already running in ${dir} (npm pid ${pids.join(', ')}, ` +
					`${countModules(dir)} packages so far, ${Math.round((Date.now() - started) / 1000)} s waited)`,
			);
		}
		await sleep(2000);
	}
}

/** Adopts a finished hand-started install (install.log ends with rc=0 and the tree verifies). */
function adoptForeignInstall(dir: string, version: string, log: Log): boolean {
	if (lastLogLine(dir) !== 'rc=0') return false;
	try {
		const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
		if (pkg.dependencies?.n8n !== version) return false;
	} catch {
		return false;
	}
	const problem = verifyInstall(dir, version);
	if (problem) {
		log(`n8n ${version}: the earlier install in ${dir} reported rc=0 but ${problem}; reinstalling`);
		return false;
	}
	fs.writeFileSync(path.join(dir, OK_FILE), JSON.stringify({ version, adoptedAt: new Date().toISOString() }) + '\n');
	log(`n8n ${version}: using the finished install in ${dir}`);
	return true;
}

function countModules(dir: string): number {
	try {
		return fs.readdirSync(path.join(dir, 'node_modules')).filter((n) => !n.startsWith('.')).length;
	} catch {
		return 0;
	}
}

// ---------------------------------------------------------------------------------------------
// Our own install

async function install(dir: string, version: string, log: Log): Promise<void> {
	const logPath = path.join(dir, LOG_FILE);
	if (fs.existsSync(path.join(dir, 'node_modules'))) {
		log(`n8n ${version}: removing an unfinished install in ${dir}`);
		fs.rmSync(path.join(dir, 'node_modules'), { recursive: true, force: true });
	}
	fs.rmSync(path.join(dir, 'package-lock.json'), { force: true });
	fs.rmSync(path.join(dir, OK_FILE), { force: true });
	fs.writeFileSync(
		path.join(dir, 'package.json'),
		JSON.stringify({ private: true, dependencies: { n8n: version }, overrides: { xlsx: '0.18.5' } }, null, 2) + '\n',
	);
	fs.writeFileSync(logPath, `# npm install --no-audit --no-fund (n8n ${version}), started ${new Date().toISOString()}\n`);

	log(`n8n ${version}: installing into ${dir} (takes 3-6 minutes and about 2.3 GB the first time; output in ${logPath})`);
	const started = Date.now();
	const fd = fs.openSync(logPath, 'a');
	const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
	const child = spawn(npm, ['install', '--no-audit', '--no-fund'], {
		cwd: dir,
		env: cleanEnv(),
		stdio: ['ignore', fd, fd],
	});
	const timer = setInterval(() => {
		log(
			`n8n ${version}: npm install running for ${Math.round((Date.now() - started) / 1000)} s ` +
				`(${countModules(dir)} packages in node_modules)`,
		);
	}, PROGRESS_EVERY_MS);
	let rc: number;
	try {
		rc = await new Promise<number>((resolve, reject) => {
			child.once('error', reject);
			child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
		});
	} finally {
		clearInterval(timer);
		fs.closeSync(fd);
	}
	fs.appendFileSync(logPath, `rc=${rc}\n`);
	if (rc !== 0) {
		throw new Error(
			`npm install of n8n ${version} in ${dir} failed (exit code ${rc}). Last lines of ${logPath}:\n${tailFile(logPath, 30)}`,
		);
	}
	log(`n8n ${version}: npm install finished in ${Math.round((Date.now() - started) / 1000)} s`);
}
