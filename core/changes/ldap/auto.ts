/**
 * Builds the LDAP change strategy the user asked for, or, for Auto, the best the server offers:
 * OpenLDAP's accesslog when readable, a changelog (389 DS, OpenDJ), Active Directory's uSNChanged,
 * and otherwise modifyTimestamp with periodic reconciliation. The choice is reported in every event's
 * source.strategy, and why in `reason`.
 */
import { ConfigurationError } from '../../errors';
import type { LdapSession } from '../../../transport/ldap/session';
import type { DirectoryFlavour } from '../../ldap/flavours';
import { readLdapServer, type DirectoryServerInfo, type LdapServer } from '../../ldap/server-info';
import { AccesslogStrategy, type AccesslogStrategyOptions } from './accesslog';
import { AdUsnStrategy, type AdUsnStrategyOptions } from './ad-usn';
import { CHANGELOG_DN, ChangelogStrategy, changelogReadable, type ChangelogStrategyOptions } from './changelog';
import type { ChangeStrategyName } from '../events';
import { LdapChangeReader, type LdapWatchScope } from './reader';
import { logReadable } from './log-access';
import { SnapshotStrategy, TimestampStrategy } from './strategies';
import type { ChangeStrategy } from '../strategy';

export type LdapStrategyChoice = 'auto' | Exclude<ChangeStrategyName, 'otdsTimestamp'>;

export const LDAP_STRATEGY_CHOICES: readonly LdapStrategyChoice[] = [
	'auto',
	'accesslog',
	'changelog',
	'adUsn',
	'timestamp',
	'snapshot',
];

/** Which of the logs the server publishes the bind account can read (see logsReadable). */
export interface ReadableLogs {
	accesslog: boolean;
	changelog: boolean;
}

/** Picks a strategy from what the root DSE says and which of its logs the bind account can read. */
export function chooseStrategy(
	info: DirectoryServerInfo,
	readable: ReadableLogs,
): { name: Exclude<LdapStrategyChoice, 'auto'>; reason: string } {
	const logs = info.changeLogs.map((name) => name.toLowerCase());
	if (logs.includes('cn=accesslog') && readable.accesslog)
		return { name: 'accesslog', reason: 'the server publishes cn=accesslog and the bind account can read it' };
	if (logs.includes('cn=changelog') && readable.changelog)
		return { name: 'changelog', reason: 'the server publishes cn=changelog and the bind account can read it' };
	if (info.flavour === 'activeDirectory')
		return { name: 'adUsn', reason: 'Active Directory: uSNChanged on this domain controller, tombstones for deletes' };
	const hidden = ['cn=accesslog', 'cn=changelog'].filter((log) => logs.includes(log));
	const why =
		hidden.length > 0
			? `${hidden.join(' and ')} ${hidden.length > 1 ? 'are' : 'is'} not readable by the bind account`
			: 'the server publishes no change log';
	return { name: 'timestamp', reason: `${why}: modifyTimestamp with periodic reconciliation` };
}

export interface LdapChangeStrategySettings
	extends
		Omit<LdapWatchScope, 'profile' | 'flavour'>,
		AccesslogStrategyOptions,
		ChangelogStrategyOptions,
		AdUsnStrategyOptions {
	strategy: LdapStrategyChoice;
	/**
	 * The server as this activation already read it (root DSE, flavour, the profile to read with, its
	 * attribute mapping applied); its root DSE is then not read again.
	 */
	server?: LdapServer;
	/** Without `server`: the credential's flavour ('auto' detects it from the root DSE, read here). */
	flavour?: DirectoryFlavour;
}

/** Which of the logs the root DSE names the bind account can read; a log not named is not probed. */
async function logsReadable(session: LdapSession, server: LdapServer, accesslogDN: string): Promise<ReadableLogs> {
	const named = (log: string) => server.info.changeLogs.some((name) => name.toLowerCase() === log);
	return {
		accesslog: named('cn=accesslog') && (await logReadable(session, accesslogDN)),
		changelog: named(CHANGELOG_DN) && (await changelogReadable(session, server.rootDse)),
	};
}

/** The strategy for these settings, with the server facts that decided it. */
export async function createLdapChangeStrategy(
	settings: LdapChangeStrategySettings,
): Promise<{ strategy: ChangeStrategy; reason: string; server: DirectoryServerInfo }> {
	if (!LDAP_STRATEGY_CHOICES.includes(settings.strategy)) {
		throw new ConfigurationError(
			'Change Detection',
			`"${String(settings.strategy)}" is not a strategy: use one of ${LDAP_STRATEGY_CHOICES.join(', ')}`,
		);
	}
	const session = settings.session;
	const server = settings.server ?? (await readLdapServer(session, settings.flavour ?? 'auto'));
	const reader = new LdapChangeReader({ ...settings, profile: server.profile, flavour: server.flavour });
	let name = settings.strategy;
	let reason = 'chosen in the settings';
	if (name === 'auto') {
		const choice = chooseStrategy(
			server.info,
			await logsReadable(session, server, settings.accesslogDN?.trim() || 'cn=accesslog'),
		);
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
	return { strategy: strategies[name](), reason, server: server.info };
}
