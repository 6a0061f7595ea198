import { Client, MessageParser, SearchEntry } from 'ldapts';
import { installSearchEntryDecoder, uninstallSearchEntryDecoder } from '../../transport/ldap/search-entry-decoder';
import { attrLine } from '../../devkit/fixture';
import { startSlapd, type Slapd } from '../../devkit/slapd';

/**
 * The fast search entry decoder returns exactly what ldapts's own decoding returns: on hand-made BER
 * (every value shape, long lengths, several messages in one chunk) and on real entries from slapd.
 */

/** One BER element: tag, definite length, content. */
function tlv(tag: number, ...content: Buffer[]): Buffer {
	const body = Buffer.concat(content);
	const length = body.length;
	if (length < 0x80) return Buffer.concat([Buffer.from([tag, length]), body]);
	const octets: number[] = [];
	for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
	return Buffer.concat([Buffer.from([tag, 0x80 | octets.length, ...octets]), body]);
}

const octets = (value: string | Buffer) => tlv(0x04, typeof value === 'string' ? Buffer.from(value, 'utf8') : value);

/** A SearchResultEntry message: attributes as [type, values]. */
function searchEntryMessage(
	messageId: number,
	dn: string,
	attributes: Array<[string | Buffer, Array<string | Buffer>]>,
): Buffer {
	const list = attributes.map(([type, values]) => tlv(0x30, octets(type), tlv(0x31, ...values.map(octets))));
	return tlv(0x30, tlv(0x02, Buffer.from([messageId])), tlv(0x64, octets(dn), tlv(0x30, ...list)));
}

type Decoding = 'ldapts' | 'fast';

function use(decoding: Decoding): void {
	if (decoding === 'fast') expect(installSearchEntryDecoder(SearchEntry)).toBe(true);
	else uninstallSearchEntryDecoder(SearchEntry);
}

/** Feeds the bytes to ldapts's message parser in the given chunks and maps every entry with toObject. */
function decode(decoding: Decoding, chunks: Buffer[], requested: string[], explicitBuffers: string[] = []): unknown[] {
	use(decoding);
	try {
		const parser = new MessageParser();
		const entries: unknown[] = [];
		parser.on('message', (message) =>
			entries.push(message instanceof SearchEntry ? message.toObject(requested, explicitBuffers) : message),
		);
		parser.on('error', (error: unknown) => entries.push(error));
		for (const chunk of chunks) parser.read(chunk, new Map());
		return entries;
	} finally {
		use('fast');
	}
}

const invalidUtf8 = Buffer.from([0x66, 0xc3, 0x28, 0xff]);
const long = 'x'.repeat(300);
const veryLong = 'é'.repeat(40_000);

const messages = [
	searchEntryMessage(1, 'uid=jdoe,ou=people,dc=example,dc=com', [
		['uid', ['jdoe']],
		['cn', ['John Doe', 'Johnny']],
		['displayName', ['Jürgen Müller – Forschung & Entwicklung, München 日本 😀']],
		['description', [long, veryLong]],
		['replacementCharacter', ['a \uFFFD b']],
		['jpegPhoto', [invalidUtf8]],
		['mixed', ['text', invalidUtf8]],
		['userCertificate;binary', [Buffer.from('ascii bytes')]],
		['empty', []],
		['mail', ['jdoe@example.com']],
	]),
	searchEntryMessage(2, 'cn=Zoë,ou=groups,dc=example,dc=com', [['member', ['uid=a,dc=x', 'uid=ü,dc=x']]]),
	searchEntryMessage(3, 'uid=none,dc=example,dc=com', []),
];
const requested = ['uid', 'CN', 'displayname', 'mail', 'mobile', 'pwdReset', 'jpegPhoto', '1.1', 'dn'];

