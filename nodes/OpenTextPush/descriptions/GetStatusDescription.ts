import type { INodeProperties } from 'n8n-workflow';

const getStatus = { operation: ['getStatus'] };

export const getStatusFields: INodeProperties[] = [
	{
		displayName:
			'Delivery status is kept by OpenText Cloud Messaging only. Firebase and AppWorks Gateway report the outcome when sending: use the Send results.',
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
		default: 'push',
		displayOptions: { show: { ...getStatus, channel: ['mra'] } },
		options: [
			{ name: 'Push', value: 'push' },
			{ name: 'SMS', value: 'sms' },
			{ name: 'Email', value: 'email' },
		],
		description: 'Which kind of message the job sent (the status path differs)',
	},
];
