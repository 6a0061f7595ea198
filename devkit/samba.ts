/**
 * A throwaway Samba Active Directory domain controller per call, for integration tests against real AD
 * semantics (uSNChanged, tombstones, userAccountControl, lockout, ranged retrieval, LDAP_MATCHING_RULE_IN_CHAIN).
 *
 * startSamba() copies a provisioned and seeded domain (devkit/samba-fixture.ts) into a private folder
 * under the OS temp dir and runs `samba -i -M single` (foreground, one process) on it as a child process.
 * Provisioning takes ~15 s and seeding ~40 s, so both happen once into a template folder under the OS temp dir,
 * named after a fingerprint of the Samba version, the provisioning options and the fixture (a change to any of
 * them makes a new template); each start copies it (~0.3 s) and starts in ~3 s.
 *
 * Samba's LDAP service listens on the fixed ports 127.0.0.1:389 and :636 (and Kerberos on 88): one DC at a time
 * on a machine. A start fails with a clear message when those ports are taken; it never waits or skips.
 * Simple binds need TLS (Samba refuses them on plain LDAP): use `url` (LDAPS, Samba's own self-signed
 * certificate, whose CA is `caCertPath`; the certificate names the DC's host, not 127.0.0.1).
 *
 * Clean-up follows slapd.ts (devkit/server-process.ts): stop() ends Samba by pid and removes the folder;
 * an exit handler and a watchdog cover forgotten stops and a killed test process (samba -i does not end by
 * itself when its standard input closes).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'ldapts';
import { NORTHWIND_DN, NORTHWIND_DNS, NORTHWIND_NETBIOS, NORTHWIND_REALM, seedNorthwind } from './samba-fixture';
import { runTool, terminateServer, trackServer, type LiveServer } from './server-process';

export interface SambaTimings {
	/** Provisioning and seeding the template; 0 when it was already there. */
	templateMs: number;
	copyMs: number;
	startMs: number;
}

export interface Samba {
	host: string;
	/** LDAPS on 127.0.0.1:636. */
	url: string;
	/** Plain LDAP on 127.0.0.1:389 (simple binds there only with SambaOptions.plainLdapBinds). */
	plainUrl: string;
	baseDN: string;
	adminDN: string;
	/** The administrator's userPrincipalName, which AD also accepts as a bind name. */
	adminUpn: string;
	adminPassword: string;
	/** The DC's host name as its certificate names it. */
	dcHostName: string;
	/** Samba's own throwaway CA (it signed the server certificate at the template's first start). */
	caCertPath: string;
	caCertPem: string;
	/** The private folder (smb.conf, databases). */
	dir: string;
	readonly pid: number;
	readonly running: boolean;
	timings: SambaTimings;
	/** A new ldapts client bound as the administrator over LDAPS (verifying Samba's CA); unbind it after use. */
	adminClient(): Promise<Client>;
	/** A new ldapts client over LDAPS, not bound. */
	client(): Client;
	/** SIGTERM, wait for the exit, remove the folder. Idempotent. */
	stop(): Promise<void>;
	/** Stops (if running) and starts again on the same data. */
	restart(): Promise<void>;
	/** SIGKILL, for crash tests; data and folder stay for restart(). */
	kill(): void;
}

const HOST = '127.0.0.1';
const LDAP_PORTS = [389, 636];
const ADMIN_PASSWORD = 'Northwind-Admin-1!';
const DC_HOST = 'DC1';
const DC_HOST_NAME = `${DC_HOST}.${NORTHWIND_DNS}`.toLowerCase();
const ADMIN_DN = `CN=Administrator,CN=Users,${NORTHWIND_DN}`;
const ADMIN_UPN = `Administrator@${NORTHWIND_DNS}`;
/** Where provisioning wrote the template; its smb.conf names this folder, and each copy puts its own in. */
const PROVISIONED_IN = 'provisioned-in';

/** The provisioning options, without the folder (given as --targetdir and the per-folder paths). */
function provisionArgs(dir: string): string[] {
	return [
		'domain',
		'provision',
		`--realm=${NORTHWIND_REALM}`,
		`--domain=${NORTHWIND_NETBIOS}`,
		`--host-name=${DC_HOST}`,
		'--server-role=dc',
		'--dns-backend=NONE',
		'--use-rfc2307',
		`--adminpass=${ADMIN_PASSWORD}`,
		`--targetdir=${dir}`,
		// `interfaces` must name an interface (an address no interface carries gives "no network interfaces found").
		'--option=interfaces=lo',
		'--option=bind interfaces only=yes',
		'--option=server services=ldap,cldap,kdc,drepl',
		// Samba's own test environment runs its databases without fsync: a test domain needs no durability.
		'--option=ldb:nosync=true',
		`--option=pid directory=${join(dir, 'run')}`,
		`--option=log file=${join(dir, 'log', 'samba.log')}`,
	];
}

