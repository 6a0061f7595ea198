import { parseLdapSettings, type LdapSettings } from '../../core/ldap/settings';
import { startDirsrv, type Dirsrv } from '../../devkit/dirsrv';
import { loginsCaughtUp, startListening, updatedLogins, type ListenHarness } from '../support/listen-harness';

/**
 * The listening engine against a real 389 Directory Server 2.3: a persistent search wakes the polling trigger's
 * changelog strategy (chosen by Auto). A write is read within a second, a burst shares reads and emits each
 * change once, an announcement outside the watched scope costs one read and emits nothing, and a killed and
 * restarted server loses nothing.
 */
let dirsrv: Dirsrv;

beforeAll(async () => {
	dirsrv = await startDirsrv({ usersPerKind: 20 });
}, 180_000);

afterAll(async () => {
	await dirsrv?.stop();
});

const settings = (): LdapSettings =>
	parseLdapSettings({
		serverUrls: dirsrv.url,
		connectionSecurity: 'none',
		bindDN: dirsrv.adminDN,
		bindPassword: dirsrv.adminPassword,
		baseDN: dirsrv.baseDN,
		directoryFlavour: 'auto',
		connectTimeout: 2000,
		timeout: 10_000,
	});

/** A new mail address for each person (389's own people, nsPerson, allow no title). */
const remail = (uids: string[], tag: string) =>
	dirsrv.ldapmodify(
		uids
			.map((uid) => `dn: ${dirsrv.userDN(uid)}\nchangetype: modify\nreplace: mail\nmail: ${uid}.${tag}@example.test\n`)
			.join('\n'),
	);

const uids = () => dirsrv.fixture.users.map((user) => user.uid);

describe('listening on 389 DS (persistent search)', () => {
	let harness: ListenHarness;

	beforeAll(async () => {
		// A back-off long enough that the writes after the restart happen before the listener is back.
		harness = await startListening(settings(), {}, { backoffMs: { first: 8000, max: 8000 } });
	});

	afterAll(async () => {
		await harness?.listener.close();
	});

	it('listens by persistent search and reads a write within a second', async () => {
		expect(harness.listener.mode).toBe('listening');
		expect(harness.listener.mechanismName).toBe('persistent search');
		const uid = uids()[1];
		await remail([uid], 'instant');
		const took = await harness.until('the update', () => updatedLogins(harness.events).includes(uid));
		expect(took).toBeLessThan(1000);
		expect(harness.events).toHaveLength(1);
	});

	it('coalesces a burst into few reads and emits each change once', async () => {
		harness.events.length = 0;
		const before = harness.listener.stats.reads;
		const burst = uids().slice(5, 25);
		await remail(burst, 'burst');
		await harness.until('20 updates', () => harness.events.length >= 20, 10_000);
		await new Promise((resolve) => setTimeout(resolve, 500));
		expect(updatedLogins(harness.events).sort()).toEqual([...burst].sort());
		expect(new Set(harness.events.map((event) => event.id)).size).toBe(harness.events.length);
		expect(harness.listener.stats.reads - before).toBeLessThan(burst.length / 2);
	});

	it('loses nothing when the server is killed, restarted and changed before the listener is back', async () => {
		harness.events.length = 0;
		dirsrv.kill();
		await harness.until('the listener to notice', () => harness.listener.mode === 'reconnecting');
		await dirsrv.restart();
		const away = uids().slice(30, 33);
		await remail(away, 'away');
		await harness.until('the three updates', () => harness.events.length >= 3, 30_000);
		await harness.until('listening again', () => harness.listener.mode === 'listening', 30_000);
		const next = uids()[35];
		await remail([next], 'after');
		await harness.until('the next update', () => updatedLogins(harness.events).includes(next));
		await new Promise((resolve) => setTimeout(resolve, 500));
		expect(updatedLogins(harness.events).sort()).toEqual([...away, next].sort());
		// Made while nobody listened: the catch-up read after reconnecting found them.
		expect(loginsCaughtUp(harness).sort()).toEqual([...away].sort());
	}, 120_000);
});

it('an announcement outside the watched scope costs one read and emits nothing', async () => {
	const harness = await startListening(settings(), { options: { userFilter: '(mail=watched@example.test)' } });
	try {
		const reads = harness.listener.stats.reads;
		await remail([uids()[3]], 'unwatched');
		await harness.until('one read', () => harness.listener.stats.reads === reads + 1);
		await new Promise((resolve) => setTimeout(resolve, 500));
		expect(harness.listener.stats.reads).toBe(reads + 1);
		expect(harness.events).toEqual([]);
	} finally {
		await harness.listener.close();
	}
});
