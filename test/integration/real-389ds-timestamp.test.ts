import { createLdapChangeStrategy } from '../../core/changes/ldap/auto';
import type { DirectoryEvent } from '../../core/changes/events';
import type { ChangeState } from '../../core/changes/state';
import type { ChangeStrategy } from '../../core/changes/strategy';
import { LdapSession } from '../../transport/ldap/session';
import { parseLdapConnectionSettings } from '../../transport/ldap/settings';
import { untilNextSecond } from '../support/clock';
import { startDirsrv, type Dirsrv } from '../../devkit/dirsrv';

/**
 * The strategies that need no log (timestamp, snapshot: what Auto falls back to when the bind account
 * cannot read cn=changelog) on a real 389 DS 2.3. 389 keeps a password stamp (pwdUpdateTime) only with
 * `passwordTrackUpdateTime: on` in cn=config; without it these strategies cannot see a password change.
 */
let dirsrv: Dirsrv;
let session: LdapSession;

beforeAll(async () => {
	dirsrv = await startDirsrv({ usersPerKind: 10 });
	await dirsrv.ldapmodify(
		'dn: cn=config\nchangetype: modify\nreplace: passwordTrackUpdateTime\npasswordTrackUpdateTime: on\n',
	);
	session = await LdapSession.open(
		parseLdapConnectionSettings({
			serverUrls: dirsrv.url,
			connectionSecurity: 'none',
			bindDN: dirsrv.adminDN,
			bindPassword: dirsrv.adminPassword,
			baseDN: dirsrv.baseDN,
		}),
	);
});

afterAll(async () => {
	await session?.close();
	await dirsrv?.stop();
});

const typesOf = (events: DirectoryEvent[]) => events.map((event) => event.type).sort();

describe.each(['timestamp', 'snapshot'] as const)('%s strategy on a real 389 DS', (name) => {
	let strategy: ChangeStrategy;
	let state: ChangeState | undefined;
	// Each strategy its own people: the dsidm-made ones for one, the inetOrgPerson ones for the other.
	const people = () =>
		dirsrv.fixture.users.filter((user) => user.kind === (name === 'timestamp' ? 'dsidm' : 'inetOrgPerson'));

	async function poll(): Promise<DirectoryEvent[]> {
		const result = await strategy.poll(state);
		state = result.nextCursor;
		for (const event of result.events) expect(event.source.strategy).toBe(name);
		return result.events;
	}

	beforeAll(async () => {
		strategy = (
			await createLdapChangeStrategy({
				session,
				strategy: name,
				flavour: 'auto',
				userBaseDN: dirsrv.peopleDN,
				groupBaseDN: dirsrv.groupsDN,
				reconcileEvery: 0,
			})
		).strategy;
		expect(await poll()).toEqual([]);
		// Stamps have whole seconds: changes from here on are certainly newer than the starting point.
		await untilNextSecond();
	});

	it('an update, a disable, a password change by the user, a uniqueMember added: each once', async () => {
		const [first, second, third] = people();
		await dirsrv.ldapmodify(`dn: ${first.dn}\nchangetype: modify\nreplace: mail\nmail: ${name}-first@example.test\n`);
		await dirsrv.ldapmodify(`dn: ${second.dn}\nchangetype: modify\nreplace: nsAccountLock\nnsAccountLock: true\n`);
		await dirsrv.ldapmodify(
			`dn: ${third.dn}\nchangetype: modify\nreplace: userPassword\nuserPassword: Chosen-${name}-2!\n`,
			{ dn: third.dn, password: third.password },
		);
		const { support } = dirsrv.fixture.groups;
		const joining = dirsrv.fixture.users.find(
			(user) =>
				!support.members.includes(user.dn) &&
				user.kind === (name === 'timestamp' ? 'dsidm' : 'inetOrgPerson') &&
				![first, second, third].includes(user),
		)!;
		await dirsrv.ldapmodify(`dn: ${support.dn}\nchangetype: modify\nadd: uniqueMember\nuniqueMember: ${joining.dn}\n`);
		const events = await poll();
		expect(events.map((event) => [event.type, event.user?.dn]).sort()).toEqual(
			[
				['user.updated', first.dn],
				['user.disabled', second.dn],
				['user.passwordChanged', third.dn],
				['group.memberAdded', joining.dn],
			].sort(),
		);
		expect(typesOf(await poll())).toEqual([]);
	});
});
