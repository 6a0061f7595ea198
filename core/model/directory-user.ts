/** Account status flags, derived per directory product (see core/ldap/flavours/). */
export interface AccountStatus {
	disabled: boolean;
	locked: boolean;
	passwordResetRequired: boolean;
}

/**
 * A person in the directory, in the one shape every source produces (LDAP of any flavour, OTDS REST).
 * Events, audiences and push messages all use this shape.
 */
export interface DirectoryUser {
	/** Stable identifier that survives renames: entryUUID, objectGUID or the OTDS uuid. */
	id: string;
	dn: string;
	login: string;
	mail?: string;
	displayName?: string;
	givenName?: string;
	surname?: string;
	department?: string;
	location?: string;
	title?: string;
	businessUnit?: string;
	mobile?: string;
	employeeNumber?: string;
	/** The manager's DN (LDAP) or identifier (OTDS). */
	manager?: string;
	/** DNs or identifiers of the groups the user is a direct member of. */
	memberOf: string[];
	status: AccountStatus;
	/** Extra attributes the user asked for, by their directory names. */
	attributes: Record<string, string | string[]>;
}
