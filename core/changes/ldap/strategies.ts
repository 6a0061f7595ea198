/**
 * The LDAP strategies that need no change log: full snapshot, and modifyTimestamp with a periodic
 * snapshot reconciliation. Both key entries by their stable id, so a rename is a rename.
 */
import type { ChangeStrategyName, EventSource } from '../events';
import { ExistingEntries, type ExistingEntriesOptions } from '../existing';
import type { LdapChangeReader } from './reader';
import { LdapPollCore } from './poller';
import { confirmPasswordChanges } from './password-confirmation';
import type { ChangeState, EmitOptions, PollResult } from '../state';
import {
	finishPoll,
	generationOf,
	otherServerReason,
	snapshotOf,
	storedState,
	type ChangeStrategy,
	type StrategyStep,
} from '../strategy';

export interface LdapStrategyOptions extends EmitOptions, ExistingEntriesOptions {
	/** Timestamp (and log) strategies: a full reconciliation every this many polls (default 12; 0 never). */
	reconcileEvery?: number;
	/** Clock for detectedAt (tests). */
	now?: () => Date;
}

/**
 * Identifies the watched scope, so that a state saved for another base is not reused. Not the server:
 * the servers of one credential's list hold the same directory (see ChangeState.server).
 */
export function ldapScopeKey(reader: LdapChangeReader): string {
	const scope = reader.scope;
	return [
		scope.userBaseDN,
		scope.groupBaseDN,
		scope.userFilter ?? '',
		scope.groupFilter ?? '',
		reader.extraAttributes.join(','),
	].join('|');
}

/** Base of the LDAP strategies: first activation, reconciliation, and finishing a poll. */
export abstract class LdapStrategyBase implements ChangeStrategy {
	abstract readonly name: ChangeStrategyName;

	constructor(
		protected readonly reader: LdapChangeReader,
		protected readonly server: string,
		protected readonly options: LdapStrategyOptions = {},
	) {}

	protected source(): EventSource {
		return { kind: 'ldap', server: this.server, strategy: this.name, base: this.reader.scope.userBaseDN };
	}

	async poll(cursor: ChangeState | undefined): Promise<PollResult> {
		const source = this.source();
		const detectedAt = (this.options.now?.() ?? new Date()).toISOString();
		const scopeKey = ldapScopeKey(this.reader);
		const { previous, unusable, snapshotLost } = storedState(cursor, scopeKey);
		const known = previous ?? snapshotLost;
		const core = new LdapPollCore(this.reader, source, detectedAt, generationOf(known), known?.stampHighWater);
		let step: StrategyStep;
		const recovery = snapshotLost === undefined ? undefined : await this.recoverStep(core, snapshotLost);
		const recovered = typeof recovery === 'object' ? recovery : undefined;
		if (recovered !== undefined) step = recovered;
		else if (previous === undefined) {
			const existing =
				unusable === undefined
					? ExistingEntries.forFirstPoll(
							this.options,
							source,
							detectedAt,
							(field) => this.reader.scope.profile.user[field],
						)
					: undefined;
			const why = typeof recovery === 'string' ? ` (the change log could not tell them: ${recovery})` : '';
			step = {
				...(await this.start(core, existing)),
				resyncReason: unusable === undefined ? undefined : `${unusable}${why}`,
			};
		} else {
			// A full snapshot poll reconciles anyway and has no position to lose.
			const failedOver = this.name === 'snapshot' ? undefined : otherServerReason(previous, this.server);
			step =
				failedOver !== undefined
					? await this.reconcileStep(core, previous, failedOver)
					: await this.step(core, previous);
		}
		step = { ...step, events: await confirmPasswordChanges(this.reader, step.events) };
		return finishPoll(recovered === undefined ? previous : snapshotLost, step, {
			name: this.name,
			scopeKey,
			source,
			detectedAt,
			emit: this.options,
		});
	}

	/**
	 * First activation: the log position first (so nothing written during the baseline is missed), then
	 * the baseline; its events are those of the existing entries when asked for, else none.
	 */
	protected async start(core: LdapPollCore, existing: ExistingEntries | undefined): Promise<StrategyStep> {
		const position = await this.currentPosition();
		const { snapshot, highWater } = await core.baseline(existing);
		return {
			events: existing?.events ?? [],
			snapshot,
			stampHighWater: highWater,
			cursor: position?.cursor,
			cursorContext: position?.context,
			reconciled: true,
		};
	}

	/**
	 * A poll from a state whose snapshot was lost (held by a process that no longer holds it): the events since its
	 * position, with a new snapshot, when the strategy's log can tell them exactly; else why it cannot (undefined:
	 * the strategy has no log), and the poll starts over.
	 */
	protected recoverStep(_core: LdapPollCore, _lost: ChangeState): Promise<StrategyStep | string | undefined> {
		return Promise.resolve(undefined);
	}

	/** Where the change log is now, for strategies that have one. */
	protected currentPosition(): Promise<{ cursor?: string; context?: string } | undefined> {
		return Promise.resolve(undefined);
	}

	protected async reconcileStep(
		core: LdapPollCore,
		previous: ChangeState,
		resyncReason?: string,
	): Promise<StrategyStep> {
		const position = await this.currentPosition();
		const applied = await core.reconcile(snapshotOf(previous), previous.stampHighWater);
		return {
			events: applied.events,
			snapshot: applied.snapshot,
			stampHighWater: applied.highWater ?? previous.stampHighWater,
			cursor: position?.cursor ?? previous.cursor,
			cursorContext: position?.context ?? previous.cursorContext,
			reconciled: true,
			resyncReason,
		};
	}

	protected dueForReconcile(previous: ChangeState): boolean {
		const every = this.options.reconcileEvery ?? 12;
		return every > 0 && previous.pollsSinceReconcile + 1 >= every;
	}

	protected abstract step(core: LdapPollCore, previous: ChangeState): Promise<StrategyStep>;
}

/** Every poll is a thin reconciliation: sees everything, costs a read of every id. */
export class SnapshotStrategy extends LdapStrategyBase {
	readonly name = 'snapshot' as const;

	protected step(core: LdapPollCore, previous: ChangeState): Promise<StrategyStep> {
		return this.reconcileStep(core, previous);
	}
}

/**
 * `(modifyTimestamp>=high-water mark)` on users and groups; entries at the boundary second are read
 * again and dropped by the differ when unchanged. Deletes are only seen by the periodic reconciliation.
 */
export class TimestampStrategy extends LdapStrategyBase {
	readonly name = 'timestamp' as const;

	protected async step(core: LdapPollCore, previous: ChangeState): Promise<StrategyStep> {
		if (this.dueForReconcile(previous) || previous.stampHighWater === undefined)
			return this.reconcileStep(core, previous);
		const changed = await this.reader.changedSince(previous.stampHighWater);
		const observations = {
			users: new Map(changed.users.map((observed) => [observed.observation.record.id, observed])),
			groups: new Map(changed.groups.map((observed) => [observed.observation.record.id, observed])),
		};
		const applied = await core.apply(snapshotOf(previous), new Map(), observations);
		const highWater =
			applied.highWater !== undefined && applied.highWater > previous.stampHighWater
				? applied.highWater
				: previous.stampHighWater;
		return { events: applied.events, snapshot: applied.snapshot, stampHighWater: highWater, reconciled: false };
	}
}
