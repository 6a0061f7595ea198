/**
 * A Node.js runtime other than the one running the tests, for n8n releases whose engines need it
 * (n8n 2.36+ needs Node 24; this machine runs Node 20). It comes from the npm `node` package:
 *
 *   <cache>/node-<version>/package.json        {"private":true,"dependencies":{"node":"<version>"}}
 *   <cache>/node-<version>/node_modules/node/bin/node
 *   <cache>/node-<version>/node_modules/**\/node-<platform>-<arch>/include/node   the C headers
 *
 * The `node` package's preinstall fetches the platform package `node-<platform>-<arch>`, which ships
 * the headers too: with `npm_config_nodedir` pointing at it, node-gyp compiles native addons (sqlite3)
 * for this runtime without downloading anything else. Same lock, log and marker files as the n8n installs.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { defaultLog, Log } from './common';
import { acquireLock, n8nCacheRoot, OK_FILE, runNpmInstall } from './cache';
import { runtimeInstallEnv } from './install-env';

export interface NodeRuntime {
	/** e.g. '24.21.0' */
	version: string;
	/** The node executable. */
	nodeBin: string;
	/** The folder holding `node` (put first on PATH so `npm` and anything spawning `node` use it). */
	binDir: string;
	/** For `npm_config_nodedir`: the folder whose `include/node` has the runtime's C headers. */
	headersDir: string;
}

export function nodeRuntimeDir(nodeVersion: string): string {
	return path.join(n8nCacheRoot(), `node-${nodeVersion}`);
}

/** Where the install put things, or what is missing. */
function locateRuntime(dir: string, nodeVersion: string): NodeRuntime | string {
	const binDir = path.join(dir, 'node_modules', 'node', 'bin');
	const nodeBin = path.join(binDir, process.platform === 'win32' ? 'node.exe' : 'node');
	if (!fs.existsSync(nodeBin)) return 'node_modules/node/bin/node is missing';
	const platformPackage = `node-${process.platform}-${process.arch}`;
	// npm nests it under the `node` package (its preinstall installs it there) or hoists it.
	const headersDir = [
		path.join(dir, 'node_modules', 'node', 'node_modules', platformPackage),
		path.join(dir, 'node_modules', platformPackage),
	].find((d) => fs.existsSync(path.join(d, 'include', 'node', 'node.h')));
	if (!headersDir) return `the C headers (${platformPackage}/include/node/node.h) are missing`;
	let reported = '';
	try {
		reported = execFileSync(nodeBin, ['--version'], { encoding: 'utf8', timeout: 30_000 }).trim();
	} catch (error) {
		return `${nodeBin} --version failed: ${(error as Error).message}`;
	}
	if (reported !== `v${nodeVersion}`) return `${nodeBin} reports ${reported}, not v${nodeVersion}`;
	return { version: nodeVersion, nodeBin, binDir, headersDir };
}

/** Installs Node.js `nodeVersion` from the npm `node` package into the cache once (seconds) and returns it. */
export async function ensureNodeRuntime(nodeVersion: string, log: Log = defaultLog): Promise<NodeRuntime> {
	if (!/^\d+\.\d+\.\d+$/.test(nodeVersion))
		throw new Error(`ensureNodeRuntime: not a Node.js version: "${nodeVersion}"`);
	const what = `Node.js ${nodeVersion}`;
	const dir = nodeRuntimeDir(nodeVersion);
	const verified = (): NodeRuntime | undefined => {
		if (!fs.existsSync(path.join(dir, OK_FILE))) return undefined;
		const found = locateRuntime(dir, nodeVersion);
		return typeof found === 'string' ? undefined : found;
	};
	const ready = verified();
	if (ready) return ready;

	fs.mkdirSync(dir, { recursive: true });
	const release = await acquireLock(dir, what, log);
	try {
		const meanwhile = verified();
		if (meanwhile) return meanwhile;
		await runNpmInstall(dir, {
			what,
			packageJson: { private: true, dependencies: { node: nodeVersion } },
			expectation: 'about 10 s and 130 MB',
			log,
		});
		const found = locateRuntime(dir, nodeVersion);
		if (typeof found === 'string') throw new Error(`${what} install in ${dir} finished but looks broken: ${found}`);
		fs.writeFileSync(
			path.join(dir, OK_FILE),
			JSON.stringify({ node: nodeVersion, installedAt: new Date().toISOString() }) + '\n',
		);
		log(`${what} is installed in ${dir}`);
		return found;
	} finally {
		release();
	}
}

/** Environment for npm and n8n so they run on `runtime` (and native addons build against its headers). */
export function runtimeEnv(runtime: NodeRuntime): { PATH: string; npm_config_nodedir: string } {
	return runtimeInstallEnv(runtime);
}
