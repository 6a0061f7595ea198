/**
 * The JSON shapes the OTDS emulator serves, following shared/reference/otds-rest.md (users, groups,
 * partitions, error bodies) and the examples in OpenText's pyxecm.
 */

export const DC_SUFFIX = 'dc=identity,dc=opentext,dc=net';
export const ADMIN_PARTITION = 'otds.admin';
/** OTDS grants administration to the members of this group (directly or through nested groups). */
export const ADMINS_GROUP = 'otdsadmins';
export const OAUTH_PARTITION = 'OAuthClients';

/** One attribute as OTDS lists it without attrsAsKeys. */
export interface NameValues {
	name: string;
	values: string[];
}

export type Attributes = Record<string, string[]>;

export interface StoredUser {
	uuid: string;
	name: string;
	partition: string;
	description: string | null;
	attributes: Attributes;
	password: string;
}

export interface StoredGroup {
	uuid: string;
	name: string;
	partition: string;
	description: string | null;
	attributes: Attributes;
	/** Direct members: user or group uuids. */
	members: Set<string>;
}

/** What the shapes need from the store to render memberships. */
export interface MembershipView {
	/** oTMemberOf: the short DNs of the groups the object (user or group uuid) is a direct member of. */
	memberOfValues(uuid: string): string[];
}

export const userLocation = (uuid: string, partition: string): string =>
	`oTPerson=${uuid},orgunit=users,partition=${partition},${DC_SUFFIX}`;
export const groupLocation = (uuid: string, partition: string): string =>
	`oTGroup=${uuid},orgunit=groups,partition=${partition},${DC_SUFFIX}`;
/**
 * How a group appears in oTMemberOf: a short DN of its uuid, without the orgunit and partition of its own
 * location (pyxecm's sample user, shared/reference/otds-rest.md). Clients match it by uuid.
 */
export const memberOfValue = (groupUuid: string): string => `oTGroup=${groupUuid},${DC_SUFFIX}`;
export const partitionLocation = (name: string): string => `partition=${name},${DC_SUFFIX}`;
/**
 * The id OTDS addresses an object by: `name@partition`, except that a name which is itself a mail address is its own
 * id (pyxecm's sample user: name and id both `jdoe@example.com`).
 */
export const objectId = (name: string, partition: string): string =>
	name.includes('@') ? name : `${name}@${partition}`;

