/**
 * The listening engine of the Instant Trigger (core/changes/ldap/listen/) on a real OpenLDAP with syncprov,
 * reading with the polling trigger's accesslog strategy, outside n8n:
 *
 *   npm run bench instant          (BENCH_USERS 2,000; BENCH_CHANGES 200; BENCH_IDLE_SECONDS 60; BENCH_BURST 1,000)
 *
 * 1. Latency: BENCH_CHANGES writes one after another (ldapts, one modify each); for each, the time from the start
 *    of the write to the moment the read that found it returned its event. p50 / p99 / max. The polling trigger
 *    polls once a minute, so its latency is the wait for the next poll plus the poll: uniform over 0-60 s (p50
 *    30 s, p99 59.4 s) plus the same read; that is computed here, not measured.
 * 2. Idle cost: this process's CPU time and RSS while the listener holds its connection for BENCH_IDLE_SECONDS
 *    with nothing changing (safety reads every 5 minutes included when the span is longer).
 * 3. Burst: BENCH_BURST writes in one LDIF (ldapmodify, as fast as slapd takes them); time until every event was
 *    emitted, how many reads it took, and whether each change came exactly once.
 *
 * Figures on 2026-12-06 at 12:13 UTC, the 2-core machine shared with other jobs (load average 12.8-15.8), 2,000
 * users, defaults: latency p50 69.7 ms, p99 213.1 ms, max 455.8 ms (one read per write); idle 60 s: 14.7 ms of
 * CPU (0.025 % of a core), RSS 131 MB unchanged, no read; a burst of 1,000 writes taking 1.0 s: all 1,000 events
 * (and one bulk summary) emitted by 2.46 s, none twice.
 *
 * The same from the directory write to the start of an n8n execution: bench/instant-n8n.bench.ts. Not yet measured:
 * 389 DS and Samba AD.
 */
import { Attribute, Change, Client } from 'ldapts';
import { sleepWithAbort } from 'n8n-workflow';

import { ChangeListener } from '../core/changes/ldap/listen/listener';
import type { DirectoryEvent } from '../core/changes/events';
import type { ChangeState } from '../core/changes/state';
import { pollLdapOnce, type LdapWatchOptions } from '../core/changes/watch';
import { readLdapServer } from '../core/ldap/server-info';
import { parseLdapSettings } from '../core/ldap/settings';
import { LdapSession } from '../transport/ldap/session';
import { watchOptionsOf } from '../nodes/OpenTextDirectoryServicesTrigger/parameters';
import { startSlapd } from '../devkit/slapd';

/** At least BENCH_BURST, so that each write of the burst is another person's. */
const USERS = Number(process.env.BENCH_USERS ?? 2000);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 200);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const BURST = Number(process.env.BENCH_BURST ?? 1000);

const percentile = (sorted: number[], p: number) =>
	sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const ms = (value: number) => `${value.toFixed(1)} ms`;

async function main(): Promise<void> {
	const slapd = await startSlapd({ users: USERS, otds: false, syncprov: true });
	const settings = parseLdapSettings({
		serverUrls: slapd.url,
		connectionSecurity: 'none',
		bindDN: slapd.adminDN,
		bindPassword: slapd.adminPassword,
		baseDN: slapd.baseDN,
		directoryFlavour: 'openLdap',
	});
	const watch = watchOptionsOf({ source: 'ldap', strategy: 'accesslog' }).watch as LdapWatchOptions;
	const server = await LdapSession.use(settings, (session) => readLdapServer(session, 'openLdap'));
	let state: ChangeState | undefined;
	const seen = new Map<string, number>();
	const arrivals: Array<{ login: string; at: number }> = [];
	const listener = await ChangeListener.start({
		settings,
		flavour: server.flavour,
		server: server.info,
		baseDN: settings.baseDN,
		watchedBases: [settings.baseDN],
		read: async () => {
			const poll = await pollLdapOnce(settings, watch, state);
			state = poll.nextCursor;
			const at = performance.now();
			for (const event of poll.events as DirectoryEvent[]) {
				seen.set(event.id, (seen.get(event.id) ?? 0) + 1);
				if (event.user?.login) arrivals.push({ login: event.user.login, at });
			}
		},
		log: { info: () => undefined, warn: (message) => process.stderr.write(`${message}\n`) },
		sleep: sleepWithAbort,
	});
	const writer = new Client({ url: slapd.url });
	await writer.bind(slapd.adminDN, slapd.adminPassword);
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
		for (let index = 0; index < CHANGES; index++) {
			const user = slapd.fixture.users[index % slapd.fixture.users.length];
			const started = performance.now();
			await writer.modify(slapd.layout.userDN(user.uid), [
				new Change({
					operation: 'replace',
					modification: new Attribute({ type: 'title', values: [`Latency ${index}`] }),
				}),
			]);
			latencies.push((await arrived(user.uid, started)) - started);
		}
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
		const burst = Array.from({ length: BURST }, (_, index) => slapd.fixture.users[index % slapd.fixture.users.length]);
		const distinct = new Set(burst.map((user) => user.uid)).size;
		const readsBeforeBurst = listener.stats.reads;
		const eventsBefore = seen.size;
		const started = performance.now();
		await slapd.ldapmodify(
			burst
				.map(
					(user, index) =>
						`dn: ${slapd.layout.userDN(user.uid)}\nchangetype: modify\nreplace: title\ntitle: Burst ${index}\n`,
				)
				.join('\n'),
		);
		const written = performance.now();
		const deadline = written + 60_000;
		const burstLogins = new Set(burst.map((user) => user.uid));
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
			`burst of ${BURST} writes (${distinct} people) in ${ms(written - started)}: ${arrivedLogins().size} people's events (${userEvents} user events, ${seen.size - eventsBefore} events with summaries) by ${ms(done - started)} in ${listener.stats.reads - readsBeforeBurst} reads; events emitted more than once: ${repeated}\n`,
		);
	} finally {
		await writer.unbind().catch(() => undefined);
		await listener.close();
		await slapd.stop();
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exit(1);
});
