/**
 * The listening trigger's engine, free of n8n: one long-lived connection that listens with the server's own
 * mechanism (mechanism.ts), and a reader woken by what it hears.
 *
 * An announcement never becomes an event itself. It only wakes `read`, which runs the polling trigger's change
 * strategy from the stored cursor (core/changes/watch.ts builds it): event ids, at-least-once delivery, resync,
 * privileged flags and bulk summaries are therefore exactly the polling trigger's, and a lost announcement
 * loses nothing but time. So that none is lost for long:
 * - announcements arriving while a read runs are coalesced into one read after it;
 * - a read runs at start and after every reconnect (catch-up from the stored cursor), once the server has
 *   taken the listening search on, so nothing falls between the read and the listening;
 * - a read that stopped short of the log's end (a record announced before it was visible in the log, a
 *   backlog) is followed by another soon, waiting longer each time it stops short again (followUpMs);
 * - a safety read runs when nothing was read for a few minutes;
 * - a full reconciliation runs on a timer of its own (reason 'reconcile'), never because many changes were
 *   read: counted in reads, it would fall on every Nth announced change and hold that change's event back for
 *   as long as it takes to compare the whole directory;
 * - a lost connection is reopened with exponential back-off and jitter, over the credential's server list in
 *   its order (LdapSession.open skips servers that cannot be reached).
 * A server that cannot listen fails the start, or, when `fallbackReadMs` is set, is read at that interval.
 */
import { ConfigurationError, RequestError } from '../../../errors';
import { normalizeDn } from '../../../ldap/dn';
import type { DetectedFlavour } from '../../../ldap/flavours';
import type { DirectoryServerInfo } from '../../../ldap/server-info';
import type { ListeningSearch } from '../../../../transport/ldap/listening-search';
import { LdapSession } from '../../../../transport/ldap/session';
import type { LdapConnectionSettings } from '../../../../transport/ldap/settings';
import { cannotListen, chooseListenMechanism } from './choose';
import type { ListenMechanism, ListenSignal } from './mechanism';

/** Why a read ran. */
export type ReadReason = 'start' | 'reconnect' | 'change' | 'followUp' | 'safety' | 'interval' | 'reconcile';

/** What a read tells the listener. */
export interface ReadOutcome {
	/** The read stopped short of the log's end (a record still being written, a backlog): read again soon. */
	readAgainSoon?: boolean;
}

export interface ListenerLog {
	info(message: string): void;
	warn(message: string): void;
}

export interface ChangeListenerOptions {
	settings: LdapConnectionSettings;
	/** The product and what its root DSE said (read once per activation). */
	flavour: DetectedFlavour;
	server: DirectoryServerInfo;
	/** Where to listen (the credential's base DN; AD listens on the naming context holding it). */
	baseDN: string;
	/** Only announcements of entries below one of these wake the reader (users' and groups' bases). */
	watchedBases: string[];
	/** One read with the change strategy: emits what changed and stores the cursor. Throws on failure. */
	read(reason: ReadReason): Promise<ReadOutcome | void>;
	/** When set, a server that cannot listen is read at this interval instead of failing the start. */
	fallbackReadMs?: number;
	/** A read when nothing was read for this long (default 5 minutes). */
	safetyReadMs?: number;
	/** A read with reason 'reconcile' this long after the last one (counted from the start); undefined: none. */
	reconcileMs?: number;
	/**
	 * A read starts once announcements paused this long (default 50 ms), so that a burst (one LDIF of many
	 * writes, a bulk import) is read at once and its bulk summary is the polling trigger's; but never later than
	 * `coalesceMaxMs` after the first announcement (default 500 ms).
	 */
	coalesceMs?: number;
	coalesceMaxMs?: number;
	/**
	 * After a read that stopped short of the log's end, the wait before the next one (default 100 ms), doubled
	 * each time it stops short again, up to the safety read's interval.
	 */
	followUpMs?: number;
	/** Reconnection back-off: first and longest wait (default 1 s and 60 s), each jittered down to half. */
	backoffMs?: { first: number; max: number };
	/** How long a server that never confirms a search (silentStart) has to refuse it (default 300 ms). */
	refusalWaitMs?: number;
	log: ListenerLog;
	/**
	 * Waits `ms` unless `signal` aborts first (then rejects). n8n's sleepWithAbort: the core has no timers of
	 * its own (n8n Cloud forbids the timer globals in community nodes), and every wait is cancelled by close().
	 */
	sleep: (ms: number, signal: AbortSignal) => Promise<void>;
	/** For tests. */
	random?: () => number;
}

