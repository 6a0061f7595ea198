/**
 * Text typed in the editor's fields, read into lists and maps. Pure (no n8n), so the nodes' parameter
 * mappings can be tested without one.
 */
import { checkReadableAttributeName } from '../../core/directory/attribute-names';
import { ConfigurationError } from '../../core/errors';
import { USER_FIELDS, type UserAttributeMap } from '../../core/model/attribute-map';
import { DEFAULT_OTDS_FIELDS, type OtdsFieldMap } from '../../core/otds/mapping';

/** Splits a comma-separated list typed in the editor. */
export function splitList(text: string | undefined): string[] {
	return (text ?? '')
		.split(',')
		.map((part) => part.trim())
		.filter((part) => part !== '');
}

/** Splits a semicolon-separated list typed in the editor (group names and DNs: DNs contain commas). */
export function semicolonList(text: unknown): string[] {
	return String(text ?? '')
		.split(';')
		.map((part) => part.trim())
		.filter((part) => part !== '');
}

/** Privileged groups are separated by semicolons, because group DNs contain commas. */
export function privilegedGroupsOf(options: Record<string, unknown>): string[] {
	return semicolonList(options.privilegedGroups);
}

/**
 * "businessUnit=oTExtraAttr3, mobile=oTMobilePhone" → { businessUnit: 'oTExtraAttr3', ... }: which directory
 * attribute holds a person field, each pair checked against the fields that can be mapped.
 */
export function attributeMappingOf(text: string, fields: readonly string[]): Record<string, string> {
	const mapping: Record<string, string> = {};
	for (const pair of splitList(text)) {
		const [field, attribute, ...rest] = pair.split('=').map((part) => part.trim());
		if (!field || !attribute || rest.length > 0) {
			throw new ConfigurationError(
				'Attribute Mapping',
				`has "${pair}": write field=attribute, e.g. businessUnit=oTExtraAttr3`,
			);
		}
		if (!fields.includes(field)) {
			throw new ConfigurationError(
				'Attribute Mapping',
				`names the unknown field "${field}": use one of ${fields.join(', ')}`,
			);
		}
		mapping[field] = checkReadableAttributeName(attribute, 'Attribute Mapping');
	}
	return mapping;
}

const OTDS_FIELDS = Object.keys(DEFAULT_OTDS_FIELDS);

/** The OTDS REST field overrides of an Attribute Mapping text. */
export function otdsFieldMapOf(text: string): Partial<OtdsFieldMap> {
	return attributeMappingOf(text, OTDS_FIELDS) as Partial<OtdsFieldMap>;
}

/** Every user field but the identifier can be mapped to another LDAP attribute. */
const LDAP_FIELDS = USER_FIELDS.filter((field) => field !== 'id');

/** The LDAP profile's user attribute overrides of an Attribute Mapping text. */
export function ldapFieldMapOf(text: string): Partial<UserAttributeMap> {
	return attributeMappingOf(text, LDAP_FIELDS) as Partial<UserAttributeMap>;
}
