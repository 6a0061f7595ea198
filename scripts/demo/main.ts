/**
 * The demo: a seeded OpenLDAP directory, a real n8n with this package installed, the LDAP credential
 * pre-wired and an example workflow imported. Prints what to open and what to try; Ctrl-C stops
 * everything it started.
 *
 * Defaults can be changed with environment variables: DEMO_PORT (n8n, default 5678), DEMO_USERS
 * (directory size, default 300), DEMO_EXIT_AFTER_START=1 (start, print, stop: used by the tests).
 */
import * as path from 'node:path';

import { ensureN8n, packPackage, startN8n, type N8nInstance } from '../../test/support/n8n';
import { startSlapd, type Slapd } from '../../test/support/slapd';
import { exampleWorkflows } from './workflows';

const root = path.resolve(__dirname, '..');
const say = (line: string) => process.stdout.write(`[demo] ${line}\n`);
const DEMO_OWNER = { email: 'demo@example.com', password: 'Demo-Directory-Push-1', firstName: 'Demo', lastName: 'Owner' };

async function main(): Promise<void> {
	const port = Number(process.env.DEMO_PORT ?? 5678);
	const users = Number(process.env.DEMO_USERS ?? 300);
	let slapd: Slapd | undefined;
	let n8n: N8nInstance | undefined;
	let stopping = false;
	const stopAll = async (code: number) => {
		if (stopping) return;
		stopping = true;
		say('Stopping n8n and the directory...');
		await n8n?.stop().catch(() => undefined);
		await slapd?.stop().catch(() => undefined);
		say('Stopped. Nothing is left running.');
		process.exit(code);
	};
	process.on('SIGINT', () => void stopAll(0));
	process.on('SIGTERM', () => void stopAll(0));

	try {
		say(`Starting a seeded OpenLDAP directory with ${users} people...`);
		slapd = await startSlapd({ users });
		say(`Directory ready at ${slapd.url} (base ${slapd.baseDN}).`);

		say('Making sure n8n 2.8.4 is installed (the first run installs it into a cache: about 4 minutes)...');
		await ensureN8n(undefined, (line) => say(`  ${line}`));
		const tarball = await packPackage(root, (line) => say(`  ${line}`));
		say(`Starting n8n on port ${port} with the package installed (about 20 s)...`);
		n8n = await startN8n({ tarball, port, log: (line) => say(`  ${line}`) });
		await n8n.setupOwner(DEMO_OWNER);
		await n8n.createApiKey('otdp-demo');

		const credentialId = await n8n.createCredential('openTextDirectoryLdap', 'Demo directory (OpenLDAP)', {
			serverUrls: slapd.url,
			connectionSecurity: 'none',
			bindDN: slapd.adminDN,
			bindPassword: slapd.adminPassword,
			baseDN: slapd.baseDN,
			directoryFlavour: 'auto',
		});
		const counts = new Map<string, number>();
		for (const user of slapd.fixture.users) counts.set(user.department, (counts.get(user.department) ?? 0) + 1);
		const department = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
		for (const workflow of exampleWorkflows({ credentialId, department, baseDN: slapd.baseDN })) {
			await n8n.createWorkflow(workflow);
		}

		say('');
		say(`n8n is running: ${n8n.url}`);
		say(`  sign in as ${DEMO_OWNER.email} / ${DEMO_OWNER.password} (a local demo account)`);
		say('What to try:');
		say('  - open "Demo: people in a department" and press "Execute workflow": it lists the');
		say(`    ${department} department from the directory through the OpenText Directory Services node;`);
		say('  - open Credentials → "Demo directory (OpenLDAP)" → Test: it reports the server it found;');
		say('  - drag "OpenText Directory Services" onto a canvas and search users, or get one by login.');
		say(`The directory: ${slapd.url}, bind ${slapd.adminDN} / ${slapd.adminPassword} (a throwaway test server).`);
		say('Press Ctrl-C to stop everything.');
		if (process.env.DEMO_EXIT_AFTER_START === '1') await stopAll(0);
	} catch (error) {
		process.stderr.write(`[demo] ${error instanceof Error ? error.message : String(error)}\n`);
		await stopAll(1);
	}
}

void main();
