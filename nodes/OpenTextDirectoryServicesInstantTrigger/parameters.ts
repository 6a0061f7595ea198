/**
 * The instant trigger's own options → how the listener runs (core/changes/ldap/listen/listener.ts). What it
 * watches comes from the polling trigger's parameters (../OpenTextDirectoryServicesTrigger/parameters.ts).
 * Pure: no n8n, so it is tested on its own (test/unit/instant-trigger-parameters.test.ts).
 */
import { ConfigurationError } from '../../core/errors';

export interface ListenParameters {
	/** A server that cannot listen is read at this interval instead of failing the activation; undefined: fail. */
	fallbackReadMs?: number;
	/** A read when nothing was read for this long. */
	safetyReadMs: number;
}

export const DEFAULT_READ_INTERVAL_SECONDS = 10;
export const DEFAULT_SAFETY_READ_MINUTES = 5;

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
	};
}
