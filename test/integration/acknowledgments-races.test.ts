import { AcknowledgmentStore, parseAcknowledgment } from '../../core/acknowledgments';
import type { DirectoryBackend } from '../../core/directory/backend';
import { RequestError } from '../../core/errors';
import { LdapDirectory } from '../../core/ldap/directory';
import { profileFor } from '../../core/ldap/flavours';
import { LdapSession } from '../../transport/ldap/session';
import { parseLdapConnectionSettings } from '../../transport/ldap/settings';
import { connectToEmulator, type EmulatorClient } from '../../emulators/otds/client-kit';
import { startOtdsEmulator, type OtdsEmulator } from '../../emulators/otds';
import { startSlapd, type Slapd } from '../../devkit/slapd';

/**
 * Acknowledgments recorded at the same time by several executions: over OTDS REST (whose write replaces the
 * attribute's whole list) against the OTDS emulator, and over LDAP against a real slapd.
 */
let otds: OtdsEmulator;
let slapd: Slapd;
let session: LdapSession;
const clients: EmulatorClient[] = [];

beforeAll(async () => {
	otds = await startOtdsEmulator({ users: 20, adminPassword: 'Admin-Pa55-word!' });
	slapd = await startSlapd({ users: 30 });
	session = await LdapSession.open(
		parseLdapConnectionSettings({
			serverUrls: slapd.url,
			connectionSecurity: 'none',
			bindDN: slapd.adminDN,
			bindPassword: slapd.adminPassword,
			baseDN: slapd.baseDN,
		}),
	);
});

afterAll(async () => {
	for (const client of clients) client.close();
	await otds?.stop();
	await session?.close();
	await slapd?.stop();
});

/** A fresh client per writer, as separate executions would have. */
function otdsStore(): AcknowledgmentStore {
	const client = connectToEmulator(otds);
	clients.push(client);
	return new AcknowledgmentStore(client.directory, { attribute: 'oTExtraAttr2' });
}

const storedOtds = (uid: string): string[] => otds.store.findUser(uid)?.attributes.oTExtraAttr2 ?? [];

describe('OTDS REST', () => {
	it('keeps every notice when four executions record different notices for one person at once', async () => {
		const uid = otds.fixture!.users[3].uid;
		const notices = ['notice-a', 'notice-b', 'notice-c', 'notice-d'];
		const results = await Promise.all(notices.map((notice) => otdsStore().record(uid, notice)));
		expect(results.map((result) => result.recorded)).toEqual([true, true, true, true]);
		const stored = storedOtds(uid).map((value) => parseAcknowledgment(value)?.noticeId);
		expect(stored.sort()).toEqual(notices);
		for (const result of results) expect(storedOtds(uid)).toContain(`${result.noticeId}|${result.at}`);
	});

	it('never answers recorded when the value cannot be read back', async () => {
		const uid = otds.fixture!.users[4].uid;
		const client = connectToEmulator(otds);
		clients.push(client);
		// Another writer that always removes the value right after our write lands.
		const clobbered: DirectoryBackend = Object.assign(Object.create(client.directory) as DirectoryBackend, {
			updateUserAttributes: async (...args: Parameters<DirectoryBackend['updateUserAttributes']>) => {
				const written = await client.directory.updateUserAttributes(...args);
				otds.store.writeUserAttributes(otds.store.findUser(uid)!, [{ name: 'oTExtraAttr2', values: [] }], 'merge');
				return written;
			},
		});
		const store = new AcknowledgmentStore(clobbered, { attribute: 'oTExtraAttr2' });
		const failure = await store.record(uid, 'never-kept').catch((error: unknown) => error);
		expect(failure).toBeInstanceOf(RequestError);
		expect((failure as Error).message).toMatch(/could not be read back/);
	});
});

/** Two writers in lock step: each modify waits for the other's before and after it runs, on a real slapd. */
function inLockStep(real: LdapSession): LdapSession {
	let waiting: (() => void) | undefined;
	const meet = () =>
		new Promise<void>((resolve) => {
			if (waiting) {
				waiting();
				waiting = undefined;
				resolve();
			} else waiting = resolve;
		});
	return Object.assign(Object.create(real) as LdapSession, {
		modify: async (...args: Parameters<LdapSession['modify']>) => {
			await meet();
			try {
				await real.modify(...args);
			} finally {
				await meet();
			}
		},
	});
}