async function sambaVersion(): Promise<string> {
	try {
		return (await runTool('samba', ['--version'])).trim();
	} catch (error) {
		throw new Error(
			`Samba is not installed (${String(error)}).\nRun scripts/install-system-deps.sh as root, or: apt-get install --no-install-recommends samba samba-ad-provision samba-ad-dc samba-dsdb-modules samba-vfs-modules winbind ldb-tools`,
		);
	}
}

/** One start-up of samba on a folder; rejects when it exits or does not answer in time. */
async function launch(dir: string, timeoutMs: number): Promise<{ server: LiveServer; output: () => string }> {
	await checkPortsFree();
	let output = '';
	const child = spawn('samba', ['-i', '-M', 'single', '-s', join(dir, 'etc', 'smb.conf')], {
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	const keep = (data: Buffer) => (output = (output + data.toString()).slice(-16_384));
	child.stdout.on('data', keep);
	child.stderr.on('data', keep);
	child.on('error', (error) => keep(Buffer.from(`spawn error: ${error.message}\n`)));
	const server = trackServer(child, dir);
	try {
		await waitUntilReady(server, () => output, dir, timeoutMs);
	} catch (error) {
		await terminateServer(server);
		throw error;
	}
	return { server, output: () => output };
}

/** Fails loudly when something already listens where Samba must: it would not start, or the tests would talk to the wrong server. */
async function checkPortsFree(): Promise<void> {
	for (const port of LDAP_PORTS) {
		const probe = createServer();
		const failure = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
			probe.once('error', resolve);
			probe.listen(port, HOST, () => resolve(undefined));
		});
		if (failure === undefined) {
			await new Promise((resolve) => probe.close(resolve));
			continue;
		}
		const holder = await runTool('ss', ['-ltnpH', `sport = :${port}`]).catch(() => '');
		throw new Error(
			`The test Samba DC needs ${HOST}:${port}, which is taken (${failure.code ?? failure.message})${holder.trim() ? `:\n${holder.trim()}` : ''}\n` +
				'Samba listens on the fixed LDAP ports: stop the other server (another test Samba, a system samba-ad-dc service, a slapd on 389) and run again.',
		);
	}
}

