/**
 * Who an audience is, as the editor asks for it: groups (nested or not), attribute conditions, explicit users,
 * how they combine and which accounts count. The directory node's Audience › Resolve and Acknowledgment › List
 * and the push node's Directory Audience show the same fields (under their own parameter names) and read them
 * into the core's AudienceSpec here.
 */
import type { IDataObject, INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import type { AudienceCondition, AudienceSpec } from '../../core/audience';
import type { AccountState, UserField } from '../../core/directory/backend';
import type { ConditionOperator } from '../../core/directory/conditions';
import { splitList } from './parameter-text';

export const operatorOptions: INodePropertyOptions[] = [
	{ name: 'Contains', value: 'contains' },
	{ name: 'Ends With', value: 'endsWith' },
	{ name: 'Equals', value: 'equals' },
	{ name: 'Is Not Set', value: 'notPresent' },
	{ name: 'Is Set', value: 'present' },
	{ name: 'Starts With', value: 'startsWith' },
];

export const conditionValueField: INodeProperties = {
	displayName: 'Value',
	name: 'value',
	type: 'string',
	default: '',
	description: 'Compared literally: characters such as * ( ) \\ are matched as themselves, never as filter syntax',
	displayOptions: { hide: { operator: ['present', 'notPresent'] } },
};

/** The parameter names of the audience fields in one node. */
/** What an audience does with a listed user the directory does not have (an option of both nodes' audiences). */
export const missingUsersOption: INodeProperties = {
	displayName: 'Unknown Users',
	name: 'missingUsers',
	type: 'options',
	default: 'error',
	options: [
		{ name: 'Fail', value: 'error', description: 'Stop with an error naming the user' },
		{ name: 'Skip', value: 'skip', description: 'Leave them out' },
	],
	description: 'What to do when a listed user does not exist',
};

export interface AudienceFieldNames {
	groups: string;
	nested: string;
	conditions: string;
	users: string;
	combine: string;
	accountState: string;
}

/** The directory node's names (its workflows and templates depend on them). */
export const DIRECTORY_NODE_AUDIENCE_NAMES: AudienceFieldNames = {
	groups: 'groups',
	nested: 'nested',
	conditions: 'audienceConditions',
	users: 'users',
	combine: 'combine',
	accountState: 'accountState',
};

/** The audience fields, shown under `displayOptions`. */
export function audienceDefinitionFields(
	displayOptions: INodeProperties['displayOptions'],
	names: AudienceFieldNames = DIRECTORY_NODE_AUDIENCE_NAMES,
): INodeProperties[] {
	return [
		{
			displayName: 'Groups',
			name: names.groups,
			type: 'fixedCollection',
			typeOptions: { multipleValues: true },
			placeholder: 'Add Group',
			default: {},
			displayOptions,
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
			name: names.nested,
			type: 'boolean',
			default: true,
			displayOptions,
			description: 'Whether people in groups inside those groups belong to the audience too',
		},
		{
			displayName: 'Conditions',
			name: names.conditions,
			type: 'fixedCollection',
			typeOptions: { multipleValues: true },
			placeholder: 'Add Condition',
			default: {},
			displayOptions,
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
			name: names.users,
			type: 'string',
			default: '',
			placeholder: 'jdoe, asmith',
			displayOptions,
			description: 'Login names of people who belong to the audience, separated by commas',
		},
		{
			displayName: 'Combine',
			name: names.combine,
			type: 'options',
			default: 'union',
			displayOptions,
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
			name: names.accountState,
			type: 'options',
			default: 'enabled',
			displayOptions,
			options: [
				{ name: 'Enabled Only', value: 'enabled' },
				{ name: 'Any', value: 'any' },
				{ name: 'Disabled Only', value: 'disabled' },
			],
			description: 'Which accounts to keep; a disabled account cannot read a message',
		},
	];
}

interface ConditionRow {
	field?: string;
	attribute?: string;
	operator?: string;
	value?: string;
}

/** Reads one item's parameters under these names. */
export type AudienceParameter = (name: string, fallback: unknown) => unknown;

/**
 * The audience the fields describe, with the read options the node keeps elsewhere (device token attribute,
 * more attributes, unknown users).
 */
export function audienceSpecFrom(
	parameter: AudienceParameter,
	options: IDataObject,
	names: AudienceFieldNames = DIRECTORY_NODE_AUDIENCE_NAMES,
): AudienceSpec {
	const groups = (parameter(`${names.groups}.group`, []) as Array<{ group?: string }>)
		.map((row) => String(row.group ?? '').trim())
		.filter((group) => group !== '');
	const conditions = (parameter(`${names.conditions}.condition`, []) as ConditionRow[]).map(
		(row): AudienceCondition => {
			const operator = (row.operator ?? 'equals') as ConditionOperator;
			if (row.field === 'attribute')
				return { attribute: String(row.attribute ?? '').trim(), operator, value: row.value };
			return { field: (row.field ?? 'department') as UserField, operator, value: row.value };
		},
	);
	return {
		groups,
		nested: parameter(names.nested, true) as boolean,
		conditions,
		users: splitList(parameter(names.users, '') as string),
		combine: parameter(names.combine, 'union') as AudienceSpec['combine'],
		accountState: parameter(names.accountState, 'enabled') as AccountState,
		deviceTokenAttribute: String(options.deviceRegistrationAttribute ?? '').trim() || undefined,
		extraAttributes: splitList(options.additionalAttributes as string | undefined),
		missingUsers: (options.missingUsers as AudienceSpec['missingUsers']) ?? 'error',
	};
}
