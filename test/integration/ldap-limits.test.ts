import { RequestError } from '../../core/errors';
import { LdapSession } from '../../transport/ldap/session';
import { parseLdapConnectionSettings } from '../../transport/ldap/settings';
import { ldapMessage, searchDone, searchEntry, startHostileLdap, type HostileLdap } from '../support/hostile-ldap';

/**
 * Every LDAP read is bounded, against hostile servers speaking real BER over TCP: one that hands out the same
 * paging cookie again and again, one whose cookies never end, and one that sends an entry of tens of megabytes.
 * Each stops with an error that names the limit and the setting to change.
 */
const servers: HostileLdap[] = [];

afterAll(async () => {
	for (const server of servers) await server.close();
});

async function hostile(answer: Parameters<typeof startHostileLdap>[0]): Promise<HostileLdap> {
	const server = await startHostileLdap(answer);
	servers.push(server);
	return server;
}

function open(url: string, extra: Record<string, unknown> = {}): Promise<LdapSession> {
	return LdapSession.open(
		parseLdapConnectionSettings({
			serverUrls: url,
			connectionSecurity: 'none',
			bindDN: 'cn=admin,dc=example,dc=com',
			bindPassword: 'secret',
			timeout: 5000,
			...extra,
		}),
	);
}

async function readAll(session: LdapSession): Promise<unknown> {
	let entries = 0;
	try {
		for await (const page of session.searchPages('dc=example,dc=com', { scope: 'sub', filter: '(uid=*)' }, 10))
			entries += page.length;
		return entries;
	} catch (error) {
		return error;
	}
}

const page = (id: number, count: number, cookie: Buffer): Buffer =>
	Buffer.concat([
		ldapMessage(id, searchEntry(`uid=u${count},dc=example,dc=com`, 'uid', [Buffer.from(`u${count}`)])),
		ldapMessage(id, ...(searchDone(cookie) as [Buffer, Buffer])),
	]);

it('a server that answers the same paging cookie with the same page again is stopped at once', async () => {
	const server = await hostile(({ messageId, socket }) => socket.write(page(messageId, 1, Buffer.from('again'))));
	const session = await open(server.url);
	try {
		const failure = await readAll(session);
		expect(failure).toBeInstanceOf(RequestError);
		expect((failure as Error).message).toMatch(/same paging cookie twice in one search with the same page/);
		expect(server.searches).toBeLessThanOrEqual(3);
	} finally {
		await session.close();
	}
});

it('the same cookie with new entries on every page is paging as 389 DS and AD do it: read on, and stopped at Max Pages per Search only when it never ends', async () => {
	const finite = await hostile(({ messageId, count, socket }) =>
		socket.write(page(messageId, count, count < 5 ? Buffer.from('same') : Buffer.alloc(0))),
	);
	const session = await open(finite.url);
	try {
		expect(await readAll(session)).toBe(5);
	} finally {
		await session.close();
	}
	const endless = await hostile(({ messageId, count, socket }) =>
		socket.write(page(messageId, count, Buffer.from('same'))),
	);
	const capped = await open(endless.url, { maxPagesPerSearch: 30 });
	try {
		const failure = await readAll(capped);
		expect(failure).toBeInstanceOf(RequestError);
		expect((failure as RequestError).hint).toMatch(/Max Pages per Search/);
		expect(endless.searches).toBeLessThanOrEqual(32);
	} finally {
		await capped.close();
	}
});

it('endless new cookies stop at Max Pages per Search, which the error names', async () => {
	const server = await hostile(({ messageId, count, socket }) =>
		socket.write(page(messageId, count, Buffer.from(`cookie-${count}`))),
	);
	const session = await open(server.url, { maxPagesPerSearch: 40 });
	try {
		const failure = await readAll(session);
		expect(failure).toBeInstanceOf(RequestError);
		expect((failure as Error).message).toMatch(/stopped after 40 pages/);
		expect((failure as RequestError).hint).toMatch(/Max Pages per Search/);
		expect(server.searches).toBeLessThanOrEqual(42);
	} finally {
		await session.close();
	}
});

