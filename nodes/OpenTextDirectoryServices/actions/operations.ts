/**
 * What each operation does with the directory, per item. Everything here speaks the core's
 * DirectoryBackend, so LDAP and OTDS REST behave the same; the n8n parts are reading parameters.
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { AcknowledgmentStore } from '../../../core/acknowledgments';
import { resolveAudience, type AudienceSpec } from '../../../core/audience';
import type { AccountState, AttributeChange, DirectoryBackend } from '../../../core/directory/backend';
import { ConfigurationError } from '../../../core/errors';
import type { AttributeCondition } from '../../../core/directory/conditions';
import { audienceSpecFrom } from '../../shared/audience';
import { splitList } from '../../shared/parameter-text';
import { readGroupLocator, readUserLocator } from './locators';
import { GROUP_MANAGEMENT_OPERATIONS, USER_MANAGEMENT_OPERATIONS } from './manage';
import type { Operation } from './operation';

export type { Operation } from './operation';

const json = (value: unknown) => value as IDataObject;

function optionsOf(context: IExecuteFunctions, itemIndex: number): IDataObject {
	return context.getNodeParameter('options', itemIndex, {}) as IDataObject;
}

function extraAttributesOf(context: IExecuteFunctions, itemIndex: number): string[] {
	return splitList(optionsOf(context, itemIndex).additionalAttributes as string | undefined);
}

/** Return All and Limit: 0 means all. */
function limitOf(context: IExecuteFunctions, itemIndex: number, returnAllByDefault = false): number {
	return context.getNodeParameter('returnAll', itemIndex, returnAllByDefault)
		? 0
		: (context.getNodeParameter('limit', itemIndex, 50) as number);
}

async function collect<T>(pages: AsyncGenerator<T[]>, limit = 0): Promise<IDataObject[]> {
	const out: IDataObject[] = [];
	for await (const page of pages) {
		for (const entry of page) {
			out.push(json(entry));
			if (limit > 0 && out.length >= limit) return out;
		}
	}
	return out;
}

// ---- users -------------------------------------------------------------------------------------

const getUser: Operation = async (context, backend, itemIndex) => {
	const user = readUserLocator(context, 'user', itemIndex);
	return [json(await backend.getUser(user.key, user.value, extraAttributesOf(context, itemIndex)))];
};

const searchUsers: Operation = async (context, backend, itemIndex) => {
	const limit = limitOf(context, itemIndex);
	const conditions = context.getNodeParameter('conditions.condition', itemIndex, []) as AttributeCondition[];
	const state = context.getNodeParameter('state', itemIndex, 'any') as AccountState;
	return collect(
		backend.searchUsers({ conditions, state, limit, extraAttributes: extraAttributesOf(context, itemIndex) }),
		limit,
	);
};

/** Rows of the editor's Changes list, merged by attribute and action into the core's changes. */
export function changesFromRows(
	rows: Array<{ attribute?: string; action?: string; value?: string }>,
): AttributeChange[] {
	if (rows.length === 0) throw new ConfigurationError('Changes', 'is empty: add at least one change');
	const merged = new Map<string, AttributeChange>();
	for (const row of rows) {
		const attribute = String(row.attribute ?? '').trim();
		if (attribute === '')
			throw new ConfigurationError('Changes', 'has a row without an attribute name: fill it in or remove the row');
		const action = (row.action ?? 'set') as AttributeChange['action'];
		if (!['set', 'add', 'remove'].includes(action))
			throw new ConfigurationError('Changes', `has an unknown action "${action}"`);
		const key = `${attribute.toLowerCase()}\u0000${action}`;
		const change = merged.get(key) ?? { attribute, action, values: [] };
		const value = String(row.value ?? '');
		if (value !== '') change.values.push(value);
		merged.set(key, change);
	}
	return [...merged.values()];
}

const updateUser: Operation = async (context, backend, itemIndex) => {
	const user = readUserLocator(context, 'user', itemIndex);
	const rows = context.getNodeParameter('changes.change', itemIndex, []) as Array<{
		attribute?: string;
		action?: string;
		value?: string;
	}>;
	return [json(await backend.updateUserAttributes(user.key, user.value, changesFromRows(rows)))];
};

// ---- groups ------------------------------------------------------------------------------------

