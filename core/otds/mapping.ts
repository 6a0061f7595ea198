/**
 * OTDS REST objects (users, groups) as they come over the wire, and their translation into the shapes
 * every source produces (DirectoryUser, DirectoryGroup).
 *
 * Identifiers (the contract of this module):
 * - DirectoryUser.id    = the OTDS `uuid` (stable across renames);
 * - DirectoryUser.login = the OTDS `id`, `name@partition`: what OTDS needs in URLs to address the user;
 * - DirectoryUser.dn    = the OTDS `location` (oTPerson=<uuid>,orgunit=users,partition=...);
 * - DirectoryGroup.id   = the OTDS `id`, `name@partition`; DirectoryGroup.dn = its `location`;
 * - memberOf            = the raw oTMemberOf values: short DNs `oTGroup=<group uuid>,dc=identity,dc=opentext,dc=net`,
 *                         NOT the group's location (DirectoryGroup.dn): compare them by uuid (memberOfKeys / groupKeys).
 */
import { OTDS_USER_ATTRIBUTES, type UserAttributeMap } from '../model/attribute-map';
import type { DirectoryGroup } from '../model/directory-group';
import type { AccountStatus, DirectoryUser } from '../model/directory-user';

/** Attribute name → values, as parsed from `attributes` (attrsAsKeys=true) or `values: [{name, values}]`. */
export type OtdsAttributes = Record<string, string[]>;

export interface OtdsObject {
	/** `name@partition`. */
	id: string;
	name: string;
	partition?: string;
	uuid?: string;
	location?: string;
	objectClass?: string;
	description?: string;
	numMembers?: number;
	attributes: OtdsAttributes;
}

/** Which OTDS attribute feeds which DirectoryUser field. Names no public source confirms are configurable. */
export type OtdsFieldMap = Omit<UserAttributeMap, 'id' | 'login'>;

// OTDS REST returns the attribute names of the OTDS directory, the same as its legacy LDAP listener:
// one map serves both (id and login come from the REST object itself, not from attributes).
const { id: _ldapId, login: _ldapLogin, ...otdsUserAttributes } = OTDS_USER_ATTRIBUTES;
export const DEFAULT_OTDS_FIELDS: OtdsFieldMap = otdsUserAttributes;

/** Which attributes make up the account status; any one "true" sets the flag. */
export interface OtdsStatusAttributes {
	disabled: string[];
	locked: string[];
	passwordResetRequired: string[];
}

export const DEFAULT_STATUS_ATTRIBUTES: OtdsStatusAttributes = {
	disabled: ['accountDisabled'],
	locked: ['accountLockedOut'],
	passwordResetRequired: ['UserMustChangePasswordAtNextSignIn', 'pwdReset'],
};

/** Attributes OTDS maintains itself; writing them is refused before any request is sent. Lower case. */
export const READ_ONLY_OTDS_ATTRIBUTES = new Set(
	[
		'createTimestamp',
		'modifyTimestamp',
		'oTMemberOf',
		'entryUUID',
		'entryDN',
		'oTObjectGUID',
		'cn',
		'numMembers',
		'uuid',
		'schemaType',
		'oTObjectIDInResource',
	].map((name) => name.toLowerCase()),
);

/** Top-level fields conditions and extra attributes may name as if they were attributes. */
const PSEUDO_ATTRIBUTES: Record<string, (object: OtdsObject) => string | undefined> = {
	id: (object) => object.id,
	name: (object) => object.name,
	uuid: (object) => object.uuid,
	location: (object) => object.location,
	userpartitionid: (object) => object.partition,
	partition: (object) => object.partition,
};

function toStrings(value: unknown): string[] {
	if (value === null || value === undefined) return [];
	const list = Array.isArray(value) ? value : [value];
	return list
		.filter((item) => item !== null && item !== undefined)
		.map((item) => (typeof item === 'string' ? item : String(item)));
}

const stringOrUndefined = (value: unknown): string | undefined =>
	typeof value === 'string' && value !== '' ? value : undefined;

/** Parses one user or group object; undefined when the value is not one (no id and no name). */
export function parseOtdsObject(raw: unknown): OtdsObject | undefined {
	if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
	const record = raw as Record<string, unknown>;
	const attributes: OtdsAttributes = {};
	if (typeof record.attributes === 'object' && record.attributes !== null && !Array.isArray(record.attributes)) {
		for (const [name, values] of Object.entries(record.attributes as Record<string, unknown>))
			attributes[name] = toStrings(values);
	}
	if (Array.isArray(record.values)) {
		for (const item of record.values as unknown[]) {
			if (typeof item !== 'object' || item === null) continue;
			const { name, values } = item as { name?: unknown; values?: unknown };
			if (typeof name === 'string' && !(name in attributes)) attributes[name] = toStrings(values);
		}
	}
	const partition = stringOrUndefined(record.userPartitionID);
	const name = stringOrUndefined(record.name) ?? stringOrUndefined(attributes.cn?.[0]);
	const id =
		stringOrUndefined(record.id) ?? (name !== undefined && partition !== undefined ? `${name}@${partition}` : name);
	if (id === undefined || name === undefined) return undefined;
	const numMembers = typeof record.numMembers === 'number' ? record.numMembers : undefined;
	return {
		id,
		name,
		partition,
		uuid: stringOrUndefined(record.uuid) ?? stringOrUndefined(attributes.entryUUID?.[0]),
		location: stringOrUndefined(record.location) ?? stringOrUndefined(attributes.entryDN?.[0]),
		objectClass: stringOrUndefined(record.objectClass),
		description: stringOrUndefined(record.description),
		numMembers,
		attributes,
	};
}

