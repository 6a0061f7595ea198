import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { audienceDefinitionFields, missingUsersOption } from '../../shared/audience';
import { sourceProperty } from '../../shared/directory-node';
import { PUSH_CHANNELS, reaches } from '../channels';
import { AUDIENCE_KIND, DIRECTORY_AUDIENCE_NAMES, type Audience } from '../recipients';

const send = { operation: ['send'] };

/** The audiences, each with the kind of recipient it gives (recipients.ts). */
const AUDIENCE_OPTIONS: Array<INodePropertyOptions & { value: Audience }> = [
	{
		name: 'Condition',
		value: 'condition',
		description: "Everyone whose topics meet a condition such as 'news' in topics && 'eu' in topics",
	},
	{ name: 'Device Tokens', value: 'tokens', description: 'Devices by their push registration tokens' },
	{
		name: 'Directory Audience',
		value: 'directory',
		description:
			'Everyone of a directory audience (groups, conditions, users), read page by page and sent as it is read: one summary item out, not one per person, so audiences of any size fit one execution',
	},
	{ name: 'OTDS Groups', value: 'groups', description: 'Everyone in OTDS groups, expanded by the gateway' },
	{
		name: 'People From Input Items',
		value: 'items',
		description:
			"One person per input item, e.g. from the directory node's audience or user search: userId (or ID), login, mail, mobile, deviceTokens",
	},
	{ name: 'Topic', value: 'topic', description: 'Everyone subscribed to a topic' },
	{ name: 'User IDs', value: 'users', description: 'People by their sign-in names or user IDs, typed in' },
];

/** The Channel values of the channels that reach this audience. */
const channelsFor = (audience: Audience): string[] =>
	PUSH_CHANNELS.filter((channel) => reaches(channel, AUDIENCE_KIND[audience])).map((channel) => channel.option.value);

/** Shown for this audience, on the channels that reach it. */
const showForAudience = (audience: Audience) => ({
	show: { ...send, audience: [audience], channel: channelsFor(audience) },
});

/**
 * Who the message goes to: one Audience parameter per channel, offering only what that channel reaches (its
 * declaration in core/push/channels/), so no choice made in the editor fails at run time. The run-time check
 * stays for expressions and workflows edited by hand.
 */
const audienceFields: INodeProperties[] = [
	...PUSH_CHANNELS.map((channel): INodeProperties => ({
		displayName: 'Audience',
		name: 'audience',
		type: 'options',
		noDataExpression: true,
		default: 'items',
		displayOptions: { show: { ...send, channel: [channel.option.value] } },
		options: AUDIENCE_OPTIONS.filter((option) => reaches(channel, AUDIENCE_KIND[option.value])),
		description: 'Who receives the message',
	})),
	{
		displayName: 'User IDs',
		name: 'userIds',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'jdoe, asmith',
		displayOptions: showForAudience('users'),
		description: 'Sign-in names or user IDs, separated by commas',
	},
	{
		displayName: 'OTDS Groups',
		name: 'groups',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'Finance, Managers',
		displayOptions: showForAudience('groups'),
		description: 'OTDS group names, separated by commas. The gateway expands them to their members.',
	},
	{
		displayName: 'Device Tokens',
		name: 'deviceTokens',
		type: 'string',
		// A registration token lets whoever holds the project's key reach that phone: shown masked, like a secret.
		typeOptions: { password: true },
		default: '',
		required: true,
		displayOptions: showForAudience('tokens'),
		description: 'Push registration tokens of the devices, separated by commas, or an expression giving an array',
	},
	{
		displayName: 'Topic',
		name: 'topic',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'service-announcements',
		displayOptions: showForAudience('topic'),
		description: 'The topic name (without /topics/)',
	},
	{
		displayName: 'Condition',
		name: 'condition',
		type: 'string',
		default: '',
		required: true,
		placeholder: "'finance' in topics && 'emea' in topics",
		displayOptions: showForAudience('condition'),
		description: 'A Firebase topic condition (up to five topics)',
	},
];

