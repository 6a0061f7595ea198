import { ConfigurationError } from '../../core/errors';
import { hasUserInfo, hideUserInfo, USER_INFO_REFUSED } from '../url-text';

/** How the connection to the directory is protected. */
export type ConnectionSecurity = 'none' | 'tls' | 'startTls';

/**
 * Everything needed to open and bind an LDAP connection: the validated connection fields of the
 * credential. (Its Directory Flavour is the core's: core/ldap/settings.ts.)
 */
export interface LdapConnectionSettings {
	/** Tried in order; the first that answers is used. */
	urls: string[];
	bindDN: string;
	password: string;
	security: ConnectionSecurity;
	/** PEM text of the CA certificate(s) that signed the server certificate; empty means the system store. */
	caCertificate: string;
	/** Turns off certificate verification. Off by default; for test directories only. */
	allowSelfSigned: boolean;
	connectTimeoutMs: number;
	/** Per request, from sending it to its whole answer (a page of a paged search is one request). */
	timeoutMs: number;
	baseDN: string;
	/** Pages one paged search may take before it is stopped (default DEFAULT_MAX_PAGES). */
	maxPages?: number;
	/** Bytes one LDAP message from the server may have before the connection is dropped (default DEFAULT_MAX_MESSAGE_BYTES). */
	maxMessageBytes?: number;
}

/** 10,000 pages: 5 million entries at the usual 500 a page. */
export const DEFAULT_MAX_PAGES = 10_000;
/** 64 MB: one entry's attributes (a large group's members, photos) fit many times over. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

const DEFAULT_PORT: Record<ConnectionSecurity, number> = { none: 389, tls: 636, startTls: 389 };

function text(raw: Record<string, unknown>, key: string): string {
	const value = raw[key];
	if (value === undefined || value === null) return '';
	return String(value).trim();
}

function positiveNumber(
	raw: Record<string, unknown>,
	key: string,
	fallback: number,
	field: string,
	unit = 'milliseconds',
): number {
	const value = raw[key];
	if (value === undefined || value === null || value === '') return fallback;
	const parsed = Number(value);
	if (!Number.isFinite(parsed) || parsed <= 0) {
		throw new ConfigurationError(field, `must be a positive number of ${unit}, got "${String(value)}"`);
	}
	return parsed;
}

/**
 * Turns one entry of the server list into a URL whose scheme matches the chosen connection security.
 * Accepts a bare host, host:port, or a full ldap:// / ldaps:// URL.
 */
export function normaliseServerUrl(raw: string, security: ConnectionSecurity): string {
	// A bind account belongs in Bind DN / Bind Password; the entry is quoted below only without it.
	if (hasUserInfo(raw)) throw new ConfigurationError('Server URLs', `"${hideUserInfo(raw)}" ${USER_INFO_REFUSED}`);
	const entry = raw;
	const scheme = security === 'tls' ? 'ldaps' : 'ldap';
	const match = /^([a-z]+):\/\/(.*)$/i.exec(entry);
	let hostPort = entry;
	if (match) {
		const given = match[1].toLowerCase();
		if (given !== 'ldap' && given !== 'ldaps') {
			throw new ConfigurationError('Server URLs', `"${entry}" is not an LDAP URL: use ldap:// or ldaps://`);
		}
		if (given !== scheme) {
			const wanted =
				security === 'tls'
					? 'ldaps:// (Connection Security is TLS)'
					: 'ldap:// (Connection Security is None or StartTLS)';
			throw new ConfigurationError(
				'Server URLs',
				`"${entry}" does not match the Connection Security setting: use ${wanted}, or change Connection Security`,
			);
		}
		hostPort = match[2];
	}
	hostPort = hostPort.replace(/\/+$/, '');
	if (hostPort === '' || /[\s/?#]/.test(hostPort)) {
		throw new ConfigurationError('Server URLs', `"${entry}" is not a host name with an optional port`);
	}
	const hasPort = /:\d+$/.test(hostPort) && !/^\[[^\]]*\]$/.test(hostPort);
	return `${scheme}://${hasPort ? hostPort : `${hostPort}:${DEFAULT_PORT[security]}`}`;
}

/** Validates the raw credential's connection fields; every problem names the field and the fix. */
export function parseLdapConnectionSettings(raw: Record<string, unknown>): LdapConnectionSettings {
	const security = (text(raw, 'connectionSecurity') || 'none') as ConnectionSecurity;
	if (!['none', 'tls', 'startTls'].includes(security)) {
		throw new ConfigurationError('Connection Security', `must be None, TLS or StartTLS, got "${security}"`);
	}
	const urls = text(raw, 'serverUrls')
		.split(/[\s,;]+/)
		.filter((entry) => entry !== '')
		.map((entry) => normaliseServerUrl(entry, security));
	if (urls.length === 0) {
		throw new ConfigurationError(
			'Server URLs',
			'is empty: enter at least one server, e.g. ldaps://dc1.example.com:636',
		);
	}
	const caCertificate = text(raw, 'caCertificate');
	if (caCertificate !== '' && !caCertificate.includes('-----BEGIN CERTIFICATE-----')) {
		throw new ConfigurationError('CA Certificate', 'must be PEM text starting with -----BEGIN CERTIFICATE-----');
	}
	return {
		urls,
		bindDN: text(raw, 'bindDN'),
		password: raw.bindPassword === undefined || raw.bindPassword === null ? '' : String(raw.bindPassword),
		security,
		caCertificate,
		allowSelfSigned: raw.allowSelfSigned === true,
		connectTimeoutMs: positiveNumber(raw, 'connectTimeout', 10_000, 'Connect Timeout'),
		timeoutMs: positiveNumber(raw, 'timeout', 30_000, 'Operation Timeout'),
		baseDN: text(raw, 'baseDN'),
		maxPages: Math.floor(positiveNumber(raw, 'maxPagesPerSearch', DEFAULT_MAX_PAGES, 'Max Pages per Search', 'pages')),
		maxMessageBytes: Math.floor(
			positiveNumber(
				raw,
				'maxMessageSizeMb',
				DEFAULT_MAX_MESSAGE_BYTES / 1024 / 1024,
				'Max Message Size (MB)',
				'megabytes',
			) *
				1024 *
				1024,
		),
	};
}