it('a listing that asks for small pages for its own reasons keeps the reach Max Pages per Search gives the pages it counts as', async () => {
	const server = await hostile(({ messageId, count, socket }) =>
		socket.write(page(messageId, count, Buffer.from(`cookie-${count}`))),
	);
	const session = await open(server.url, { maxPagesPerSearch: 4 });
	try {
		let entries = 0;
		const failure = await (async () => {
			try {
				// Pages of 10 counted as pages of 50: 4 × 50 entries, 20 requests.
				for await (const read of session.searchPages(
					'dc=example,dc=com',
					{ scope: 'sub', filter: '(uid=*)' },
					10,
					undefined,
					{ boundAsPagesOf: 50 },
				))
					entries += read.length;
				return undefined;
			} catch (error) {
				return error;
			}
		})();
		expect(failure).toBeInstanceOf(RequestError);
		expect((failure as Error).message).toMatch(/stopped after 20 pages of 10/);
		expect(entries).toBe(20);
		expect(server.searches).toBeGreaterThanOrEqual(20);
		expect(server.searches).toBeLessThanOrEqual(22);
	} finally {
		await session.close();
	}
});

it('a large entry arriving in many small pieces is read whole, its pieces joined once (ldapts joined them again with each piece)', async () => {
	// An entry of 2,000 values of 1 KB (about 2 MB) with two small entries around it, written 8 KB at a time.
	const values = Array.from({ length: 2000 }, (_, index) => Buffer.alloc(1024, 97 + (index % 26)));
	// Built before Buffer.concat is watched: the server's own joins of the large entry are not the client's.
	const large = searchEntry('uid=large,dc=example,dc=com', 'description', values);
	const server = await hostile(({ messageId, socket }) => {
		const bytes = Buffer.concat([
			ldapMessage(messageId, searchEntry('uid=before,dc=example,dc=com', 'uid', [Buffer.from('before')])),
			ldapMessage(messageId, large),
			ldapMessage(messageId, searchEntry('uid=after,dc=example,dc=com', 'uid', [Buffer.from('after')])),
			ldapMessage(messageId, ...(searchDone(Buffer.alloc(0)) as [Buffer, Buffer])),
		]);
		let at = 0;
		const next = () => {
			if (at >= bytes.length || socket.destroyed) return;
			socket.write(bytes.subarray(at, at + 8192), () => setImmediate(next));
			at += 8192;
		};
		next();
	});
	const session = await open(server.url);
	const concat = jest.spyOn(Buffer, 'concat');
	try {
		const entries: Array<Record<string, unknown>> = [];
		for await (const read of session.searchPages('dc=example,dc=com', { scope: 'sub', filter: '(uid=*)' }, 10))
			entries.push(...(read as Array<Record<string, unknown>>));
		expect(entries.map((entry) => entry.dn)).toEqual([
			'uid=before,dc=example,dc=com',
			'uid=large,dc=example,dc=com',
			'uid=after,dc=example,dc=com',
		]);
		expect(entries[1].description).toEqual(values.map((value) => value.toString()));
		// Joined once: 8 MB copied in all, the server's wrapping and joining of its answer included; joined again with
		// every piece the socket hands over (64 KB or so), as ldapts does, 41 MB, growing with the square of the size.
		const copied = concat.mock.results.reduce((sum, result) => sum + (result.value as Buffer).length, 0);
		expect(copied).toBeLessThan(16 * 1024 * 1024);
	} finally {
		concat.mockRestore();
		await session.close();
	}
});

it('a message larger than Max Message Size is not buffered: the connection is dropped, and the session stays closed', async () => {
	// An LDAP message announcing 300 MB, then dripped out 64 KB at a time for as long as the client listens.
	let sent = 0;
	const server = await hostile(({ socket }) => {
		socket.write(Buffer.from([0x30, 0x84, 0x12, 0xc0, 0x00, 0x00]));
		const chunk = Buffer.alloc(64 * 1024, 0x61);
		const drip = setInterval(() => {
			if (socket.destroyed || sent > 300 * 1024 * 1024) return clearInterval(drip);
			sent += chunk.length;
			socket.write(chunk);
		}, 2);
		socket.on('close', () => clearInterval(drip));
	});
	const session = await open(server.url, { maxMessageSizeMb: 1 });
	try {
		const failure = await readAll(session);
		expect(failure).toBeInstanceOf(RequestError);
		expect((failure as Error).message).toMatch(/larger than 1 MB/);
		expect((failure as RequestError).hint).toMatch(/Max Message Size \(MB\)/);
		// Dropped soon after the limit, not after the 300 MB (nor the Operation Timeout).
		expect(sent).toBeLessThan(16 * 1024 * 1024);
		// ldapts would reconnect without binding: the session refuses instead.
		await expect(session.search('dc=example,dc=com', { scope: 'base' })).rejects.toThrow(/larger than 1 MB/);
	} finally {
		await session.close();
	}
});
