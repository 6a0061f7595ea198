/**
 * A real n8n (`n8n start`) in a throw-away user folder, with this repository's package installed as a
 * community package, plus a small client for the REST API the editor uses (`/rest/...`, cookie
 * session), the public API (`/api/v1/...`, X-N8N-API-KEY) and the n8n CLI.
 *
 * Endpoint shapes were checked against n8n 2.8.4's own code and a running 2.8.4; each method's comment
 * names the endpoint and body it uses.
 *
 * N8nInstance is built in layers, one concept per file, each extending the one before:
 *   n8n-process.ts  N8nProcess         the `n8n start` process: readiness, logs, stop, CLI commands
 *   rest-client.ts  N8nRestClient      HTTP: REST API (cookie session), public API (API key), owner
 *   workflows.ts    N8nWorkflowClient  workflows and executions (REST, public API and CLI)
 *   instance.ts     N8nInstance        how it is started, node/credential types, credentials
 */
import { spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanEnv, defaultLog, Log, randomId, secretStrings } from './common';
import { freePort } from '../server-process';
import { DEFAULT_N8N_VERSION, ensureN8n, n8nLabel } from './install';
import { ensureNodeRuntime, runtimeEnv } from './node-runtime';
import { extractPackage } from './pack';
import { installExitHooks, liveGroups } from './process-groups';
import { N8nWorkflowClient } from './workflows';

/**
 * Which n8n process: `start` the main process (editor, REST API, triggers, webhooks), or in queue mode a
 * `worker` (runs executions from the queue; its readiness and health server on `port`) or a `webhook` processor
 * (production webhooks only).
 */
export type N8nRole = 'start' | 'worker' | 'webhook';

export interface StartN8nOptions {
	/** Which process to start (default `start`, the main process). */
	role?: N8nRole;
	/** n8n release to run (installed into the cache on first use). Default 2.8.4. */
	version?: string;
	/**
	 * Run n8n on this Node.js version from the npm `node` package (installed into the cache on first
	 * use) instead of the Node running this process; for n8n releases that need a newer Node.
	 */
	nodeVersion?: string;
	/** An `npm pack` tarball to install as a community package (see packPackage). */
	tarball?: string;
	/** Extra environment for n8n; a value of undefined removes a variable. */
	env?: Record<string, string | undefined>;
	/** HTTP port on 127.0.0.1; default: a free one. */
	port?: number;
	/** Progress lines; default: stderr. */
	log?: Log;
	/** How long to wait for n8n to become ready. Default 180 s. */
	startTimeoutMs?: number;
	/** Keep the user folder after stop() (default: only when OTDP_KEEP_N8N=1). */
	keepUserFolder?: boolean;
}

export interface CredentialTestResult {
	/** 'OK' or 'Error' (what the editor's Test button shows). */
	status: string;
	message: string;
}

const PACKAGE_DIR_PARTS = ['.n8n', 'nodes', 'node_modules'];

/**
 * Starts n8n and waits until its REST API answers. Always call `stop()` (it is also killed when this
 * process exits).
 */
export async function startN8n(options: StartN8nOptions = {}): Promise<N8nInstance> {
	const log = options.log ?? defaultLog;
	const version = options.version ?? DEFAULT_N8N_VERSION;
	const runtime = options.nodeVersion ? { nodeVersion: options.nodeVersion } : {};
	const bin = fs.realpathSync(await ensureN8n(version, log, runtime));
	const node = options.nodeVersion ? await ensureNodeRuntime(options.nodeVersion, log) : undefined;
	const launch: N8nLaunch = {
		bin,
		version,
		label: n8nLabel(version, runtime),
		nodeBin: node?.nodeBin ?? process.execPath,
		// Anything n8n spawns by name (`node` for its task runner in some versions) must be the same runtime.
		runtimeEnv: node ? { PATH: runtimeEnv(node).PATH } : {},
	};
	const attempts = options.port ? 1 : 3;
	let lastError: unknown;
	for (let attempt = 1; attempt <= attempts; attempt++) {
		const instance = await N8nInstance.spawn(launch, options, log);
		try {
			await instance.waitUntilReady(options.startTimeoutMs ?? 180_000);
			return instance;
		} catch (error) {
			lastError = error;
			const portClash = /EADDRINUSE|already in use/i.test(instance.logs());
			await instance.stop(); // keeps the user folder only with keepUserFolder / OTDP_KEEP_N8N=1
			if (!portClash || attempt === attempts) break;
			log(`n8n: port clash on start, retrying with other ports`);
		}
	}
	throw lastError;
}

