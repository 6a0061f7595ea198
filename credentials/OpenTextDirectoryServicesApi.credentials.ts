import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	IDataObject,
	IHttpRequestHelper,
	IHttpRequestOptions,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

import { signingIn } from '../nodes/shared/authenticated-transport';
import { signInToOtds, otdsAuthHeader } from '../nodes/shared/otds-auth';

/**
 * OTDS REST: the server and how to sign in. The ticket or OAuth2 token is obtained by preAuthentication
 * and kept (encrypted, with the credential) in the hidden expirable `accessToken`, so every execution
 * reuses it; when OTDS answers 401, n8n calls preAuthentication again and repeats the request.
 * Tested by the OpenText Directory Services node (`testedBy`), so the test can say who signed in.
 */
export class OpenTextDirectoryServicesApi implements ICredentialType {
	name = 'openTextDirectoryServicesApi';

	displayName = 'OpenText Directory Services (OTDS REST) API';

	// OpenText publishes no public OTDS REST reference; its own Python library (pyxecm, otds.py) shows the sign-in
	// with a user and password (ticket) or an OAuth client, as this credential does.
	documentationUrl = 'https://github.com/opentext/pyxecm';

	icon: Icon = {
		light: 'file:../nodes/OpenTextDirectoryServices/otds.svg',
		dark: 'file:../nodes/OpenTextDirectoryServices/otds.dark.svg',
	};

	properties: INodeProperties[] = [
		{
			displayName: 'Server URL',
			name: 'serverUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://otds.example.com/otdsws',
			description: 'The OTDS web application, usually ending in /otdsws. A bare host name gets /otdsws added.',
		},
		{
			displayName: 'Authentication',
			name: 'authMethod',
			type: 'options',
			default: 'ticket',
			options: [
				{
					name: 'User Name and Password (OTDS Ticket)',
					value: 'ticket',
					description: 'Signs in at /rest/authentication/credentials and sends the ticket as the OTDSTicket header',
				},
				{
					name: 'OAuth2 Client Credentials',
					value: 'oauth2ClientCredentials',
					description: 'An OTDS OAuth client: gets a token at /oauth2/token and sends it as a Bearer token',
				},
			],
			description: 'How n8n signs in to OTDS',
		},
		{
			displayName: 'User Name',
			name: 'userName',
			type: 'string',
			default: '',
			placeholder: 'otadmin@otds.admin',
			displayOptions: { show: { authMethod: ['ticket'] } },
			description: 'The OTDS user, with its partition, e.g. otadmin@otds.admin or n8n-service@Content Server Members',
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { authMethod: ['ticket'] } },
			description: 'The password of that user',
		},
		{
			displayName: 'Client ID',
			name: 'clientId',
			type: 'string',
			default: '',
			displayOptions: { show: { authMethod: ['oauth2ClientCredentials'] } },
			description: 'The ID of a confidential OAuth client defined in OTDS',
		},
		{
			displayName: 'Client Secret',
			name: 'clientSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { authMethod: ['oauth2ClientCredentials'] } },
			description: 'The secret of that OAuth client',
		},
		{
			displayName: 'Scope',
			name: 'scope',
			type: 'string',
			default: '',
			displayOptions: { show: { authMethod: ['oauth2ClientCredentials'] } },
			description: "Space-separated scopes to ask for; leave empty for the client's defaults",
		},
		{
			displayName: 'Ignore SSL Issues (Insecure)',
			name: 'ignoreSslIssues',
			type: 'boolean',
			default: false,
			description:
				'Whether to accept a certificate that cannot be verified. Only for test servers: anyone between n8n and OTDS could read the password.',
		},
		{
			displayName: 'Max Pages per Listing',
			name: 'maxPagesPerListing',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 10000,
			description:
				'A listing of users, groups or members that is still being handed page cookies after this many pages is stopped with an error',
		},
		{
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'hidden',
			typeOptions: { expirable: true, password: true },
			default: '',
		},
	];

	async preAuthentication(this: IHttpRequestHelper, credentials: ICredentialDataDecryptedObject): Promise<IDataObject> {
		return { accessToken: await signingIn(() => signInToOtds(this.helpers.httpRequest, credentials)) };
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		const header = otdsAuthHeader(credentials.accessToken);
		return {
			...requestOptions,
			headers: { ...(requestOptions.headers ?? {}), ...(header ? { [header.name]: header.value } : {}) },
			skipSslCertificateValidation:
				credentials.ignoreSslIssues === true || requestOptions.skipSslCertificateValidation === true,
		};
	}
}
