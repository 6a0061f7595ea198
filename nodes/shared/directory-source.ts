/**
 * The directory behind the node's credential, opened once per execution: an LDAP session (closed at the
 * end) or the OTDS REST client. Each item gets a backend with its own options (base DN or partition,
 * privileged groups); building one is cheap, the connection is shared.
 */
import type { IDataObject, IExecuteFunctions, ILoadOptionsFunctions } from 'n8n-workflow';

import type { DirectoryBackend } from '../../core/directory/backend';
import { DirectoryConfigurationError } from '../../core/errors';
import { LdapDirectory } from '../../core/ldap/directory';
import { checkAttributeName } from '../../core/ldap/filter';
import type { OtdsDirectoryOptions } from '../../core/otds/directory';
import { DEFAULT_OTDS_FIELDS, type OtdsFieldMap } from '../../core/otds/mapping';
import type { LdapContext } from './ldap';
import { openLdapContext, splitList } from './ldap';
import { openOtdsDirectory } from './otds';

export type DirectorySourceKind = 'ldap' | 'otdsRest';

export interface DirectorySource {
	kind: DirectorySourceKind;
	/** A backend for one item's options (baseDN, partition, privilegedGroups). */
	backendFor(options: IDataObject): Promise<DirectoryBackend>;
	close(): Promise<void>;
}

export async function openDirectorySource(context: IExecuteFunctions | ILoadOptionsFunctions, kind: DirectorySourceKind): Promise<DirectorySource> {
	if (kind === 'otdsRest') {
		return {
			kind,
			backendFor: async (options) =>
				openOtdsDirectory(context, {
					partition: String(options.partition ?? '').trim() || undefined,
					privilegedGroups: privilegedGroupsOf(options),
					membersEndpoint: (options.membersSource as OtdsDirectoryOptions['membersEndpoint']) ?? 'auto',
					writeMethod: (options.writeMethod as OtdsDirectoryOptions['writeMethod']) ?? 'PATCH',
					fields: otdsFieldMapOf(String(options.attributeMapping ?? '')),
				}),
			close: async () => {},
		};
	}
	const ldap: LdapContext = await openLdapContext(context.getNode(), await context.getCredentials('openTextDirectoryLdap'));
	return {
		kind,
		backendFor: async (options) =>
			new LdapDirectory(ldap.session, ldap.profile, String(options.baseDN ?? '').trim() || ldap.settings.baseDN, {
				privilegedGroups: privilegedGroupsOf(options),
			}),
		close: () => ldap.session.close(),
	};
}

const OTDS_FIELDS = Object.keys(DEFAULT_OTDS_FIELDS);

/**
 * "businessUnit=oTExtraAttr3, mobile=oTMobilePhone" → { businessUnit: 'oTExtraAttr3', ... }: which directory
 * attribute holds a person field, each pair checked against the fields that can be mapped.
 */
export function attributeMappingOf(text: string, fields: string[]): Record<string, string> {
	const mapping: Record<string, string> = {};
	for (const pair of splitList(text)) {
		const [field, attribute, ...rest] = pair.split('=').map((part) => part.trim());
		if (!field || !attribute || rest.length > 0) {
			throw new DirectoryConfigurationError('Attribute Mapping', `has "${pair}": write field=attribute, e.g. businessUnit=oTExtraAttr3`);
		}
		if (!fields.includes(field)) {
			throw new DirectoryConfigurationError('Attribute Mapping', `names the unknown field "${field}": use one of ${fields.join(', ')}`);
		}
		mapping[field] = checkAttributeName(attribute, 'Attribute Mapping');
	}
	return mapping;
}

/** The OTDS REST field overrides of an Attribute Mapping text. */
export function otdsFieldMapOf(text: string): Partial<OtdsFieldMap> {
	return attributeMappingOf(text, OTDS_FIELDS) as Partial<OtdsFieldMap>;
}

/** Splits a semicolon-separated list typed in the editor (group names and DNs: DNs contain commas). */
export function semicolonList(text: unknown): string[] {
	return String(text ?? '')
		.split(';')
		.map((part) => part.trim())
		.filter((part) => part !== '');
}

/** Privileged groups are separated by semicolons, because group DNs contain commas. */
export function privilegedGroupsOf(options: IDataObject): string[] {
	return semicolonList(options.privilegedGroups);
}

export { splitList };
