/**
 * What a server says about itself in its root DSE: which product it is (each profile recognises its own,
 * see flavours/), its naming contexts, controls and change logs. Read once per activation (readLdapServer)
 * and handed to whatever needs it.
 */
import type { Entry } from '../../transport/ldap/ldapts';
import type { LdapSession } from '../../transport/ldap/session';
import {
	detectFlavour,
	profileFor,
	type DetectedFlavour,
	type DirectoryFlavour,
	type FlavourProfile,
} from './flavours';
import { rootDseValue, rootDseValues, type RootDse } from './root-dse';

/** Root DSE attributes that tell which product a server is and what it can do. */
export const ROOT_DSE_ATTRIBUTES = [
	'vendorName',
	'vendorVersion',
	'objectClass',
	'structuralObjectClass',
	'namingContexts',
	'defaultNamingContext',
	'supportedControl',
	'supportedExtension',
	'supportedCapabilities',
	'supportedLDAPVersion',
	'dnsHostName',
	'highestCommittedUSN',
	'changelog',
	'firstChangeNumber',
	'lastChangeNumber',
	'subschemaSubentry',
];

/** Well-known control OIDs, named so people can read the credential test's answer. */
const CONTROL_NAMES: Record<string, string> = {
	'1.2.840.113556.1.4.319': 'paged results',
	'1.2.840.113556.1.4.473': 'server-side sort',
	'1.2.840.113556.1.4.417': 'show deleted',
	'1.2.840.113556.1.4.841': 'DirSync',
	'1.3.6.1.4.1.4203.1.9.1.1': 'syncrepl',
	'2.16.840.1.113730.3.4.3': 'persistent search',
	'1.3.6.1.4.1.42.2.27.8.5.1': 'password policy',
	'2.16.840.1.113730.3.4.18': 'proxied authorization',
	'1.3.6.1.1.12': 'assertion',
	'1.3.6.1.1.13.1': 'pre-read',
	'1.3.6.1.1.13.2': 'post-read',
	'2.16.840.1.113730.3.4.2': 'manage DSA IT',
};

/** What the root DSE told us, in a shape the rest of the core uses. */
export interface DirectoryServerInfo {
	/** The detected product; never 'auto'. */
	flavour: DetectedFlavour;
	/** A human name for the product and its version, e.g. "OpenLDAP" or "389 Project 2.3.4". */
	vendor: string;
	namingContexts: string[];
	defaultNamingContext?: string;
	supportedControls: string[];
	/** Named forms of the supported controls we know. */
	supportedControlNames: string[];
	/** Change logs the server exposes: `cn=accesslog` (OpenLDAP) or `cn=changelog` (389 DS, OpenDJ). */
	changeLogs: string[];
	/** Where the server publishes its schema (read by the attribute-name check, core/ldap/schema.ts). */
	subschemaSubentry?: string;
}

/** Decides the directory product from its root DSE (asking the profiles), and what else it offers. */
export function describeServer(rootDse: RootDse): DirectoryServerInfo {
	const vendorName = rootDseValue(rootDse, 'vendorName') ?? '';
	const vendorVersion = rootDseValue(rootDse, 'vendorVersion') ?? '';
	const namingContexts = rootDseValues(rootDse, 'namingContexts');
	const supportedControls = rootDseValues(rootDse, 'supportedControl');
	const flavour = detectFlavour(rootDse);
	const vendor = [vendorName || profileFor(flavour).productName, vendorVersion].filter((part) => part !== '').join(' ');

	const changeLogs = namingContexts.filter((context) => /^cn=(accesslog|changelog)$/i.test(context));
	const changelogAttribute = rootDseValue(rootDse, 'changelog');
	if (changelogAttribute && !changeLogs.some((name) => name.toLowerCase() === changelogAttribute.toLowerCase())) {
		changeLogs.push(changelogAttribute);
	}

	return {
		flavour,
		vendor,
		namingContexts: namingContexts.filter((context) => !changeLogs.includes(context)),
		defaultNamingContext: rootDseValue(rootDse, 'defaultNamingContext'),
		supportedControls,
		supportedControlNames: supportedControls.map((oid) => CONTROL_NAMES[oid]).filter((name): name is string => !!name),
		changeLogs,
		subschemaSubentry: rootDseValue(rootDse, 'subschemaSubentry'),
	};
}

/**
 * The server behind a session as one activation sees it: its root DSE (read once), what it says, and the
 * profile to read the directory with: the credential's flavour, or the detected one for Auto-Detect.
 */
export interface LdapServer {
	rootDse: Entry;
	info: DirectoryServerInfo;
	flavour: DetectedFlavour;
	profile: FlavourProfile;
}

/** Reads the root DSE once and decides the profile (`flavour` is the credential's, possibly 'auto'). */
export async function readLdapServer(session: LdapSession, flavour: DirectoryFlavour): Promise<LdapServer> {
	const rootDse = await session.rootDse(ROOT_DSE_ATTRIBUTES);
	const info = describeServer(rootDse);
	const chosen = flavour === 'auto' ? info.flavour : flavour;
	return { rootDse, info, flavour: chosen, profile: profileFor(chosen) };
}
