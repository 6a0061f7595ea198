/**
 * Parameters several resources share: how a user or a group is picked (resource locators with a
 * searchable list), attribute conditions, "return all or limit", and the read options.
 */
import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { conditionValueField, operatorOptions } from '../../shared/audience';

export { conditionValueField, operatorOptions };

export type Show = NonNullable<INodeProperties['displayOptions']>['show'];

export const showFor = (resource: string, operation: string[]): { show: Show } => ({
	show: { resource: [resource], operation },
});

type LocatorMode = { name: string; displayName: string; placeholder: string };

/** A picker: a searchable list (a listSearch method), or a value typed in one of the other modes. */
function locator(what: string, searchListMethod: string, modes: LocatorMode[]) {
	return (name: string, displayName: string, show: Show, description: string): INodeProperties => ({
		displayName,
		name,
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		displayOptions: { show },
		description,
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				placeholder: `Select a ${what}...`,
				typeOptions: { searchListMethod, searchable: true },
			},
			...modes.map((mode) => ({ ...mode, type: 'string' as const })),
		],
	});
}

/** A user, picked from a searchable list or typed as a login name, email, DN or ID. */
export const userLocator = locator('user', 'searchUsers', [
	{ displayName: 'By Login Name', name: 'login', placeholder: 'jdoe' },
	{ displayName: 'By Email', name: 'mail', placeholder: 'jdoe@example.com' },
	{ displayName: 'By DN', name: 'dn', placeholder: 'uid=jdoe,ou=people,dc=example,dc=com' },
	{ displayName: 'By ID', name: 'id', placeholder: 'entryUUID, objectGUID or the OTDS ID' },
]);

/** A group, picked from a searchable list or typed as a name, DN or ID. */
export const groupLocator = locator('group', 'searchGroups', [
	{ displayName: 'By Name', name: 'name', placeholder: 'Finance' },
	{ displayName: 'By DN', name: 'dn', placeholder: 'cn=Finance,ou=groups,dc=example,dc=com' },
	{ displayName: 'By ID', name: 'id', placeholder: 'entryUUID, objectGUID or Finance@partition' },
]);

/** The Operation dropdown of one resource. */
export function operationsOf(
	resource: string,
	options: INodePropertyOptions[],
	defaultOperation: string,
): INodeProperties[] {
	return [
		{
			displayName: 'Operation',
			name: 'operation',
			type: 'options',
			noDataExpression: true,
			displayOptions: { show: { resource: [resource] } },
			options,
			default: defaultOperation,
		},
	];
}

/** Conditions on directory attributes by name, all of which must hold. */
export function attributeConditions(show: Show, description: string): INodeProperties {
	return {
		displayName: 'Conditions',
		name: 'conditions',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Condition',
		default: {},
		displayOptions: { show },
		description,
		options: [
			{
				displayName: 'Condition',
				name: 'condition',
				values: [
					{
						displayName: 'Attribute',
						name: 'attribute',
						type: 'string',
						default: '',
						placeholder: 'department',
						description: 'Directory attribute name, e.g. ou, l, title, businessCategory, department, oTDepartment',
					},
					{
						displayName: 'Operator',
						name: 'operator',
						type: 'options',
						default: 'equals',
						options: operatorOptions,
						description: 'How the attribute is compared with the value',
					},
					conditionValueField,
				],
			},
		],
	};
}

/**
 * "Return All" and "Limit" for a list operation. `returnAllByDefault` where everything is the common case (an
 * audience is notified whole).
 */
export function returnAllAndLimit(
	resource: string,
	operation: string[],
	returnAllByDefault = false,
): INodeProperties[] {
	const returnAll: INodeProperties = {
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		displayOptions: showFor(resource, operation),
		description: 'Whether to return all results or only up to a given limit',
	};
	return [
		// n8n's scanner wants a boolean's default written as a literal.
		returnAllByDefault ? { ...returnAll, default: true } : returnAll,
		{
			displayName: 'Limit',
			name: 'limit',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 50,
			displayOptions: { show: { resource: [resource], operation, returnAll: [false] } },
			description: 'Max number of results to return',
		},
	];
}

/** Where to read (base DN for LDAP, partition for OTDS REST) and what to return besides the standard fields. */
export const readOptions: INodeProperties[] = [
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
		displayOptions: { show: { '/source': ['ldap'] } },
		description: "Search under this DN instead of the credential's Base DN",
	},
	{
		displayName: 'Partition Name or ID',
		name: 'partition',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getPartitions' },
		default: '',
		displayOptions: { show: { '/source': ['otdsRest'] } },
		description:
			'The OTDS partition to work in; empty: every partition the account can see. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
	},
	{
		displayName: 'Attribute Mapping',
		name: 'attributeMapping',
		type: 'string',
		default: '',
		placeholder: 'businessUnit=oTExtraAttr3, mobile=oTMobilePhone',
		displayOptions: { show: { '/source': ['otdsRest'] } },
		description:
			'Where your OTDS partition keeps a person field, as field=attribute pairs separated by commas. Fields: mail, displayName, givenName, surname, department, location, title, businessUnit, mobile, employeeNumber, manager, memberOf.',
	},
	{
		displayName: 'Group Members Source',
		name: 'membersSource',
		type: 'options',
		default: 'auto',
		displayOptions: { show: { '/source': ['otdsRest'] } },
		options: [
			{
				name: 'Auto',
				value: 'auto',
				description: 'The group members endpoint where OTDS has it, else derived from oTMemberOf',
			},
			{ name: 'Members Endpoint', value: 'groupsMembers', description: 'GET /rest/groups/{ID}/members' },
			{ name: 'Derived From Users', value: 'derived', description: 'Users whose oTMemberOf names the group' },
		],
		description: 'How OTDS group members are listed (not every OTDS version has the members endpoint)',
	},
	{
		displayName: 'Privileged Groups',
		name: 'privilegedGroups',
		type: 'string',
		default: '',
		placeholder: 'Domain Admins; cn=otadmins,ou=groups,dc=example,dc=com',
		description: 'Group names or DNs (separated by semicolons) whose groups are returned with "privileged": true',
	},
];

const otdsWriteMethod: INodeProperties = {
	displayName: 'Write Method',
	name: 'writeMethod',
	type: 'options',
	default: 'PATCH',
	displayOptions: { show: { '/source': ['otdsRest'] } },
	options: [
		{ name: 'PATCH (Changed Attributes)', value: 'PATCH' },
		{ name: 'PUT (All Writable Attributes)', value: 'PUT' },
	],
	description: "How attribute changes are sent to OTDS; PATCH is what OpenText's own clients use",
};

export function readOptionsCollection(
	resource: string,
	operation: string[],
	extra: INodeProperties[] = [],
): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: showFor(resource, operation),
		options: [
			...readOptions,
			...(operation.some((name) => ['update', 'record'].includes(name)) ? [otdsWriteMethod] : []),
			...extra,
		].sort((a, b) => a.displayName.localeCompare(b.displayName)),
	};
}
