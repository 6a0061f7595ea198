/**
 * What every `npm install` into the cache runs with and says (n8n releases, Node runtimes): one function
 * builds the environment, so each install points native builds at Node's C headers; one reads what npm is
 * doing while it runs; one turns a failed install's log into what to do.
 *
 * n8n's sqlite3 (and a few other packages) compile a native addon when no prebuilt binary fits. node-gyp then
 * needs Node's C headers: without `npm_config_nodedir` it downloads them, which fails without internet or
 * behind a proxy npm alone is told about. Debian's nodejs package installs them in /usr/include/node; an
 * official Node.js tarball, nvm or the npm `node` package keep them in include/node beside bin/node.
 */
import * as fs from 'fs';
import * as path from 'path';

/** A Node.js runtime other than this process's: its node first on PATH, its headers for native builds. */
export interface InstallRuntime {
	/** The folder holding its `node`. */
	binDir: string;
	/** For `npm_config_nodedir`: the folder whose include/node has its C headers. */
	headersDir: string;
}

/** The major version the headers in `<dir>/include/node` are for; undefined when they are not there. */
function headersMajor(dir: string): number | undefined {
	try {
		if (!fs.existsSync(path.join(dir, 'include', 'node', 'node.h'))) return undefined;
		const version = fs.readFileSync(path.join(dir, 'include', 'node', 'node_version.h'), 'utf8');
		const major = /#define\s+NODE_MAJOR_VERSION\s+(\d+)/.exec(version)?.[1];
		return major === undefined ? undefined : Number(major);
	} catch {
		return undefined;
	}
}

/**
 * The folder to give node-gyp as `nodedir` for the Node.js at `nodeBin` (version `version`): where its C
 * headers are, of the same major version (native addons are built per major); undefined when none is found.
 * Looked for beside the executable (`<prefix>/bin/node` → `<prefix>/include/node`: Debian's /usr, an official
 * tarball, nvm), then in /usr and /usr/local.
 */
export function nodeHeadersDir(nodeBin = process.execPath, version = process.versions.node): string | undefined {
	const major = Number(version.replace(/^v/, '').split('.')[0]);
	let real = nodeBin;
	try {
		real = fs.realpathSync(nodeBin);
	} catch {
		// keep the path as given
	}
	const candidates = [path.dirname(path.dirname(real)), path.dirname(path.dirname(nodeBin)), '/usr', '/usr/local'];
	return [...new Set(candidates)].find((dir) => headersMajor(dir) === major);
}

/**
 * The environment of every `npm install` into the cache (merged over a cleaned copy of this process's):
 * for another runtime, its node first on PATH and its headers; otherwise the headers of the Node running
 * this process, unless npm_config_nodedir is already set to headers.
 */
export function npmInstallEnv(runtime?: InstallRuntime): Record<string, string | undefined> {
	if (runtime) return runtimeInstallEnv(runtime);
	const given = process.env.npm_config_nodedir;
	if (given && headersMajor(given) !== undefined) return { npm_config_nodedir: given };
	return { npm_config_nodedir: nodeHeadersDir() };
}

/** Another runtime's node first on PATH (for npm and whatever it spawns by name), its headers for native builds. */
export function runtimeInstallEnv(runtime: InstallRuntime): { PATH: string; npm_config_nodedir: string } {
	return {
		PATH: [runtime.binDir, process.env.PATH ?? ''].filter(Boolean).join(path.delimiter),
		npm_config_nodedir: runtime.headersDir,
	};
}

