import type { ICredentialDataDecryptedObject, ICredentialsDecrypted, INode, INodeCredentialTestResult } from 'n8n-workflow';

import type { FlavourProfile } from '../../core/ldap/flavours';
import { profileFor } from '../../core/ldap/flavours';
import { readServerInfo, testLdapConnection } from '../../core/ldap/connection-test';
import { LdapSession } from '../../transport/ldap/session';
import type { LdapConnectionSettings } from '../../transport/ldap/settings';
import { parseLdapConnectionSettings } from '../../transport/ldap/settings';
import { toNodeError } from './errors';

/** An open LDAP session with the attribute profile of the directory behind it. */
export interface LdapContext {
	settings: LdapConnectionSettings;
	session: LdapSession;
	profile: FlavourProfile;
}

/**
 * Opens a session from the `openTextDirectoryLdap` credential, deciding the flavour from the root DSE
 * when the credential says Auto-Detect. The caller closes `session`.
 */
export async function openLdapContext(node: INode, credentials: ICredentialDataDecryptedObject): Promise<LdapContext> {
	let session: LdapSession | undefined;
	try {
		const settings = parseLdapConnectionSettings(credentials);
		session = await LdapSession.open(settings);
		const flavour = settings.flavour === 'auto' ? (await readServerInfo(session)).flavour : settings.flavour;
		return { settings, session, profile: profileFor(flavour) };
	} catch (error) {
		await session?.close();
		throw toNodeError(node, error);
	}
}

/** Splits a comma-separated list typed in the editor. */
export function splitList(text: string | undefined): string[] {
	return (text ?? '')
		.split(',')
		.map((part) => part.trim())
		.filter((part) => part !== '');
}

/** The LDAP credential's Test button (the nodes that use the credential declare it as `testedBy`). */
export async function testLdapCredential(credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
	try {
		const result = await testLdapConnection(parseLdapConnectionSettings(credential.data ?? {}));
		return { status: result.ok ? 'OK' : 'Error', message: result.message };
	} catch (error) {
		return { status: 'Error', message: error instanceof Error ? error.message : String(error) };
	}
}
