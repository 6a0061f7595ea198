/**
 * The directory behind the node's credential, opened once per execution: an LDAP session (closed at the
 * end) or the OTDS REST client. Each item gets a backend with its own options (base DN or partition,
 * privileged groups); building one is cheap, the connection is shared.
 */
import type { IDataObject, IExecuteFunctions, ILoadOptionsFunctions } from 'n8n-workflow';

import type { DirectoryBackend } from '../../../core/directory/backend';
import { LdapDirectory } from '../../../core/ldap/directory';
import type { LdapContext } from '../../shared/ldap';
import { openLdapContext, splitList } from '../../shared/ldap';
import { openOtdsDirectory } from '../../shared/otds';

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

/** Privileged groups are separated by semicolons, because group DNs contain commas. */
function privilegedGroupsOf(options: IDataObject): string[] {
	return String(options.privilegedGroups ?? '')
		.split(';')
		.map((part) => part.trim())
		.filter((part) => part !== '');
}

export { splitList };
