import { BerReader, berInteger, peekElement } from '../../transport/ldap/ber';
import {
	LISTEN_OIDS,
	decodeEntryChange,
	decodeSyncInfo,
	decodeSyncState,
	persistentSearchControl,
	syncRequestControl,
} from '../../transport/ldap/listen-controls';
import { LdapMessageFramer, decodeLdapMessage } from '../../transport/ldap/listening-search';
import { SearchRequest } from '../../transport/ldap/ldapts';
import { compileFilter } from '../../transport/ldap/filter-compiler';

/**
 * The listening search's decoding against LDAP messages assembled byte by byte here (RFC 4511, 4533 and the
 * persistent search draft), with an encoder of the test's own, short lengths only unless said.
 */
function tlv(tag: number, ...parts: Array<Buffer | number[]>): Buffer {
	const content = Buffer.concat(parts.map((part) => Buffer.from(part)));
	const length = content.length;
	const header =
		length < 128 ? [tag, length] : length < 256 ? [tag, 0x81, length] : [tag, 0x82, length >> 8, length & 0xff];
	return Buffer.concat([Buffer.from(header), content]);
}
const str = (text: string, tag = 0x04) => tlv(tag, Buffer.from(text, 'utf8'));
const int = (value: number, tag = 0x02) => tlv(tag, [value]);
const uuid = Buffer.from('0f1e2d3c4b5a69788796a5b4c3d2e1f0', 'hex');

/** A SearchResultEntry with one control. */
function entryMessage(messageId: number, dn: string, control: Buffer): Buffer {
	const attributes = tlv(
		0x30,
		tlv(0x30, str('objectClass'), tlv(0x31, str('top'), str('inetOrgPerson'))),
		tlv(0x30, str('uid'), tlv(0x31, str('jdoe'))),
	);
	return tlv(0x30, int(messageId), tlv(0x64, str(dn), attributes), tlv(0xa0, control));
}

describe('decodeLdapMessage', () => {
	it('reads a synchronised entry: DN, attributes as bytes, and its Sync State control', () => {
		const syncState = tlv(
			0x30,
			str(LISTEN_OIDS.syncState),
			tlv(0x04, tlv(0x30, int(2, 0x0a), tlv(0x04, uuid), str('rid=000,csn=20261206'))),
		);
		const message = decodeLdapMessage(entryMessage(7, 'uid=jdoe,ou=people,dc=example,dc=com', syncState));
		expect(message.kind).toBe('entry');
		if (message.kind !== 'entry') return;
		expect(message.messageId).toBe(7);
		expect(message.dn).toBe('uid=jdoe,ou=people,dc=example,dc=com');
		expect(message.attributes.objectClass.map(String)).toEqual(['top', 'inetOrgPerson']);
		expect(message.attributes.uid.map(String)).toEqual(['jdoe']);
		expect(message.controls).toHaveLength(1);
		expect(message.controls[0]).toMatchObject({ type: LISTEN_OIDS.syncState, critical: false });
		const state = decodeSyncState(message.controls[0].value!);
		expect(state.state).toBe('modify');
		expect(state.entryUUID.equals(uuid)).toBe(true);
		expect(state.cookie?.toString()).toBe('rid=000,csn=20261206');
	});

	it('reads a persistent search entry and its Entry Change Notification (rename with previous DN and change number)', () => {
		const ecnValue = tlv(0x30, int(8, 0x0a), str('uid=old,ou=people,dc=example,dc=com'), tlv(0x02, [0x01, 0x00]));
		const control = tlv(0x30, str(LISTEN_OIDS.entryChangeNotification), tlv(0x01, [0xff]), tlv(0x04, ecnValue));
		const message = decodeLdapMessage(entryMessage(300, 'uid=new,ou=people,dc=example,dc=com', control));
		if (message.kind !== 'entry') throw new Error(`expected an entry, got ${message.kind}`);
		expect(message.controls[0].critical).toBe(true);
		expect(decodeEntryChange(message.controls[0].value!)).toEqual({
			changeType: 'rename',
			previousDN: 'uid=old,ou=people,dc=example,dc=com',
			changeNumber: 256,
		});
		// A modify of 389 DS without change number.
		expect(decodeEntryChange(tlv(0x30, int(4, 0x0a)))).toEqual({ changeType: 'modify' });
	});

	it('reads Sync Info intermediate responses: the end of the refresh phase and a new cookie', () => {
		const refreshPresent = tlv(0xa2, str('rid=000,csn=X'), tlv(0x01, [0xff]));
		const message = decodeLdapMessage(
			tlv(0x30, int(5), tlv(0x79, str(LISTEN_OIDS.syncInfo, 0x80), tlv(0x81, refreshPresent))),
		);
		if (message.kind !== 'intermediate') throw new Error(`expected an intermediate response, got ${message.kind}`);
		expect(message.name).toBe(LISTEN_OIDS.syncInfo);
		expect(decodeSyncInfo(message.value!)).toEqual({
			kind: 'refreshPresent',
			cookie: Buffer.from('rid=000,csn=X'),
			refreshDone: true,
		});
		// refreshDone defaults to TRUE when absent; a refreshDelete with FALSE is not done.
		expect(decodeSyncInfo(tlv(0xa1)).refreshDone).toBe(true);
		expect(decodeSyncInfo(tlv(0xa1, tlv(0x01, [0x00]))).refreshDone).toBe(false);
		expect(decodeSyncInfo(tlv(0x80, Buffer.from('c')))).toEqual({ kind: 'newCookie', cookie: Buffer.from('c') });
		expect(() => decodeSyncInfo(tlv(0xa7))).toThrow(/unknown sync info/);
	});

	it('reads the end of a refused search and a notice of disconnection', () => {
		const done = decodeLdapMessage(
			tlv(0x30, int(9), tlv(0x65, int(12, 0x0a), str(''), str('critical extension is unavailable'))),
		);
		expect(done).toMatchObject({
			kind: 'done',
			messageId: 9,
			resultCode: 12,
			diagnosticMessage: 'critical extension is unavailable',
		});
		const notice = decodeLdapMessage(
			tlv(0x30, int(0), tlv(0x78, int(52, 0x0a), str(''), str('shutting down'), str('1.3.6.1.4.1.1466.20036', 0x8a))),
		);
		expect(notice).toMatchObject({ kind: 'notice', messageId: 0, resultCode: 52, name: '1.3.6.1.4.1.1466.20036' });
	});

	it('reads a long (two-byte length) entry and rejects a value that runs past its container', () => {
		const long = 'x'.repeat(400);
		const message = decodeLdapMessage(
			tlv(0x30, int(3), tlv(0x64, str('cn=a'), tlv(0x30, tlv(0x30, str('description'), tlv(0x31, str(long)))))),
		);
		if (message.kind !== 'entry') throw new Error('expected an entry');
		expect(message.attributes.description[0].toString()).toBe(long);
		const broken = tlv(0x30, int(3), tlv(0x64, Buffer.from([0x04, 0x09, 0x63])));
		expect(() => decodeLdapMessage(broken)).toThrow(/past the end/);
	});
});

