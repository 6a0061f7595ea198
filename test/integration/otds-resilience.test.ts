import { RequestError } from '../../core/errors';
import type { RetryEvent } from '../../transport/http/retry';
import { connectToEmulator, type EmulatorClient, type EmulatorClientOptions } from '../../emulators/otds/client-kit';
import { startOtdsEmulator, type OtdsEmulator } from '../../emulators/otds';
import { GROUPS } from '../../devkit/fixture';

/** Retries, faults and outages: what is repeated, what is not, and that nothing is half-written. */
const ADMIN_PASSWORD = 'Resilience-Admin-Pa55!';
let otds: OtdsEmulator;
const clients: EmulatorClient[] = [];
const errors: unknown[] = [];

beforeAll(async () => {
	otds = await startOtdsEmulator({ users: 60, adminPassword: ADMIN_PASSWORD });
});

afterEach(() => {
	otds.faults.reset();
});

afterAll(async () => {
	for (const client of clients) client.close();
	await otds?.stop();
});

function connect(options: EmulatorClientOptions = {}): { client: EmulatorClient; retries: RetryEvent[] } {
	const retries: RetryEvent[] = [];
	const client = connectToEmulator(otds, {
		retry: { baseDelayMs: 10, maxDelayMs: 50, onRetry: (event) => retries.push(event) },
		...options,
	});
	clients.push(client);
	return { client, retries };
}

async function failure(promise: Promise<unknown>): Promise<RequestError> {
	try {
		await promise;
	} catch (error) {
		errors.push(error);
		return error as RequestError;
	}
	throw new Error('expected a failure');
}

const uid = (index: number) => otds.fixture!.users[index].uid;
const snapshot = (login: string) => JSON.stringify(otds.store.findUser(login));
const path = (login: string) => `/rest/users/${encodeURIComponent(`${login}@Content Server Members`)}`;

describe('reads', () => {
	it('wait for Retry-After on 429 and then succeed', async () => {
		const { client, retries } = connect();
		await client.directory.currentUser();
		otds.faults.rateLimitNext(1, 1, { path: '/rest/users' });
		const started = Date.now();
		const user = await client.directory.getUser('login', uid(3));
		expect(user.login).toContain(uid(3));
		expect(Date.now() - started).toBeGreaterThanOrEqual(950);
		expect(retries).toEqual([expect.objectContaining({ reason: 'status 429', delayMs: 1000, method: 'GET' })]);
	});

	it('back off on 429 without Retry-After', async () => {
		const { client, retries } = connect();
		otds.faults.rateLimitNext(2, null, { path: '/rest/users' });
		await client.directory.getUser('login', uid(4));
		expect(retries.map((retry) => retry.reason)).toEqual(['status 429', 'status 429']);
	});

	it('give up when OTDS asks to wait longer than allowed, saying so', async () => {
		const { client } = connect({ retry: { maxRetryAfterMs: 2_000 } });
		await client.directory.currentUser();
		otds.faults.rateLimitNext(1, 120, { path: '/rest/users' });
		const error = await failure(client.directory.getUser('login', uid(5)));
		expect(error).toMatchObject({ kind: 'unreachable' });
		expect(error.message).toMatch(/HTTP 429.*asked to wait 120 s/);
	});

	it('retry 503 and succeed', async () => {
		const { client, retries } = connect();
		await client.directory.currentUser();
		otds.faults.failNext(2, 503, { path: '/rest/groups' });
		const group = await client.directory.getGroup('name', GROUPS.executives);
		expect(group.name).toBe(GROUPS.executives);
		expect(retries.map((retry) => retry.reason)).toEqual(['status 503', 'status 503']);
	});

	it('retry a dropped connection, also in the middle of paging', async () => {
		const { client, retries } = connect();
		const pages = client.directory.searchUsers({ pageSize: 20 });
		const first = await pages.next();
		otds.faults.dropNext(1, { path: '/rest/users' });
		let count = (first.value as unknown[]).length;
		for await (const page of pages) count += page.length;
		expect(count).toBe(60);
		expect(retries.map((retry) => retry.reason)).toEqual(['ECONNRESET']);
		expect(otds.requests.filter((request) => request.fault === 'drop')).toHaveLength(1);
	});

	it('do not retry a 500 (a server error that would repeat), and explain it', async () => {
		const { client, retries } = connect();
		await client.directory.currentUser();
		otds.faults.failNext(1, 500, { path: '/rest/users' });
		const error = await failure(client.directory.getUser('login', uid(6)));
		expect(error).toMatchObject({ kind: 'protocol' });
		expect(error.message).toMatch(/HTTP 500/);
		expect(error.hint).toMatch(/server logs/);
		expect(retries).toEqual([]);
	});

	it('report a timeout when OTDS is too slow', async () => {
		const { client } = connect({ timeoutMs: 200, retry: { maxAttempts: 2, baseDelayMs: 10 } });
		await client.directory.currentUser();
		otds.faults.setLatency(600);
		const error = await failure(client.directory.getUser('login', uid(7)));
		expect(error).toMatchObject({ kind: 'timeout' });
		expect(error.message).toMatch(/did not answer in time/);
	});

	it('report 404 as not found and 400 as bad input', async () => {
		const { client, retries } = connect();
		await expect(client.directory.getUser('login', 'ghost')).rejects.toMatchObject({ name: 'NotFoundError' });
		await expect(client.directory.getGroup('id', 'Ghosts@Content Server Members')).rejects.toMatchObject({
			name: 'NotFoundError',
		});
		const error = await failure(client.directory.searchUsers({ pageSize: 50_000 }).next());
		expect(error).toMatchObject({ kind: 'invalidInput' });
		expect(error.message).toMatch(/HTTP 400.*page_size/);
		expect(retries).toEqual([]);
	});
});

