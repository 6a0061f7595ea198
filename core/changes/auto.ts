/**
 * Builds the LDAP change strategy the user asked for, or, for Auto, the best the server offers:
 * OpenLDAP's accesslog when readable, a changelog (389 DS, OpenDJ), Active Directory's uSNChanged,
 * and otherwise modifyTimestamp with periodic reconciliation. The choice is reported in every event's
 * source.strategy, and why in `reason`.
 */
import { DirectoryConfigurationError, DirectoryRequestError } from '../errors';
import type { LdapSession } from '../../transport/ldap/session';
import { compileFilter } from '../ldap/filter-compiler';
import { describeServer, ROOT_DSE_ATTRIBUTES, type DirectoryServerInfo } from '../ldap/server-info';
import { profileFor, type FlavourProfile } from '../ldap/flavours';
import { AccesslogStrategy, type AccesslogStrategyOptions } from './accesslog';
import { AdUsnStrategy } from './ad-usn';
import { ChangelogStrategy } from './changelog';
import type { ChangeStrategyName } from './events';
import { LdapChangeReader, type LdapWatchScope } from './ldap-reader';
import { SnapshotStrategy, TimestampStrategy } from './ldap-strategies';
import type { ChangeStrategy } from './strategy';

export type LdapStrategyChoice = 'auto' | Exclude<ChangeStrategyName, 'otdsTimestamp'>;

export const LDAP_STRATEGY_CHOICES: readonly LdapStrategyChoice[] = ['auto', 'accesslog', 'changelog', 'adUsn', 'timestamp', 'snapshot'];

/** Picks a strategy from what the root DSE says; `accesslogReadable` says whether cn=accesslog answered. */
export function chooseStrategy(info: DirectoryServerInfo, accesslogReadable: boolean): { name: Exclude<LdapStrategyChoice, 'auto'>; reason: string } {
	const logs = info.changeLogs.map((name) => name.toLowerCase());
	if (logs.includes('cn=accesslog') && accesslogReadable) return { name: 'accesslog', reason: 'the server publishes cn=accesslog and the bind account can read it' };
	if (logs.includes('cn=changelog')) return { name: 'changelog', reason: 'the server publishes cn=changelog' };
	if (info.flavour === 'activeDirectory') return { name: 'adUsn', reason: 'Active Directory: uSNChanged on this domain controller, tombstones for deletes' };
	const why = logs.includes('cn=accesslog') ? 'cn=accesslog is not readable by the bind account' : 'the server publishes no change log';
	return { name: 'timestamp', reason: `${why}: modifyTimestamp with periodic reconciliation` };
}

export interface LdapChangeStrategySettings extends Omit<LdapWatchScope, 'profile' | 'flavour'>, AccesslogStrategyOptions {
	strategy: LdapStrategyChoice;
	/** The credential's flavour; 'auto' detects it from the root DSE. */
	flavour: LdapWatchScope['flavour'] | 'auto';
	/** Per-attribute overrides of the flavour's mapping, e.g. { user: { department: 'division' } }. */
	profileOverride?: (profile: FlavourProfile) => FlavourProfile;
}

async function accesslogReadable(session: LdapSession, logDN: string): Promise<boolean> {
	const found = await session.search(logDN, { scope: 'base', filter: compileFilter('(objectClass=*)'), attributes: ['1.1'] }).catch((error: unknown) => {
		if (error instanceof DirectoryRequestError && (error.kind === 'noSuchObject' || error.kind === 'insufficientAccess')) return [];
		throw error;
	});
	return found.length > 0;
}

/** The strategy for these settings, with the server facts that decided it. */
export async function createLdapChangeStrategy(settings: LdapChangeStrategySettings): Promise<{ strategy: ChangeStrategy; reason: string; server: DirectoryServerInfo }> {
	if (!LDAP_STRATEGY_CHOICES.includes(settings.strategy)) {
		throw new DirectoryConfigurationError('Change Detection', `"${String(settings.strategy)}" is not a strategy: use one of ${LDAP_STRATEGY_CHOICES.join(', ')}`);
	}
	const session = settings.session;
	const server = describeServer(await session.rootDse(ROOT_DSE_ATTRIBUTES));
	const flavour = settings.flavour === 'auto' ? server.flavour : settings.flavour;
	const base = profileFor(flavour);
	const profile = settings.profileOverride ? settings.profileOverride(base) : base;
	const reader = new LdapChangeReader({ ...settings, profile, flavour });
	let name = settings.strategy;
	let reason = 'chosen in the settings';
	if (name === 'auto') {
		const choice = chooseStrategy(server, server.changeLogs.some((log) => log.toLowerCase() === 'cn=accesslog') && (await accesslogReadable(session, settings.accesslogDN ?? 'cn=accesslog')));
		name = choice.name;
		reason = choice.reason;
	}
	const strategies: Record<Exclude<LdapStrategyChoice, 'auto'>, () => ChangeStrategy> = {
		accesslog: () => new AccesslogStrategy(reader, session.server, settings),
		changelog: () => new ChangelogStrategy(reader, session.server, settings),
		adUsn: () => new AdUsnStrategy(reader, session.server, settings),
		timestamp: () => new TimestampStrategy(reader, session.server, settings),
		snapshot: () => new SnapshotStrategy(reader, session.server, settings),
	};
	return { strategy: strategies[name](), reason, server };
}
