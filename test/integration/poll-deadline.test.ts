import type { IDataObject } from 'n8n-workflow';
import { OpenTextDirectoryServicesTrigger } from '../../nodes/OpenTextDirectoryServicesTrigger/OpenTextDirectoryServicesTrigger.node';
import { startHostileLdap, type HostileLdap } from '../support/hostile-ldap';
import { pollTrigger } from '../support/poll-context';

/**
 * A poll as a whole has a wall-clock deadline: against an LDAP server that accepts the bind and then never answers
 * a search (with an Operation Timeout far longer), the trigger's poll fails at Poll Deadline, naming it, keeps the
 * stored state, and closes the connection.
 */
let server: HostileLdap;
let connections = 0;

beforeAll(async () => {
	server = await startHostileLdap(({ socket }) => {
		connections++;
		socket.on('close', () => connections--);
	});
});

afterAll(async () => {
	await server?.close();
});

it('a poll that would wait minutes fails at Poll Deadline, keeps the stored state and closes the connection', async () => {
	const staticData: IDataObject = { changeState: { kept: true } };
	const started = Date.now();
	const failure = await pollTrigger(new OpenTextDirectoryServicesTrigger(), {
		mode: 'trigger',
		parameters: { source: 'ldap', strategy: 'timestamp', events: [], options: { pollDeadlineMinutes: 0.02 } },
		staticData,
		credentials: async () => ({
			serverUrls: server.url,
			connectionSecurity: 'none',
			bindDN: 'cn=admin,dc=example,dc=com',
			bindPassword: 'secret',
			baseDN: 'dc=example,dc=com',
			directoryFlavour: 'openLdap',
			timeout: 300_000,
		}),
	}).catch((error: unknown) => error);
	expect(Date.now() - started).toBeLessThan(6000);
	expect(String((failure as Error).message)).toMatch(/did not finish within 2 seconds/);
	expect(JSON.stringify(failure)).toMatch(/Poll Deadline \(Minutes\)/);
	expect(staticData).toEqual({ changeState: { kept: true } });
	for (let waited = 0; connections > 0 && waited < 3000; waited += 100)
		await new Promise((resolve) => setTimeout(resolve, 100));
	expect(connections).toBe(0);
});
