import { Client } from 'ldapts';
import {
	AcknowledgmentStore,
	checkNoticeId,
	formatAcknowledgment,
	parseAcknowledgment,
	type AcknowledgmentStatus,
} from '../../core/acknowledgments';
import { ConfigurationError, NotFoundError } from '../../core/errors';
import { LdapDirectory } from '../../core/ldap/directory';
import { profileFor } from '../../core/ldap/flavours';
import { LdapSession } from '../../transport/ldap/session';
import { transitiveUsers } from '../../devkit/fixture';
import type { Slapd } from '../../devkit/slapd';
import { startSlapdWithSession, stopSlapdWithSession } from '../support/slapd-strategies';

/** Acknowledgment write-back against a real slapd: the package's auxiliary class on inetOrgPerson, a free OTDS attribute. */
let slapd: Slapd;
let session: LdapSession;

beforeAll(async () => ({ slapd, session } = await startSlapdWithSession({ users: 150 })));
afterAll(() => stopSlapdWithSession(slapd, session));

/** The raw entry as the server holds it, read outside the code under test. */
async function raw(dn: string, attributes: string[]): Promise<Record<string, string[]>> {
	const client = new Client({ url: slapd.url });
	try {
		await client.bind(slapd.adminDN, slapd.adminPassword);
		const [entry] = (await client.search(dn, { scope: 'base', attributes })).searchEntries;
		const out: Record<string, string[]> = {};
		for (const name of attributes) {
			const key = Object.keys(entry).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
			const value = key === undefined ? [] : entry[key];
			out[name] = (Array.isArray(value) ? value : [value]).map(String);
		}
		return out;
	} finally {
		await client.unbind();
	}
}

async function collect(pages: AsyncGenerator<AcknowledgmentStatus[]>): Promise<AcknowledgmentStatus[]> {
	const all: AcknowledgmentStatus[] = [];
	for await (const page of pages) all.push(...page);
	return all;
}

describe('value format', () => {
	it('writes and reads <notice id>|<ISO time>, and validates notice ids', () => {
		const value = formatAcknowledgment('outage-2026-11-26', new Date(Date.UTC(2026, 10, 26, 10)));
		expect(value).toBe('outage-2026-11-26|2026-11-26T10:00:00.000Z');
		expect(parseAcknowledgment(value)).toEqual({ noticeId: 'outage-2026-11-26', at: '2026-11-26T10:00:00.000Z' });
		expect(parseAcknowledgment('no separator')).toBeUndefined();
		expect(parseAcknowledgment('x|not a time')).toBeUndefined();
		for (const bad of ['', 'a|b', 'with space', 'x'.repeat(129), 'é', '*', 'a\0']) {
			expect(() => checkNoticeId(bad)).toThrow(ConfigurationError);
		}
		expect(checkNoticeId('maint:2026.Q4_v-1')).toBe('maint:2026.Q4_v-1');
	});
});

