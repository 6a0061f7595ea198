/**
 * Packs the repository as npm would publish it, and unpacks such a tarball where n8n looks for
 * community packages.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { cleanEnv, defaultLog, Log } from './common';

const run = promisify(execFile);

export interface PackageN8nSection {
	n8nNodesApiVersion?: number;
	nodes?: string[];
	credentials?: string[];
}

/** The repository's package.json (name, version, n8n section, …). */
export function readPackageJson(repoRoot: string): { name: string; version: string; n8n?: PackageN8nSection } {
	return JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
}

/** Temp folders made by packPackage, removed when this process exits. */
const packDirs = new Set<string>();
let packCleanupInstalled = false;

function removeOnExit(dir: string): void {
	packDirs.add(dir);
	if (packCleanupInstalled) return;
	packCleanupInstalled = true;
	process.on('exit', () => {
		for (const d of packDirs) fs.rmSync(d, { recursive: true, force: true });
	});
}

/**
 * Runs `npm pack` in `repoRoot` (scripts are not run: the package must already be built with
 * `npm run build`) into a fresh temp folder and returns the tarball's path. The folder is removed
 * when this process exits (copy the tarball elsewhere to keep it).
 */
export async function packPackage(repoRoot: string, log: Log = defaultLog): Promise<string> {
	const pkg = readPackageJson(repoRoot);
	const missing: string[] = [];
	if (!fs.existsSync(path.join(repoRoot, 'dist'))) missing.push('dist/');
	for (const file of [...(pkg.n8n?.nodes ?? []), ...(pkg.n8n?.credentials ?? [])]) {
		if (!fs.existsSync(path.join(repoRoot, file))) missing.push(file);
	}
	if (missing.length > 0) {
		throw new Error(
			`The package is not built: missing ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''} ` +
				`in ${repoRoot}. Run \`npm run build\` first.`,
		);
	}
	const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'otdp-pack-'));
	removeOnExit(dest);
	const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
	let stdout: string;
	try {
		({ stdout } = await run(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', dest], {
			cwd: repoRoot,
			env: cleanEnv(),
			maxBuffer: 64 * 1024 * 1024,
		}));
	} catch (error) {
		const e = error as { stderr?: string; message: string };
		throw new Error(`npm pack failed in ${repoRoot}: ${e.stderr?.trim() || e.message}`);
	}
	let filename: string | undefined;
	try {
		const info = JSON.parse(stdout) as Array<{ filename: string; entryCount?: number; size?: number }>;
		filename = info[0]?.filename;
		log(`packed ${pkg.name}@${pkg.version}: ${info[0]?.entryCount ?? '?'} files, ${info[0]?.size ?? '?'} bytes`);
	} catch {
		filename = fs.readdirSync(dest).find((f) => f.endsWith('.tgz'));
	}
	const tarball = filename ? path.join(dest, path.basename(filename)) : '';
	if (!tarball || !fs.existsSync(tarball))
		throw new Error(`npm pack in ${repoRoot} did not produce a tarball in ${dest}`);
	return tarball;
}

/**
 * Extracts an npm tarball (entries under `package/`) into `destDir` and returns the package's
 * package.json. Uses the system `tar`.
 */
export async function extractPackage(tarball: string, destDir: string): Promise<{ name: string; version: string }> {
	fs.mkdirSync(destDir, { recursive: true });
	try {
		await run('tar', ['-xzf', tarball, '-C', destDir, '--strip-components=1']);
	} catch (error) {
		const e = error as { stderr?: string; message: string };
		throw new Error(`could not extract ${tarball}: ${e.stderr?.trim() || e.message}`);
	}
	return JSON.parse(fs.readFileSync(path.join(destDir, 'package.json'), 'utf8'));
}

/** Reads a tarball's package.json without extracting everything. */
export async function tarballPackageName(tarball: string): Promise<string> {
	const { stdout } = await run('tar', ['-xzOf', tarball, 'package/package.json'], { maxBuffer: 16 * 1024 * 1024 });
	return (JSON.parse(stdout) as { name: string }).name;
}
