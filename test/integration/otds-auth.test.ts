import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigurationError, RequestError } from '../../core/errors';
import { normalizeOtdsBaseUrl, requestOtdsCredential, type OtdsAuthSettings } from '../../core/otds/auth';
import { OtdsAuthenticatingTransport } from '../../core/otds/authenticating-transport';
import { OtdsDirectory } from '../../core/otds/directory';
import { connectToEmulator } from '../../emulators/otds/client-kit';
import { startOtdsEmulator, type OtdsEmulator } from '../../emulators/otds';
import { createAxiosTransport } from '../../tools/http/axios-transport';
import { passwordOf } from '../../devkit/fixture';

/** Signing in to OTDS (ticket and OAuth2), renewal, and what errors say, against the emulator over loopback HTTP. */
const ADMIN_PASSWORD = 'S3cret-Admin-Pa55!';
const CLIENT_SECRET = 'client-Secret-value-42';
let otds: OtdsEmulator;
const raw = createAxiosTransport({ timeoutMs: 5_000 });

beforeAll(async () => {
	otds = await startOtdsEmulator({
		users: 40,
		adminPassword: ADMIN_PASSWORD,
		oauthClients: [{ id: 'n8n-push', secret: CLIENT_SECRET }],
	});
});

afterAll(async () => {
	raw.close();
	await otds?.stop();
});

const ticket = (overrides: Partial<OtdsAuthSettings> = {}): OtdsAuthSettings =>
	({
		method: 'ticket',
		baseUrl: otds.url,
		userName: otds.adminUser,
		password: ADMIN_PASSWORD,
		...overrides,
	}) as OtdsAuthSettings;
const oauth = (overrides: Partial<OtdsAuthSettings> = {}): OtdsAuthSettings =>
	({
		method: 'oauth2',
		baseUrl: otds.url,
		clientId: 'n8n-push',
		clientSecret: CLIENT_SECRET,
		...overrides,
	}) as OtdsAuthSettings;

async function failure(promise: Promise<unknown>): Promise<Error> {
	try {
		await promise;
	} catch (error) {
		return error as Error;
	}
	throw new Error('expected a failure');
}

/** Every text an error carries, to check that no secret leaks anywhere in it. */
const everything = (error: Error): string => JSON.stringify({ ...error, message: error.message, stack: error.stack });