describe('writes', () => {
	it('retry an idempotent write whose answer was lost, without applying it twice', async () => {
		const { client, retries } = connect();
		const login = uid(10);
		await client.directory.getUser('login', login);
		otds.faults.dropResponseNext(1, { method: 'PATCH' });
		const user = await client.directory.updateUserAttributes('login', login, [
			{ attribute: 'oTExtraAttr5', action: 'add', values: ['ack:notice-7'] },
		]);
		expect(user.attributes.oTExtraAttr5).toBe('ack:notice-7');
		expect(otds.store.findUser(login)!.attributes.oTExtraAttr5).toEqual(['ack:notice-7']);
		expect(retries.map((retry) => retry.method)).toEqual(['PATCH']);
		expect(
			otds.requests.filter((request) => request.method === 'PATCH' && request.path.endsWith(path(login))),
		).toHaveLength(2);
	});

	it('retry a membership change after a lost answer, and report it as done', async () => {
		const { client } = connect();
		const login = uid(11);
		const group = { key: 'name' as const, value: GROUPS.helpDesk };
		await client.directory.removeGroupMember(group, { key: 'login', value: login });
		otds.faults.dropResponseNext(1, { method: 'POST', path: '/memberof' });
		expect(await client.directory.addGroupMember(group, { key: 'login', value: login })).toMatchObject({
			changed: true,
		});
		expect(otds.store.groupsOf(otds.store.findUser(login)!.uuid).map((g) => g.name)).toContain(GROUPS.helpDesk);
	});

	it('retry an idempotent write on 503 and 429', async () => {
		const { client, retries } = connect();
		const login = uid(12);
		await client.directory.getUser('login', login);
		otds.faults.failNext(1, 503, { method: 'PATCH' }).rateLimitNext(1, 0, { method: 'PATCH' });
		await client.directory.updateUserAttributes('login', login, [
			{ attribute: 'title', action: 'set', values: ['Retried Title'] },
		]);
		expect(otds.store.findUser(login)!.attributes.title).toEqual(['Retried Title']);
		expect(retries.map((retry) => retry.reason)).toEqual(['status 503', 'status 429']);
	});

	it('fail clearly and write nothing when every attempt is refused', async () => {
		const { client } = connect();
		const login = uid(13);
		await client.directory.getUser('login', login);
		const before = snapshot(login);
		otds.faults.failNext(10, 503, { method: 'PATCH' });
		const error = await failure(
			client.directory.updateUserAttributes('login', login, [
				{ attribute: 'title', action: 'set', values: ['Never Written'] },
				{ attribute: 'oTExtraAttr4', action: 'set', values: ['never'] },
			]),
		);
		expect(error).toMatchObject({ kind: 'unreachable' });
		expect(error.message).toMatch(/HTTP 503/);
		expect(snapshot(login)).toBe(before);
	});
});

describe('OTDS down', () => {
	it('gives a clear error, writes nothing, and works again when OTDS is back', async () => {
		const { client } = connect({ retry: { maxAttempts: 3, baseDelayMs: 10 } });
		const login = uid(14);
		await client.directory.getUser('login', login);
		const before = snapshot(login);
		const membershipsBefore = otds.store.groupsOf(otds.store.findUser(login)!.uuid).length;
		await otds.suspend();
		try {
			const read = await failure(client.directory.getUser('login', login));
			expect(read).toMatchObject({ kind: 'unreachable' });
			expect(read.message).toMatch(/Could not reach OTDS at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
			expect(read.hint).toMatch(/running and reachable/);
			const write = await failure(
				client.directory.updateUserAttributes('login', login, [
					{ attribute: 'title', action: 'set', values: ['Down'] },
				]),
			);
			expect(write).toMatchObject({ kind: 'unreachable' });
			await failure(
				client.directory.addGroupMember({ key: 'name', value: GROUPS.vpnUsers }, { key: 'login', value: login }),
			);
		} finally {
			await otds.resume();
		}
		expect(snapshot(login)).toBe(before);
		expect(otds.store.groupsOf(otds.store.findUser(login)!.uuid)).toHaveLength(membershipsBefore);
		expect((await client.directory.getUser('login', login)).login).toContain(login);
	});

	it('stops mid-way without half-writing: a dropped write leaves the user as it was', async () => {
		const { client } = connect({ retry: { maxAttempts: 2, baseDelayMs: 10 } });
		const login = uid(15);
		await client.directory.getUser('login', login);
		const before = snapshot(login);
		otds.faults.dropNext(5, { method: 'PATCH' });
		const error = await failure(
			client.directory.updateUserAttributes('login', login, [
				{ attribute: 'mail', action: 'set', values: ['changed@example.com'] },
			]),
		);
		expect(error).toMatchObject({ kind: 'unreachable' });
		expect(error.message).toMatch(/closed the connection/);
		expect(snapshot(login)).toBe(before);
	});
});

describe('secrets', () => {
	it('never appear in any error of this file, nor in the request log', () => {
		expect(errors.length).toBeGreaterThan(5);
		for (const error of errors) {
			const text = JSON.stringify({
				...(error as object),
				message: (error as Error).message,
				stack: (error as Error).stack,
			});
			expect(text).not.toContain(ADMIN_PASSWORD);
			expect(text).not.toContain('OTDSSSO');
		}
		expect(JSON.stringify(otds.requests)).not.toContain(ADMIN_PASSWORD);
	});
});
