import type {
	IAuthenticateGeneric,
	ICredentialDataDecryptedObject,
	ICredentialType,
	IDataObject,
	IHttpRequestHelper,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

import { signingIn } from '../nodes/shared/authenticated-transport';
import { issueFirebaseToken, preAuthenticationTransport } from '../nodes/shared/push-auth';

/**
 * Firebase Cloud Messaging HTTP v1 with a service account: preAuthentication signs a JWT with the account's
 * private key and trades it for an access token (no SDK), kept (encrypted, with the credential) in the hidden
 * expirable `accessToken`, so every execution reuses it; when FCM answers 401, n8n calls preAuthentication
 * again and repeats the request. `authenticate` sends it as a Bearer token, so the credential also serves
 * n8n's HTTP Request node for FCM endpoints the push node does not cover. Tested by the OpenText Push node
 * (`testedBy`).
 */
export class OpenTextFirebaseCloudMessagingApi implements ICredentialType {
	name = 'openTextFirebaseCloudMessagingApi';

	displayName = 'OpenText Push: Firebase Cloud Messaging API';

	documentationUrl = 'https://firebase.google.com/docs/cloud-messaging/auth-server';

	icon: Icon = { light: 'file:../nodes/OpenTextPush/push.svg', dark: 'file:../nodes/OpenTextPush/push.dark.svg' };

	properties: INodeProperties[] = [
		// A secret the lint does not recognise by its name: masked all the same.
		// eslint-disable-next-line @n8n/community-nodes/credential-unnecessary-password
		{
			displayName: 'Service Account JSON',
			name: 'serviceAccountJson',
			type: 'string',
			typeOptions: { password: true, rows: 6 },
			default: '',
			required: true,
			description:
				'The whole key file of a service account with the Firebase Cloud Messaging API Admin role (Project settings → Service accounts → Generate new private key)',
		},
		{
			displayName: 'Project ID',
			name: 'projectId',
			type: 'string',
			default: '',
			description: 'The Firebase project to send through. Leave empty to use the project_id of the service account.',
		},
		{
			displayName: 'API Base URL',
			name: 'apiBaseUrl',
			type: 'string',
			default: 'https://fcm.googleapis.com',
			description: 'Where FCM is reached. Change it only for a test double or a proxy.',
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
		const transport = preAuthenticationTransport(this.helpers.httpRequest, credentials);
		return { accessToken: await signingIn(() => issueFirebaseToken(transport, credentials)) };
	}

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: { headers: { Authorization: '=Bearer {{$credentials.accessToken}}' } },
	};
}
