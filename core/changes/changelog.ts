/**
 * `cn=changelog` as a change source: the 389 DS retro changelog and OpenDJ's changelog, each record
 * numbered (changeNumber) with targetDN, changeType, the changes as LDIF text, and the entry's id
 * (targetUniqueId on 389 DS, targetEntryUUID on OpenDJ). Numbers are per server: the cursor is a
 * change number on the one server polled; a trimmed log (firstChangeNumber past the cursor) means
 * records were lost, so the poll reconciles and emits directory.resync.
 *
 * NOT verified against a live 389 DS or OpenDJ (none runs here): written from the documented record
 * shapes and unit-tested on handwritten responses (test/unit/changes-logs.test.ts).
 */
import type { Entry } from '../../transport/ldap/ldapts';
import { attributeValue } from '../ldap/entry';
import { compileFilter } from '../ldap/filter-compiler';
import type { ChangeContext } from './differ';
import type { LdapPollCore } from './ldap-poller';
import { LdapStrategyBase } from './ldap-strategies';
import { dnHash, recordKeyOf, type Snapshot } from './snapshot';
import type { ChangeState } from './state';
import { snapshotOf, type StrategyStep } from './strategy';

export interface ChangelogRecord {
	changeNumber: number;
	type: 'add' | 'delete' | 'modify' | 'modrdn' | 'other';
	targetDn: string;
	/** The entry's stable id, when the server records it. */
	targetId?: string;
	/** Who made the change, when recorded (OpenDJ: changeInitiatorsName; 389: creatorsName of the record). */
	actor?: string;
	/** Attributes named by the LDIF changes text. */
	changedAttributes: string[];
	changeTime?: string;
}

/** 389 DS writes nsUniqueId in its own form; the changelog's targetUniqueId uses the same. */
function idOf(entry: Entry): string | undefined {
	return (attributeValue(entry, 'targetEntryUUID') ?? attributeValue(entry, 'targetUniqueId'))?.toLowerCase();
}

/** Decodes one changelog entry. */
export function parseChangelogRecord(entry: Entry): ChangelogRecord {
	const type = (attributeValue(entry, 'changeType') ?? '').toLowerCase();
	const changes = attributeValue(entry, 'changes') ?? '';
	const changedAttributes = [...new Set([...changes.matchAll(/^(?:add|delete|replace|increment): *([A-Za-z0-9;.-]+)$/gim)].map((match) => match[1]))];
	return {
		changeNumber: Number(attributeValue(entry, 'changeNumber') ?? NaN),
		type: type === 'add' || type === 'delete' || type === 'modify' || type === 'modrdn' ? type : 'other',
		targetDn: attributeValue(entry, 'targetDN') ?? '',
		targetId: idOf(entry),
		actor: attributeValue(entry, 'changeInitiatorsName') ?? attributeValue(entry, 'creatorsName'),
		changedAttributes,
		changeTime: attributeValue(entry, 'changeTime') ?? attributeValue(entry, 'createTimestamp'),
	};
}

/** What the root DSE says about the log: its first and last change numbers. */
export function changelogBounds(rootDse: Entry): { first?: number; last?: number } {
	const read = (name: string) => {
		const value = Number(attributeValue(rootDse, name));
		return Number.isFinite(value) ? value : undefined;
	};
	return { first: read('firstChangeNumber'), last: read('lastChangeNumber') };
}

/** Whether records after `cursor` may be missing: the oldest kept record is beyond the next one. */
export function changelogCursorLost(cursor: number, bounds: { first?: number; last?: number }): boolean {
	if (bounds.first !== undefined && bounds.first > cursor + 1) return true;
	// A log that restarted numbering (re-initialised server) has a last number below the cursor.
	return bounds.last !== undefined && bounds.last < cursor;
}

/**
 * Per entry: stamp, time and actor of its last record; the entry is named by its id, or by the id the
 * snapshot knows for its DN (deletes on servers that do not record the id).
 */
export function changelogContexts(records: ChangelogRecord[], snapshot: Snapshot, captureActor: boolean): { contexts: Map<string, ChangeContext>; unresolvedDns: string[] } {
	const byDn = new Map<number, string>();
	for (const record of snapshot.users.values()) byDn.set(record.dnHash, record.id);
	for (const record of snapshot.groups.values()) byDn.set(record.dnHash, record.id);
	const contexts = new Map<string, ChangeContext>();
	const unresolvedDns: string[] = [];
	for (const record of records) {
		const id = record.targetId !== undefined ? recordKeyOf(record.targetId) : byDn.get(dnHash(record.targetDn));
		if (id === undefined) {
			unresolvedDns.push(record.targetDn);
			continue;
		}
		const context = contexts.get(id) ?? { stamp: '' };
		context.stamp = `changeNumber:${record.changeNumber}`;
		context.actor = captureActor && record.actor ? { dn: record.actor } : undefined;
		if (record.type === 'delete') context.deleted = { dn: record.targetDn };
		contexts.set(id, context);
	}
	return { contexts, unresolvedDns };
}

export class ChangelogStrategy extends LdapStrategyBase {
	readonly name = 'changelog' as const;

	protected async currentPosition(): Promise<{ cursor?: string }> {
		const bounds = changelogBounds(await this.reader.scope.session.rootDse(['firstChangeNumber', 'lastChangeNumber']));
		return { cursor: String(bounds.last ?? 0) };
	}

	protected async step(core: LdapPollCore, previous: ChangeState): Promise<StrategyStep> {
		const cursor = Number(previous.cursor);
		if (!Number.isInteger(cursor)) return this.reconcileStep(core, previous, 'no changelog position was stored');
		const bounds = changelogBounds(await this.reader.scope.session.rootDse(['firstChangeNumber', 'lastChangeNumber']));
		if (changelogCursorLost(cursor, bounds)) {
			return this.reconcileStep(core, previous, `the changelog no longer holds change ${cursor + 1} (trimmed or re-initialised): reconciled against the snapshot`);
		}
		if (this.dueForReconcile(previous)) return this.reconcileStep(core, previous);
		const entries = await this.reader.scope.session.search('cn=changelog', {
			scope: 'one',
			filter: compileFilter(`(changeNumber>=${cursor + 1})`),
			attributes: ['changeNumber', 'changeType', 'targetDN', 'targetUniqueId', 'targetEntryUUID', 'changes', 'changeInitiatorsName', 'creatorsName', 'changeTime', 'createTimestamp'],
		});
		const all = entries.map(parseChangelogRecord).filter((record) => record.changeNumber > cursor).sort((a, b) => a.changeNumber - b.changeNumber);
		const records = all.filter((record) => this.reader.inScope(record.targetDn));
		const snapshot = snapshotOf(previous);
		const { contexts, unresolvedDns } = changelogContexts(records, snapshot, true);
		const ids = [...contexts.keys()];
		const observations = await this.reader.entriesByIds(ids);
		// New entries on a server that records no ids: read them by DN.
		for (const dn of unresolvedDns) {
			const found = await this.reader.entryByDn(dn);
			if (found?.kind === 'user') observations.users.set(found.observed.observation.record.id, found.observed);
			if (found?.kind === 'group') observations.groups.set(found.observed.observation.record.id, found.observed);
		}
		const applied = await core.apply(snapshot, contexts, observations);
		const newest = all.length > 0 ? all[all.length - 1].changeNumber : cursor;
		return { events: applied.events, snapshot: applied.snapshot, stampHighWater: applied.highWater ?? previous.stampHighWater, cursor: String(newest), reconciled: false };
	}
}
