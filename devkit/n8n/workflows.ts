/**
 * Workflows and their executions on a running n8n: created over the REST API or imported with the
 * CLI, activated over the public API, run as the editor's "Execute workflow" button does or with
 * `n8n execute`, and executions polled until they finish. N8nInstance (see instance.ts) is built on this.
 */
import * as crypto from 'node:crypto';
import * as fs from 'fs';
import * as path from 'path';
import { randomId, sleep, tailLines } from './common';
import { N8nHttpError, N8nRestClient } from './rest-client';
import { CliRun, executionError, nodeItems, parseCliRunOutput, RunLike } from './run-data';

/** An execution as the public API returns it (`GET /api/v1/executions/:id`). */
export interface N8nExecution extends RunLike {
	id: string;
	finished: boolean;
	mode: string;
	status: string;
	startedAt: string;
	stoppedAt: string | null;
	workflowId: string;
}

/** A workflow as n8n exports and imports it (the fields the harness uses, plus anything else). */
export interface WorkflowJson {
	id?: string;
	name: string;
	nodes: Array<Record<string, unknown> & { name: string; type: string }>;
	connections: Record<string, unknown>;
	settings?: Record<string, unknown> | null;
	pinData?: Record<string, unknown> | null;
	[key: string]: unknown;
}

const MANUAL_TRIGGER = 'n8n-nodes-base.manualTrigger';

/** The trigger node of a receivingWorkflow: its type, parameters and credentials. */
export interface ReceivingTrigger {
	type: string;
	parameters: Record<string, unknown>;
	credentials: Record<string, unknown>;
}

/**
 * A workflow of one trigger node, "Directory Event", whose items go to a No Op node, "Received": what the tests
 * and benchmarks of the directory triggers activate and read the emitted items of.
 */
