import { parseLdapConnectionSettings, type LdapConnectionSettings } from '../../transport/ldap/settings';
import { parseDirectoryFlavour, type DirectoryFlavour } from './flavours';

/** The LDAP credential, validated: how to connect (the transport's part) and which product to expect. */
export interface LdapSettings extends LdapConnectionSettings {
	flavour: DirectoryFlavour;
}

/** Validates the raw credential fields; every problem names the field and the fix. */
export function parseLdapSettings(raw: Record<string, unknown>): LdapSettings {
	const connection = parseLdapConnectionSettings(raw);
	return { ...connection, flavour: parseDirectoryFlavour(raw.directoryFlavour) };
}
