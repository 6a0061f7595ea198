/** A group in the directory, in the one shape every source produces. */
export interface DirectoryGroup {
	/** Stable identifier: entryUUID / objectGUID (LDAP) or the OTDS id `name@partition`. */
	id: string;
	/** The group's DN (LDAP) or OTDS location. */
	dn: string;
	name: string;
	description?: string;
	/** Number of direct members, where the source knows it cheaply. */
	memberCount?: number;
	/** Whether the group is one of the configured privileged groups. */
	privileged: boolean;
	/** Extra attributes the user asked for, by their directory names. */
	attributes: Record<string, string | string[]>;
}
