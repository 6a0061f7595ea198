import { twoBitHash } from '../../core/changes/snapshot/hash';
import type { DirectoryEvent } from '../../core/changes/events';
import type { ChangeState } from '../../core/changes/state';
import type { ChangeStrategy } from '../../core/changes/strategy';
import { LdapDirectory } from '../../core/ldap/directory';
import { profileFor } from '../../core/ldap/flavours';
import { LdapSession } from '../../transport/ldap/session';
import { attrLine } from '../../devkit/fixture';
import { startSlapd, type Slapd } from '../../devkit/slapd';
import { adminConnection, slapdStrategy, type SlapdStrategyName } from '../support/slapd-strategies';

/**
 * Three things every strategy must report alike on a real slapd (memberof with memberof-refint, accesslog
 * with logold): the department of inetOrgPerson (departmentNumber, RFC 2798); a rename as one
 * user.renamed, also when the groups listing the person are read in the same poll; and a deleted member
 * as user.deleted plus group.memberRemoved for each group that no longer lists them, in the same poll.
 */
let slapd: Slapd;

beforeAll(async () => {
	slapd = await startSlapd({ users: 100, otds: false });
});

afterAll(async () => {
	await slapd?.stop();
});

const typesOf = (events: DirectoryEvent[]) => events.map((event) => event.type).sort();
const ofType = (events: DirectoryEvent[], type: DirectoryEvent['type']) =>
	events.filter((event) => event.type === type);

const addUser = (uid: string) =>
	slapd.ldapmodify(
		`${attrLine('dn', slapd.layout.userDN(uid))}changetype: add\nobjectClass: inetOrgPerson\n${attrLine('uid', uid)}${attrLine('cn', uid)}sn: Probe\ntitle: Analyst\n`,
	);
const addGroup = (name: string, memberDns: string[]) =>
	slapd.ldapmodify(
		`${attrLine('dn', slapd.layout.groupDN(name))}changetype: add\nobjectClass: groupOfNames\n${attrLine('cn', name)}${memberDns.map((dn) => attrLine('member', dn)).join('')}`,
	);
const describeGroup = (name: string, text: string) =>
	slapd.ldapmodify(
		`${attrLine('dn', slapd.layout.groupDN(name))}changetype: modify\nreplace: description\n${attrLine('description', text)}`,
	);
const rename = (uid: string, newUid: string) =>
	slapd.ldapmodify(
		`${attrLine('dn', slapd.layout.userDN(uid))}changetype: modrdn\n${attrLine('newrdn', `uid=${newUid}`)}deleteoldrdn: 1\n`,
	);
