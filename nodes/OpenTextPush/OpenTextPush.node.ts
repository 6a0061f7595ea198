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

import type { DeliveryResult } from '../../core/push/types';
import type { PushRetryPolicy } from '../../core/push/retry';
import { acknowledgmentSecrets, testAcknowledgmentSecret } from '../shared/acknowledgment';
import { directoryCredentialTests } from '../shared/directory-node';
import { toNodeError } from '../shared/errors';
import { sendToDirectoryAudiences } from './directory-audience';
import { buildChannels, channelCredentialTests, PUSH_CHANNELS, pushChannel, type ItemParameter } from './channels';
import { getStatusFields } from './descriptions/GetStatusDescription';
import { sendFields } from './descriptions/SendDescription';
import { AUDIENCE_KIND, checkAudience, itemRequest, type Audience } from './recipients';
import { isFailure, planSends, runSends, type SendSetup } from './send-plan';
import { getDeliveryStatus } from './status';

/** The Options collection as the dispatcher's settings. */
function dispatchOptions(options: IDataObject): SendSetup['dispatch'] & { retry: PushRetryPolicy } {
	const messageKey =
		typeof options.messageKey === 'string' && options.messageKey.trim() !== '' ? options.messageKey.trim() : undefined;
	return {
		concurrency: Number(options.concurrency ?? 20),
		batchSize: options.batchSize === undefined ? undefined : Number(options.batchSize),
		retry: { maxAttempts: Number(options.maxAttempts ?? 4), sleep, retryAmbiguous: options.retryAmbiguous !== false },
		dryRun: options.dryRun === true,
		messageKey,
	};
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

/**
 * When the directory credentials are not asked for. By `hide`, not `show`: n8n's editor (2.8.4) hides every
 * parameter that a credential's `show` names in the `show` of its own fields, and Audience and Directory Source
 * are shown by Operation and Channel.
 */
const NOT_A_DIRECTORY_AUDIENCE = {
	operation: ['getStatus'],
	audience: (Object.keys(AUDIENCE_KIND) as Audience[]).filter((audience) => audience !== 'directory'),
};

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
				name: 'openTextDirectoryLdapApi',
				required: true,
				testedBy: 'ldapConnectionTest',
				displayOptions: { hide: { ...NOT_A_DIRECTORY_AUDIENCE, directorySource: ['otdsRest'] } },
			},
			{
				name: 'openTextDirectoryServicesApi',
				required: true,
				testedBy: 'otdsConnectionTest',
				displayOptions: { hide: { ...NOT_A_DIRECTORY_AUDIENCE, directorySource: ['ldap'] } },
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
				options: PUSH_CHANNELS.map((channel) => channel.option),
				description: 'Which service delivers the message',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				default: 'send',
				options: [
					{
						name: 'Send',
						value: 'send',
						action: 'Send a push message',
						description: 'Send a message and get a result per recipient',
					},
					{
						name: 'Get Status',
						value: 'getStatus',
						action: 'Get delivery status',
						description: 'Read the delivery status of a sent message',
					},
				],
			},
			...sendFields,
			...getStatusFields,
		],
	};

	methods = {
		credentialTest: {
			...channelCredentialTests,
			...directoryCredentialTests,
			async acknowledgmentSecretTest(
				this: ICredentialTestFunctions,
				credential: ICredentialsDecrypted,
			): Promise<INodeCredentialTestResult> {
				return testAcknowledgmentSecret(credential.data ?? {});
			},
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const channel = pushChannel(this.getNodeParameter('channel', 0) as string);
		if (this.getNodeParameter('operation', 0) === 'getStatus') return [await getDeliveryStatus(this, channel)];
		const audience = this.getNodeParameter('audience', 0) as Audience;
		try {
			checkAudience(audience, channel);
		} catch (error) {
			throw toNodeError(this.getNode(), error);
		}
		const options = this.getNodeParameter('options', 0, {}) as IDataObject;
		const output: INodeExecutionData[] = [];
		const fail = (error: unknown, itemIndex: number, unanswered = [itemIndex]) => {
			const nodeError = toNodeError(this.getNode(), error, itemIndex);
			if (!this.continueOnFail()) throw nodeError;
			for (const item of unanswered) output.push({ json: { error: nodeError.message }, pairedItem: { item } });
		};
		const parameterOf =
			(itemIndex: number): ItemParameter =>
			(name, fallback) =>
				this.getNodeParameter(name, itemIndex, fallback);

		const dispatch = dispatchOptions(options);
		const setupFor = async (items: number[], acknowledged: boolean): Promise<SendSetup> => ({
			channels: buildChannels(this, channel, await this.getCredentials(channel.credential, items[0]), {
				retry: dispatch.retry,
				batchSize: dispatch.batchSize,
				parameter: parameterOf(items[0]),
			}),
			dispatch,
			secrets: acknowledged ? acknowledgmentSecrets(await this.getCredentials('openTextPushAcknowledgmentApi')) : [],
		});
		let problems = 0;
		if (audience === 'directory') {
			problems = await sendToDirectoryAudiences(
				this,
				channel.option.value,
				parameterOf,
				async (itemIndex) =>
					await setupFor([itemIndex], parameterOf(itemIndex)('requireAcknowledgment', false) === true),
				output,
				resultJson,
				fail,
			);
		} else {
			const plan = planSends(items.length, (itemIndex) =>
				itemRequest(parameterOf(itemIndex), items[itemIndex].json, audience),
			);
			for (const { item, error } of plan.failures) fail(error, item);
			const acknowledged = plan.groups.some((group) => group.acknowledgment);
			for await (const event of runSends(plan.groups, async (group) => await setupFor(group.items, acknowledged))) {
				if ('error' in event) {
					// Results already given stand; every item of the send still without one gets the error.
					fail(event.error, event.item, event.unanswered);
					continue;
				}
				if (isFailure(event.result)) problems++;
				output.push({ json: resultJson(event.result, event.noticeId), pairedItem: { item: event.item } });
			}
		}
		if (problems > 0 && options.failOnAnyFailure === true && !this.continueOnFail()) {
			throw new NodeOperationError(this.getNode(), `${problems} recipient(s) could not be reached`, {
				description:
					'Turn off "Fail the Run on Any Failed Recipient" to get a result per recipient instead, with status, errorCode and reason',
			});
		}
		return [output];
	}
}
