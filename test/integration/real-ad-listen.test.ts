import { Attribute, Change, type Client } from 'ldapts';

import { parseLdapSettings, type LdapSettings } from '../../core/ldap/settings';
import { ldapCredentialData } from '../../devkit/ldap-credential';
import { startSamba, type Samba } from '../../devkit/samba';
import { staffDn, staffLogin } from '../../devkit/samba-fixture';
import { loginsCaughtUp, startListening, updatedLogins, type ListenHarness } from '../support/listen-harness';

/**
 * The listening engine against a real Samba AD DC: LDAP_SERVER_NOTIFICATION_OID on the naming context wakes the
 * polling trigger's AD USN strategy (chosen by Auto). A write is read within a second, a burst shares reads and
 * emits each change once, an announcement outside the watched scope costs one read and emits nothing, and a
 * killed and restarted DC loses nothing.
 */
let samba: Samba;
let admin: Client;

beforeAll(async () => {
	samba = await startSamba();
	admin = await samba.adminClient();
}, 180_000);

afterAll(async () => {
	await admin?.unbind().catch(() => undefined);
	await samba?.stop();
});

const settings = (): LdapSettings => parseLdapSettings({ ...ldapCredentialData(samba), directoryFlavour: 'auto' });

async function retitle(indexes: number[], title: string): Promise<void> {
	for (const index of indexes)
		await admin.modify(staffDn(index), [
			new Change({ operation: 'replace', modification: new Attribute({ type: 'title', values: [title] }) }),
		]);
}

const logins = (indexes: number[]) => indexes.map(staffLogin);

describe('listening on Samba AD (change notification)', () => {
	let harness: ListenHarness;

	beforeAll(async () => {
		// A back-off long enough that the writes after the restart happen before the listener is back.
		harness = await startListening(settings(), {}, { backoffMs: { first: 8000, max: 8000 } });
	}, 60_000);

	afterAll(async () => {
		await harness?.listener.close();
	});

	it('listens by change notification and reads a write within a second', async () => {
		expect(harness.listener.mode).toBe('listening');
		expect(harness.listener.mechanismName).toBe('Active Directory change notification');
		await retitle([1], 'Instant');
		const took = await harness.until('the update', () => updatedLogins(harness.events).includes(staffLogin(1)));
		expect(took).toBeLessThan(1000);
		expect(updatedLogins(harness.events)).toEqual([staffLogin(1)]);
	});

	it('hears a deletion within a second', async () => {
		harness.events.length = 0;
		await admin.del(staffDn(60));
		const took = await harness.until('the deletion', () =>
			harness.events.some((event) => event.type === 'user.deleted' && event.user?.login === staffLogin(60)),
		);
		expect(took).toBeLessThan(1000);
	});

	it('coalesces a burst into few reads and emits each change once', async () => {
		harness.events.length = 0;
		const before = harness.listener.stats.reads;
		const burst = Array.from({ length: 20 }, (_, index) => 10 + index);
		await retitle(burst, 'Burst');
		await harness.until('20 updates', () => updatedLogins(harness.events).length >= 20, 10_000);
		await new Promise((resolve) => setTimeout(resolve, 500));
		expect(updatedLogins(harness.events).sort()).toEqual(logins(burst).sort());
		expect(new Set(harness.events.map((event) => event.id)).size).toBe(harness.events.length);
		expect(harness.listener.stats.reads - before).toBeLessThan(burst.length / 2);
	});

	it('loses nothing when the DC is killed, restarted and changed before the listener is back', async () => {
		harness.events.length = 0;
		await admin.unbind().catch(() => undefined);
		samba.kill();
		await harness.until('the listener to notice', () => harness.listener.mode === 'reconnecting');
		await samba.restart();
		admin = await samba.adminClient();
		const away = [40, 41, 42];
		await retitle(away, 'While away');
		await harness.until('the three updates', () => updatedLogins(harness.events).length >= 3, 60_000);
		await harness.until('listening again', () => harness.listener.mode === 'listening', 60_000);
		await retitle([45], 'After restart');
		await harness.until('the next update', () => updatedLogins(harness.events).includes(staffLogin(45)));
		await new Promise((resolve) => setTimeout(resolve, 500));
		expect(updatedLogins(harness.events).sort()).toEqual(logins([...away, 45]).sort());
		// Made while nobody listened: the catch-up read after reconnecting found them.
		expect(loginsCaughtUp(harness).sort()).toEqual(logins(away).sort());
	}, 180_000);
});

it('an announcement outside the watched scope costs one read and emits nothing', async () => {
	const harness = await startListening(settings(), { options: { userFilter: '(title=Watched)' } });
	try {
		const reads = harness.listener.stats.reads;
		await retitle([3], 'Not watched');
		await harness.until('one read', () => harness.listener.stats.reads === reads + 1);
		await new Promise((resolve) => setTimeout(resolve, 500));
		expect(harness.listener.stats.reads).toBe(reads + 1);
		expect(harness.events).toEqual([]);
	} finally {
		await harness.listener.close();
	}
}, 60_000);
