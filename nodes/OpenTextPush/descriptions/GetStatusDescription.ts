import type { INodeProperties } from 'n8n-workflow';

const getStatus = { operation: ['getStatus'] };

export const getStatusFields: INodeProperties[] = [
	{
		displayName:
			'Delivery status is kept by OpenText Cloud Messaging (SMS and email jobs) only. Firebase and AppWorks Gateway report the outcome when sending: use the Send results.',
		name: 'statusNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { ...getStatus, channel: ['fcm', 'appworks'] } },
	},
	{
		displayName: 'Message ID',
		name: 'messageId',
		type: 'string',
		default: '={{ $json.messageId }}',
		required: true,
		displayOptions: { show: { ...getStatus, channel: ['mra'] } },
		description: 'The job ID a send returned (messageId in its results)',
	},
	{
		displayName: 'Sent As',
		name: 'statusKind',
		type: 'options',
		default: 'sms',
		displayOptions: { show: { ...getStatus, channel: ['mra'] } },
		options: [
			{ name: 'SMS', value: 'sms', description: 'A job of the SMS fallback (channel mraSms)' },
			{ name: 'Email', value: 'emails', description: 'A job of the email fallback (channel mraEmail)' },
		],
		description: 'Which kind of job to look up. Push jobs (MRA parser) have no public status API.',
	},
];
