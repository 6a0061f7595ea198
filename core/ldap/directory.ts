import { ConfigurationError, RequestError } from '../errors';
import type {
	AttributeChange,
	DirectoryBackend,
	GroupKey,
	GroupSearch,
	MemberListing,
	MembershipChange,
	UserField,
	UserKey,
	UserSearch,
} from '../directory/backend';
import type {
	DirectoryManagement,
	GroupManagementResult,
	GroupRef,
	NewGroup,
	NewUser,
	PresenceOptions,
	UserManagementResult,
	UserMove,
	UserRef,
} from '../directory/management';
import type { DirectoryGroup } from '../model/directory-group';
import type { DirectoryUser } from '../model/directory-user';
import { Attribute, Change } from '../../transport/ldap/ldapts';
import type { LdapSession } from '../../transport/ldap/session';
import { checkAttributeName } from '../directory/attribute-names';
import type { FlavourProfile, MemberLookup } from './flavours';
import { LdapGroupDirectory, PrivilegedGroups } from './groups';
import { LdapMemberReader } from './members';
import { LdapUserDirectory } from './users';
import * as accountStatus from './manage/account-status';
import type { ManageContext } from './manage/context';
import * as groupManagement from './manage/groups';
import * as userManagement from './manage/users';

export interface LdapDirectoryOptions {
	/** Where users live, when not under the base DN as a whole. */
	userBaseDN?: string;
	/** Where groups live, when not under the base DN as a whole. */
	groupBaseDN?: string;
	/** Group names or DNs whose groups are marked `privileged: true`. */
	privilegedGroups?: string[];
	/** How groupMembers reads members; 'auto' (default) follows the flavour (see FlavourProfile.memberLookup). */
	memberLookup?: MemberLookup | 'auto';
}

/**
 * The DirectoryBackend of any LDAP directory: users, groups, nested members, membership changes and
 * attribute updates, in the product's own attribute names (core/ldap/flavours/).
 * One session serves one operation at a time: do not start a paged search (a listing) on the same
 * session while iterating another, since servers keep one paging state per connection.
 */
export class LdapDirectory implements DirectoryBackend, DirectoryManagement {
	readonly kind = 'ldap' as const;
	readonly users: LdapUserDirectory;
	readonly groups: LdapGroupDirectory;
	private readonly userBaseDN: string;
	private readonly groupBaseDN: string;
	private readonly memberLookup: MemberLookup;
	private readonly manage: ManageContext;

	constructor(
		private readonly session: LdapSession,
		private readonly profile: FlavourProfile,
		baseDN: string,
		options: LdapDirectoryOptions = {},
	) {
		const pick = (specific: string | undefined) =>
			specific !== undefined && specific.trim() !== '' ? specific.trim() : baseDN;
		this.userBaseDN = pick(options.userBaseDN);
		this.groupBaseDN = pick(options.groupBaseDN);
		this.users = new LdapUserDirectory(session, profile, this.userBaseDN, baseDN);
		this.groups = new LdapGroupDirectory(
			session,
			profile,
			this.groupBaseDN,
			new PrivilegedGroups(options.privilegedGroups),
		);
		this.memberLookup =
			!options.memberLookup || options.memberLookup === 'auto' ? profile.memberLookup : options.memberLookup;
		this.manage = {
			session,
			profile,
			users: this.users,
			groups: this.groups,
			userBaseDN: this.userBaseDN,
			groupBaseDN: this.groupBaseDN,
		};
	}

	// Directory management (core/directory/management.ts), each product's way: core/ldap/manage/ applies the
	// mechanism its profile describes (core/ldap/flavours/<product>.ts, `management`).

	createUser(user: NewUser, options?: PresenceOptions): Promise<UserManagementResult> {
		return userManagement.createUser(this.manage, user, options);
	}

	deleteUser(user: UserRef, options?: PresenceOptions): Promise<UserManagementResult> {
		return userManagement.deleteUser(this.manage, user, options);
	}

	setUserEnabled(user: UserRef, enabled: boolean): Promise<UserManagementResult> {
		return accountStatus.setUserEnabled(this.manage, user, enabled);
	}

	unlockUser(user: UserRef): Promise<UserManagementResult> {
		return accountStatus.unlockUser(this.manage, user);
	}

