import type { DirectoryFlavour } from '../../transport/ldap/settings';

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

const AD_CAPABILITY = '1.2.840.113556.1.4.800';

/** What the root DSE told us, in a shape the rest of the core uses. */
export interface DirectoryServerInfo {
	/** The detected product; never 'auto'. */
	flavour: Exclude<DirectoryFlavour, 'auto'>;
	/** A human name for the product and its version, e.g. "OpenLDAP" or "389 Project 2.3.4". */
	vendor: string;
	namingContexts: string[];
	defaultNamingContext?: string;
	supportedControls: string[];
	/** Named forms of the supported controls we know. */
	supportedControlNames: string[];
	/** Change logs the server exposes: `cn=accesslog` (OpenLDAP) or `cn=changelog` (389 DS, OpenDJ). */
	changeLogs: string[];
}

type RootDse = Record<string, unknown>;

function values(entry: RootDse, name: string): string[] {
	const key = Object.keys(entry).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
	if (key === undefined) return [];
	const value = entry[key];
	const list = Array.isArray(value) ? value : [value];
	return list.filter((item) => item !== undefined && item !== null).map((item) => String(item));
}

function first(entry: RootDse, name: string): string | undefined {
	return values(entry, name)[0];
}

/** Decides the directory product from its root DSE. */
export function describeServer(rootDse: RootDse): DirectoryServerInfo {
	const vendorName = first(rootDse, 'vendorName') ?? '';
	const vendorVersion = first(rootDse, 'vendorVersion') ?? '';
	const objectClasses = values(rootDse, 'objectClass').concat(values(rootDse, 'structuralObjectClass'));
	const namingContexts = values(rootDse, 'namingContexts');
	const supportedControls = values(rootDse, 'supportedControl');

	let flavour: DirectoryServerInfo['flavour'] = 'other';
	if (values(rootDse, 'supportedCapabilities').includes(AD_CAPABILITY)) flavour = 'activeDirectory';
	else if (objectClasses.some((name) => name.toLowerCase() === 'openldaprootdse')) flavour = 'openLdap';
	else if (/389|fedora|netscape|red hat/i.test(vendorName)) flavour = '389ds';
	else if (/opendj|forgerock|wren|ping identity|sun microsystems/i.test(`${vendorName} ${vendorVersion}`)) flavour = 'openDj';

	const productNames: Record<DirectoryServerInfo['flavour'], string> = {
		activeDirectory: 'Active Directory',
		openLdap: 'OpenLDAP',
		'389ds': '389 Directory Server',
		openDj: 'OpenDJ',
		other: 'an LDAP server',
	};
	const vendor = [vendorName || productNames[flavour], vendorVersion].filter((part) => part !== '').join(' ');

	const changeLogs = namingContexts.filter((context) => /^cn=(accesslog|changelog)$/i.test(context));
	const changelogAttribute = first(rootDse, 'changelog');
	if (changelogAttribute && !changeLogs.some((name) => name.toLowerCase() === changelogAttribute.toLowerCase())) {
		changeLogs.push(changelogAttribute);
	}

	return {
		flavour,
		vendor,
		namingContexts: namingContexts.filter((context) => !changeLogs.includes(context)),
		defaultNamingContext: first(rootDse, 'defaultNamingContext'),
		supportedControls,
		supportedControlNames: supportedControls.map((oid) => CONTROL_NAMES[oid]).filter((name): name is string => !!name),
		changeLogs,
	};
}
