import { createServer, type Server } from 'node:http';
import { RequestError } from '../../core/errors';
import { OtdsDirectory } from '../../core/otds/directory';
import { createAxiosTransport } from '../../tools/http/axios-transport';

/**
 * A hostile OTDS REST server that never ends a listing: every page of users carries a new nextPageCookie (or the
 * same one again). The client stops at Max Pages per Listing (or at the repeat) with an error naming it.
 */
let server: Server;
let url: string;
let pages = 0;
let sameCookie = false;

beforeAll(async () => {
	server = createServer((request, response) => {
		const path = new URL(request.url ?? '/', 'http://x').pathname;
		response.setHeader('content-type', 'application/json');
		if (path.endsWith('/rest/users')) {
			pages++;
			const user = { id: `u${pages}@P`, name: `u${pages}`, userPartitionID: 'P', attributes: {} };
			response.end(JSON.stringify({ users: [user], nextPageCookie: sameCookie ? 'again' : `cookie-${pages}` }));
		} else response.end(JSON.stringify({}));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/otdsws`;
});

afterAll(async () => {
	await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function listAll(directory: OtdsDirectory): Promise<unknown> {
	try {
		for await (const page of directory.searchUsers()) void page;
		return 'ended';
	} catch (error) {
		return error;
	}
}

it('endless new cookies stop at Max Pages per Listing; the same cookie again stops at once', async () => {
	const transport = createAxiosTransport({ timeoutMs: 5000 });
	try {
		const directory = new OtdsDirectory(transport, { baseUrl: url, checkPartition: false, maxPages: 30 });
		pages = 0;
		const endless = await listAll(directory);
		expect(endless).toBeInstanceOf(RequestError);
		expect((endless as Error).message).toMatch(/after 30 pages/);
		expect((endless as RequestError).hint).toMatch(/Max Pages per Listing/);
		expect(pages).toBe(30);

		sameCookie = true;
		pages = 0;
		const repeated = await listAll(directory);
		expect((repeated as Error).message).toMatch(/same page cookie twice/);
		expect(pages).toBe(2);
	} finally {
		transport.close();
	}
});
