import type { IDataObject, INodeType, INodeTypeDescription, ITriggerFunctions, ITriggerResponse } from 'n8n-workflow';
import { NodeConnectionTypes, sleepWithAbort } from 'n8n-workflow';

import type { LdapStrategyChoice } from '../../core/changes/ldap/auto';
import { ChangeListener } from '../../core/changes/ldap/listen/listener';
import type { DirectoryEvent, DirectoryEventType } from '../../core/changes/events';
import { KeptLdapPoller, sampleEvent, watchLdap, type LdapWatchOptions } from '../../core/changes/watch';
import type { AttributeCondition } from '../../core/directory/conditions';
import { readLdapServer } from '../../core/ldap/server-info';
import { LdapSession } from '../../transport/ldap/session';
import { snapshotHeldElsewhere } from '../../core/changes/held-snapshots';
import { ChangeStateStore, snapshotStorageOf } from '../shared/change-state-storage';
import { toNodeError } from '../shared/errors';
import { directoryCredentialTests } from '../shared/directory-node';
import { openLdapContext } from '../shared/ldap';
import { watchOptionsOf } from '../OpenTextDirectoryServicesTrigger/parameters';
import { instantTriggerProperties } from './descriptions/InstantTriggerDescription';
import { listenParametersOf, watchOptionsForRead } from './parameters';

/**
 * Starts the workflow within a second of a directory change. One connection per activation listens with the
 * server's own mechanism; each announcement wakes a read with the polling trigger's change strategy from the
 * cursor kept in the node's static data (core/changes/ldap/listen/listener.ts), so both triggers emit the same
 * events with the same ids. Reads share a second connection, kept open between them (core/changes/watch.ts's
 * KeptLdapPoller), and reconcile only on the listener's own timer (parameters.ts, watchOptionsForRead).
 *
 * Static data: n8n saves a trigger's static data when the activation has finished and each time the trigger
 * emits (before the execution starts). The cursor is therefore set before every emit; a read that emitted
 * nothing is saved with the next emit, and after a restart repeating it emits nothing again.
 */
export class OpenTextDirectoryServicesInstantTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'OpenText Directory Services Instant Trigger',
		name: 'openTextDirectoryServicesInstantTrigger',
		icon: { light: 'file:otds.svg', dark: 'file:otds.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{"LDAP: " + $parameter["strategy"]}}',
		description:
			'Starts the workflow within a second when users or groups change in an LDAP directory, which announces its changes',
		defaults: { name: 'Directory Event (Instant)' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'openTextDirectoryLdapApi', required: true, testedBy: 'ldapConnectionTest' }],
		properties: instantTriggerProperties,
	};

	methods = {
		credentialTest: directoryCredentialTests,
	};

	async trigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
		const node = this.getNode();
		const store = new ChangeStateStore(this.getWorkflowStaticData('node'), this.getWorkflow(), node);
		const options = this.getNodeParameter('options', {}) as IDataObject;
		const storage = snapshotStorageOf(options);
		const request = watchOptionsOf({
			source: 'ldap',
			strategy: this.getNodeParameter('strategy', 'auto') as LdapStrategyChoice,
			events: this.getNodeParameter('events', []) as DirectoryEventType[],
			conditions: this.getNodeParameter('segment.condition', []) as AttributeCondition[],
			options,
		});
		const watch = request.watch as LdapWatchOptions;
		const emitEvents = (events: DirectoryEvent[]) =>
			this.emit([this.helpers.returnJsonArray(events as unknown as IDataObject[])]);

		const ldap = await openLdapContext(node, await this.getCredentials('openTextDirectoryLdapApi'));
		const { settings } = ldap;

		if (this.getMode() === 'manual') {
			await ldap.session.close();
			// "Fetch Test Event": what changed since the stored cursor, else a sample; the cursor never moves.
			const manualTriggerFunction = async () => {
				try {
					const events = await LdapSession.use(settings, async (session) => {
						const target = { session, baseDN: settings.baseDN, flavour: settings.flavour };
						const found = await watchLdap(target, watch);
						const stored = store.current();
						// A snapshot held by another process: the next read starts over; the test shows a sample meanwhile.
						const changed =
							stored === undefined || snapshotHeldElsewhere(stored) ? [] : (await found.strategy.poll(stored)).events;
						return changed.length > 0 ? changed : [await sampleEvent(found)];
					});
					emitEvents(events);
				} catch (error) {
					throw toNodeError(node, error);
				}
			};
			return { manualTriggerFunction };
		}

		let listener: ChangeListener;
		// One reading connection for the activation, next to the listening one.
		const poller = new KeptLdapPoller(settings);
		try {
			const server = ldap.server ?? (await readLdapServer(ldap.session, settings.flavour));
			await ldap.session.close();
			const listen = listenParametersOf(options);
			listener = await ChangeListener.start({
				settings,
				flavour: server.flavour,
				server: server.info,
				baseDN: settings.baseDN,
				watchedBases: [watch.userBaseDN ?? settings.baseDN, watch.groupBaseDN ?? settings.baseDN],
				fallbackReadMs: listen.fallbackReadMs,
				safetyReadMs: listen.safetyReadMs,
				reconcileMs: listen.reconcileMs,
				read: async (reason) => {
					const poll = await poller.poll(watchOptionsForRead(watch, reason), store.current());
					if (!store.started)
						this.logger.info(`Directory instant trigger started watching (${poll.strategy}: ${poll.reason})`);
					// Before emitting: n8n saves the static data when the trigger emits.
					store.store(poll.nextCursor, storage);
					if (poll.events.length > 0) emitEvents(poll.events);
					return { readAgainSoon: poll.readAgainSoon };
				},
				log: { info: (message) => this.logger.info(message), warn: (message) => this.logger.warn(message) },
				sleep: sleepWithAbort,
			});
		} catch (error) {
			await Promise.all([ldap.session.close(), poller.close()]);
			throw toNodeError(node, error);
		}
		return {
			closeFunction: async () => {
				await listener.close();
				await poller.close();
			},
		};
	}
}
