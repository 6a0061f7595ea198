import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { APPWORKS_REACH, AppWorksChannel, type AppWorksSettings } from '../../../core/push/channels/appworks';
import { n8nHttpTransport } from '../../shared/http-transport';
import { text, type NodePushChannel } from './channel';

/** The AppWorks Gateway settings of an `openTextAppWorksGatewayApi` credential. */
export function appWorksSettings(credential: ICredentialDataDecryptedObject, batchSize?: number): AppWorksSettings {
	const gatewayUrl = text(credential.gatewayUrl);
	if (credential.apiType === 'trustedServer') {
		return {
			api: 'trustedServer',
			gatewayUrl,
			trustedServerKey: typeof credential.trustedServerKey === 'string' ? credential.trustedServerKey : '',
			batchSize,
		};
	}
	return {
		api: 'service',
		gatewayUrl,
		appName: text(credential.appName),
		appKey: typeof credential.appKey === 'string' ? credential.appKey : '',
		targetAppName: text(credential.targetAppName) || undefined,
		serviceEndpoint: credential.serviceEndpoint === 'push' ? 'push' : 'fcm-push',
		batchSize,
	};
}

export const appWorksChannel: NodePushChannel = {
	option: {
		name: 'OpenText AppWorks Gateway',
		value: 'appworks',
		description: 'AppWorks mobile clients, addressed by OTDS user and group',
	},
	credential: 'openTextAppWorksGatewayApi',
	credentialTest: 'appWorksCredentialTest',
	reach: [APPWORKS_REACH],
	build: (transport, credential, { batchSize }) => [
		new AppWorksChannel(transport, { ...appWorksSettings(credential, batchSize), signedByTransport: true }),
	],
	/** The channel's own check: a notification with no recipients, which delivers nothing. */
	async testCredential(helpers, credential) {
		const transport = n8nHttpTransport(helpers, { skipSslCertificateValidation: credential.ignoreSslIssues === true });
		return await new AppWorksChannel(transport, appWorksSettings(credential)).checkCredential();
	},
};
