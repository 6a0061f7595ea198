/**
 * OpenLDAP: RFC 4533 content synchronisation, refreshAndPersist, served by the syncprov overlay.
 *
 * The listener needs announcements only, never the content: the search asks for no attributes, and starts
 * from a cookie made of the database's current contextCSN, so the refresh phase sends nothing that happened
 * before (only what changed between reading contextCSN and the search, which wakes the reader like any other
 * change). The refresh ends with a Sync Info message; then each add, modify, rename and delete comes as an
 * entry with its Sync State.
 */
import {
	LISTEN_OIDS,
	decodeSyncInfo,
	decodeSyncState,
	syncRequestControl,
} from '../../../../transport/ldap/listen-controls';
import type { ListenMessage } from '../../../../transport/ldap/listening-search';
import type { LdapSession } from '../../../../transport/ldap/session';
import { endOf, type ListenMechanism, type ListenSignal, type PreparedListen } from './mechanism';

/** The cookie of a consumer that has seen everything up to the database's contextCSN values. */
async function currentCookie(
	session: LdapSession,
	baseDN: string,
	namingContexts: string[],
): Promise<string | undefined> {
	// contextCSN lives on the database's suffix: the naming context holding the base, else the base itself.
	const lower = baseDN.toLowerCase();
	const suffix =
		namingContexts
			.filter((context) => lower === context.toLowerCase() || lower.endsWith(`,${context.toLowerCase()}`))
			.sort((a, b) => b.length - a.length)[0] ?? baseDN;
	const [entry] = await session.searchIfPresent(suffix, {
		scope: 'base',
		filter: '(objectClass=*)',
		attributes: ['contextCSN'],
	});
	const csns = ([] as unknown[]).concat(entry?.contextCSN ?? []).map(String);
	return csns.length === 0 ? undefined : `rid=000,csn=${csns.join(';')}`;
}

export const rfc4533: ListenMechanism = {
	name: 'rfc4533',
	label: 'RFC 4533 content synchronisation (syncprov)',
	howToEnable:
		'load the syncprov overlay on the database (slapd.conf: "moduleload syncprov" and "overlay syncprov"; cn=config: olcOverlay=syncprov), and let the bind account read the base DN',
	silentStart: false,

	async prepare(session, baseDN, server): Promise<PreparedListen> {
		const cookie = await currentCookie(session, baseDN, server.namingContexts);
		return {
			baseDN,
			request: { scope: 'sub', filter: '(objectClass=*)', attributes: ['1.1'], controls: [syncRequestControl(cookie)] },
		};
	},

	classify(message: ListenMessage): ListenSignal {
		const end = endOf(message);
		if (end) return end;
		if (message.kind === 'intermediate' && message.name === LISTEN_OIDS.syncInfo && message.value) {
			const info = decodeSyncInfo(message.value);
			const refreshEnded = (info.kind === 'refreshDelete' || info.kind === 'refreshPresent') && info.refreshDone;
			return refreshEnded ? { kind: 'listening' } : { kind: 'ignore' };
		}
		if (message.kind === 'entry') {
			const control = message.controls.find((candidate) => candidate.type === LISTEN_OIDS.syncState);
			// An entry reported "present" is unchanged (a refresh phase lists what still exists).
			if (control?.value && decodeSyncState(control.value).state === 'present') return { kind: 'ignore' };
			return { kind: 'change', dns: [message.dn] };
		}
		return { kind: 'ignore' };
	},
};
