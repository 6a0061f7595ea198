/**
 * What the push end-to-end tests share: a real n8n with the packed package, an acknowledgment signing
 * credential and an activated workflow with the OpenText Push Trigger; tokens, POSTs and emitted items.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { signAckToken } from '../../core/push/ack-token';
import {
	ensureN8n,
	N8nInstance,
	nodeItems,
	packPackage,
	readPackageJson,
	startN8n,
	type WorkflowJson,
} from '../../devkit/n8n';

export const repoRoot = path.resolve(__dirname, '..', '..');
const pkg = readPackageJson(repoRoot);
export const ACK_CREDENTIAL = 'openTextPushAcknowledgmentApi';
export const TRIGGER = `${pkg.name}.openTextPushTrigger`;
export const PUSH = `${pkg.name}.openTextPush`;
/** Per test: jest's project-level testTimeout does not apply to tests, so every test names its own. */
export const TEST_TIMEOUT = 300_000;
export const TRIGGER_NODE = 'Acknowledgments';

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/** An activated workflow whose only node is the push trigger. */
export function triggerWorkflow(
	name: string,
	webhookId: string,
	credentialId: string,
	parameters: Record<string, unknown> = {},
): WorkflowJson {
	return {
		name,
		nodes: [
			{
				id: crypto.randomUUID(),
				name: TRIGGER_NODE,
				type: TRIGGER,
				typeVersion: 1,
				position: [0, 0],
				webhookId,
				parameters,
				credentials: { [ACK_CREDENTIAL]: { id: credentialId, name: 'Acknowledgment secret' } },
			},
		],
		connections: {},
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}

export class PushN8n {
	readonly secret = crypto.randomBytes(24).toString('base64url');
	ackCredentialId = '';
	/** The default trigger workflow and its production webhook URL. */
	workflowId = '';
	webhookUrl = '';

	private constructor(
		readonly n8n: N8nInstance,
		private readonly tarball: string,
	) {}

	/** Packs the package (after `npm run build`), starts n8n, creates the owner, an API key, the credential and the trigger. */
	static async start(): Promise<PushN8n> {
		await ensureN8n();
		const tarball = await packPackage(repoRoot);
		const setup = new PushN8n(await startN8n({ tarball }), tarball);
		await setup.n8n.setupOwner();
		await setup.n8n.createApiKey();
		setup.ackCredentialId = await setup.n8n.createCredential(ACK_CREDENTIAL, 'Acknowledgment secret', {
			signingSecret: setup.secret,
		});
		const trigger = await setup.activateTrigger('Push acknowledgments');
		setup.workflowId = trigger.workflowId;
		setup.webhookUrl = trigger.webhookUrl;
		return setup;
	}

	async activateTrigger(
		name: string,
		parameters: Record<string, unknown> = {},
	): Promise<{ workflowId: string; webhookUrl: string }> {
		const webhookId = crypto.randomUUID();
		const workflowId = await this.n8n.createWorkflow(
			triggerWorkflow(name, webhookId, this.ackCredentialId, parameters),
		);
		await this.n8n.activateWorkflow(workflowId);
		return { workflowId, webhookUrl: `${this.n8n.url}/webhook/${webhookId}/acknowledgment` };
	}

	/** A token for the default trigger, or for the trigger at `webhookUrl` (tokens name the webhook they are for). */
	token(
		userId: string,
		options: { secret?: string; ttlSeconds?: number; now?: Date; webhookUrl?: string } = {},
	): string {
		return signAckToken(options.secret ?? this.secret, {
			noticeId: 'outage-42',
			userId,
			ttlSeconds: options.ttlSeconds ?? 3600,
			now: options.now,
			audience: new URL(options.webhookUrl ?? this.webhookUrl).pathname,
		});
	}

	/** POSTs JSON (or a form) to the default trigger. */
	async post(body: unknown, contentType = 'application/json'): Promise<{ status: number; text: string }> {
		const payload =
			contentType === 'application/json'
				? JSON.stringify(body)
				: new URLSearchParams(body as Record<string, string>).toString();
		const res = await fetch(this.webhookUrl, {
			method: 'POST',
			headers: { 'content-type': contentType },
			body: payload,
		});
		return { status: res.status, text: await res.text() };
	}

	/** The item each finished execution of a trigger workflow emitted, newest first. */
	async emitted(workflowId = this.workflowId): Promise<Array<Record<string, unknown>>> {
		const list = (await this.n8n.executions(workflowId)).filter((e) => e.finished || e.stoppedAt);
		return list.map((e) => nodeItems(e, TRIGGER_NODE)[0] ?? {});
	}

	async stop(): Promise<void> {
		await this.n8n.stop();
		fs.rmSync(path.dirname(this.tarball), { recursive: true, force: true });
	}
}
