/**
 * A throwaway OpenLDAP server per call, for integration tests.
 *
 * startSlapd() makes a private folder under the OS temp dir, generates the enterprise fixture, writes
 * it as LDIF in two flavours (inetOrgPerson under dc=example,dc=com; legacy-OTDS shaped under
 * dc=identity,dc=opentext,dc=net), loads both with `slapadd -q` (offline, fast), and runs `slapd` in
 * the foreground as a child process on free loopback ports. Nothing is shared between calls.
 *
 * Clean-up is layered (devkit/server-process.ts), because a leaked slapd keeps a port and a folder: stop()
 * ends it by pid and removes the folder; a process 'exit' handler SIGKILLs whatever is still running and
 * removes its folder (covers forgotten stop() calls and uncaught errors); and a tiny watchdog shell, holding a
 * pipe from this process, does the same when that pipe closes, i.e. even when this process itself is SIGKILLed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'ldapts';
import { generateEnterprise, type EnterpriseFixture } from './fixture/enterprise';
import { inetOrgPersonLayout, writeInetOrgPersonLdif, type InetOrgPersonLayout } from './fixture/inetorgperson-ldif';
import { OTDS_BASE_DN, OTDS_PARTITION, otdsLayout, writeOtdsLdif, type OtdsLayout } from './fixture/otds-ldif';
import {
	findOpenLdap,
	renderSlapdConf,
	slapdVersion,
	type OpenLdapInstallation,
	type SlapdReaderLimits,
} from './schema/slapd-conf';
import { freePort, runTool, terminateServer, trackServer, type LiveServer } from './server-process';
import { makeCertificates } from './tls';

export interface SlapdOptions {
	/** Fixture size (default 300). */
	users?: number;
	/** Fixture seed (default 42). */
	seed?: number;
	/**
	 * Load the OTDS-shaped tree too (default true). Its LDIF is twice the size of the main one (long DNs),
	 * so a large benchmark of the plain LDAP path may skip it; the OTDS database then stays empty.
	 */
	otds?: boolean;
	/** Also listen on ldaps:// and allow StartTLS on the plain port (default false). */
	tls?: boolean;
	/** Also listen on the IPv6 loopback, ldap://[::1] on the same port (default false). */
	ipv6?: boolean;
	/**
	 * Publish vendorName/vendorVersion in the root DSE (default false). Real OpenLDAP publishes neither
	 * (it is recognisable by objectClass OpenLDAProotDSE); turn this on to test code that reads them.
	 */
	vendorInfo?: boolean;
	/** How long to wait for the server to accept binds (default 30 s). */
	startTimeoutMs?: number;
	/**
	 * Add a non-root account (Slapd.reader) that may read the directory and the accesslog within these size
	 * limits. Tests bind as the rootdn otherwise, which no limit applies to.
	 */
	reader?: SlapdReaderLimits;
	/**
	 * Load the syncprov overlay on the main database (default false), for listening triggers: RFC 4533
	 * content synchronisation, refreshAndPersist. Without it the server cannot announce changes.
	 */
	syncprov?: boolean;
	/** Index entryCSN and modifyTimestamp (the change stamps) in the main database, as production has them. */
	stampIndexes?: boolean;
	/**
	 * Keep the loaded databases in a cache outside the repository (OTDP_SLAPD_CACHE, default
	 * ~/.cache/otdp-slapd) and copy them from there next time, instead of slapadd: for the large benchmark
	 * fixtures (a million users take minutes to load). The key covers the fixture, the config and slapd.
	 */
	cacheData?: boolean;
}

export interface SlapdTls {
	caCertPem: string;
	caCertPath: string;
	/** A CA that did not sign the server certificate. */
	wrongCaCertPem: string;
	wrongCaCertPath: string;
	serverCertPem: string;
	serverCertPath: string;
}

