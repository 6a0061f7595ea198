/**
 * How a directory product announces changes to a search that stays open, one file per mechanism (as
 * FreeRADIUS's LDAP sync listener keeps them): RFC 4533 (OpenLDAP's syncprov, rfc4533.ts), persistent
 * search (389 DS, OpenDJ; persistent-search.ts), Active Directory's change notification (active-directory.ts).
 *
 * An announcement only wakes the listener (listener.ts), which then reads with the polling trigger's own
 * change strategy; so a mechanism only has to say which search to open and what each message means.
 */
import type { ListenMessage } from '../../../../transport/ldap/listening-search';
import type { ListenRequest, LdapSession } from '../../../../transport/ldap/session';
import type { DirectoryServerInfo } from '../../../ldap/server-info';

export type ListenMechanismName = 'rfc4533' | 'persistentSearch' | 'adNotification';

/** What one message of the listening search means to the listener. */
export type ListenSignal =
	/** The server has taken the search on: changes from now on will be announced. */
	| { kind: 'listening' }
	/** Something changed: the entries' DNs where known (a wake for any of them in the watched scope). */
	| { kind: 'change'; dns: string[] }
	/** Nothing to do (a refresh's unchanged entry, a new cookie). */
	| { kind: 'ignore' }
	/** The server ended the search (refused it, or stopped it). */
	| { kind: 'ended'; resultCode: number; message: string };

/** A listening search as one mechanism opens it. */
export interface PreparedListen {
	baseDN: string;
	request: ListenRequest;
}

export interface ListenMechanism {
	readonly name: ListenMechanismName;
	/** For people: "RFC 4533 content synchronisation (syncprov)". */
	readonly label: string;
	/** What the directory administrator enables so that the server can listen, for activation errors. */
	readonly howToEnable: string;
	/**
	 * Whether the server only confirms the search by announcing changes (no message when it took it on): the
	 * listener then counts it as listening once a short wait passed without a refusal.
	 */
	readonly silentStart: boolean;
	/**
	 * The search to open on `session` (which it may read first, before it starts listening) for changes under
	 * `baseDN`; `server`: what the root DSE said.
	 */
	prepare(session: LdapSession, baseDN: string, server: DirectoryServerInfo): Promise<PreparedListen>;
	/** What a message of the search means. */
	classify(message: ListenMessage): ListenSignal;
}

/** The common reading of a search's end and of unsolicited notices. */
export function endOf(message: ListenMessage): ListenSignal | undefined {
	if (message.kind === 'done' || message.kind === 'notice')
		return { kind: 'ended', resultCode: message.resultCode, message: message.diagnosticMessage };
	return undefined;
}
