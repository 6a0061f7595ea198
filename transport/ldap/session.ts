import { DirectoryRequestError } from '../../core/errors';
import { explainLdapFailure } from './failures';
import type { LdapConnectionSettings } from './settings';
import { Client } from './ldapts';
import type { Change, ClientOptions, Control, Entry, SearchOptions } from './ldapts';

/** Node's TLS options, named through ldapts so that no Node built-in is imported here. */
type ConnectionOptions = NonNullable<ClientOptions['tlsOptions']>;

/** One bound LDAP connection to the first server of the list that answered. */
export class LdapSession {
	private constructor(
		private readonly client: Client,
		/** The server URL this session is connected to. */
		readonly server: string,
	) {}

	/**
	 * Connects to the servers in order and binds. A server that cannot be reached is skipped; one that
	 * answers but refuses the bind (wrong password, untrusted certificate) stops the attempt, because the
	 * next server would refuse it for the same reason.
	 */
	static async open(settings: LdapConnectionSettings): Promise<LdapSession> {
		let lastFailure: DirectoryRequestError | undefined;
		for (const url of settings.urls) {
			const client = new Client({
				url,
				timeout: settings.timeoutMs,
				connectTimeout: settings.connectTimeoutMs,
				tlsOptions: settings.security === 'tls' ? tlsOptionsFor(settings, url) : undefined,
			});
			try {
				if (settings.security === 'startTls') await client.startTLS(tlsOptionsFor(settings, url));
				if (settings.bindDN !== '') await client.bind(settings.bindDN, settings.password);
				return new LdapSession(client, url);
			} catch (error) {
				await client.unbind().catch(() => undefined);
				lastFailure = explainLdapFailure(error, url);
				if (lastFailure.kind !== 'unreachable' && lastFailure.kind !== 'timeout') throw lastFailure;
			}
		}
		throw lastFailure ?? new DirectoryRequestError('unreachable', 'No server to connect to', 'Enter Server URLs');
	}

	/** Runs `work` on a fresh session and always closes it. */
	static async use<T>(settings: LdapConnectionSettings, work: (session: LdapSession) => Promise<T>): Promise<T> {
		const session = await LdapSession.open(settings);
		try {
			return await work(session);
		} finally {
			await session.close();
		}
	}

	/** A search that returns all entries at once; for small, bounded results. `controls`: e.g. AD's Show Deleted. */
	async search(baseDN: string, options: SearchOptions, controls?: Control[]): Promise<Entry[]> {
		try {
			const result = await this.client.search(baseDN, options, controls);
			return result.searchEntries;
		} catch (error) {
			throw explainLdapFailure(error, this.server);
		}
	}

	/** A paged search yielding one page of entries at a time, so big directories never sit in memory whole. */
	async *searchPages(baseDN: string, options: SearchOptions, pageSize = 500): AsyncGenerator<Entry[]> {
		try {
			for await (const page of this.client.searchPaginated(baseDN, { ...options, paged: { pageSize } })) {
				yield page.searchEntries;
			}
		} catch (error) {
			throw explainLdapFailure(error, this.server);
		}
	}

	/** Applies changes to one entry in one modify request: the server applies all of them or none. */
	async modify(dn: string, changes: Change[]): Promise<void> {
		try {
			await this.client.modify(dn, changes);
		} catch (error) {
			throw explainLdapFailure(error, this.server);
		}
	}

	/** Reads the root DSE: what the server says about itself. */
	async rootDse(attributes: string[]): Promise<Entry> {
		const entries = await this.search('', { scope: 'base', filter: '(objectClass=*)', attributes });
		if (entries.length === 0) {
			throw new DirectoryRequestError('protocol', `The server did not return its root DSE (${this.server})`, 'Allow reading the root DSE', this.server);
		}
		return entries[0];
	}

	async close(): Promise<void> {
		await this.client.unbind().catch(() => undefined);
	}
}

function tlsOptionsFor(settings: LdapConnectionSettings, url: string): ConnectionOptions {
	const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
	const options: ConnectionOptions = { rejectUnauthorized: !settings.allowSelfSigned, minVersion: 'TLSv1.2' };
	if (settings.caCertificate !== '') options.ca = [settings.caCertificate];
	// SNI only accepts host names; an IP address is checked against the certificate's IP entries instead.
	if (!/^[\d.]+$/.test(host) && !host.includes(':')) options.servername = host;
	return options;
}
