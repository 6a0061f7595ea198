import type { IDataObject, INodeExecutionData, INodeType, INodeTypeDescription, IPollFunctions } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { sampleEvent, testEventsOf } from '../../core/changes/watch';
import { pollWithin } from '../../core/changes/strategy';
import { snapshotHeldElsewhere } from '../../core/changes/held-snapshots';
import { ChangeStateStore, snapshotStorageOf } from '../shared/change-state-storage';
import { toNodeError } from '../shared/errors';
import { directoryCredentialTests } from '../shared/directory-node';
import { triggerProperties } from './descriptions/TriggerDescription';
import { pollDeadlineMsOf } from './parameters';
import { claimPoll } from './poll-guard';
import { openWatch, type OpenWatch } from './watch';

/**
 * Emits one item per directory event. The change state (cursor and a compact snapshot) lives in the
 * node's static data and is replaced only after a successful poll: a failed poll emits nothing and
 * moves nothing, so the next one catches up. "Fetch Test Event" never moves it. A poll that starts while
 * the previous one of the same workflow and node still runs returns nothing (poll-guard.ts): n8n does not
 * wait for a slow poll before the next tick, and both would emit the same changes.
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
		const manual = this.getMode() === 'manual';
		// "Fetch Test Event" moves no state, so it needs no guard.
		if (manual) return await pollOnce(this, true);
		const release = claimPoll(`${this.getWorkflow().id ?? ''}:${this.getNode().id}`);
		if (release === undefined) {
			this.logger.warn(
				'Directory trigger skipped a poll: the previous one is still running (a poll takes longer than the Poll Times interval)',
			);
			return null;
		}
		try {
			return await pollOnce(this, false);
		} finally {
			release();
		}
	}
}

/**
 * One poll: reads from the stored state; in trigger mode, stores the next state once the poll succeeded.
 * Opening (root DSE, schema) and polling run within one deadline; the connection is closed when the deadline
 * passes (which ends the requests still running), or as soon as it is open if the deadline passed before.
 */
async function pollOnce(context: IPollFunctions, manual: boolean): Promise<INodeExecutionData[][] | null> {
	const store = new ChangeStateStore(context.getWorkflowStaticData('node'), context.getWorkflow(), context.getNode());
	const stored = store.current();
	const options = context.getNodeParameter('options', {}) as IDataObject;
	let deadline: number;
	try {
		deadline = pollDeadlineMsOf(options);
	} catch (error) {
		throw toNodeError(context.getNode(), error);
	}
	let watch: OpenWatch | undefined;
	let close: (() => Promise<void>) | undefined;
	const work = (async () => {
		watch = await openWatch(context, (closeConnection) => (close = closeConnection));
		// A snapshot held by another process: the next poll starts over; the test shows a sample meanwhile.
		if (manual && (stored === undefined || snapshotHeldElsewhere(stored)))
			return { events: [await sampleEvent(watch)] };
		const result = await watch.strategy.poll(stored);
		if (manual) {
			// Only a look at what the workflow will get: the first events of a backlog, with how many more wait.
			return { events: result.events.length > 0 ? testEventsOf(result.events) : [await sampleEvent(watch)] };
		}
		return { events: result.events, result };
	})();
	try {
		const { events, result } = await pollWithin(work, deadline);
		if (!manual && result) {
			store.store(result.nextCursor, snapshotStorageOf(options));
			if (stored === undefined)
				context.logger.info(`Directory trigger started watching (${watch!.strategy.name}: ${watch!.reason})`);
		}
		if (events.length === 0) return null;
		return [context.helpers.returnJsonArray(events as unknown as IDataObject[])];
	} catch (error) {
		throw toNodeError(context.getNode(), error);
	} finally {
		if (watch) await watch.close();
		else if (close) await close();
		else
			void work.then(
				() => watch?.close(),
				() => watch?.close(),
			);
	}
}
