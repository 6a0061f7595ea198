import { createLdapChangeStrategy, type LdapStrategyChoice } from '../../core/changes/auto';
import type { DirectoryEvent } from '../../core/changes/events';
import type { ChangeState } from '../../core/changes/state';
import type { ChangeStrategy } from '../../core/changes/strategy';
import { LdapSession } from '../../transport/ldap/session';
import { parseLdapConnectionSettings } from '../../transport/ldap/settings';
import { attrLine } from '../support/fixture';
import { startSlapd, type Slapd } from '../support/slapd';

/**
 * A segment (User Filter) on a real slapd: a person who stops matching it left the watched scope, not the
 * directory — one user.updated marked scope 'left', never user.deleted; a real delete is still user.deleted.
 */
let slapd: Slapd;
let session: LdapSession;

beforeAll(async () => {
	slapd = await startSlapd({ users: 120, otds: false });
	session = await LdapSession.open(
		parseLdapConnectionSettings({ serverUrls: slapd.url, connectionSecurity: 'none', bindDN: slapd.adminDN, bindPassword: slapd.adminPassword, baseDN: slapd.baseDN }),
	);
});

afterAll(async () => {
	await session?.close();
	await slapd?.stop();
});

const summary = (events: DirectoryEvent[]) => events.map((event) => [event.type, event.user?.login, event.scope]);

describe.each<Exclude<LdapStrategyChoice, 'auto' | 'changelog' | 'adUsn'>>(['accesslog', 'timestamp', 'snapshot'])('%s strategy with a segment', (name) => {
	const index = { accesslog: 0, timestamp: 1, snapshot: 2 }[name];
	const department = `Segment ${name}`;
	const mover = () => slapd.fixture.users[40 + index];
	const leaver = () => slapd.fixture.users[50 + index];
	let strategy: ChangeStrategy;
	let state: ChangeState | undefined;

	const setDepartment = (uid: string, value: string) => slapd.ldapmodify(`${attrLine('dn', slapd.layout.userDN(uid))}changetype: modify\nreplace: ou\n${attrLine('ou', value)}`);

	async function poll(): Promise<DirectoryEvent[]> {
		const result = await strategy.poll(state);
		state = result.nextCursor;
		return result.events;
	}

	beforeAll(async () => {
		for (const person of [mover(), leaver()]) await setDepartment(person.uid, department);
		// Timestamp: deletes and departures are seen by the reconciliation, here every poll.
		({ strategy } = await createLdapChangeStrategy({
			session,
			strategy: name,
			flavour: 'openLdap',
			userBaseDN: slapd.layout.peopleDN,
			groupBaseDN: slapd.layout.groupsDN,
			userFilter: `(ou=${department})`,
			reconcileEvery: 1,
		}));
		expect(await poll()).toEqual([]);
	});

	it('a person moved to another department left the scope: one user.updated marked scope "left", not user.deleted', async () => {
		await setDepartment(mover().uid, 'Somewhere Else');
		const events = await poll();
		expect(summary(events)).toEqual([['user.updated', mover().uid, 'left']]);
		// The department is a watched field: the change that took them out is named.
		expect(events[0].changes).toContainEqual(expect.objectContaining({ attribute: 'ou', after: 'Somewhere Else' }));
		expect(await poll()).toEqual([]);
		// Outside the scope, their changes are no longer seen.
		await slapd.ldapmodify(`${attrLine('dn', slapd.layout.userDN(mover().uid))}changetype: modify\nreplace: title\ntitle: Unwatched\n`);
		expect(await poll()).toEqual([]);
	});

	it('a person deleted from the directory is still user.deleted', async () => {
		await slapd.ldapmodify(`${attrLine('dn', slapd.layout.userDN(leaver().uid))}changetype: delete\n`);
		const events = await poll();
		expect(events.map((event) => [event.type, event.scope])).toEqual([['user.deleted', undefined]]);
	});
});
