import { ConfigurationError, RequestError } from '../errors';
import { LdapSession } from '../../transport/ldap/session';
import { readLdapServer, type DirectoryServerInfo } from './server-info';
import type { LdapSettings } from './settings';

export interface ConnectionTestResult {
	ok: boolean;
	message: string;
	server?: DirectoryServerInfo;
}

/**
 * What the credential's "Test" button does: connect, bind, read the root DSE, check the base DN,
 * and say which product answered, or what to fix. Never repeats the password.
 */
export async function testLdapConnection(settings: LdapSettings): Promise<ConnectionTestResult> {
	try {
		return await LdapSession.use(settings, async (session) => {
			const { info: server } = await readLdapServer(session, settings.flavour);
			if (settings.baseDN !== '') {
				const base = await session.searchIfPresent(settings.baseDN, {
					scope: 'base',
					filter: '(objectClass=*)',
					attributes: ['1.1'],
				});
				if (base.length === 0) {
					return {
						ok: false,
						server,
						message: `Connected to ${server.vendor}, but Base DN "${settings.baseDN}" does not exist or is not visible to the bind account. Naming contexts: ${server.namingContexts.join('; ') || 'none'}`,
					};
				}
			}
			const who = settings.bindDN === '' ? 'anonymously' : `as ${settings.bindDN}`;
			const flavour =
				settings.flavour === 'auto' ? `detected flavour: ${server.flavour}` : `flavour: ${settings.flavour}`;
			const extras = [
				server.supportedControlNames.length > 0 ? `controls: ${server.supportedControlNames.join(', ')}` : '',
				server.changeLogs.length > 0 ? `change logs: ${server.changeLogs.join(', ')}` : '',
			].filter((part) => part !== '');
			return {
				ok: true,
				server,
				message: `Connected to ${server.vendor} at ${session.server} ${who} (${flavour})${extras.length ? `; ${extras.join('; ')}` : ''}`,
			};
		});
	} catch (error) {
		if (error instanceof RequestError) return { ok: false, message: `${error.message}. ${error.hint}.` };
		if (error instanceof ConfigurationError) return { ok: false, message: error.message };
		return {
			ok: false,
			message: `The connection test failed: ${error instanceof Error ? error.message : String(error)}`,
		};
	}
}
