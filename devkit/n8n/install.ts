/**
 * Installs a given n8n release once into a cache folder outside the repository and reuses it.
 *
 *   <cache>/n8n-<version>/package.json        see installPackageJson()
 *   <cache>/n8n-<version>/install.log         npm's output; the last line is `rc=<exit code>`
 *   <cache>/n8n-<version>/.otdp-install.lock  held (O_EXCL) by the one process that may install; {pid, host, since}
 *   <cache>/n8n-<version>/.otdp-install-ok    written only after a verified successful install
 *
 * With a Node.js runtime other than the one running the tests (`{ nodeVersion: '24.21.0' }`, for n8n
 * releases that need a newer Node), the folder is `n8n-<version>-node-<nodeVersion>` (native addons are
 * built for one runtime only), and npm runs with that node first on PATH and `npm_config_nodedir` at its
 * headers (see node-runtime.ts).
 *
 * <cache> is $OTDP_N8N_CACHE or ~/.cache/otdp-n8n. An install that was started by hand in that folder
 * (an `npm install` whose working directory is the folder, appending `rc=N` to install.log) is waited
 * for and adopted when it ends with rc=0. Anything else without the completion marker is redone from
 * scratch (node_modules is removed first), because a half-finished npm tree cannot be trusted.
 */
import * as fs from 'fs';
import * as path from 'path';
import { defaultLog, Log, sleep, tailFile } from './common';
import {
	acquireLock,
	countModules,
	FOREIGN_WAIT_MS,
	LOG_FILE,
	n8nCacheRoot,
	OK_FILE,
	PROGRESS_EVERY_MS,
	runNpmInstall,
} from './cache';
import { ensureNodeRuntime, NodeRuntime } from './node-runtime';

export { n8nCacheRoot } from './cache';

export const DEFAULT_N8N_VERSION = '2.8.4';

/**
 * What the first install of an n8n release costs, as measured from an empty home folder (README, the demo
 * section): said before every install, so that a long quiet wait is expected.
 */
export const FIRST_INSTALL_COST = "the first time, about 19 minutes on a busy 2-core machine and 3 GB with npm's cache";

/** Which Node.js runs n8n: undefined = the one running this process. */
export interface N8nRuntimeOptions {
	/** A Node.js version installed from the npm `node` package (e.g. '24.21.0'). */
	nodeVersion?: string;
}

export function n8nInstallDir(version = DEFAULT_N8N_VERSION, runtime: N8nRuntimeOptions = {}): string {
	return path.join(
		n8nCacheRoot(),
		runtime.nodeVersion ? `n8n-${version}-node-${runtime.nodeVersion}` : `n8n-${version}`,
	);
}

/** The n8n entry script (what node_modules/.bin/n8n links to). */
export function n8nBinPath(version = DEFAULT_N8N_VERSION, runtime: N8nRuntimeOptions = {}): string {
	return path.join(n8nInstallDir(version, runtime), 'node_modules', '.bin', 'n8n');
}

/** Whether `version` is installed and verified (no waiting, no installing). */
export function isN8nInstalled(version = DEFAULT_N8N_VERSION, runtime: N8nRuntimeOptions = {}): boolean {
	const dir = n8nInstallDir(version, runtime);
	return fs.existsSync(path.join(dir, OK_FILE)) && verifyInstall(dir, version) === undefined;
}

/** "n8n 2.8.4", or "n8n 2.41.3 on Node.js 24.21.0": how messages name an install. */
export function n8nLabel(version = DEFAULT_N8N_VERSION, runtime: N8nRuntimeOptions = {}): string {
	return runtime.nodeVersion ? `n8n ${version} on Node.js ${runtime.nodeVersion}` : `n8n ${version}`;
}

/**
 * Makes sure n8n `version` is installed in the cache and returns the path of its bin script
 * (run it as `node <bin> start`, with the runtime's node when one is given).
 * The first install takes several minutes; progress lines go to `log`.
 */
