/**
 * A throwaway Redis server per call (Debian's `redis-server`), for n8n's queue mode: a free port on the IPv4
 * loopback, no persistence (no snapshots, no append-only file), its working folder under the OS temp dir.
 * Clean-up as for slapd (devkit/server-process.ts): stop() by pid and the folder removed; an exit hook and a
 * watchdog that outlives a SIGKILL of this process do the same.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, terminateServer, trackServer, type LiveServer } from './server-process';

export interface RedisOptions {
	/** How long to wait for the server to answer PING (default 15 s). */
	startTimeoutMs?: number;
}

export interface Redis {
	host: string;
	port: number;
	readonly pid: number;
	readonly running: boolean;
	dir: string;
	/** Sends one command (inline form) and resolves with the first line of the answer, e.g. `+PONG`. */
	command(text: string): Promise<string>;
	/** SIGTERM, wait for the exit, remove the folder. Idempotent. */
	stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const REDIS_SERVER = '/usr/bin/redis-server';

export async function startRedis(options: RedisOptions = {}): Promise<Redis> {
	if (!existsSync(REDIS_SERVER)) {
		throw new Error(`redis-server not found at ${REDIS_SERVER}: run scripts/install-system-deps.sh --tests as root`);
	}
	const dir = await mkdtemp(join(tmpdir(), 'redis-test-'));
	let current: LiveServer | undefined;
	try {
		let port = 0;
		let output = '';
		// Another process may take the port between freePort() and the server's bind: retry with a new one.
		for (let attempt = 1; ; attempt++) {
			port = await freePort(HOST);
			output = '';
			const child = spawn(
				REDIS_SERVER,
				[
					'--port',
					String(port),
					'--bind',
					HOST,
					'--dir',
					dir,
					'--save',
					'',
					'--appendonly',
					'no',
					'--daemonize',
					'no',
					'--logfile',
					'',
					'--protected-mode',
					'yes',
				],
				{ stdio: ['ignore', 'pipe', 'pipe'] },
			);
			const keep = (d: Buffer) => (output = (output + d.toString()).slice(-16_384));
			child.stdout?.on('data', keep);
			child.stderr?.on('data', keep);
			child.on('error', (e) => keep(Buffer.from(`spawn error: ${e.message}\n`)));
			current = trackServer(child, dir);
			try {
				await waitUntilReady(port, current, () => output, options.startTimeoutMs ?? 15_000);
				break;
			} catch (error) {
				await terminateServer(current);
				if (attempt >= 3 || !/in use|could not create server/i.test(output)) throw error;
			}
		}
		const live = current;
		let stopped = false;
		return {
			host: HOST,
			port,
			dir,
			get pid() {
				return live.child.pid ?? -1;
			},
			get running() {
				return live.child.exitCode === null && live.child.signalCode === null;
			},
			command: (text) => redisCommand(port, text),
			async stop() {
				if (stopped) return;
				stopped = true;
				await terminateServer(live);
				await rm(dir, { recursive: true, force: true });
			},
		};
	} catch (error) {
		await terminateServer(current);
		await rm(dir, { recursive: true, force: true });
		throw error;
	}
}

/** One inline command on a fresh connection; the first line of the answer. Bounded: 2 s, 64 KB. */
function redisCommand(port: number, text: string): Promise<string> {
	return new Promise((resolve, reject) => {
		const socket = connect({ host: HOST, port });
		let answer = '';
		const timer = setTimeout(() => socket.destroy(new Error(`Redis did not answer ${text} within 2 s`)), 2_000);
		socket.once('connect', () => socket.write(`${text}\r\n`));
		socket.on('data', (d: Buffer) => {
			answer += d.toString();
			const end = answer.indexOf('\r\n');
			if (end >= 0 || answer.length > 65_536) {
				clearTimeout(timer);
				socket.destroy();
				resolve(end >= 0 ? answer.slice(0, end) : answer);
			}
		});
		socket.once('error', (error) => {
			clearTimeout(timer);
			reject(error);
		});
		socket.once('close', () => {
			clearTimeout(timer);
			reject(new Error(`Redis closed the connection without answering ${text}`));
		});
	});
}

async function waitUntilReady(port: number, server: LiveServer, output: () => string, timeoutMs: number) {
	const deadline = Date.now() + timeoutMs;
	const { child } = server;
	let lastError: unknown;
	while (Date.now() < deadline) {
		if (child.exitCode !== null || child.signalCode !== null) {
			throw new Error(`redis-server exited during start-up (code ${child.exitCode}):\n${output()}`);
		}
		try {
			if ((await redisCommand(port, 'PING')) === '+PONG') return;
		} catch (error) {
			lastError = error;
		}
		await new Promise((r) => setTimeout(r, 50));
	}
	throw new Error(`redis-server did not answer PING within ${timeoutMs} ms (${String(lastError)}):\n${output()}`);
}
