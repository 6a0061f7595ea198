/**
 * The directory behind the node's credential, opened once per execution: an LDAP session (closed at the
 * end) or the OTDS REST client. Each item gets a backend with its own options (base DN or partition,
 * privileged groups); building one is cheap, the connection is shared.
 */
import type { IDataObject, IExecuteFunctions, ILoadOptionsFunctions } from 'n8n-workflow';

import type { DirectoryBackend } from '../../core/directory/backend';
import { LdapDirectory } from '../../core/ldap/directory';
import type { OtdsDirectoryOptions } from '../../core/otds/directory';
import type { LdapContext } from './ldap';
import { openLdapContext } from './ldap';
import { openOtdsDirectory } from './otds';
import { otdsFieldMapOf, privilegedGroupsOf } from './parameter-text';

export type DirectorySourceKind = 'ldap' | 'otdsRest';

export interface DirectorySource {
	kind: DirectorySourceKind;
	/** A backend for one item's options (baseDN, partition, privilegedGroups). */
	backendFor(options: IDataObject): Promise<DirectoryBackend>;
	close(): Promise<void>;
}

/**
 * The management options naming the OTDS account flags' attributes (Disabled / Locked-Out / Must Change Password
 * Attribute); a flag not named keeps the directory's default.
 */
export function otdsStatusAttributesOf(options: IDataObject): OtdsDirectoryOptions['statusAttributes'] {
	const named = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? [value.trim()] : undefined);
	const status = {
		disabled: named(options.disabledAttribute),
		locked: named(options.lockedAttribute),
		passwordResetRequired: named(options.mustChangeAttribute),
	};
	return Object.fromEntries(Object.entries(status).filter(([, names]) => names !== undefined));
}

export async function openDirectorySource(
	context: IExecuteFunctions | ILoadOptionsFunctions,
	kind: DirectorySourceKind,
): Promise<DirectorySource> {
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
					statusAttributes: otdsStatusAttributesOf(options),
				}),
			close: async () => {},
		};
	}
	const ldap: LdapContext = await openLdapContext(
		context.getNode(),
		await context.getCredentials('openTextDirectoryLdapApi'),
	);
	return {
		kind,
		backendFor: async (options) =>
			new LdapDirectory(ldap.session, ldap.profile, String(options.baseDN ?? '').trim() || ldap.settings.baseDN, {
				privilegedGroups: privilegedGroupsOf(options),
			}),
		close: () => ldap.session.close(),
	};
}
