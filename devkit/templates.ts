/**
 * The workflow templates of `templates/`: loading them, binding their placeholder credentials to real ones
 * (the only change a user makes besides typing their own texts), and checking that nothing else changed.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { WorkflowJson } from './n8n';

export const templatesDir = path.resolve(__dirname, '..', 'templates');

export interface TemplateFile {
	file: string;
	json: WorkflowJson & { meta?: Record<string, unknown> };
}

type Node = WorkflowJson['nodes'][number];
type CredentialRefs = Record<string, { id: string; name: string }>;

/** Every `templates/*.json`, in file order. */
export function loadTemplates(): TemplateFile[] {
	return fs
		.readdirSync(templatesDir)
		.filter((file) => file.endsWith('.json'))
		.sort()
		.map((file) => ({
			file,
			json: JSON.parse(fs.readFileSync(path.join(templatesDir, file), 'utf8')) as TemplateFile['json'],
		}));
}

/**
 * A copy of the workflow whose nodes reference the given credentials (by type); nothing else changes. Lists
 * the references it found no credential for (they stay as they were).
 */
export function bindCredentialsByType(
	json: WorkflowJson,
	byType: CredentialRefs,
): { workflow: WorkflowJson; missing: Array<{ node: string; type: string }> } {
	const workflow = JSON.parse(JSON.stringify(json)) as WorkflowJson;
	const missing: Array<{ node: string; type: string }> = [];
	for (const node of workflow.nodes) {
		const refs = node.credentials as CredentialRefs | undefined;
		if (!refs) continue;
		for (const type of Object.keys(refs)) {
			if (byType[type]) refs[type] = { ...byType[type] };
			else missing.push({ node: node.name, type });
		}
	}
	return { workflow, missing };
}

/** bindCredentialsByType for tests: every reference must be bound. */
export function bindCredentials(json: WorkflowJson, byType: CredentialRefs): WorkflowJson {
	const { workflow, missing } = bindCredentialsByType(json, byType);
	if (missing.length > 0)
		throw new Error(`${missing[0].node} uses a ${missing[0].type} credential the test did not create`);
	return workflow;
}

/** The workflow without credential ids and names: what must stay equal across binding and import. */
export function withoutCredentials(json: Pick<WorkflowJson, 'nodes' | 'connections'>): unknown {
	const nodes = (json.nodes as Node[]).map((node) => {
		const { credentials, ...rest } = node;
		return { ...rest, credentialTypes: credentials ? Object.keys(credentials as object).sort() : [] };
	});
	return { nodes: nodes.sort((a, b) => a.name.localeCompare(b.name)), connections: json.connections };
}

/** Credential types referenced by any template node. */
export function credentialTypesOf(templates: TemplateFile[]): string[] {
	const types = new Set<string>();
	for (const { json } of templates)
		for (const node of json.nodes)
			for (const type of Object.keys((node.credentials as object | undefined) ?? {})) types.add(type);
	return [...types].sort();
}

/** The nodes of a workflow that are not sticky notes. */
export const workNodes = (json: WorkflowJson): Node[] =>
	json.nodes.filter((node) => node.type !== 'n8n-nodes-base.stickyNote');
