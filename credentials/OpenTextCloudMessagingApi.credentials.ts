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
import {
	cloudMessagingAuthorization,
	issueCloudMessagingToken,
	preAuthenticationTransport,
	signedRequest,
} from '../nodes/shared/push-auth';

/**
 * OpenText Notifications ("Cloud Messaging", MRA v1 REST API): push through the MRA parser, plus SMS and
 * email as fallbacks. HTTP Basic, or an OAuth2 tenant token (client credentials) that preAuthentication
 * obtains and keeps (encrypted, with the credential) in the hidden expirable `accessToken`, so every execution
 * reuses it; when the API answers 401, n8n calls preAuthentication again and repeats the request.
 * `authenticate` adds the Authorization header, so the credential also serves n8n's HTTP Request node. Tested
 * by the OpenText Push node (`testedBy`), so the test can say where it signed in.
 */
export class OpenTextCloudMessagingApi implements ICredentialType {
	name = 'openTextCloudMessagingApi';

	displayName = 'OpenText Cloud Messaging API';

	documentationUrl = 'https://github.com/opentext/Cloud-Fax-and-Notifications';

	icon: Icon = { light: 'file:../nodes/OpenTextPush/push.svg', dark: 'file:../nodes/OpenTextPush/push.dark.svg' };

	properties: INodeProperties[] = [
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://t2api.us.cloudmessaging.opentext.com',
			required: true,
			placeholder: 'https://api.eu.cloudmessaging.opentext.com',
			description:
				'The regional API host, without /mra/v1: https://t2api.us.cloudmessaging.opentext.com (US) or https://api.eu.cloudmessaging.opentext.com (EU)',
		},
		{
			displayName: 'Authentication',
			name: 'authentication',
			type: 'options',
			default: 'basic',
			options: [
				{ name: 'Basic (User and Password)', value: 'basic', description: 'HTTP Basic with the messaging account' },
				{ name: 'OAuth2 Tenant Token', value: 'oauth2', description: 'Client credentials for a tenant token' },
			],
			description: 'How the node signs in to the API',
		},
		{
			displayName: 'User',
			name: 'username',
			type: 'string',
			default: '',
			required: true,
			displayOptions: { show: { authentication: ['basic'] } },
			description: 'The messaging account user',
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			displayOptions: { show: { authentication: ['basic'] } },
			description: 'The messaging account password',
		},
		{
			displayName: 'Token URL',
			name: 'tokenUrl',
			type: 'string',
			default: 'https://us.api.opentext.com/tenants/{tenantId}/oauth2/token',
			required: true,
			displayOptions: { show: { authentication: ['oauth2'] } },
			description:
				'Where tenant tokens are issued; {tenantId} is replaced by the Tenant ID below. The host differs by region and tenant.',
		},
		{
			displayName: 'Tenant ID',
			name: 'tenantId',
			type: 'string',
			default: '',
			displayOptions: { show: { authentication: ['oauth2'] } },
			description: 'Your OpenText tenant ID (fills {tenantId} in the token URL)',
		},
		{
			displayName: 'Client ID',
			name: 'clientId',
			type: 'string',
			default: '',
			required: true,
			displayOptions: { show: { authentication: ['oauth2'] } },
			description: 'The OAuth2 client of the tenant',
		},
		{
			displayName: 'Client Secret',
			name: 'clientSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			displayOptions: { show: { authentication: ['oauth2'] } },
			description: 'The secret of that client',
		},
		{
			displayName: 'Ignore SSL Issues (Insecure)',
			name: 'ignoreSslIssues',
			type: 'boolean',
			default: false,
			description: 'Whether to accept any TLS certificate. Only for test servers.',
		},
		{
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'hidden',
			typeOptions: { expirable: true, password: true },
			default: '',
		},
	];

	/** A tenant token for OAuth2; nothing to keep for Basic (n8n then stores nothing). */
	async preAuthentication(this: IHttpRequestHelper, credentials: ICredentialDataDecryptedObject): Promise<IDataObject> {
		const transport = preAuthenticationTransport(this.helpers.httpRequest, credentials);
		return { accessToken: await signingIn(() => issueCloudMessagingToken(transport, credentials)) };
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		return signedRequest(requestOptions, { Authorization: cloudMessagingAuthorization(credentials) }, credentials);
	}
}
