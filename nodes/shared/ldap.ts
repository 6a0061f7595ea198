import type {
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	INode,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import { testLdapConnection } from '../../core/ldap/connection-test';
import { profileFor, type FlavourProfile } from '../../core/ldap/flavours';
import { readLdapServer, type LdapServer } from '../../core/ldap/server-info';
import { parseLdapSettings, type LdapSettings } from '../../core/ldap/settings';
import { LdapSession } from '../../transport/ldap/session';
import { toNodeError } from './errors';

/** An open LDAP session with the attribute profile of the directory behind it. */
export interface LdapContext {
	settings: LdapSettings;
	session: LdapSession;
	profile: FlavourProfile;
	/** The server as its root DSE described it, when it was read to choose the profile (Auto-Detect). */
	server?: LdapServer;
}

/**
 * Opens a session from the `openTextDirectoryLdapApi` credential, deciding the flavour from the root DSE
 * when the credential says Auto-Detect. The caller closes `session`.
 */
export async function openLdapContext(node: INode, credentials: ICredentialDataDecryptedObject): Promise<LdapContext> {
	let session: LdapSession | undefined;
	try {
		const settings = parseLdapSettings(credentials);
		session = await LdapSession.open(settings);
		if (settings.flavour !== 'auto') return { settings, session, profile: profileFor(settings.flavour) };
		const server = await readLdapServer(session, settings.flavour);
		return { settings, session, profile: server.profile, server };
	} catch (error) {
		await session?.close();
		throw toNodeError(node, error);
	}
}

/** The LDAP credential's Test button (the nodes that use the credential declare it as `testedBy`). */
export async function testLdapCredential(credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
	try {
		const result = await testLdapConnection(parseLdapSettings(credential.data ?? {}));
		return { status: result.ok ? 'OK' : 'Error', message: result.message };
	} catch (error) {
		return { status: 'Error', message: error instanceof Error ? error.message : String(error) };
	}
}
