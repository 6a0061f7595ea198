/**
 * Which directory attribute holds each field of a DirectoryUser or DirectoryGroup. Every source names
 * its attributes differently (an LDAP product's profile in core/ldap/flavours/, OTDS REST in
 * core/otds/mapping.ts); the fields are the same everywhere.
 */

/** The DirectoryUser fields that come from one directory attribute each, in the order error messages list them. */
export const USER_FIELDS = [
	'id',
	'login',
	'mail',
	'displayName',
	'givenName',
	'surname',
	'department',
	'location',
	'title',
	'businessUnit',
	'mobile',
	'employeeNumber',
	'manager',
	'memberOf',
] as const;

export type UserField = (typeof USER_FIELDS)[number];

/** Which directory attribute holds each field of a DirectoryUser. */
export type UserAttributeMap = Record<UserField, string>;

/** Which directory attribute holds each field of a DirectoryGroup. */
export interface GroupAttributeMap {
	/** Stable identifier (the same attribute as the user's: entryUUID, objectGUID, nsUniqueId...). */
	id: string;
	/** The group name users type and see (`cn` everywhere we know). */
	name: string;
	description: string;
}

/**
 * The attribute names of the OTDS directory, which its REST API returns and its legacy LDAP listener
 * (OpenDJ) serves alike. Names follow what OTDS is publicly seen to return; names no public source
 * confirms (business unit, mobile) are guesses that the Attribute Mapping option overrides.
 */
export const OTDS_USER_ATTRIBUTES: UserAttributeMap = {
	id: 'oTObjectGUID',
	login: 'cn',
	mail: 'mail',
	displayName: 'displayName',
	givenName: 'givenName',
	surname: 'sn',
	department: 'oTDepartment',
	location: 'l',
	title: 'title',
	// No public source names OTDS's business-unit attribute; deployments map it into an extra attribute.
	businessUnit: 'oTExtraAttr1',
	mobile: 'oTMobile',
	employeeNumber: 'employeeNumber',
	manager: 'manager',
	memberOf: 'oTMemberOf',
};
