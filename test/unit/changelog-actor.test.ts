import { changelogContexts, parseChangelogRecord } from '../../core/changes/ldap/changelog';

/**
 * Who made a change, from cn=changelog records in the shapes a real 389 DS 2.3 retro changelog writes them
 * (see test/integration/real-389ds-changes.test.ts): its records' creatorsName is the plug-in, and the
 * writer is in the modifiersName of the logged changes; OpenDJ names the writer in changeInitiatorsName.
 */
const plugin = 'cn=Retro Changelog Plugin,cn=plugins,cn=config';
const record = (changetype: string, changes?: string, extra: Record<string, string> = {}) =>
	parseChangelogRecord({
		dn: 'changenumber=5,cn=changelog',
		changenumber: '5',
		targetdn: 'uid=jdoe,ou=people,dc=example,dc=test',
		changetype,
		creatorsName: plugin,
		...(changes === undefined ? {} : { changes }),
		...extra,
	});

describe('changelog actor', () => {
	it('a modify: the modifiersName the server logged, never the record creatorsName', () => {
		const changes =
			'replace: mail\nmail: j@example.test\n-\nreplace: modifiersname\nmodifiersname: uid=helpdesk,ou=people,dc=example,dc=test\n-\nreplace: modifytimestamp\nmodifytimestamp: 20261206081231Z\n-\n\0';
		expect(record('modify', changes).actor).toBe('uid=helpdesk,ou=people,dc=example,dc=test');
	});

	it('an add: the entry text names its creator; a long DN folded over lines and a base64 one are read whole', () => {
		const long = `uid=${'a'.repeat(70)},ou=people,dc=example,dc=test`;
		const folded = `objectClass: top\nuid: jdoe\nmodifiersName: ${long.slice(0, 60)}\n ${long.slice(60)}\ncreateTimestamp: 20261206081231Z\n`;
		expect(record('add', folded).actor).toBe(long);
		const accented = 'uid=zoë,ou=people,dc=example,dc=test';
		expect(record('add', `uid: jdoe\nmodifiersName:: ${Buffer.from(accented).toString('base64')}\n`).actor).toBe(
			accented,
		);
	});

	it('a delete names nobody; OpenDJ changeInitiatorsName wins', () => {
		expect(record('delete').actor).toBeUndefined();
		expect(
			record('modify', 'replace: title\ntitle: x\n-\n', { changeInitiatorsName: 'cn=otadmin,dc=example,dc=test' })
				.actor,
		).toBe('cn=otadmin,dc=example,dc=test');
	});

	it("one entry's records in a poll: the server's own modify after a password change keeps the writer; a delete clears it", () => {
		const byWriter = record(
			'modify',
			'replace: userPassword\nuserPassword: x\n-\nreplace: modifiersname\nmodifiersname: uid=jdoe,ou=people,dc=example,dc=test\n-\n',
		);
		const policy = record('modify', 'replace: passwordExpirationTime\npasswordExpirationTime: 19700101000001Z\n-\n');
		const actorOf = (records: ReturnType<typeof parseChangelogRecord>[]) =>
			[...changelogContexts(records, new Map(records.map((r) => [r, 'key'])), true).values()][0].actor;
		expect(actorOf([byWriter, policy])).toEqual({ dn: 'uid=jdoe,ou=people,dc=example,dc=test' });
		expect(actorOf([byWriter, record('delete')])).toBeUndefined();
	});
});
