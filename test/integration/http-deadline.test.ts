import { createServer, type Server, type ServerResponse } from 'node:http';
import { RequestError } from '../../core/errors';
import { OtdsRestClient } from '../../core/otds/client';
import { requestWithRetry } from '../../transport/http/retry';
import { createAxiosTransport } from '../../tools/http/axios-transport';

/**
 * A request's timeout is a deadline for the whole answer: a server that answers at once but then sends one byte
 * every 300 ms (never silent long enough for an idle timeout) is cut off at the deadline, over real HTTP.
 */
let server: Server;
let base: string;
const open = new Set<ServerResponse>();

beforeAll(async () => {
	server = createServer((_request, response) => {
		open.add(response);
		response.writeHead(200, { 'content-type': 'application/json' });
		response.write('{"users": [');
		const drip = setInterval(() => response.write(' '), 300);
		const stop = setTimeout(() => {
			clearInterval(drip);
			response.end(']}');
		}, 12_000);
		response.on('close', () => {
			clearInterval(drip);
			clearTimeout(stop);
			open.delete(response);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/otdsws`;
});

afterAll(async () => {
	for (const response of open) response.destroy();
	await new Promise<void>((resolve) => server.close(() => resolve()));
});

it('a dripping answer is cut off at the request deadline, and the error says so', async () => {
	const transport = createAxiosTransport();
	try {
		const started = Date.now();
		const failure = await requestWithRetry(
			transport,
			{ method: 'GET', url: `${base}/rest/users`, timeoutMs: 1500 },
			'write',
		).catch((error: unknown) => error);
		const elapsed = Date.now() - started;
		expect((failure as { code?: string }).code).toBe('ETIMEDOUT');
		expect(elapsed).toBeLessThan(4000);
		// The connection was given up: the server sees it closed.
		await new Promise((resolve) => setTimeout(resolve, 200));
		expect(open.size).toBe(0);

		const client = new OtdsRestClient(transport, { baseUrl: base, timeoutMs: 1000, retry: { maxAttempts: 1 } });
		const explained = await client.getJson(['users'], { what: 'list users' }).catch((error: unknown) => error);
		expect(explained).toBeInstanceOf(RequestError);
		expect((explained as Error).message).toMatch(/did not answer in time \(no complete answer within 1000 ms\)/);
	} finally {
		transport.close();
	}
});
