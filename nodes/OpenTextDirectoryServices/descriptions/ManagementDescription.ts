/**
 * The parameters of the management operations (core/directory/management.ts): create and delete users and groups,
 * enable / disable, unlock, passwords, move / rename. Their operations are listed with the other operations of each
 * resource (UserDescription.ts, GroupDescription.ts).
 */
import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { showFor } from './common';

/** The user operations that change an account, in the editor's order (alphabetical, as n8n lists operations). */
export const userManagementOperations: INodePropertyOptions[] = [
	{
		name: 'Create',
		value: 'create',
		description:
			'Create a user account with a login name, optional name, email, department, title and first password; an existing login is left as it is (changed: false)',
		action: 'Create a user',
	},
	{
		name: 'Delete',
		value: 'delete',
		description: 'Delete a user account permanently; a user that does not exist is left alone (changed: false)',
		action: 'Delete a user',
	},
	{
		name: 'Disable',
		value: 'disable',
		description: 'Disable a user account so the person cannot sign in; an already disabled account is not changed',
		action: 'Disable a user',
	},
	{
		name: 'Enable',
		value: 'enable',
		description: 'Enable a disabled user account so the person can sign in again; an enabled account is not changed',
		action: 'Enable a user',
	},
	{
		name: 'Move / Rename',
		value: 'move',
		description:
			"Give a user's entry a new name (its naming value) and / or move it under a new parent; OTDS REST cannot do either",
		action: 'Move or rename a user',
	},
	{
		name: 'Require Password Change',
		value: 'requirePasswordChange',
		description:
			'Make the person choose a new password at the next sign-in, keeping the current one until then; already required is not changed',
		action: 'Require a password change',
	},
	{
		name: 'Set Password',
		value: 'setPassword',
		description:
			"Replace a user's password (an administrator's reset), optionally requiring a new one at the next sign-in; the password is never returned",
		action: "Set a user's password",
	},
	{
		name: 'Unlock',
		value: 'unlock',
		description:
			'Clear the lockout of a user account locked after failed sign-ins; an account that is not locked is not changed',
		action: 'Unlock a user',
	},
];

export const groupManagementOperations: INodePropertyOptions[] = [
	{
		name: 'Create',
		value: 'create',
		description:
			'Create an empty group with a name and description; an existing group is left as it is (changed: false)',
		action: 'Create a group',
	},
	{
		name: 'Delete',
		value: 'delete',
		description:
			'Delete a group (its members stay, only the group goes); a group that does not exist is left alone (changed: false)',
		action: 'Delete a group',
	},
];

/** User operations that pick an existing user (the User locator). */
export const USER_MANAGEMENT_ON_EXISTING = [
	'delete',
	'disable',
	'enable',
	'move',
	'requirePasswordChange',
	'setPassword',
	'unlock',
];
const USER_MANAGEMENT = ['create', ...USER_MANAGEMENT_ON_EXISTING];

const errorIfPresentOrAbsent: INodeProperties = {
	displayName: 'Error If Already There / Missing',
	name: 'errorIfPresentOrAbsent',
	type: 'boolean',
	default: false,
	displayOptions: { show: { '/operation': ['create', 'delete'] } },
	description:
		'Whether creating something that already exists, or deleting something that does not, fails the item instead of returning changed: false',
};

const placeOptions: INodeProperties[] = [
	{
		displayName: 'Base DN',
		name: 'baseDN',
		type: 'string',
		default: '',
		placeholder: 'ou=people,dc=example,dc=com',
		displayOptions: { show: { '/source': ['ldap'] } },
		description:
			"Look entries up and create them under this DN instead of the credential's Base DN (the user or group base for a new entry)",
	},
	{
		displayName: 'Partition Name or ID',
		name: 'partition',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getPartitions' },
		default: '',
		displayOptions: { show: { '/source': ['otdsRest'] } },
		description:
			'The OTDS partition to work in and to create in. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
	},
];

/**
 * OTDS only: the attributes of the account flags (which ones OTDS honours when written is not public), and the
 * attribute mapping of a new user's fields.
 */
const otdsUserOptions: INodeProperties[] = [
	{
		displayName: 'Disabled Attribute (OTDS)',
		name: 'disabledAttribute',
		type: 'string',
		default: 'accountDisabled',
		displayOptions: { show: { '/source': ['otdsRest'] } },
		description:
			'The OTDS user attribute set to true to disable an account. Uncertain: no public source says which attribute OTDS honours when written; accountDisabled is the one real users show.',
	},
	{
		displayName: 'Locked-Out Attribute (OTDS)',
		name: 'lockedAttribute',
		type: 'string',
		default: 'accountLockedOut',
		displayOptions: { show: { '/source': ['otdsRest'] } },
		description:
			'The OTDS user attribute set to false to unlock an account. Uncertain: no public source says which attribute OTDS honours when written; accountLockedOut is the one real users show.',
	},
	{
		displayName: 'Must Change at Next Sign-In Attribute (OTDS)',
		name: 'mustChangeAttribute',
		type: 'string',
		default: 'UserMustChangePasswordAtNextSignIn',
		displayOptions: { show: { '/source': ['otdsRest'] } },
		description:
			'The OTDS user attribute set to true to require a new password at the next sign-in. Uncertain: no public source says which attribute OTDS honours; real users show UserMustChangePasswordAtNextSignIn and pwdReset.',
	},
	{
		displayName: 'Attribute Mapping',
		name: 'attributeMapping',
		type: 'string',
		default: '',
		placeholder: 'department=oTDepartment, title=title',
		displayOptions: { show: { '/source': ['otdsRest'], '/operation': ['create'] } },
		description:
			'Where your OTDS partition keeps a person field, as field=attribute pairs separated by commas, for the fields of a new user. Fields: mail, displayName, givenName, surname, department, title.',
	},
];

