import type {
	ICredentialTestFunctions,
	ICredentialsDecrypted,
	IDataObject,
	IExecuteFunctions,
	INodeCredentialTestResult,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError, sleep } from 'n8n-workflow';

import { DirectoryConfigurationError } from '../../core/errors';
import { AckTokenConfigurationError, acknowledgmentData } from '../../core/push/ack-token';
import { dispatch } from '../../core/push/dispatcher';
import { messageFingerprint, recipientLabel, type PushMessage } from '../../core/push/message';
import type { DeliveryResult, PushRecipient } from '../../core/push/types';
import { acknowledgmentSecrets, testAcknowledgmentSecret } from '../shared/acknowledgment';
import { toNodeError } from '../shared/errors';
import { legacyRequestHelpers } from '../shared/http-transport';
import {
	buildChannels,
	CHANNEL_CREDENTIAL,
	testAppWorksCredential,
	testCloudMessagingCredential,
	testFirebaseCredential,
	type ChannelChoice,
	type MraFallback,
} from './channels';
import { getStatusFields } from './descriptions/GetStatusDescription';
import { sendFields } from './descriptions/SendDescription';
import { checkAudience, itemMessage, itemRecipients, type Audience } from './recipients';
import { getDeliveryStatus } from './status';

interface Acknowledgment {
	noticeId: string;
	webhookUrl: string;
	ttlSeconds: number;
}

/** Input items that share one message (the same title, body, data... after expressions) are sent together. */
interface SendGroup {
	message: PushMessage;
	acknowledgment?: Acknowledgment;
	recipients: PushRecipient[];
	/** `<kind>|<label>` → the first input item that asked for this recipient. */
	itemOf: Map<string, number>;
	items: number[];
}

const recipientKey = (kind: string, label: string) => `${kind}|${label}`;

/** Errors of the token module, in the vocabulary toNodeError knows. */
function domainError(error: unknown): unknown {
	return error instanceof AckTokenConfigurationError ? new DirectoryConfigurationError(error.field, error.message.slice(error.field.length + 1)) : error;
}

/** A JSON parameter as an object ({} when empty). */
function jsonParameter(context: IExecuteFunctions, name: string, itemIndex: number): Record<string, unknown> {
	const value = context.getNodeParameter(name, itemIndex, '{}') as unknown;
	let parsed: unknown = value;
	if (typeof value === 'string') {
		try {
			parsed = value.trim() === '' ? {} : (JSON.parse(value) as unknown);
		} catch {
			parsed = undefined;
		}
	}
	if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
		throw new DirectoryConfigurationError('Push Request Override (JSON)', 'must be a JSON object, e.g. {"options": {"sound": "alert"}}');
	}
	return parsed as Record<string, unknown>;
}

function resultJson(result: DeliveryResult, noticeId?: string): IDataObject {
	const json: IDataObject = {
		status: result.status,
		channel: result.channel,
		recipient: result.recipient,
		recipientKind: result.recipientKind,
		address: result.address ?? null,
		messageId: result.messageId ?? null,
		errorCode: result.errorCode ?? null,
		reason: result.reason ?? null,
		attempts: result.attempts,
	};
	if (result.idempotencyKey) json.idempotencyKey = result.idempotencyKey;
	if (result.fellBackFrom?.length) json.fellBackFrom = result.fellBackFrom;
	if (noticeId) json.noticeId = noticeId;
	if (result.preview !== undefined) json.preview = result.preview as IDataObject;
	return json;
}

