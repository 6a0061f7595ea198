import type { WorkflowJson } from '../../test/support/n8n';

const NODE = 'n8n-nodes-opentext-directory-push.openTextDirectoryServices';

/** Example workflows the demo imports, bound to the demo credential. */
export function exampleWorkflows(options: { credentialId: string; department: string; baseDN: string }): WorkflowJson[] {
	const credentials = { openTextDirectoryLdap: { id: options.credentialId, name: 'Demo directory (OpenLDAP)' } };
	return [
		{
			name: 'Demo: people in a department',
			nodes: [
				{ id: 'demo-manual', name: 'When clicking "Execute workflow"', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
				{
					id: 'demo-search',
					name: 'People in the department',
					type: NODE,
					typeVersion: 1,
					position: [260, 0],
					credentials,
					parameters: {
						source: 'ldap',
						resource: 'user',
						operation: 'search',
						state: 'enabled',
						conditions: { condition: [{ attribute: 'ou', operator: 'equals', value: options.department }] },
						returnAll: true,
						options: {},
					},
				},
			],
			connections: {
				'When clicking "Execute workflow"': { main: [[{ node: 'People in the department', type: 'main', index: 0 }]] },
			},
			settings: { executionOrder: 'v1' },
		},
	];
}