const getGroup: Operation = async (context, backend, itemIndex) => {
	const group = readGroupLocator(context, 'group', itemIndex);
	return [json(await backend.getGroup(group.key, group.value, extraAttributesOf(context, itemIndex)))];
};

const searchGroups: Operation = async (context, backend, itemIndex) => {
	const limit = limitOf(context, itemIndex);
	const nameContains = (context.getNodeParameter('nameContains', itemIndex, '') as string).trim() || undefined;
	return collect(
		backend.searchGroups({ nameContains, limit, extraAttributes: extraAttributesOf(context, itemIndex) }),
		limit,
	);
};

const getMembers: Operation = async (context, backend, itemIndex) => {
	const group = readGroupLocator(context, 'group', itemIndex);
	const nested = context.getNodeParameter('nested', itemIndex, true) as boolean;
	return collect(
		backend.groupMembers(group.key, group.value, { nested, extraAttributes: extraAttributesOf(context, itemIndex) }),
		limitOf(context, itemIndex),
	);
};

function membership(action: 'add' | 'remove'): Operation {
	return async (context, backend, itemIndex) => {
		const group = readGroupLocator(context, 'group', itemIndex);
		const user = readUserLocator(context, 'member', itemIndex);
		const result =
			action === 'add' ? await backend.addGroupMember(group, user) : await backend.removeGroupMember(group, user);
		return [
			{
				action,
				group: group.value,
				user: user.value,
				...(result ? { changed: result.changed, groupDn: result.groupDn, userDn: result.userDn } : {}),
			},
		];
	};
}

// ---- audiences and acknowledgments -------------------------------------------------------------

/** The audience described by the editor's fields (shared by Audience → Resolve and Acknowledgment → List). */
export function audienceSpecOf(context: IExecuteFunctions, itemIndex: number): AudienceSpec {
	return audienceSpecFrom(
		(name, fallback) => context.getNodeParameter(name, itemIndex, fallback),
		optionsOf(context, itemIndex),
	);
}

const resolve: Operation = async (context, backend, itemIndex) =>
	collect(
		resolveAudience(backend, {
			...audienceSpecOf(context, itemIndex),
			limit: limitOf(context, itemIndex, true) || undefined,
		}),
	);

function storeOf(context: IExecuteFunctions, backend: DirectoryBackend, itemIndex: number): AcknowledgmentStore {
	const options = optionsOf(context, itemIndex);
	return new AcknowledgmentStore(backend, {
		attribute: context.getNodeParameter('attribute', itemIndex) as string,
		auxiliaryObjectClass: String(options.auxiliaryObjectClass ?? '').trim() || undefined,
	});
}

const recordAcknowledgment: Operation = async (context, backend, itemIndex) => {
	const user = readUserLocator(context, 'user', itemIndex);
	const noticeId = (context.getNodeParameter('noticeId', itemIndex) as string).trim();
	const at = String(optionsOf(context, itemIndex).acknowledgedAt ?? '').trim() || undefined;
	return [json(await storeOf(context, backend, itemIndex).record(user, noticeId, at))];
};

const listAcknowledgments: Operation = async (context, backend, itemIndex) => {
	const noticeId = (context.getNodeParameter('noticeId', itemIndex) as string).trim();
	const show = context.getNodeParameter('show', itemIndex, 'pending') as 'all' | 'acknowledged' | 'pending';
	const out: IDataObject[] = [];
	for await (const page of storeOf(context, backend, itemIndex).list(
		noticeId,
		audienceSpecOf(context, itemIndex),
		show,
	)) {
		for (const status of page)
			out.push({
				noticeId: status.noticeId,
				acknowledged: status.acknowledged,
				acknowledgedAt: status.at ?? null,
				...json(status.user),
			});
	}
	return out;
};

/** resource → operation → what it does. */
export const OPERATIONS: Record<string, Record<string, Operation>> = {
	user: { get: getUser, search: searchUsers, update: updateUser, ...USER_MANAGEMENT_OPERATIONS },
	group: {
		...GROUP_MANAGEMENT_OPERATIONS,
		get: getGroup,
		search: searchGroups,
		getMembers,
		addMember: membership('add'),
		removeMember: membership('remove'),
	},
	audience: { resolve },
	acknowledgment: { record: recordAcknowledgment, list: listAcknowledgments },
};