/** Cancels a wait started by ChangeListener.after. */
type Cancel = () => void;

export type ListenerMode = 'listening' | 'reconnecting' | 'interval' | 'closed';

/** Counts for tests and the benchmark. */
export interface ListenerStats {
	reads: number;
	/** Reads that followed one that stopped short of the log's end. */
	followUps: number;
	/** Announcements that woke the reader (several may share one read). */
	wakes: number;
	/** Announcements of entries outside the watched bases. */
	ignored: number;
	reconnects: number;
	failedReads: number;
}

/** The server ended or refused the search: why, in words. */
function refusal(signal: Extract<ListenSignal, { kind: 'ended' }>): string {
	return `the server ended the search with result ${signal.resultCode}${signal.message ? ` ("${signal.message}")` : ''}`;
}

function isBelow(dn: string, bases: string[]): boolean {
	try {
		const entry = normalizeDn(dn);
		return bases.some((base) => entry === base || entry.endsWith(`,${base}`));
	} catch {
		// A DN this parser cannot read: better one read too many than a change missed.
		return true;
	}
}

/** The mechanism the server offers, or why it offers none. */
function offeredMechanism(options: ChangeListenerOptions): ListenMechanism | ConfigurationError {
	try {
		return chooseListenMechanism(options.flavour, options.server);
	} catch (error) {
		if (error instanceof ConfigurationError) return error;
		return new ConfigurationError('Directory', String(error));
	}
}

export class ChangeListener {
	readonly stats: ListenerStats = {
		reads: 0,
		followUps: 0,
		wakes: 0,
		ignored: 0,
		reconnects: 0,
		failedReads: 0,
	};
	private modeNow: ListenerMode;
	private readonly mechanism?: ListenMechanism;
	private readonly bases: string[];
	private search?: ListeningSearch;
	/** A connection being opened (awaited by close). */
	private connecting?: Promise<void>;
	private reading?: Promise<void>;
	private wakeAgain = false;
	private wakeTimer?: Cancel;
	/** When the first announcement of the burst being gathered came. */
	private gatheringSince?: number;
	private safetyTimer?: Cancel;
	private reconnectTimer?: Cancel;
	private followUpTimer?: Cancel;
	private reconcileTimer?: Cancel;
	/** The next read is a reconciliation (its timer went off). */
	private reconcileDue = false;
	/** Reads in a row that stopped short of the log's end. */
	private shortReads = 0;
	private failedAttempts = 0;
	private lastReadError?: unknown;
	/** Every wait still pending, so close() cancels them all. */
	private readonly waits = new Set<AbortController>();

	private constructor(
		private readonly options: ChangeListenerOptions,
		mechanism: ListenMechanism | undefined,
	) {
		this.mechanism = mechanism;
		this.modeNow = mechanism ? 'reconnecting' : 'interval';
		this.bases = options.watchedBases.map((base) => normalizeDn(base));
	}

	get mode(): ListenerMode {
		return this.modeNow;
	}

	/** The mechanism listened with; undefined when the server is read at an interval. */
	get mechanismName(): string | undefined {
		return this.mechanism?.label;
	}

	/**
	 * Starts listening, then reads once from the stored cursor (its failure fails the start). Throws a
	 * ConfigurationError when the server cannot listen and no fallback is set, a RequestError when no server
	 * could be reached.
	 */
	static async start(options: ChangeListenerOptions): Promise<ChangeListener> {
		const fallBack = (refusal: ConfigurationError): ChangeListener => {
			if (options.fallbackReadMs === undefined) throw refusal;
			options.log.warn(`${refusal.message}; reading every ${options.fallbackReadMs / 1000} s instead`);
			return new ChangeListener(options, undefined);
		};
		const offered = offeredMechanism(options);
		let listener = offered instanceof ConfigurationError ? fallBack(offered) : new ChangeListener(options, offered);
		if (listener.mechanism) {
			const failure = await listener.connect().then(
				() => undefined,
				(error: unknown) => error,
			);
			if (failure !== undefined) {
				await listener.close();
				if (!(failure instanceof ConfigurationError)) throw failure;
				listener = fallBack(failure);
			}
		}
		await listener.runRead('start');
		if (listener.stats.failedReads > 0) {
			await listener.close();
			throw listener.lastReadError;
		}
		listener.armSafetyRead();
		listener.armReconcile();
		return listener;
	}

