import { RequestError } from '../../core/errors';
import { parseLdapConnectionSettings } from '../../transport/ldap/settings';
import { LdapSession } from '../../transport/ldap/session';
import { LISTEN_OIDS, decodeSyncInfo, decodeSyncState, syncRequestControl } from '../../transport/ldap/listen-controls';
import type { ListenMessage } from '../../transport/ldap/listening-search';
import { startSlapd, type Slapd } from '../../devkit/slapd';

/**
 * The listening search against a real OpenLDAP with the syncprov overlay (RFC 4533 refreshAndPersist):
 * messages arrive while the search stays open, the connection's end is reported once, and a server without
 * syncprov refuses the critical control.
 */
let slapd: Slapd;
let plain: Slapd;

beforeAll(async () => {
	[slapd, plain] = await Promise.all([
		startSlapd({ users: 20, otds: false, syncprov: true }),
		startSlapd({ users: 20, otds: false }),
	]);
}, 120_000);

afterAll(async () => {
	await Promise.all([slapd?.stop(), plain?.stop()]);
});

const open = (server: Slapd) =>
	LdapSession.open(
		parseLdapConnectionSettings({
			serverUrls: server.url,
			connectionSecurity: 'none',
			bindDN: server.adminDN,
			bindPassword: server.adminPassword,
			baseDN: server.baseDN,
			connectTimeout: 3000,
			timeout: 5000,
		}),
	);

/** Collects a listening search's messages and lets a test wait for one that matches. */
class Inbox {
	readonly messages: ListenMessage[] = [];
	closed?: { failure?: RequestError };
	private waiters: Array<() => void> = [];

	readonly handlers = {
		onMessage: (message: ListenMessage) => {
			this.messages.push(message);
			this.wake();
		},
		onClose: (failure?: RequestError) => {
			this.closed = { failure };
			this.wake();
		},
	};

	private wake() {
		for (const waiter of this.waiters.splice(0)) waiter();
	}

	async until<T>(find: () => T | undefined, what: string, timeoutMs = 5000): Promise<T> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const found = find();
			if (found !== undefined) return found;
			const left = deadline - Date.now();
			if (left <= 0)
				throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.messages.map((m) => m.kind))}`);
			await new Promise<void>((resolve) => {
				const timer = setTimeout(resolve, left);
				this.waiters.push(() => {
					clearTimeout(timer);
					resolve();
				});
			});
		}
	}
}

const refreshDone = (inbox: Inbox) =>
	inbox.until(
		() =>
			inbox.messages.find(
				(m) => m.kind === 'intermediate' && m.name === LISTEN_OIDS.syncInfo && decodeSyncInfo(m.value!).refreshDone,
			),
		'the end of the refresh phase',
	);

async function contextCsn(server: Slapd): Promise<string> {
	const session = await open(server);
	try {
		const [suffix] = await session.search(server.baseDN, {
			scope: 'base',
			filter: '(objectClass=*)',
			attributes: ['contextCSN'],
		});
		const csns = ([] as unknown[]).concat(suffix.contextCSN).map(String);
		expect(csns.length).toBeGreaterThan(0);
		return csns.join(';');
	} finally {
		await session.close();
	}
}

it('hands out each change as it happens while the search stays open, and nothing of the past with a current cookie', async () => {
	const cookie = `rid=000,csn=${await contextCsn(slapd)}`;
	const session = await open(slapd);
	const inbox = new Inbox();
	const search = session.listen(
		slapd.baseDN,
		{ scope: 'sub', filter: '(objectClass=*)', attributes: ['1.1'], controls: [syncRequestControl(cookie)] },
		inbox.handlers,
	);
	try {
		await refreshDone(inbox);
		expect(inbox.messages.filter((m) => m.kind === 'entry')).toEqual([]);

		const uid = slapd.fixture.users[3].uid;
		const dn = slapd.layout.userDN(uid);
		const started = Date.now();
		await slapd.ldapmodify(`dn: ${dn}\nchangetype: modify\nreplace: title\ntitle: Listener test\n`);
		const entry = await inbox.until(
			() => inbox.messages.find((m): m is Extract<ListenMessage, { kind: 'entry' }> => m.kind === 'entry'),
			'the changed entry',
		);
		expect(Date.now() - started).toBeLessThan(1000);
		expect(entry.dn.toLowerCase()).toBe(dn.toLowerCase());
		const state = entry.controls.find((c) => c.type === LISTEN_OIDS.syncState);
		expect(state).toBeDefined();
		expect(decodeSyncState(state!.value!)).toMatchObject({ state: 'modify' });
		expect(decodeSyncState(state!.value!).entryUUID).toHaveLength(16);

		// A burst arrives as many messages on the same open search.
		for (const user of slapd.fixture.users.slice(5, 10))
			await slapd.ldapmodify(
				`dn: ${slapd.layout.userDN(user.uid)}\nchangetype: modify\nreplace: title\ntitle: Burst\n`,
			);
		await inbox.until(
			() => (inbox.messages.filter((m) => m.kind === 'entry').length >= 6 ? true : undefined),
			'six entries',
		);
		expect(inbox.closed).toBeUndefined();
	} finally {
		await search.close();
	}
	expect(inbox.closed).toEqual({ failure: undefined });
});

it('reports the connection lost when the server dies, once', async () => {
	const session = await open(slapd);
	const inbox = new Inbox();
	const search = session.listen(
		slapd.baseDN,
		{
			scope: 'sub',
			filter: '(objectClass=*)',
			attributes: ['1.1'],
			controls: [syncRequestControl(`rid=000,csn=${await contextCsn(slapd)}`)],
		},
		inbox.handlers,
	);
	await refreshDone(inbox);
	slapd.kill();
	try {
		await inbox.until(() => inbox.closed, 'the close');
		expect(inbox.closed?.failure).toBeInstanceOf(RequestError);
		expect(inbox.closed?.failure?.kind).toBe('unreachable');
		await search.close();
	} finally {
		await slapd.restart();
	}
}, 60_000);

it('a server without syncprov ends the search with unavailable critical extension', async () => {
	const session = await open(plain);
	const inbox = new Inbox();
	const search = session.listen(
		plain.baseDN,
		{ scope: 'sub', filter: '(objectClass=*)', attributes: ['1.1'], controls: [syncRequestControl()] },
		inbox.handlers,
	);
	try {
		const done = await inbox.until(() => inbox.messages.find((m) => m.kind === 'done'), 'the end of the search');
		expect(done).toMatchObject({ kind: 'done', resultCode: 12 });
	} finally {
		await search.close();
	}
});
