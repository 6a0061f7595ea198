import type { DirectoryFlavour } from '../../../transport/ldap/settings';
import { ds389Profile } from './389ds';
import { activeDirectoryProfile } from './active-directory';
import { openDjOtdsProfile } from './opendj-otds';
import { openLdapProfile } from './openldap';
import type { FlavourProfile } from './profile';

export type { FlavourProfile, GroupAttributeMap, MemberLookup, UserAttributeMap } from './profile';

const PROFILES: Record<Exclude<DirectoryFlavour, 'auto'>, FlavourProfile> = {
	activeDirectory: activeDirectoryProfile,
	openLdap: openLdapProfile,
	'389ds': ds389Profile,
	openDj: openDjOtdsProfile,
	// A generic server is read as inetOrgPerson; OpenLDAP's profile is that plus ppolicy status, which
	// simply reads nothing where the server has no ppolicy.
	other: openLdapProfile,
};

/** The attribute profile for a detected (never 'auto') flavour. */
export function profileFor(flavour: Exclude<DirectoryFlavour, 'auto'>): FlavourProfile {
	return PROFILES[flavour];
}
