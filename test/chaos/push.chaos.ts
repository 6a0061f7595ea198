import {
	brokenPromises,
	describePushChaos,
	PUSH_CHAOS_CHANNELS,
	runPushChaos,
	type PushChaosFigures,
} from '../support/push-chaos';

/**
 * The push chaos suite in full: 10,000 recipients per channel (CHAOS_RECIPIENTS), 20% of the send requests
 * meeting a fault drawn with a seed (CHAOS_SEED, random by default): 429 with Retry-After, 503, resets and timeouts
 * before and after the emulated service accepted them; once with ambiguous failures retried (the default) and once
 * without. The figures go to stdout at the end (test/support/push-chaos.ts says what each counts).
 */
const RECIPIENTS = Number(process.env.CHAOS_RECIPIENTS ?? 10_000);
const SEED = process.env.CHAOS_SEED === undefined ? Date.now() % 2 ** 31 : Number(process.env.CHAOS_SEED);
const figures: PushChaosFigures[] = [];

afterAll(() => {
	process.stdout.write(
		`\nPush chaos against the emulators, seed ${SEED}, 20% faults:\n${figures.map(describePushChaos).join('\n')}\n`,
	);
});

describe.each(PUSH_CHAOS_CHANNELS)(`%s: ${RECIPIENTS} recipients, 20%% of the requests faulty`, (channel) => {
	it.each([true, false])('ambiguous failures retried: %s', async (retryAmbiguous) => {
		const result = await runPushChaos({ channel, recipients: RECIPIENTS, faultRate: 0.2, seed: SEED, retryAmbiguous });
		figures.push(result);
		expect(brokenPromises(result)).toEqual([]);
		expect(result.recipients).toBe(RECIPIENTS);
	});
});