	setPassword(user: UserRef, password: string, options?: { mustChange?: boolean }): Promise<UserManagementResult> {
		return accountStatus.setPassword(this.manage, user, password, options);
	}

	requirePasswordChange(user: UserRef): Promise<UserManagementResult> {
		return accountStatus.requirePasswordChange(this.manage, user);
	}

	moveUser(user: UserRef, move: UserMove): Promise<UserManagementResult> {
		return userManagement.moveUser(this.manage, user, move);
	}

	createGroup(group: NewGroup, options?: PresenceOptions): Promise<GroupManagementResult> {
		return groupManagement.createGroup(this.manage, group, options);
	}

	deleteGroup(group: GroupRef, options?: PresenceOptions): Promise<GroupManagementResult> {
		return groupManagement.deleteGroup(this.manage, group, options);
	}

	getUser(key: UserKey, value: string, extraAttributes?: string[]): Promise<DirectoryUser> {
		return this.users.getUser(key, value, extraAttributes);
	}

	searchUsers(search?: UserSearch): AsyncGenerator<DirectoryUser[]> {
		return this.users.searchUsers(search);
	}

	/** The directory attribute behind a DirectoryUser field, e.g. department → ou (OpenLDAP) or oTDepartment (OTDS). */
	userAttribute(field: UserField): string {
		return this.profile.user[field];
	}

	/**
	 * Applies all changes in one LDAP modify, which the server applies completely or not at all.
	 * Repeating a change is harmless: values already present are not added again (unless the add is
	 * `exclusive`: then the server refuses the whole modify), values already absent are not removed again (compared as exact text; other spellings are left to the server's matching
	 * rules). `set` with no values and `remove` with no values delete the attribute.
	 * Returns the user as read after the change, with the changed attributes in `attributes`.
	 */
	async updateUserAttributes(key: UserKey, value: string, changes: AttributeChange[]): Promise<DirectoryUser> {
		const names: string[] = [];
		for (const change of changes) {
			const name = checkAttributeName(change.attribute, 'Attributes');
			if (!['set', 'add', 'remove'].includes(change.action)) {
				throw new ConfigurationError(
					'Attributes',
					`has an unknown action "${String(change.action)}" for ${name}: use set, add or remove`,
				);
			}
			if (!Array.isArray(change.values) || change.values.some((item) => typeof item !== 'string')) {
				throw new ConfigurationError('Attributes', `values of ${name} must be a list of texts`);
			}
			if (change.action === 'add' && change.values.length === 0) {
				throw new ConfigurationError('Attributes', `adds no value to ${name}: give at least one value`);
			}
			if (!names.some((known) => known.toLowerCase() === name.toLowerCase())) names.push(name);
		}
		const before = await this.users.getUser(key, value, names);
		const current = (name: string): string[] => {
			const found = Object.keys(before.attributes).find((attribute) => attribute.toLowerCase() === name.toLowerCase());
			const values = found === undefined ? [] : before.attributes[found];
			return Array.isArray(values) ? [...values] : [values];
		};
		const ldapChanges: Change[] = [];
		for (const change of changes) {
			const type = checkAttributeName(change.attribute, 'Attributes');
			const distinct = [...new Set(change.values)];
			const present = current(type);
			let operation: 'add' | 'delete' | 'replace';
			let values: string[];
			if (change.action === 'set') {
				operation = 'replace';
				values = distinct;
			} else if (change.action === 'add') {
				operation = 'add';
				// An exclusive add goes to the server whole: it refuses it if any value is there by then.
				values = change.exclusive ? distinct : distinct.filter((item) => !present.includes(item));
				if (values.length === 0) continue;
			} else {
				operation = 'delete';
				if (distinct.length === 0) {
					if (present.length === 0) continue;
					values = [];
				} else {
					const lower = present.map((item) => item.toLowerCase());
					values = distinct.filter((item) => lower.includes(item.toLowerCase()));
					if (values.length === 0) continue;
				}
			}
			ldapChanges.push(new Change({ operation, modification: new Attribute({ type, values }) }));
		}
		if (ldapChanges.length > 0) await this.session.modify(before.dn, ldapChanges);
		return this.users.getUser('dn', before.dn, names);
	}

