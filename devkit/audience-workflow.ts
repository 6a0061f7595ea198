/**
 * One message to a whole directory audience in one n8n execution, as the end-to-end test and the audience
 * benchmark run it: Manual Trigger → OpenText Push (Send › Directory Audience, AppWorks Gateway) reading the
 * people of an OpenLDAP page by page. And what the AppWorks Gateway emulator saw: how many notifications each
 * person got.
 */
import * as crypto from 'node:crypto';

import type { AppWorksEmulator } from '../emulators/push/appworks';
import type { WorkflowJson } from './n8n';

export const AUDIENCE_PUSH_NODE = 'Notify everyone';

export interface AudienceWorkflowOptions {
	/** The package name (node types are `<package>.openTextPush`). */
	packageName: string;
	ldapCredentialId: string;
	appWorksCredentialId: string;
	pageSize: number;
	/** Requests in flight (the push node's Concurrency). */
	concurrency?: number;
	title?: string;
	/** More push parameters (e.g. a broken People per Page for an error test). */
	audienceOptions?: Record<string, unknown>;
}

/** Everyone with a mail address, any account state: every person of the fixture. */
export function audienceWorkflow(name: string, options: AudienceWorkflowOptions): WorkflowJson {
	return {
		name,
		nodes: [
			{
				id: crypto.randomUUID(),
				name: 'Start',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				id: crypto.randomUUID(),
				name: AUDIENCE_PUSH_NODE,
				type: `${options.packageName}.openTextPush`,
				typeVersion: 1,
				position: [260, 0],
				parameters: {
					channel: 'appworks',
					operation: 'send',
					audience: 'directory',
					directorySource: 'ldap',
					directoryConditions: { condition: [{ field: 'mail', operator: 'present' }] },
					directoryAccountState: 'any',
					audienceOptions: { pageSize: options.pageSize, ...options.audienceOptions },
					title: options.title ?? 'Planned maintenance',
					body: 'Sign-in is unavailable on Saturday from 06:00 to 08:00 UTC.',
					options: { concurrency: options.concurrency ?? 20 },
				},
				credentials: {
					openTextAppWorksGatewayApi: { id: options.appWorksCredentialId, name: 'AppWorks Gateway' },
					openTextDirectoryLdapApi: { id: options.ldapCredentialId, name: 'Directory' },
				},
			},
		],
		connections: { Start: { main: [[{ node: AUDIENCE_PUSH_NODE, type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
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
