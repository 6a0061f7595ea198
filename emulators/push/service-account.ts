/**
 * Throwaway Firebase service accounts for tests: a fresh RSA key pair, the key file a user would paste into
 * the credential (private key included), and the public key the FCM emulator verifies JWTs with.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { ServiceAccount } from '../../core/push/channels/fcm-auth';

export interface TestServiceAccount {
	serviceAccount: ServiceAccount;
	/** The key file as text, as pasted into the credential. */
	json: string;
	publicKey: KeyObject;
}

export function generateTestServiceAccount(options: {
	tokenUri: string;
	projectId?: string;
	clientEmail?: string;
}): TestServiceAccount {
	const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
	const projectId = options.projectId ?? 'test-project';
	const serviceAccount: ServiceAccount = {
		project_id: projectId,
		client_email: options.clientEmail ?? `push-sender@${projectId}.iam.gserviceaccount.com`,
		private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
		private_key_id: 'test-key-1',
		token_uri: options.tokenUri,
	};
	return { serviceAccount, json: JSON.stringify({ type: 'service_account', ...serviceAccount }), publicKey };
}
