import type { INodeProperties } from 'n8n-workflow';

import { audienceFields, deviceTokenOption } from './AudienceDescription';
import { operationsOf, readOptionsCollection, showFor, userLocator } from './common';

export const acknowledgmentOperations = operationsOf(
	'acknowledgment',
	[
		{
			name: 'Record',
			value: 'record',
			description: "Write on the user's directory record that they acknowledged a notice",
			action: 'Record an acknowledgment',
		},
		{
			name: 'List',
			value: 'list',
			description: 'Who in an audience has, or has not, acknowledged a notice',
			action: 'List acknowledgments of a notice',
		},
	],
	'record',
);

const both = ['record', 'list'];

export const acknowledgmentFields: INodeProperties[] = [
	userLocator('user', 'User', { resource: ['acknowledgment'], operation: ['record'] }, 'Who acknowledged the notice'),
	{
		displayName: 'Notice ID',
		name: 'noticeId',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'outage-2026-11-26',
		displayOptions: showFor('acknowledgment', both),
		description: "The notice's identifier: letters, digits and . _ : - (up to 128).",
	},
	{
		displayName: 'Acknowledgment Attribute',
		name: 'attribute',
		type: 'string',
		default: 'otdpAcknowledgment',
		required: true,
		displayOptions: showFor('acknowledgment', both),
		description:
			'The multi-valued directory attribute that holds acknowledgments, one value per notice: its ID, a bar and the time, e.g. "outage-2026-11-26|2026-11-26T09:30:00.000Z" (in OTDS REST, a custom user attribute of the partition)',
	},
	...audienceFields('acknowledgment', ['list']),
	{
		displayName: 'Show',
		name: 'show',
		type: 'options',
		default: 'pending',
		displayOptions: showFor('acknowledgment', ['list']),
		options: [
			{ name: 'Not Yet Acknowledged', value: 'pending', description: 'The people still to chase' },
			{ name: 'Acknowledged', value: 'acknowledged' },
			{ name: 'Everyone', value: 'all' },
		],
		description: 'Which people of the audience to return',
	},
	readOptionsCollection('acknowledgment', both, [
		{
			displayName: 'Acknowledged At',
			name: 'acknowledgedAt',
			type: 'dateTime',
			default: '',
			displayOptions: { show: { '/operation': ['record'] } },
			description: 'When the user acknowledged (ISO 8601); empty: now',
		},
		{
			displayName: 'Auxiliary Object Class',
			name: 'auxiliaryObjectClass',
			type: 'string',
			default: '',
			placeholder: 'otdpRecipient',
			displayOptions: { show: { '/source': ['ldap'] } },
			description: 'An LDAP object class that allows the attribute, added to the user in the same change when missing',
		},
		{ ...deviceTokenOption, displayOptions: { show: { '/operation': ['list'] } } },
	]),
];