export function receivingWorkflow(
	name: string,
	trigger: ReceivingTrigger,
	settings: Record<string, unknown> = {},
): WorkflowJson {
	return {
		name,
		nodes: [
			{ id: crypto.randomUUID(), name: 'Directory Event', typeVersion: 1, position: [0, 0], ...trigger },
			{
				id: crypto.randomUUID(),
				name: 'Received',
				type: 'n8n-nodes-base.noOp',
				typeVersion: 1,
				position: [300, 0],
				parameters: {},
			},
		],
		connections: { 'Directory Event': { main: [[{ node: 'Received', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1', ...settings },
		pinData: {},
	};
}

export class N8nWorkflowClient extends N8nRestClient {
	/**
	 * `POST /rest/workflows` with the workflow JSON (name, nodes, connections, settings, pinData, meta,
	 * optional id which is kept); returns the id. The workflow is created inactive.
	 */
	async createWorkflow(json: WorkflowJson): Promise<string> {
		const body: Record<string, unknown> = { ...json };
		for (const key of [
			'active',
			'activeVersionId',
			'versionId',
			'createdAt',
			'updatedAt',
			'shared',
			'isArchived',
			'triggerCount',
		]) {
			delete body[key];
		}
		if (Array.isArray(body.tags)) delete body.tags;
		const created = await this.rest<{ id: string }>('POST', '/rest/workflows', body);
		return created.id;
	}

	/**
	 * Imports a workflow the way an operator would: `n8n import:workflow --input=<file>` (the server may
	 * keep running). Keeps the JSON's id (one is generated when missing); returns it.
	 */
	async importWorkflow(json: WorkflowJson): Promise<string> {
		await this.setupOwner(); // import assigns the workflow to the owner's project
		const id = typeof json.id === 'string' && json.id ? json.id : randomId();
		const file = path.join(this.userFolder, `import-${id}.json`);
		fs.writeFileSync(file, JSON.stringify({ active: false, ...json, id }, null, 2));
		const res = await this.cli(['import:workflow', `--input=${file}`]);
		if (res.code !== 0) {
			throw new Error(
				`n8n import:workflow failed (exit code ${res.code}):\n${tailLines(res.stdout + '\n' + res.stderr, 30)}`,
			);
		}
		return id;
	}

	/** `GET /rest/workflows/:id` (the full workflow as the editor sees it). */
	async getWorkflow(id: string): Promise<WorkflowJson & { id: string; active: boolean; versionId: string }> {
		return await this.rest('GET', `/rest/workflows/${encodeURIComponent(id)}`);
	}

	/** Publishes/activates via the public API (`POST /api/v1/workflows/:id/activate`). */
	async activateWorkflow(id: string): Promise<void> {
		await this.api('POST', `/api/v1/workflows/${encodeURIComponent(id)}/activate`);
	}

	async deactivateWorkflow(id: string): Promise<void> {
		await this.api('POST', `/api/v1/workflows/${encodeURIComponent(id)}/deactivate`);
	}

	/**
	 * Runs a workflow as the editor's "Execute workflow" button does (`POST /rest/workflows/:id/run` with
	 * `{workflowData, triggerToStartFrom: {name}}`, which answers `{executionId}` at once), then polls the
	 * public API until the execution has finished. The trigger defaults to the Manual Trigger node.
	 * Returns the execution with its data (use nodeItems() on it); does not throw when the workflow failed
	 * (check `status` / executionError()).
	 */
	async runWorkflow(id: string, options: { triggerNode?: string; timeoutMs?: number } = {}): Promise<N8nExecution> {
		const workflow = await this.getWorkflow(id);
		const trigger = options.triggerNode ?? workflow.nodes.find((n) => n.type === MANUAL_TRIGGER)?.name;
		if (!trigger) throw new Error(`workflow ${id} has no Manual Trigger; pass triggerNode`);
		const started = await this.rest<{ executionId?: string; waitingForWebhook?: boolean }>(
			'POST',
			`/rest/workflows/${encodeURIComponent(id)}/run`,
			{ workflowData: workflow, triggerToStartFrom: { name: trigger } },
		);
		if (!started.executionId) {
			throw new Error(`n8n did not start workflow ${id} (${JSON.stringify(started)}); is the trigger a webhook?`);
		}
		return await this.waitForExecution(started.executionId, options.timeoutMs ?? 120_000);
	}

	/** Polls `GET /api/v1/executions/:id?includeData=true` until the execution is no longer running. */
	async waitForExecution(executionId: string, timeoutMs = 120_000): Promise<N8nExecution> {
		const deadline = Date.now() + timeoutMs;
		let last: N8nExecution | undefined;
		while (Date.now() < deadline) {
			try {
				last = await this.execution(executionId);
				if (last.finished || !['new', 'running', 'waiting', 'unknown'].includes(last.status)) return last;
			} catch (error) {
				if (!(error instanceof N8nHttpError && error.status === 404)) throw error;
			}
			await sleep(300);
		}
		throw new Error(
			`execution ${executionId} did not finish within ${timeoutMs / 1000} s (last status: ${last?.status ?? 'not found'})`,
		);
	}

	/** `GET /api/v1/executions/:id?includeData=…` */
	async execution(executionId: string, includeData = true): Promise<N8nExecution> {
		return await this.api('GET', `/api/v1/executions/${encodeURIComponent(executionId)}?includeData=${includeData}`);
	}

	/**
	 * `GET /api/v1/executions?includeData=true[&workflowId=…][&status=…]`, all pages, newest first.
	 */
	async executions(
		workflowId?: string,
		options: { includeData?: boolean; status?: 'success' | 'error' | 'waiting' | 'running' | 'canceled' } = {},
	): Promise<N8nExecution[]> {
		const all: N8nExecution[] = [];
		let cursor: string | null | undefined;
		do {
			const q = new URLSearchParams({ includeData: String(options.includeData ?? true), limit: '100' });
			if (workflowId) q.set('workflowId', workflowId);
			if (options.status) q.set('status', options.status);
			if (cursor) q.set('cursor', cursor);
			const page = await this.api<{ data: N8nExecution[]; nextCursor: string | null }>(
				'GET',
				`/api/v1/executions?${q}`,
			);
			all.push(...page.data);
			cursor = page.nextCursor;
		} while (cursor);
		return all;
	}

	/**
	 * Waits until a workflow has at least `count` finished executions (e.g. an activated polling trigger).
	 * `includeData: false` lists them without their data: n8n saves the workflow's static data with every execution,
	 * so a listing with data grows by the static data's size per execution (22 MB each for a trigger watching a
	 * million people: the listing then took over a minute).
	 */
	async waitForExecutions(
		workflowId: string,
		count = 1,
		timeoutMs = 120_000,
		options: { includeData?: boolean } = {},
	): Promise<N8nExecution[]> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const list = (await this.executions(workflowId, options)).filter((e) => e.finished || e.stoppedAt);
			if (list.length >= count) return list;
			if (Date.now() > deadline) {
				throw new Error(
					`workflow ${workflowId} has ${list.length} finished execution(s) after ${timeoutMs / 1000} s, expected ${count}`,
				);
			}
			await sleep(1000);
		}
	}

	/**
	 * `n8n execute --id=<id> --rawOutput`: runs a workflow that starts with a Manual Trigger in a separate
	 * CLI process (the server may keep running) and parses the run from its output. Throws when the run
	 * failed, with n8n's error message.
	 */
	async executeWorkflowCli(id: string, options: { timeoutMs?: number } = {}): Promise<CliRun> {
		const res = await this.cli(['execute', `--id=${id}`, '--rawOutput'], options);
		const run = parseCliRunOutput(res.stdout);
		const error = run ? executionError(run) : undefined;
		if (res.code !== 0 || !run || error) {
			throw new Error(
				`n8n execute --id=${id} failed (exit code ${res.code})${error ? `: ${error}` : ''}\n` +
					tailLines(`${run ? '' : res.stdout}\n${res.stderr}`, 30),
			);
		}
		return { run, items: nodeItems(run), stdout: res.stdout };
	}
}
