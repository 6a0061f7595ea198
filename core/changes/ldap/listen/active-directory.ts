/**
 * Active Directory and Samba AD: LDAP_SERVER_NOTIFICATION_OID. A subtree search with (objectClass=*) on the
 * root of a naming context (AD refuses subtree notifications anywhere else); each changed object comes back as
 * an entry. With Show Deleted, a deleted object is announced too, under its tombstone's DN (in the Deleted
 * Objects container, outside any watched base, so it always wakes the reader).
 *
 * The server does not confirm the search: it is listening once it did not refuse it at once.
 */
import { EncodedControl, adNotificationControl } from '../../../../transport/ldap/listen-controls';
import type { ListenMessage } from '../../../../transport/ldap/listening-search';
import { endOf, type ListenMechanism, type ListenSignal, type PreparedListen } from './mechanism';

const SHOW_DELETED = '1.2.840.113556.1.4.417';

/** A tombstone's RDN holds "\0ADEL:" followed by the object's GUID. */
const TOMBSTONE = /\\0ADEL:/i;

export const activeDirectory: ListenMechanism = {
	name: 'adNotification',
	label: 'Active Directory change notification',
	howToEnable:
		'let the bind account read the naming context (change notifications need list and read rights on the objects; a domain controller allows 5 such searches per connection and a limited number per server: MaxNotificationPerConn)',
	silentStart: true,

	prepare(_session, baseDN, server): Promise<PreparedListen> {
		const lower = baseDN.toLowerCase();
		const context =
			server.namingContexts
				.filter((candidate) => lower === candidate.toLowerCase() || lower.endsWith(`,${candidate.toLowerCase()}`))
				.sort((a, b) => b.length - a.length)[0] ??
			server.defaultNamingContext ??
			baseDN;
		return Promise.resolve({
			baseDN: context,
			request: {
				scope: 'sub',
				filter: '(objectClass=*)',
				attributes: ['objectGUID'],
				controls: [adNotificationControl(), new EncodedControl(SHOW_DELETED)],
			},
		});
	},

	classify(message: ListenMessage): ListenSignal {
		const end = endOf(message);
		if (end) return end;
		if (message.kind !== 'entry') return { kind: 'ignore' };
		return { kind: 'change', dns: TOMBSTONE.test(message.dn) ? [] : [message.dn] };
	},
};
