/**
 * Directory change stamps have whole seconds: a test that needs one stamp certainly older than another
 * (an entry created before the changes that follow) waits for the wall clock's next second.
 */
export async function untilNextSecond(): Promise<void> {
	const now = Math.floor(Date.now() / 1000);
	while (Math.floor(Date.now() / 1000) <= now) await new Promise((resolve) => setTimeout(resolve, 50));
}
