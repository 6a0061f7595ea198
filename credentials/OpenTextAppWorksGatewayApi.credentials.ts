import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

import { signedRequest, withFormField } from '../nodes/shared/push-auth';

/**
 * OpenText AppWorks Gateway (on premises): notifications to AppWorks mobile clients, addressed by OTDS
 * user and OTDS group. Either the service API (app name + otagAppKey) or the trusted-server API (key).
 * `authenticate` adds the key (the otagAppKey header, or the trusted server's `key` form field), so the
 * credential also serves n8n's HTTP Request node. The keys do not expire: there is no token to keep.
 */
export class OpenTextAppWorksGatewayApi implements ICredentialType {
	name = 'openTextAppWorksGatewayApi';

	displayName = 'OpenText AppWorks Gateway API';

	documentationUrl = 'https://github.com/opentext/otag-service-development-kit';

	icon: Icon = { light: 'file:../nodes/OpenTextPush/push.svg', dark: 'file:../nodes/OpenTextPush/push.dark.svg' };

	properties: INodeProperties[] = [
		{
			displayName: 'Gateway URL',
			name: 'gatewayUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://appworks.example.com',
			description: 'The AppWorks Gateway address, without a path',
		},
		{
			displayName: 'API',
			name: 'apiType',
			type: 'options',
			default: 'service',
			options: [
				{
					name: 'Service API (App Key)',
					value: 'service',
					description: 'POST /deployments/notifications/{app}/fcm-push with the otagAppKey header',
				},
				{
					name: 'Trusted Server API',
					value: 'trustedServer',
					description: 'POST /gateway/v2/notifications with a trusted server key (users only, no groups)',
				},
			],
			description: 'Which gateway API sends the notifications',
		},
		{
			displayName: 'App Name',
			name: 'appName',
			type: 'string',
			default: '',
			required: true,
			displayOptions: { show: { apiType: ['service'] } },
			description: 'The AppWorks service (app) whose key is below, as deployed on the gateway',
		},
		// A secret the lint does not recognise by its name: masked all the same.
		// eslint-disable-next-line @n8n/community-nodes/credential-unnecessary-password
		{
			displayName: 'App Key (OtagAppKey)',
			name: 'appKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			displayOptions: { show: { apiType: ['service'] } },
			description: 'The app key the gateway issued to that service',
		},
		{
			displayName: 'Trusted Server Name',
			name: 'trustedServerName',
			type: 'string',
			default: '',
			displayOptions: { show: { apiType: ['trustedServer'] } },
			description: 'The trusted server as registered on the gateway (for your reference; the key identifies it)',
		},
		// A secret the lint does not recognise by its name: masked all the same.
		// eslint-disable-next-line @n8n/community-nodes/credential-unnecessary-password
		{
			displayName: 'Trusted Server Key',
			name: 'trustedServerKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			displayOptions: { show: { apiType: ['trustedServer'] } },
			description: 'The key of the trusted server',
		},
		{
			displayName: 'Target App Name',
			name: 'targetAppName',
			type: 'string',
			default: '',
			displayOptions: { show: { apiType: ['service'] } },
			description:
				'The client app that shows the notification, when it is not the app above. Leave empty for the same app.',
		},
		{
			displayName: 'Notification Endpoint',
			name: 'serviceEndpoint',
			type: 'options',
			options: [
				{
					name: 'Fcm-Push (Gateway 16.5 and Later)',
					value: 'fcm-push',
					description: 'POST /deployments/notifications/{app}/fcm-push, with the Android, iOS and web settings',
				},
				{
					name: 'Push (Older Gateways, Deprecated)',
					value: 'push',
					description: 'POST /deployments/notifications/{app}/push, for a gateway that offers only that',
				},
			],
			default: 'fcm-push',
			displayOptions: { show: { apiType: ['service'] } },
			description: 'Which notification endpoint of the service API the gateway offers',
		},
		{
			displayName: 'Ignore SSL Issues (Insecure)',
			name: 'ignoreSslIssues',
			type: 'boolean',
			default: false,
			description: 'Whether to accept any TLS certificate. Only for test gateways.',
		},
	];

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		if (credentials.apiType === 'trustedServer') {
			const signed = signedRequest(requestOptions, {}, credentials);
			return { ...signed, body: withFormField(requestOptions.body, 'key', String(credentials.trustedServerKey ?? '')) };
		}
		return signedRequest(requestOptions, { otagAppKey: String(credentials.appKey ?? '') }, credentials);
	}
}
