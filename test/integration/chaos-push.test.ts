import { brokenPromises, describePushChaos, PUSH_CHAOS_CHANNELS, runPushChaos } from '../support/push-chaos';

/**
 * A fixed-seed slice of the push chaos suite (`npm run chaos` sends to 10,000 recipients per channel): 200
 * recipients per channel, 20% of the send requests meeting 429 with Retry-After, 503, resets and timeouts before
 * and after the emulated service accepted them; nobody lost, duplicates only on FCM after ambiguous failures
 * and none when those are not retried (test/support/push-chaos.ts).
 */
describe.each(PUSH_CHAOS_CHANNELS)('%s under 20%% injected faults', (channel) => {
	it.each([true, false])('ambiguous failures retried: %s', async (retryAmbiguous) => {
		const figures = await runPushChaos({
			channel,
			recipients: 200,
			faultRate: 0.2,
			seed: 4242,
			retryAmbiguous,
		});
		process.stdout.write(`${describePushChaos(figures)}\n`);
		expect(brokenPromises(figures)).toEqual([]);
		expect(figures.recipients).toBe(200);
		expect(Object.values(figures.faults).reduce((sum, n) => sum + n, 0)).toBeGreaterThan(0);
		if (retryAmbiguous) expect(figures.delivered).toBe(200);
		else expect(figures.duplicated).toBe(0);
	});
});