	/** Calls `then` after `ms`, unless cancelled or closed first. */
	private after(ms: number, then: () => void): Cancel {
		const controller = new AbortController();
		this.waits.add(controller);
		this.options.sleep(ms, controller.signal).then(
			() => {
				this.waits.delete(controller);
				if (!controller.signal.aborted && this.modeNow !== 'closed') then();
			},
			() => this.waits.delete(controller),
		);
		return () => controller.abort();
	}

	/**
	 * Opens a session, starts the listening search and waits until the server has taken it on. Rejects
	 * (and leaves nothing open) when no server answers or the server refuses the search.
	 */
	private connect(): Promise<void> {
		const mechanism = this.mechanism!;
		const attempt = LdapSession.open(this.options.settings).then(async (session) => {
			let search: ListeningSearch | undefined;
			const opened = (async () => {
				const prepared = await mechanism.prepare(session, this.options.baseDN, this.options.server);
				await new Promise<void>((resolve, reject) => {
					let settled = false;
					const settle = (error?: Error) => {
						if (settled) return;
						settled = true;
						cancelTimer();
						if (error) reject(error);
						else resolve();
					};
					const timeoutMs = mechanism.silentStart
						? (this.options.refusalWaitMs ?? 300)
						: this.options.settings.timeoutMs;
					const cancelTimer = this.after(timeoutMs, () =>
						mechanism.silentStart
							? settle()
							: settle(
									new RequestError(
										'timeout',
										`The directory did not start announcing changes in time (${session.server})`,
										'Check that the server is not overloaded, or raise the timeout in the credential',
										session.server,
									),
								),
					);
					search = session.listen(prepared.baseDN, prepared.request, {
						onMessage: (message) => {
							let signal: ListenSignal;
							try {
								signal = mechanism.classify(message);
							} catch (error) {
								this.options.log.warn(`An announcement could not be read: ${String(error)}`);
								signal = { kind: 'change', dns: [] };
							}
							if (!settled) {
								if (signal.kind === 'listening') settle();
								else if (signal.kind === 'ended')
									settle(cannotListen(this.options.flavour, this.options.server.vendor, refusal(signal)));
								// A change before the search was confirmed is covered by the read that follows.
								return;
							}
							this.hear(signal);
						},
						onClose: (failure) => {
							if (!settled)
								settle(
									failure ??
										new RequestError(
											'unreachable',
											`The directory closed the connection (${session.server})`,
											'Check that the directory is running',
										),
								);
							else this.lost(failure);
						},
					});
					// Known at once, so that close() during the wait ends it (and the wait with it).
					this.search = search;
				});
				if (this.modeNow === 'closed') {
					await search?.close();
					return;
				}
				this.search = search;
				this.modeNow = 'listening';
				this.failedAttempts = 0;
				this.options.log.info(`Listening for changes by ${mechanism.label} on ${session.server}`);
			})();
			// Whatever failed, nothing stays open.
			await opened.catch(() => (search ? search.close() : session.close()));
			return opened;
		});
		this.connecting = attempt.catch(() => undefined);
		return attempt;
	}

	/** A message of the established search. */
	private hear(signal: ListenSignal): void {
		if (signal.kind === 'change') {
			if (signal.dns.length > 0 && !signal.dns.some((dn) => isBelow(dn, this.bases))) {
				this.stats.ignored++;
				return;
			}
			this.stats.wakes++;
			this.wake('change');
		} else if (signal.kind === 'ended') {
			this.options.log.warn(`The directory ended the listening search: ${refusal(signal)}`);
			const search = this.search;
			this.search = undefined;
			void search?.close();
		}
	}

	/** The listening connection is gone (the search's onClose): reconnect, unless closing. */
	private lost(failure?: RequestError): void {
		this.search = undefined;
		if (this.modeNow === 'closed') return;
		if (failure) this.options.log.warn(`Listening stopped: ${failure.message}; reconnecting`);
		this.modeNow = 'reconnecting';
		this.scheduleReconnect();
	}

	private scheduleReconnect(): void {
		if (this.modeNow === 'closed' || this.reconnectTimer) return;
		const { first, max } = this.options.backoffMs ?? { first: 1000, max: 60_000 };
		const ceiling = Math.min(max, first * 2 ** this.failedAttempts);
		const delay = ceiling * (0.5 + (this.options.random ?? Math.random)() / 2);
		this.failedAttempts++;
		this.reconnectTimer = this.after(delay, () => {
			this.reconnectTimer = undefined;
			if (this.modeNow === 'closed') return;
			this.connect().then(
				() => {
					if (this.modeNow === 'closed') return;
					this.stats.reconnects++;
					// Catch-up: whatever happened while nobody listened.
					this.wake('reconnect');
				},
				(error: unknown) => {
					if (this.modeNow === 'closed') return;
					this.options.log.warn(
						`Could not listen again: ${error instanceof Error ? error.message : String(error)}; trying again`,
					);
					this.scheduleReconnect();
				},
			);
		});
	}

