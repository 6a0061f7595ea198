import type { INodeProperties } from 'n8n-workflow';

import {
	attributeConditions,
	operationsOf,
	readOptionsCollection,
	returnAllAndLimit,
	showFor,
	userLocator,
} from './common';
import { USER_MANAGEMENT_ON_EXISTING, userManagementFields, userManagementOperations } from './ManagementDescription';

export const userOperations = operationsOf(
	'user',
	[
		...userManagementOperations,
		{ name: 'Get', value: 'get', description: 'Get one user by login, email, DN or ID', action: 'Get a user' },
		{
			name: 'Get Many',
			value: 'search',
			description: 'Find users by attribute conditions and account state',
			action: 'Get many users',
		},
		{
			name: 'Update Attributes',
			value: 'update',
			description: "Set, add or remove values of a user's attributes",
			action: "Update a user's attributes",
		},
	].sort((a, b) => a.name.localeCompare(b.name)),
	'search',
);

export const userFields: INodeProperties[] = [
	userLocator(
		'user',
		'User',
		{ resource: ['user'], operation: ['get', 'update', ...USER_MANAGEMENT_ON_EXISTING] },
		'The user to read or change',
	),
	{
		displayName: 'Account State',
		name: 'state',
		type: 'options',
		default: 'any',
		displayOptions: showFor('user', ['search']),
		options: [
			{ name: 'Any', value: 'any' },
			{ name: 'Enabled Only', value: 'enabled' },
			{ name: 'Disabled Only', value: 'disabled' },
		],
		description: 'Whether to return only enabled or only disabled accounts',
	},
	attributeConditions(
		{ resource: ['user'], operation: ['search'] },
		'Attribute conditions that must all hold, e.g. department equals Finance',
	),
	...returnAllAndLimit('user', ['search']),
	{
		displayName: 'Changes',
		name: 'changes',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Change',
		default: {},
		required: true,
		displayOptions: showFor('user', ['update']),
		description:
			'The changes, applied together: all of them or none. Several rows for the same attribute and action add up to one value list.',
		options: [
			{
				displayName: 'Change',
				name: 'change',
				values: [
					{
						displayName: 'Attribute',
						name: 'attribute',
						type: 'string',
						default: '',
						placeholder: 'telephoneNumber',
						description: 'The directory attribute to change, by its directory name',
					},
					{
						displayName: 'Action',
						name: 'action',
						type: 'options',
						default: 'set',
						// n8n's lint reads any options parameter named "action" as an operation, whose options need an
						// action text (the wording n8n's node panel shows for operations); here it repeats the choice.
						options: [
							{
								name: 'Set (Replace All Values)',
								value: 'set',
								description: 'Replace all values; an empty value clears the attribute',
								action: 'Replace all values',
							},
							{
								name: 'Add Value',
								value: 'add',
								description: 'Add the value, keeping the others; adding one that is there changes nothing',
								action: 'Add a value',
							},
							{
								name: 'Remove Value',
								value: 'remove',
								description: 'Remove the value; an empty value removes the whole attribute',
								action: 'Remove a value',
							},
						],
						description: 'What to do with the value',
					},
					{
						displayName: 'Value',
						name: 'value',
						type: 'string',
						default: '',
						description: 'One value; add more rows for more values',
					},
				],
			},
		],
	},
	readOptionsCollection('user', ['get', 'search', 'update']),
	...userManagementFields,
];
