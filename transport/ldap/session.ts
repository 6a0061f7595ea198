import { RequestError } from '../../core/errors';
import { berOctetString, berSequence, peekHeader } from './ber';
import { explainLdapFailure } from './failures';
import { compileFilter } from './filter-compiler';
import { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_PAGES, type LdapConnectionSettings } from './settings';
import { Client, SearchRequest } from './ldapts';
import { ListeningSearch, type ListeningSearchHandlers, type ListeningSocket } from './listening-search';
import type { Attribute, Change, ClientOptions, Control, Entry, SearchOptions } from './ldapts';

/** Node's TLS options, named through ldapts so that no Node built-in is imported here. */
type ConnectionOptions = NonNullable<ClientOptions['tlsOptions']>;

/** The parts of ldapts's client the limits hook into (not in its public types; the same in the bundle). */
interface ClientInternals {
	socket?: { destroy(): void };
	messageParser: { buffer?: Buffer; read(data: Buffer, details: unknown): void };
	_sendSearch(
		request: object,
		result: unknown,
		...rest: unknown[]
	): Promise<{ value?: { cookie?: Buffer; size?: number } } | undefined>;
}

/** How a paged search's pages are sized and counted against Max Pages per Search. */
export interface PageReading {
	/**
	 * A caller that asks for smaller pages than it would for its own reasons (memory) keeps the reach Max Pages per
	 * Search gives pages of this size: a smaller page counts as that part of a page. Default: the page size.
	 */
	boundAsPagesOf?: number;
	/**
	 * The size of the next page, from the page just read and its size: e.g. fewer groups per page after a page of
	 * large groups. Asked before the next page is (the next page is read ahead). Default: the same size throughout.
	 */
	nextPageSize?: (page: Entry[], size: number) => number;
}

/** One search's page sizes: the size the last page read went out with, the next one's, and who chooses it. */
interface PageSizing {
	received: number;
	next: number;
	choose?: PageReading['nextPageSize'];
}

/** The parts of ldapts's client a listening search takes over (private there; ldapts is pinned and bundled). */
interface ClientConnection {
	socket?: ListeningSocket & { removeListener(event: 'data', listener: (data: Buffer) => void): unknown };
	socketDataHandler: (data: Buffer) => void;
}

/** The message id of a listening search: its connection carries nothing else, so any id above ldapts's is free. */
const LISTEN_MESSAGE_ID = 0x7ffffff0;

/** The Password Modify extended operation (RFC 3062). */
export const PASSWORD_MODIFY_OID = '1.3.6.1.4.1.4203.1.11.1';

/** What a listening search asks for. */
export interface ListenRequest {
	scope: 'base' | 'one' | 'sub';
	filter: string;
	attributes: string[];
	controls: Control[];
}

/** One bound LDAP connection to the first server of the list that answered. */
export class LdapSession {
	/** Set when a limit broke the connection: every later request fails with it (ldapts would reconnect unbound). */
	private broken?: RequestError;
	/**
	 * Whether the connection was up once: a connection closed since is never used again, since ldapts would
	 * reopen it unbound, and an unbound search of a log or of people sees nothing instead of failing.
	 */
	private connectedOnce: boolean;
	private readonly maxPages: number;
	private readonly maxMessageBytes: number;
	/** Each paged search's sizing, by the attribute list its request carries (see pages()). */
	private readonly sizingByRequest = new WeakMap<object, PageSizing>();
	/**
	 * The time limit every search asks the server for, in whole seconds: the Operation Timeout's. ldapts
	 * otherwise asks for 10 seconds, and a server then ends a longer search with timeLimitExceeded however
	 * long the client would wait (reading the groups of a million-person directory on a busy server did).
	 */
	private readonly timeLimitSeconds: number;
	/** Whether what is sent is encrypted (LDAPS or StartTLS): Active Directory takes passwords only then. */
	readonly encrypted: boolean;

	private constructor(
		private readonly client: Client,
		/** The server URL this session is connected to. */
		readonly server: string,
		settings: LdapConnectionSettings,
	) {
		this.connectedOnce = client.isConnected;
		this.timeLimitSeconds = Math.ceil(settings.timeoutMs / 1000);
		this.encrypted = settings.security === 'tls' || settings.security === 'startTls';
		this.maxPages = settings.maxPages ?? DEFAULT_MAX_PAGES;
		this.maxMessageBytes = settings.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
		this.guard(this.maxMessageBytes);
	}