	/** Asks for a read; announcements close together share one. */
	private wake(reason: ReadReason): void {
		if (this.modeNow === 'closed') return;
		if (this.reading) {
			this.wakeAgain = true;
			return;
		}
		const now = Date.now();
		this.gatheringSince ??= now;
		const ceiling = this.gatheringSince + (this.options.coalesceMaxMs ?? 500);
		const quiet = this.options.coalesceMs ?? 50;
		// Another announcement while gathering: wait for the next pause, up to the ceiling.
		this.wakeTimer?.();
		this.wakeTimer = this.after(Math.max(0, Math.min(quiet, ceiling - now)), () => {
			this.wakeTimer = undefined;
			this.gatheringSince = undefined;
			void this.runRead(reason);
		});
	}

	private runRead(reason: ReadReason): Promise<void> {
		if (this.reading) {
			this.wakeAgain = true;
			return this.reading;
		}
		this.wakeAgain = false;
		// Any read serves the follow-up that was due.
		this.followUpTimer?.();
		this.followUpTimer = undefined;
		this.stats.reads++;
		if (reason === 'followUp') this.stats.followUps++;
		const reconciling = this.reconcileDue;
		this.reconcileDue = false;
		const read = this.options
			.read(reconciling ? 'reconcile' : reason)
			.then(
				(outcome) => {
					if (reconciling) this.armReconcile();
					return outcome?.readAgainSoon === true;
				},
				(error: unknown) => {
					// The next read reconciles instead.
					if (reconciling) this.reconcileDue = true;
					this.stats.failedReads++;
					this.lastReadError = error;
					if (reason !== 'start')
						this.options.log.warn(`Reading changes failed: ${error instanceof Error ? error.message : String(error)}`);
					return false;
				},
			)
			.then((short) => {
				this.reading = undefined;
				if (this.modeNow === 'closed') return;
				this.armSafetyRead();
				this.shortReads = short ? this.shortReads + 1 : 0;
				if (short) this.armFollowUp();
				if (this.wakeAgain) this.wake('change');
			});
		this.reading = read;
		return read;
	}

	/** The next reconciliation, reconcileMs after the last one. */
	private armReconcile(): void {
		this.reconcileTimer?.();
		if (this.modeNow === 'closed' || !this.options.reconcileMs) return;
		this.reconcileTimer = this.after(this.options.reconcileMs, () => {
			this.reconcileTimer = undefined;
			this.reconcileDue = true;
			this.wake('reconcile');
		});
	}

	/** A read soon after one that stopped short, later each time another does. */
	private armFollowUp(): void {
		this.followUpTimer?.();
		const ceiling = this.mechanism
			? (this.options.safetyReadMs ?? 5 * 60_000)
			: (this.options.fallbackReadMs ?? 60_000);
		const delay = Math.min(ceiling, (this.options.followUpMs ?? 100) * 2 ** (this.shortReads - 1));
		this.followUpTimer = this.after(delay, () => {
			this.followUpTimer = undefined;
			this.wake('followUp');
		});
	}

	/** The next safety read (or interval read) counts from the last read. */
	private armSafetyRead(): void {
		this.safetyTimer?.();
		if (this.modeNow === 'closed') return;
		const interval = this.mechanism
			? (this.options.safetyReadMs ?? 5 * 60_000)
			: (this.options.fallbackReadMs ?? 60_000);
		this.safetyTimer = this.after(interval, () => {
			this.safetyTimer = undefined;
			this.wake(this.mechanism ? 'safety' : 'interval');
		});
	}

	/** Stops listening and reading: no connection, timer or read is left when it returns. Idempotent. */
	async close(): Promise<void> {
		this.modeNow = 'closed';
		for (const wait of this.waits) wait.abort();
		this.waits.clear();
		this.wakeTimer = this.safetyTimer = this.reconnectTimer = this.followUpTimer = this.reconcileTimer = undefined;
		const search = this.search;
		this.search = undefined;
		await Promise.all([search?.close(), this.connecting, this.reading]);
	}
}