/** What runs: the n8n bin script and the node executable that runs it. */
interface N8nLaunch {
	bin: string;
	version: string;
	/** "n8n 2.8.4" or "n8n 2.41.3 on Node.js 24.21.0", for messages. */
	label: string;
	nodeBin: string;
	runtimeEnv: Record<string, string>;
}

export class N8nInstance extends N8nWorkflowClient {
	/** Name of the community package installed from the tarball, if any. */
	packageName?: string;

	/** @internal use startN8n() */
	static async spawn(launch: N8nLaunch, options: StartN8nOptions, log: Log): Promise<N8nInstance> {
		const { bin, version } = launch;
		const role = options.role ?? 'start';
		const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'otdp-n8n-'));
		let packageName: string | undefined;
		if (options.tarball) {
			const pkgDir = path.join(userFolder, ...PACKAGE_DIR_PARTS, '.extract');
			const pkg = await extractPackage(options.tarball, pkgDir);
			const finalDir = path.join(userFolder, ...PACKAGE_DIR_PARTS, pkg.name);
			fs.mkdirSync(path.dirname(finalDir), { recursive: true });
			fs.renameSync(pkgDir, finalDir);
			packageName = pkg.name;
		}
		const port = options.port ?? (await freePort());
		let brokerPort = await freePort();
		while (brokerPort === port) brokerPort = await freePort();
		const env = cleanEnv({
			NODE_ENV: 'production',
			N8N_RUNNERS_ENABLED: undefined, // deprecated in 2.x (runners are always on)
			N8N_USER_FOLDER: userFolder,
			N8N_PORT: String(port),
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_HOST: '127.0.0.1',
			N8N_PROTOCOL: 'http',
			N8N_EDITOR_BASE_URL: `http://127.0.0.1:${port}`,
			WEBHOOK_URL: `http://127.0.0.1:${port}/`,
			N8N_ENCRYPTION_KEY: crypto.randomBytes(24).toString('hex'),
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_HIRING_BANNER_ENABLED: 'false',
			N8N_SECURE_COOKIE: 'false',
			N8N_PUBLIC_API_DISABLED: 'false',
			N8N_LOG_LEVEL: 'info',
			N8N_LOG_OUTPUT: 'console',
			// Community packages in <user folder>/.n8n/nodes/node_modules are loaded unless prevented.
			N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
			N8N_COMMUNITY_PACKAGES_PREVENT_LOADING: 'false',
			N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
			N8N_REINSTALL_MISSING_PACKAGES: 'false',
			// The task broker listens on 5679 by default: give every instance its own port.
			N8N_RUNNERS_BROKER_PORT: String(brokerPort),
			N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
			DB_TYPE: 'sqlite',
			// A worker answers readiness on its own health server (not on N8N_PORT): that is its port here.
			...(role === 'worker'
				? {
						QUEUE_HEALTH_CHECK_ACTIVE: 'true',
						QUEUE_HEALTH_CHECK_PORT: String(port),
						N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
					}
				: {}),
			EXECUTIONS_DATA_SAVE_MANUAL_EXECUTIONS: 'true',
			EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
			EXECUTIONS_DATA_SAVE_ON_ERROR: 'all',
			N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '10',
			...launch.runtimeEnv,
			...options.env,
		});
		const logFile = path.join(userFolder, 'n8n.log');
		const fd = fs.openSync(logFile, 'a');
		installExitHooks();
		// Node's own flags for n8n (e.g. --trace-gc, which NODE_OPTIONS refuses), to see where a run's memory goes.
		const nodeArgs = (process.env.OTDP_N8N_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
		const child = spawn(launch.nodeBin, [...nodeArgs, bin, role], {
			cwd: userFolder,
			env,
			detached: true, // own process group, so stop() also ends the task runner n8n starts
			stdio: ['ignore', fd, fd],
		});
		fs.closeSync(fd);
		if (child.pid) liveGroups.add(child.pid);
		child.once('exit', () => child.pid && liveGroups.delete(child.pid));
		const keep = options.keepUserFolder ?? process.env.OTDP_KEEP_N8N === '1';
		const instance = new N8nInstance(
			role,
			version,
			bin,
			launch.nodeBin,
			`http://127.0.0.1:${port}`,
			port,
			userFolder,
			logFile,
			env,
			child,
			log,
			keep,
			Date.now(),
		);
		instance.packageName = packageName;
		log(
			`${launch.label}: starting ${role === 'start' ? '' : `${role} `}on http://127.0.0.1:${port} (user folder ${userFolder})`,
		);
		return instance;
	}

	// -------------------------------------------------------------------------------------------
	// Types

	/** Node type descriptions as the editor loads them (`GET /types/nodes.json`, needs the session). */
	async nodeTypeDescriptions(): Promise<
		Array<{ name: string; displayName: string; version: number | number[] } & Record<string, unknown>>
	> {
		return await this.rest('GET', '/types/nodes.json');
	}

	/** Names of all loaded node types, e.g. `n8n-nodes-base.set`, `<package>.<node>`. */
	async nodeTypes(): Promise<string[]> {
		return [...new Set((await this.nodeTypeDescriptions()).map((d) => d.name))];
	}

	/** Credential type descriptions (`GET /types/credentials.json`). */
	async credentialTypeDescriptions(): Promise<Array<{ name: string; displayName: string } & Record<string, unknown>>> {
		return await this.rest('GET', '/types/credentials.json');
	}

	/** Names of all loaded credential types (credential names are not prefixed with the package). */
	async credentialTypes(): Promise<string[]> {
		return [...new Set((await this.credentialTypeDescriptions()).map((d) => d.name))];
	}

	// -------------------------------------------------------------------------------------------
	// Credentials

	/** `POST /rest/credentials` {name, type, data}; returns the id. */
	async createCredential(type: string, name: string, data: Record<string, unknown>): Promise<string> {
		const created = await this.rest<{ id: string }>(
			'POST',
			'/rest/credentials',
			{ name, type, data },
			secretStrings(data),
		);
		return created.id;
	}

	async deleteCredential(id: string): Promise<void> {
		await this.rest('DELETE', `/rest/credentials/${encodeURIComponent(id)}`);
	}

	/**
	 * n8n's own credential test, as the editor's Test button runs it. In 2.8.4 `POST /rest/credentials/test`
	 * needs a stored credential (`{credentials: {id, name, type, data}}`; the data sent wins over the stored
	 * data), so this stores a temporary credential, tests it and deletes it again.
	 */
	async testCredential(type: string, data: Record<string, unknown>): Promise<CredentialTestResult> {
		const secrets = secretStrings(data);
		const name = `otdp credential test ${randomId(6)}`;
		const id = await this.createCredential(type, name, data);
		try {
			const result = await this.rest<{ status: string; message: string }>(
				'POST',
				'/rest/credentials/test',
				{ credentials: { id, name, type, data } },
				secrets,
			);
			return { status: result.status, message: result.message ?? '' };
		} finally {
			await this.deleteCredential(id).catch(() => undefined);
		}
	}
}
