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
