/**
 * The data of an `openTextDirectoryLdapApi` credential pointing at a test slapd (plain LDAP, or LDAPS with its
 * throwaway CA allowed as self-signed), as the demo and the real-n8n tests create it.
 */
import type { Slapd } from './slapd';

export type LdapCredentialTarget = Pick<Slapd, 'url' | 'adminDN' | 'adminPassword' | 'baseDN'>;

export function ldapCredentialData(
	slapd: LdapCredentialTarget,
	overrides: Record<string, unknown> = {},
): Record<string, unknown> {
	const ldaps = slapd.url.startsWith('ldaps:');
	return {
		serverUrls: slapd.url,
		connectionSecurity: ldaps ? 'tls' : 'none',
		...(ldaps ? { allowSelfSigned: true } : {}),
		bindDN: slapd.adminDN,
		bindPassword: slapd.adminPassword,
		baseDN: slapd.baseDN,
		directoryFlavour: 'auto',
		...overrides,
	};
}
