import { diffGroup, type DiffEnvironment } from '../../core/changes/differ';

/**
 * A deleted group's event carries a group's fields: what a log or tombstone still knows that belongs to a
 * group, its name from its DN when nothing else names it, and never a person's login (AD tombstones carry
 * sAMAccountName, which the AD strategy passes on as `login`). On 389 DS: real-389ds-changes.test.ts.
 */
const env: DiffEnvironment = {
	source: { kind: 'ldap', strategy: 'adUsn', server: 'ldap://dc.example.test' } as DiffEnvironment['source'],
	detectedAt: '2026-12-06T08:00:00.000Z',
	attributeOf: (field) => field,
	extraAttributes: [],
	memberByDnHash: () => undefined,
	memberByDn: (dn) => ({ id: dn, dn }),
};
const record = { id: 'g-1', valuesHash: 1, dnHash: 2, privileged: false, memberHashes: [] };

describe('group.deleted', () => {
	it('names the group by its DN, without the login a tombstone carried', () => {
		const [event] = diffGroup(
			record,
			undefined,
			{ stamp: 'usn:9', deleted: { dn: 'CN=Help Desk,OU=Groups,DC=example,DC=test', login: 'HelpDesk' } },
			env,
		);
		expect(event.type).toBe('group.deleted');
		expect(event.group).toEqual({
			id: 'g-1',
			dn: 'CN=Help Desk,OU=Groups,DC=example,DC=test',
			name: 'Help Desk',
			privileged: false,
		});
	});

	it('without a DN, only what is known: the id and whether it was privileged', () => {
		const [event] = diffGroup({ ...record, privileged: true }, undefined, { stamp: 'x' }, env);
		expect(event.group).toEqual({ id: 'g-1', privileged: true });
	});
});