describe('LDAP', () => {
	it('two writers of the same notice in lock step: the server takes one modify, the other answers with its time', async () => {
		const user = slapd.fixture.users[5];
		const directory = new LdapDirectory(inLockStep(session), profileFor('openLdap'), slapd.baseDN);
		const store = new AcknowledgmentStore(directory, {
			attribute: 'otdpAcknowledgment',
			auxiliaryObjectClass: 'otdpRecipient',
		});
		// The class first, so both writers' modifies are value adds that both land.
		await new AcknowledgmentStore(new LdapDirectory(session, profileFor('openLdap'), slapd.baseDN), {
			attribute: 'otdpAcknowledgment',
			auxiliaryObjectClass: 'otdpRecipient',
		}).record(user.uid, 'earlier-notice', '2026-01-01T00:00:00Z');
		const results = await Promise.all([
			store.record(user.uid, 'same-notice', '2026-01-02T00:00:00.000Z'),
			store.record(user.uid, 'same-notice', '2026-01-02T00:00:05.000Z'),
		]);
		// Either may be first at the server; exactly one is recorded, and both answer its time.
		expect(results.map((result) => result.recorded).sort()).toEqual([false, true]);
		const winner = results.find((result) => result.recorded)!;
		expect(results.map((result) => result.at)).toEqual([winner.at, winner.at]);
		const reader = new LdapDirectory(session, profileFor('openLdap'), slapd.baseDN);
		const values = [(await reader.getUser('login', user.uid, ['otdpAcknowledgment'])).attributes.otdpAcknowledgment]
			.flat()
			.filter((value) => value.startsWith('same-notice'));
		expect(values.sort()).toEqual(['same-notice', `same-notice|${winner.at}`]);
	});

	it('two writers of the same notice with the very same time: only the one whose modify landed answers recorded', async () => {
		const user = slapd.fixture.users[7];
		const directory = new LdapDirectory(inLockStep(session), profileFor('openLdap'), slapd.baseDN);
		const store = new AcknowledgmentStore(directory, {
			attribute: 'otdpAcknowledgment',
			auxiliaryObjectClass: 'otdpRecipient',
		});
		await new AcknowledgmentStore(new LdapDirectory(session, profileFor('openLdap'), slapd.baseDN), {
			attribute: 'otdpAcknowledgment',
			auxiliaryObjectClass: 'otdpRecipient',
		}).record(user.uid, 'earlier-notice', '2026-01-01T00:00:00Z');
		const results = await Promise.all([
			store.record(user.uid, 'same-millisecond', '2026-01-03T00:00:00.000Z'),
			store.record(user.uid, 'same-millisecond', '2026-01-03T00:00:00.000Z'),
		]);
		expect(results.map((result) => result.recorded).sort()).toEqual([false, true]);
	});

	it('of eight writers of one notice at once (later writers with earlier times), exactly one answers recorded, 20 times over', async () => {
		const directory = new LdapDirectory(session, profileFor('openLdap'), slapd.baseDN);
		const store = new AcknowledgmentStore(directory, {
			attribute: 'otdpAcknowledgment',
			auxiliaryObjectClass: 'otdpRecipient',
		});
		const user = slapd.fixture.users[6];
		await store.record(user.uid, 'class-first', '2026-01-01T00:00:00Z');
		const recordedPerRound: number[] = [];
		for (let round = 0; round < 20; round++) {
			const notice = `round-${round}`;
			// A writer that reads and writes last but claims the earliest time is the case where "earliest wins"
			// alone would let two writers both answer recorded.
			const results = await Promise.all(
				Array.from({ length: 8 }, (_, writer) =>
					store.record(user.uid, notice, new Date(Date.UTC(2026, 1, 1, 0, 0, 8 - writer))),
				),
			);
			recordedPerRound.push(results.filter((result) => result.recorded).length);
			const winner = results.find((result) => result.recorded);
			expect(new Set(results.map((result) => result.at))).toEqual(new Set([winner?.at]));
		}
		expect(recordedPerRound).toEqual(Array.from({ length: 20 }, () => 1));
		const stored = [(await directory.getUser('login', user.uid, ['otdpAcknowledgment'])).attributes.otdpAcknowledgment]
			.flat()
			.filter((value) => value.startsWith('round-'));
		// One timed value and one claim per notice.
		expect(stored).toHaveLength(40);
	});
});
