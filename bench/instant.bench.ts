/**
 * The listening engine of the Instant Trigger (core/changes/ldap/listen/) on a real OpenLDAP with syncprov,
 * reading with the polling trigger's accesslog strategy, outside n8n:
 *
 *   npm run bench instant          (BENCH_USERS 2,000; BENCH_CHANGES 200; BENCH_IDLE_SECONDS 60; BENCH_BURST 1,000)
 *   BENCH_SERVER=389ds npm run bench instant     (a real 389 DS 2.3: persistent search, changelog strategy)
 *   BENCH_SERVER=samba npm run bench instant     (a real Samba AD DC on ports 389/636: change notification, AD USN)
 *
 * 1. Latency: BENCH_CHANGES writes one after another (ldapts, one modify each); for each, the time from the start
 *    of the write to the moment the read that found it returned its event. p50 / p99 / max. The polling trigger
 *    polls once a minute, so its latency is the wait for the next poll plus the poll: uniform over 0-60 s (p50
 *    30 s, p99 59.4 s) plus the same read; that is computed here, not measured.
 * 2. Idle cost: this process's CPU time and RSS while the listener holds its connection for BENCH_IDLE_SECONDS
 *    with nothing changing (safety reads every 5 minutes included when the span is longer).
 * 3. Burst: BENCH_BURST people changed once each, as fast as the server takes it (slapd: one LDIF through
 *    ldapmodify; 389 DS and Samba: 16 modifies in flight on one connection); time until every event was
 *    emitted, how many reads it took, and whether each change came exactly once.
 *
 * Figures on 2026-12-06 at 12:13 UTC, the 2-core machine shared with other jobs (load average 12.8-15.8), 2,000
 * users, defaults: latency p50 69.7 ms, p99 213.1 ms, max 455.8 ms (one read per write); idle 60 s: 14.7 ms of
 * CPU (0.025 % of a core), RSS 131 MB unchanged, no read; a burst of 1,000 writes taking 1.0 s: all 1,000 events
 * (and one bulk summary) emitted by 2.46 s, none twice.
 *
 * 389 DS 2.3, 12:30 UTC, load average about 18, 1,000 users: latency p50 90.6 ms, p99 213.2 ms; idle 60 s: 7.6 ms of
 * CPU (0.013 %); a burst of 1,000 writes: one change never emitted (389 DS counts a change in lastChangeNumber before
 * its record is visible; the changelog strategy moved past it). After the fix, 14:46 UTC, load 13-15: latency p50
 * 142.8 ms, p99 444.6 ms, max 496.2 ms; idle 600 s: 33.7 ms of CPU (0.006 %), RSS 111 MB unchanged, one safety read;
 * burst of 1,000 writes (9.7 s, 16 in flight): all 1,000 emitted 14 ms after the last write, in 20 reads, none twice.
 * OpenLDAP idle 600 s (15:00 UTC): 307.7 ms of CPU (0.051 %), RSS 123 -> 86 MB, one safety read.
 * Samba 4.17 AD DC, 12:27 UTC, 1,600 staff: latency p50 269.8 ms, p99 2,421 ms, max 2,704 ms; idle 60 s: 140.8 ms of
 * CPU (0.235 %); burst: Samba takes about 18 writes a second here (54 s), all 1,000 emitted within 70 ms of the last
 * write, none twice. BENCH_TRACE=1 showed why: every 12th read was a full reconciliation (5-9 s on a loaded Samba),
 * and each read connected and bound anew (350-500 ms); Samba itself announced a write 360 ms (p50; p99 780 ms) after
 * acknowledging it. After reconciling on a timer and keeping the reading connection, 14:52 UTC, load 13-15: latency
 * p50 233.2 ms, p99 622.2 ms, max 864.1 ms. 16:00 UTC, load under 2: p50 122.7 ms, p99 364.5 ms, max 371.7 ms; idle 600 s:
 * 302.7 ms of CPU (0.050 %), RSS 123 -> 86 MB, one safety read; a burst of 300 writes, every event once by 7.6 s.
 * The same from the directory write to the start of an n8n execution: bench/instant-n8n.bench.ts.
 */
