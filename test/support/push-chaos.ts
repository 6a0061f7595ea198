/**
 * Push chaos: one message to many recipients through each channel's emulator, with a share of the send
 * requests meeting a fault drawn at random (seeded): 429 with Retry-After, 503, the connection reset before the
 * request was handled or after it was carried out, a timeout before the service accepted the request or after.
 * The emulators' own records say who received what; the dispatcher's results say what the workflow is told.
 *
 * Per channel: delivered (recipients reached at least once), duplicated (deliveries beyond the first), lost
 * (recipients never reached although their result says sent, or — with Retry Ambiguous Failures on — never
 * reached at all), and reported failed (never reached, said so in the result). The promises checked:
 * - lost is 0, whatever the faults; with ambiguous failures retried, everyone is reached;
 * - duplicates come only from ambiguous failures on a channel without server-side de-duplication (FCM): never
 *   more than the requests repeated after a reset or a timeout, and none when those are not repeated;
 * - a recipient not reached when ambiguous failures are not retried is reported failed with the network code.
 */
import type { PushMessage } from '../../core/push/message';
import { dispatch } from '../../core/push/dispatcher';
import { AppWorksChannel } from '../../core/push/channels/appworks';
import { FcmChannel } from '../../core/push/channels/fcm';
import { MraClient } from '../../core/push/channels/mra';
import type { DeliveryResult, PushChannel, PushRecipient } from '../../core/push/types';
import type { FaultAction } from '../../emulators/otds/faults';
import { startAppWorksEmulator } from '../../emulators/push/appworks';
import { startFcmEmulator } from '../../emulators/push/fcm';
import type { HttpEmulator } from '../../emulators/push/http-kit';
import { startMraEmulator } from '../../emulators/push/mra';
import { createAxiosTransport } from '../../tools/http/axios-transport';

export type ChaosChannel = 'fcm' | 'mraPush' | 'appworks';
export const PUSH_CHAOS_CHANNELS: ChaosChannel[] = ['fcm', 'mraPush', 'appworks'];

export interface PushChaosOptions {
	channel: ChaosChannel;
	recipients: number;
	/** Share of send requests that meet a fault (0.2). */
	faultRate: number;
	seed: number;
	retryAmbiguous: boolean;
	/**
	 * The client's timeout per request (default 2 s); the stalls hold a request 0.5 s longer. Much shorter, and
	 * requests time out without any injected fault while the emulator and the client share a busy machine: real
	 * ambiguous failures, which the figures could not tell from the injected ones.
	 */
	timeoutMs?: number;
}

export interface PushChaosFigures {
	channel: ChaosChannel;
	retryAmbiguous: boolean;
	recipients: number;
	requests: number;
	faults: Record<string, number>;
	delivered: number;
	duplicated: number;
	lost: number;
	reportedFailed: number;
	/** Injected faults after which the service had carried the request out (reset or timeout after accepting it). */
	ambiguousAfterAccepted: number;
	/**
	 * Requests the sender repeated after an ambiguous failure (a reset or a timeout), as its retry loop reports them:
	 * the injected ones, and any timeout a busy machine adds on its own. The only way a duplicate can arise.
	 */
	ambiguousRetries: number;
	seconds: number;
}

/** The codes of a failure after which the service may have the request (reported, not repeated, when so chosen). */
const AMBIGUOUS = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'ESOCKETTIMEDOUT']);

const MESSAGE: PushMessage = { title: 'Service notice', body: 'Maintenance tonight', data: { notice: 'chaos' } };

/** The six faults, equally likely. 429 carries a real, small Retry-After (1 s), as the services send it. */
function faultActions(holdMs: number): FaultAction[] {
	return [
		{ kind: 'status', status: 429, retryAfter: '1' },
		{ kind: 'status', status: 503 },
		{ kind: 'drop' },
		{ kind: 'dropResponse' },
		{ kind: 'stall', holdMs },
		{ kind: 'stallResponse', holdMs },
	];
}

/** A small seeded generator (mulberry32): the same seed injects the same faults in the same request order. */
export function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

interface ChannelRig {
	emulator: HttpEmulator;
	channel: PushChannel;
	/** The path of the send requests (faults apply to those only, not to sign-in). */
	sendPath: string;
	recipients: PushRecipient[];
	/** Every delivery the service made, by the recipient's address (token or user name), duplicates included. */
	deliveredTo(): string[];
	/** The address of a result. */
	addressOf(result: DeliveryResult): string;
}

async function rig(channel: ChaosChannel, count: number, timeoutMs: number): Promise<ChannelRig> {
	const transport = createAxiosTransport({ timeoutMs });
	const names = Array.from({ length: count }, (_, i) => `chaos-${channel}-${i}`);
	if (channel === 'fcm') {
		const fcm = await startFcmEmulator();
		return {
			emulator: fcm,
			channel: new FcmChannel(transport, { serviceAccount: fcm.account.json, baseUrl: fcm.baseUrl, timeoutMs }),
			sendPath: 'messages:send',
			recipients: names.map((token) => ({ kind: 'token', token })),
			deliveredTo: () => fcm.deliveries.map((delivery) => String(delivery.message.token)),
			addressOf: (result) => result.recipient,
		};
	}
	if (channel === 'mraPush') {
		const mra = await startMraEmulator();
		const client = new MraClient(transport, {
			baseUrl: `${mra.baseUrl}/mra/v1`,
			auth: { method: 'basic', username: mra.username, password: mra.password },
			timeoutMs,
		});
		return {
			emulator: mra,
			channel: client.pushChannel(),
			sendPath: '/mra/v1/utils/parser',
			recipients: names.map((token) => ({ kind: 'person', userId: token, deviceTokens: [token] })),
			deliveredTo: () =>
				mra.submissions.flatMap((submission) =>
					((submission.content.destinations ?? []) as Array<{ device_token?: string }>).map((d) =>
						String(d.device_token),
					),
				),
			addressOf: (result) => result.address ?? result.recipient,
		};
	}
	const gateway = await startAppWorksEmulator({ users: names });
	return {
		emulator: gateway,
		// Ten people per request: a thousand requests for 10,000 people, so that faults meet many batches.
		channel: new AppWorksChannel(transport, {
			api: 'trustedServer',
			gatewayUrl: gateway.gatewayUrl,
			trustedServerKey: gateway.trustedServerKey,
			timeoutMs,
			batchSize: 10,
		}),
		sendPath: '/gateway/v2/notifications',
		recipients: names.map((login) => ({ kind: 'person', userId: login, login })),
		deliveredTo: () => gateway.notifications.flatMap((notification) => notification.recipients),
		addressOf: (result) => result.address ?? result.recipient,
	};
}

