/**
 * Change strategies on a test Samba AD DC, built the way the trigger builds them (core/changes/auto.ts), over the
 * Northwind people and groups, bound as the domain administrator over LDAPS: the AD USN strategy as chosen in the
 * settings, or Auto (which must choose it from the root DSE).
 */
import { AdUsnStrategy, type AdUsnStrategyOptions } from '../../core/changes/ldap/ad-usn';
import { createLdapChangeStrategy } from '../../core/changes/ldap/auto';
import { LdapChangeReader, type LdapWatchScope } from '../../core/changes/ldap/reader';
import type { ChangeStrategy } from '../../core/changes/strategy';
import { profileFor } from '../../core/ldap/flavours';
import type { LdapSession } from '../../transport/ldap/session';
import { parseLdapConnectionSettings, type LdapConnectionSettings } from '../../transport/ldap/settings';
import { ldapCredentialData } from '../../devkit/ldap-credential';
import type { Samba } from '../../devkit/samba';
import { GROUPS_DN, PEOPLE_DN } from '../../devkit/samba-fixture';

export type SambaStrategyName = 'adUsn' | 'auto';

/** LDAPS as the domain administrator, Samba's self-signed certificate allowed (as a credential would be filled in). */
export function sambaConnection(samba: Samba, overrides: Record<string, unknown> = {}): LdapConnectionSettings {
	return parseLdapConnectionSettings(ldapCredentialData(samba, overrides));
}

export type SambaScope = Partial<
	Pick<LdapWatchScope, 'userFilter' | 'groupFilter' | 'privilegedGroups' | 'extraAttributes'>
>;

/** One strategy on `session` over OU=People and OU=Groups; polls never reconcile unless `options` say so. */
export async function sambaStrategy(
	name: SambaStrategyName,
	session: LdapSession,
	scope: SambaScope = {},
	options: AdUsnStrategyOptions = {},
): Promise<ChangeStrategy> {
	const where = { session, userBaseDN: PEOPLE_DN, groupBaseDN: GROUPS_DN, ...scope };
	const settings = { reconcileEvery: 0, ...options };
	if (name === 'auto')
		return (await createLdapChangeStrategy({ ...where, ...settings, strategy: 'auto', flavour: 'auto' })).strategy;
	const reader = new LdapChangeReader({ ...where, profile: profileFor('activeDirectory'), flavour: 'activeDirectory' });
	return new AdUsnStrategy(reader, session.server, settings);
}