import { Attribute, Change, Client } from 'ldapts';
import { sleepWithAbort } from 'n8n-workflow';

import { chooseListenMechanism } from '../core/changes/ldap/listen/choose';
import { ChangeListener, type ReadReason } from '../core/changes/ldap/listen/listener';
import type { DirectoryEvent } from '../core/changes/events';
import type { ChangeState } from '../core/changes/state';
import { KeptLdapPoller, type LdapWatchOptions } from '../core/changes/watch';
import { readLdapServer } from '../core/ldap/server-info';
import { parseLdapSettings, type LdapSettings } from '../core/ldap/settings';
import { LdapSession } from '../transport/ldap/session';
import { watchOptionsOf } from '../nodes/OpenTextDirectoryServicesTrigger/parameters';
import { listenParametersOf, watchOptionsForRead } from '../nodes/OpenTextDirectoryServicesInstantTrigger/parameters';
import { startDirsrv } from '../devkit/dirsrv';
import { ldapCredentialData } from '../devkit/ldap-credential';
import { startSamba } from '../devkit/samba';
import { STAFF_COUNT, staffDn, staffLogin } from '../devkit/samba-fixture';
import { startSlapd } from '../devkit/slapd';

/** At least BENCH_BURST, so that each write of the burst is another person's. */
const USERS = Number(process.env.BENCH_USERS ?? 2000);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 200);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const BURST = Number(process.env.BENCH_BURST ?? 1000);
/** BENCH_TRACE=1: the timeline of every write slower than BENCH_TRACE_MS (default 1,000 ms). */
const TRACE = process.env.BENCH_TRACE === '1';
const TRACE_MS = Number(process.env.BENCH_TRACE_MS ?? 1000);

const percentile = (sorted: number[], p: number) =>
	sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const ms = (value: number) => `${value.toFixed(1)} ms`;

/** A directory to measure: its credential, its people, and how to change them. */
interface BenchServer {
	name: string;
	settings: LdapSettings;
	logins: string[];
	/** Changes one person's watched attribute (one modify). */
	write(writer: Client, login: string, value: string): Promise<void>;
	/** Changes each of these people once, as fast as the server takes it. */
	burst(writer: Client, logins: string[]): Promise<void>;
	bind(writer: Client): Promise<void>;
	url: string;
	/** A person's DN (BENCH_TRACE matches the server's announcements to writes by it). */
	dnOf(login: string): string;
	stop(): Promise<void>;
}

const replace = (type: string, value: string) =>
	new Change({ operation: 'replace', modification: new Attribute({ type, values: [value] }) });

/** Modifies with up to 16 requests in flight on one connection. */
async function inFlight(logins: string[], change: (login: string, index: number) => Promise<void>): Promise<void> {
	let next = 0;
	await Promise.all(
		Array.from({ length: 16 }, async () => {
			while (next < logins.length) {
				const index = next++;
				await change(logins[index], index);
			}
		}),
	);
}

async function openLdapServer(): Promise<BenchServer> {
	const slapd = await startSlapd({ users: USERS, otds: false, syncprov: true });
	return {
		name: `OpenLDAP (syncprov), ${USERS} users`,
		url: slapd.url,
		settings: parseLdapSettings({
			serverUrls: slapd.url,
			connectionSecurity: 'none',
			bindDN: slapd.adminDN,
			bindPassword: slapd.adminPassword,
			baseDN: slapd.baseDN,
			directoryFlavour: 'auto',
		}),
		logins: slapd.fixture.users.map((user) => user.uid),
		bind: (writer) => writer.bind(slapd.adminDN, slapd.adminPassword),
		dnOf: (login) => slapd.layout.userDN(login),
		write: (writer, login, value) => writer.modify(slapd.layout.userDN(login), [replace('title', value)]),
		// One LDIF through ldapmodify: the fastest way to write into slapd.
		burst: (_writer, logins) =>
			slapd.ldapmodify(
				logins
					.map(
						(login, index) =>
							`dn: ${slapd.layout.userDN(login)}\nchangetype: modify\nreplace: title\ntitle: Burst ${index}\n`,
					)
					.join('\n'),
			),
		stop: () => slapd.stop(),
	};
}