describe('ticket sign-in', () => {
	it('returns the OTDSTicket header for the administrator', async () => {
		const credential = await requestOtdsCredential(raw, ticket());
		expect(credential.headerName).toBe('OTDSTicket');
		expect(credential.value).toMatch(/^\*OTDSSSO\*/);
		expect(credential.principal).toBe('otadmin@otds.admin');
		expect(credential.expiresAt).toBeUndefined();
	});

	it('signs in a directory user too (not an administrator)', async () => {
		const user = otds.fixture!.users[20];
		const client = connectToEmulator(otds, {
			auth: ticket({ userName: `${user.uid}@Content Server Members`, password: passwordOf(user.uid) }),
		});
		try {
			expect(await client.directory.currentUser()).toEqual({
				id: `${user.uid}@Content Server Members`,
				name: user.uid,
				isAdmin: false,
			});
		} finally {
			client.close();
		}
	});

	it('tells a wrong password apart, without repeating it', async () => {
		const error = await failure(requestOtdsCredential(raw, ticket({ password: 'Wrong-Password-123' })));
		expect(error).toBeInstanceOf(RequestError);
		expect(error).toMatchObject({ kind: 'invalidCredentials' });
		expect(error.message).toMatch(/rejected the user name or password/);
		expect(everything(error)).not.toContain('Wrong-Password-123');
	});

	it('refuses empty fields before sending anything', async () => {
		const before = otds.requests.length;
		await expect(requestOtdsCredential(raw, ticket({ password: '' }))).rejects.toThrow(ConfigurationError);
		await expect(requestOtdsCredential(raw, ticket({ baseUrl: 'ftp://otds' }))).rejects.toMatchObject({
			field: 'Server URL',
		});
		expect(otds.requests.length).toBe(before);
	});

	it('says when the server cannot be reached', async () => {
		const error = await failure(
			requestOtdsCredential(raw, ticket({ baseUrl: 'http://127.0.0.1:1/otdsws' }), { retry: { maxAttempts: 1 } }),
		);
		expect(error).toMatchObject({ kind: 'unreachable' });
		expect(error.message).toMatch(/Could not reach OTDS at http:\/\/127\.0\.0\.1:1: ECONNREFUSED/);
		expect(everything(error)).not.toContain(ADMIN_PASSWORD);
	});

	it('says when the URL is not an OTDS server', async () => {
		const web = http.createServer((_req, res) => {
			res.writeHead(200, { 'content-type': 'text/html' });
			res.end('<html><body>Welcome to nginx</body></html>');
		});
		await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
		try {
			const base = `http://127.0.0.1:${(web.address() as AddressInfo).port}/otdsws`;
			const error = await failure(requestOtdsCredential(raw, ticket({ baseUrl: base })));
			expect(error).toMatchObject({ kind: 'protocol' });
			expect(error.message).toMatch(/does not answer like OTDS/);
			expect((error as RequestError).hint).toMatch(/end with \/otdsws/);
			// The emulator itself answers HTML outside /otdsws, like a web server would.
			const wrongPath = await failure(requestOtdsCredential(raw, ticket({ baseUrl: `${otds.origin}/otds` })));
			expect(wrongPath).toMatchObject({ kind: 'protocol' });
		} finally {
			await new Promise<void>((resolve) => web.close(() => resolve()));
		}
	});

	it('normalizes the server URL', () => {
		expect(normalizeOtdsBaseUrl('https://otds.example.com')).toBe('https://otds.example.com/otdsws');
		expect(normalizeOtdsBaseUrl(' https://otds.example.com/otdsws/ ')).toBe('https://otds.example.com/otdsws');
		expect(normalizeOtdsBaseUrl('https://otds.example.com:8443/otdsws/rest')).toBe(
			'https://otds.example.com:8443/otdsws',
		);
		expect(() => normalizeOtdsBaseUrl('https://admin:pw@otds.example.com')).toThrow(
			/must not contain a user name or password/,
		);
	});
});

describe('OAuth2 client credentials', () => {
	it('returns a bearer token with its expiry, the secret in the form or as Basic authentication', async () => {
		for (const clientAuthentication of ['body', 'basic'] as const) {
			const started = Date.now();
			const credential = await requestOtdsCredential(raw, oauth({ clientAuthentication }));
			expect(credential.headerName).toBe('Authorization');
			expect(credential.value).toMatch(/^Bearer \S+$/);
			expect(credential.expiresAt).toBeGreaterThanOrEqual(started + 3_599_000);
		}
	});

	it('works for directory calls', async () => {
		const client = connectToEmulator(otds, { auth: oauth() });
		try {
			expect(await client.directory.currentUser()).toMatchObject({ id: 'n8n-push', isAdmin: true });
			const user = await client.directory.getUser('login', otds.fixture!.users[3].uid);
			expect(user.login).toBe(`${otds.fixture!.users[3].uid}@Content Server Members`);
		} finally {
			client.close();
		}
	});

	it('tells a wrong secret apart, without repeating it', async () => {
		const error = await failure(requestOtdsCredential(raw, oauth({ clientSecret: 'not-the-secret-777' })));
		expect(error).toMatchObject({ kind: 'invalidCredentials' });
		expect(error.message).toMatch(/client ID or secret/);
		expect(everything(error)).not.toContain('not-the-secret-777');
	});

	it('renews a token shortly before it expires', async () => {
		const short = await startOtdsEmulator({
			users: 20,
			tokenTtlMs: 1_500,
			oauthClients: [{ id: 'c', secret: 'secret-of-c' }],
		});
		const transport = new OtdsAuthenticatingTransport(
			raw,
			{ method: 'oauth2', baseUrl: short.url, clientId: 'c', clientSecret: 'secret-of-c' },
			{ renewMarginMs: 1_000 },
		);
		try {
			const directory = new OtdsDirectory(transport, { baseUrl: short.url, partition: short.store.partition });
			await directory.currentUser();
			await new Promise((resolve) => setTimeout(resolve, 700));
			await directory.currentUser();
			expect(transport.signIns).toBe(2);
			expect(short.requests.filter((request) => request.status === 401)).toEqual([]);
		} finally {
			await short.stop();
		}
	});
});

