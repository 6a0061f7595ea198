/**
 * A throwaway PostgreSQL server per call (Debian's, under /usr/lib/postgresql/<version>/bin), for the tests
 * and measurements that run n8n on PostgreSQL (queue mode needs it).
 *
 * startPostgres() makes a private folder under the OS temp dir, runs `initdb` there (a superuser with a random
 * password, password checks over TCP, trust on the folder's own unix socket), and runs `postgres` in the
 * foreground as a child process on a free loopback port, with its unix socket in the same folder. PostgreSQL
 * refuses to run as root: as root, the folder is handed to the `postgres` system user and every PostgreSQL
 * program runs as that user through `setpriv`, which replaces itself by the program (so the child's pid is the
 * postmaster's). Durability is switched off (fsync, synchronous commit): the data is thrown away anyway.
 *
 * Clean-up is layered as for the other servers (devkit/server-process.ts), but a postmaster is stopped by a
 * signal of its own: stop() asks for a fast shutdown (SIGINT) and removes the folder; the exit hook and the
 * watchdog (which outlives a SIGKILL of this process) run one script that asks for an immediate shutdown
 * (SIGQUIT), SIGKILLs it if it is still there after five seconds, removes the System V segment a killed
 * postmaster leaves behind (its id is in postmaster.pid) and removes the folder. The backends a killed
 * postmaster leaves notice its death and exit by themselves.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, guardCleanUp, runTool, stopProcess, unrefChild, type CleanUpGuard } from './server-process';

export interface PostgresOptions {
	/** The database created for the caller (default `n8n`). */
	database?: string;
	/** How long to wait for the server to accept connections (default 30 s). */
	startTimeoutMs?: number;
}

export interface Postgres {
	/** 127.0.0.1: the server listens on the IPv4 loopback only (and on its unix socket). */
	host: string;
	port: number;
	/** The superuser initdb made; its password is checked on TCP connections. */
	user: string;
	password: string;
	/** Created empty for the caller. */
	database: string;
	/** The PostgreSQL major version, e.g. 15. */
	version: number;
	/** pid of the postmaster. */
	readonly pid: number;
	readonly running: boolean;
	/** The private folder (data directory in `data/`, unix socket). */
	dir: string;
	/** Runs SQL through `psql` on the unix socket in `database` (or another); resolves with its unaligned output. */
	sql(statement: string, database?: string): Promise<string>;
	/** Fast shutdown, wait for the exit, remove the folder. Idempotent. */
	stop(): Promise<void>;
}

/** The environment that points n8n at `postgres` as its database (`DB_TYPE=postgresdb`). */
export function n8nDatabaseEnv(postgres: Postgres): Record<string, string> {
	return {
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: postgres.host,
		DB_POSTGRESDB_PORT: String(postgres.port),
		DB_POSTGRESDB_DATABASE: postgres.database,
		DB_POSTGRESDB_USER: postgres.user,
		DB_POSTGRESDB_PASSWORD: postgres.password,
	};
}

const HOST = '127.0.0.1';
const USER = 'otdp';
const POSTGRES_ROOT = '/usr/lib/postgresql';

/** $0 = postmaster pid, $1 = folder. Immediate shutdown, SIGKILL after 5 s, leftover segment, folder. */
const CLEAN_UP_SCRIPT = [
	'kill -QUIT "$0" 2>/dev/null',
	'i=0',
	'while [ -e "$1/data/postmaster.pid" ] && kill -0 "$0" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done',
	'kill -9 "$0" 2>/dev/null',
	'shm=$(sed -n 7p "$1/data/postmaster.pid" 2>/dev/null | awk \'{print $2}\')',
	'[ -n "$shm" ] && ipcrm -m "$shm" 2>/dev/null',
	'rm -rf "$1"',
].join('; ');

interface Installation {
	bin: string;
	version: number;
}

/** The newest Debian PostgreSQL with a server and initdb; fails loudly when there is none. */
export function findPostgres(): Installation {
	const versions = existsSync(POSTGRES_ROOT)
		? execFileSync('ls', [POSTGRES_ROOT], { encoding: 'utf8' })
				.split('\n')
				.map(Number)
				.filter((v) => Number.isInteger(v) && v > 0)
				.filter((v) =>
					['initdb', 'postgres', 'psql'].every((p) => existsSync(join(POSTGRES_ROOT, String(v), 'bin', p))),
				)
				.sort((a, b) => b - a)
		: [];
	const version = versions[0];
	if (version === undefined) {
		throw new Error(
			`PostgreSQL not found (no ${POSTGRES_ROOT}/<version>/bin with initdb, postgres and psql): run scripts/install-system-deps.sh --tests as root`,
		);
	}
	return { bin: join(POSTGRES_ROOT, String(version), 'bin'), version };
}