export interface SlapdTimings {
	generateMs: number;
	/** Writing both LDIF files and running slapadd (they overlap), or copying the cached databases. */
	loadMs: number;
	/** With cacheData: how long generating and loading took when the cache was built (undefined: not cached). */
	cachedBuild?: { generateMs: number; loadMs: number; databaseBytes: number };
	/** Whether the databases were copied from the cache (cacheData) rather than loaded. */
	fromCache: boolean;
	startMs: number;
	totalMs: number;
}

export interface Slapd {
	host: string;
	url: string;
	port: number;
	ldapsUrl?: string;
	ldapsPort?: number;
	/** With the ipv6 option: the plain port on the IPv6 loopback. */
	ipv6Url?: string;
	baseDN: string;
	adminDN: string;
	adminPassword: string;
	otdsBaseDN: string;
	otdsPartition: string;
	/** rootdn of the OTDS database. The main admin can also read and write that tree. */
	otdsAdminDN: string;
	otdsAdminPassword: string;
	accesslogDN: string;
	/** The size-limited reader of SlapdOptions.reader, when asked for. */
	reader?: { dn: string; password: string };
	/** DNs of the inetOrgPerson flavour (userDN(uid), groupDN(name), policyDN, ...). */
	layout: InetOrgPersonLayout;
	/** DNs of the OTDS flavour (userDN(uid), groupDN(name), ...). */
	otds: OtdsLayout;
	tls?: SlapdTls;
	/** The private folder (config, LDIF, databases, certificates). */
	dir: string;
	/** pid of the current slapd process (changes on restart). */
	readonly pid: number;
	readonly running: boolean;
	fixture: EnterpriseFixture;
	timings: SlapdTimings;
	/** SIGTERM, wait for exit, remove the folder. Idempotent. */
	stop(): Promise<void>;
	/** Stops (if running) and starts again on the same ports and data. Also recovers after kill(). */
	restart(): Promise<void>;
	/** SIGKILL, for crash tests; data and folder stay for restart(). */
	kill(): void;
	/** Runs the ldapmodify CLI (as the main admin unless told otherwise); `changetype: add` etc. work. */
	ldapmodify(ldif: string, as?: { dn: string; password: string }): Promise<void>;
}

const HOST = '127.0.0.1';

/**
 * The stand-in OTDS schema file of the repository. Found by walking up from this module, because the
 * harness also runs bundled into another folder of the repository (the demo), where __dirname differs.
 */
function otdsSchemaPath(): string {
	for (let folder = __dirname; ; folder = dirname(folder)) {
		for (const candidate of [join(folder, 'schema', 'otds.schema'), join(folder, 'devkit', 'schema', 'otds.schema')]) {
			if (existsSync(candidate)) return candidate;
		}
		if (dirname(folder) === folder) throw new Error('otds.schema not found: run from inside the repository');
	}
}
const ADMIN_PASSWORD = 'secret';
/** Ignore /etc/ldap/ldap.conf and ~/.ldaprc: the machine's client settings must not change tests. */
const CLI_ENV = { ...process.env, LDAPNOINIT: '1' };

/**
 * Polls with an admin bind until the server answers, the process dies, or time runs out. Each attempt
 * races the process exit: whatever holds a busy port may accept connections and never answer.
 */
async function waitUntilReady(
	url: string,
	dn: string,
	password: string,
	proc: ChildProcess,
	stderr: () => string,
	timeoutMs: number,
) {
	const deadline = Date.now() + timeoutMs;
	const exitMessage = () =>
		`slapd exited during start-up (code ${proc.exitCode}, signal ${proc.signalCode}):\n${stderr()}`;
	const exited =
		proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : once(proc, 'exit').then(() => undefined);
	let lastError: unknown;
	while (Date.now() < deadline) {
		if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(exitMessage());
		const client = new Client({ url, connectTimeout: 1000, timeout: 2000 });
		const attempt = client.bind(dn, password).then(() => true);
		try {
			if (await Promise.race([attempt, exited.then(() => false)])) return;
		} catch (error) {
			lastError = error;
		} finally {
			attempt.catch(() => undefined);
			await client.unbind().catch(() => undefined);
		}
		await new Promise((r) => setTimeout(r, 25));
	}
	throw new Error(`slapd did not accept binds within ${timeoutMs} ms (${String(lastError)}):\n${stderr()}`);
}

