import type { INodeProperties } from 'n8n-workflow';

import { PUSH_CHANNELS } from '../channels';

const getStatus = { operation: ['getStatus'] };
const channelsWithStatus = PUSH_CHANNELS.filter((channel) => channel.status).map((channel) => channel.option.value);
const channelsWithoutStatus = PUSH_CHANNELS.filter((channel) => !channel.status).map((channel) => channel.option.value);

export const getStatusFields: INodeProperties[] = [
	{
		displayName:
			'Delivery status is kept by OpenText Cloud Messaging (SMS and email jobs) only. Firebase and AppWorks Gateway report the outcome when sending: use the Send results.',
		name: 'statusNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { ...getStatus, channel: channelsWithoutStatus } },
	},
	{
		displayName: 'Message ID',
		name: 'messageId',
		type: 'string',
		default: '={{ $json.messageId }}',
		required: true,
		displayOptions: { show: { ...getStatus, channel: channelsWithStatus } },
		description: 'The job ID a send returned (messageId in its results)',
	},
	...PUSH_CHANNELS.flatMap((channel) => channel.status?.fields ?? []),
];
