/**
 * Debian's Chromium, headless, driven by playwright-core (no browser download). A missing Chromium is an
 * error that says what to install, never a skip. The profile is a fresh folder (playwright passes it to
 * Chromium as --user-data-dir), removed on close.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { chromium, selectors, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.OTDP_CHROMIUM ?? '/usr/bin/chromium';

export interface HeadlessBrowser {
	/** A persistent context on a fresh, throw-away profile (--user-data-dir). */
	context: BrowserContext;
	close(): Promise<void>;
}

export async function launchChromium(): Promise<HeadlessBrowser> {
	if (!fs.existsSync(CHROMIUM)) {
		throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium package (scripts/install-system-deps.sh does, as root)`);
	}
	selectors.setTestIdAttribute('data-test-id'); // n8n's editor marks its elements with data-test-id
	const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otdp-chromium-'));
	const context = await chromium.launchPersistentContext(userDataDir, {
		executablePath: CHROMIUM,
		viewport: { width: 1440, height: 810 },
		headless: true,
		args: [
			'--headless',
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
		],
	});
	return {
		context,
		async close() {
			await context.close().catch(() => undefined);
			fs.rmSync(userDataDir, { recursive: true, force: true });
		},
	};
}
