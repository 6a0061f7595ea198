/**
 * A listening engine (core/changes/ldap/listen/) reading with the polling trigger's own watch, as the instant
 * trigger runs it, with the state and events kept in memory: for the listening tests on slapd, 389 DS and Samba.
 */
import { sleepWithAbort } from 'n8n-workflow';

import { ChangeListener, type ChangeListenerOptions, type ReadReason } from '../../core/changes/ldap/listen/listener';
import type { DirectoryEvent } from '../../core/changes/events';
import type { ChangeState } from '../../core/changes/state';
import { KeptLdapPoller, type LdapWatchOptions } from '../../core/changes/watch';
import { readLdapServer } from '../../core/ldap/server-info';
import type { LdapSettings } from '../../core/ldap/settings';
import { LdapSession } from '../../transport/ldap/session';
import { watchOptionsOf, type TriggerParameters } from '../../nodes/OpenTextDirectoryServicesTrigger/parameters';
import { watchOptionsForRead } from '../../nodes/OpenTextDirectoryServicesInstantTrigger/parameters';

/** A running listener with the trigger's state and everything it emitted. */
export interface ListenHarness {
	listener: ChangeListener;
	events: DirectoryEvent[];
	/** Each read: why it ran and what it emitted. */
	reads: Array<{ reason: ReadReason; events: DirectoryEvent[] }>;
	state(): ChangeState | undefined;
	/** Waits until `done()` (polling every 10 ms); returns how long it took. */
	until(what: string, done: () => boolean, timeoutMs?: number): Promise<number>;
}

export async function startListening(
	settings: LdapSettings,
	parameters: Pick<TriggerParameters, 'strategy' | 'options'> = {},
	extra: Partial<ChangeListenerOptions> = {},
): Promise<ListenHarness> {
	const request = watchOptionsOf({ source: 'ldap', ...parameters });
	const watch = request.watch as LdapWatchOptions;
	const server = await LdapSession.use(settings, (session) => readLdapServer(session, settings.flavour));
	let state: ChangeState | undefined;
	const events: DirectoryEvent[] = [];
	const reads: ListenHarness['reads'] = [];
	const poller = new KeptLdapPoller(settings);
	const listener = await ChangeListener.start({
		settings,
		flavour: server.flavour,
		server: server.info,
		baseDN: settings.baseDN,
		watchedBases: [watch.userBaseDN ?? settings.baseDN, watch.groupBaseDN ?? settings.baseDN],
		// As the node reads: reconciling only when the listener says so, reading again when told to.
		read: async (reason) => {
			const poll = await poller.poll(watchOptionsForRead(watch, reason), state);
			state = poll.nextCursor;
			events.push(...poll.events);
			reads.push({ reason, events: poll.events });
			return { readAgainSoon: poll.readAgainSoon };
		},
		backoffMs: { first: 200, max: 1000 },
		log: { info: () => undefined, warn: () => undefined },
		sleep: sleepWithAbort,
		...extra,
	}).catch(async (error: unknown) => {
		await poller.close();
		throw error;
	});
	// The node closes its reading connection after the listener: so does the harness.
	const closeListener = listener.close.bind(listener);
	listener.close = async () => {
		await closeListener();
		await poller.close();
	};
	return {
		listener,
		events,
		reads,
		state: () => state,
		async until(what, done, timeoutMs = 5000) {
			const started = Date.now();
			while (!done()) {
				if (Date.now() - started > timeoutMs)
					throw new Error(`timed out waiting for ${what} (events: ${events.map((e) => e.type).join(', ')})`);
				await new Promise((resolve) => setTimeout(resolve, 10));
			}
			return Date.now() - started;
		},
	};
}

/** The logins the catch-up reads after reconnecting emitted. */
export const loginsCaughtUp = (harness: ListenHarness): string[] =>
	updatedLogins(harness.reads.filter((read) => read.reason === 'reconnect').flatMap((read) => read.events));

/** The logins of the people a list of events says were updated, in order. */
export const updatedLogins = (events: DirectoryEvent[]): string[] =>
	events.filter((event) => event.type === 'user.updated').map((event) => String(event.user?.login));