/** One line for a failed install: what to do about the cause its log shows. */
export function installFailureHint(log: string, env: Record<string, string | undefined>): string {
	if (
		/ETIMEDOUT|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ENETUNREACH|\b407\b|self[- ]signed|UNABLE_TO_GET_ISSUER/i.test(
			log,
		)
	) {
		return (
			'npm could not reach the registry or a download site: behind a proxy, set HTTPS_PROXY (and npm config set proxy / ' +
			'https-proxy), or point npm at a reachable registry, then run again'
		);
	}
	if (
		/gyp (ERR|info)|node-gyp|prebuild-install|node-pre-gyp|make: \*\*\*|No rule to make target|find Python/i.test(log)
	) {
		return env.npm_config_nodedir
			? `a native module did not build (Node's headers were taken from ${env.npm_config_nodedir}): install a C++ ` +
					'compiler, make and Python 3 (Debian: apt-get install build-essential python3), then run again'
			: "a native module did not build and Node's C headers were not found on this machine: install them " +
					'(Debian: apt-get install nodejs, which has /usr/include/node; elsewhere the include/node of the Node.js ' +
					'install) or set npm_config_nodedir to the folder whose include/node has node.h, then run again';
	}
	return 'see the last lines of install.log below; run again once the cause is fixed (a half-finished install is redone)';
}

// ---------------------------------------------------------------------------------------------
// What a running npm install is doing

/** pid → parent pid of every visible process (Linux /proc; empty elsewhere). */
function parentPids(): Map<number, number> {
	const parents = new Map<number, number>();
	let entries: string[] = [];
	try {
		entries = fs.readdirSync('/proc');
	} catch {
		return parents;
	}
	for (const entry of entries) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
			// "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
			const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
			parents.set(Number(entry), ppid);
		} catch {
			// gone
		}
	}
	return parents;
}

/** The package a folder inside `<dir>/node_modules` belongs to (the innermost one, scoped names whole). */
function packageOfFolder(folder: string, dir: string): string | undefined {
	const modules = path.join(dir, 'node_modules') + path.sep;
	if (!folder.startsWith(modules)) return undefined;
	const parts = folder.slice(modules.length).split(path.sep);
	let name: string | undefined;
	for (let i = 0; i < parts.length; i++) {
		if (i > 0 && parts[i - 1] !== 'node_modules') continue;
		if (parts[i] === 'node_modules' || parts[i] === '') continue;
		name = parts[i].startsWith('@') && parts[i + 1] ? `${parts[i]}/${parts[i + 1]}` : parts[i];
	}
	return name;
}

/** The program a process runs: node-gyp, make, cc1plus, prebuild-install... */
function programOf(pid: number): string | undefined {
	try {
		const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
		const first = path.basename(argv[0] ?? '');
		// A shell only starts the others; node is named by the script it runs.
		if (/^(sh|bash|dash)$/.test(first)) return undefined;
		const script = first === 'node' ? argv.slice(1).find((arg) => !arg.startsWith('-')) : undefined;
		return script ? path.basename(script).replace(/\.(c|m)?js$/, '') : first || undefined;
	} catch {
		return undefined;
	}
}

/**
 * What npm (process `npmPid`, installing into `dir`) is busy with: the packages whose install scripts run
 * right now and the programs they run, e.g. "sqlite3's install script (node-gyp, make, cc1plus)";
 * undefined when no install script runs (npm fetches and unpacks) or on systems without /proc.
 */
export function installActivity(npmPid: number, dir: string): string | undefined {
	const parents = parentPids();
	const descendants: number[] = [];
	const queue = [npmPid];
	while (queue.length > 0) {
		const parent = queue.shift() as number;
		for (const [pid, ppid] of parents) {
			if (ppid === parent && !descendants.includes(pid)) {
				descendants.push(pid);
				queue.push(pid);
			}
		}
	}
	const programs = new Map<string, Set<string>>();
	for (const pid of descendants) {
		let cwd: string;
		try {
			cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
		} catch {
			continue;
		}
		const pkg = packageOfFolder(cwd, fs.realpathSync(dir));
		if (!pkg) continue;
		const program = programOf(pid);
		if (!programs.has(pkg)) programs.set(pkg, new Set());
		if (program && !/^(npm|npm-cli)$/.test(program)) programs.get(pkg)?.add(program);
	}
	if (programs.size === 0) return undefined;
	return [...programs.entries()]
		.map(([pkg, names]) => `${pkg}'s install script${names.size > 0 ? ` (${[...names].join(', ')})` : ''}`)
		.join('; ');
}

/** "4 min 05 s", "35 s". */
export function elapsedText(ms: number): string {
	const seconds = Math.round(ms / 1000);
	return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}
