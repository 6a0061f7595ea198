import type { INodeProperties } from 'n8n-workflow';

import { groupManagementFields, groupManagementOperations } from './ManagementDescription';
import { groupLocator, operationsOf, readOptionsCollection, returnAllAndLimit, showFor, userLocator } from './common';

export const groupOperations = operationsOf(
	'group',
	[
		...groupManagementOperations,
		{
			name: 'Add Member',
			value: 'addMember',
			description: 'Make a user a direct member of a group',
			action: 'Add a member to a group',
		},
		{ name: 'Get', value: 'get', description: 'Get one group by name, DN or ID', action: 'Get a group' },
		{ name: 'Get Many', value: 'search', description: 'Find groups by name', action: 'Get many groups' },
		{
			name: 'Get Members',
			value: 'getMembers',
			description: 'List the people in a group, directly or through nested groups',
			action: 'Get the members of a group',
		},
		{
			name: 'Remove Member',
			value: 'removeMember',
			description: 'Remove a direct member from a group',
			action: 'Remove a member from a group',
		},
	].sort((a, b) => a.name.localeCompare(b.name)),
	'getMembers',
);

export const groupFields: INodeProperties[] = [
	groupLocator(
		'group',
		'Group',
		{ resource: ['group'], operation: ['get', 'getMembers', 'addMember', 'removeMember', 'delete'] },
		'The group to read or change',
	),
	userLocator(
		'member',
		'User',
		{ resource: ['group'], operation: ['addMember', 'removeMember'] },
		'The user to add or remove',
	),
	{
		displayName: 'Include Nested Groups',
		name: 'nested',
		type: 'boolean',
		default: true,
		displayOptions: showFor('group', ['getMembers']),
		description:
			'Whether to include the people of groups inside the group (at any depth, each person once, cycles cut)',
	},
	{
		displayName: 'Name Contains',
		name: 'nameContains',
		type: 'string',
		default: '',
		displayOptions: showFor('group', ['search']),
		description: 'Only groups whose name contains this text (case-insensitive, matched literally); empty: all groups',
	},
	...returnAllAndLimit('group', ['search', 'getMembers']),
	readOptionsCollection('group', ['get', 'search', 'getMembers', 'addMember', 'removeMember']),
	...groupManagementFields,
];