async function dirsrvServer(): Promise<BenchServer> {
	const dirsrv = await startDirsrv({ usersPerKind: Math.ceil(Math.min(USERS, BURST) / 2) });
	// 389's own people (nsPerson) allow no title: their mail changes instead.
	const mail = (login: string, value: string) => `${login}.${value.replace(/\W+/g, '-')}@example.test`;
	return {
		name: `389 DS 2.3 (persistent search), ${dirsrv.fixture.users.length} users`,
		url: dirsrv.url,
		settings: parseLdapSettings({
			serverUrls: dirsrv.url,
			connectionSecurity: 'none',
			bindDN: dirsrv.adminDN,
			bindPassword: dirsrv.adminPassword,
			baseDN: dirsrv.baseDN,
			directoryFlavour: 'auto',
			timeout: 30_000,
		}),
		logins: dirsrv.fixture.users.map((user) => user.uid),
		bind: (writer) => writer.bind(dirsrv.adminDN, dirsrv.adminPassword),
		dnOf: (login) => dirsrv.userDN(login),
		write: (writer, login, value) => writer.modify(dirsrv.userDN(login), [replace('mail', mail(login, value))]),
		burst: (writer, logins) =>
			inFlight(logins, (login, index) =>
				writer.modify(dirsrv.userDN(login), [replace('mail', mail(login, `burst-${index}`))]),
			),
		stop: () => dirsrv.stop(),
	};
}

async function sambaServer(): Promise<BenchServer> {
	const samba = await startSamba();
	const logins = Array.from({ length: STAFF_COUNT }, (_, index) => staffLogin(index));
	const dnOf = new Map(logins.map((login, index) => [login, staffDn(index)]));
	return {
		name: `Samba 4.17 AD DC (change notification), ${STAFF_COUNT} staff`,
		url: samba.url,
		settings: parseLdapSettings({ ...ldapCredentialData(samba), directoryFlavour: 'auto', timeout: 30_000 }),
		logins,
		bind: async (writer) => {
			await writer.bind(samba.adminDN, samba.adminPassword);
		},
		dnOf: (login) => dnOf.get(login)!,
		write: (writer, login, value) => writer.modify(dnOf.get(login)!, [replace('title', value)]),
		burst: (writer, burst) =>
			inFlight(burst, (login, index) => writer.modify(dnOf.get(login)!, [replace('title', `Burst ${index}`)])),
		stop: () => samba.stop(),
	};
}

/**
 * For each write slower than TRACE_MS, and a summary over all: when the write was acknowledged, when the server
 * announced it (the tracing search), and the reads around it (why each ran, when it ended, whether it found the
 * write), in ms from the write's start.
 */
