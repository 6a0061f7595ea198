/** Reading the user and group pickers (resource locators) into the core's lookup keys. */
import type { IExecuteFunctions, INodeParameterResourceLocator } from 'n8n-workflow';

import type { GroupKey, UserKey } from '../../../core/directory/backend';
import { ConfigurationError } from '../../../core/errors';

const USER_MODES: Record<string, UserKey> = { list: 'dn', login: 'login', mail: 'mail', dn: 'dn', id: 'id' };
const GROUP_MODES: Record<string, GroupKey> = { list: 'dn', name: 'name', dn: 'dn', id: 'id' };

function locatorValue(
	context: IExecuteFunctions,
	name: string,
	itemIndex: number,
	field: string,
): { mode: string; value: string } {
	const raw = context.getNodeParameter(name, itemIndex) as INodeParameterResourceLocator | string;
	// A plain string (an expression or an older workflow) is read as a login name or group name.
	const locator = typeof raw === 'string' ? { mode: '', value: raw } : raw;
	const value = String(locator.value ?? '').trim();
	if (value === '')
		throw new ConfigurationError(field, 'is empty: pick one from the list, or enter it by one of the other ways');
	return { mode: String(locator.mode ?? ''), value };
}

export function readUserLocator(
	context: IExecuteFunctions,
	name: string,
	itemIndex: number,
	field = 'User',
): { key: UserKey; value: string } {
	const { mode, value } = locatorValue(context, name, itemIndex, field);
	return { key: USER_MODES[mode] ?? 'login', value };
}

export function readGroupLocator(
	context: IExecuteFunctions,
	name: string,
	itemIndex: number,
	field = 'Group',
): { key: GroupKey; value: string } {
	const { mode, value } = locatorValue(context, name, itemIndex, field);
	return { key: GROUP_MODES[mode] ?? 'name', value };
}
