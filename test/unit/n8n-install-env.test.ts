/**
 * Every npm install the project makes into the n8n cache (each n8n release, each Node runtime) builds native
 * modules against Node's C headers found on this machine, says what it is doing while it runs, and says in
 * one line what to do when it fails. Cheap: a stand-in `npm` on PATH records the environment it was started
 * with and does the least a real install would; nothing is downloaded.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { ensureN8n } from '../../devkit/n8n/install';
import { installActivity, installFailureHint, nodeHeadersDir, npmInstallEnv } from '../../devkit/n8n/install-env';
import { ensureNodeRuntime } from '../../devkit/n8n/node-runtime';

const RUNTIME = '99.1.0';
const platformPackage = `node-${process.platform}-${process.arch}`;

/** A Node.js prefix with headers of `major` (or none), and a bin/node file. */
function fakePrefix(root: string, major: number | undefined): string {
	fs.mkdirSync(path.join(root, 'bin'), { recursive: true });
	fs.writeFileSync(path.join(root, 'bin', 'node'), '');
	if (major !== undefined) {
		fs.mkdirSync(path.join(root, 'include', 'node'), { recursive: true });
		fs.writeFileSync(path.join(root, 'include', 'node', 'node.h'), '');
		fs.writeFileSync(path.join(root, 'include', 'node', 'node_version.h'), `#define NODE_MAJOR_VERSION ${major}\n`);
	}
	return root;
}

/**
 * A stand-in npm: appends "<cwd>|<npm_config_nodedir>" to $RECORD; installing the `node` package, it lays
 * out what that package installs (a node reporting its version, the headers); anything else fails the way
 * $NPM_FAILS says (a native build, or no network).
 */
const FAKE_NPM = `#!/bin/sh
echo "$PWD|\${npm_config_nodedir:-}" >> "$RECORD"
if grep -q '"node": "${RUNTIME}"' package.json; then
  mkdir -p node_modules/node/bin node_modules/${platformPackage}/include/node
  printf '#!/bin/sh\\necho v${RUNTIME}\\n' > node_modules/node/bin/node
  chmod +x node_modules/node/bin/node
  : > node_modules/${platformPackage}/include/node/node.h
  exit 0
fi
if [ "$NPM_FAILS" = network ]; then echo "npm error code ETIMEDOUT"; else echo "gyp ERR! stack Error: not found: make"; fi
exit 1
`;

describe('every n8n install gets the location of Node headers', () => {
	let work: string;
	const saved = { ...process.env };
	const quiet = () => undefined;
	const recorded = (): Array<{ dir: string; nodedir: string }> =>
		fs
			.readFileSync(path.join(work, 'record'), 'utf8')
			.trim()
			.split('\n')
			.map((line) => {
				const [dir, nodedir] = line.split('|');
				return { dir, nodedir };
			});

	beforeEach(() => {
		work = fs.mkdtempSync(path.join(os.tmpdir(), 'otdp-install-env-'));
		fs.mkdirSync(path.join(work, 'bin'));
		fs.writeFileSync(path.join(work, 'bin', 'npm'), FAKE_NPM, { mode: 0o755 });
		process.env.PATH = `${path.join(work, 'bin')}${path.delimiter}${saved.PATH ?? ''}`;
		process.env.OTDP_N8N_CACHE = path.join(work, 'cache');
		process.env.RECORD = path.join(work, 'record');
		delete process.env.npm_config_nodedir;
		delete process.env.NPM_FAILS;
	});
	afterEach(() => {
		process.env = { ...saved };
		fs.rmSync(work, { recursive: true, force: true });
	});

	it("finds this machine's headers for the Node running the tests (they are needed here)", () => {
		const found = nodeHeadersDir();
		if (found === undefined)
			throw new Error(
				"no Node.js headers on this machine (include/node/node.h beside node's prefix, /usr or /usr/local)",
			);
		expect(fs.existsSync(path.join(found, 'include', 'node', 'node.h'))).toBe(true);
		expect(npmInstallEnv().npm_config_nodedir).toBe(found);
	});

	it('finds headers beside a node of the same major version only', () => {
		const prefix = fakePrefix(path.join(work, 'prefix'), 31);
		expect(nodeHeadersDir(path.join(prefix, 'bin', 'node'), '31.2.0')).toBe(prefix);
		const other = fakePrefix(path.join(work, 'other'), 30);
		expect(nodeHeadersDir(path.join(other, 'bin', 'node'), '31.2.0')).toBeUndefined();
		const none = fakePrefix(path.join(work, 'none'), undefined);
		expect(nodeHeadersDir(path.join(none, 'bin', 'node'), '31.2.0')).toBeUndefined();
	});

	it('an n8n release for the Node running the tests: its install is pointed at those headers', async () => {
		const failure = await ensureN8n('9.9.9', quiet).then(
			() => undefined,
			(error: Error) => error,
		);
		expect(recorded()).toEqual([{ dir: path.join(work, 'cache', 'n8n-9.9.9'), nodedir: nodeHeadersDir() }]);
		// One line says what to do, before the log's tail.
		expect(failure?.message.split('\n')[0]).toMatch(/a native module did not build .*build-essential/);
	});

	it('a Node runtime, and an n8n release on it: the runtime gets the host headers, the release its own', async () => {
		const runtime = await ensureNodeRuntime(RUNTIME, quiet);
		await ensureN8n('9.9.8', quiet, { nodeVersion: RUNTIME }).catch(() => undefined);
		expect(recorded()).toEqual([
			{ dir: path.join(work, 'cache', `node-${RUNTIME}`), nodedir: nodeHeadersDir() },
			{ dir: path.join(work, 'cache', `n8n-9.9.8-node-${RUNTIME}`), nodedir: runtime.headersDir },
		]);
		expect(runtime.headersDir).toContain(platformPackage);
	});

	it('without a network, the one line says what to do about the proxy', async () => {
		process.env.NPM_FAILS = 'network';
		await expect(ensureN8n('9.9.7', quiet)).rejects.toThrow(/failed \(exit code 1\): .*HTTPS_PROXY/);
		expect(installFailureHint('gyp ERR! find Python', {})).toMatch(/headers were not found.*npm_config_nodedir/);
	});
});

describe('while npm installs, the progress line says what it is doing', () => {
	it('names the package whose install script runs, and the programs it runs', async () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otdp-install-activity-'));
		const pkg = path.join(dir, 'node_modules', '@scope', 'native', 'node_modules', 'sqlite3');
		fs.mkdirSync(pkg, { recursive: true });
		// Stands for npm: its child runs in the package's folder, as an install script does.
		const npm = spawn('sh', ['-c', `cd '${pkg}' && exec sleep 30`], { cwd: dir, stdio: 'ignore' });
		try {
			await new Promise((resolve) => setTimeout(resolve, 300));
			expect(installActivity(process.pid, dir)).toBe("sqlite3's install script (sleep)");
			expect(installActivity(npm.pid as number, path.join(dir, 'elsewhere'))).toBeUndefined();
		} finally {
			npm.kill('SIGKILL');
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});
});
