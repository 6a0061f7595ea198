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

import {
	ACKNOWLEDGMENT_KINDS,
	AcknowledgmentReplayWindow,
	mergeReplayState,
	verifyAckToken,
	type AckTokenFailure,
	type AcknowledgmentKind,
	type ReplayState,
} from '../../core/push/ack-token';
import { acknowledgmentSecrets, testAcknowledgmentSecret } from '../shared/acknowledgment';
import { confirmationPage, resultPage } from './pages';

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
 * the webhook has answered, so a repeat arriving right after the first would not see it there yet.
 */
const REPLAY_MEMORY = new Map<string, ReplayState>();

type LinkMode = 'confirmPage' | 'recordOnClick' | 'json';

/** HTTP status per refusal: malformed → 400, forged or tampered → 401, expired → 410. */
const REFUSAL_STATUS: Record<AckTokenFailure, number> = { malformed: 400, forged: 401, tampered: 401, expired: 410 };
const REFUSAL_TITLE: Record<AckTokenFailure, string> = {
	malformed: 'This link is incomplete',
	forged: 'This link is not valid',
	tampered: 'This link is not valid',
	expired: 'This link has expired',
};

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
					{ name: 'Record at Once, Answer With a Page', value: 'recordOnClick', description: 'The click itself acknowledges' },
					{ name: 'Record at Once, Answer With JSON', value: 'json', description: 'For apps that open the link themselves' },
				],
				description: 'What a GET of the acknowledgment link (?token=...) does. POSTs from apps always record at once and get JSON.',
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
							'How many recent acknowledgments are remembered to recognise repeats (each is also forgotten when its link expires)',
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
		const linkMode = this.getNodeParameter('linkMode', 'confirmPage') as LinkMode;
		const options = this.getNodeParameter('options', {}) as IDataObject;
		const isGet = (request.method ?? 'GET').toUpperCase() === 'GET';
		const contentType = String(request.headers['content-type'] ?? '');
		// A browser: a link click, or the confirmation page's form. Apps POST JSON and get JSON.
		const wantsHtml = isGet ? linkMode !== 'json' : /x-www-form-urlencoded/i.test(contentType);

		const answer = (status: number, json: IDataObject, title: string, text: string): void => {
			response.setHeader('Cache-Control', 'no-store');
			response.setHeader('Referrer-Policy', 'no-referrer');
			if (wantsHtml) {
				response.setHeader('Content-Type', 'text/html; charset=utf-8');
				response.status(status).send(resultPage(title, text));
			} else {
				response.status(status).json(json);
			}
		};
		const reject = (status: number, error: string, message: string, title = 'This request is not valid') => {
			answer(status, { status: 'rejected', error, message }, title, message);
			return { noWebhookResponse: true };
		};

		let token: unknown;
		let kind: unknown = 'acknowledged';
		let client: unknown;
		if (isGet) {
			const query = this.getQueryData() as IDataObject;
			token = query.token;
			if (query.kind !== undefined) kind = query.kind;
			client = 'link';
		} else {
			const body = this.getBodyData() as unknown;
			if (typeof body !== 'object' || body === null || Array.isArray(body)) {
				return reject(400, 'malformed', 'The body must be a JSON object {"token", "kind"}');
			}
			const fields = body as IDataObject;
			token = fields.token;
			if (fields.kind !== undefined) kind = fields.kind;
			client = fields.client ?? (wantsHtml ? 'link' : undefined);
		}
		if (typeof token !== 'string' || token === '') return reject(400, 'malformed', 'The token is missing');
		if (typeof kind !== 'string' || !ACKNOWLEDGMENT_KINDS.includes(kind as AcknowledgmentKind)) {
			return reject(400, 'malformed', `"kind" must be one of ${ACKNOWLEDGMENT_KINDS.join(', ')}`);
		}
		if (client !== undefined && !(typeof client === 'string' && client.length <= 200) && !(typeof client === 'object' && client !== null)) {
			return reject(400, 'malformed', '"client" must be a short string or an object');
		}
		if (client !== undefined && JSON.stringify(client).length > 2000) return reject(400, 'malformed', '"client" is too large');

		const credential = await this.getCredentials('openTextPushAcknowledgmentApi');
		const verification = verifyAckToken(token, acknowledgmentSecrets(credential));
		if (!verification.ok) {
			return reject(REFUSAL_STATUS[verification.reason], verification.reason, verification.message, REFUSAL_TITLE[verification.reason]);
		}
		const claims = verification.claims;

		if (isGet && linkMode === 'confirmPage') {
			response.setHeader('Cache-Control', 'no-store');
			response.setHeader('Referrer-Policy', 'no-referrer');
			response.setHeader('Content-Type', 'text/html; charset=utf-8');
			response.status(200).send(confirmationPage(token, kind, this.getNodeParameter('confirmationQuestion', '') as string));
			return { noWebhookResponse: true };
		}

		// From here to the end of check() nothing awaits: within this n8n process, concurrent repeats are serialised.
		const saved = this.getWorkflowStaticData('node') as ReplayState;
		const memoryKey = `${this.getMode()}:${this.getWorkflow().id ?? ''}:${this.getNode().id}`;
		const memory = REPLAY_MEMORY.get(memoryKey) ?? {};
		REPLAY_MEMORY.set(memoryKey, memory);
		mergeReplayState(memory, saved);
		const seen = new AcknowledgmentReplayWindow(memory, Number(options.replayWindowSize ?? 5000)).check(claims, kind as AcknowledgmentKind);
		saved.seen = { ...memory.seen };
		const thankYou = this.getNodeParameter('thankYouText', 'Thank you. Your acknowledgment was recorded.') as string;
		const summary: IDataObject = { noticeId: claims.noticeId, kind, at: seen.firstSeenAt };
		if (seen.duplicate) {
			answer(200, { status: 'duplicate', ...summary }, 'Already recorded', thankYou);
			if (options.emitDuplicates !== true) return { noWebhookResponse: true };
		} else {
			answer(200, { status: 'recorded', ...summary }, 'Recorded', thankYou);
		}
		const item: IDataObject = {
			noticeId: claims.noticeId,
			userId: claims.userId,
			kind,
			at: new Date().toISOString(),
			client: (client as IDataObject | string | undefined) ?? null,
			tokenExpiresAt: new Date(claims.expiresAt * 1000).toISOString(),
		};
		if (seen.duplicate) {
			item.duplicate = true;
			item.firstAt = seen.firstSeenAt;
		}
		return { noWebhookResponse: true, workflowData: [[{ json: item }]] };
	}
}
