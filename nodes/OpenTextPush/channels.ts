import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { DirectoryConfigurationError } from '../../core/errors';
import { FcmAccessTokens, parseServiceAccount, type ServiceAccount } from '../../core/push/channels/fcm-auth';
import { FcmChannel } from '../../core/push/channels/fcm';
import type { PushChannel } from '../../core/push/types';
import type { RetryPolicy } from '../../transport/http/retry';
import type { HttpTransport } from '../../transport/http/types';
import { n8nHttpTransport, type N8nHttpHelpers } from '../shared/http-transport';

export type ChannelChoice = 'fcm' | 'mra' | 'appworks';

/** The credential each channel choice needs. */
export const CHANNEL_CREDENTIAL: Record<ChannelChoice, string> = {
	fcm: 'openTextFirebaseCloudMessagingApi',
	mra: 'openTextCloudMessagingApi',
	appworks: 'openTextAppWorksGatewayApi',
};

function text(value: unknown): string {
	return typeof value === 'string' ? value.trim() : '';
}

/** The service account of a Firebase credential, with the Project ID override applied. */
export function firebaseAccount(credential: ICredentialDataDecryptedObject): ServiceAccount {
	const raw = text(credential.serviceAccountJson);
	if (raw === '') throw new DirectoryConfigurationError('Service Account JSON', 'is empty: paste the key file of a service account');
	const account = parseServiceAccount(raw);
	const projectId = text(credential.projectId);
	return projectId === '' ? account : { ...account, project_id: projectId };
}

export interface ChannelSetup {
	channels: PushChannel[];
	transport: HttpTransport;
}

/** Builds the channels of a send from the chosen channel's credential. */
export function buildChannels(
	helpers: N8nHttpHelpers,
	choice: ChannelChoice,
	credential: ICredentialDataDecryptedObject,
	options: { retry: RetryPolicy; dryRun: boolean },
): ChannelSetup {
	const transport = n8nHttpTransport(helpers, { skipSslCertificateValidation: credential.ignoreSslIssues === true });
	switch (choice) {
		case 'fcm': {
			const baseUrl = text(credential.apiBaseUrl) || undefined;
			return { transport, channels: [new FcmChannel(transport, { serviceAccount: firebaseAccount(credential), baseUrl, retry: options.retry })] };
		}
		default:
			throw new DirectoryConfigurationError(
				'Channel',
				`"${choice}" is not available in this version yet: choose Firebase Cloud Messaging`,
			);
	}
}

/** What the credential test of each channel does: sign in, and say so. Never repeats a secret. */
export async function testFirebaseCredential(helpers: N8nHttpHelpers, credential: ICredentialDataDecryptedObject): Promise<string> {
	const account = firebaseAccount(credential);
	const tokens = new FcmAccessTokens(n8nHttpTransport(helpers), account, { retry: { maxAttempts: 1 } });
	await tokens.token();
	return `Signed in as ${account.client_email} (project ${account.project_id})`;
}
