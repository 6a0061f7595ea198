import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

import { freePort } from '../support/n8n';

/**
 * The README's first command, `npm run demo`, in its start-print-stop mode: it must start the directory
 * and a real n8n with the package, print where to go, and stop everything it started.
 */
const root = path.resolve(__dirname, '../..');

it('npm run demo starts the directory and n8n, prints the URL, and stops cleanly', async () => {
	const port = await freePort();
	const result = spawnSync('npm', ['run', '--silent', 'demo'], {
		cwd: root,
		encoding: 'utf8',
		env: { ...process.env, DEMO_PORT: String(port), DEMO_EXIT_AFTER_START: '1', DEMO_USERS: '60' },
		timeout: 600_000,
	});
	const output = `${result.stdout}\n${result.stderr}`;
	expect(output).toContain(`n8n is running: http://127.0.0.1:${port}`);
	expect(output).toMatch(/Directory ready at ldap:\/\/127\.0\.0\.1:\d+/);
	expect(output).toContain('Stopped. Nothing is left running.');
	expect(result.status).toBe(0);
	// Nothing listens on the demo's port any more.
	const probe = spawnSync(process.execPath, ['-e', `require('net').connect(${port}, '127.0.0.1').on('connect', () => process.exit(1)).on('error', () => process.exit(0))`]);
	expect(probe.status).toBe(0);
});