	/**
	 * Bounds what a server can make this client read: no LDAP message larger than `maxMessageBytes` is buffered
	 * (ldapts gathers a message whole before parsing it), and a paged search whose server hands out a cookie it
	 * gave before is stopped, since it would never end.
	 */
	private guard(maxMessageBytes: number): void {
		const internals = this.client as unknown as ClientInternals;
		const parser = internals.messageParser;
		const read = parser.read.bind(parser);
		// ldapts joins what it holds of an unfinished message with every chunk that arrives: a 10 MB entry in 64 KB
		// chunks is copied 160 times over. The chunks of a message whose length is known wait here, joined once.
		let waiting: Buffer[] = [];
		let waitingBytes = 0;
		let messageBytes = 0;
		parser.read = (data, details) => {
			if (this.broken) return;
			if ((parser.buffer?.length ?? 0) + waitingBytes + data.length > maxMessageBytes) {
				parser.buffer = undefined;
				waiting = [];
				waitingBytes = 0;
				this.broken = new RequestError(
					'protocol',
					`The directory sent a message larger than ${Math.round(maxMessageBytes / 1024 / 1024)} MB (${this.server}): the connection was closed`,
					'Raise Max Message Size (MB) in the LDAP credential if entries this large are expected, or leave the large attribute out of Additional Attributes',
					this.server,
				);
				internals.socket?.destroy();
				return;
			}
			if (messageBytes > 0 && parser.buffer !== undefined) {
				waiting.push(data);
				waitingBytes += data.length;
				if (parser.buffer.length + waitingBytes < messageBytes) return;
				data = Buffer.concat([parser.buffer, ...waiting]);
				parser.buffer = undefined;
				waiting = [];
				waitingBytes = 0;
			}
			read(data, details);
			messageBytes = parser.buffer === undefined ? 0 : messageLength(parser.buffer);
		};
		const sendSearch = internals._sendSearch.bind(this.client);
		// Per search: the last page seen under each cookie. 389 DS and Active Directory (Samba too) hand out the
		// same cookie for every page of a search, so a repeated cookie alone proves nothing; the same cookie
		// answering the same page again does (no progress). Other endless paging stops at Max Pages per Search.
		const pagesByCookie = new WeakMap<object, Map<string, string>>();
		internals._sendSearch = async (request, result, ...rest) => {
			const next = await sendSearch(request, result, ...rest);
			const sizing = this.sizingByRequest.get((request as { attributes: object }).attributes);
			if (sizing !== undefined) {
				// The page just read went out with `next`; the next request takes the size chosen from this page.
				sizing.received = sizing.next;
				if (sizing.choose !== undefined && next?.value !== undefined) {
					sizing.next = Math.max(
						1,
						Math.floor(sizing.choose((result as { searchEntries: Entry[] }).searchEntries, sizing.next)),
					);
					next.value.size = sizing.next;
				}
			}
			const cookie = next?.value?.cookie;
			if (cookie && cookie.length > 0) {
				const seen = pagesByCookie.get(request) ?? new Map<string, string>();
				const key = Buffer.from(cookie).toString('base64');
				const page = pageFingerprint(result);
				if (seen.get(key) === page) {
					throw new RequestError(
						'protocol',
						`The directory handed out the same paging cookie twice in one search with the same page, after ${seen.size} pages (${this.server}): it would never end, so it was stopped`,
						'Check the server: its paged results control repeats itself. A smaller page size or a narrower search may avoid it',
						this.server,
					);
				}
				seen.set(key, page);
				pagesByCookie.set(request, seen);
			}
			return next;
		};
	}

	/** The error a limit left, or the explained failure. */
	private failed(error: unknown): RequestError {
		if (this.broken) return this.broken;
		if (error instanceof RequestError) return error;
		return explainLdapFailure(error, this.server);
	}

