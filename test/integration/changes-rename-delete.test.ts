import type { DirectoryEvent } from '../../core/changes/events';
import type { ChangeState } from '../../core/changes/state';
import type { ChangeStrategy } from '../../core/changes/strategy';
import { LdapDirectory } from '../../core/ldap/directory';
import { profileFor } from '../../core/ldap/flavours';
import { LdapSession } from '../../transport/ldap/session';
import { attrLine } from '../support/fixture';
import { startSlapd, type Slapd } from '../support/slapd';
import { adminConnection, slapdStrategy, type SlapdStrategyName } from '../support/slapd-strategies';

/**
 * What every strategy must report alike on a real slapd (memberof with memberof-refint, accesslog with
 * logold): the department of inetOrgPerson (departmentNumber, RFC 2798).
 */
let slapd: Slapd;

beforeAll(async () => {
	slapd = await startSlapd({ users: 100, otds: false });
});

afterAll(async () => {
	await slapd?.stop();
});

const typesOf = (events: DirectoryEvent[]) => events.map((event) => event.type).sort();

describe('OpenLDAP inetOrgPerson: the department', () => {
	it('is departmentNumber (RFC 2798) when a person is read', async () => {
		const session = await LdapSession.open(adminConnection(slapd));
		try {
			const person = slapd.fixture.users[3];
			const directory = new LdapDirectory(session, profileFor('openLdap'), slapd.baseDN, {
				userBaseDN: slapd.layout.peopleDN,
			});
			expect(directory.userAttribute('department')).toBe('departmentNumber');
			await slapd.ldapmodify(
				`${attrLine('dn', slapd.layout.userDN(person.uid))}changetype: modify\nreplace: departmentNumber\ndepartmentNumber: 4711 Treasury\n`,
			);
			expect((await directory.getUser('login', person.uid)).department).toBe('4711 Treasury');
		} finally {
			await session.close();
		}
	});
});

describe.each<SlapdStrategyName>(['accesslog', 'timestamp', 'snapshot'])('%s strategy on a real slapd', (name) => {
	const index = { accesslog: 0, timestamp: 1, snapshot: 2 }[name];
	let session: LdapSession;
	let strategy: ChangeStrategy;
	let state: ChangeState | undefined;

	async function poll(with_: ChangeStrategy = strategy): Promise<DirectoryEvent[]> {
		const result = await with_.poll(state);
		state = result.nextCursor;
		return result.events;
	}

	beforeAll(async () => {
		session = await LdapSession.open(adminConnection(slapd));
		strategy = slapdStrategy(name, slapd, session);
		expect(await poll()).toEqual([]);
	});

	afterAll(async () => {
		await session?.close();
	});

	it('a department change (departmentNumber) is a user.updated by default', async () => {
		const person = slapd.fixture.users[10 + index];
		await slapd.ldapmodify(
			`${attrLine('dn', slapd.layout.userDN(person.uid))}changetype: modify\nreplace: departmentNumber\ndepartmentNumber: Moved ${name}\n`,
		);
		const events = await poll();
		expect(typesOf(events)).toEqual(['user.updated']);
		expect(events[0].user).toMatchObject({
			login: person.uid,
			department: `Moved ${name}`,
		});
		const before = name === 'accesslog' ? { before: person.department } : {};
		expect(events[0].changes).toEqual([{ attribute: 'departmentNumber', ...before, after: `Moved ${name}` }]);
	});
});
