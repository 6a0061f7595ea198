/**
 * Active Directory: `uSNChanged` on one fixed domain controller, with tombstones for deletes.
 * The DC's highestCommittedUSN is read BEFORE searching (a change committed during the search is read
 * again next time, never skipped); USNs are per DC, so the cursor is stored with the DC's name and
 * invocationID, and a different DC or a restored one (new invocationID) means reconciliation and
 * directory.resync. Deleted objects are found with the Show Deleted control (isDeleted=TRUE).
 *
 * NOT verified against a live Active Directory (none runs here): written from the documented
 * behaviour and unit-tested on handwritten responses (test/unit/changes-logs.test.ts). Known gap: a
 * poll gap longer than the tombstone lifetime (60 days by default) can miss deletes until the next
 * periodic reconciliation.
 */
import { Control, type Entry } from '../../transport/ldap/ldapts';
import { attributeValue, binaryValue } from '../ldap/entry';
import { compileFilter } from '../ldap/filter-compiler';
import { guidToString } from '../ldap/flavours/active-directory';
import type { ChangeContext } from './differ';
import type { LdapPollCore } from './ldap-poller';
import { LdapStrategyBase } from './ldap-strategies';
import { recordKeyOf } from './snapshot';
import type { ChangeState } from './state';
import { snapshotOf, type StrategyStep } from './strategy';

export const SHOW_DELETED_OID = '1.2.840.113556.1.4.417';

/** The DC a USN cursor belongs to: `dnsHostName|invocationID`. */
export function adCursorContext(rootDse: Entry, ntdsSettings: Entry | undefined): string {
	const invocation = ntdsSettings ? binaryValue(ntdsSettings, 'invocationId') : undefined;
	const invocationText = invocation ? guidToString(invocation) : (ntdsSettings ? attributeValue(ntdsSettings, 'invocationId') : undefined) ?? '';
	return `${(attributeValue(rootDse, 'dnsHostName') ?? '').toLowerCase()}|${invocationText.toLowerCase()}`;
}

/** Why a stored USN cursor cannot be continued, or undefined when it can. */
export function adCursorProblem(previousContext: string | undefined, currentContext: string, cursor: string | undefined, highest: number): string | undefined {
	if (cursor === undefined || !/^\d+$/.test(cursor)) return 'no uSNChanged position was stored';
	if (previousContext !== currentContext) {
		const [previousDc] = (previousContext ?? '').split('|');
		const [currentDc] = currentContext.split('|');
		return previousDc === currentDc
			? 'the domain controller was restored (its invocationID changed): USNs restarted'
			: `the poll reached another domain controller (${currentDc || 'unknown'} instead of ${previousDc || 'unknown'}): USNs are per DC`;
	}
	if (highest < Number(cursor)) return 'the domain controller reports a lower USN than the stored one';
	return undefined;
}

/** A tombstone's id and last known place. */
export function parseTombstone(entry: Entry): { id?: string; lastKnownParent?: string; name?: string } {
	const guid = binaryValue(entry, 'objectGUID');
	return {
		id: guid ? guidToString(guid) : attributeValue(entry, 'objectGUID'),
		lastKnownParent: attributeValue(entry, 'lastKnownParent'),
		name: attributeValue(entry, 'msDS-LastKnownRDN'),
	};
}

export class AdUsnStrategy extends LdapStrategyBase {
	readonly name = 'adUsn' as const;

	protected async currentPosition(): Promise<{ cursor: string; context: string }> {
		const session = this.reader.scope.session;
		const rootDse = await session.rootDse(['highestCommittedUSN', 'dsServiceName', 'dnsHostName', 'defaultNamingContext']);
		const service = attributeValue(rootDse, 'dsServiceName');
		const ntds = service
			? (await session.search(service, { scope: 'base', filter: compileFilter('(objectClass=*)'), attributes: ['invocationId'], explicitBufferAttributes: ['invocationId'] }))[0]
			: undefined;
		return { cursor: attributeValue(rootDse, 'highestCommittedUSN') ?? '0', context: adCursorContext(rootDse, ntds) };
	}

	protected async step(core: LdapPollCore, previous: ChangeState): Promise<StrategyStep> {
		const position = await this.currentPosition();
		const problem = adCursorProblem(previous.cursorContext, position.context, previous.cursor, Number(position.cursor));
		if (problem !== undefined) return this.reconcileStep(core, previous, problem);
		if (this.dueForReconcile(previous)) return this.reconcileStep(core, previous);
		const since = Number(previous.cursor) + 1;
		const usnFilter = `(uSNChanged>=${since})`;
		const users = new Map();
		for await (const page of this.reader.allUsers(usnFilter)) for (const observed of page) users.set(observed.observation.record.id, observed);
		const groups = new Map((await this.reader.allGroups(usnFilter)).map((observed) => [observed.observation.record.id, observed]));
		const contexts = new Map<string, ChangeContext>();
		const rootDse = await this.reader.scope.session.rootDse(['defaultNamingContext']);
		const domain = attributeValue(rootDse, 'defaultNamingContext') ?? this.reader.scope.userBaseDN;
		const tombstones = await this.reader.scope.session.search(
			domain,
			{ scope: 'sub', filter: compileFilter(`(&(isDeleted=TRUE)${usnFilter})`), attributes: ['objectGUID', 'lastKnownParent', 'msDS-LastKnownRDN', 'uSNChanged'], explicitBufferAttributes: ['objectGUID'] },
			[new Control(SHOW_DELETED_OID, { critical: true })],
		);
		for (const entry of tombstones) {
			const tombstone = parseTombstone(entry);
			if (tombstone.id === undefined) continue;
			contexts.set(recordKeyOf(tombstone.id), { stamp: `usn:${attributeValue(entry, 'uSNChanged') ?? ''}`, deleted: { login: tombstone.name } });
		}
		const applied = await core.apply(snapshotOf(previous), contexts, { users, groups });
		return { events: applied.events, snapshot: applied.snapshot, stampHighWater: applied.highWater ?? previous.stampHighWater, cursor: position.cursor, cursorContext: position.context, reconciled: false };
	}
}