const remove = (uid: string) => slapd.ldapmodify(`${attrLine('dn', slapd.layout.userDN(uid))}changetype: delete\n`);

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

	/** The timestamp strategy sees deletes by reconciliation: that poll reconciles. */
	const deletionPoll = () =>
		poll(name === 'timestamp' ? slapdStrategy(name, slapd, session, {}, { reconcileEvery: 1 }) : strategy);

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

	it('a rename is one user.renamed carrying the new uid; a group listing the person, read in the same poll, has no membership change', async () => {
		const uid = `rn-${name}`;
		const team = `Team ${name}`;
		const colleague = slapd.layout.userDN(slapd.fixture.users[20 + index].uid);
		await addUser(uid);
		await addGroup(team, [slapd.layout.userDN(uid), colleague]);
		expect(typesOf(await poll())).toEqual(['group.created', 'group.memberAdded', 'group.memberAdded', 'user.created']);

		// memberof-refint rewrites the member's DN in the group; the description makes every strategy read the group.
		await rename(uid, `${uid}-2`);
		await describeGroup(team, 'renamed member');
		const events = await poll();
		expect(typesOf(events)).toEqual(['group.updated', 'user.renamed']);
		const renamed = ofType(events, 'user.renamed')[0];
		expect(renamed.user).toMatchObject({
			dn: slapd.layout.userDN(`${uid}-2`),
			login: `${uid}-2`,
		});
		// The accesslog knows the former DN, hence the former uid; hashes-only strategies leave `before` out.
		expect(renamed.changes).toEqual(
			name === 'accesslog'
				? [
						{
							attribute: 'dn',
							before: slapd.layout.userDN(uid),
							after: slapd.layout.userDN(`${uid}-2`),
						},
						{ attribute: 'uid', before: uid, after: `${uid}-2` },
					]
				: [
						{ attribute: 'dn', after: slapd.layout.userDN(`${uid}-2`) },
						{ attribute: 'uid', after: `${uid}-2` },
					],
		);
		expect(await poll()).toEqual([]);
	});

	it('renamed and changed in one poll: one user.renamed (DN, uid) and one user.updated with the other attribute only', async () => {
		const uid = `rn-${name}-2`;
		// Without a log, the snapshot tells that uid changed by its 2-bit hash: a new uid whose hash is the old
		// one's (one rename in 4) is a rename of the DN alone there. This one's differs.
		const renamed = ['3', '4', '5', '6', '7']
			.map((suffix) => `${uid}-${suffix}`)
			.find((next) => twoBitHash(next) !== twoBitHash(uid));
		await rename(uid, renamed!);
		await slapd.ldapmodify(
			`${attrLine('dn', slapd.layout.userDN(renamed!))}changetype: modify\nreplace: title\ntitle: Lead\n`,
		);
		const events = await poll();
		expect(typesOf(events)).toEqual(['user.renamed', 'user.updated']);
		expect(ofType(events, 'user.renamed')[0].changes.map((change) => change.attribute)).toEqual(['dn', 'uid']);
		const before = name === 'accesslog' ? { before: 'Analyst' } : {};
		expect(ofType(events, 'user.updated')[0].changes).toEqual([{ attribute: 'title', ...before, after: 'Lead' }]);
	});

	it('a deleted member: user.deleted and group.memberRemoved for each group that no longer lists them, in one poll', async () => {
		const uid = `del-${name}`;
		const dn = slapd.layout.userDN(uid);
		const [first, second, only] = [`Crew ${name}`, `Club ${name}`, `Solo ${name}`];
		await addUser(uid);
		await addGroup(first, [dn, slapd.layout.userDN(slapd.fixture.users[30 + index].uid)]);
		await addGroup(second, [slapd.layout.userDN(slapd.fixture.users[33 + index].uid), dn]);
		await addGroup(only, [dn]);
		expect(ofType(await poll(), 'group.memberAdded')).toHaveLength(5);

		await remove(uid);
		// memberof-refint took the DN out of both groups without moving their change stamps; a groupOfNames
		// must keep one member, so the group where it was the only one still lists it.
		const solo = await session.search(slapd.layout.groupDN(only), {
			scope: 'base',
			attributes: ['member'],
		});
		expect(solo[0].member).toBe(dn);
		const events = await deletionPoll();
		expect(typesOf(events)).toEqual(['group.memberRemoved', 'group.memberRemoved', 'user.deleted']);
		const deleted = ofType(events, 'user.deleted')[0];
		const removed = ofType(events, 'group.memberRemoved');
		expect(removed.map((event) => event.group?.name).sort()).toEqual([second, first]);
		// The person as the deletion names them: the accesslog kept the entry (DN, uid); the others know the id.
		for (const event of removed) expect(event.user).toEqual(deleted.user);
		if (name === 'accesslog') {
			expect(deleted.user).toMatchObject({ dn, login: uid });
			for (const event of removed) expect(event.changes).toEqual([{ attribute: 'member', before: dn, after: null }]);
		} else {
			expect(Object.keys(deleted.user ?? {})).toEqual(['id']);
			for (const event of removed) expect(event.changes).toEqual([{ attribute: 'member', after: null }]);
		}
		expect(await poll()).toEqual([]);
		// The group that still lists the DN gives no membership change when it is read later.
		await describeGroup(only, 'later');
		expect(typesOf(await poll())).toEqual(['group.updated']);
	});

	it('a deleted member whose group is read in the same poll: user.deleted in that poll, by every strategy', async () => {
		const uid = `gone-${name}`;
		const group = `Band ${name}`;
		await addUser(uid);
		await addGroup(group, [slapd.layout.userDN(uid), slapd.layout.userDN(slapd.fixture.users[36 + index].uid)]);
		expect(typesOf(await poll())).toEqual(['group.created', 'group.memberAdded', 'group.memberAdded', 'user.created']);
		await remove(uid);
		await describeGroup(group, 'one less');
		// No reconciliation: the timestamp strategy learns of the deletion from the group.
		const events = await poll();
		expect(typesOf(events)).toEqual(['group.memberRemoved', 'group.updated', 'user.deleted']);
		expect(ofType(events, 'group.memberRemoved')[0].user).toEqual(ofType(events, 'user.deleted')[0].user);
		expect(await poll()).toEqual([]);
	});
});
