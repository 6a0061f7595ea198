/**
 * Headless Chromium for the demo test: Debian's chromium (or $CHROMIUM_PATH) driven by playwright-core,
 * with a fresh profile folder. Throws (never skips) when Chromium is missing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM_FLAGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
];

export function chromiumPath(): string {
	const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
	const found = candidates.find((p) => fs.existsSync(p));
	if (!found) {
		throw new Error(
			`Chromium is missing (looked for ${candidates.join(', ')}): install it with "sudo apt-get install -y chromium" ` +
				'(scripts/install-system-deps.sh does it when run as root), or set CHROMIUM_PATH',
		);
	}
	return found;
}

export interface DemoBrowser {
	context: BrowserContext;
	close(): Promise<void>;
}

/** A browser context with a fresh user-data-dir, removed on close(). */
export async function launchDemoBrowser(viewport = { width: 1280, height: 800 }): Promise<DemoBrowser> {
	const executablePath = chromiumPath();
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'otdp-chromium-'));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath,
		headless: true,
		args: CHROMIUM_FLAGS.filter((flag) => flag !== '--headless'), // playwright passes its own headless flag
		viewport,
	});
	return {
		context,
		close: async () => {
			await context.close().catch(() => undefined);
			fs.rmSync(profile, { recursive: true, force: true });
		},
	};
}