	getGroup(key: GroupKey, value: string, extraAttributes?: string[]): Promise<DirectoryGroup> {
		return this.groups.getGroup(key, value, extraAttributes);
	}

	searchGroups(search?: GroupSearch): AsyncGenerator<DirectoryGroup[]> {
		return this.groups.searchGroups(search);
	}

	/** The people in a group, nested groups expanded breadth-first when asked; see core/ldap/members.ts. */
	async *groupMembers(key: GroupKey, value: string, listing: MemberListing): AsyncGenerator<DirectoryUser[]> {
		const extra = listing.extraAttributes ?? [];
		const attributes = this.users.attributesToRead(extra, listing.fields);
		const groupDn = await this.groups.resolveDn(key, value);
		const reader = this.memberReader();
		for await (const entries of reader.read(groupDn, {
			nested: listing.nested,
			attributes,
			pageSize: listing.pageSize,
			lookup: this.memberLookup,
		})) {
			yield await this.users.withPrimaryGroups(
				entries.map((entry) => this.users.toUser(entry, extra, listing.fields)),
				entries,
				listing.fields,
			);
		}
	}

	/** A member reader on this directory's session and bases (exposed for benchmarks and diagnostics). */
	memberReader(): LdapMemberReader {
		return new LdapMemberReader(this.session, this.profile, this.userBaseDN, this.groupBaseDN);
	}

	/** Adds the user to the group's member attribute; adding a member that is already there changes nothing. */
	async addGroupMember(
		group: { key: GroupKey; value: string },
		user: { key: UserKey; value: string },
	): Promise<MembershipChange> {
		const { groupDn, userDn } = await this.resolveMembership(group, user);
		if (await this.groups.hasDirectMember(groupDn, userDn)) return { changed: false, groupDn, userDn };
		const failure = await failureOf(this.session.modify(groupDn, [await this.memberChange('add', groupDn, userDn)]));
		if (failure === undefined) return { changed: true, groupDn, userDn };
		// Someone else added it between our check and our write: the outcome is the one asked for.
		if (await this.groups.hasDirectMember(groupDn, userDn)) return { changed: false, groupDn, userDn };
		throw failure;
	}

	/** Removes the user from the group's member attribute; removing a member that is not there changes nothing. */
	async removeGroupMember(
		group: { key: GroupKey; value: string },
		user: { key: UserKey; value: string },
	): Promise<MembershipChange> {
		const { groupDn, userDn } = await this.resolveMembership(group, user);
		if (!(await this.groups.hasDirectMember(groupDn, userDn))) return { changed: false, groupDn, userDn };
		const failure = await failureOf(this.session.modify(groupDn, [await this.memberChange('delete', groupDn, userDn)]));
		if (failure === undefined) return { changed: true, groupDn, userDn };
		if (!(await this.groups.hasDirectMember(groupDn, userDn))) return { changed: false, groupDn, userDn };
		if (failure instanceof RequestError && /requires attribute|object ?class violation|0x41\b/i.test(failure.message)) {
			throw new RequestError(
				'invalidInput',
				`The directory refused to remove the last member of ${groupDn}`,
				'This kind of group (e.g. groupOfNames) must keep at least one member: add another member first, or delete the group',
				failure.server,
			);
		}
		throw failure;
	}

	private async resolveMembership(
		group: { key: GroupKey; value: string },
		user: { key: UserKey; value: string },
	): Promise<{ groupDn: string; userDn: string }> {
		const groupDn = await this.groups.resolveDn(group.key, group.value);
		const { dn: userDn } = await this.users.getUser(user.key, user.value);
		return { groupDn, userDn };
	}

	/** The change in the member attribute of this group's kind (groupOfNames: member, groupOfUniqueNames: uniqueMember). */
	private async memberChange(operation: 'add' | 'delete', groupDn: string, userDn: string): Promise<Change> {
		return new Change({
			operation,
			modification: new Attribute({ type: await this.groups.memberAttributeOf(groupDn), values: [userDn] }),
		});
	}
}

/** What an operation failed with, or undefined when it succeeded. */
async function failureOf(operation: Promise<unknown>): Promise<unknown> {
	return operation.then(
		() => undefined,
		(error: unknown) => error ?? new Error('unknown failure'),
	);
}
