import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * The secret that signs acknowledgment links (HMAC-SHA256). The OpenText Push node signs with it when a
 * message requires acknowledgment; the OpenText Push Trigger verifies with it. Both must use the same
 * credential. Nothing is sent anywhere, so there is no connection test.
 */
export class OpenTextPushAcknowledgmentApi implements ICredentialType {
	name = 'openTextPushAcknowledgmentApi';

	displayName = 'OpenText Push Acknowledgment Signing API';

	// A secret of this package only (no service issues it): HMAC's own specification says how long and how random
	// a key should be.
	documentationUrl = 'https://www.ietf.org/rfc/rfc2104';

	icon: Icon = {
		light: 'file:../nodes/OpenTextPushTrigger/pushAck.svg',
		dark: 'file:../nodes/OpenTextPushTrigger/pushAck.dark.svg',
	};

	properties: INodeProperties[] = [
		{
			displayName: 'Signing Secret',
			name: 'signingSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'At least 16 characters (32 random ones recommended). Signs acknowledgment links; anyone who knows it can forge acknowledgments.',
		},
		{
			displayName: 'Previous Signing Secret',
			name: 'previousSigningSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'During a rotation, the old secret: links signed with it are still accepted until they expire. Leave empty otherwise.',
		},
	];
}