describe('search entry decoder on hand-made BER', () => {
	it('returns what ldapts returns, whole messages in one chunk', () => {
		const bytes = Buffer.concat(messages);
		const ours = decode('fast', [bytes], requested);
		expect(ours).toHaveLength(3);
		expect(ours).toStrictEqual(decode('ldapts', [bytes], requested));
		const [first] = ours as Array<Record<string, unknown>>;
		expect(first.displayName).toBe('Jürgen Müller – Forschung & Entwicklung, München 日本 😀');
		expect(first.description).toEqual([long, veryLong]);
		expect(first.replacementCharacter).toBe('a \uFFFD b');
		expect(first.jpegPhoto).toEqual(invalidUtf8);
		expect(first.mixed).toEqual([Buffer.from('text'), invalidUtf8]);
		expect(first['userCertificate;binary']).toEqual(Buffer.from('ascii bytes'));
		expect(first.empty).toEqual([]);
		expect(first.mobile).toEqual([]);
		expect(first.CN).toBeUndefined();
	});

	it('returns what ldapts returns when messages are split across chunks at many points', () => {
		const bytes = Buffer.concat(messages.slice(1));
		for (let at = 1; at < bytes.length; at += 7) {
			const chunks = [bytes.subarray(0, at), bytes.subarray(at)];
			expect(decode('fast', chunks, requested)).toStrictEqual(decode('ldapts', chunks, requested));
		}
	});

	it('returns the explicitly requested buffer attributes as Buffers, like ldapts', () => {
		const explicit = ['cn', 'displayName', 'empty', 'notThere'];
		const ours = decode('fast', [messages[0]], requested, explicit) as Array<Record<string, unknown>>;
		expect(ours).toStrictEqual(decode('ldapts', [messages[0]], requested, explicit));
		expect(ours[0].cn).toEqual([Buffer.from('John Doe'), Buffer.from('Johnny')]);
		expect(ours[0].displayName).toEqual(
			Buffer.from('Jürgen Müller – Forschung & Entwicklung, München 日本 😀', 'utf8'),
		);
	});

	it('tells apart attribute types that change from one entry to the next', () => {
		const latin1Type = Buffer.from([0x63, 0x6e, 0xe9]);
		const bytes = Buffer.concat([
			searchEntryMessage(6, 'uid=a,dc=example,dc=com', [
				['cn', ['a']],
				['sn', ['b']],
				['cn\u00e9', ['c']],
			]),
			searchEntryMessage(7, 'uid=b,dc=example,dc=com', [
				['sn', ['d']],
				['cn', ['e']],
				[latin1Type, ['f']],
			]),
			searchEntryMessage(8, 'uid=c,dc=example,dc=com', [
				['sn', ['g']],
				['cn', ['h']],
				['CN\u00e9', ['i']],
			]),
		]);
		const requested = ['cn', 'SN', 'cné', 'mail'];
		const ours = decode('fast', [bytes], requested);
		expect(ours).toEqual(decode('ldapts', [bytes], requested));
		expect((ours[1] as Record<string, unknown>)['cn\uFFFD']).toBe('f');
	});

	it('fills in absent requested attributes per request, also when the same list is changed in place', () => {
		const bytes = Buffer.concat(messages.slice(0, 2));
		const list = ['uid', 'mobile'];
		const first = decode('fast', [bytes], list);
		expect(first).toEqual(decode('ldapts', [bytes], list));
		list.splice(0, 2, 'member', 'pager');
		const second = decode('fast', [bytes], list);
		expect(second).toEqual(decode('ldapts', [bytes], list));
		expect(second[0]).toMatchObject({ member: [], pager: [] });
	});

	it('keeps a leading byte order mark, which ldapts drops (so that text and bytes agree)', () => {
		const bytes = searchEntryMessage(4, 'uid=bom,dc=example,dc=com', [['description', ['\uFEFFhello']]]);
		expect(decode('fast', [bytes], [])).toEqual([{ dn: 'uid=bom,dc=example,dc=com', description: '\uFEFFhello' }]);
		expect(decode('ldapts', [bytes], [])).toEqual([{ dn: 'uid=bom,dc=example,dc=com', description: 'hello' }]);
	});

	it('reports a malformed entry as a parser error, like ldapts', () => {
		const bytes = Buffer.from(searchEntryMessage(5, 'uid=bad,dc=example,dc=com', [['cn', ['x']]]));
		bytes[bytes.indexOf(0x31)] = 0x05;
		const [result] = decode('fast', [bytes], []);
		expect(result).toBeInstanceOf(Error);
	});
});

describe('search entry decoder on real entries', () => {
	let slapd: Slapd;
	let client: Client;

	beforeAll(async () => {
		slapd = await startSlapd({ users: 200 });
		await slapd.ldapmodify(
			`${attrLine('dn', `uid=zoë.müller,${slapd.layout.peopleDN}`)}changetype: add\nobjectClass: inetOrgPerson\n` +
				`${attrLine('uid', 'zoë.müller')}${attrLine('cn', 'Zoë Müller')}${attrLine('sn', 'Müller')}` +
				`${attrLine('ou', 'Forschung & Entwicklung – München')}${attrLine('displayName', 'Zoë Müller 日本 😀')}` +
				`jpegPhoto:: ${invalidUtf8.toString('base64')}\n`,
		);
		client = new Client({ url: slapd.url });
		await client.bind(slapd.adminDN, slapd.adminPassword);
	});

	afterAll(async () => {
		await client?.unbind();
		await slapd?.stop();
	});

	async function search(decoding: Decoding, base: string, attributes: string[]): Promise<unknown[]> {
		use(decoding);
		try {
			const entries: unknown[] = [];
			for await (const page of client.searchPaginated(base, {
				scope: 'sub',
				filter: '(objectClass=*)',
				attributes,
				paged: { pageSize: 100 },
			})) {
				entries.push(...page.searchEntries);
			}
			return entries;
		} finally {
			use('fast');
		}
	}

	it.each([
		['all user attributes', ['*']],
		['user and operational attributes', ['*', '+']],
		[
			'a listing’s attributes, some absent or spelled differently',
			['uid', 'MAIL', 'displayname', 'memberOf', 'entryUUID', 'pwdReset', 'jpegPhoto'],
		],
		['no attributes', ['1.1']],
	])('returns what ldapts returns for %s, in both schema flavours', async (_name, attributes) => {
		for (const base of [slapd.baseDN, slapd.otdsBaseDN]) {
			const ours = await search('fast', base, attributes);
			expect(ours.length).toBeGreaterThan(200);
			expect(ours).toEqual(await search('ldapts', base, attributes));
		}
	});
});
