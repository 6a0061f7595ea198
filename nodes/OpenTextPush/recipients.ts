import type { IDataObject } from 'n8n-workflow';

import { ConfigurationError } from '../../core/errors';
import type { PushMessage } from '../../core/push/message';
import type { PushRecipient, RecipientKind } from '../../core/push/types';
import { checkReach, type ItemParameter, type NodePushChannel } from './channels';
import type { Acknowledgment, ItemRequest } from './send-plan';

import type { AudienceFieldNames } from '../shared/audience';

export type Audience = 'items' | 'users' | 'groups' | 'tokens' | 'topic' | 'condition' | 'directory';

/** The directory audience's fields in this node: named apart from its own Groups and User IDs. */
export const DIRECTORY_AUDIENCE_NAMES: AudienceFieldNames = {
	groups: 'directoryGroups',
	nested: 'directoryNested',
	conditions: 'directoryConditions',
	users: 'directoryUsers',
	combine: 'directoryCombine',
	accountState: 'directoryAccountState',
};

/** A comma-separated list (or an array from an expression) as trimmed, non-empty strings. */
export function listOf(value: unknown): string[] {
	const parts = Array.isArray(value)
		? value
		: typeof value === 'string'
			? value.split(',')
			: value === undefined || value === null
				? []
				: [value];
	return parts.map((part) => String(part).trim()).filter((part) => part !== '');
}

function text(value: unknown): string | undefined {
	if (Array.isArray(value)) value = value[0];
	if (typeof value === 'number') return String(value);
	return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * A person from an input item, in the shape the directory node outputs (AudienceMember / DirectoryUser):
 * userId (or id, else login), login, displayName, mail, mobile, deviceTokens (array or comma list).
 */
export function personFromItem(json: IDataObject): PushRecipient & { kind: 'person' } {
	const login = text(json.login);
	const userId = text(json.userId) ?? text(json.id) ?? login;
	if (userId === undefined) {
		throw new ConfigurationError(
			'Audience',
			'is "People From Input Items", but this item has no userId, id or login: connect the directory node\'s audience or user output, or map these fields with a Set node',
		);
	}
	return {
		kind: 'person',
		userId,
		login,
		displayName: text(json.displayName),
		mail: text(json.mail),
		mobile: text(json.mobile),
		deviceTokens: listOf(json.deviceTokens),
	};
}

/** The recipients one input item (its JSON and parameters) contributes. */
export function itemRecipients(parameter: ItemParameter, json: IDataObject, audience: Audience): PushRecipient[] {
	switch (audience) {
		case 'items':
			return [personFromItem(json)];
		case 'users':
			return listOf(parameter('userIds')).map((id) => ({ kind: 'person', userId: id, login: id }));
		case 'groups':
			return listOf(parameter('groups')).map((group) => ({ kind: 'group', group }));
		case 'tokens':
			return listOf(parameter('deviceTokens')).map((token) => ({ kind: 'token', token }));
		case 'topic':
			return listOf(parameter('topic')).map((topic) => ({ kind: 'topic', topic }));
		case 'condition':
			return [{ kind: 'condition', condition: String(parameter('condition')).trim() }];
		case 'directory':
			// Its people are read from the directory page by page while sending (sendAudience), never listed here.
			return [];
	}
}

/** The message of one input item, from the message parameters. */
export function itemMessage(parameter: ItemParameter): PushMessage {
	const fields = parameter('additionalFields', {}) as IDataObject;
	const message: PushMessage = {
		title: (parameter('title', '') as string) || undefined,
		body: (parameter('body', '') as string) || undefined,
	};
	const pairs = ((fields.data as IDataObject | undefined)?.field ?? []) as Array<{ key?: string; value?: unknown }>;
	if (pairs.length > 0) {
		message.data = {};
		for (const { key, value } of pairs) {
			const name = String(key ?? '').trim();
			if (name === '') throw new ConfigurationError('Data', 'has a field without a key');
			message.data[name] = typeof value === 'string' ? value : JSON.stringify(value ?? '');
		}
	}
	if (text(fields.link)) message.link = text(fields.link);
	if (text(fields.image)) message.image = text(fields.image);
	if (fields.priority === 'high' || fields.priority === 'normal') message.priority = fields.priority;
	if (typeof fields.ttlSeconds === 'number') message.ttlSeconds = fields.ttlSeconds;
	if (text(fields.collapseKey)) message.collapseKey = text(fields.collapseKey);
	if (text(fields.category)) message.category = text(fields.category);
	if (fields.silent === true) message.silent = true;
	if (parameter('requireAcknowledgment', false) === true) message.requireAcknowledgment = true;
	return message;
}

/** What one input item asks for: its message, its acknowledgment link settings when it needs one, its recipients. */
export function itemRequest(parameter: ItemParameter, json: IDataObject, audience: Audience): ItemRequest {
	const message = itemMessage(parameter);
	let acknowledgment: Acknowledgment | undefined;
	if (message.requireAcknowledgment) {
		acknowledgment = {
			noticeId: String(parameter('noticeId')).trim(),
			webhookUrl: String(parameter('acknowledgmentWebhookUrl')).trim(),
			ttlSeconds: Math.round(Number(parameter('acknowledgmentValidHours', 72)) * 3600),
		};
	}
	return { message, acknowledgment, recipients: itemRecipients(parameter, json, audience) };
}

/** The kind of recipient each audience gives: whether the channel reaches it is the channel's declaration. */
export const AUDIENCE_KIND: Record<Audience, RecipientKind> = {
	items: 'person',
	users: 'person',
	groups: 'group',
	tokens: 'token',
	topic: 'topic',
	condition: 'condition',
	directory: 'person',
};

/** Refuses an audience the channel cannot reach, before anything is sent. */
export function checkAudience(audience: Audience, channel: NodePushChannel): void {
	const kind = AUDIENCE_KIND[audience];
	if (kind) checkReach(channel, kind, audience);
}
