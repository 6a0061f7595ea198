/**
 * Debian's Chromium, headless, driven by playwright-core (no browser download), for the editor tests and
 * the demo test. A missing Chromium is an error that says what to install, never a skip. The profile is a
 * fresh folder (playwright passes it to Chromium as --user-data-dir), removed on close.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { chromium, selectors, type BrowserContext } from 'playwright-core';

/** Flags for a quiet headless Chromium in a container (playwright adds its own headless flag). */
const CHROMIUM_FLAGS = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
];

/** Where Chromium is: $CHROMIUM_PATH, or Debian's chromium. Throws with what to install when missing. */
export function chromiumPath(): string {
	const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
		(p): p is string => !!p,
	);
	const found = candidates.find((p) => fs.existsSync(p));
	if (!found) {
		throw new Error(
			`Chromium is missing (looked for ${candidates.join(', ')}): install Debian's chromium package ` +
				'("apt-get install -y chromium"; scripts/install-system-deps.sh does it as root), or set CHROMIUM_PATH',
		);
	}
	return found;
}

export interface HeadlessBrowser {
	/** A persistent context on a fresh, throw-away profile (--user-data-dir). */
	context: BrowserContext;
	close(): Promise<void>;
}

export async function launchChromium(viewport = { width: 1440, height: 810 }): Promise<HeadlessBrowser> {
	const executablePath = chromiumPath();
	selectors.setTestIdAttribute('data-test-id'); // n8n's editor marks its elements with data-test-id
	const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otdp-chromium-'));
	const context = await chromium.launchPersistentContext(userDataDir, {
		executablePath,
		viewport,
		headless: true,
		args: CHROMIUM_FLAGS,
	});
	return {
		context,
		async close() {
			await context.close().catch(() => undefined);
			fs.rmSync(userDataDir, { recursive: true, force: true });
		},
	};
}
