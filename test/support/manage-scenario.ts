/**
 * What the management tests on every real server share: a poll that collects the trigger's event types, and
 * the change stamps of an entry, to prove that an operation whose effect was there wrote nothing.
 */
import type { DirectoryEvent } from '../../core/changes/events';
import type { ChangeState } from '../../core/changes/state';
import type { ChangeStrategy } from '../../core/changes/strategy';
import { attributeValues } from '../../core/ldap/entry';
import type { LdapSession } from '../../transport/ldap/session';

/** Polls a change strategy as the trigger does, keeping its state between polls. */
export class EventProbe {
	private state: ChangeState | undefined;

	constructor(private readonly strategy: () => ChangeStrategy) {}

	async poll(): Promise<DirectoryEvent[]> {
		const result = await this.strategy().poll(this.state);
		this.state = result.nextCursor;
		return result.events;
	}

	/** The types of the events of the next poll, for one entry (by DN or id) or all, sorted. */
	async types(about?: { dn?: string; id?: string }): Promise<string[]> {
		const events = await this.poll();
		return events
			.filter(
				(event) =>
					about === undefined ||
					(about.dn !== undefined &&
						[event.user?.dn, event.group?.dn].some((dn) => dn?.toLowerCase() === about.dn?.toLowerCase())) ||
					(about.id !== undefined && [event.user?.id, event.group?.id].includes(about.id)),
			)
			.map((event) => event.type)
			.sort();
	}
}

/** The values of the stamp attributes of an entry, joined: equal before and after when nothing was written. */
export async function stampsOf(session: LdapSession, dn: string, attributes: string[]): Promise<string> {
	const [entry] = await session.search(dn, { scope: 'base', filter: '(objectClass=*)', attributes });
	return attributes.map((name) => `${name}=${attributeValues(entry, name).join('|')}`).join(';');
}