export async function runPushChaos(options: PushChaosOptions): Promise<PushChaosFigures> {
	const timeoutMs = options.timeoutMs ?? 2000;
	const started = Date.now();
	const setup = await rig(options.channel, options.recipients, timeoutMs);
	try {
		setup.emulator.faults.injectRandomly(options.faultRate, faultActions(timeoutMs + 500), seededRandom(options.seed), {
			path: setup.sendPath,
		});
		const results: DeliveryResult[] = [];
		let ambiguousRetries = 0;
		for await (const result of dispatch(setup.recipients, MESSAGE, {
			channels: [setup.channel],
			concurrency: 20,
			messageKey: `chaos-${options.seed}`,
			// Enough attempts that six faults in a row (0.2^10) do not happen; short backoff, Retry-After honoured.
			retry: {
				maxAttempts: 10,
				baseDelayMs: 5,
				maxDelayMs: 50,
				retryAmbiguous: options.retryAmbiguous,
				onRetry: (event) => {
					if (AMBIGUOUS.has(event.reason)) ambiguousRetries++;
				},
			},
		}))
			results.push(result);
		// Requests the client gave up on may still be held by a stall: let them end before counting.
		await setup.emulator.idle();

		const copies = new Map<string, number>();
		for (const address of setup.deliveredTo()) copies.set(address, (copies.get(address) ?? 0) + 1);
		let lost = 0;
		let reportedFailed = 0;
		for (const result of results) {
			const reached = copies.has(setup.addressOf(result));
			if (reached) continue;
			if (result.status === 'failed' && !options.retryAmbiguous && AMBIGUOUS.has(result.errorCode ?? ''))
				reportedFailed++;
			else lost++;
		}
		const faults: Record<string, number> = {};
		const sends = setup.emulator.requests.filter((request) => request.path.includes(setup.sendPath));
		for (const request of sends) if (request.fault) faults[request.fault] = (faults[request.fault] ?? 0) + 1;
		const delivered = copies.size;
		return {
			channel: options.channel,
			retryAmbiguous: options.retryAmbiguous,
			recipients: results.length,
			requests: sends.length,
			faults,
			delivered,
			duplicated: [...copies.values()].reduce((sum, n) => sum + n - 1, 0),
			lost,
			reportedFailed,
			ambiguousAfterAccepted: (faults.dropResponse ?? 0) + (faults.stallResponse ?? 0),
			ambiguousRetries,
			seconds: (Date.now() - started) / 1000,
		};
	} finally {
		await setup.emulator.stop();
	}
}

/** The promises of the module comment, as a list of broken ones (empty: all kept). */
export function brokenPromises(figures: PushChaosFigures): string[] {
	const broken: string[] = [];
	const name = `${figures.channel} (ambiguous failures ${figures.retryAmbiguous ? 'retried' : 'not retried'})`;
	if (figures.lost > 0) broken.push(`${name}: ${figures.lost} recipients lost`);
	if (figures.retryAmbiguous && figures.delivered !== figures.recipients)
		broken.push(`${name}: ${figures.delivered} of ${figures.recipients} reached`);
	const dedupes = figures.channel !== 'fcm';
	if ((dedupes || !figures.retryAmbiguous) && figures.duplicated > 0)
		broken.push(`${name}: ${figures.duplicated} duplicates`);
	if (figures.duplicated > figures.ambiguousRetries)
		broken.push(
			`${name}: ${figures.duplicated} duplicates from ${figures.ambiguousRetries} retries after ambiguous failures`,
		);
	if (!figures.retryAmbiguous && figures.ambiguousRetries > 0)
		broken.push(`${name}: ${figures.ambiguousRetries} ambiguous failures retried although the option is off`);
	return broken;
}

export function describePushChaos(f: PushChaosFigures): string {
	const faults = Object.entries(f.faults)
		.map(([kind, count]) => `${kind} ${count}`)
		.join(', ');
	const injected = Object.values(f.faults).reduce((sum, n) => sum + n, 0);
	return (
		`${f.channel.padEnd(8)} ambiguous ${f.retryAmbiguous ? 'retried    ' : 'not retried'}: ${f.recipients} recipients, ` +
		`${f.requests} requests, ${injected} faults (${faults}); delivered ${f.delivered}, lost ${f.lost}, ` +
		`duplicated ${f.duplicated} (${f.ambiguousAfterAccepted} injected faults after acceptance, ${f.ambiguousRetries} ` +
		`retries after ambiguous failures), reported failed ${f.reportedFailed}; ${f.seconds.toFixed(1)} s`
	);
}