export async function startSlapd(options: SlapdOptions = {}): Promise<Slapd> {
	const t0 = Date.now();
	const install = findOpenLdap();
	const dir = await mkdtemp(join(tmpdir(), 'slapd-test-'));
	try {
		return await startIn(dir, install, options, t0);
	} catch (error) {
		await rm(dir, { recursive: true, force: true });
		throw error;
	}
}

async function startIn(dir: string, install: OpenLdapInstallation, options: SlapdOptions, t0: number): Promise<Slapd> {
	await Promise.all(['accesslog', 'example', 'otds'].map((d) => mkdir(join(dir, d))));
	const certificates = options.tls ? makeCertificates(join(dir, 'tls')) : undefined;
	const version = options.vendorInfo ? slapdVersion(install) : undefined;

	const fixture = generateEnterprise({ seed: options.seed, users: options.users });
	const t1 = Date.now();
	const layout = inetOrgPersonLayout();
	const otds = otdsLayout(fixture);
	const adminDN = `cn=admin,${layout.baseDN}`;
	const otdsAdminDN = `cn=admin,${OTDS_BASE_DN}`;
	const reader = options.reader && {
		...options.reader,
		dn: `cn=limited-reader,${layout.baseDN}`,
		password: 'reader-secret',
	};
	const rootDsePath = join(dir, 'rootdse.ldif');
	const vendor = version ? `vendorName: OpenLDAP Project\nvendorVersion: ${await version}\n` : '';
	await writeFile(rootDsePath, `dn:\n${vendor}`);
	const tls = await certificates;
	const confPath = join(dir, 'slapd.conf');
	await writeFile(
		confPath,
		renderSlapdConf({
			dir,
			install,
			otdsSchemaPath: otdsSchemaPath(),
			rootDsePath,
			adminDN,
			adminPassword: ADMIN_PASSWORD,
			baseDN: layout.baseDN,
			policyDN: layout.policyDN,
			otdsBaseDN: OTDS_BASE_DN,
			otdsAdminDN,
			otdsAdminPassword: ADMIN_PASSWORD,
			tls: tls && { caCertPath: tls.caCertPath, certPath: tls.serverCertPath, keyPath: tls.serverKeyPath },
			reader,
			syncprov: options.syncprov,
			stampIndexes: options.stampIndexes,
			// LMDB needs room for the largest fixtures: about 3 KB per user with the indexes.
			mainMaxSize: Math.max(4 * 2 ** 30, fixture.users.length * 8192),
		}),
	);

	const loadedFolders = options.otds === false ? ['example'] : ['example', 'otds'];
	const cache = options.cacheData ? await databaseCache(dir, confPath, install, fixture, loadedFolders) : undefined;
	let cachedBuild = cache?.build;
	const fromCache = cachedBuild !== undefined;
	if (cachedBuild === undefined) {
		// Load the main tree while the OTDS LDIF is still being written: slapadd is another process, so the
		// two overlap on a multi-core machine. Each slapadd opens only the database given with -b.
		const slapadd = (suffix: string, file: string) =>
			runTool(install.slapadd, ['-q', '-f', confPath, '-b', suffix, '-l', file], { env: CLI_ENV });
		const mainLdif = join(dir, 'example.ldif');
		const otdsLdif = join(dir, 'otds.ldif');
		await writeInetOrgPersonLdif(mainLdif, fixture, { baseDN: layout.baseDN });
		const mainLoaded = slapadd(layout.baseDN, mainLdif);
		mainLoaded.catch(() => undefined); // awaited below
		if (options.otds !== false) {
			await writeOtdsLdif(otdsLdif, fixture);
			await slapadd(OTDS_BASE_DN, otdsLdif);
		}
		await mainLoaded;
		// The LDIF can be regenerated from the fixture at will; at 100,000 users it takes ~270 MB.
		await Promise.all([rm(mainLdif, { force: true }), rm(otdsLdif, { force: true })]);
		if (cache !== undefined) {
			const loadMs = Date.now() - t1;
			cachedBuild = await cache.store({ generateMs: t1 - t0, loadMs });
		}
	}
	const t2 = Date.now();

	let port = 0;
	let ldapsPort: number | undefined;
	let current: LiveServer | undefined;
	let stderrTail = '';

	const launch = async (): Promise<void> => {
		const urls = [
			`ldap://${HOST}:${port}/`,
			...(ldapsPort ? [`ldaps://${HOST}:${ldapsPort}/`] : []),
			...(options.ipv6 ? [`ldap://[::1]:${port}/`] : []),
		];
		stderrTail = '';
		// Foreground. "-d none" rather than "-d 0": both keep slapd attached, but "-d 0" also silences
		// start-up errors such as "bind(6) failed errno=98 (Address already in use)", which we need.
		const child = spawn(install.slapd, ['-d', 'none', '-f', confPath, '-h', urls.join(' ')], {
			env: CLI_ENV,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		const keep = (d: Buffer) => (stderrTail = (stderrTail + d.toString()).slice(-16_384));
		child.stdout?.on('data', keep);
		child.stderr?.on('data', keep);
		child.on('error', (e) => keep(Buffer.from(`spawn error: ${e.message}\n`)));
		// Does not keep the test process alive; the exit hook or the watchdog will kill it.
		current = trackServer(child, dir);
		await waitUntilReady(
			urls[0] as string,
			adminDN,
			ADMIN_PASSWORD,
			child,
			() => stderrTail,
			options.startTimeoutMs ?? 30_000,
		);
	};

	// Another process may grab a port between freePort() and slapd's bind: retry with new ports.
	for (let attempt = 1; ; attempt++) {
		port = await freePort(HOST);
		ldapsPort = tls ? await freePort(HOST) : undefined;
		try {
			await launch();
			break;
		} catch (error) {
			await terminateServer(current);
			if (attempt >= 3 || !/bind|in use/i.test(stderrTail)) throw error;
		}
	}
	const t3 = Date.now();

	let stopped = false;
	const server: Slapd = {
		host: HOST,
		url: `ldap://${HOST}:${port}`,
		port,
		ldapsUrl: ldapsPort ? `ldaps://${HOST}:${ldapsPort}` : undefined,
		ldapsPort,
		ipv6Url: options.ipv6 ? `ldap://[::1]:${port}` : undefined,
		baseDN: layout.baseDN,
		adminDN,
		adminPassword: ADMIN_PASSWORD,
		otdsBaseDN: OTDS_BASE_DN,
		otdsPartition: OTDS_PARTITION,
		otdsAdminDN,
		otdsAdminPassword: ADMIN_PASSWORD,
		accesslogDN: 'cn=accesslog',
		reader: reader && { dn: reader.dn, password: reader.password },
		layout,
		otds,
		tls: tls && {
			caCertPem: tls.caCertPem,
			caCertPath: tls.caCertPath,
			wrongCaCertPem: tls.wrongCaCertPem,
			wrongCaCertPath: tls.wrongCaCertPath,
			serverCertPem: tls.serverCertPem,
			serverCertPath: tls.serverCertPath,
		},
		dir,
		get pid() {
			return current?.child.pid ?? -1;
		},
		get running() {
			return current !== undefined && current.child.exitCode === null && current.child.signalCode === null;
		},
		fixture,
		timings: { generateMs: t1 - t0, loadMs: t2 - t1, startMs: t3 - t2, totalMs: t3 - t0, cachedBuild, fromCache },
		async stop() {
			if (stopped) return;
			stopped = true;
			await terminateServer(current);
			await rm(dir, { recursive: true, force: true });
		},
		async restart() {
			if (stopped) throw new Error('restart() after stop(): the data folder is gone');
			await terminateServer(current);
			// The port was ours a moment ago; retry briefly in case the kernel has not released it yet.
			for (let attempt = 1; ; attempt++) {
				try {
					await launch();
					return;
				} catch (error) {
					await terminateServer(current);
					if (attempt >= 20 || !/bind|in use/i.test(stderrTail)) throw error;
					await new Promise((r) => setTimeout(r, 250));
				}
			}
		},
		kill() {
			const pid = current?.child.pid;
			if (pid !== undefined && server.running) process.kill(pid, 'SIGKILL');
		},
		async ldapmodify(ldif, as) {
			const dn = as?.dn ?? adminDN;
			const password = as?.password ?? ADMIN_PASSWORD;
			await runTool(install.ldapmodify, ['-x', '-H', server.url, '-D', dn, '-w', password], {
				input: ldif,
				env: CLI_ENV,
			});
		},
	};
	if (reader) {
		await server.ldapmodify(
			`dn: ${reader.dn}\nchangetype: add\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: limited-reader\nuserPassword: ${reader.password}\n`,
		);
	}
	return server;
}

interface DatabaseCache {
	/** The recorded build when the databases came from the cache (then copied into the server's folder). */
	build?: { generateMs: number; loadMs: number; databaseBytes: number };
	/** Copies the freshly loaded databases into the cache; returns what it recorded. */
	store(build: {
		generateMs: number;
		loadMs: number;
	}): Promise<{ generateMs: number; loadMs: number; databaseBytes: number }>;
}

/**
 * The cached databases for this fixture and config: keyed by a hash of the config (with the folder's path
 * taken out), slapd's version and every user and group of the fixture. A build lands in a temporary folder
 * and is renamed into place whole, so a reader never sees half of one.
 */
async function databaseCache(
	dir: string,
	confPath: string,
	install: OpenLdapInstallation,
	fixture: EnterpriseFixture,
	folders: string[],
): Promise<DatabaseCache> {
	const hash = createHash('sha256');
	hash.update((await readFile(confPath, 'utf8')).split(dir).join('<dir>'));
	hash.update(await slapdVersion(install));
	hash.update(folders.join(','));
	for (const user of fixture.users) hash.update(JSON.stringify(user));
	for (const group of fixture.groups) hash.update(JSON.stringify(group));
	const root = process.env.OTDP_SLAPD_CACHE ?? join(homedir(), '.cache', 'otdp-slapd');
	const entry = join(root, `users-${fixture.users.length}-${hash.digest('hex').slice(0, 16)}`);
	const buildFile = join(entry, 'build.json');
	if (existsSync(buildFile)) {
		for (const folder of folders) await copySparse(join(entry, folder), join(dir, folder));
		return {
			build: JSON.parse(await readFile(buildFile, 'utf8')),
			store: async () => Promise.reject(new Error('cached')),
		};
	}
	return {
		async store(build) {
			await mkdir(root, { recursive: true });
			const temporary = await mkdtemp(join(root, 'building-'));
			let databaseBytes = 0;
			for (const folder of folders) {
				await copySparse(join(dir, folder), join(temporary, folder));
				// Blocks in use: LMDB's file is as long as the database's maximum size, mostly holes.
				for (const file of await readdir(join(dir, folder)))
					databaseBytes += (await stat(join(dir, folder, file))).blocks * 512;
			}
			const recorded = { ...build, databaseBytes };
			await writeFile(join(temporary, 'build.json'), JSON.stringify(recorded));
			// Another process may have built the same entry meanwhile: then its copy stays.
			await rename(temporary, entry).catch(() => rm(temporary, { recursive: true, force: true }));
			return recorded;
		},
	};
}

/** Copies a database folder's files into `target`, keeping LMDB's holes (a plain copy writes the whole maximum size). */
async function copySparse(folder: string, target: string): Promise<void> {
	await runTool('cp', ['-rT', '--sparse=always', folder, target]);
}
