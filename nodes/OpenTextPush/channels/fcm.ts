import { FCM_REACH, FcmChannel, isRefusedAccessToken } from '../../../core/push/channels/fcm';
import { n8nHttpTransport } from '../../shared/http-transport';
import { firebaseAccount, issueFirebaseToken } from '../../shared/push-auth';
import { text, type NodePushChannel } from './channel';

export const firebaseChannel: NodePushChannel = {
	option: {
		name: 'Firebase Cloud Messaging',
		value: 'fcm',
		description: 'Android, iOS and web apps, with a service account',
	},
	credential: 'openTextFirebaseCloudMessagingApi',
	credentialTest: 'firebaseCredentialTest',
	reach: [FCM_REACH],
	isExpired: isRefusedAccessToken,
	build(transport, credential, { retry }) {
		const serviceAccount = firebaseAccount(credential);
		return [
			new FcmChannel(transport, {
				serviceAccount,
				baseUrl: text(credential.apiBaseUrl) || undefined,
				retry,
				signedByTransport: true,
			}),
		];
	},
	/** Gets an access token for the service account. */
	async testCredential(helpers, credential) {
		const account = firebaseAccount(credential);
		await issueFirebaseToken(n8nHttpTransport(helpers), credential, { maxAttempts: 1 });
		return `Signed in as ${account.client_email} (project ${account.project_id})`;
	},
};
