import { startLdapRelay, type LdapRelay } from '../../devkit/ldap-relay';
import { startSlapd, type Slapd } from '../../devkit/slapd';
import { LdapSession } from '../../transport/ldap/session';
import { parseLdapConnectionSettings } from '../../transport/ldap/settings';

/**
 * Every search asks the server for the Operation Timeout as its time limit. ldapts alone asks for 10 seconds,
 * and slapd then ends any longer search with timeLimitExceeded, however long the client would wait: reading
 * the groups of a 1,000,000-person directory failed that way on a busy machine. The relay shows the requests
 * as they went to a real slapd.
 */
let slapd: Slapd;
let relay: LdapRelay;

beforeAll(async () => {
	slapd = await startSlapd({ users: 30, otds: false });
	relay = await startLdapRelay(slapd.url);
});

afterAll(async () => {
	await relay?.close();
	await slapd?.stop();
});

/** The timeLimit field of each SearchRequest ([APPLICATION 3]) among BER-encoded LDAP messages. */
function searchTimeLimits(messages: Buffer[]): number[] {
	const limits: number[] = [];
	for (const message of messages) {
		let at = 0;
		const header = () => {
			const tag = message[at];
			let length = message[at + 1];
			at += 2;
			if (length & 0x80) {
				const bytes = length & 0x7f;
				length = 0;
				for (let index = 0; index < bytes; index++) length = length * 256 + message[at + index];
				at += bytes;
			}
			return { tag, length };
		};
		const skip = () => {
			const { length } = header();
			at += length;
		};
		const integer = () => {
			const { length } = header();
			let value = 0;
			for (let index = 0; index < length; index++) value = value * 256 + message[at + index];
			at += length;
			return value;
		};
		header(); // LDAPMessage SEQUENCE
		skip(); // messageID
		if (header().tag !== 0x63) continue;
		skip(); // baseObject
		skip(); // scope
		skip(); // derefAliases
		skip(); // sizeLimit
		limits.push(integer());
	}
	return limits;
}

it('a search and a paged search ask the server for the Operation Timeout as their time limit', async () => {
	const settings = parseLdapConnectionSettings({
		serverUrls: relay.url,
		connectionSecurity: 'none',
		bindDN: slapd.adminDN,
		bindPassword: slapd.adminPassword,
		baseDN: slapd.baseDN,
		timeout: 45_000,
	});
	const before = relay.requestsSeen().length;
	await LdapSession.use(settings, async (session) => {
		expect((await session.search(slapd.layout.peopleDN, { scope: 'one', attributes: ['uid'] })).length).toBe(30);
		let paged = 0;
		for await (const page of session.searchPages(slapd.layout.peopleDN, { scope: 'one', attributes: ['uid'] }, 10))
			paged += page.length;
		expect(paged).toBe(30);
	});
	const limits = searchTimeLimits(relay.requestsSeen().slice(before));
	// One plain search, then the paged one's four pages (10 + 10 + 10, and the one that says there is no more).
	expect(limits.length).toBeGreaterThanOrEqual(4);
	expect(new Set(limits)).toEqual(new Set([45]));
});