	private usable(): void {
		if (this.broken) throw this.broken;
		if (this.client.isConnected) this.connectedOnce = true;
		else if (this.connectedOnce)
			throw new RequestError(
				'unreachable',
				`The directory closed the connection (${this.server})`,
				'Check that the directory is running',
				this.server,
			);
	}

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
				return new LdapSession(client, url, settings);
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
		this.usable();
		const compiled = withCompiledFilter(options, this.timeLimitSeconds);
		try {
			const result = await this.client.search(baseDN, compiled, controls);
			return result.searchEntries;
		} catch (error) {
			throw this.failed(error);
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
	 * `reading`: how pages are sized and counted (PageReading).
	 */
	async *searchPages(
		baseDN: string,
		options: SearchOptions,
		pageSize = 500,
		controls?: Control[],
		reading: PageReading = {},
	): AsyncGenerator<Entry[]> {
		yield* this.pages(baseDN, options, pageSize, false, controls, reading);
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
		reading: PageReading = {},
	): AsyncGenerator<Entry[], { complete: boolean }> {
		this.usable();
		const countedAs = Math.max(reading.boundAsPagesOf ?? pageSize, 1);
		const compiled = withCompiledFilter(options, this.timeLimitSeconds);
		// A list of its own: ldapts keeps it as the request's, which is how the guard finds this search's sizing.
		const attributes = [...(compiled.attributes ?? [])];
		const sizing: PageSizing = { received: pageSize, next: pageSize, choose: reading.nextPageSize };
		this.sizingByRequest.set(attributes, sizing);
		const pages = this.client.searchPaginated(baseDN, { ...compiled, attributes, paged: { pageSize } }, controls);
		const ask = () => {
			const next = pages.next();
			// Handled at once as well: the caller may take its time before this page is awaited.
			next.catch(() => undefined);
			return next;
		};
		let pending = ask();
		let finished = false;
		let count = 0;
		// Pages as Max Pages per Search counts them: one per page of `countedAs` entries or more, less for smaller.
		let counted = 0;
		const withinBound = () => counted <= this.maxPages + 1e-9;
		try {
			for (;;) {
				const page = await pending;
				if (page.done) break;
				count++;
				counted += Math.min(1, sizing.received / countedAs);
				if (!withinBound()) {
					const size = reading.nextPageSize === undefined ? ` of ${pageSize}` : '';
					throw new RequestError(
						'sizeLimit',
						`The search under "${baseDN}" was stopped after ${count - 1} pages${size} (${this.server})`,
						'Raise Max Pages per Search in the LDAP credential if the directory is that large, or narrow the search (filters, base DN)',
						this.server,
					);
				}
				pending = ask();
				yield page.value.searchEntries;
			}
			finished = true;
			return { complete: true };
		} catch (error) {
			finished = true;
			const failure = this.failed(error);
			if (endAtLimit && failure.kind === 'sizeLimit' && withinBound()) return { complete: false };
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
		this.usable();
		try {
			await this.client.modify(dn, changes);
		} catch (error) {
			throw this.failed(error);
		}
	}

	/** Adds one entry with its attributes. */
	async add(dn: string, attributes: Attribute[]): Promise<void> {
		this.usable();
		try {
			await this.client.add(dn, attributes);
		} catch (error) {
			throw this.failed(error);
		}
	}

	/** Deletes one (leaf) entry. */
	async delete(dn: string): Promise<void> {
		this.usable();
		try {
			await this.client.del(dn);
		} catch (error) {
			throw this.failed(error);
		}
	}

	/**
	 * Renames and / or moves an entry: `newRdn` as RFC 4514 text (escaped), under `newSuperior`. The old RDN value
	 * is removed from the entry.
	 */
	async modifyDN(dn: string, newRdn: string, newSuperior: string): Promise<void> {
		this.usable();
		// ldapts splits "rdn,superior" at the first comma that follows no backslash: an RDN ending in an escaped
		// backslash (two backslashes) would be split one comma too late, so that backslash goes as its hex escape.
		const rdn = /\\\\$/.test(newRdn) && !/(^|[^\\])(\\\\)*\\$/.test(newRdn) ? `${newRdn.slice(0, -2)}\\5c` : newRdn;
		try {
			await this.client.modifyDN(dn, `${rdn},${newSuperior}`);
		} catch (error) {
			throw this.failed(error);
		}
	}

	/**
	 * Sets a user's password with the Password Modify extended operation (RFC 3062): the server hashes it and
	 * applies its password policy. The password goes in the request only; a failure never repeats it.
	 */
	async passwordModify(userDn: string, newPassword: string): Promise<void> {
		this.usable();
		// PasswdModifyRequestValue ::= SEQUENCE { userIdentity [0], oldPasswd [1] (not sent), newPasswd [2] }
		const value = berSequence(berOctetString(userDn, 0x80), berOctetString(newPassword, 0x82));
		try {
			await this.client.exop(PASSWORD_MODIFY_OID, value);
		} catch (error) {
			throw this.failed(error);
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

	/**
	 * Starts a search that stays open (see listening-search.ts) and gives it this session's connection: the
	 * session can run nothing else afterwards, and closing the search closes the session.
	 */
	listen(baseDN: string, request: ListenRequest, handlers: ListeningSearchHandlers): ListeningSearch {
		const connection = this.client as unknown as ClientConnection;
		const socket = connection.socket;
		if (socket === undefined) throw explainLdapFailure(new Error('connection closed'), this.server);
		socket.removeListener('data', connection.socketDataHandler);
		// The reader takes the socket from ldapts's parser, and with it the guard: it bounds messages itself.
		const search = new ListeningSearch(
			socket,
			LISTEN_MESSAGE_ID,
			handlers,
			this.server,
			() => this.close(),
			this.maxMessageBytes,
		);
		const message = new SearchRequest({
			messageId: LISTEN_MESSAGE_ID,
			baseDN,
			scope: request.scope,
			filter: compileFilter(request.filter),
			attributes: request.attributes,
			// No time limit: the search is meant never to end.
			timeLimit: 0,
			controls: request.controls,
		});
		socket.write(message.write());
		return search;
	}

	async close(): Promise<void> {
		await this.client.unbind().catch(() => undefined);
	}
}

/** What tells one page of a search from another: its entries' DNs (a page holds at most the page size). */
function pageFingerprint(result: unknown): string {
	const entries = (result as { searchEntries?: Array<{ dn?: unknown }> } | undefined)?.searchEntries ?? [];
	return entries.map((entry) => String(entry.dn)).join('\n');
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

/** The whole length of the message that starts the bytes, or 0 while its header is cut (or is no BER: ldapts says). */
function messageLength(bytes: Buffer): number {
	try {
		return peekHeader(bytes, 0)?.end ?? 0;
	} catch {
		return 0;
	}
}