/** What the message says. */
const messageFields: INodeProperties[] = [
	{
		displayName: 'Title',
		name: 'title',
		type: 'string',
		default: '',
		displayOptions: { show: send },
		description: 'The notification title. Leave Title and Body empty only for a silent (data-only) message.',
	},
	{
		displayName: 'Body',
		name: 'body',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '',
		displayOptions: { show: send },
		description: 'The notification text',
	},
	{
		displayName: 'Require Acknowledgment',
		name: 'requireAcknowledgment',
		type: 'boolean',
		default: false,
		// `hide`, not `show: { operation }`: the acknowledgment credential depends on this field, and n8n's editor
		// hides every parameter named in a `show` of such a field, which would hide Operation itself.
		displayOptions: { hide: { operation: ['getStatus'] } },
		description:
			'Whether each person gets a signed acknowledgment link (data fields ackUrl and ackToken) that an OpenText Push Trigger verifies. Only for people, not topics or groups.',
	},
	{
		displayName: 'Notice ID',
		name: 'noticeId',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'outage-2026-11-26',
		displayOptions: { show: { ...send, requireAcknowledgment: [true] } },
		description:
			'Names the notice in acknowledgments (1 to 128 letters, digits and . _ : -). Use the same ID to record acknowledgments on the directory.',
	},
	{
		displayName: 'Acknowledgment Webhook URL',
		name: 'acknowledgmentWebhookUrl',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'https://n8n.example.com/webhook/…/acknowledgment',
		displayOptions: { show: { ...send, requireAcknowledgment: [true] } },
		description:
			'The production URL of the OpenText Push Trigger that receives the acknowledgments (copy it from that node)',
	},
	{
		displayName: 'Acknowledgment Valid For (Hours)',
		name: 'acknowledgmentValidHours',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 720 },
		default: 72,
		displayOptions: { show: { ...send, requireAcknowledgment: [true] } },
		description: 'After this, the link is refused as expired (at most 30 days)',
	},
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		displayOptions: { show: send },
		options: [
			{
				displayName: 'Category',
				name: 'category',
				type: 'string',
				default: '',
				description: 'Android notification channel ID or APNs category',
			},
			{
				displayName: 'Collapse Key',
				name: 'collapseKey',
				type: 'string',
				default: '',
				description: 'Messages with the same key replace each other on the device: only the latest shows',
			},
			{
				displayName: 'Data',
				name: 'data',
				type: 'fixedCollection',
				typeOptions: { multipleValues: true },
				default: {},
				placeholder: 'Add Data Field',
				description: 'Key/value pairs for the app (values are sent as text)',
				options: [
					{
						displayName: 'Field',
						name: 'field',
						values: [
							{ displayName: 'Key', name: 'key', type: 'string', default: '', description: 'The data key' },
							{ displayName: 'Value', name: 'value', type: 'string', default: '', description: 'The value, as text' },
						],
					},
				],
			},
			{
				displayName: 'Image URL',
				name: 'image',
				type: 'string',
				default: '',
				description: 'An image shown with the notification (https URL)',
			},
			{
				displayName: 'Link',
				name: 'link',
				type: 'string',
				default: '',
				description: 'The URL or deep link opened when the notification is tapped',
			},
			{
				displayName: 'Priority',
				name: 'priority',
				type: 'options',
				default: 'normal',
				options: [
					{ name: 'Normal', value: 'normal' },
					{ name: 'High', value: 'high', description: 'Wakes a sleeping device: for urgent notices only' },
				],
				description: 'Delivery priority',
			},
			{
				displayName: 'Silent (Data Only)',
				name: 'silent',
				type: 'boolean',
				default: false,
				description: 'Whether to send data only, with no visible notification (the app handles it)',
			},
			{
				displayName: 'Time to Live (Seconds)',
				name: 'ttlSeconds',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 2419200 },
				default: 86400,
				description: 'How long the service keeps the message for an offline device (0: deliver now or never)',
			},
		],
	},
];