/** As root: the `postgres` system user's ids, which every PostgreSQL program runs as. Otherwise ourselves. */
function serverAccount(): { uid: number; gid: number } | undefined {
	if (process.getuid?.() !== 0) return undefined;
	try {
		const [uid, gid] = execFileSync('sh', ['-c', 'id -u postgres && id -g postgres'], { encoding: 'utf8' })
			.trim()
			.split('\n')
			.map(Number);
		if (uid === undefined || gid === undefined || !Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error();
		return { uid, gid };
	} catch {
		throw new Error(
			'PostgreSQL refuses to run as root and there is no `postgres` system user (Debian’s postgresql package makes it): run scripts/install-system-deps.sh --tests',
		);
	}
}

/** The program and arguments that run `program` as the server account. */
function asServer(
	account: { uid: number; gid: number } | undefined,
	program: string,
	args: string[],
): [string, string[]] {
	if (!account) return [program, args];
	return ['setpriv', [`--reuid=${account.uid}`, `--regid=${account.gid}`, '--clear-groups', '--', program, ...args]];
}

export async function startPostgres(options: PostgresOptions = {}): Promise<Postgres> {
	const install = findPostgres();
	const account = serverAccount();
	const dir = await mkdtemp(join(tmpdir(), 'postgres-test-'));
	const live: Live = {};
	try {
		return await startIn(dir, install, account, options, live);
	} catch (error) {
		await stopProcess(live.child, 5_000, 'SIGQUIT');
		live.guard?.release();
		await rm(dir, { recursive: true, force: true });
		throw error;
	}
}

/** The postmaster running now and its clean-up guard. */
interface Live {
	child?: ChildProcess;
	guard?: CleanUpGuard;
}

async function startIn(
	dir: string,
	install: Installation,
	account: { uid: number; gid: number } | undefined,
	options: PostgresOptions,
	live: Live,
): Promise<Postgres> {
	const password = randomBytes(18).toString('base64url');
	const passwordFile = join(dir, 'password');
	await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
	if (account) {
		await chown(dir, account.uid, account.gid);
		await chown(passwordFile, account.uid, account.gid);
	}
	const data = join(dir, 'data');
	await runTool(
		...asServer(account, join(install.bin, 'initdb'), [
			'-D',
			data,
			'-U',
			USER,
			`--pwfile=${passwordFile}`,
			'--auth-local=trust',
			'--auth-host=scram-sha-256',
			'-E',
			'UTF8',
			'--no-locale',
			'--no-sync',
		]),
	);
	await rm(passwordFile);

	let port = 0;
	let stderrTail = '';
	const launch = async (): Promise<void> => {
		stderrTail = '';
		const [program, args] = asServer(account, join(install.bin, 'postgres'), [
			'-D',
			data,
			'-p',
			String(port),
			'-h',
			HOST,
			'-k',
			dir,
			'-c',
			'fsync=off',
			'-c',
			'synchronous_commit=off',
			'-c',
			'full_page_writes=off',
			'-c',
			'max_connections=200',
			// When each row was last written (pg_xact_commit_timestamp), for benchmarks that time n8n's writes.
			'-c',
			'track_commit_timestamp=on',
		]);
		const started = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
		live.child = started;
		const keep = (d: Buffer) => (stderrTail = (stderrTail + d.toString()).slice(-16_384));
		started.stdout?.on('data', keep);
		started.stderr?.on('data', keep);
		started.on('error', (e) => keep(Buffer.from(`spawn error: ${e.message}\n`)));
		unrefChild(started);
		if (started.pid !== undefined) {
			const pid = String(started.pid);
			const guard = guardCleanUp(() => execFileSync('sh', ['-c', CLEAN_UP_SCRIPT, pid, dir]), {
				script: CLEAN_UP_SCRIPT,
				args: [pid, dir],
			});
			live.guard = guard;
			started.once('exit', () => guard.release());
		}
		await waitUntilReady(install, port, started, () => stderrTail, options.startTimeoutMs ?? 30_000);
	};

	// Another process may grab the port between freePort() and the postmaster's bind: retry with a new one.
	for (let attempt = 1; ; attempt++) {
		port = await freePort(HOST);
		try {
			await launch();
			break;
		} catch (error) {
			await stopProcess(live.child, 5_000, 'SIGQUIT');
			if (attempt >= 3 || !/could not bind|in use/i.test(stderrTail)) throw error;
		}
	}

	const database = options.database ?? 'n8n';
	const psql = (statement: string, db: string) =>
		runTool(join(install.bin, 'psql'), [
			'-h',
			dir,
			'-p',
			String(port),
			'-U',
			USER,
			'-d',
			db,
			'-X',
			'-A',
			'-t',
			'-v',
			'ON_ERROR_STOP=1',
			'-c',
			statement,
		]);
	await psql(`CREATE DATABASE "${database.replace(/"/g, '""')}"`, 'postgres');

	let stopped = false;
	const server: Postgres = {
		host: HOST,
		port,
		user: USER,
		password,
		database,
		version: install.version,
		dir,
		get pid() {
			return live.child?.pid ?? -1;
		},
		get running() {
			const child = live.child;
			return child !== undefined && child.exitCode === null && child.signalCode === null;
		},
		sql: (statement, db) => psql(statement, db ?? database),
		async stop() {
			if (stopped) return;
			stopped = true;
			// Fast shutdown: open connections are ended (SIGTERM would wait for every client to leave).
			await stopProcess(live.child, 10_000, 'SIGINT');
			await rm(dir, { recursive: true, force: true });
		},
	};
	return server;
}

/** pg_isready until the server accepts connections, the process dies, or time runs out. */
async function waitUntilReady(
	install: Installation,
	port: number,
	child: ChildProcess,
	stderr: () => string,
	timeoutMs: number,
): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	const exited = once(child, 'exit').then(() => false);
	exited.catch(() => undefined);
	while (Date.now() < deadline) {
		if (child.exitCode !== null || child.signalCode !== null) break;
		const ready = runTool(join(install.bin, 'pg_isready'), ['-h', HOST, '-p', String(port), '-t', '2']).then(
			() => true,
			() => undefined,
		);
		if (await Promise.race([ready, exited])) return;
		if (child.exitCode !== null || child.signalCode !== null) break;
		await new Promise((r) => setTimeout(r, 100));
	}
	if (child.exitCode !== null || child.signalCode !== null) {
		throw new Error(
			`postgres exited during start-up (code ${child.exitCode}, signal ${child.signalCode}):\n${stderr()}`,
		);
	}
	throw new Error(`postgres did not accept connections within ${timeoutMs} ms:\n${stderr()}`);
}
