/**
 * 10,000 recipients through the FCM emulator, dispatcher against baselines in the same script.
 *
 *   npm run bench push          (scripts/bench.mjs bundles this file with esbuild and runs it with --expose-gc)
 *
 *   BENCH_CONCURRENCY=50 npm run bench push   (default 20: the push node's default concurrency)
 *
 * (a) 25 ms latency injected per request: the dispatcher at concurrency C should reach ≥ 90% of C ÷ latency,
 *     and ≥ 20× the naive way (one request after another: the dispatcher at concurrency 1, timed on a subset
 *     before and after the concurrent rounds, the faster of the two).
 * (b) No injected latency: the dispatcher should reach ≥ 80% of the same HTTP client driving the same
 *     emulator at the same concurrency without the dispatcher (bodies and 40-character idempotency keys built
 *     before the clock starts, one shared access token).
 * Dispatcher and control run in interleaved rounds (5 with latency, 11 without), and the figures are medians: the
 * median rate for (a), the median of the rounds' paired ratios for (b). Without a target, (b) is measured once
 * more in 20 alternating slices of 1,000 recipients a side, the steadier figure for the dispatcher's own cost.
 * Prints messages per second, CPU time per message (the whole process: a figure that, unlike throughput,
 * does not depend on what else the machine is doing), the ratios and the peak RSS of each run.
 *
 * The emulator runs in a worker thread of the same process, so that its own work (JSON parsing, JWT checks)
 * does not share one event loop with the sender being measured; tests run it on the test's own thread.
 */
import { createHash } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { FcmChannel, buildFcmMessage } from '../core/push/channels/fcm';
import { FcmAccessTokens } from '../core/push/channels/fcm-auth';
import { dispatch } from '../core/push/dispatcher';
import type { PushMessage } from '../core/push/message';
import type { PushRecipient } from '../core/push/types';
import { startFcmEmulator } from '../emulators/push/fcm';
import type { ServiceAccount } from '../core/push/channels/fcm-auth';
import { createAxiosTransport, type AxiosTransport } from '../tools/http/axios-transport';

