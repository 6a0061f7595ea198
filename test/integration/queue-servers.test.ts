/**
 * The throwaway PostgreSQL and Redis that n8n's queue mode runs on (devkit/postgres.ts, devkit/redis.ts): they
 * serve on the loopback with the credentials they return, stop() leaves no process and no folder, and neither
 * outlives a SIGKILL of the process that started them.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { startPostgres, findPostgres } from '../../devkit/postgres';
import { startRedis } from '../../devkit/redis';

const root = resolve(__dirname, '..', '..');

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (check()) return true;
		await new Promise((r) => setTimeout(r, 100));
	}
	return check();
}

/** psql over TCP with the returned password, as n8n connects. */
function sqlOverTcp(
	server: { host: string; port: number; user: string; password: string; database: string },
	sql: string,
) {
	return execFileSync(
		join(findPostgres().bin, 'psql'),
		[
			'-h',
			server.host,
			'-p',
			String(server.port),
			'-U',
			server.user,
			'-d',
			server.database,
			'-X',
			'-A',
			'-t',
			'-c',
			sql,
		],
		{ encoding: 'utf8', env: { ...process.env, PGPASSWORD: server.password, PGCONNECT_TIMEOUT: '5' } },
	).trim();
}

describe('throwaway PostgreSQL', () => {
	it('serves its database over TCP with its password only, and stop() leaves no process and no folder', async () => {
		const server = await startPostgres({ database: 'n8n' });
		try {
			expect(server.host).toBe('127.0.0.1');
			expect(
				sqlOverTcp(server, 'CREATE TABLE t (n int); INSERT INTO t VALUES (41), (1); SELECT sum(n) FROM t'),
			).toMatch(/42$/);
			expect(await server.sql('SELECT current_database()')).toBe('n8n\n');
			expect(() => sqlOverTcp({ ...server, password: 'wrong' }, 'SELECT 1')).toThrow(/password authentication failed/);
		} finally {
			await server.stop();
		}
		expect(alive(server.pid)).toBe(false);
		expect(existsSync(server.dir)).toBe(false);
	});

	it('two at once are independent', async () => {
		const [a, b] = await Promise.all([startPostgres(), startPostgres()]);
		try {
			expect(a.port).not.toBe(b.port);
			await a.sql('CREATE TABLE only_in_a (n int)');
			expect(await b.sql("SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'")).toBe('0\n');
		} finally {
			await Promise.all([a.stop(), b.stop()]);
		}
	});
});

describe('throwaway Redis', () => {
	it('answers on the loopback, keeps nothing on disk, and stop() leaves no process and no folder', async () => {
		const server = await startRedis();
		try {
			expect(await server.command('SET k v')).toBe('+OK');
			expect(await server.command('GET k')).toBe('$1');
			expect(await server.command('CONFIG GET save')).toBe('*2');
			expect(await server.command('CONFIG GET appendonly')).toBe('*2');
		} finally {
			await server.stop();
		}
		expect(alive(server.pid)).toBe(false);
		expect(existsSync(server.dir)).toBe(false);
	});
});

describe('after a SIGKILL of the process that started them', () => {
	it('neither server nor its folder is left', async () => {
		const work = await mkdtemp(join(tmpdir(), 'queue-servers-kill-'));
		try {
			const entry = join(work, 'start.ts');
			await writeFile(
				entry,
				[
					`import { startPostgres } from ${JSON.stringify(join(root, 'devkit', 'postgres'))};`,
					`import { startRedis } from ${JSON.stringify(join(root, 'devkit', 'redis'))};`,
					'void (async () => {',
					'  const [pg, redis] = await Promise.all([startPostgres(), startRedis()]);',
					'  console.log(JSON.stringify({ pg: [pg.pid, pg.dir], redis: [redis.pid, redis.dir] }));',
					'  setInterval(() => undefined, 1000);',
					'})();',
				].join('\n'),
			);
			const bundle = join(work, 'start.js');
			execFileSync(
				join(root, 'node_modules', '.bin', 'esbuild'),
				[entry, '--bundle', '--platform=node', `--outfile=${bundle}`],
				{
					stdio: 'pipe',
				},
			);
			const child = spawn(process.execPath, [bundle], { stdio: ['ignore', 'pipe', 'inherit'] });
			const line = await new Promise<string>((resolveLine, reject) => {
				createInterface({ input: child.stdout }).once('line', resolveLine);
				child.once('exit', (code) => reject(new Error(`the starter exited with ${code}`)));
			});
			const started = JSON.parse(line) as { pg: [number, string]; redis: [number, string] };
			expect(alive(started.pg[0]) && alive(started.redis[0])).toBe(true);
			child.kill('SIGKILL');
			const gone = await eventually(
				() =>
					!alive(started.pg[0]) &&
					!alive(started.redis[0]) &&
					!existsSync(started.pg[1]) &&
					!existsSync(started.redis[1]),
				15_000,
			);
			expect({ postgres: alive(started.pg[0]), redis: alive(started.redis[0]) }).toEqual({
				postgres: false,
				redis: false,
			});
			expect({ postgresDir: existsSync(started.pg[1]), redisDir: existsSync(started.redis[1]) }).toEqual({
				postgresDir: false,
				redisDir: false,
			});
			expect(gone).toBe(true);
		} finally {
			await rm(work, { recursive: true, force: true });
		}
	});
});
