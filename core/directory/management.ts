/**
 * Directory management: what the directory node does to accounts and groups beyond attributes and
 * memberships (create, delete, enable / disable, unlock, passwords, move / rename). Each source implements it
 * with its product's own mechanism (an LDAP product's profile in core/ldap/, OTDS REST in core/otds/).
 *
 * Every operation is idempotent the way the membership operations are: when its effect is already there,
 * nothing is written and the result says `changed: false`. A source or product that cannot do an operation
 * throws a ConfigurationError saying so and what to use instead; nothing is written.
 */
import type { DirectoryGroup } from '../model/directory-group';
import type { DirectoryUser } from '../model/directory-user';
import type { DirectoryBackend, GroupKey, UserKey } from './backend';

export interface UserRef {
	key: UserKey;
	value: string;
}

export interface GroupRef {
	key: GroupKey;
	value: string;
}

/** What a management operation did. */
export interface ManagementResult {
	/** False when the effect was already there and nothing was written. */
	changed: boolean;
	/** The entry's DN (LDAP) or location (OTDS) after the operation; for a delete, the one it had. */
	dn?: string;
}

export interface UserManagementResult extends ManagementResult {
	/** The user as read back after the operation; absent after a delete. */
	user?: DirectoryUser;
}

export interface GroupManagementResult extends ManagementResult {
	/** The group as read back after the operation; absent after a delete. */
	group?: DirectoryGroup;
}

/** A person to create. Fields go to the attributes the source's profile maps them to. */
export interface NewUser {
	/** The sign-in name: sAMAccountName (AD), uid (OpenLDAP, 389 DS), the OTDS user name. */
	login: string;
	/** LDAP: the parent DN (default: the credential's user base). OTDS: the partition (default: the credential's). */
	parent?: string;
	givenName?: string;
	surname?: string;
	displayName?: string;
	mail?: string;
	department?: string;
	title?: string;
	/** More attributes by their directory names; credential attributes (core/directory/attribute-names.ts) are refused. */
	attributes?: Record<string, string[]>;
	/** The first password; never echoed. AD needs it (with TLS) to create an enabled account. */
	password?: string;
	/** Create the account disabled. */
	disabled?: boolean;
	/** The person must choose a new password at the next sign-in. */
	mustChangePassword?: boolean;
}

/** A group to create. */
export interface NewGroup {
	name: string;
	/** LDAP: the parent DN (default: the credential's group base). OTDS: the partition (default: the credential's). */
	parent?: string;
	description?: string;
	/** More attributes by their directory names. */
	attributes?: Record<string, string[]>;
}

/** Where a user moves to: a new naming value, a new parent, or both. */
export interface UserMove {
	/** The new value of the naming attribute (the RDN's value, e.g. the new cn or uid); unchanged when absent. */
	newName?: string;
	/** The new parent DN; unchanged when absent. */
	newParent?: string;
}

/** What to do when the thing to create exists, or the thing to delete does not. */
export interface PresenceOptions {
	/** Create: an existing entry with that name is `changed: false` (default) or an error. Delete: an absent one likewise. */
	errorIfPresentOrAbsent?: boolean;
}

export interface DirectoryManagement {
	createUser(user: NewUser, options?: PresenceOptions): Promise<UserManagementResult>;
	deleteUser(user: UserRef, options?: PresenceOptions): Promise<UserManagementResult>;
	/** Enables (`enabled: true`) or disables the account. */
	setUserEnabled(user: UserRef, enabled: boolean): Promise<UserManagementResult>;
	/** Clears a lockout; `changed: false` when the account was not locked. */
	unlockUser(user: UserRef): Promise<UserManagementResult>;
	/**
	 * Sets a new password (an administrative reset). A password cannot be compared, so this always writes
	 * (`changed: true`). The password never appears in the result, an error or a log.
	 */
	setPassword(user: UserRef, password: string, options?: { mustChange?: boolean }): Promise<UserManagementResult>;
	/** The person must choose a new password at the next sign-in; `changed: false` when already required. */
	requirePasswordChange(user: UserRef): Promise<UserManagementResult>;
	/** Renames and / or moves the user's entry; `changed: false` when it already is there under that name. */
	moveUser(user: UserRef, move: UserMove): Promise<UserManagementResult>;
	createGroup(group: NewGroup, options?: PresenceOptions): Promise<GroupManagementResult>;
	deleteGroup(group: GroupRef, options?: PresenceOptions): Promise<GroupManagementResult>;
}

const MANAGEMENT_OPERATIONS: ReadonlyArray<keyof DirectoryManagement> = [
	'createUser',
	'deleteUser',
	'setUserEnabled',
	'unlockUser',
	'setPassword',
	'requirePasswordChange',
	'moveUser',
	'createGroup',
	'deleteGroup',
];

/** Whether a backend can manage accounts and groups (every source of this package does once it implements all). */
export function canManage(backend: DirectoryBackend): backend is DirectoryBackend & DirectoryManagement {
	const candidate = backend as unknown as Record<string, unknown>;
	return MANAGEMENT_OPERATIONS.every((operation) => typeof candidate[operation] === 'function');
}