function traceSlowWrites(
	writes: Array<{ login: string; started: number; acknowledged: number; latency: number }>,
	announced: Map<string, number[]>,
	reads: Array<{ reason: string; started: number; ended: number; logins: string[] }>,
	dnOf: (login: string) => string,
): void {
	const rel = (at: number, from: number) => `${(at - from).toFixed(0)}`;
	const announceDelays: number[] = [];
	const readTimes: number[] = [];
	for (const read of reads) readTimes.push(read.ended - read.started);
	for (const write of writes) {
		const announcement = (announced.get(dnOf(write.login)) ?? []).find((at) => at >= write.started);
		if (announcement !== undefined) announceDelays.push(announcement - write.acknowledged);
		if (write.latency < TRACE_MS) continue;
		process.stdout.write(
			`slow write ${write.login}: ${write.latency.toFixed(0)} ms; acknowledged +${rel(write.acknowledged, write.started)}, announced ${announcement === undefined ? 'never' : `+${rel(announcement, write.started)}`}\n`,
		);
		for (const read of reads.filter((r) => r.ended >= write.started - 50 && r.started <= write.started + write.latency))
			process.stdout.write(
				`  read (${read.reason}) +${rel(read.started, write.started)}: done +${rel(read.ended, write.started)}; found ${read.logins.includes(write.login) ? 'it' : `not it (${read.logins.length} others)`}
`,
			);
	}
	const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
	const delays = sorted(announceDelays);
	const times = sorted(readTimes);
	process.stdout.write(
		`trace: announcement after acknowledgement (${delays.length} of ${writes.length} announced): p50 ${ms(percentile(delays, 50))}, p99 ${ms(percentile(delays, 99))}, max ${ms(delays[delays.length - 1])}; read (${times.length}): p50 ${ms(percentile(times, 50))}, p99 ${ms(percentile(times, 99))}, max ${ms(times[times.length - 1])}\n`,
	);
}

