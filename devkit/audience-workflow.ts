/**
 * One message to a whole directory audience in one n8n execution, as the end-to-end test and the audience
 * benchmark run it: the documented workflow (docs/workflows/directory-audience-broadcast.json: Manual Trigger →
 * OpenText Push, Send › Directory Audience through the AppWorks Gateway) reading the people of an OpenLDAP page by
 * page. And what the AppWorks Gateway emulator saw: how many notifications each
 * person got.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { AppWorksEmulator } from '../emulators/push/appworks';
import type { WorkflowJson } from './n8n';
import { bindCredentials } from './templates';

export const AUDIENCE_PUSH_NODE = 'Notify everyone';

export interface AudienceWorkflowOptions {
	/** The package name (node types are `<package>.openTextPush`). */
	packageName: string;
	ldapCredentialId: string;
	appWorksCredentialId: string;
	pageSize: number;
	/** Requests in flight (the push node's Concurrency). */
	concurrency?: number;
	/** People per request (the push node's Batch Size); the node's default when unset. */
	batchSize?: number;
	title?: string;
	/** More push parameters (e.g. a broken People per Page for an error test). */
	audienceOptions?: Record<string, unknown>;
}

const DOCUMENTED = path.join('docs', 'workflows', 'directory-audience-broadcast.json');

/**
 * The documented workflow, importable as it is: found upwards from here, since the kit also runs bundled into
 * another folder of the repository (the benchmarks).
 */
export function audienceWorkflowFile(): string {
	for (let folder = __dirname; ; folder = path.dirname(folder)) {
		const file = path.join(folder, DOCUMENTED);
		if (fs.existsSync(file)) return file;
		if (path.dirname(folder) === folder) throw new Error(`${DOCUMENTED} not found above ${__dirname}`);
	}
}

/**
 * The documented workflow with its credentials bound and the run's settings: everyone with a mail address, and
 * (for a fixture whose every person must be counted) any account state.
 */
export function audienceWorkflow(name: string, options: AudienceWorkflowOptions): WorkflowJson {
	const file = audienceWorkflowFile();
	const documented = JSON.parse(fs.readFileSync(file, 'utf8')) as WorkflowJson;
	const workflow = bindCredentials(documented, {
		openTextAppWorksGatewayApi: { id: options.appWorksCredentialId, name: 'AppWorks Gateway' },
		openTextDirectoryLdapApi: { id: options.ldapCredentialId, name: 'Directory' },
	});
	const push = workflow.nodes.find((node) => node.name === AUDIENCE_PUSH_NODE);
	if (!push) throw new Error(`${file} has no node "${AUDIENCE_PUSH_NODE}"`);
	push.type = `${options.packageName}.openTextPush`;
	const parameters = push.parameters as Record<string, unknown>;
	parameters.directoryAccountState = 'any';
	parameters.audienceOptions = {
		...(parameters.audienceOptions as object),
		pageSize: options.pageSize,
		...options.audienceOptions,
	};
	if (options.title !== undefined) parameters.title = options.title;
	parameters.options = {
		...(parameters.options as object),
		concurrency: options.concurrency ?? 20,
		...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
	};
	return { ...workflow, name };
}

/** The AppWorks credential's data for the emulator's service API. */
export function appWorksServiceCredential(gateway: AppWorksEmulator): Record<string, unknown> {
	return { gatewayUrl: gateway.gatewayUrl, apiType: 'service', appName: 'hrapp', appKey: gateway.apps.hrapp };
}

/** How many notifications with this title each person got at the gateway (user names in lower case). */
export function notificationsPerPerson(gateway: AppWorksEmulator, title: string): Map<string, number> {
	const counts = new Map<string, number>();
	for (const notification of gateway.notifications) {
		if (notification.content.title !== title) continue;
		for (const user of notification.recipients) counts.set(user, (counts.get(user) ?? 0) + 1);
	}
	return counts;
}
