import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * Firebase Cloud Messaging HTTP v1 with a service account: the node signs a JWT with the account's private
 * key and trades it for an access token (no SDK). Tested by the OpenText Push node (`testedBy`).
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
	];
}