describe('LdapMessageFramer', () => {
	const first = tlv(0x30, int(1), tlv(0x65, int(0, 0x0a), str(''), str('')));
	const second = entryMessage(1, 'cn=b', tlv(0x30, str('1.2.3')));

	it('hands out whole messages however the stream is cut', () => {
		const stream = Buffer.concat([first, second, first]);
		for (const size of [1, 2, 7, stream.length]) {
			const framer = new LdapMessageFramer();
			const out: Buffer[] = [];
			for (let at = 0; at < stream.length; at += size) out.push(...framer.push(stream.subarray(at, at + size)));
			expect(out.map((bytes) => bytes.toString('hex'))).toEqual([first, second, first].map((b) => b.toString('hex')));
		}
	});

	it('refuses bytes that are not an LDAP message', () => {
		expect(() => new LdapMessageFramer().push(Buffer.from('HTTP/1.1 400'))).toThrow(/not an LDAP message/);
	});

	it('does not buffer a message past the maximum size: the listening connection has no other guard', () => {
		// A message announcing 300 MB (long-form length, 4 bytes), dripped in 64 KB pieces, with a 1 MB limit.
		const header = Buffer.from([0x30, 0x84, 0x11, 0xe1, 0xa3, 0x00]);
		const framer = new LdapMessageFramer(1024 * 1024);
		const drip = Buffer.alloc(64 * 1024, 0x04);
		let buffered = framer.push(header).length;
		expect(() => {
			for (let i = 0; i < 100; i++) buffered += framer.push(drip).length;
		}).toThrow(/larger than 1 MB.*Max Message Size|larger than 1 MB/s);
		expect(buffered).toBe(0);
		// Whole messages under the limit still pass.
		expect(new LdapMessageFramer(1024 * 1024).push(Buffer.concat([first, second]))).toHaveLength(2);
	});
});

describe('request controls', () => {
	/** The controls of a search request as ldapts writes them, read back with the test's own reading. */
	function writtenControls(control: ReturnType<typeof syncRequestControl>) {
		const bytes = new SearchRequest({
			messageId: 2,
			baseDN: 'dc=example,dc=com',
			filter: compileFilter('(objectClass=*)'),
			controls: [control],
		}).write();
		const message = new BerReader(bytes).enter(0x30);
		message.next(0x02);
		message.next(0x63);
		const item = message.enter(0xa0).enter(0x30);
		return { type: item.string(), critical: item.boolean(), value: item.bytesOf() };
	}

	it('asks syncprov for refreshAndPersist, with the cookie when there is one', () => {
		const withCookie = writtenControls(syncRequestControl('rid=000,csn=20261206101010.000000Z#000000#000#000000'));
		expect(withCookie.type).toBe(LISTEN_OIDS.syncRequest);
		expect(withCookie.critical).toBe(true);
		const value = new BerReader(withCookie.value).enter(0x30);
		expect(value.integer(0x0a)).toBe(3);
		expect(value.string()).toBe('rid=000,csn=20261206101010.000000Z#000000#000#000000');
		expect(value.done).toBe(true);
		expect(writtenControls(syncRequestControl()).value.toString('hex')).toBe('30030a0103');
	});

	it('asks a persistent search for every change type, changes only, with notifications', () => {
		const control = writtenControls(persistentSearchControl());
		expect(control.type).toBe(LISTEN_OIDS.persistentSearch);
		expect(control.value.toString('hex')).toBe('300902010f0101ff0101ff');
	});

	it('encodes integers in the fewest two-complement bytes', () => {
		expect(berInteger(0).toString('hex')).toBe('020100');
		expect(berInteger(128).toString('hex')).toBe('02020080');
		expect(berInteger(-129).toString('hex')).toBe('0202ff7f');
		expect(new BerReader(berInteger(-129)).integer()).toBe(-129);
		expect(new BerReader(berInteger(2 ** 40)).integer()).toBe(2 ** 40);
		expect(peekElement(Buffer.from([0x30, 0x84, 0, 0]), 0)).toBeUndefined();
	});
});
