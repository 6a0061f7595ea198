import type { IDataObject } from 'n8n-workflow';

import { OpenTextDirectoryServicesTrigger } from '../../nodes/OpenTextDirectoryServicesTrigger/OpenTextDirectoryServicesTrigger.node';
import { startDirsrv, type Dirsrv } from '../../devkit/dirsrv';
import { ldapCredentialData } from '../../devkit/ldap-credential';
import { pollTrigger } from '../support/poll-context';

/**
 * The trigger node's poll() on a real 389 DS 2.3, with the credential's flavour and the strategy on Auto
 * (as a user would leave them): it detects 389 DS and reads its retro changelog; people made by 389's tools
 * and uniqueMember changes come out; a User Filter narrows the watched people (it is AND-ed onto the
 * flavour's, which must let both kinds of people through).
 */
let dirsrv: Dirsrv;

beforeAll(async () => {
	dirsrv = await startDirsrv({ usersPerKind: 10 });
});

afterAll(async () => {
	await dirsrv?.stop();
});

/** A trigger with its own stored state; polls in trigger mode with these options. */
function watcher(options: IDataObject = {}): () => Promise<IDataObject[] | null> {
	const staticData: IDataObject = {};
	const trigger = new OpenTextDirectoryServicesTrigger();
	const values: IDataObject = {
		source: 'ldap',
		strategy: 'auto',
		events: [],
		options: { reconcileEvery: 0, ...options },
	};
	return async () => {
		return pollTrigger(trigger, {
			mode: 'trigger',
			parameters: values,
			staticData,
			credentials: async () => ldapCredentialData(dirsrv),
		});
	};
}

const summary = (items: IDataObject[] | null) =>
	(items ?? [])
		.map((item) => [
			item.type,
			((item.group ?? item.user) as IDataObject | undefined)?.dn,
			(item.source as IDataObject).strategy,
		])
		.sort();

it('Auto on Auto: 389-tool people, uniqueMember changes, each once from cn=changelog', async () => {
	const poll = watcher({ userBaseDN: dirsrv.peopleDN, groupBaseDN: dirsrv.groupsDN });
	expect(await poll()).toBeNull();
	const dn = dirsrv.userDN('node-dsidm');
	await dirsrv.ldapmodify(
		`dn: ${dn}\nchangetype: add\nobjectClass: top\nobjectClass: nsPerson\nobjectClass: nsAccount\nobjectClass: nsOrgPerson\nuid: node-dsidm\ncn: Node Dsidm\ndisplayName: Node Dsidm\n`,
	);
	const { support } = dirsrv.fixture.groups;
	await dirsrv.ldapmodify(`dn: ${support.dn}\nchangetype: modify\nadd: uniqueMember\nuniqueMember: ${dn}\n`);
	const items = await poll();
	expect(summary(items)).toEqual([
		['group.memberAdded', support.dn, 'changelog'],
		['user.created', dn, 'changelog'],
	]);
	expect(items?.find((item) => item.type === 'group.memberAdded')?.user).toMatchObject({ dn, login: 'node-dsidm' });
	expect(await poll()).toBeNull();
});

it('a User Filter narrows the watched people to the ones it names', async () => {
	const poll = watcher({
		userBaseDN: dirsrv.peopleDN,
		groupBaseDN: dirsrv.groupsDN,
		userFilter: '(objectClass=posixAccount)',
	});
	expect(await poll()).toBeNull();
	const dsidm = dirsrv.fixture.users.find((user) => user.kind === 'dsidm')!;
	const inet = dirsrv.fixture.users.find((user) => user.kind === 'inetOrgPerson')!;
	for (const person of [dsidm, inet])
		await dirsrv.ldapmodify(
			`dn: ${person.dn}\nchangetype: modify\nreplace: mail\nmail: filtered-${person.uid}@example.test\n`,
		);
	expect(summary(await poll())).toEqual([['user.updated', dsidm.dn, 'changelog']]);
});
