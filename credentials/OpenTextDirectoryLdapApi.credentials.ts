import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * Connection to an LDAP directory: legacy OTDS (its embedded OpenDJ), or the Active Directory /
 * OpenLDAP / 389 DS directory that OTDS synchronises from. Tested by the OpenText Directory Services
 * node (`testedBy`), because an LDAP bind is not an HTTP request.
 */
export class OpenTextDirectoryLdapApi implements ICredentialType {
	name = 'openTextDirectoryLdapApi';

	displayName = 'OpenText Directory (LDAP) API';

	// No vendor page covers every directory this connects to; the LDAP standard on simple binds (bind DN and
	// password), ldaps:// and StartTLS documents what the fields mean on all of them.
	documentationUrl = 'https://datatracker.ietf.org/doc/html/rfc4513';

	icon: Icon = {
		light: 'file:../nodes/OpenTextDirectoryServices/otds.svg',
		dark: 'file:../nodes/OpenTextDirectoryServices/otds.dark.svg',
	};

	properties: INodeProperties[] = [
		{
			displayName: 'Server URLs',
			name: 'serverUrls',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'ldaps://dc1.example.com:636, ldaps://dc2.example.com:636',
			description:
				'One or more servers, separated by commas, tried in order when one cannot be reached. A bare host name gets the default port of the chosen connection security.',
		},
		{
			displayName: 'Connection Security',
			name: 'connectionSecurity',
			type: 'options',
			default: 'tls',
			options: [
				{ name: 'TLS (Ldaps://)', value: 'tls', description: 'Encrypted from the first byte, usually port 636' },
				{ name: 'StartTLS', value: 'startTls', description: 'A plain connection upgraded to TLS, usually port 389' },
				{ name: 'None', value: 'none', description: 'Unencrypted: passwords cross the network in clear text' },
			],
			description: 'How the connection is protected',
		},
		// A CA certificate is public, but n8n's package scanner wants every certificate field masked (as n8n's own
		// database credentials do); the text keeps its line breaks.
		{
			displayName: 'CA Certificate',
			name: 'caCertificate',
			type: 'string',
			typeOptions: { rows: 4, password: true },
			default: '',
			placeholder: '-----BEGIN CERTIFICATE-----',
			description:
				"PEM text of the certificate authority that signed the directory's certificate. Leave empty to trust the system's certificate store.",
			displayOptions: { show: { connectionSecurity: ['tls', 'startTls'] } },
		},
		{
			displayName: 'Allow Self-Signed Certificates',
			name: 'allowSelfSigned',
			type: 'boolean',
			default: false,
			description:
				'Whether to accept any certificate without verifying it. Only for test directories: prefer pasting the CA certificate above.',
			displayOptions: { show: { connectionSecurity: ['tls', 'startTls'] } },
		},
		{
			displayName: 'Bind DN',
			name: 'bindDN',
			type: 'string',
			default: '',
			placeholder: 'cn=n8n-reader,ou=service,dc=example,dc=com',
			description: 'The account n8n signs in as. Leave empty for an anonymous bind.',
		},
		{
			displayName: 'Password',
			name: 'bindPassword',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'Password of the bind account',
		},
		{
			displayName: 'Base DN',
			name: 'baseDN',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'dc=example,dc=com',
			description: 'Where users and groups are searched, unless a node narrows it',
		},
		{
			displayName: 'Directory Flavour',
			name: 'directoryFlavour',
			type: 'options',
			default: 'auto',
			options: [
				{ name: 'Auto-Detect', value: 'auto', description: "Read the server's root DSE and decide" },
				{ name: 'Active Directory', value: 'activeDirectory' },
				{ name: 'OpenLDAP', value: 'openLdap' },
				{ name: '389 Directory Server', value: '389ds' },
				{ name: 'OpenDJ / Legacy OTDS', value: 'openDj' },
				{ name: 'Other (inetOrgPerson)', value: 'other' },
			],
			description: 'Which product the directory is; decides attribute names, account status and change detection',
		},
		{
			displayName: 'Connect Timeout (Ms)',
			name: 'connectTimeout',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 10000,
			description: 'How long to wait for a server to accept the connection before trying the next one',
		},
		{
			displayName: 'Operation Timeout (Ms)',
			name: 'timeout',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 30000,
			description: 'How long to wait for the whole answer to one request (one page of a search)',
		},
		{
			displayName: 'Max Pages per Search',
			name: 'maxPagesPerSearch',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 10000,
			description: 'A paged search the server is still continuing after this many pages is stopped with an error',
		},
		{
			displayName: 'Max Message Size (MB)',
			name: 'maxMessageSizeMb',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 64,
			description:
				'The largest LDAP message (one entry with all its values) accepted from the server; a larger one drops the connection with an error',
		},
	];
}
