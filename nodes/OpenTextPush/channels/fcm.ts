import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { ConfigurationError } from '../../../core/errors';
import { FcmAccessTokens, parseServiceAccount, type ServiceAccount } from '../../../core/push/channels/fcm-auth';
import { FCM_REACH, FcmChannel } from '../../../core/push/channels/fcm';
import { n8nHttpTransport } from '../../shared/http-transport';
import { text, type NodePushChannel } from './channel';

/** The service account of a Firebase credential, with the Project ID override applied. */
export function firebaseAccount(credential: ICredentialDataDecryptedObject): ServiceAccount {
	const raw = text(credential.serviceAccountJson);
	if (raw === '')
		throw new ConfigurationError('Service Account JSON', 'is empty: paste the key file of a service account');
	const account = parseServiceAccount(raw);
	const projectId = text(credential.projectId);
	return projectId === '' ? account : { ...account, project_id: projectId };
}

export const firebaseChannel: NodePushChannel = {
	option: {
		name: 'Firebase Cloud Messaging',
		value: 'fcm',
		description: 'Android, iOS and web apps, with a service account',
	},
	credential: 'openTextFirebaseCloudMessagingApi',
	credentialTest: 'firebaseCredentialTest',
	reach: [FCM_REACH],
	build(transport, credential, { retry }) {
		const serviceAccount = firebaseAccount(credential);
		return [new FcmChannel(transport, { serviceAccount, baseUrl: text(credential.apiBaseUrl) || undefined, retry })];
	},
	/** Gets an access token for the service account. */
	async testCredential(helpers, credential) {
		const account = firebaseAccount(credential);
		const tokens = new FcmAccessTokens(n8nHttpTransport(helpers), account, { retry: { maxAttempts: 1 } });
		await tokens.token();
		return `Signed in as ${account.client_email} (project ${account.project_id})`;
	},
};