function optionsFor(resource: string, operations: string[], extra: INodeProperties[]): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: showFor(resource, operations),
		options: [...placeOptions, errorIfPresentOrAbsent, ...extra].sort((a, b) =>
			a.displayName.localeCompare(b.displayName),
		),
	};
}

const newPassword = (operations: string[], required: boolean, description: string): INodeProperties => ({
	displayName: 'Password',
	name: 'password',
	type: 'string',
	typeOptions: { password: true },
	default: '',
	required,
	displayOptions: showFor('user', operations),
	description,
});

export const userManagementFields: INodeProperties[] = [
	{
		displayName: 'Login Name',
		name: 'login',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'jdoe',
		displayOptions: showFor('user', ['create']),
		description:
			'The sign-in name of the new user: sAMAccountName in Active Directory, uid in OpenLDAP and 389 DS, the user name in OTDS',
	},
	newPassword(
		['create'],
		false,
		"The new user's first password, from an expression or a credential; never returned. Active Directory needs one for an enabled account. Active Directory and 389 DS take passwords over TLS or StartTLS only.",
	),
	newPassword(
		['setPassword'],
		true,
		'The new password, from an expression or a credential; never returned, logged or put in an error. Active Directory and 389 DS take passwords over TLS or StartTLS only.',
	),
	{
		displayName: 'Must Change at Next Sign-In',
		name: 'mustChangePassword',
		type: 'boolean',
		default: false,
		displayOptions: showFor('user', ['setPassword']),
		description: 'Whether the person must choose a new password at the next sign-in',
	},
	{
		displayName: 'Additional Fields',
		name: 'newUser',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		displayOptions: showFor('user', ['create']),
		options: [
			{
				displayName: 'Create Disabled',
				name: 'disabled',
				type: 'boolean',
				default: false,
				description: 'Whether the new account is disabled until it is enabled',
			},
			{
				displayName: 'Department',
				name: 'department',
				type: 'string',
				default: '',
				description: "The new user's department",
			},
			{
				displayName: 'Display Name',
				name: 'displayName',
				type: 'string',
				default: '',
				description: 'The name shown for the new user',
			},
			{
				displayName: 'Email',
				name: 'mail',
				type: 'string',
				default: '',
				placeholder: 'name@email.com',
				description: "The new user's email address",
			},
			{
				displayName: 'First Name',
				name: 'givenName',
				type: 'string',
				default: '',
				description: "The new user's first (given) name",
			},
			{
				displayName: 'Last Name',
				name: 'surname',
				type: 'string',
				default: '',
				description: "The new user's last name (surname)",
			},
			{
				displayName: 'Must Change Password at Next Sign-In',
				name: 'mustChangePassword',
				type: 'boolean',
				default: false,
				description: 'Whether the person must choose a new password at the first sign-in',
			},
			{
				displayName: 'Parent DN or Partition',
				name: 'parent',
				type: 'string',
				default: '',
				placeholder: 'ou=people,dc=example,dc=com',
				description:
					"Where the user is created: the parent DN in LDAP (default: the credential's user base), the partition in OTDS (default: Options → Partition)",
			},
			{
				displayName: 'Title',
				name: 'title',
				type: 'string',
				default: '',
				description: "The new user's job title",
			},
		],
	},
	{
		displayName: 'Other Attributes',
		name: 'otherAttributes',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Attribute',
		default: {},
		displayOptions: showFor('user', ['create']),
		description:
			'More attributes of the new user by their directory names; several rows for the same attribute give it several values. Password attributes are refused: use Password.',
		options: [
			{
				displayName: 'Attribute',
				name: 'attribute',
				values: [
					{
						displayName: 'Name',
						name: 'name',
						type: 'string',
						default: '',
						placeholder: 'telephoneNumber',
						description: 'The directory attribute, by its directory name',
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
	{
		displayName: 'New Name',
		name: 'newName',
		type: 'string',
		default: '',
		placeholder: 'jdoe2',
		displayOptions: showFor('user', ['move']),
		description:
			"The new value of the entry's naming attribute (e.g. the new cn or uid); empty keeps the name. Not possible over OTDS REST.",
	},
	{
		displayName: 'New Parent DN',
		name: 'newParent',
		type: 'string',
		default: '',
		placeholder: 'ou=alumni,dc=example,dc=com',
		displayOptions: showFor('user', ['move']),
		description: 'The DN to move the user under; empty keeps it where it is. Not possible over OTDS REST.',
	},
	optionsFor('user', USER_MANAGEMENT, otdsUserOptions),
];

export const groupManagementFields: INodeProperties[] = [
	{
		displayName: 'Group Name',
		name: 'groupName',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'Project Falcon',
		displayOptions: showFor('group', ['create']),
		description: 'The name of the new group (its cn in LDAP)',
	},
	{
		displayName: 'Additional Fields',
		name: 'newGroup',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		displayOptions: showFor('group', ['create']),
		options: [
			{
				displayName: 'Description',
				name: 'description',
				type: 'string',
				default: '',
				description: 'What the group is for',
			},
			{
				displayName: 'Parent DN or Partition',
				name: 'parent',
				type: 'string',
				default: '',
				placeholder: 'ou=groups,dc=example,dc=com',
				description:
					"Where the group is created: the parent DN in LDAP (default: the credential's group base), the partition in OTDS (default: Options → Partition)",
			},
		],
	},
	optionsFor('group', ['create', 'delete'], []),
];
