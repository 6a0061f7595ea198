import { createLdapChangeStrategy } from '../../core/changes/ldap/auto';
import type { DirectoryEvent } from '../../core/changes/events';
import type { ChangeState } from '../../core/changes/state';
import type { ChangeStrategy } from '../../core/changes/strategy';
import { LdapSession } from '../../transport/ldap/session';
import { parseLdapConnectionSettings } from '../../transport/ldap/settings';
import { startDirsrv, type Dirsrv } from '../../devkit/dirsrv';

/**
 * The 389 DS retro changelog as `dsconf ... plugin retro-changelog enable` leaves it: records name their
 * entry by DN only (no targetUniqueId). The changelog strategy then finds entries through the snapshot by
 * DN, and reads new ones by DN: renames and deletes must still name the right entry, each event once.
 */
let dirsrv: Dirsrv;
let session: LdapSession;
let strategy: ChangeStrategy;
let state: ChangeState | undefined;
const allIds = new Set<string>();

beforeAll(async () => {
	dirsrv = await startDirsrv({ usersPerKind: 10, changelogUniqueId: false });
	session = await LdapSession.open(
		parseLdapConnectionSettings({
			serverUrls: dirsrv.url,
			connectionSecurity: 'none',
			bindDN: dirsrv.adminDN,
			bindPassword: dirsrv.adminPassword,
			baseDN: dirsrv.baseDN,
		}),
	);
	strategy = (
		await createLdapChangeStrategy({
			session,
			strategy: 'auto',
			flavour: 'auto',
			userBaseDN: dirsrv.peopleDN,
			groupBaseDN: dirsrv.groupsDN,
			reconcileEvery: 0,
		})
	).strategy;
});

afterAll(async () => {
	await session?.close();
	await dirsrv?.stop();
});

async function poll(): Promise<DirectoryEvent[]> {
	const result = await strategy.poll(state);
	state = result.nextCursor;
	for (const event of result.events) {
		expect(allIds.has(event.id)).toBe(false);
		allIds.add(event.id);
		expect(event.source.strategy).toBe('changelog');
	}
	return result.events;
}

const typesOf = (events: DirectoryEvent[]) => events.map((event) => event.type).sort();

it('the log records no entry ids', async () => {
	expect(await poll()).toEqual([]);
	await dirsrv.ldapmodify(
		`dn: ${dirsrv.fixture.users[0].dn}\nchangetype: modify\nreplace: mail\nmail: first@example.test\n`,
	);
	const [record] = await session.search('cn=changelog', {
		scope: 'one',
		filter: '(changeNumber=*)',
		attributes: ['targetUniqueId', 'targetDn'],
		sizeLimit: 1,
	});
	expect(record.targetDn).toBe(dirsrv.fixture.users[0].dn);
	expect([record.targetUniqueId ?? []].flat()).toEqual([]);
	expect(typesOf(await poll())).toEqual(['user.updated']);
});

it('created, updated, renamed and updated in one poll, deleted: each once, on the right person', async () => {
	const dn = dirsrv.userDN('dn-only');
	const renamed = dirsrv.userDN('dn-only-renamed');
	await dirsrv.ldapmodify(
		`dn: ${dn}\nchangetype: add\nobjectClass: top\nobjectClass: nsPerson\nobjectClass: nsAccount\nobjectClass: nsOrgPerson\nuid: dn-only\ncn: Dn Only\ndisplayName: Dn Only\n`,
	);
	const created = await poll();
	expect(typesOf(created)).toEqual(['user.created']);
	const id = created[0].user?.id;
	await dirsrv.ldapmodify(`dn: ${dn}\nchangetype: modify\nreplace: mail\nmail: dn-only@example.test\n`);
	expect((await poll()).map((event) => [event.type, event.user?.id])).toEqual([['user.updated', id]]);
	await dirsrv.ldapmodify(
		`dn: ${dn}\nchangetype: modrdn\nnewrdn: uid=dn-only-renamed\ndeleteoldrdn: 1\n\ndn: ${renamed}\nchangetype: modify\nreplace: displayName\ndisplayName: Dn Only Renamed\n`,
	);
	const after = await poll();
	expect(
		after.filter((event) => event.type === 'user.renamed').map((event) => [event.user?.id, event.user?.dn]),
	).toEqual([[id, renamed]]);
	expect(after.every((event) => event.user?.id === id)).toBe(true);
	expect(after.flatMap((event) => event.changes).find((change) => change.attribute === 'displayName')).toEqual({
		attribute: 'displayName',
		after: 'Dn Only Renamed',
	});
	await dirsrv.ldapmodify(`dn: ${renamed}\nchangetype: delete\n`);
	const deleted = await poll();
	expect(deleted.map((event) => [event.type, event.user?.id, event.user?.dn])).toEqual([['user.deleted', id, renamed]]);
});

it('group member added and removed, group deleted', async () => {
	const { engineering } = dirsrv.fixture.groups;
	const person = dirsrv.fixture.users.find((user) => !engineering.members.includes(user.dn))!;
	await dirsrv.ldapmodify(`dn: ${engineering.dn}\nchangetype: modify\nadd: member\nmember: ${person.dn}\n`);
	expect((await poll()).map((event) => [event.type, event.user?.dn])).toEqual([['group.memberAdded', person.dn]]);
	await dirsrv.ldapmodify(`dn: ${engineering.dn}\nchangetype: modify\ndelete: member\nmember: ${person.dn}\n`);
	expect((await poll()).map((event) => [event.type, event.user?.dn])).toEqual([['group.memberRemoved', person.dn]]);
	const { support } = dirsrv.fixture.groups;
	await dirsrv.ldapmodify(`dn: ${support.dn}\nchangetype: delete\n`);
	const deleted = await poll();
	expect(typesOf(deleted)).toEqual(['group.deleted']);
	expect(deleted[0].group).toMatchObject({ dn: support.dn, name: support.cn });
	expect(await poll()).toEqual([]);
});
