import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { DirectoryConfigurationError } from '../../core/errors';
import type { PushMessage } from '../../core/push/message';
import type { PushRecipient } from '../../core/push/types';

export type Audience = 'items' | 'users' | 'groups' | 'tokens' | 'topic' | 'condition';

/** A comma-separated list (or an array from an expression) as trimmed, non-empty strings. */
export function listOf(value: unknown): string[] {
	const parts = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : value === undefined || value === null ? [] : [value];
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
		throw new DirectoryConfigurationError(
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

/** The recipients one input item contributes. */
export function itemRecipients(context: IExecuteFunctions, itemIndex: number, audience: Audience): PushRecipient[] {
	switch (audience) {
		case 'items':
			return [personFromItem(context.getInputData()[itemIndex].json)];
		case 'users':
			return listOf(context.getNodeParameter('userIds', itemIndex)).map((id) => ({ kind: 'person', userId: id, login: id }));
		case 'groups':
			return listOf(context.getNodeParameter('groups', itemIndex)).map((group) => ({ kind: 'group', group }));
		case 'tokens':
			return listOf(context.getNodeParameter('deviceTokens', itemIndex)).map((token) => ({ kind: 'token', token }));
		case 'topic':
			return listOf(context.getNodeParameter('topic', itemIndex)).map((topic) => ({ kind: 'topic', topic }));
		case 'condition':
			return [{ kind: 'condition', condition: String(context.getNodeParameter('condition', itemIndex)).trim() }];
	}
}

/** The message of one input item, from the message parameters. */
export function itemMessage(context: IExecuteFunctions, itemIndex: number): PushMessage {
	const fields = context.getNodeParameter('additionalFields', itemIndex, {}) as IDataObject;
	const message: PushMessage = {
		title: (context.getNodeParameter('title', itemIndex, '') as string) || undefined,
		body: (context.getNodeParameter('body', itemIndex, '') as string) || undefined,
	};
	const pairs = ((fields.data as IDataObject | undefined)?.field ?? []) as Array<{ key?: string; value?: unknown }>;
	if (pairs.length > 0) {
		message.data = {};
		for (const { key, value } of pairs) {
			const name = String(key ?? '').trim();
			if (name === '') throw new DirectoryConfigurationError('Data', 'has a field without a key');
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
	if (context.getNodeParameter('requireAcknowledgment', itemIndex, false) === true) message.requireAcknowledgment = true;
	return message;
}

/** Which channels can reach which audience; a mismatch is refused before anything is sent. */
const AUDIENCE_CHANNELS: Record<Audience, { channels: string[]; names: string }> = {
	items: { channels: ['fcm', 'mra', 'appworks'], names: 'every channel' },
	users: { channels: ['fcm', 'mra', 'appworks'], names: 'every channel' },
	groups: { channels: ['appworks'], names: 'OpenText AppWorks Gateway' },
	tokens: { channels: ['fcm', 'mra'], names: 'Firebase Cloud Messaging and OpenText Cloud Messaging' },
	topic: { channels: ['fcm', 'mra'], names: 'Firebase Cloud Messaging and OpenText Cloud Messaging' },
	condition: { channels: ['fcm'], names: 'Firebase Cloud Messaging' },
};

export function checkAudience(audience: Audience, channel: string): void {
	const allowed = AUDIENCE_CHANNELS[audience];
	if (allowed && !allowed.channels.includes(channel)) {
		throw new DirectoryConfigurationError('Audience', `"${audience}" works with ${allowed.names} only: choose another audience or channel`);
	}
}
