/**
 * 389 Directory Server and OpenDJ (legacy OTDS): persistent search (draft-ietf-ldapext-psearch), changes only,
 * each announced entry carrying an Entry Change Notification (its change type; a rename's previous DN).
 *
 * The server does not confirm the search: it is listening once it did not refuse it at once.
 */
import { LISTEN_OIDS, decodeEntryChange, persistentSearchControl } from '../../../../transport/ldap/listen-controls';
import type { ListenMessage } from '../../../../transport/ldap/listening-search';
import { endOf, type ListenMechanism, type ListenSignal, type PreparedListen } from './mechanism';

export const persistentSearch: ListenMechanism = {
	name: 'persistentSearch',
	label: 'persistent search',
	howToEnable:
		"allow persistent searches for the bind account (389 DS: nsslapd-maxpsearch above 0 and read access to the base DN; OpenDJ: the persistent search control in the account's allowed controls)",
	silentStart: true,

	prepare(_session, baseDN): Promise<PreparedListen> {
		return Promise.resolve({
			baseDN,
			request: { scope: 'sub', filter: '(objectClass=*)', attributes: ['1.1'], controls: [persistentSearchControl()] },
		});
	},

	classify(message: ListenMessage): ListenSignal {
		const end = endOf(message);
		if (end) return end;
		if (message.kind !== 'entry') return { kind: 'ignore' };
		const control = message.controls.find((candidate) => candidate.type === LISTEN_OIDS.entryChangeNotification);
		const previousDN = control?.value ? decodeEntryChange(control.value).previousDN : undefined;
		// A rename out of the watched scope matters as much as one into it.
		return { kind: 'change', dns: previousDN ? [message.dn, previousDN] : [message.dn] };
	},
};
