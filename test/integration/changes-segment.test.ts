import { createLdapChangeStrategy, type LdapStrategyChoice } from '../../core/changes/ldap/auto';
import type { DirectoryEvent } from '../../core/changes/events';
import type { ChangeState } from '../../core/changes/state';
import type { ChangeStrategy } from '../../core/changes/strategy';
import { LdapSession } from '../../transport/ldap/session';
import { parseLdapConnectionSettings } from '../../transport/ldap/settings';
import { untilNextSecond } from '../support/clock';
import { attrLine } from '../../devkit/fixture';
import { startSlapd, type Slapd } from '../../devkit/slapd';

/**
 * A segment (User Filter) on a real slapd: a person who stops matching it left the watched scope, not the
 * directory — one user.updated marked scope 'left', never user.deleted; one who matches it again entered
 * it (scope 'entered', not user.created); a real delete or creation is still user.deleted / user.created.
 */
let slapd: Slapd;
let session: LdapSession;

beforeAll(async () => {
	slapd = await startSlapd({ users: 120, otds: false });
	// "Entered" needs a creation certainly older than the last poll's newest change, and stamps have whole
	// seconds: the fixture (created by slapadd just now) must be a second older than the changes below.
	await untilNextSecond();
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
	await session?.close();
	await slapd?.stop();
});

const summary = (events: DirectoryEvent[]) => events.map((event) => [event.type, event.user?.login, event.scope]);

describe.each<Exclude<LdapStrategyChoice, 'auto' | 'changelog' | 'adUsn'>>(['accesslog', 'timestamp', 'snapshot'])(
	'%s strategy with a segment',
	(name) => {
		const index = { accesslog: 0, timestamp: 1, snapshot: 2 }[name];
		const department = `Segment ${name}`;
		const mover = () => slapd.fixture.users[40 + index];
		const leaver = () => slapd.fixture.users[50 + index];
		let strategy: ChangeStrategy;
		let state: ChangeState | undefined;

		const setDepartment = (uid: string, value: string) =>
			slapd.ldapmodify(
				`${attrLine('dn', slapd.layout.userDN(uid))}changetype: modify\nreplace: ou\n${attrLine('ou', value)}-\nreplace: departmentNumber\n${attrLine('departmentNumber', value)}`,
			);

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
			expect(events[0].changes).toContainEqual(
				expect.objectContaining({ attribute: 'departmentNumber', after: 'Somewhere Else' }),
			);
			expect(await poll()).toEqual([]);
			// Outside the scope, their changes are no longer seen.
			await slapd.ldapmodify(
				`${attrLine('dn', slapd.layout.userDN(mover().uid))}changetype: modify\nreplace: title\ntitle: Unwatched\n`,
			);
			expect(await poll()).toEqual([]);
		});

		it('moved back, the person entered the scope: user.updated marked scope "entered", not user.created; a new person is user.created', async () => {
			await setDepartment(mover().uid, department);
			const newcomer = `segment-newcomer-${index}`;
			await slapd.ldapmodify(
				`${attrLine('dn', slapd.layout.userDN(newcomer))}changetype: add\nobjectClass: inetOrgPerson\n${attrLine('uid', newcomer)}cn: Newcomer\nsn: Newcomer\n${attrLine('ou', department)}${attrLine('departmentNumber', department)}`,
			);
			const events = await poll();
			expect(summary(events).sort()).toEqual([
				['user.created', newcomer, undefined],
				['user.updated', mover().uid, 'entered'],
			]);
			// What brought them in is among the candidates (earlier values unknown unless the log has them).
			const entered = events.find((event) => event.scope === 'entered') as DirectoryEvent;
			expect(entered.changes).toContainEqual(
				expect.objectContaining({ attribute: 'departmentNumber', after: department }),
			);
			expect(await poll()).toEqual([]);
		});

		it('a person deleted from the directory is still user.deleted', async () => {
			await slapd.ldapmodify(`${attrLine('dn', slapd.layout.userDN(leaver().uid))}changetype: delete\n`);
			const events = await poll();
			const personal = events.filter((event) => event.type.startsWith('user.'));
			expect(personal.map((event) => [event.type, event.scope])).toEqual([['user.deleted', undefined]]);
			// And they left their groups in the same poll (the memberof overlay took them out).
			const removals = events.filter((event) => event.type !== 'user.deleted');
			expect(removals.length).toBeGreaterThan(0);
			for (const removal of removals)
				expect(removal).toMatchObject({ type: 'group.memberRemoved', user: personal[0].user });
		});
	},
);
