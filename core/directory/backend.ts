import type { UserField } from '../model/attribute-map';
import type { DirectoryGroup } from '../model/directory-group';
import type { DirectoryUser } from '../model/directory-user';
import type { AttributeCondition } from './conditions';

export type { UserField } from '../model/attribute-map';

/** How a single user is looked up. */
export type UserKey = 'login' | 'mail' | 'dn' | 'id';

/** How a single group is looked up. */
export type GroupKey = 'name' | 'dn' | 'id';

/** Which accounts a search returns. */
export type AccountState = 'any' | 'enabled' | 'disabled';

export interface UserSearch {
	/** Conditions that must all hold. */
	conditions?: AttributeCondition[];
	state?: AccountState;
	/** Stop after this many users; 0 or undefined returns all. */
	limit?: number;
	/** Extra attributes to return in `attributes`, by their directory names. */
	extraAttributes?: string[];
	/** Only these fields are needed (the id and the account status always are): see UserFields. */
	fields?: UserFields;
	pageSize?: number;
}

/**
 * The fields of a DirectoryUser a reader needs, when not all: an LDAP directory then reads only their attributes
 * and leaves the other fields empty (less to read and to hold per person in a large listing). OTDS REST returns
 * whole users and ignores it.
 */
export type UserFields = readonly UserField[];

export interface GroupSearch {
	/** Matches the group name: contains, case-insensitive, matched literally. */
	nameContains?: string;
	conditions?: AttributeCondition[];
	limit?: number;
	extraAttributes?: string[];
	pageSize?: number;
}

/** One change to a multi-valued attribute. */
export interface AttributeChange {
	attribute: string;
	/** set replaces all values; add and remove change only the given values. */
	action: 'set' | 'add' | 'remove';
	values: string[];
	/**
	 * add only: the whole update fails (a RequestError saying "already exists", 0x14) when one of the values is
	 * there already, instead of leaving it: the server decides, so of many writers adding the same value at once
	 * exactly one succeeds. LDAP only; a source without compare-and-set (OTDS REST) ignores it.
	 */
	exclusive?: boolean;
}

/** What a membership change did. */
export interface MembershipChange {
	/** False when nothing had to be written: the user already was (add) or was not (remove) a direct member. */
	changed: boolean;
	/** The group's DN (LDAP) or location (OTDS). */
	groupDn: string;
	/** The user's DN (LDAP) or location (OTDS). */
	userDn: string;
}

export interface MemberListing {
	/** Expand groups of groups; cycles are cut, each person listed once. */
	nested: boolean;
	extraAttributes?: string[];
	/** Only these fields are needed (the id and the account status always are): see UserFields. */
	fields?: UserFields;
	pageSize?: number;
}

/** One page of a group's direct members: people, and groups nested in it (not expanded). */
export interface DirectMembersPage {
	users: DirectoryUser[];
	groups: DirectoryGroup[];
}

/**
 * What the directory node, the audience resolver and the acknowledgment store need from a directory,
 * whatever it is: LDAP of any flavour (core/ldap/) or OTDS REST (core/otds/).
 * Lists are async generators of pages, so a whole directory never sits in memory at once.
 */
export interface DirectoryBackend {
	readonly kind: 'ldap' | 'otdsRest';
	getUser(key: UserKey, value: string, extraAttributes?: string[]): Promise<DirectoryUser>;
	searchUsers(search?: UserSearch): AsyncGenerator<DirectoryUser[]>;
	/** Applies the changes and returns the user as it is afterwards. */
	updateUserAttributes(key: UserKey, value: string, changes: AttributeChange[]): Promise<DirectoryUser>;
	getGroup(key: GroupKey, value: string, extraAttributes?: string[]): Promise<DirectoryGroup>;
	searchGroups(search?: GroupSearch): AsyncGenerator<DirectoryGroup[]>;
	/** The people in a group (direct, or through nested groups), de-duplicated. */
	groupMembers(key: GroupKey, value: string, listing: MemberListing): AsyncGenerator<DirectoryUser[]>;
	/**
	 * The direct members of a group, people and nested groups alike (what change detection compares).
	 * Optional: where absent, groupMembers without nesting stands in, and nested groups are not seen.
	 */
	directMembers?(
		key: GroupKey,
		value: string,
		listing?: Omit<MemberListing, 'nested'>,
	): AsyncGenerator<DirectMembersPage>;
	/**
	 * Adds a direct member; adding one that is already there is not an error. Says whether anything was
	 * written (`changed: false` when the user already was a member); a source that cannot tell returns nothing.
	 */
	addGroupMember(
		group: { key: GroupKey; value: string },
		user: { key: UserKey; value: string },
	): Promise<MembershipChange | void>;
	/** Removes a direct member; removing one that is not there is not an error (`changed: false`, as above). */
	removeGroupMember(
		group: { key: GroupKey; value: string },
		user: { key: UserKey; value: string },
	): Promise<MembershipChange | void>;
	/**
	 * The directory attribute behind a DirectoryUser field (department → ou, oTDepartment, department...),
	 * so that generic code (audiences) can turn "department equals Sales" into a condition.
	 * Optional: where absent, the field name itself is used as the attribute name.
	 */
	userAttribute?(field: UserField): string;
}
