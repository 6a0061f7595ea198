import type { Entry } from '../../../transport/ldap/ldapts';
import type { AccountStatus } from '../../model/directory-user';

/** Which directory attribute holds each field of a DirectoryUser. */
export interface UserAttributeMap {
	id: string;
	login: string;
	mail: string;
	displayName: string;
	givenName: string;
	surname: string;
	department: string;
	location: string;
	title: string;
	businessUnit: string;
	mobile: string;
	employeeNumber: string;
	manager: string;
	memberOf: string;
}

/** Which directory attribute holds each field of a DirectoryGroup. */
export interface GroupAttributeMap {
	/** Stable identifier (the same attribute as the user's: entryUUID, objectGUID, nsUniqueId...). */
	id: string;
	/** The group name users type and see (`cn` everywhere we know). */
	name: string;
	description: string;
}

/**
 * How the people of a group are found (see core/ldap/members.ts):
 * - `memberOf`: ask the server for the entries whose reverse-membership attribute (`user.memberOf`:
 *   memberOf, oTMemberOf) names the group. One paged, indexed search per group. Needs the server to
 *   maintain that attribute (AD always; OpenLDAP with the memberof overlay; OTDS; 389 DS with its plugin).
 * - `memberAttribute`: read the group's member DNs (in ranges on AD) and fetch those entries in batches
 *   of OR-ed equality filters on `dnAttribute`. Works on any server; slower on big groups.
 */
export type MemberLookup = 'memberOf' | 'memberAttribute';

/** What differs between directory products: where users and groups are, what attributes mean. */
export interface FlavourProfile {
	/** Filter selecting user entries. */
	userFilter: string;
	/** Filter selecting group entries. */
	groupFilter: string;
	/** Filter selecting disabled user accounts (its negation selects enabled ones). */
	disabledFilter: string;
	/** Attribute listing a group's members. */
	memberAttribute: string;
	/**
	 * Groups of these object classes list their members in another attribute than memberAttribute, e.g.
	 * `{ groupOfUniqueNames: 'uniqueMember' }` (see core/ldap/member-attributes.ts).
	 */
	memberAttributeByClass?: Record<string, string>;
	/** How groupMembers finds members unless told otherwise. */
	memberLookup: MemberLookup;
	/**
	 * An attribute holding each entry's own DN that equality filters can use, so that a batch of DNs
	 * can be read with one search: entryDN (OpenLDAP, OpenDJ, 389 DS), distinguishedName (AD).
	 */
	dnAttribute: string;
	user: UserAttributeMap;
	group: GroupAttributeMap;
	/** Attributes needed to derive the account status, requested with every user. */
	statusAttributes: string[];
	/** Attributes to request as binary buffers. */
	binaryAttributes: string[];
	/** Derives the account status from the status attributes. */
	readStatus(entry: Entry): AccountStatus;
	/** Reads the stable identifier (binary GUIDs become their canonical text form). */
	readId(entry: Entry): string | undefined;
}

/** The inetOrgPerson attribute names shared by OpenLDAP, 389 DS and generic servers. */
export const INET_ORG_PERSON: UserAttributeMap = {
	id: 'entryUUID',
	login: 'uid',
	mail: 'mail',
	displayName: 'displayName',
	givenName: 'givenName',
	surname: 'sn',
	department: 'ou',
	location: 'l',
	title: 'title',
	businessUnit: 'businessCategory',
	mobile: 'mobile',
	employeeNumber: 'employeeNumber',
	manager: 'manager',
	memberOf: 'memberOf',
};