describe('renewal while running', () => {
	it('renews an expired ticket once and repeats the request, transparently', async () => {
		const client = connectToEmulator(otds);
		try {
			const pages = client.directory.searchUsers({ pageSize: 10 });
			const first = await pages.next();
			expect(first.value).toHaveLength(10);
			const before = otds.requests.length;
			otds.faults.expireAllTickets();
			let count = (first.value as unknown[]).length;
			for await (const page of pages) count += page.length;
			expect(count).toBe(40);
			expect(client.transport.signIns).toBe(2);
			// OTDS answers an expired ticket with 400 and status 1034 (pyxecm); the emulator does so by default.
			expect(otds.requests.slice(before).filter((request) => request.status === 400).length).toBe(1);
		} finally {
			client.close();
		}
	});

	it('also renews on a 401 for an expired ticket (pyxecm renews on both)', async () => {
		const strict = await startOtdsEmulator({ users: 20, expiredTicketStatus: 401 });
		const client = connectToEmulator(strict);
		try {
			await client.directory.getUser('login', strict.fixture!.users[1].uid);
			strict.faults.expireAllTickets();
			await client.directory.getUser('login', strict.fixture!.users[2].uid);
			expect(client.transport.signIns).toBe(2);
		} finally {
			client.close();
			await strict.stop();
		}
	});

	it('renews after the ticket lifetime runs out', async () => {
		const shortLived = await startOtdsEmulator({ users: 20, ticketTtlMs: 300 });
		const client = connectToEmulator(shortLived);
		try {
			await client.directory.getUser('login', shortLived.fixture!.users[1].uid);
			await new Promise((resolve) => setTimeout(resolve, 400));
			await client.directory.getUser('login', shortLived.fixture!.users[2].uid);
			expect(client.transport.signIns).toBe(2);
		} finally {
			client.close();
			await shortLived.stop();
		}
	});

	it('shares one renewal among concurrent requests', async () => {
		const client = connectToEmulator(otds);
		try {
			await client.directory.currentUser();
			otds.faults.expireAllTickets();
			const users = otds.fixture!.users.slice(0, 8);
			await Promise.all(users.map((user) => client.directory.getUser('login', user.uid)));
			expect(client.transport.signIns).toBe(2);
		} finally {
			client.close();
		}
	});

	it('reports a credential that stops working (password changed) as invalid credentials, without secrets', async () => {
		const user = otds.fixture!.users[25];
		const client = connectToEmulator(otds, { auth: ticket({ userName: user.uid, password: passwordOf(user.uid) }) });
		try {
			await client.directory.currentUser();
			otds.store.changePassword(user.uid, 'Changed-Elsewhere-1!');
			otds.faults.expireAllTickets();
			const error = await failure(client.directory.currentUser());
			expect(error).toMatchObject({ kind: 'invalidCredentials' });
			expect(everything(error)).not.toContain(passwordOf(user.uid));
		} finally {
			client.close();
		}
	});
});

describe('secrets', () => {
	it('never appear in the emulator request log', () => {
		const logged = JSON.stringify(otds.requests);
		expect(logged).not.toContain(ADMIN_PASSWORD);
		expect(logged).not.toContain(CLIENT_SECRET);
		expect(logged).not.toContain('OTDSSSO');
	});
});
