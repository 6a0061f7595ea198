import type { ICredentialDataDecryptedObject, IDataObject, INodeProperties } from 'n8n-workflow';

import { ConfigurationError } from '../../../core/errors';
import {
	MRA_EMAIL_REACH,
	MRA_PUSH_REACH,
	MRA_SMS_REACH,
	MraClient,
	type MraJobKind,
} from '../../../core/push/channels/mra';
import type { PushChannel } from '../../../core/push/types';
import type { RetryPolicy } from '../../../transport/http/retry';
import type { HttpTransport } from '../../../transport/http/types';
import { n8nHttpTransport } from '../../shared/http-transport';
import { cloudMessagingAuth } from '../../shared/push-auth';
import { text, type ItemParameter, type NodePushChannel } from './channel';

/** Which MRA channels follow push, in order, for people without a device token or with dead ones. */
export type MraFallback = 'none' | 'sms' | 'email' | 'smsThenEmail' | 'emailThenSms';

/**
 * The Cloud Messaging client of an `openTextCloudMessagingApi` credential. signedByTransport: the transport
 * (n8n's authenticated requests) signs the requests, and the client adds nothing.
 */
export function cloudMessagingClient(
	transport: HttpTransport,
	credential: ICredentialDataDecryptedObject,
	options: { retry?: RetryPolicy; pushOverride?: Record<string, unknown>; signedByTransport?: boolean } = {},
): MraClient {
	return new MraClient(transport, {
		baseUrl: text(credential.baseUrl),
		...(options.signedByTransport ? { signedByTransport: true } : { auth: cloudMessagingAuth(credential) }),
		retry: options.retry,
		pushOverride: options.pushOverride,
	});
}

/** A JSON parameter as an object ({} when empty). */
function jsonParameter(parameter: ItemParameter, name: string): Record<string, unknown> {
	const value = parameter(name, '{}');
	let parsed: unknown = value;
	if (typeof value === 'string') {
		try {
			parsed = value.trim() === '' ? {} : (JSON.parse(value) as unknown);
		} catch {
			parsed = undefined;
		}
	}
	if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
		throw new ConfigurationError(
			'Push Request Override (JSON)',
			'must be a JSON object, e.g. {"options": {"sound": "alert"}}',
		);
	}
	return parsed as Record<string, unknown>;
}

const send = { operation: ['send'] };

const sendFields: INodeProperties[] = [
	{
		displayName: 'Fallback',
		name: 'mraFallback',
		type: 'options',
		default: 'none',
		displayOptions: { show: { ...send, channel: ['mra'] } },
		options: [
			{ name: 'Email', value: 'email', description: 'People without a live device token get an email (their mail)' },
			{
				name: 'Email, Then SMS',
				value: 'emailThenSms',
				description: 'Email, or SMS for people without a mail address',
			},
			{ name: 'None', value: 'none', description: 'Push only' },
			{ name: 'SMS', value: 'sms', description: 'People without a live device token get an SMS (their mobile)' },
			{
				name: 'SMS, Then Email',
				value: 'smsThenEmail',
				description: 'SMS, or email for people without a mobile number',
			},
		],
		description: 'What reaches people that push cannot reach',
	},
];

/** In the Options collection: most users never need it. */
const optionFields: INodeProperties[] = [
	{
		displayName: 'Push Request Override (JSON)',
		name: 'pushOverride',
		type: 'json',
		default: '{}',
		description:
			"Fields that replace those of the push request the node builds (destinations, notification, data, options). The tenant's own push schema is not public: use this to match it.",
	},
];

const statusFields: INodeProperties[] = [
	{
		displayName: 'Sent As',
		name: 'statusKind',
		type: 'options',
		default: 'sms',
		displayOptions: { show: { operation: ['getStatus'], channel: ['mra'] } },
		options: [
			{ name: 'SMS', value: 'sms', description: 'A job of the SMS fallback (channel mraSms)' },
			{ name: 'Email', value: 'emails', description: 'A job of the email fallback (channel mraEmail)' },
		],
		description: 'Which kind of job to look up. Push jobs (MRA parser) have no public status API.',
	},
];

export const cloudMessagingChannel: NodePushChannel = {
	option: {
		name: 'OpenText Cloud Messaging',
		value: 'mra',
		description: 'OpenText Notifications (MRA): push, with SMS and email fallback',
	},
	credential: 'openTextCloudMessagingApi',
	credentialTest: 'cloudMessagingCredentialTest',
	reach: [MRA_PUSH_REACH, MRA_SMS_REACH, MRA_EMAIL_REACH],
	sendFields,
	optionFields,
	build(transport, credential, { retry, parameter }) {
		const fallback = parameter('mraFallback', 'none') as MraFallback;
		const pushOverride = jsonParameter(parameter, 'options.pushOverride');
		const client = cloudMessagingClient(transport, credential, { retry, pushOverride, signedByTransport: true });
		const sms = client.smsChannel();
		const email = client.emailChannel();
		const after: Record<MraFallback, PushChannel[]> = {
			none: [],
			sms: [sms],
			email: [email],
			smsThenEmail: [sms, email],
			emailThenSms: [email, sms],
		};
		return [client.pushChannel(), ...after[fallback]];
	},
	/**
	 * Reads the status of a job that does not exist. A refused credential or an unreachable host fails; "no
	 * such job" means the credential was accepted.
	 */
	async testCredential(helpers, credential) {
		const transport = n8nHttpTransport(helpers, { skipSslCertificateValidation: credential.ignoreSslIssues === true });
		const client = cloudMessagingClient(transport, credential, { retry: { maxAttempts: 1 } });
		let outcome: unknown;
		try {
			await client.jobStatus('sms', 'otdp-credential-test');
		} catch (error) {
			outcome = error;
		}
		if (
			outcome instanceof ConfigurationError &&
			outcome.field === 'Job ID' &&
			!/could not be looked up/.test(outcome.message)
		) {
			return `Signed in to ${client.apiUrl}`;
		}
		if (outcome !== undefined) throw outcome;
		return `Signed in to ${client.apiUrl}`;
	},
	/** SMS and email jobs; push jobs (MRA parser) have no public status API. */
	status: {
		fields: statusFields,
		open(transport, credential) {
			const client = cloudMessagingClient(transport, credential, {
				retry: { maxAttempts: 3 },
				signedByTransport: true,
			});
			return async (jobId, parameter) => {
				const status = await client.jobStatus(parameter('statusKind') as MraJobKind, jobId);
				return {
					jobId: status.jobId,
					jobState: status.jobState,
					deliveries: status.deliveries as unknown as IDataObject[],
					events: status.events as IDataObject,
					raw: status.raw as IDataObject,
				};
			};
		},
	},
};
