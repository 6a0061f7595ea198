/**
 * Whether the bind account can read a change log. A log the root DSE names may still be closed to this
 * account, and then every poll would silently see nothing: OpenDJ shows the cn=changelog entry to anyone
 * but its records only with the changelog-read privilege, and an ACL may hide records (a search then
 * simply finds none). So the probe reads the log's entry and, when the log holds records, one of them.
 */
import type { LdapSession } from '../../../transport/ldap/session';

/** Readable: the log entry and (when given) the record `recordFilter` names are found; refused or missing: not. */
export async function logReadable(session: LdapSession, logDN: string, recordFilter?: string): Promise<boolean> {
	const found = (scope: 'base' | 'one', filter: string) =>
		session.searchIfPresent(logDN, { scope, filter, attributes: ['1.1'] }, { refusedIsMissing: true });
	if ((await found('base', '(objectClass=*)')).length === 0) return false;
	return recordFilter === undefined || (await found('one', recordFilter)).length > 0;
}
