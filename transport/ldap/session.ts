import { RequestError } from '../../core/errors';
import { explainLdapFailure } from './failures';
import { compileFilter } from './filter-compiler';
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
		/**
		 * The time limit every search asks the server for, in whole seconds: the Operation Timeout's. ldapts
		 * otherwise asks for 10 seconds, and a server then ends a longer search with timeLimitExceeded however
		 * long the client would wait (reading the groups of a million-person directory on a busy server did).
		 */
		private readonly timeLimitSeconds: number,
	) {}

	/**
	 * Connects to the servers in order and binds. A server that cannot be reached is skipped; one that
	 * answers but refuses the bind (wrong password, untrusted certificate) stops the attempt, because the
	 * next server would refuse it for the same reason.
	 */
	static async open(settings: LdapConnectionSettings): Promise<LdapSession> {
		let lastFailure: RequestError | undefined;
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
				return new LdapSession(client, url, Math.ceil(settings.timeoutMs / 1000));
			} catch (error) {
				await client.unbind().catch(() => undefined);
				lastFailure = explainLdapFailure(error, url);
				if (lastFailure.kind !== 'unreachable' && lastFailure.kind !== 'timeout') throw lastFailure;
			}
		}
		throw lastFailure ?? new RequestError('unreachable', 'No server to connect to', 'Enter Server URLs');
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

	/**
	 * A search that returns all entries at once; for small, bounded results. `controls`: e.g. AD's Show Deleted.
	 * A string filter is compiled here (see withCompiledFilter); an invalid one throws ConfigurationError.
	 */
	async search(baseDN: string, options: SearchOptions, controls?: Control[]): Promise<Entry[]> {
		const compiled = withCompiledFilter(options, this.timeLimitSeconds);
		try {
			const result = await this.client.search(baseDN, compiled, controls);
			return result.searchEntries;
		} catch (error) {
			throw explainLdapFailure(error, this.server);
		}
	}

	/**
	 * A search whose base may not exist: none then, instead of an error (a DN typed by a user, a log or a
	 * configuration entry the server may not have). `refusedIsMissing`: also none when this account may
	 * not read the base, for probes where a hidden entry and a missing one mean the same.
	 */
	async searchIfPresent(baseDN: string, options: SearchOptions, { refusedIsMissing = false } = {}): Promise<Entry[]> {
		return this.search(baseDN, options).catch((error: unknown) => {
			if (
				error instanceof RequestError &&
				(error.kind === 'noSuchObject' || (refusedIsMissing && error.kind === 'insufficientAccess'))
			)
				return [];
			throw error;
		});
	}

	/**
	 * A paged search yielding one page of entries at a time, so big directories never sit in memory whole.
	 * The next page is asked for before this one is handed on: the server reads it while the caller works
	 * on this one (at most two pages in memory). A caller that stops early waits for that page to arrive,
	 * so that the connection is idle again when the listing returns. `controls`: e.g. AD's Show Deleted.
	 */
	async *searchPages(
		baseDN: string,
		options: SearchOptions,
		pageSize = 500,
		controls?: Control[],
	): AsyncGenerator<Entry[]> {
		yield* this.pages(baseDN, options, pageSize, false, controls);
	}

	/**
	 * searchPages for a reader that can resume from where it got to: a server size limit ends the listing
	 * instead of failing it (OpenLDAP caps even a paged search at its hard limit unless `size.prtotal` says
	 * otherwise). Returns whether the listing is complete. The page the limit cut off is lost; every page
	 * before it was yielded whole.
	 */
	searchPagesWithinLimit(
		baseDN: string,
		options: SearchOptions,
		pageSize = 500,
		controls?: Control[],
	): AsyncGenerator<Entry[], { complete: boolean }> {
		return this.pages(baseDN, options, pageSize, true, controls);
	}

	private async *pages(
		baseDN: string,
		options: SearchOptions,
		pageSize: number,
		endAtLimit: boolean,
		controls?: Control[],
	): AsyncGenerator<Entry[], { complete: boolean }> {
		const compiled = withCompiledFilter(options, this.timeLimitSeconds);
		const pages = this.client.searchPaginated(baseDN, { ...compiled, paged: { pageSize } }, controls);
		const ask = () => {
			const next = pages.next();
			// Handled at once as well: the caller may take its time before this page is awaited.
			next.catch(() => undefined);
			return next;
		};
		let pending = ask();
		let finished = false;
		try {
			for (;;) {
				const page = await pending;
				if (page.done) break;
				pending = ask();
				yield page.value.searchEntries;
			}
			finished = true;
			return { complete: true };
		} catch (error) {
			finished = true;
			const failure = explainLdapFailure(error, this.server);
			if (endAtLimit && failure.kind === 'sizeLimit') return { complete: false };
			throw failure;
		} finally {
			if (!finished) {
				await pending.catch(() => undefined);
				await pages.return(undefined).catch(() => undefined);
			}
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
			throw new RequestError(
				'protocol',
				`The server did not return its root DSE (${this.server})`,
				'Allow reading the root DSE',
				this.server,
			);
		}
		return entries[0];
	}

	async close(): Promise<void> {
		await this.client.unbind().catch(() => undefined);
	}
}

/**
 * ldapts 8 parses a string filter itself and reads each `\xx` escape as one character, so escaped UTF-8
 * (`M\c3\bcnchen`) never matches: string filters go out compiled by filter-compiler.ts instead.
 */
function withCompiledFilter(options: SearchOptions, timeLimitSeconds: number): SearchOptions {
	const limited = { timeLimit: timeLimitSeconds, ...options };
	return typeof limited.filter === 'string' ? { ...limited, filter: compileFilter(limited.filter) } : limited;
}

function tlsOptionsFor(settings: LdapConnectionSettings, url: string): ConnectionOptions {
	const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
	const options: ConnectionOptions = { rejectUnauthorized: !settings.allowSelfSigned, minVersion: 'TLSv1.2' };
	if (settings.caCertificate !== '') options.ca = [settings.caCertificate];
	// SNI only accepts host names; an IP address is checked against the certificate's IP entries instead.
	if (!/^[\d.]+$/.test(host) && !host.includes(':')) options.servername = host;
	return options;
}
