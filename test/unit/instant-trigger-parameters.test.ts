/**
 * The instant trigger's own options (nodes/OpenTextDirectoryServicesInstantTrigger/parameters.ts) and its
 * parameters derived from the polling trigger's, without n8n.
 */
import type { LdapWatchOptions } from '../../core/changes/watch';
import { ConfigurationError } from '../../core/errors';
import { OpenTextDirectoryServicesInstantTrigger } from '../../nodes/OpenTextDirectoryServicesInstantTrigger/OpenTextDirectoryServicesInstantTrigger.node';
import {
	listenParametersOf,
	watchOptionsForRead,
} from '../../nodes/OpenTextDirectoryServicesInstantTrigger/parameters';
import { watchOptionsOf } from '../../nodes/OpenTextDirectoryServicesTrigger/parameters';
import { OpenTextDirectoryServicesTrigger } from '../../nodes/OpenTextDirectoryServicesTrigger/OpenTextDirectoryServicesTrigger.node';

describe('listen options', () => {
	it('fails when the server cannot listen unless told to read at an interval; safety read every 5 minutes; reconciles every 12 minutes', () => {
		expect(listenParametersOf({})).toEqual({ fallbackReadMs: undefined, safetyReadMs: 300_000, reconcileMs: 720_000 });
		expect(listenParametersOf({ cannotListen: 'readAtInterval' })).toEqual({
			fallbackReadMs: 10_000,
			safetyReadMs: 300_000,
			reconcileMs: 720_000,
		});
		expect(
			listenParametersOf({
				cannotListen: 'readAtInterval',
				readIntervalSeconds: 3,
				safetyReadMinutes: 1,
				reconcileEvery: 0,
			}),
		).toEqual({ fallbackReadMs: 3000, safetyReadMs: 60_000, reconcileMs: undefined });
		// The interval is ignored while listening is required.
		expect(listenParametersOf({ readIntervalSeconds: 3 }).fallbackReadMs).toBeUndefined();
	});

	it('names the field of a wrong number', () => {
		expect(() => listenParametersOf({ cannotListen: 'readAtInterval', readIntervalSeconds: 0 })).toThrow(
			new ConfigurationError('Read Interval (Seconds)', 'must be a number above 0'),
		);
		expect(() => listenParametersOf({ safetyReadMinutes: 'soon' })).toThrow(/Safety Read \(Minutes\)/);
		expect(() => listenParametersOf({ reconcileEvery: -1 })).toThrow(/Reconcile Every N Minutes/);
	});

	it('a read reconciles only when the listener says so (its own timer), whatever Reconcile Every says', () => {
		const watch = watchOptionsOf({ source: 'ldap', options: { reconcileEvery: 2 } }).watch as LdapWatchOptions;
		expect(watchOptionsForRead(watch, 'change').reconcileEvery).toBe(0);
		expect(watchOptionsForRead(watch, 'safety').reconcileEvery).toBe(0);
		expect(watchOptionsForRead(watch, 'reconcile').reconcileEvery).toBe(1);
	});
});

describe('the instant trigger description', () => {
	const instant = new OpenTextDirectoryServicesInstantTrigger().description;
	const polling = new OpenTextDirectoryServicesTrigger().description;
	const named = (properties: typeof instant.properties, name: string) => properties.find((p) => p.name === name)!;
	const optionNames = (properties: typeof instant.properties) =>
		(named(properties, 'options').options ?? []).map((option) => option.name);

	it('is a listening trigger over the LDAP credential only', () => {
		expect(instant.name).toBe('openTextDirectoryServicesInstantTrigger');
		expect(instant.polling).toBeUndefined();
		expect(instant.credentials?.map((credential) => credential.name)).toEqual(['openTextDirectoryLdapApi']);
		expect(named(instant.properties, 'source').options?.map((option) => 'value' in option && option.value)).toEqual([
			'ldap',
		]);
		expect(String(named(instant.properties, 'notice').displayName)).toMatch(/OTDS REST has no change feed/);
	});

	it("shares the polling trigger's events, change detection, segment and LDAP options, and adds how to listen", () => {
		for (const name of ['events', 'strategy', 'segment'])
			expect(named(instant.properties, name)).toBe(named(polling.properties, name));
		const ldapOptions = optionNames(polling.properties).filter((name) => name !== 'partition');
		expect(optionNames(instant.properties).sort()).toEqual(
			[...ldapOptions, 'cannotListen', 'readIntervalSeconds', 'safetyReadMinutes'].sort(),
		);
	});
});
