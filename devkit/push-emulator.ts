/**
 * What the push integration tests (test/integration/push-*.test.ts) share: one emulator per test file,
 * started before the first test and stopped after the last; an axios transport; before each test the faults
 * reset and the request log and the emulator's own records (deliveries, submissions...) emptied; a fast retry
 * policy that records the backoff waits it was asked for; and a dispatch that collects every result.
 *
 * Before each test it also waits for the emulator to finish requests an earlier test gave up on.
 * Call it at the top level of a test file: it registers the jest hooks itself.
 */
import { dispatch } from '../core/push/dispatcher';
import type { PushMessage } from '../core/push/message';
import type { DeliveryResult, DispatchOptions, PushRecipient } from '../core/push/types';
import type { HttpEmulator } from '../emulators/push/http-kit';
import { signalSleep, type RetryPolicy } from '../transport/http/retry';
import { createAxiosTransport, type AxiosTransport } from '../tools/http/axios-transport';

export interface PushEmulatorHarness<E extends HttpEmulator> {
	/** The running emulator (set once the file's tests start). */
	readonly emulator: E;
	/** The transport every channel of the file uses (set once the file's tests start). */
	readonly transport: AxiosTransport;
	/** Backoff delays the retry policy of `send` waited, in order; emptied before each test. */
	readonly waits: number[];
	/** Dispatches `message` to `recipients` with a fast, recording retry policy and a fresh message key, and collects the results. */
	send(recipients: PushRecipient[], message: PushMessage, options: DispatchOptions): Promise<DeliveryResult[]>;
}

export interface PushEmulatorSetup<E extends HttpEmulator> {
	/** Starts the emulator of the file. */
	start: () => Promise<E>;
	/** The emulator's own records to empty before each test, e.g. `(fcm) => [fcm.deliveries]`. */
	records?: (emulator: E) => unknown[][];
	/** Prefix of the random message keys (default `test`). */
	keyPrefix?: string;
	/** Default request timeout of the transport (default 5 s). */
	timeoutMs?: number;
}

export function usePushEmulator<E extends HttpEmulator>(setup: PushEmulatorSetup<E>): PushEmulatorHarness<E> {
	let emulator: E | undefined;
	let transport: AxiosTransport | undefined;
	const waits: number[] = [];
	const running = <T>(value: T | undefined, what: string): T => {
		if (value === undefined) throw new Error(`The push emulator harness has no ${what} yet: use it inside a test`);
		return value;
	};

	beforeAll(async () => {
		emulator = await setup.start();
		transport = createAxiosTransport({ timeoutMs: setup.timeoutMs ?? 5_000 });
	});
	afterAll(async () => {
		transport?.close();
		await emulator?.stop();
	});
	beforeEach(async () => {
		const current = running(emulator, 'emulator');
		// Requests a previous test gave up on (timeouts against injected latency) finish first: left running, they
		// would take this test's faults.
		await current.idle();
		current.faults.reset();
		current.requests.length = 0;
		for (const list of setup.records?.(current) ?? []) list.length = 0;
		waits.length = 0;
	});

	const retry: RetryPolicy = {
		baseDelayMs: 5,
		maxDelayMs: 20,
		sleep: async (ms: number) => {
			waits.push(ms);
			await signalSleep(ms);
		},
	};

	return {
		get emulator() {
			return running(emulator, 'emulator');
		},
		get transport() {
			return running(transport, 'transport');
		},
		waits,
		async send(recipients, message, options) {
			const results: DeliveryResult[] = [];
			const settings: DispatchOptions = {
				retry,
				messageKey: `${setup.keyPrefix ?? 'test'}-${Math.random()}`,
				...options,
			};
			for await (const result of dispatch(recipients, message, settings)) results.push(result);
			return results;
		},
	};
}
