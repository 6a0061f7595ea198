import type { INodeProperties } from 'n8n-workflow';

const showFor = (operation: string[]) => ({ show: { resource: ['user'], operation } });

export const userOperations: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['user'] } },
		options: [
			{ name: 'Get', value: 'get', description: 'Get one user by login, email, DN or ID', action: 'Get a user' },
			{
				name: 'Search',
				value: 'search',
				description: 'Find users by attribute conditions and account state',
				action: 'Search users',
			},
		],
		default: 'search',
	},
];

const conditionFields: INodeProperties[] = [
	{
		displayName: 'Attribute',
		name: 'attribute',
		type: 'string',
		default: '',
		placeholder: 'department',
		description: 'Directory attribute name, e.g. ou, l, title, businessCategory, department',
	},
	{
		displayName: 'Operator',
		name: 'operator',
		type: 'options',
		default: 'equals',
		options: [
			{ name: 'Contains', value: 'contains' },
			{ name: 'Ends With', value: 'endsWith' },
			{ name: 'Equals', value: 'equals' },
			{ name: 'Is Not Set', value: 'notPresent' },
			{ name: 'Is Set', value: 'present' },
			{ name: 'Starts With', value: 'startsWith' },
		],
		description: 'How the attribute is compared with the value',
	},
	{
		displayName: 'Value',
		name: 'value',
		type: 'string',
		default: '',
		description: 'Compared literally: characters such as * ( ) \\ are matched as themselves, never as filter syntax',
		displayOptions: { hide: { operator: ['present', 'notPresent'] } },
	},
];

const sharedOptions: INodeProperties[] = [
	{
		displayName: 'Additional Attributes',
		name: 'additionalAttributes',
		type: 'string',
		default: '',
		placeholder: 'employeeType, preferredLanguage',
		description: 'Comma-separated directory attributes to return under "attributes" besides the standard fields',
	},
	{
		displayName: 'Base DN',
		name: 'baseDN',
		type: 'string',
		default: '',
		placeholder: 'ou=people,dc=example,dc=com',
		description: "Search under this DN instead of the credential's Base DN",
	},
];

export const userFields: INodeProperties[] = [
	{
		displayName: 'Look Up By',
		name: 'lookupBy',
		type: 'options',
		default: 'login',
		displayOptions: showFor(['get']),
		options: [
			{ name: 'Login Name', value: 'login', description: 'uid, sAMAccountName or the OTDS user name' },
			{ name: 'Email', value: 'mail' },
			{ name: 'DN', value: 'dn', description: 'The full distinguished name' },
			{ name: 'ID', value: 'id', description: 'entryUUID, objectGUID or the OTDS GUID' },
		],
		description: 'Which attribute identifies the user',
	},
	{
		displayName: 'User',
		name: 'user',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'jdoe',
		displayOptions: showFor(['get']),
		description: 'The login name, email, DN or ID of the user',
	},
	{
		displayName: 'Account State',
		name: 'state',
		type: 'options',
		default: 'any',
		displayOptions: showFor(['search']),
		options: [
			{ name: 'Any', value: 'any' },
			{ name: 'Enabled Only', value: 'enabled' },
			{ name: 'Disabled Only', value: 'disabled' },
		],
		description: 'Whether to return only enabled or only disabled accounts',
	},
	{
		displayName: 'Conditions',
		name: 'conditions',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Condition',
		default: {},
		displayOptions: showFor(['search']),
		description: 'Attribute conditions that must all hold, e.g. department equals Finance',
		options: [{ displayName: 'Condition', name: 'condition', values: conditionFields }],
	},
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		displayOptions: showFor(['search']),
		description: 'Whether to return all results or only up to a given limit',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		displayOptions: { show: { resource: ['user'], operation: ['search'], returnAll: [false] } },
		description: 'Max number of results to return',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: showFor(['get', 'search']),
		options: sharedOptions,
	},
];
