/**
 * The instant trigger's own options → how the listener runs (core/changes/ldap/listen/listener.ts). What it
 * watches comes from the polling trigger's parameters (../OpenTextDirectoryServicesTrigger/parameters.ts).
 * Pure: no n8n, so it is tested on its own (test/unit/instant-trigger-parameters.test.ts).
 */
import type { ReadReason } from '../../core/changes/ldap/listen/listener';
import type { LdapWatchOptions } from '../../core/changes/watch';
import { ConfigurationError } from '../../core/errors';

export interface ListenParameters {
	/** A server that cannot listen is read at this interval instead of failing the activation; undefined: fail. */
	fallbackReadMs?: number;
	/** A read when nothing was read for this long. */
	safetyReadMs: number;
	/** How often the snapshot is compared in full (Reconcile Every N Minutes); undefined: never. */
	reconcileMs?: number;
}

export const DEFAULT_READ_INTERVAL_SECONDS = 10;
export const DEFAULT_SAFETY_READ_MINUTES = 5;
/** The polling trigger's default of 12 polls, a minute apart. */
export const DEFAULT_RECONCILE_MINUTES = 12;

function positive(value: unknown, fallback: number, field: string): number {
	const number = value === undefined || value === '' ? fallback : Number(value);
	if (!Number.isFinite(number) || number <= 0) throw new ConfigurationError(field, 'must be a number above 0');
	return number;
}

export function listenParametersOf(options: Record<string, unknown>): ListenParameters {
	const readAtInterval = options.cannotListen === 'readAtInterval';
	return {
		fallbackReadMs: readAtInterval
			? positive(options.readIntervalSeconds, DEFAULT_READ_INTERVAL_SECONDS, 'Read Interval (Seconds)') * 1000
			: undefined,
		safetyReadMs: positive(options.safetyReadMinutes, DEFAULT_SAFETY_READ_MINUTES, 'Safety Read (Minutes)') * 60_000,
		reconcileMs: reconcileMsOf(options.reconcileEvery),
	};
}

/**
 * Reconcile Every N: the polling trigger reads once a minute, so N polls are N minutes; the listening trigger
 * reads at every change, so it counts minutes, not reads (the listener's own timer).
 */
function reconcileMsOf(value: unknown): number | undefined {
	const minutes = value === undefined || value === '' ? DEFAULT_RECONCILE_MINUTES : Number(value);
	if (!Number.isFinite(minutes) || minutes < 0)
		throw new ConfigurationError('Reconcile Every N Minutes', 'must be a number of at least 0 (0: never)');
	return minutes === 0 ? undefined : minutes * 60_000;
}

/** The watch options of one read: it reconciles only when the listener says so (reason 'reconcile'). */
export function watchOptionsForRead(watch: LdapWatchOptions, reason: ReadReason): LdapWatchOptions {
	return { ...watch, reconcileEvery: reason === 'reconcile' ? 1 : 0 };
}