async function main(): Promise<void> {
	const which = process.env.BENCH_SERVER ?? 'openldap';
	const target =
		which === '389ds' ? await dirsrvServer() : which === 'samba' ? await sambaServer() : await openLdapServer();
	const { settings } = target;
	process.stdout.write(`${target.name}\n`);
	const watch = watchOptionsOf({ source: 'ldap' }).watch as LdapWatchOptions;
	const server = await LdapSession.use(settings, (session) => readLdapServer(session, 'auto'));
	let state: ChangeState | undefined;
	const seen = new Map<string, number>();
	const arrivals: Array<{ login: string; at: number }> = [];
	const reads: Array<{ reason: ReadReason; started: number; ended: number; logins: string[] }> = [];
	const poller = new KeptLdapPoller(settings);
	// BENCH_TRACE: a second listening search, the server's own announcements as they arrive, by DN.
	const announced = new Map<string, number[]>();
	const tracer = TRACE ? await LdapSession.open(settings) : undefined;
	if (tracer) {
		const mechanism = chooseListenMechanism(server.flavour, server.info);
		const prepared = await mechanism.prepare(tracer, settings.baseDN, server.info);
		tracer.listen(prepared.baseDN, prepared.request, {
			onMessage: (message) => {
				if (message.kind !== 'entry') return;
				const key = message.dn.toLowerCase();
				announced.set(key, [...(announced.get(key) ?? []), performance.now()]);
			},
			onClose: () => undefined,
		});
	}
	const listener = await ChangeListener.start({
		settings,
		flavour: server.flavour,
		server: server.info,
		baseDN: settings.baseDN,
		watchedBases: [settings.baseDN],
		// As the node reads: over one kept connection, reconciling on the listener's timer only.
		read: async (reason) => {
			const timing = { reason, started: performance.now(), ended: 0, logins: [] as string[] };
			const poll = await poller.poll(watchOptionsForRead(watch, reason), state);
			state = poll.nextCursor;
			const at = performance.now();
			for (const event of poll.events as DirectoryEvent[]) {
				seen.set(event.id, (seen.get(event.id) ?? 0) + 1);
				if (event.user?.login) {
					arrivals.push({ login: event.user.login, at });
					timing.logins.push(event.user.login);
				}
			}
			timing.ended = performance.now();
			if (TRACE) reads.push(timing);
			return { readAgainSoon: poll.readAgainSoon };
		},
		// The node's defaults (a reconciliation every 12 minutes, on its own timer).
		reconcileMs: listenParametersOf({}).reconcileMs,
		log: { info: () => undefined, warn: (message) => process.stderr.write(`${message}\n`) },
		sleep: sleepWithAbort,
	});
	// Samba's LDAPS certificate is its own throwaway CA's: the writer need not verify it.
	const writer = new Client({
		url: target.url,
		tlsOptions: target.url.startsWith('ldaps:') ? { rejectUnauthorized: false } : undefined,
	});
	await target.bind(writer);
	const arrived = async (login: string, since: number, timeoutMs = 10_000) => {
		const deadline = performance.now() + timeoutMs;
		for (;;) {
			const found = arrivals.find((arrival) => arrival.login === login && arrival.at >= since);
			if (found) return found.at;
			if (performance.now() > deadline) throw new Error(`no event for ${login}`);
			await new Promise((resolve) => setImmediate(resolve));
		}
	};
	try {
		// 1. Latency, one write at a time.
		const latencies: number[] = [];
		const writes: Array<{ login: string; started: number; acknowledged: number; latency: number }> = [];
		for (let index = 0; index < CHANGES; index++) {
			const login = target.logins[index % target.logins.length];
			const started = performance.now();
			await target.write(writer, login, `Latency ${index}`);
			const acknowledged = performance.now();
			const latency = (await arrived(login, started)) - started;
			latencies.push(latency);
			writes.push({ login, started, acknowledged, latency });
		}
		if (TRACE) traceSlowWrites(writes, announced, reads, (login) => target.dnOf(login).toLowerCase());
		latencies.sort((a, b) => a - b);
		process.stdout.write(
			`latency over ${CHANGES} writes (write start → event): p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))}, max ${ms(latencies[latencies.length - 1])}; reads ${listener.stats.reads}\n`,
		);
		process.stdout.write('polling trigger (computed): p50 30 s, p99 59.4 s, plus the same read\n');

		// 2. Idle.
		const cpuBefore = process.cpuUsage();
		const rssBefore = process.memoryUsage().rss;
		const readsBefore = listener.stats.reads;
		await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
		const cpu = process.cpuUsage(cpuBefore);
		process.stdout.write(
			`idle ${IDLE_SECONDS} s: CPU ${((cpu.user + cpu.system) / 1000).toFixed(1)} ms (${(((cpu.user + cpu.system) / 1e6 / IDLE_SECONDS) * 100).toFixed(3)} % of a core), RSS ${(rssBefore / 2 ** 20).toFixed(0)} → ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB, reads ${listener.stats.reads - readsBefore}\n`,
		);

		// 3. Burst.
		// Each person once (a person changed twice in one read may be one event).
		const burst = target.logins.slice(0, Math.min(BURST, target.logins.length));
		const distinct = burst.length;
		const readsBeforeBurst = listener.stats.reads;
		const eventsBefore = seen.size;
		const started = performance.now();
		await target.burst(writer, burst);
		const written = performance.now();
		const deadline = written + 60_000;
		const burstLogins = new Set(burst);
		const arrivedLogins = () =>
			new Set(
				arrivals.filter((arrival) => arrival.at >= started && burstLogins.has(arrival.login)).map((a) => a.login),
			);
		while (arrivedLogins().size < burstLogins.size && performance.now() < deadline)
			await new Promise((resolve) => setTimeout(resolve, 5));
		const done = performance.now();
		const userEvents = arrivals.filter((arrival) => arrival.at >= started && burstLogins.has(arrival.login)).length;
		const repeated = [...seen.values()].filter((count) => count > 1).length;
		process.stdout.write(
			`burst of ${BURST} writes (${distinct} people) in ${ms(written - started)}: ${arrivedLogins().size} people's events (${userEvents} user events, ${seen.size - eventsBefore} events with summaries) by ${ms(done - started)} in ${listener.stats.reads - readsBeforeBurst} reads (${listener.stats.followUps} follow-ups so far); events emitted more than once: ${repeated}\n`,
		);
	} finally {
		await writer.unbind().catch(() => undefined);
		await listener.close();
		await poller.close();
		await tracer?.close();
		await target.stop();
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exit(1);
});
