import type {
	ICredentialTestFunctions,
	ICredentialsDecrypted,
	IDataObject,
	IHookFunctions,
	INodeCredentialTestResult,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import type { ReplayState } from '../../core/push/ack-token';
import { acknowledgmentSecrets, testAcknowledgmentSecret } from '../shared/acknowledgment';
import { handleAcknowledgment, webhookAudience, type LinkMode } from './request';

/** The part of express's request and response this node uses (n8n-workflow types them as express's). */
interface WebhookRequest {
	method?: string;
	headers: Record<string, string | string[] | undefined>;
}
interface WebhookResponse {
	status(code: number): WebhookResponse;
	setHeader(name: string, value: string): void;
	json(body: unknown): void;
	send(body: string): void;
}

/**
 * Recently seen acknowledgments per trigger, in this process. n8n saves the workflow static data only after
 * the webhook has answered, so a repeat arriving right after the first would not see it there yet. Across
 * processes (queue mode: main and webhook processors each keep their own, and n8n writes the static data whole
 * from whichever saves last) this is a first filter only; the exactly-once guarantee is the directory's
 * (core/acknowledgments.ts: Record answers recorded: true once per person and notice).
 */
const REPLAY_MEMORY = new Map<string, ReplayState>();

export class OpenTextPushTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'OpenText Push Trigger',
		name: 'openTextPushTrigger',
		icon: { light: 'file:pushAck.svg', dark: 'file:pushAck.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: 'Acknowledgments and read receipts',
		description: 'Starts the workflow when someone acknowledges or reads a push notice, verified by its signed link',
		defaults: { name: 'OpenText Push Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'openTextPushAcknowledgmentApi', required: true, testedBy: 'acknowledgmentSecretTest' }],
		webhooks: [
			{ name: 'default', httpMethod: 'GET', responseMode: 'onReceived', path: 'acknowledgment' },
			{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'acknowledgment' },
		],
		properties: [
			{
				displayName:
					'Copy the production URL above into the OpenText Push node\'s "Acknowledgment Webhook URL", with the same signing credential. Apps POST {"token", "kind": "acknowledged" or "read"} to it; links open it with ?token=.',
				name: 'notice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'When a Link Is Opened',
				name: 'linkMode',
				type: 'options',
				default: 'confirmPage',
				options: [
					{
						name: 'Show a Confirmation Page',
						value: 'confirmPage',
						description: 'One more click records it, so mail scanners that open links cannot acknowledge for people',
					},
					{
						name: 'Record at Once, Answer With a Page',
						value: 'recordOnClick',
						description: 'The click itself acknowledges',
					},
					{
						name: 'Record at Once, Answer With JSON',
						value: 'json',
						description: 'For apps that open the link themselves',
					},
				],
				description:
					'What a GET of the acknowledgment link (?token=...) does. POSTs from apps always record at once and get JSON.',
			},
			{
				displayName: 'Confirmation Question',
				name: 'confirmationQuestion',
				type: 'string',
				default: 'Do you confirm that you have read and understood this notice?',
				displayOptions: { show: { linkMode: ['confirmPage'] } },
				description: 'The text above the Confirm button',
			},
			{
				displayName: 'Thank-You Text',
				name: 'thankYouText',
				type: 'string',
				default: 'Thank you. Your acknowledgment was recorded.',
				displayOptions: { show: { linkMode: ['confirmPage', 'recordOnClick'] } },
				description: 'The page shown once the acknowledgment is recorded',
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Emit Repeated Acknowledgments',
						name: 'emitDuplicates',
						type: 'boolean',
						default: false,
						description:
							'Whether a repeated acknowledgment (same notice, person and kind) also starts the workflow, flagged duplicate: true. By default it is only answered.',
					},
					{
						displayName: 'Remembered Acknowledgments',
						name: 'replayWindowSize',
						type: 'number',
						typeOptions: { minValue: 10 },
						default: 5000,
						description:
							"How many recent acknowledgments each n8n process remembers to recognise repeats (each is also forgotten when its link expires). In queue mode another process may emit the same one again: let the directory node's Acknowledgment → Record decide (recorded: true once per person and notice).",
					},
				],
			},
		],
	};

	/**
	 * Nothing to register anywhere: the push node puts this webhook's URL into each signed message itself.
	 * The lifecycle only says so, so that activation succeeds.
	 */
	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				return true;
			},
			async create(this: IHookFunctions): Promise<boolean> {
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				return true;
			},
		},
	};

	methods = {
		credentialTest: {
			async acknowledgmentSecretTest(
				this: ICredentialTestFunctions,
				credential: ICredentialsDecrypted,
			): Promise<INodeCredentialTestResult> {
				return testAcknowledgmentSecret(credential.data ?? {});
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const request = this.getRequestObject() as unknown as WebhookRequest;
		const response = this.getResponseObject() as unknown as WebhookResponse;
		const options = this.getNodeParameter('options', {}) as IDataObject;
		const { answer, item } = await handleAcknowledgment(
			{
				method: request.method,
				contentType: String(request.headers['content-type'] ?? ''),
				query: this.getQueryData() as IDataObject,
				body: this.getBodyData() as unknown,
			},
			{
				linkMode: this.getNodeParameter('linkMode', 'confirmPage') as LinkMode,
				confirmationQuestion: this.getNodeParameter('confirmationQuestion', '') as string,
				thankYouText: this.getNodeParameter('thankYouText', 'Thank you. Your acknowledgment was recorded.') as string,
				emitDuplicates: options.emitDuplicates === true,
				replayWindowSize: Number(options.replayWindowSize ?? 5000),
			},
			{
				secrets: async () => acknowledgmentSecrets(await this.getCredentials('openTextPushAcknowledgmentApi')),
				replayState: () => {
					const key = `${this.getMode()}:${this.getWorkflow().id ?? ''}:${this.getNode().id}`;
					const memory = REPLAY_MEMORY.get(key) ?? {};
					REPLAY_MEMORY.set(key, memory);
					return { memory, saved: this.getWorkflowStaticData('node') as ReplayState };
				},
				acceptsAudience: webhookAudience(this.getNode().webhookId, this.getNodeWebhookUrl('default')),
			},
		);
		for (const [name, value] of Object.entries(answer.headers)) response.setHeader(name, value);
		if (answer.html !== undefined) response.status(answer.status).send(answer.html);
		else response.status(answer.status).json(answer.json);
		return item
			? { noWebhookResponse: true, workflowData: [[{ json: item as IDataObject }]] }
			: { noWebhookResponse: true };
	}
}