const RECIPIENTS = Number(process.env.BENCH_RECIPIENTS ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
const LATENCY_MS = 25;
const NAIVE_SUBSET = Number(process.env.BENCH_NAIVE ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const FAST_ROUNDS = 2 * ROUNDS + 1;
const SLICES = 20;
const SLICE = 1_000;

const message: PushMessage = {
	title: 'Service announcement',
	body: 'Maintenance tonight from 22:00 to 23:00',
	data: { event: 'broadcast', id: 'b-1' },
	priority: 'high',
	ttlSeconds: 3600,
};

/**
 * Peak RSS over a run, sampled every 20 ms with process.memoryUsage.rss() (cheap: the full memoryUsage() would cost the
 * sender CPU). No forced gc() before a run: V8 throws optimized code away in a forced collection (with --trace-opt,
 * 20 slices of 1,000 recipients re-optimized 2,074 functions with a gc() before each run, 803 without), so every run
 * started cold, and the side with more JavaScript per message (the dispatcher) paid more for it.
 */
class MemorySampler {
	peakRss = 0;
	private timer?: NodeJS.Timeout;
	start(): void {
		this.peakRss = process.memoryUsage.rss();
		this.timer = setInterval(() => this.sample(), 20);
	}
	sample(): void {
		this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss());
	}
	stop(): void {
		clearInterval(this.timer);
		this.sample();
	}
}

/** Recipients made on demand: the dispatcher pulls them as it goes. */
async function* tokens(count: number, prefix: string): AsyncGenerator<PushRecipient> {
	for (let index = 0; index < count; index++) yield { kind: 'token', token: `${prefix}-${index}` };
}

/** The emulator as the sending thread sees it: its URL, the service account, and a latency switch. */
interface RemoteFcm {
	baseUrl: string;
	serviceAccount: ServiceAccount;
	json: string;
	setLatency(ms: number): Promise<void>;
	stop(): Promise<void>;
}

async function emulatorThread(): Promise<void> {
	const fcm = await startFcmEmulator({ recordRequests: false });
	const port = parentPort as NonNullable<typeof parentPort>;
	port.on('message', (command: { latencyMs?: number; stop?: boolean }) => {
		if (command.latencyMs !== undefined) fcm.faults.setLatency(command.latencyMs);
		// Deliveries are dropped between runs: otherwise every run would pay (in memory and garbage collection) for
		// the runs before it, and the interleaved comparison would favour the first.
		fcm.deliveries.length = 0;
		if (command.stop) void fcm.stop().then(() => port.postMessage({ stopped: true }));
		else port.postMessage({ ok: true });
	});
	port.postMessage({ baseUrl: fcm.baseUrl, json: fcm.account.json });
}

async function startRemoteFcm(): Promise<RemoteFcm> {
	const worker = new Worker(__filename);
	const reply = () => new Promise<Record<string, unknown>>((resolve) => worker.once('message', resolve));
	const ready = (await reply()) as { baseUrl: string; json: string };
	return {
		baseUrl: ready.baseUrl,
		json: ready.json,
		serviceAccount: JSON.parse(ready.json) as ServiceAccount,
		async setLatency(ms) {
			worker.postMessage({ latencyMs: ms });
			await reply();
		},
		async stop() {
			worker.postMessage({ stop: true });
			await reply();
			await worker.terminate();
		},
	};
}

interface Run {
	messages: number;
	ms: number;
	peakRss: number;
	/** CPU time of the whole process (sender and emulator thread), user + system. */
	cpuMs: number;
}

const rate = (run: Run) => (run.messages / run.ms) * 1000;

/** The middle item by `value` (the lower middle of an even count). */
function median<T>(items: T[], value: (item: T) => number): T {
	const sorted = [...items].sort((a, b) => value(a) - value(b));
	return sorted[Math.floor((sorted.length - 1) / 2)];
}
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function measure(work: () => Promise<number>): Promise<Run> {
	const sampler = new MemorySampler();
	sampler.start();
	const cpu = process.cpuUsage();
	const started = performance.now();
	const messages = await work();
	const ms = performance.now() - started;
	const used = process.cpuUsage(cpu);
	sampler.stop();
	return { messages, ms, peakRss: sampler.peakRss, cpuMs: (used.user + used.system) / 1000 };
}

async function viaDispatcher(
	fcm: RemoteFcm,
	transport: AxiosTransport,
	count: number,
	concurrency: number,
	prefix: string,
): Promise<number> {
	const channel = new FcmChannel(transport, { serviceAccount: fcm.json, baseUrl: fcm.baseUrl, timeoutMs: 30_000 });
	let sent = 0;
	for await (const result of dispatch(tokens(count, prefix), message, {
		channels: [channel],
		concurrency,
		messageKey: prefix,
	})) {
		if (result.status === 'sent') sent++;
		else throw new Error(`${result.recipient}: ${result.status} ${result.errorCode ?? ''}`);
	}
	return sent;
}

/** The requests of the control, made before it is timed: the body and an idempotency key as long as the dispatcher's. */
interface Prebuilt {
	url: string;
	token: string;
	bodies: unknown[];
	keys: string[];
}

async function prebuild(fcm: RemoteFcm, transport: AxiosTransport, count: number, prefix: string): Promise<Prebuilt> {
	const token = await new FcmAccessTokens(transport, fcm.serviceAccount).token();
	const url = `${fcm.baseUrl}/v1/projects/${fcm.serviceAccount.project_id}/messages:send`;
	const bodies: unknown[] = [];
	const keys: string[] = [];
	for (let index = 0; index < count; index++) {
		bodies.push({ message: buildFcmMessage(message, { kind: 'token', value: `${prefix}-${index}` }) });
		keys.push(createHash('sha256').update(`${prefix}-${index}`).digest('hex').slice(0, 40));
	}
	return { url, token, bodies, keys };
}

/** The same HTTP client and emulator, no dispatcher: a plain pool of `concurrency` loops over prebuilt requests. */
async function direct(transport: AxiosTransport, requests: Prebuilt, concurrency: number): Promise<number> {
	const { url, token, bodies, keys } = requests;
	const count = bodies.length;
	let next = 0;
	let sent = 0;
	const worker = async () => {
		while (next < count) {
			const index = next++;
			const response = await transport.request({
				method: 'POST',
				url,
				headers: { authorization: `Bearer ${token}`, 'idempotency-key': keys[index] },
				json: bodies[index],
				timeoutMs: 30_000,
			});
			if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
			sent++;
		}
	};
	await Promise.all(Array.from({ length: concurrency }, worker));
	return sent;
}

function print(rows: string[][]): void {
	const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
	rows.forEach((row, index) => {
		process.stdout.write(
			`| ${row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join(' | ')} |\n`,
		);
		if (index === 0)
			process.stdout.write(
				`|${widths.map((width, column) => (column === 0 ? ':' : '-') + '-'.repeat(width) + (column === 0 ? '-' : ':')).join('|')}|\n`,
			);
	});
}

async function main(): Promise<void> {
	const fcm = await startRemoteFcm();
	const transport = createAxiosTransport({ timeoutMs: 30_000, keepAlive: true });
	let failed = false;
	try {
		const loadAtStart = loadavg()[0];
		process.stdout.write(
			`${RECIPIENTS.toLocaleString('en')} recipients, concurrency ${CONCURRENCY}, FCM emulator in this process; load average ${loadAtStart.toFixed(2)} on ${cpus().length} CPUs\n\n`,
		);
		// Warm-up: sockets, JIT, the access token.
		await viaDispatcher(fcm, transport, 500, CONCURRENCY, 'warm');
		await direct(transport, await prebuild(fcm, transport, 500, 'warm-direct'), CONCURRENCY);

		const best = (runs: Run[]) => runs.reduce((a, b) => (rate(b) > rate(a) ? b : a));
		// Interleaved rounds, so neither side gets the warmer (or the less contended) moment; the figures are medians
		// (as for the other benchmarks), since on a shared machine one quiet moment makes a "best of" run of either side.
		const interleave = async (prefix: string, latencyMs: number, rounds: number) => {
			const raw: Run[] = [];
			const ours: Run[] = [];
			const runRaw = async (round: number) => {
				await fcm.setLatency(latencyMs);
				const requests = await prebuild(fcm, transport, RECIPIENTS, `${prefix}-direct-${round}`);
				raw.push(await measure(() => direct(transport, requests, CONCURRENCY)));
			};
			const runOurs = async (round: number) => {
				await fcm.setLatency(latencyMs);
				ours.push(
					await measure(() => viaDispatcher(fcm, transport, RECIPIENTS, CONCURRENCY, `${prefix}-ours-${round}`)),
				);
			};
			// Alternating which goes first, so that neither always follows the other's garbage.
			for (let round = 0; round < rounds; round++) {
				if (round % 2 === 0) {
					await runRaw(round);
					await runOurs(round);
				} else {
					await runOurs(round);
					await runRaw(round);
				}
			}
			// Each round's pair ran back to back: their ratio is the least disturbed by load that comes and goes.
			const pairRatios = ours.map((run, round) => rate(run) / rate(raw[round]));
			return {
				raw: median(raw, rate),
				ours: median(ours, rate),
				ratio: median(pairRatios, (value) => value),
				pairRatios,
				ourRates: ours.map(rate),
			};
		};
		// The naive way before and after the dispatcher's rounds, the faster of the two: the stricter baseline.
		const naiveRun = async (round: number) => {
			await fcm.setLatency(LATENCY_MS);
			return measure(() => viaDispatcher(fcm, transport, NAIVE_SUBSET, 1, `naive-${round}`));
		};
		const naiveFirst = await naiveRun(0);
		const slow = await interleave('latency', LATENCY_MS, ROUNDS);
		const naiveSecond = await naiveRun(1);
		const naive = best([naiveFirst, naiveSecond]);
		const fast = await interleave('fast', 0, FAST_ROUNDS);
		// (b) once more, finely interleaved: 1,000 recipients a side, alternating, 20 times. Load that comes and goes
		// over seconds lands on both sides alike, so this shows the dispatcher's own cost more steadily than whole runs.
		let slicedRawMs = 0;
		let slicedOursMs = 0;
		let slicedMessages = 0;
		await fcm.setLatency(0);
		for (let slice = 0; slice < SLICES; slice++) {
			const requests = await prebuild(fcm, transport, SLICE, `slice-direct-${slice}`);
			const runRaw = async () => (slicedRawMs += (await measure(() => direct(transport, requests, CONCURRENCY))).ms);
			const runOurs = async () =>
				(slicedOursMs += (await measure(() => viaDispatcher(fcm, transport, SLICE, CONCURRENCY, `slice-ours-${slice}`)))
					.ms);
			if (slice % 2 === 0) await runRaw().then(runOurs);
			else await runOurs().then(runRaw);
			slicedMessages += SLICE;
		}
		const rounds = (pairRatios: number[]) => pairRatios.map((value) => value.toFixed(2)).join(' ');

		const ideal = (CONCURRENCY / LATENCY_MS) * 1000;
		const row = (what: string, run: Run) => [
			what,
			String(run.messages),
			(run.ms / 1000).toFixed(2),
			rate(run).toFixed(0),
			((run.cpuMs / run.messages) * 1000).toFixed(0),
			mb(run.peakRss),
		];
		print([
			['run', 'messages', 'seconds', 'messages/s', 'CPU µs/message', 'peak RSS'],
			row(`(a) naive, one after another, ${LATENCY_MS} ms latency (best of 2)`, naive),
			row(`(a) dispatcher, concurrency ${CONCURRENCY}, ${LATENCY_MS} ms latency (median of ${ROUNDS})`, slow.ours),
			row(`(a) control: same client without dispatcher, ${LATENCY_MS} ms latency (median of ${ROUNDS})`, slow.raw),
			row(`(b) same client without dispatcher, no latency (median of ${FAST_ROUNDS})`, fast.raw),
			row(`(b) dispatcher, no latency (median of ${FAST_ROUNDS})`, fast.ours),
		]);
		const checks: Array<[string, number, number]> = [
			[
				`(a) dispatcher / (concurrency ÷ latency = ${ideal.toFixed(0)}/s), median of the rounds (${rounds(slow.ourRates.map((value) => value / ideal))})`,
				rate(slow.ours) / ideal,
				0.9,
			],
			[
				`(a) dispatcher (median) / naive (the faster of ${rounds([naiveFirst, naiveSecond].map(rate))} messages/s)`,
				rate(slow.ours) / rate(naive),
				20,
			],
			[
				`(b) dispatcher / same client without dispatcher, median of the rounds' ratios (${rounds(fast.pairRatios)})`,
				fast.ratio,
				0.8,
			],
		];
		const slicedRatio = slicedRawMs / slicedOursMs;
		process.stdout.write(
			`\n(no target) (b) in ${SLICES} alternating slices of ${SLICE.toLocaleString('en')} recipients a side: dispatcher / same client without dispatcher ${slicedRatio.toFixed(2)}, i.e. ${(((slicedOursMs - slicedRawMs) / slicedMessages) * 1000).toFixed(0)} µs more per message`,
		);
		process.stdout.write(
			`\n(control, no target) same client without dispatcher / (concurrency ÷ latency): ${(rate(slow.raw) / ideal).toFixed(2)}; load average ${loadAtStart.toFixed(2)} at the start, ${loadavg()
				.map((value) => value.toFixed(1))
				.join(' ')} at the end (this benchmark included) on ${cpus().length} CPUs\n`,
		);
		process.stdout.write('\n');
		for (const [what, ratio, target] of checks) {
			const met = ratio >= target;
			failed ||= !met;
			process.stdout.write(`${what}: ${ratio.toFixed(2)} (target >= ${target}: ${met ? 'met' : 'NOT met'})\n`);
		}
	} finally {
		transport.close();
		await fcm.stop();
	}
	if (failed) process.exitCode = 1;
}

(isMainThread ? main() : emulatorThread()).catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exit(1);
});