export async function ensureN8n(
	version = DEFAULT_N8N_VERSION,
	log: Log = defaultLog,
	runtime: N8nRuntimeOptions = {},
): Promise<string> {
	if (!/^\d+\.\d+\.\d+([-.][\w.]+)?$/.test(version)) throw new Error(`ensureN8n: not an n8n version: "${version}"`);
	const what = n8nLabel(version, runtime);
	const dir = n8nInstallDir(version, runtime);
	const bin = n8nBinPath(version, runtime);
	if (fs.existsSync(path.join(dir, OK_FILE)) && verifyInstall(dir, version) === undefined) return bin;

	const node: NodeRuntime | undefined = runtime.nodeVersion
		? await ensureNodeRuntime(runtime.nodeVersion, log)
		: undefined;
	fs.mkdirSync(dir, { recursive: true });
	const release = await acquireLock(dir, what, log);
	try {
		// Somebody may have finished while we waited for the lock.
		if (fs.existsSync(path.join(dir, OK_FILE)) && verifyInstall(dir, version) === undefined) return bin;

		await waitForForeignNpm(dir, what, log);
		if (adoptForeignInstall(dir, version, what, log)) return bin;

		await runNpmInstall(dir, {
			what,
			packageJson: installPackageJson(version),
			runtime: node,
			expectation: FIRST_INSTALL_COST,
			log,
		});
		const problem = verifyInstall(dir, version);
		if (problem) {
			throw new Error(
				`${what} install in ${dir} finished but looks broken: ${problem}. Last lines of install.log:\n${tailFile(path.join(dir, LOG_FILE), 30)}`,
			);
		}
		fs.writeFileSync(
			path.join(dir, OK_FILE),
			JSON.stringify({
				version,
				...(runtime.nodeVersion ? { node: runtime.nodeVersion } : {}),
				installedAt: new Date().toISOString(),
			}) + '\n',
		);
		log(`${what} is installed in ${dir}`);
		return bin;
	} finally {
		release();
	}
}

/**
 * The package.json an n8n release is installed from.
 * - `xlsx` is fetched by n8n from its vendor's own download site, which this machine cannot reach; the
 *   registry's 0.18.5 is used instead.
 * - `@confluentinc/kafka-javascript` (n8n's Kafka nodes, from n8n 2.x on Node 24) has an install script
 *   that downloads a prebuilt binary from GitHub and, failing that, builds librdkafka from sources it also
 *   downloads (zlib, OpenSSL, zstd, curl): both fail offline and fail the whole install. npm's
 *   `allowScripts` denial skips just that script; only the Kafka nodes, which these tests never use,
 *   would then miss their native module.
 */
export function installPackageJson(version: string): Record<string, unknown> {
	return {
		private: true,
		dependencies: { n8n: version },
		overrides: { xlsx: '0.18.5' },
		allowScripts: { '@confluentinc/kafka-javascript': false },
	};
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

async function waitForForeignNpm(dir: string, what: string, log: Log): Promise<void> {
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
				`${what}: waiting for an install already running in ${dir} (npm pid ${pids.join(', ')}, ` +
					`${countModules(dir)} packages so far, ${Math.round((Date.now() - started) / 1000)} s waited)`,
			);
		}
		await sleep(2000);
	}
}

/** Adopts a finished hand-started install (install.log ends with rc=0 and the tree verifies). */
function adoptForeignInstall(dir: string, version: string, what: string, log: Log): boolean {
	if (lastLogLine(dir) !== 'rc=0') return false;
	try {
		const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
		if (pkg.dependencies?.n8n !== version) return false;
	} catch {
		return false;
	}
	const problem = verifyInstall(dir, version);
	if (problem) {
		log(`${what}: the earlier install in ${dir} reported rc=0 but ${problem}; reinstalling`);
		return false;
	}
	fs.writeFileSync(path.join(dir, OK_FILE), JSON.stringify({ version, adoptedAt: new Date().toISOString() }) + '\n');
	log(`${what}: using the finished install in ${dir}`);
	return true;
}
