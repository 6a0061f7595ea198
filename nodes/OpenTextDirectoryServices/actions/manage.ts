/**
 * The management operations (create, delete, enable / disable, unlock, passwords, move / rename) over the core's
 * DirectoryManagement, which each source implements with its own mechanism. Items are `{changed, dn, user | group}`;
 * a password is read from its parameter and handed to the core, never put in an item.
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { DirectoryBackend } from '../../../core/directory/backend';
import {
	canManage,
	type DirectoryManagement,
	type GroupManagementResult,
	type NewUser,
	type PresenceOptions,
	type UserManagementResult,
} from '../../../core/directory/management';
import { ConfigurationError } from '../../../core/errors';
import { readGroupLocator, readUserLocator } from './locators';
import type { Operation } from './operation';

type Managed = DirectoryBackend & DirectoryManagement;

/** The backend, if it can manage accounts; a clear error otherwise (nothing is written). */
function managing(backend: DirectoryBackend): Managed {
	if (!canManage(backend))
		throw new ConfigurationError(
			'Source',
			`cannot create, delete, enable, disable, unlock or set passwords with this ${backend.kind === 'ldap' ? 'LDAP' : 'OTDS REST'} source in this version: use Update Attributes, or a newer version of this package`,
		);
	return backend;
}

const optionsOf = (context: IExecuteFunctions, itemIndex: number): IDataObject =>
	context.getNodeParameter('options', itemIndex, {}) as IDataObject;

function presenceOf(context: IExecuteFunctions, itemIndex: number): PresenceOptions {
	return { errorIfPresentOrAbsent: optionsOf(context, itemIndex).errorIfPresentOrAbsent === true };
}

const text = (value: unknown): string | undefined =>
	typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;

function userItem(result: UserManagementResult): IDataObject {
	return {
		changed: result.changed,
		dn: result.dn ?? null,
		...(result.user ? { user: result.user } : {}),
	} as IDataObject;
}

function groupItem(result: GroupManagementResult): IDataObject {
	return {
		changed: result.changed,
		dn: result.dn ?? null,
		...(result.group ? { group: result.group } : {}),
	} as IDataObject;
}

/** Rows of Other Attributes → attribute → values (rows of one attribute add up). */
export function attributesFromRows(rows: Array<{ name?: string; value?: string }>): Record<string, string[]> {
	const attributes: Record<string, string[]> = {};
	const names = new Map<string, string>();
	for (const row of rows) {
		const name = String(row.name ?? '').trim();
		if (name === '')
			throw new ConfigurationError('Other Attributes', 'has a row without a name: fill it in or remove the row');
		const key = names.get(name.toLowerCase()) ?? name;
		names.set(name.toLowerCase(), key);
		const value = String(row.value ?? '');
		attributes[key] = [...(attributes[key] ?? []), ...(value === '' ? [] : [value])];
	}
	return attributes;
}

const createUser: Operation = async (context, backend, itemIndex) => {
	const fields = context.getNodeParameter('newUser', itemIndex, {}) as IDataObject;
	const rows = context.getNodeParameter('otherAttributes.attribute', itemIndex, []) as Array<{
		name?: string;
		value?: string;
	}>;
	const user: NewUser = {
		login: String(context.getNodeParameter('login', itemIndex, '')),
		password: (context.getNodeParameter('password', itemIndex, '') as string) || undefined,
		parent: text(fields.parent),
		givenName: text(fields.givenName),
		surname: text(fields.surname),
		displayName: text(fields.displayName),
		mail: text(fields.mail),
		department: text(fields.department),
		title: text(fields.title),
		attributes: rows.length > 0 ? attributesFromRows(rows) : undefined,
		disabled: fields.disabled === true,
		mustChangePassword: fields.mustChangePassword === true,
	};
	return [userItem(await managing(backend).createUser(user, presenceOf(context, itemIndex)))];
};

/** An operation on an existing user, picked with the User locator. */
function onUser(
	run: (
		backend: Managed,
		user: ReturnType<typeof readUserLocator>,
		context: IExecuteFunctions,
		itemIndex: number,
	) => Promise<UserManagementResult>,
): Operation {
	return async (context, backend, itemIndex) => {
		const managed = managing(backend);
		return [userItem(await run(managed, readUserLocator(context, 'user', itemIndex), context, itemIndex))];
	};
}

const setPassword = onUser((backend, user, context, itemIndex) =>
	backend.setPassword(user, context.getNodeParameter('password', itemIndex, '') as string, {
		mustChange: context.getNodeParameter('mustChangePassword', itemIndex, false) === true,
	}),
);

const moveUser = onUser((backend, user, context, itemIndex) =>
	backend.moveUser(user, {
		newName: text(context.getNodeParameter('newName', itemIndex, '')),
		newParent: text(context.getNodeParameter('newParent', itemIndex, '')),
	}),
);

const createGroup: Operation = async (context, backend, itemIndex) => {
	const fields = context.getNodeParameter('newGroup', itemIndex, {}) as IDataObject;
	const group = {
		name: String(context.getNodeParameter('groupName', itemIndex, '')),
		description: text(fields.description),
		parent: text(fields.parent),
	};
	return [groupItem(await managing(backend).createGroup(group, presenceOf(context, itemIndex)))];
};

const deleteGroup: Operation = async (context, backend, itemIndex) => {
	const managed = managing(backend);
	const group = readGroupLocator(context, 'group', itemIndex);
	return [groupItem(await managed.deleteGroup(group, presenceOf(context, itemIndex)))];
};

export const USER_MANAGEMENT_OPERATIONS: Record<string, Operation> = {
	create: createUser,
	delete: onUser((backend, user, context, itemIndex) => backend.deleteUser(user, presenceOf(context, itemIndex))),
	enable: onUser((backend, user) => backend.setUserEnabled(user, true)),
	disable: onUser((backend, user) => backend.setUserEnabled(user, false)),
	unlock: onUser((backend, user) => backend.unlockUser(user)),
	setPassword,
	requirePasswordChange: onUser((backend, user) => backend.requirePasswordChange(user)),
	move: moveUser,
};

export const GROUP_MANAGEMENT_OPERATIONS: Record<string, Operation> = { create: createGroup, delete: deleteGroup };