describe('inetOrgPerson with the otdpRecipient auxiliary class', () => {
	const backend = () => new LdapDirectory(session, profileFor('openLdap'), slapd.baseDN);
	const store = () =>
		new AcknowledgmentStore(backend(), { attribute: 'otdpAcknowledgment', auxiliaryObjectClass: 'otdpRecipient' });

	it('records the first acknowledgment, adding the class in the same modify; repeating changes nothing', async () => {
		const user = slapd.fixture.users[10];
		const dn = slapd.layout.userDN(user.uid);
		expect((await raw(dn, ['objectClass'])).objectClass).not.toContain('otdpRecipient');
		const first = await store().record(user.uid, 'outage-1', '2026-11-26T10:00:00Z');
		expect(first).toMatchObject({ recorded: true, at: '2026-11-26T10:00:00.000Z', noticeId: 'outage-1', userDn: dn });
		const again = await store().record({ key: 'dn', value: dn }, 'outage-1');
		expect(again).toMatchObject({ recorded: false, at: '2026-11-26T10:00:00.000Z' });
		await store().record(user.uid, 'outage-2');
		const stored = await raw(dn, ['objectClass', 'otdpAcknowledgment']);
		expect(stored.objectClass).toContain('otdpRecipient');
		// Each notice: its timed value and its claim (the bare notice id a second writer's modify is refused on).
		expect(stored.otdpAcknowledgment).toHaveLength(4);
		expect(stored.otdpAcknowledgment).toContain('outage-1|2026-11-26T10:00:00.000Z');
		expect(stored.otdpAcknowledgment).toContain('outage-1');
		expect(await store().acknowledgedAt(user.uid, 'outage-1')).toBe('2026-11-26T10:00:00.000Z');
		expect(await store().acknowledgedAt(user.uid, 'outage-3')).toBeUndefined();
		// "now" when no time is given.
		const at = Date.parse((await store().record(slapd.fixture.users[11].uid, 'outage-1')).at);
		expect(Math.abs(at - Date.now())).toBeLessThan(60_000);
	});

	it('converges on one value when two writers race', async () => {
		const user = slapd.fixture.users[12];
		const results = await Promise.all([
			store().record(user.uid, 'race', '2026-01-01T00:00:00Z'),
			store().record(user.uid, 'race', '2026-01-01T00:00:05Z'),
		]);
		const stored = (await raw(slapd.layout.userDN(user.uid), ['otdpAcknowledgment'])).otdpAcknowledgment.filter(
			(value) => value.startsWith('race|'),
		);
		expect(stored).toHaveLength(1);
		const kept = parseAcknowledgment(stored[0])!.at;
		expect(results.some((result) => result.recorded && result.at === kept)).toBe(true);
		expect(await store().record(user.uid, 'race')).toMatchObject({ recorded: false, at: kept });
	});

	it('says what to do when the schema does not allow the attribute', async () => {
		const withoutClass = new AcknowledgmentStore(backend(), { attribute: 'otdpAcknowledgment' });
		await expect(withoutClass.record(slapd.fixture.users[20].uid, 'outage-1')).rejects.toThrow(
			/^Acknowledgment Attribute .*otdpRecipient/,
		);
		const unknown = new AcknowledgmentStore(backend(), { attribute: 'noSuchAttribute' });
		await expect(unknown.record(slapd.fixture.users[20].uid, 'outage-1')).rejects.toBeInstanceOf(ConfigurationError);
		expect(
			(await raw(slapd.layout.userDN(slapd.fixture.users[20].uid), ['otdpAcknowledgment'])).otdpAcknowledgment,
		).toEqual([]);
		expect(() => new AcknowledgmentStore(backend(), { attribute: 'bad name' })).toThrow(/^Acknowledgment Attribute/);
	});

	it('refuses bad input and unknown users', async () => {
		await expect(store().record(slapd.fixture.users[21].uid, 'a|b')).rejects.toThrow(/^Notice ID/);
		await expect(store().record(slapd.fixture.users[21].uid, 'ok', 'yesterday')).rejects.toThrow(/^Acknowledged At/);
		await expect(store().record('no-such-user', 'ok')).rejects.toBeInstanceOf(NotFoundError);
		await expect(store().record('*', 'ok')).rejects.toBeInstanceOf(NotFoundError);
	});

	it('lists who in an audience has and has not acknowledged', async () => {
		const finance = [...transitiveUsers(slapd.fixture, 'Finance')]
			.filter((uid) => !slapd.fixture.userByUid.get(uid)!.status.disabled)
			.sort();
		const acknowledging = finance.slice(0, 3);
		for (const uid of acknowledging) await store().record(uid, 'finance-close', '2026-02-01T09:00:00Z');
		// An acknowledgment of another notice does not count.
		await store().record(finance[3], 'other-notice');
		const audience = { groups: ['Finance'] };
		const acknowledged = await collect(store().list('finance-close', audience, 'acknowledged'));
		expect(acknowledged.map((status) => status.user.login).sort()).toEqual(acknowledging);
		expect(acknowledged.every((status) => status.acknowledged && status.at === '2026-02-01T09:00:00.000Z')).toBe(true);
		const pending = await collect(store().list('finance-close', audience, 'pending'));
		expect(pending.map((status) => status.user.login).sort()).toEqual(finance.slice(3));
		expect(pending.every((status) => !status.acknowledged && status.at === undefined)).toBe(true);
		const all = await collect(store().list('finance-close', { ...audience, pageSize: 4 }));
		expect(all).toHaveLength(finance.length);
		await expect(collect(store().list('bad id', audience))).rejects.toThrow(/^Notice ID/);
	});
});

describe('legacy OTDS with a free oTExtraAttr attribute', () => {
	const store = () =>
		new AcknowledgmentStore(new LdapDirectory(session, profileFor('openDj'), slapd.otdsBaseDN), {
			attribute: 'oTExtraAttr2',
		});

	it('records, repeats idempotently and lists', async () => {
		const [first, second] = slapd.fixture.users.filter((user) => !user.status.disabled).slice(30, 32);
		expect(await store().record(first.uid, 'otds-notice', '2026-03-03T03:03:03.003Z')).toMatchObject({
			recorded: true,
			at: '2026-03-03T03:03:03.003Z',
		});
		expect(await store().record(first.uid, 'otds-notice')).toMatchObject({
			recorded: false,
			at: '2026-03-03T03:03:03.003Z',
		});
		expect((await raw(slapd.otds.userDN(first.uid), ['oTExtraAttr2'])).oTExtraAttr2).toEqual([
			'otds-notice|2026-03-03T03:03:03.003Z',
			'otds-notice',
		]);
		const statuses = await collect(store().list('otds-notice', { users: [first.uid, second.uid] }));
		expect(statuses.map((status) => [status.user.login, status.acknowledged])).toEqual([
			[first.uid, true],
			[second.uid, false],
		]);
	});
});