export class OpenTextPush implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'OpenText Push',
		name: 'openTextPush',
		icon: { light: 'file:push.svg', dark: 'file:push.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["channel"]}}',
		description: 'Send push notifications to people, OTDS groups, devices or topics, with a result per recipient',
		defaults: { name: 'OpenText Push' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'openTextFirebaseCloudMessagingApi',
				required: true,
				testedBy: 'firebaseCredentialTest',
				displayOptions: { show: { channel: ['fcm'] } },
			},
			{
				name: 'openTextCloudMessagingApi',
				required: true,
				testedBy: 'cloudMessagingCredentialTest',
				displayOptions: { show: { channel: ['mra'] } },
			},
			{
				name: 'openTextAppWorksGatewayApi',
				required: true,
				testedBy: 'appWorksCredentialTest',
				displayOptions: { show: { channel: ['appworks'] } },
			},
			{
				name: 'openTextPushAcknowledgmentApi',
				required: true,
				testedBy: 'acknowledgmentSecretTest',
				displayOptions: { show: { operation: ['send'], requireAcknowledgment: [true] } },
			},
		],
		properties: [
			{
				displayName: 'Channel',
				name: 'channel',
				type: 'options',
				noDataExpression: true,
				default: 'fcm',
				options: [
					{ name: 'Firebase Cloud Messaging', value: 'fcm', description: 'Android, iOS and web apps, with a service account' },
					{ name: 'OpenText AppWorks Gateway', value: 'appworks', description: 'AppWorks mobile clients, addressed by OTDS user and group' },
					{ name: 'OpenText Cloud Messaging', value: 'mra', description: 'OpenText Notifications (MRA): push, with SMS and email fallback' },
				],
				description: 'Which service delivers the message',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				default: 'send',
				options: [
					{ name: 'Send', value: 'send', action: 'Send a push message', description: 'Send a message and get a result per recipient' },
					{ name: 'Get Status', value: 'getStatus', action: 'Get delivery status', description: 'Read the delivery status of a sent message' },
				],
			},
			...sendFields,
			...getStatusFields,
		],
	};

	methods = {
		credentialTest: {
			async firebaseCredentialTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
				try {
					return { status: 'OK', message: await testFirebaseCredential(legacyRequestHelpers(this.helpers), credential.data ?? {}) };
				} catch (error) {
					return { status: 'Error', message: error instanceof Error ? error.message : String(error) };
				}
			},
			async acknowledgmentSecretTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
				return testAcknowledgmentSecret(credential.data ?? {});
			},
			async cloudMessagingCredentialTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
				try {
					return { status: 'OK', message: await testCloudMessagingCredential(legacyRequestHelpers(this.helpers), credential.data ?? {}) };
				} catch (error) {
					return { status: 'Error', message: error instanceof Error ? error.message : String(error) };
				}
			},
			async appWorksCredentialTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
				try {
					return { status: 'OK', message: await testAppWorksCredential(legacyRequestHelpers(this.helpers), credential.data ?? {}) };
				} catch (error) {
					return { status: 'Error', message: error instanceof Error ? error.message : String(error) };
				}
			},
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const output: INodeExecutionData[] = [];
		const channel = this.getNodeParameter('channel', 0) as ChannelChoice;
		const operation = this.getNodeParameter('operation', 0) as string;
		if (operation === 'getStatus') return [await getDeliveryStatus(this, channel)];
		const audience = this.getNodeParameter('audience', 0) as Audience;
		try {
			checkAudience(audience, channel);
		} catch (error) {
			throw toNodeError(this.getNode(), error);
		}
		const options = this.getNodeParameter('options', 0, {}) as IDataObject;
		const fail = (error: unknown, itemIndex: number) => {
			const nodeError = toNodeError(this.getNode(), domainError(error), itemIndex);
			if (!this.continueOnFail()) throw nodeError;
			output.push({ json: { error: nodeError.message }, pairedItem: { item: itemIndex } });
		};

		// 1. Per item: its message and recipients; items with the same message form one send.
		const groups = new Map<string, SendGroup>();
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			try {
				const message = itemMessage(this, itemIndex);
				let acknowledgment: Acknowledgment | undefined;
				if (message.requireAcknowledgment) {
					acknowledgment = {
						noticeId: String(this.getNodeParameter('noticeId', itemIndex)).trim(),
						webhookUrl: String(this.getNodeParameter('acknowledgmentWebhookUrl', itemIndex)).trim(),
						ttlSeconds: Math.round(Number(this.getNodeParameter('acknowledgmentValidHours', itemIndex, 72)) * 3600),
					};
				}
				const recipients = itemRecipients(this, itemIndex, audience);
				if (acknowledgment && recipients.some((r) => r.kind !== 'person')) {
					throw new DirectoryConfigurationError(
						'Require Acknowledgment',
						'needs people as the audience (input items or user IDs): topics, groups and bare device tokens have no one to acknowledge',
					);
				}
				const key = `${messageFingerprint(message)}|${JSON.stringify(acknowledgment ?? null)}`;
				let group = groups.get(key);
				if (!group) {
					group = { message, acknowledgment, recipients: [], itemOf: new Map(), items: [] };
					groups.set(key, group);
				}
				group.items.push(itemIndex);
				for (const recipient of recipients) {
					const id = recipientKey(recipient.kind, recipientLabel(recipient));
					if (group.itemOf.has(id)) continue; // the same person twice gets the message once
					group.itemOf.set(id, itemIndex);
					group.recipients.push(recipient);
				}
			} catch (error) {
				fail(error, itemIndex);
			}
		}
		if (groups.size === 0) return [output];

		// 2. Send each group through the channel.
		const needsAck = [...groups.values()].some((g) => g.acknowledgment);
		const secrets = needsAck ? acknowledgmentSecrets(await this.getCredentials('openTextPushAcknowledgmentApi')) : [];
		const dryRun = options.dryRun === true;
		let problems = 0;
		for (const group of groups.values()) {
			const answered = new Set<number>();
			try {
				const credential = await this.getCredentials(CHANNEL_CREDENTIAL[channel], group.items[0]);
				const retry = { maxAttempts: Number(options.maxAttempts ?? 4), sleep };
				const mraFallback = channel === 'mra' ? (this.getNodeParameter('mraFallback', group.items[0], 'none') as MraFallback) : undefined;
				const pushOverride = channel === 'mra' ? jsonParameter(this, 'pushOverride', group.items[0]) : undefined;
				const batchSize = options.batchSize === undefined ? undefined : Number(options.batchSize);
				const { channels } = buildChannels(this.helpers, channel, credential, { retry, dryRun, mraFallback, pushOverride, batchSize });
				const ack = group.acknowledgment;
				if (ack && secrets.length === 0) throw new DirectoryConfigurationError('Signing Secret', 'is empty in the acknowledgment credential');
				const decorate = ack
					? (recipient: PushRecipient, message: PushMessage): PushMessage => ({
							...message,
							data: {
								...(message.data ?? {}),
								...acknowledgmentData({ secret: secrets[0], webhookUrl: ack.webhookUrl, noticeId: ack.noticeId, userId: recipientLabel(recipient), ttlSeconds: ack.ttlSeconds }),
							},
						})
					: undefined;
				// Checks the notice ID, URL and lifetime once, before anything is sent.
				if (ack) acknowledgmentData({ secret: secrets[0], webhookUrl: ack.webhookUrl, noticeId: ack.noticeId, userId: 'check', ttlSeconds: ack.ttlSeconds });
				const results = dispatch(group.recipients, group.message, {
					channels,
					concurrency: Number(options.concurrency ?? 20),
					batchSize,
					retry,
					dryRun,
					messageKey: typeof options.messageKey === 'string' && options.messageKey.trim() !== '' ? options.messageKey.trim() : undefined,
					decorate,
				});
				for await (const result of results) {
					if (result.status === 'failed' || result.status === 'unregistered') problems++;
					const item = group.itemOf.get(recipientKey(result.recipientKind, result.recipient)) ?? group.items[0];
					answered.add(item);
					output.push({ json: resultJson(result, ack?.noticeId), pairedItem: { item } });
				}
			} catch (error) {
				const nodeError = toNodeError(this.getNode(), domainError(error), group.items[0]);
				if (!this.continueOnFail()) throw nodeError;
				// Results already yielded stand; every item still without one gets the error.
				for (const item of group.items) if (!answered.has(item)) output.push({ json: { error: nodeError.message }, pairedItem: { item } });
			}
		}
		if (problems > 0 && options.failOnAnyFailure === true && !this.continueOnFail()) {
			throw new NodeOperationError(this.getNode(), `${problems} recipient(s) could not be reached`, {
				description: 'Turn off "Fail the Run on Any Failed Recipient" to get a result per recipient instead, with status, errorCode and reason',
			});
		}
		return [output];
	}
}
