/**
 * A moved password-changed stamp is a password set, except where the stamp also moves without one: on AD,
 * pwdLastSet = -1 (an administrator lifting "must change password at next logon") sets it to now, just as a
 * new password does. Where the flavour can tell the two apart (FlavourProfile.passwordSet), the people of a
 * poll's user.passwordChanged events are read once more, with what tells it (AD: unicodePwd's replication
 * metadata), and only for them:
 * - the password was set: the event stays;
 * - only the stamp moved: no user.passwordChanged. When it also cleared a required reset, that is reported
 *   as what it is, a user.updated of passwordResetRequired (merged into the person's user.updated of the same
 *   poll when there is one); otherwise nothing changed that the events describe, and nothing is emitted;
 * - cannot tell (the metadata was not returned, or the person is gone): the event stays, as before this check.
 */
import { hashHex } from '../snapshot/hash';
import { recordKeyOf } from '../snapshot/record-key';
import type { DirectoryEvent } from '../events';
import type { LdapChangeReader } from './reader';

/** The events with each user.passwordChanged checked as above. */
export async function confirmPasswordChanges(
	reader: LdapChangeReader,
	events: DirectoryEvent[],
): Promise<DirectoryEvent[]> {
	const check = reader.scope.profile.passwordSet;
	// Every poll of every flavour comes here: one without the check returns before looking at its events.
	if (check === undefined) return events;
	const keyOf = (event: DirectoryEvent) => (event.user?.id === undefined ? undefined : recordKeyOf(event.user.id));
	const claimed = events.filter((event) => event.type === 'user.passwordChanged' && keyOf(event) !== undefined);
	if (claimed.length === 0) return events;
	const notSet = new Set<string>();
	for (const entry of await reader.userEntriesByIds(
		claimed.map((event) => keyOf(event) as string),
		check.attributes,
	)) {
		const key = reader.userKeyOf(entry);
		if (key !== undefined && check.wasSet(entry) === false) notSet.add(key);
	}
	if (notSet.size === 0) return events;

	const notSetEvent = (event: DirectoryEvent) =>
		event.type === 'user.passwordChanged' && notSet.has(keyOf(event) ?? '');
	const result = events.filter((event) => !notSetEvent(event));
	// A passwordChanged event's only change is a cleared reset (differ.ts): that is what is left to tell.
	for (const event of events.filter((event) => notSetEvent(event) && event.changes.length > 0)) {
		const updated = result.find((other) => other.type === 'user.updated' && keyOf(other) === keyOf(event));
		if (updated !== undefined) updated.changes = [...updated.changes, ...event.changes];
		else
			// The id stays stable for the same change read again: it derives from the passwordChanged event's own.
			result.push({ ...event, id: hashHex(`${event.id}|user.updated`), type: 'user.updated' });
	}
	return result;
}