/** Polls with an administrator bind over LDAPS until it works; races the process exit. */
async function waitUntilReady(server: LiveServer, output: () => string, dir: string, timeoutMs: number): Promise<void> {
	const { child } = server;
	const deadline = Date.now() + timeoutMs;
	const exited = new Promise<void>((resolve) =>
		child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
	);
	let lastError: unknown;
	const ca = await readCa(dir);
	while (Date.now() < deadline) {
		if (child.exitCode !== null || child.signalCode !== null) {
			throw new Error(
				`samba exited during start-up (code ${child.exitCode}, signal ${child.signalCode}):\n${output()}`,
			);
		}
		const client = newClient(ca ?? (await readCa(dir)), 1000);
		const attempt = client.bind(ADMIN_UPN, ADMIN_PASSWORD).then(() => true);
		try {
			if (await Promise.race([attempt, exited.then(() => false)])) return;
		} catch (error) {
			lastError = error;
		} finally {
			attempt.catch(() => undefined);
			await client.unbind().catch(() => undefined);
		}
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	throw new Error(`samba did not accept an LDAPS bind within ${timeoutMs} ms (${String(lastError)}):\n${output()}`);
}

/** Samba writes its CA at the first start; until then there is none. */
async function readCa(dir: string): Promise<string | undefined> {
	return readFile(join(dir, 'private', 'tls', 'ca.pem'), 'utf8').catch(() => undefined);
}

/**
 * A client over LDAPS that verifies Samba's certificate against its CA, under the DC's host name (the
 * certificate does not name 127.0.0.1). Before the CA exists (first start), nothing can be verified.
 */
function newClient(ca: string | undefined, timeout = 30_000): Client {
	const tlsOptions = ca === undefined ? { rejectUnauthorized: false } : { ca: [ca], servername: DC_HOST_NAME };
	return new Client({ url: `ldaps://${HOST}:636`, tlsOptions, connectTimeout: timeout, timeout });
}

/**
 * The fixture's source, whose content names the template. Found by walking up from this module, because the
 * kit also runs bundled into another folder of the repository (the benchmarks), where __dirname differs.
 */
function sambaFixturePath(): string {
	for (let folder = __dirname; ; folder = dirname(folder)) {
		for (const candidate of [join(folder, 'samba-fixture.ts'), join(folder, 'devkit', 'samba-fixture.ts')])
			if (existsSync(candidate)) return candidate;
		if (dirname(folder) === folder) throw new Error('samba-fixture.ts not found: run from inside the repository');
	}
}

/** The template folder for this Samba and this fixture, made when missing; returns it and how long making it took. */
async function template(timeoutMs: number): Promise<{ dir: string; ms: number }> {
	const t0 = Date.now();
	const fingerprint = createHash('sha256')
		.update(JSON.stringify({ version: await sambaVersion(), provision: provisionArgs('<dir>') }))
		.update(await readFile(sambaFixturePath()))
		.digest('hex')
		.slice(0, 16);
	const dir = join(tmpdir(), `samba-template-${fingerprint}`);
	if (existsSync(join(dir, PROVISIONED_IN))) return { dir, ms: 0 };
	const build = await mkdtemp(join(tmpdir(), 'samba-template-build-'));
	try {
		await runTool('samba-tool', provisionArgs(build));
		await Promise.all(['run', 'log'].map((folder) => mkdir(join(build, folder), { recursive: true })));
		const { server } = await launch(build, timeoutMs);
		try {
			const client = newClient(await readCa(build));
			await client.bind(ADMIN_UPN, ADMIN_PASSWORD);
			try {
				await seedNorthwind(client);
			} finally {
				await client.unbind().catch(() => undefined);
			}
		} finally {
			await terminateServer(server);
		}
		await writeFile(join(build, PROVISIONED_IN), build);
		// Another test process may have made the same template meanwhile: then theirs is kept.
		await rename(build, dir).catch(async (error: NodeJS.ErrnoException) => {
			if (!existsSync(join(dir, PROVISIONED_IN))) throw error;
			await rm(build, { recursive: true, force: true });
		});
	} catch (error) {
		await rm(build, { recursive: true, force: true });
		throw error;
	}
	return { dir, ms: Date.now() - t0 };
}

export interface SambaOptions {
	/** How long to wait for the LDAPS bind after starting samba (default 60 s). */
	startTimeoutMs?: number;
	/**
	 * Accept simple binds on plain LDAP too (`ldap server require strong auth = no`; default false), for tests
	 * that need to see the LDAP messages, e.g. through devkit/ldap-relay.ts.
	 */
	plainLdapBinds?: boolean;
}

export async function startSamba(options: SambaOptions = {}): Promise<Samba> {
	const timeoutMs = options.startTimeoutMs ?? 60_000;
	const made = await template(timeoutMs);
	const t1 = Date.now();
	const dir = await mkdtemp(join(tmpdir(), 'samba-test-'));
	let current: LiveServer | undefined;
	try {
		// Samba's sockets (ldapi and the like) stay behind; it makes them again at start.
		await cp(made.dir, dir, { recursive: true, filter: (source) => !lstatSync(source).isSocket() });
		const provisionedIn = (await readFile(join(dir, PROVISIONED_IN), 'utf8')).trim();
		const confPath = join(dir, 'etc', 'smb.conf');
		let conf = (await readFile(confPath, 'utf8')).split(provisionedIn).join(dir);
		if (options.plainLdapBinds) conf = conf.replace('[global]\n', '[global]\n\tldap server require strong auth = no\n');
		await writeFile(confPath, conf);
		await rm(join(dir, 'run'), { recursive: true, force: true });
		await mkdir(join(dir, 'run'));
		const t2 = Date.now();
		current = (await launch(dir, timeoutMs)).server;
		const caCertPath = join(dir, 'private', 'tls', 'ca.pem');
		const caCertPem = await readFile(caCertPath, 'utf8');
		const timings = { templateMs: made.ms, copyMs: t2 - t1, startMs: Date.now() - t2 };
		let stopped = false;
		const samba: Samba = {
			host: HOST,
			url: `ldaps://${HOST}:636`,
			plainUrl: `ldap://${HOST}:389`,
			baseDN: NORTHWIND_DN,
			adminDN: ADMIN_DN,
			adminUpn: ADMIN_UPN,
			adminPassword: ADMIN_PASSWORD,
			dcHostName: DC_HOST_NAME,
			caCertPath,
			caCertPem,
			dir,
			get pid() {
				return current?.child.pid ?? -1;
			},
			get running() {
				return current !== undefined && current.child.exitCode === null && current.child.signalCode === null;
			},
			timings,
			async adminClient() {
				const client = newClient(caCertPem);
				await client.bind(ADMIN_UPN, ADMIN_PASSWORD);
				return client;
			},
			client: () => newClient(caCertPem),
			async stop() {
				if (stopped) return;
				stopped = true;
				await terminateServer(current);
				await rm(dir, { recursive: true, force: true });
			},
			async restart() {
				if (stopped) throw new Error('restart() after stop(): the data folder is gone');
				await terminateServer(current);
				// The ports were ours a moment ago; give the kernel a moment if it has not released them yet.
				for (let attempt = 1; ; attempt++) {
					try {
						current = (await launch(dir, timeoutMs)).server;
						return;
					} catch (error) {
						if (attempt >= 20 || !/taken/.test(String(error))) throw error;
						await new Promise((resolve) => setTimeout(resolve, 250));
					}
				}
			},
			kill() {
				const pid = current?.child.pid;
				if (pid !== undefined && samba.running) process.kill(pid, 'SIGKILL');
			},
		};
		return samba;
	} catch (error) {
		await terminateServer(current);
		await rm(dir, { recursive: true, force: true });
		throw error;
	}
}
