import type { IDataObject, INodeExecutionData, INodeType, INodeTypeDescription, IPollFunctions } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import type { ChangeState } from '../../core/changes/state';
import { sampleEvent, testEventsOf } from '../../core/changes/watch';
import { toNodeError } from '../shared/errors';
import { directoryCredentialTests } from '../shared/directory-node';
import { triggerProperties } from './descriptions/TriggerDescription';
import { openWatch } from './watch';

/**
 * Emits one item per directory event. The change state (cursor and a compact snapshot) lives in the
 * node's static data and is replaced only after a successful poll: a failed poll emits nothing and
 * moves nothing, so the next one catches up. "Fetch Test Event" never moves it.
 */
export class OpenTextDirectoryServicesTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'OpenText Directory Services Trigger',
		name: 'openTextDirectoryServicesTrigger',
		icon: { light: 'file:otds.svg', dark: 'file:otds.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["source"] === "ldap" ? "LDAP: " + $parameter["strategy"] : "OTDS REST"}}',
		description: 'Starts the workflow when users or groups change in OpenText Directory Services or an LDAP directory',
		defaults: { name: 'Directory Event' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'openTextDirectoryServicesApi',
				required: true,
				testedBy: 'otdsConnectionTest',
				displayOptions: { show: { source: ['otdsRest'] } },
			},
			{
				name: 'openTextDirectoryLdapApi',
				required: true,
				testedBy: 'ldapConnectionTest',
				displayOptions: { show: { source: ['ldap'] } },
			},
		],
		properties: triggerProperties,
	};

	methods = {
		credentialTest: directoryCredentialTests,
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const staticData = this.getWorkflowStaticData('node');
		const manual = this.getMode() === 'manual';
		const stored = staticData.changeState as ChangeState | undefined;
		let watch;
		try {
			watch = await openWatch(this);
		} catch (error) {
			throw toNodeError(this.getNode(), error);
		}
		try {
			if (manual && stored === undefined)
				return [this.helpers.returnJsonArray([(await sampleEvent(watch)) as unknown as IDataObject])];
			const result = await watch.strategy.poll(stored);
			if (manual) {
				// Only a look at what the workflow will get: the first events of a backlog, with how many more wait.
				const events = result.events.length > 0 ? testEventsOf(result.events) : [await sampleEvent(watch)];
				return [this.helpers.returnJsonArray(events as unknown as IDataObject[])];
			}
			staticData.changeState = result.nextCursor as unknown as IDataObject;
			if (stored === undefined)
				this.logger.info(`Directory trigger started watching (${watch.strategy.name}: ${watch.reason})`);
			if (result.events.length === 0) return null;
			return [this.helpers.returnJsonArray(result.events as unknown as IDataObject[])];
		} catch (error) {
			throw toNodeError(this.getNode(), error);
		} finally {
			await watch.close();
		}
	}
}