/** The values of an attribute, by case-insensitive name; top-level fields (id, name, uuid, location...) too. */
export function attributeValues(object: OtdsObject, name: string): string[] {
	const direct = object.attributes[name];
	if (direct) return direct;
	const lower = name.toLowerCase();
	for (const [key, values] of Object.entries(object.attributes)) if (key.toLowerCase() === lower) return values;
	if (lower === 'description' && object.description !== undefined) return [object.description];
	const pseudo = PSEUDO_ATTRIBUTES[lower]?.(object);
	return pseudo === undefined ? [] : [pseudo];
}

export const firstAttribute = (object: OtdsObject, name: string): string | undefined =>
	attributeValues(object, name)[0];

/** OTDS writes booleans as "true"/"false" (sometimes upper case). */
export const isTrueValue = (value: string | undefined): boolean =>
	['true', '1', 'yes'].includes((value ?? '').trim().toLowerCase());

export function readStatus(object: OtdsObject, status: OtdsStatusAttributes): AccountStatus {
	const any = (names: string[]) => names.some((name) => isTrueValue(firstAttribute(object, name)));
	return {
		disabled: any(status.disabled),
		locked: any(status.locked),
		passwordResetRequired: any(status.passwordResetRequired),
	};
}

function extraAttributes(object: OtdsObject, names: string[]): Record<string, string | string[]> {
	const result: Record<string, string | string[]> = {};
	for (const name of names) {
		const values = attributeValues(object, name);
		if (values.length > 0) result[name] = values.length === 1 ? values[0] : values;
	}
	return result;
}

export function toDirectoryUser(
	object: OtdsObject,
	fields: OtdsFieldMap,
	status: OtdsStatusAttributes,
	extra: string[] = [],
): DirectoryUser {
	const read = (name: string) => firstAttribute(object, name);
	return {
		id: object.uuid ?? object.id,
		dn: object.location ?? '',
		login: object.id,
		mail: read(fields.mail),
		displayName: read(fields.displayName),
		givenName: read(fields.givenName),
		surname: read(fields.surname),
		department: read(fields.department),
		location: read(fields.location),
		title: read(fields.title),
		businessUnit: read(fields.businessUnit),
		mobile: read(fields.mobile),
		employeeNumber: read(fields.employeeNumber),
		manager: read(fields.manager),
		memberOf: attributeValues(object, fields.memberOf),
		status: readStatus(object, status),
		attributes: extraAttributes(object, extra),
	};
}

export function toDirectoryGroup(object: OtdsObject, privileged: boolean, extra: string[] = []): DirectoryGroup {
	return {
		id: object.id,
		dn: object.location ?? '',
		name: object.name,
		description: object.description ?? firstAttribute(object, 'description'),
		memberCount: object.numMembers,
		privileged,
		attributes: extraAttributes(object, extra),
	};
}

/** A DN compared loosely: lower case, no spaces around separators. */
export const normalizeDn = (dn: string): string =>
	dn
		.trim()
		.toLowerCase()
		.replace(/\s*([,=])\s*/g, '$1');

/**
 * Keys under which a group can appear in someone's oTMemberOf: its location, the uuid in its first RDN,
 * its id. OTDS writes the short DN oTGroup=<uuid>,dc=identity,dc=opentext,dc=net there (pyxecm's sample),
 * so the uuid is what matches; the other keys serve servers that write the location or the id.
 */
export function groupKeys(group: OtdsObject): string[] {
	const keys = [`id:${group.id.toLowerCase()}`];
	if (group.location) keys.push(`dn:${normalizeDn(group.location)}`);
	if (group.uuid) keys.push(`uuid:${group.uuid.toLowerCase()}`);
	return keys;
}

/** The keys of one oTMemberOf value, to compare with groupKeys(). */
export function memberOfKeys(value: string): string[] {
	const keys = [`dn:${normalizeDn(value)}`, `id:${value.trim().toLowerCase()}`];
	const rdn = /^\s*otgroup\s*=\s*([^,]+?)\s*(,|$)/i.exec(value);
	if (rdn) keys.push(`uuid:${rdn[1].toLowerCase()}`);
	return keys;
}
