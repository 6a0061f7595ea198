/**
 * A person's primary group in their memberOf, where the product keeps it apart (AD: a person's memberOf leaves out
 * their primary group, Domain Users for most people; core/ldap/flavours/profile.ts, PrimaryGroupMembership). The
 * group of each distinct filter is looked up once per directory, i.e. once per execution: most people share one.
 * The other side, a group's people, is in core/ldap/members.ts.
 */
import type { DirectoryUser } from '../model/directory-user';
import type { Entry } from '../../transport/ldap/ldapts';
import type { LdapSession } from '../../transport/ldap/session';
import { allOf } from './filter';
import type { FlavourProfile, PrimaryGroupMembership } from './flavours';

/** Distinct primary groups remembered at most: a directory has a handful; more only from odd data. */
const GROUPS_REMEMBERED = 1000;

export class PrimaryGroupNames {
	private readonly found = new Map<string, Promise<string | undefined>>();

	constructor(
		private readonly session: LdapSession,
		private readonly profile: FlavourProfile,
		private readonly membership: PrimaryGroupMembership,
		/** Where the groups are looked for: the whole directory (Domain Users lives in CN=Users, not in a group OU). */
		private readonly baseDN: string,
	) {}

	/** Adds each person's primary group to their memberOf; `entries` are the people's entries, in the same order. */
	async addTo(users: DirectoryUser[], entries: Entry[]): Promise<void> {
		for (let index = 0; index < users.length; index++) {
			const filter = this.membership.groupFilterOf(entries[index]);
			if (filter === undefined) continue;
			const dn = await this.groupDn(filter);
			const user = users[index];
			// A new list: memberOf may be the entry's own array as ldapts decoded it (users.ts, allValues).
			if (dn !== undefined && !user.memberOf.some((group) => group.toLowerCase() === dn.toLowerCase()))
				user.memberOf = [...user.memberOf, dn];
		}
	}

	/** The one group the filter finds (undefined when none or several: not outside the base, not guessed). */
	private groupDn(filter: string): Promise<string | undefined> {
		let dn = this.found.get(filter);
		if (dn === undefined) {
			if (this.found.size >= GROUPS_REMEMBERED) this.found.clear();
			dn = this.session
				.search(this.baseDN, {
					scope: 'sub',
					filter: allOf([this.profile.groupFilter, filter]),
					attributes: ['1.1'],
					sizeLimit: 2,
				})
				.then((entries) => (entries.length === 1 ? entries[0].dn : undefined));
			this.found.set(filter, dn);
		}
		return dn;
	}
}
