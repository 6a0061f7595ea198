/**
 * The three change strategies a test slapd can exercise, built the way the trigger builds them, over the
 * fixture's people and groups (OpenLDAP flavour), bound as the slapd's administrator.
 */
import { AccesslogStrategy } from '../../core/changes/ldap/accesslog';
import { LdapChangeReader, type LdapWatchScope } from '../../core/changes/ldap/reader';
import { SnapshotStrategy, TimestampStrategy, type LdapStrategyOptions } from '../../core/changes/ldap/strategies';
import type { ChangeStrategy } from '../../core/changes/strategy';
import { profileFor } from '../../core/ldap/flavours';
import { LdapSession } from '../../transport/ldap/session';
import { parseLdapConnectionSettings, type LdapConnectionSettings } from '../../transport/ldap/settings';
import { startSlapd, type Slapd } from '../../devkit/slapd';

export type SlapdStrategyName = 'accesslog' | 'timestamp' | 'snapshot';

/** Plain LDAP as the administrator, to `serverUrls` (default the slapd itself; e.g. a relay in front of it). */
export function adminConnection(slapd: Slapd, serverUrls = slapd.url): LdapConnectionSettings {
	return parseLdapConnectionSettings({
		serverUrls,
		connectionSecurity: 'none',
		bindDN: slapd.adminDN,
		bindPassword: slapd.adminPassword,
		baseDN: slapd.baseDN,
	});
}

type ScopeOptions = Partial<Pick<LdapWatchScope, 'userFilter' | 'groupFilter' | 'privilegedGroups'>>;

/** The change reader of the fixture's people and groups on `session`; `scope` adds filters or privileged groups. */
export function slapdReader(slapd: Slapd, session: LdapSession, scope: ScopeOptions = {}): LdapChangeReader {
	return new LdapChangeReader({
		session,
		profile: profileFor('openLdap'),
		flavour: 'openLdap',
		userBaseDN: slapd.layout.peopleDN,
		groupBaseDN: slapd.layout.groupsDN,
		...scope,
	});
}

/** One strategy on `session`; `scope` adds filters or privileged groups; polls never reconcile unless `options` say so. */
export function slapdStrategy(
	name: SlapdStrategyName,
	slapd: Slapd,
	session: LdapSession,
	scope: ScopeOptions = {},
	options: LdapStrategyOptions = {},
): ChangeStrategy {
	const reader = slapdReader(slapd, session, scope);
	const settings = { reconcileEvery: 0, ...options };
	if (name === 'accesslog') return new AccesslogStrategy(reader, session.server, settings);
	if (name === 'timestamp') return new TimestampStrategy(reader, session.server, settings);
	return new SnapshotStrategy(reader, session.server, settings);
}

/**
 * A slapd and a session on it as the administrator, for the tests of one file:
 * `beforeAll(async () => ({ slapd, session } = await startSlapdWithSession({ users: 150 })))`,
 * `afterAll(() => stopSlapdWithSession(slapd, session))`.
 */
export async function startSlapdWithSession(
	options: Parameters<typeof startSlapd>[0],
): Promise<{ slapd: Slapd; session: LdapSession }> {
	const slapd = await startSlapd(options);
	try {
		return { slapd, session: await LdapSession.open(adminConnection(slapd)) };
	} catch (error) {
		await slapd.stop();
		throw error;
	}
}

/** Closes the session and stops the slapd of startSlapdWithSession (either may be missing: its start failed). */
export async function stopSlapdWithSession(slapd: Slapd | undefined, session: LdapSession | undefined): Promise<void> {
	await session?.close();
	await slapd?.stop();
}
