/**
 * The trigger's side of watching: its parameters (parameters.ts) and credential → the core's watch
 * (core/changes/watch.ts), over the LDAP session or the OTDS REST client this execution opens.
 */
import type { IDataObject, IPollFunctions } from 'n8n-workflow';

import type { LdapStrategyChoice } from '../../core/changes/ldap/auto';
import type { DirectoryEventType } from '../../core/changes/events';
import { watchDirectory, watchLdap, type Watch } from '../../core/changes/watch';
import type { AttributeCondition } from '../../core/directory/conditions';
import { normalizeOtdsBaseUrl } from '../../core/otds/auth';
import { toNodeError } from '../shared/errors';
import { openLdapContext } from '../shared/ldap';
import { OTDS_CREDENTIAL, openOtdsDirectory } from '../shared/otds';
import { watchOptionsOf, type TriggerParameters } from './parameters';

/** A watch with the connection it holds, closed after the poll. */
export interface OpenWatch extends Watch {
	close(): Promise<void>;
}

/** `opened` is told how to close the connection as soon as there is one (a poll past its deadline closes it). */
export async function openWatch(
	context: IPollFunctions,
	opened: (close: () => Promise<void>) => void = () => undefined,
): Promise<OpenWatch> {
	const source = context.getNodeParameter('source') as TriggerParameters['source'];
	const request = watchOptionsOf({
		source,
		strategy: source === 'ldap' ? (context.getNodeParameter('strategy', 'auto') as LdapStrategyChoice) : undefined,
		events: context.getNodeParameter('events', []) as DirectoryEventType[],
		conditions: context.getNodeParameter('segment.condition', []) as AttributeCondition[],
		options: context.getNodeParameter('options', {}) as IDataObject,
	});

	if (request.source === 'otdsRest') {
		const credentials = await context.getCredentials(OTDS_CREDENTIAL);
		const server = normalizeOtdsBaseUrl(String(credentials.serverUrl ?? ''));
		const { partition, privilegedGroups } = request.watch;
		const backend = await openOtdsDirectory(context, { partition, privilegedGroups, fields: request.fields });
		return { ...watchDirectory(backend, server, request.watch), close: async () => {} };
	}

	const ldap = await openLdapContext(context.getNode(), await context.getCredentials('openTextDirectoryLdapApi'));
	opened(() => ldap.session.close());
	try {
		const target = {
			session: ldap.session,
			baseDN: ldap.settings.baseDN,
			flavour: ldap.settings.flavour,
			server: ldap.server,
		};
		return { ...(await watchLdap(target, request.watch)), close: () => ldap.session.close() };
	} catch (error) {
		await ldap.session.close();
		throw toNodeError(context.getNode(), error);
	}
}
