/**
 * n8n's queue mode, the way a deployment outgrows one process: a main process (editor, REST API, polling
 * triggers, schedules; it enqueues executions), workers that run the executions from a Bull queue in Redis,
 * and a webhook processor that receives production webhooks and enqueues their executions; all on one
 * PostgreSQL database and one encryption key, every process with the package installed, on the loopback.
 *
 * Each process is an N8nInstance started by startN8n (instance.ts) with its role: one code path for the
 * install, the package, the environment, readiness and the clean-up. PostgreSQL and Redis are the throwaway
 * servers of devkit/postgres.ts and devkit/redis.ts; both fail loudly when they are not installed.
 *
 *   const queue = await startN8nQueue({ tarball, workers: 2 });
 *   await queue.main.setupOwner(); await queue.main.createApiKey();
 *   fetch(`${queue.webhook.url}/webhook/...`); await queue.workers[0].kill(); await queue.stop();
 */
import * as crypto from 'crypto';
import { n8nDatabaseEnv, startPostgres, type Postgres } from '../postgres';
import { startRedis, type Redis } from '../redis';
import { freePort } from '../server-process';
import { defaultLog } from './common';
import { startN8n, type N8nInstance, type StartN8nOptions } from './instance';

export interface N8nQueueOptions extends Omit<StartN8nOptions, 'role' | 'port'> {
	/** How many `n8n worker` processes (default 2). */
	workers?: number;
	/** Executions one worker runs at once (`--concurrency`; n8n's default is 10). */
	workerConcurrency?: number;
}

export interface N8nQueue {
	/** `n8n start` in queue mode: the REST API, owner and API key live here. */
	main: N8nInstance;
	/** The `n8n worker` processes still part of the setup (a killed one stays until replaced). */
	workers: N8nInstance[];
	/** The `n8n webhook` processor; WEBHOOK_URL of every process points at it, as a load balancer would. */
	webhook: N8nInstance;
	postgres: Postgres;
	redis: Redis;
	/** The environment every process shares (database, Redis, encryption key, queue mode). */
	sharedEnv: Record<string, string>;
	/** Starts one more worker (e.g. to replace a killed one); it joins `workers`. */
	addWorker(): Promise<N8nInstance>;
	/** Stops every process, then Redis and PostgreSQL. Idempotent. */
	stop(): Promise<void>;
}

/**
 * Starts PostgreSQL and Redis, then main (which creates the schema), then the workers and the webhook
 * processor together. Always call stop().
 */
export async function startN8nQueue(options: N8nQueueOptions = {}): Promise<N8nQueue> {
	const log = options.log ?? defaultLog;
	const [postgres, redis] = await Promise.all([startPostgres({ database: 'n8n' }), startRedis()]);
	const started: N8nInstance[] = [];
	const stopAll = async () => {
		await Promise.allSettled(started.map((instance) => instance.stop()));
		await Promise.allSettled([redis.stop(), postgres.stop()]);
	};
	try {
		const webhookPort = await freePort();
		const sharedEnv: Record<string, string> = {
			EXECUTIONS_MODE: 'queue',
			...n8nDatabaseEnv(postgres),
			QUEUE_BULL_REDIS_HOST: redis.host,
			QUEUE_BULL_REDIS_PORT: String(redis.port),
			N8N_ENCRYPTION_KEY: crypto.randomBytes(24).toString('hex'),
			// Manual runs (the editor's Execute button, runWorkflow) go to the workers as well, as n8n advises.
			OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
			WEBHOOK_URL: `http://127.0.0.1:${webhookPort}/`,
		};
		const start = async (role: StartN8nOptions['role'], port?: number, extraEnv: Record<string, string> = {}) => {
			const instance = await startN8n({
				...options,
				role,
				port: port ?? (await freePort()),
				log,
				env: { ...options.env, ...sharedEnv, ...extraEnv },
			});
			started.push(instance);
			return instance;
		};
		const concurrency = options.workerConcurrency;
		const workerEnv: Record<string, string> = concurrency
			? { N8N_CONCURRENCY_PRODUCTION_LIMIT: String(concurrency) }
			: {};
		const main = await start('start');
		const [webhook, ...workers] = await Promise.all([
			start('webhook', webhookPort),
			...Array.from({ length: options.workers ?? 2 }, () => start('worker', undefined, workerEnv)),
		]);
		let stopping: Promise<void> | undefined;
		const queue: N8nQueue = {
			main,
			webhook,
			workers,
			postgres,
			redis,
			sharedEnv,
			async addWorker() {
				const worker = await start('worker', undefined, workerEnv);
				queue.workers.push(worker);
				return worker;
			},
			async stop() {
				stopping ??= stopAll();
				await stopping;
			},
		};
		return queue;
	} catch (error) {
		await stopAll();
		throw error;
	}
}