/** OTDS writes timestamps as ISO 8601 with seconds, UTC: 2025-01-24T10:19:22Z. */
export function isoSeconds(ms: number): string {
	return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** oTObjectGUID is the base64 of the 16 GUID bytes on real servers (e.g. BPLRK7eqR5e06xtua9XOLg==). */
export function objectGuid(uuid: string): string {
	return Buffer.from(uuid.replace(/-/g, ''), 'hex').toString('base64');
}

/** Attributes no client may write (the server maintains them). Lower case. */
export const READ_ONLY_ATTRIBUTES = new Set(
	[
		'createTimestamp',
		'modifyTimestamp',
		'oTMemberOf',
		'entryUUID',
		'entryDN',
		'oTObjectGUID',
		'uuid',
		'numMembers',
		'cn',
	].map((name) => name.toLowerCase()),
);

/**
 * The user attributes of the emulated partition schema. In strict-schema mode a write naming any other
 * attribute is rejected with 400 (custom attributes must be in the partition's attribute mapping).
 */
export const USER_SCHEMA = [
	'cn',
	'givenName',
	'sn',
	'displayName',
	'initials',
	'mail',
	'title',
	'oTDepartment',
	'oTCompany',
	'oTExtraAttr1',
	'oTExtraAttr2',
	'oTExtraAttr3',
	'oTExtraAttr4',
	'oTExtraAttr5',
	'l',
	'c',
	'st',
	'street',
	'postalCode',
	'physicalDeliveryOfficeName',
	'oTMobile',
	'oTTelephoneNumber',
	'telephoneNumber',
	'mobile',
	'employeeNumber',
	'manager',
	'oTExternalID1',
	'oTExternalID2',
	'oTExternalID3',
	'oTExternalID4',
	'oTSource',
	'preferredLanguage',
	'accountDisabled',
	'accountLockedOut',
	'UserMustChangePasswordAtNextSignIn',
	'UserCannotChangePassword',
	'PasswordNeverExpires',
	'pwdReset',
	'passwordChangedTime',
	'oTLastLoginTimestamp',
	'createTimestamp',
	'modifyTimestamp',
	'oTMemberOf',
	'entryUUID',
	'oTObjectGUID',
];

/**
 * The custom user attributes this project asks an OTDS administrator to add to the partition (README: acknowledgments
 * and device tokens), present in the emulated partition's schema.
 */
export const CUSTOM_ATTRIBUTES = ['otdpAcknowledgment', 'otdpDeviceToken'];

/** Finds an attribute's stored name case-insensitively (attribute names are case-insensitive in OTDS). */
export function attributeKey(attributes: Attributes, name: string): string | undefined {
	if (Object.prototype.hasOwnProperty.call(attributes, name)) return name;
	const lower = name.toLowerCase();
	return Object.keys(attributes).find((key) => key.toLowerCase() === lower);
}

export function firstValue(attributes: Attributes, name: string): string | undefined {
	const key = attributeKey(attributes, name);
	return key === undefined ? undefined : attributes[key]?.[0];
}

export const isTrue = (value: string | undefined): boolean => value?.toLowerCase() === 'true';

function attributesPayload(
	attributes: Attributes,
	attrsAsKeys: boolean,
): { attributes?: Attributes; values: NameValues[] } {
	if (attrsAsKeys) {
		const copy: Attributes = {};
		for (const [name, values] of Object.entries(attributes)) copy[name] = [...values];
		return { attributes: copy, values: [] };
	}
	return { values: Object.entries(attributes).map(([name, values]) => ({ name, values: [...values] })) };
}

export function renderUser(user: StoredUser, view: MembershipView, attrsAsKeys: boolean): Record<string, unknown> {
	const id = objectId(user.name, user.partition);
	const location = userLocation(user.uuid, user.partition);
	const attributes: Attributes = {
		...user.attributes,
		cn: [user.name],
		entryUUID: [user.uuid],
		entryDN: [location],
		oTMemberOf: view.memberOfValues(user.uuid),
	};
	if (attributes.oTMemberOf.length === 0) delete attributes.oTMemberOf;
	return {
		userPartitionID: user.partition,
		name: user.name,
		location,
		id,
		...attributesPayload(attributes, attrsAsKeys),
		customAttributes: null,
		objectClass: 'oTPerson',
		uuid: user.uuid,
		description: user.description,
		originUUID: null,
		urlId: id,
		urlLocation: location,
	};
}

export function renderGroup(group: StoredGroup, view: MembershipView, attrsAsKeys: boolean): Record<string, unknown> {
	const id = objectId(group.name, group.partition);
	const location = groupLocation(group.uuid, group.partition);
	const attributes: Attributes = {
		...group.attributes,
		cn: [group.name],
		entryUUID: [group.uuid],
		entryDN: [location],
		oTMemberOf: view.memberOfValues(group.uuid),
	};
	if (attributes.oTMemberOf.length === 0) delete attributes.oTMemberOf;
	if (group.description !== null) attributes.description = [group.description];
	return {
		numMembers: group.members.size,
		userPartitionID: group.partition,
		name: group.name,
		location,
		id,
		...attributesPayload(attributes, attrsAsKeys),
		description: group.description,
		uuid: group.uuid,
		objectClass: 'oTGroup',
		customAttributes: null,
		originUUID: null,
		urlId: id,
		urlLocation: location,
	};
}

/** The error body OTDS sends: {"status": <code>, "error": "<text>", "errorDetails": null}. */
export function errorBody(status: number, error: string): Record<string, unknown> {
	return { status, error, errorDetails: null };
}

/** Thrown by store operations; the server turns it into an HTTP error with an OTDS error body. */
export class EmulatorError extends Error {
	readonly status: number;

	constructor(status: number, message: string) {
		super(message);
		this.name = 'EmulatorError';
		this.status = status;
	}
}
