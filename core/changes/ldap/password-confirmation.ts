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
import { RESET_CLEARED } from '../differ';
import type { LdapChangeReader } from './reader';

/** The events with each user.passwordChanged checked as above. */
export async function confirmPasswordChanges(
	reader: LdapChangeReader,
	events: DirectoryEvent[],
): Promise<DirectoryEvent[]> {
	const check = reader.scope.profile.passwordSet;
	const keyOf = (event: DirectoryEvent) => (event.user?.id === undefined ? undefined : recordKeyOf(event.user.id));
	const claimed = events.filter((event) => event.type === 'user.passwordChanged' && keyOf(event) !== undefined);
	if (check === undefined || claimed.length === 0) return events;
	const notSet = new Set<string>();
	for (const entry of await reader.userEntriesByIds(
		claimed.map((event) => keyOf(event) as string),
		check.attributes,
	)) {
		const key = reader.userKeyOf(entry);
		if (key !== undefined && check.wasSet(entry) === false) notSet.add(key);
	}
	if (notSet.size === 0) return events;

	const result: DirectoryEvent[] = [];
	/** The user.updated each person has in `result`, by record key. */
	const updated = new Map<string, DirectoryEvent>();
	const pendingResets = new Map<string, DirectoryEvent>();
	for (const event of events) {
		const key = keyOf(event);
		if (event.type === 'user.updated' && key !== undefined) updated.set(key, event);
		if (event.type !== 'user.passwordChanged' || key === undefined || !notSet.has(key)) {
			result.push(event);
			continue;
		}
		if (event.changes.some((change) => change.attribute === RESET_CLEARED.attribute)) pendingResets.set(key, event);
	}
	for (const [key, event] of pendingResets) {
		const reset = event.changes.filter((change) => change.attribute === RESET_CLEARED.attribute);
		const existing = updated.get(key);
		if (existing !== undefined) existing.changes = [...existing.changes, ...reset];
		else
			// The id stays stable for the same change read again: it derives from the passwordChanged event's own.
			result.push({ ...event, id: hashHex(`${event.id}|user.updated`), type: 'user.updated', changes: reset });
	}
	return result;
}
