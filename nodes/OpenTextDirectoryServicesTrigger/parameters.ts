/**
 * The trigger's parameters → what the core watches (core/changes/watch.ts). Pure: no n8n, so it is tested
 * on its own (test/unit/trigger-parameters.test.ts).
 */
import type { LdapStrategyChoice } from '../../core/changes/ldap/auto';
import type { DirectoryEventType } from '../../core/changes/events';
import { DEFAULT_EXISTING_LIMIT } from '../../core/changes/existing';
import { DEFAULT_POLL_DEADLINE_MS } from '../../core/changes/strategy';
import { ConfigurationError } from '../../core/errors';
import type { DirectoryWatchOptions, LdapWatchOptions, WatchScopeOptions } from '../../core/changes/watch';
import type { AttributeCondition } from '../../core/directory/conditions';
import type { OtdsFieldMap } from '../../core/otds/mapping';
import { ldapFieldMapOf, otdsFieldMapOf, privilegedGroupsOf, semicolonList, splitList } from '../shared/parameter-text';

/** The trigger's parameters, as the node reads them. */
export interface TriggerParameters {
	source: 'ldap' | 'otdsRest';
	/** Change Detection (LDAP only); Auto when absent. */
	strategy?: LdapStrategyChoice;
	events?: DirectoryEventType[];
	/** The Segment's rows. */
	conditions?: AttributeCondition[];
	/** The Options collection. */
	options?: Record<string, unknown>;
}

/** What to watch: an LDAP directory, or OTDS REST (whose directory is opened with `fields`). */
export type TriggerWatch =
	| { source: 'ldap'; watch: LdapWatchOptions }
	| { source: 'otdsRest'; watch: DirectoryWatchOptions; fields: Partial<OtdsFieldMap> };

/** Trimmed text; undefined when empty. */
const textOf = (value: unknown): string | undefined => String(value ?? '').trim() || undefined;

/** A filter typed in the editor, in parentheses; undefined when none. */
function typedFilter(value: unknown): string | undefined {
	const trimmed = String(value ?? '').trim();
	if (trimmed === '') return undefined;
	return trimmed.startsWith('(') ? trimmed : `(${trimmed})`;
}

export function watchOptionsOf(parameters: TriggerParameters): TriggerWatch {
	const options = parameters.options ?? {};
	const scope: WatchScopeOptions = {
		conditions: parameters.conditions ?? [],
		extraAttributes: splitList(options.additionalAttributes as string | undefined),
		privilegedGroups: privilegedGroupsOf(options),
		eventTypes: parameters.events ?? [],
		groupMembers: options.groupMembers !== false,
		bulkThreshold: Number(options.bulkThreshold ?? 100),
		emitExisting: options.emitExisting === true,
		existingLimit: Number(options.existingLimit ?? DEFAULT_EXISTING_LIMIT),
	};
	const mapping = String(options.attributeMapping ?? '');
	if (parameters.source === 'otdsRest') {
		return {
			source: 'otdsRest',
			// OTDS REST: the group scope is one text the group names contain.
			watch: { ...scope, partition: textOf(options.partition), groupNameContains: textOf(options.groupScope) },
			fields: otdsFieldMapOf(mapping),
		};
	}
	const tombstoneLifetimeDays = Number(options.tombstoneLifetimeDays ?? 0);
	return {
		source: 'ldap',
		watch: {
			...scope,
			strategy: parameters.strategy ?? 'auto',
			userBaseDN: textOf(options.userBaseDN),
			groupBaseDN: textOf(options.groupBaseDN),
			userFilter: typedFilter(options.userFilter),
			groupFilter: typedFilter(options.groupFilter),
			// LDAP: group names, separated by semicolons.
			groupNames: semicolonList(options.groupScope),
			attributeMapping: ldapFieldMapOf(mapping),
			accesslogDN: textOf(options.accesslogDN),
			captureActor: options.captureActor !== false,
			reconcileEvery: Number(options.reconcileEvery ?? 12),
			logRecordsPerPoll: Number(options.logRecordsPerPoll ?? 5000),
			tombstoneLifetimeDays: tombstoneLifetimeDays > 0 ? tombstoneLifetimeDays : undefined,
		},
	};
}

/** Poll Deadline (Minutes) → milliseconds; the core's default when unset. */
export function pollDeadlineMsOf(options: Record<string, unknown> = {}): number {
	const minutes = Number(options.pollDeadlineMinutes ?? DEFAULT_POLL_DEADLINE_MS / 60_000);
	if (!Number.isFinite(minutes) || minutes <= 0)
		throw new ConfigurationError(
			'Poll Deadline (Minutes)',
			`is ${String(options.pollDeadlineMinutes)}: use a positive number`,
		);
	return minutes * 60_000;
}
