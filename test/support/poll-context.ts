import type { IDataObject, INode, INodeExecutionData, IPollFunctions } from 'n8n-workflow';

import { OpenTextDirectoryServicesTrigger } from '../../nodes/OpenTextDirectoryServicesTrigger/OpenTextDirectoryServicesTrigger.node';

/**
 * The trigger node's poll() outside n8n, for the tests on real servers: the few IPollFunctions it uses (its
 * parameters by dotted name, the workflow's static data, the credential, the mode). test/n8n/trigger.test.ts
 * runs the same node inside a real n8n.
 */
export const TRIGGER_NODE: INode = {
	id: 'trigger',
	name: 'Directory Event',
	type: 'openTextDirectoryServicesTrigger',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

export interface PollSetup {
	mode: 'trigger' | 'manual';
	/** The node's parameters, e.g. { source: 'ldap', strategy: 'auto', events: [], options: {...} }. */
	parameters: IDataObject;
	/** The workflow's static data, kept by the caller between polls as n8n keeps it. */
	staticData: IDataObject;
	credentials: () => Promise<Record<string, unknown>>;
	/** The workflow's id (n8n keys a node's static data, and the trigger its one-poll-at-a-time guard, by it). */
	workflowId?: string;
}

/** One poll: the items it emitted, or null when it emitted none. */
export async function pollTrigger(
	trigger: OpenTextDirectoryServicesTrigger,
	setup: PollSetup,
): Promise<IDataObject[] | null> {
	const context = {
		getNode: () => TRIGGER_NODE,
		getMode: () => setup.mode,
		getWorkflow: () => ({ id: setup.workflowId ?? 'workflow', name: 'Directory workflow', active: true }),
		getWorkflowStaticData: () => setup.staticData,
		getNodeParameter: (name: string, fallback?: unknown) => {
			const [head, ...rest] = name.split('.');
			let value: unknown = setup.parameters[head];
			for (const key of rest) value = (value as IDataObject | undefined)?.[key];
			return value ?? fallback;
		},
		getCredentials: setup.credentials,
		helpers: { returnJsonArray: (items: IDataObject[]): INodeExecutionData[] => items.map((json) => ({ json })) },
		logger: { info: () => undefined, warn: () => undefined, debug: () => undefined, error: () => undefined },
	} as unknown as IPollFunctions;
	const output = await trigger.poll.call(context);
	return output === null ? null : output[0].map((item) => item.json);
}
