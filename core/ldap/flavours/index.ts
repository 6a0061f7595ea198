/**
 * The registry of directory products. Adding one: its profile file here, an entry below, and the option
 * in the LDAP credential's Directory Flavour list (credentials/OpenTextDirectoryLdapApi.credentials.ts).
 */
import { ConfigurationError } from '../../errors';
import type { RootDse } from '../root-dse';
import { ds389Profile } from './389ds';
import { activeDirectoryProfile } from './active-directory';
import { genericProfile } from './generic';
import { openDjOtdsProfile } from './opendj-otds';
import { openLdapProfile } from './openldap';
import type { FlavourProfile } from './profile';

export type {
	AccountManagement,
	AttributeEdit,
	ChangeStamps,
	FlavourProfile,
	MemberLookup,
	NewEntry,
	PrimaryGroupMembership,
} from './profile';

/** The profiles by the credential's flavour value; detection asks them in this order. */
const PROFILES = {
	activeDirectory: activeDirectoryProfile,
	openLdap: openLdapProfile,
	'389ds': ds389Profile,
	openDj: openDjOtdsProfile,
	// Last: it recognises every server.
	other: genericProfile,
} satisfies Record<string, FlavourProfile>;

/** A directory product (never 'auto'). */
export type DetectedFlavour = keyof typeof PROFILES;

/** The credential's Directory Flavour: a product, or 'auto' to detect it from the root DSE. */
export type DirectoryFlavour = 'auto' | DetectedFlavour;

const DETECTED_FLAVOURS = Object.keys(PROFILES) as DetectedFlavour[];

export const DIRECTORY_FLAVOURS: readonly DirectoryFlavour[] = ['auto', ...DETECTED_FLAVOURS];

/** The attribute profile for a detected (never 'auto') flavour. */
export function profileFor(flavour: DetectedFlavour): FlavourProfile {
	return PROFILES[flavour];
}

/** The product whose profile recognises this root DSE first. */
export function detectFlavour(rootDse: RootDse): DetectedFlavour {
	return DETECTED_FLAVOURS.find((flavour) => PROFILES[flavour].recognises(rootDse)) ?? 'other';
}

/** The credential's Directory Flavour field, checked; empty means 'auto'. */
export function parseDirectoryFlavour(value: unknown): DirectoryFlavour {
	const flavour = (value === undefined || value === null ? '' : String(value).trim()) || 'auto';
	if (!(DIRECTORY_FLAVOURS as readonly string[]).includes(flavour)) {
		throw new ConfigurationError('Directory Flavour', `"${flavour}" is not one of ${DIRECTORY_FLAVOURS.join(', ')}`);
	}
	return flavour as DirectoryFlavour;
}