const sendOptions: INodeProperties[] = [
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: send },
		options: (
			[
				{
					displayName: 'Batch Size',
					name: 'batchSize',
					type: 'number',
					typeOptions: { minValue: 1, maxValue: 1000 },
					default: 100,
					description:
						'Recipients per request, for channels that take several at once: the AppWorks Gateway (Firebase and Cloud Messaging send one per request). For audiences of hundreds of thousands, 1,000 makes a tenth of the requests.',
				},
				{
					displayName: 'Concurrency',
					name: 'concurrency',
					type: 'number',
					typeOptions: { minValue: 1, maxValue: 100 },
					default: 20,
					description: 'Requests in flight at once',
				},
				{
					displayName: 'Dry Run',
					name: 'dryRun',
					type: 'boolean',
					default: false,
					description:
						'Whether to build and check every request without sending anything: each result shows the request as preview',
				},
				{
					displayName: 'Fail the Run on Any Failed Recipient',
					name: 'failOnAnyFailure',
					type: 'boolean',
					default: false,
					description:
						'Whether the node fails when any recipient failed or had a dead token. By default failures are only reported in the results.',
				},
				{
					displayName: 'Idempotency Key',
					name: 'messageKey',
					type: 'string',
					default: '',
					description:
						'Identifies this message across runs (e.g. the event ID), so a re-run does not send twice where the service honours it. Default: derived from the message content.',
				},
				{
					displayName: 'Max Attempts',
					name: 'maxAttempts',
					type: 'number',
					typeOptions: { minValue: 1, maxValue: 10 },
					default: 4,
					description:
						'Attempts per request when the service is busy (429) or unavailable (5xx), honouring Retry-After',
				},
				{
					displayName: 'Retry Ambiguous Failures',
					name: 'retryAmbiguous',
					type: 'boolean',
					default: true,
					description:
						'Whether to send again when the connection broke or timed out after the request went out, so the service may already have it. On: nobody is missed, but Firebase, which does not de-duplicate, may deliver such a message twice. Off: that recipient is reported failed (ETIMEDOUT, ECONNRESET) and may or may not have received it.',
				},
				...PUSH_CHANNELS.flatMap((channel) =>
					(channel.optionFields ?? []).map((field): INodeProperties => ({
						...field,
						displayOptions: { show: { '/channel': [channel.option.value] } },
					})),
				),
			] as INodeProperties[]
		).sort((a, b) => a.displayName.localeCompare(b.displayName)),
	},
];

/**
 * A directory audience: where the people are (the directory node's credentials), who they are (the directory
 * node's audience fields, under names of their own here) and how they are read.
 */
const directoryAudienceFields: INodeProperties[] = [
	{
		...sourceProperty("Where the audience is read: the directory node's credentials"),
		name: 'directorySource',
		default: 'ldap',
		displayOptions: showForAudience('directory'),
	},
	...audienceDefinitionFields(showForAudience('directory'), DIRECTORY_AUDIENCE_NAMES),
	{
		displayName: 'Audience Options',
		name: 'audienceOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: showForAudience('directory'),
		options: [
			{
				displayName: 'Base DN',
				name: 'baseDN',
				type: 'string',
				default: '',
				placeholder: 'ou=people,dc=example,dc=com',
				displayOptions: { show: { '/directorySource': ['ldap'] } },
				description: "Where people are searched (LDAP); default: the credential's Base DN",
			},
			{
				displayName: 'Device Token Attribute',
				name: 'deviceRegistrationAttribute',
				type: 'string',
				default: '',
				placeholder: 'otdpDeviceToken',
				description: "Directory attribute holding the person's push device tokens (Firebase, Cloud Messaging push)",
			},
			{
				displayName: 'Max Failures Listed',
				name: 'maxFailuresListed',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 100000 },
				default: 1000,
				description:
					'Recipients not reached (failed, dead token, no address) output as items of their own; the rest are counted in the summary',
			},
			{
				displayName: 'Partition',
				name: 'partition',
				type: 'string',
				default: '',
				displayOptions: { show: { '/directorySource': ['otdsRest'] } },
				description: 'The OTDS partition whose people are read; default: all',
			},
			{
				displayName: 'People per Page',
				name: 'pageSize',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 5000 },
				default: 500,
				description:
					'People read from the directory at a time; memory holds about one page and the requests in flight, whatever the audience size',
			},
			missingUsersOption,
		],
	},
];

/** The channels' own parameters (e.g. Cloud Messaging's fallback) come between the message and the options. */
export const sendFields: INodeProperties[] = [
	...audienceFields,
	...directoryAudienceFields,
	...messageFields,
	...PUSH_CHANNELS.flatMap((channel) => channel.sendFields ?? []),
	...sendOptions,
];
