/**
 * Change detection reading an Active Directory group of more than 1,500 members, tested WITHOUT an
 * Active Directory (none runs here): the answers below are built by hand in the documented shape of
 * range retrieval (MS-ADTS 3.1.1.3.1.3.3: `member;range=0-1499`, then `member;range=1500-*` on request),
 * as ldapts hands them over (an empty list under each requested name the server did not return). They
 * are NOT recordings of a domain controller.
 */
import type { Entry, SearchOptions } from 'ldapts';
import { LdapChangeReader } from '../../core/changes/ldap/reader';
import { profileFor } from '../../core/ldap/flavours';
import { guidToString } from '../../core/ldap/flavours/active-directory';
import type { LdapSession } from '../../transport/ldap/session';

const BASE = 'DC=corp,DC=example,DC=com';
const GROUP_DN = `CN=All Staff,OU=Groups,${BASE}`;
const GUID = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const MEMBERS = Array.from({ length: 2000 }, (_, index) => `CN=User ${index},OU=Staff,${BASE}`);
const MAX_VAL_RANGE = 1500;

/** An AD that holds one big group and answers with ranges of `member`, recording what was asked. */
class FakeDomainController {
	readonly requested: string[][] = [];

	/** The group as AD returns it for the requested attributes: `member` in ranges. */
	private group(attributes: string[]): Entry {
		this.requested.push(attributes);
		const entry: Entry = { dn: GROUP_DN };
		for (const name of attributes) {
			const range = /^member;range=(\d+)-(\d+|\*)$/i.exec(name);
			if (name.toLowerCase() === 'member' || range) {
				const start = range ? Number(range[1]) : 0;
				// An explicit window (`0-1499`) is honoured up to MaxValRange.
				const high = range && range[2] !== '*' ? Number(range[2]) + 1 : Infinity;
				const end = Math.min(MEMBERS.length, start + MAX_VAL_RANGE, high) - 1;
				entry[`member;range=${start}-${end === MEMBERS.length - 1 ? '*' : end}`] = MEMBERS.slice(start, end + 1);
				// ldapts: a requested name the server did not return shows as an empty list.
				entry[name] ??= [];
			} else if (name === 'objectGUID') entry.objectGUID = GUID;
			else if (name === 'cn') entry.cn = 'All Staff';
			else entry[name] = [];
		}
		return entry;
	}

	async search(_base: string, options: SearchOptions): Promise<Entry[]> {
		return [this.group(options.attributes ?? [])];
	}

	async *searchPages(_base: string, options: SearchOptions): AsyncGenerator<Entry[]> {
		yield [this.group(options.attributes ?? [])];
	}
}

function readerOn(controller: FakeDomainController): LdapChangeReader {
	return new LdapChangeReader({
		session: controller as unknown as LdapSession,
		profile: profileFor('activeDirectory'),
		flavour: 'activeDirectory',
		userBaseDN: `OU=Staff,${BASE}`,
		groupBaseDN: `OU=Groups,${BASE}`,
	});
}

describe('an AD group of more than 1,500 members (documented range shapes, no real AD)', () => {
	it('reads every member across ranges when listing all groups', async () => {
		const controller = new FakeDomainController();
		const [observed] = await readerOn(controller).allGroups();
		expect(observed.observation.group.id).toBe(guidToString(GUID));
		expect(observed.observation.memberDns).toEqual(MEMBERS);
		expect(observed.observation.record.memberHashes).toHaveLength(MEMBERS.length);
		expect(controller.requested.slice(1)).toEqual([['member;range=1500-*']]);
	});

	it('reads every member across ranges when reading changed groups by id', async () => {
		const controller = new FakeDomainController();
		const found = await readerOn(controller).groupsByIds([guidToString(GUID)]);
		const observed = [...found.values()][0];
		expect(observed.observation.memberDns).toHaveLength(2000);
		expect(observed.observation.memberDns[1999]).toBe(MEMBERS[1999]);
	});
});
