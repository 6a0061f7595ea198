/**
 * A throwaway 389 Directory Server 2.3 instance per call, for integration tests against the real product.
 *
 * startDirsrv() creates a uniquely named instance with `dscreate from-file` (389's sample entries under
 * dc=example,dc=test, free loopback ports), enables the retro changelog (recording each entry's nsUniqueId
 * as targetUniqueId) and a lockout password policy in its dse.ldif before the first start, runs `ns-slapd` in
 * the foreground as our own child process, and seeds people and groups over LDAP: users as 389's own tools
 * make them (`dsidm user create`: nsPerson / nsAccount / nsOrgPerson / posixAccount) and as inetOrgPerson,
 * groups of both kinds (groupOfNames / member, groupOfUniqueNames / uniqueMember), a nested group, and
 * enough people for paging.
 *
 * An instance lives outside the temporary folder (its configuration, database and logs are where 389
 * keeps every instance), so clean-up removes it with `dsctl <name> remove --do-it`: stop() does; a process
 * 'exit' handler does for whatever is still there; and a watchdog shell holding a pipe from this process
 * does when this process itself is SIGKILLed (guardCleanUp of devkit/server-process.ts; unlike a slapd's, that
 * guard covers the instance from its creation to its removal, across restarts and kill(), not one process).
 * Missing 389 DS is an error, never a skipped test: scripts/install-system-deps.sh installs it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ldapts';
import { entry as ldifEntry, escapeDnValue } from './fixture/ldif';
import {
	freePort,
	guardCleanUp,
	killQuietly,
	runTool,
	stopProcess,
	unrefChild,
	type CleanUpGuard,
} from './server-process';

export interface DirsrvOptions {
	/** People of each kind (389-tool users and inetOrgPerson users; default 40 each). */
	usersPerKind?: number;
	/** How long to wait for the server to accept binds (default 60 s). */
	startTimeoutMs?: number;
	/**
	 * Have the retro changelog record each entry's nsUniqueId as targetUniqueId (default true). Off, it is
	 * as `dsconf ... plugin retro-changelog enable` leaves it: records name entries by DN only.
	 */
	changelogUniqueId?: boolean;
	/**
	 * Listen for LDAPS and StartTLS too (default false): dscreate makes a self-signed CA and a server certificate
	 * for localhost in the instance's NSS database, and the CA is given as PEM for clients to verify against.
	 */
	tls?: boolean;
}

/** A seeded person. */
export interface DirsrvUser {
	uid: string;
	dn: string;
	cn: string;
	mail: string;
	password: string;
	/** How it was made: as `dsidm user create` does, or as an inetOrgPerson. */
	kind: 'dsidm' | 'inetOrgPerson';
}

/** A seeded group and the DNs it lists (people or groups). */
export interface DirsrvGroup {
	cn: string;
	dn: string;
	objectClass: 'groupOfNames' | 'groupOfUniqueNames';
	members: string[];
}

export interface DirsrvFixture {
	users: DirsrvUser[];
	/** Engineering (groupOfNames, both kinds of people), Support (groupOfUniqueNames), All Staff (groupOfNames: every person), Everyone Nested (groupOfNames: the two groups). */
	groups: Record<'engineering' | 'support' | 'allStaff' | 'nested', DirsrvGroup>;
	/** A non-root account allowed to write people and groups, to see who made a change. */
	writer: { dn: string; password: string };
}

export interface Dirsrv {
	/** The instance name (`dsctl <name> ...`). */
	name: string;
	host: string;
	url: string;
	port: number;
	baseDN: string;
	peopleDN: string;
	groupsDN: string;
	adminDN: string;
	adminPassword: string;
	/** With `tls`: ldaps://localhost:<port> (the certificate names localhost), and the CA that signed it, as PEM. */
	tls?: { ldapsUrl: string; startTlsUrl: string; caCertificate: string };
	fixture: DirsrvFixture;
	/** pid of the current ns-slapd process (changes on restart). */
	readonly pid: number;
	readonly running: boolean;
	timings: { createMs: number; startMs: number; seedMs: number; totalMs: number };
	/** DN of a person by uid, of a group by cn. */
	userDN(uid: string): string;
	groupDN(cn: string): string;
	/** Stops ns-slapd and removes the instance (`dsctl <name> remove --do-it`) and the temporary folder. Idempotent. */
	stop(): Promise<void>;
	/** Stops (if running) and starts again on the same port and data. Also recovers after kill(). */
	restart(): Promise<void>;
	/** SIGKILL, for crash tests; the instance stays for restart(). */
	kill(): void;
	/** Runs the ldapmodify CLI (as Directory Manager unless told otherwise); `changetype: add` etc. work. */
	ldapmodify(ldif: string, as?: { dn: string; password: string }): Promise<void>;
}

const HOST = '127.0.0.1';
/** The name in the server certificate dscreate makes (full_machine_name). */
const TLS_HOST = 'localhost';
const BASE_DN = 'dc=example,dc=test';
const ADMIN_DN = 'cn=Directory Manager';
/** dscreate wants a password of 8 characters or more. */
const ADMIN_PASSWORD = 'Admin-389-secret';
const PEOPLE_DN = `ou=people,${BASE_DN}`;
const GROUPS_DN = `ou=groups,${BASE_DN}`;
const userDN = (uid: string) => `uid=${escapeDnValue(uid)},${PEOPLE_DN}`;
const groupDN = (cn: string) => `cn=${escapeDnValue(cn)},${GROUPS_DN}`;
const INSTANCE_CONFIG = (name: string) => `/etc/dirsrv/slapd-${name}`;
/** Ignore /etc/ldap/ldap.conf and ~/.ldaprc: the machine's client settings must not change tests. */
const CLI_ENV = { ...process.env, LDAPNOINIT: '1' };

/** SIGTERM, then SIGKILL after this long: 389 flushes its caches on the way down. */
const STOP_GRACE_MS = 30_000;
/**
 * What the watchdog runs ($0 the instance name, $1 the folder): kill ns-slapd by the pid last written to the
 * folder, remove the instance and the folder.
 */
const WATCHDOG_SCRIPT =
	'pid=$(cat "$1/ns-slapd.pid" 2>/dev/null); [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; dsctl "$0" remove --do-it >/dev/null 2>&1; rm -rf "$1"';

/** An instance this process created and has not removed yet. */
interface LiveInstance {
	name: string;
	dir: string;
	child?: ChildProcess;
	/** Removes the instance when this process exits or dies without removing it. */
	guard: CleanUpGuard;
}
let instanceCount = 0;

/** What the exit handler does for an instance still there. */
function removeInstanceNow(instance: LiveInstance): void {
	killQuietly(instance.child);
	spawnSync('dsctl', [instance.name, 'remove', '--do-it'], { stdio: 'ignore', timeout: 60_000 });
	rmSync(instance.dir, { recursive: true, force: true });
}

/** Where a program is, or a loud error saying how to install 389 DS. */
function requireProgram(name: string): void {
	const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
	if (found.status !== 0 || !found.stdout.trim()) {
		throw new Error(
			`389 Directory Server is not installed (${name} not found): run scripts/install-system-deps.sh as root`,
		);
	}
}

/** Runs a program to completion with the LDAP client settings ignored; rejects with its output. */
function run(file: string, args: string[], input?: string): Promise<string> {
	return runTool(file, args, { input, env: CLI_ENV });
}

/** The inf file of `dscreate from-file`: 389's sample entries (ou=people, ou=groups, ACIs) under our suffix. */
function instanceInf(name: string, port: number, securePort: number, tls: boolean): string {
	return [
		'[general]',
		'full_machine_name = localhost',
		'start = False',
		'[slapd]',
		`instance_name = ${name}`,
		`port = ${port}`,
		`secure_port = ${securePort}`,
		`root_password = ${ADMIN_PASSWORD}`,
		`self_sign_cert = ${tls ? 'True' : 'False'}`,
		'[backend-userroot]',
		'sample_entries = yes',
		`suffix = ${BASE_DN}`,
		'',
	].join('\n');
}

/** Replaces one entry of an LDIF file's text (entries are separated by a blank line). */
function replaceEntry(ldif: string, dn: string, edit: (block: string) => string): string {
	const start = ldif.indexOf(`dn: ${dn}\n`);
	if (start < 0) throw new Error(`dse.ldif has no entry ${dn}`);
	const end = ldif.indexOf('\n\n', start);
	return ldif.slice(0, start) + edit(ldif.slice(start, end)) + ldif.slice(end);
}

/**
 * Before the first start (cheaper than a restart afterwards): the retro changelog on, with each entry's
 * nsUniqueId copied into its records as targetUniqueId (the id the changelog strategy matches entries
 * by) unless told otherwise; a global password policy that locks an account after three failed binds.
 */
async function configureOffline(name: string, changelogUniqueId: boolean): Promise<void> {
	const path = join(INSTANCE_CONFIG(name), 'dse.ldif');
	let dse = await readFile(path, 'utf8');
	dse = replaceEntry(dse, 'cn=Retro Changelog Plugin,cn=plugins,cn=config', (block) => {
		const enabled = block.replace(/^nsslapd-pluginEnabled: off$/m, 'nsslapd-pluginEnabled: on');
		return changelogUniqueId ? `${enabled}\nnsslapd-attribute: nsuniqueid:targetUniqueId` : enabled;
	});
	dse = replaceEntry(
		dse,
		'cn=config',
		(block) =>
			`${block}\npasswordLockout: on\npasswordMaxFailure: 3\npasswordLockoutDuration: 3600\npasswordUnlock: on`,
	);
	await writeFile(path, dse);
}

/**
 * The otdpRecipient class of devkit/schema/otds.schema in 389's schema format (added over LDAP to
 * cn=schema), so that acknowledgments can be recorded on people.
 */
const RECIPIENT_SCHEMA = [
	'dn: cn=schema',
	'changetype: modify',
	'add: attributeTypes',
	"attributeTypes: ( 1.3.6.1.4.1.99999.3.1 NAME 'otdpAcknowledgment' DESC 'Acknowledged notices: <notice id>|<ISO 8601 time>' EQUALITY caseExactMatch SUBSTR caseExactSubstringsMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )",
	"attributeTypes: ( 1.3.6.1.4.1.99999.3.2 NAME 'otdpDeviceToken' DESC 'Push device tokens of the person' EQUALITY caseExactMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )",
	'-',
	'add: objectClasses',
	"objectClasses: ( 1.3.6.1.4.1.99999.4.1 NAME 'otdpRecipient' DESC 'A person who receives push notices and may acknowledge them' SUP top AUXILIARY MAY ( otdpAcknowledgment $ otdpDeviceToken ) )",
	'',
].join('\n');

function fixtureOf(usersPerKind: number): { fixture: DirsrvFixture; ldif: string } {
	const users: DirsrvUser[] = [];
	const entries: string[] = [];
	for (let i = 1; i <= usersPerKind; i++) {
		const n = String(i).padStart(3, '0');
		for (const kind of ['dsidm', 'inetOrgPerson'] as const) {
			const uid = kind === 'dsidm' ? `ds${n}` : `io${n}`;
			const cn = kind === 'dsidm' ? `Dsidm Person ${n}` : `Inet Person ${n}`;
			const user: DirsrvUser = {
				uid,
				dn: userDN(uid),
				cn,
				mail: `${uid}@example.test`,
				password: `Welcome-${uid}-1!`,
				kind,
			};
			users.push(user);
			// What `dsidm user create` writes (plus mail and a password), and a classic inetOrgPerson.
			const shape: Array<readonly [string, string | string[]]> =
				kind === 'dsidm'
					? [
							['objectClass', ['top', 'nsPerson', 'nsAccount', 'nsOrgPerson', 'posixAccount']],
							['uid', uid],
							['cn', cn],
							['displayName', cn],
							['uidNumber', String(2000 + i)],
							['gidNumber', String(2000 + i)],
							['homeDirectory', `/home/${uid}`],
						]
					: [
							['objectClass', ['top', 'person', 'organizationalPerson', 'inetOrgPerson']],
							['uid', uid],
							['cn', cn],
							['sn', `Person ${n}`],
							['givenName', 'Inet'],
							['displayName', cn],
							['title', 'Engineer'],
						];
			entries.push(ldifEntry(user.dn, [...shape, ['mail', user.mail], ['userPassword', user.password]]));
		}
	}
	// The first half of the people, both kinds in each group: people alternate ds, io, ds, io...
	const half = users.slice(0, Math.ceil(users.length / 2));
	const inEngineering = (index: number) => index % 4 === 0 || index % 4 === 3;
	const group = (cn: string, objectClass: DirsrvGroup['objectClass'], members: string[]): DirsrvGroup => ({
		cn,
		dn: groupDN(cn),
		objectClass,
		members,
	});
	const groups = {
		engineering: group(
			'Engineering',
			'groupOfNames',
			half.filter((_, i) => inEngineering(i)).map((u) => u.dn),
		),
		support: group(
			'Support',
			'groupOfUniqueNames',
			half.filter((_, i) => !inEngineering(i)).map((u) => u.dn),
		),
		allStaff: group(
			'All Staff',
			'groupOfNames',
			users.map((u) => u.dn),
		),
		nested: group('Everyone Nested', 'groupOfNames', []),
	};
	groups.nested.members = [groups.engineering.dn, groups.support.dn];
	for (const g of Object.values(groups)) {
		const attribute = g.objectClass === 'groupOfNames' ? 'member' : 'uniqueMember';
		entries.push(
			ldifEntry(g.dn, [
				['objectClass', ['top', g.objectClass]],
				['cn', g.cn],
				[attribute, g.members],
			]),
		);
	}
	const writer = { dn: userDN('helpdesk'), password: 'Helpdesk-389-1!' };
	entries.push(
		ldifEntry(writer.dn, [
			['objectClass', ['top', 'nsPerson', 'nsAccount', 'nsOrgPerson']],
			['uid', 'helpdesk'],
			['cn', 'Helpdesk'],
			['displayName', 'Helpdesk'],
			['userPassword', writer.password],
		]),
	);
	// The change that lets the writer write: an ACI on the suffix (389's sample ACIs grant it to groups).
	const aci = `(targetattr="*")(version 3.0; acl "test writer"; allow (all) userdn="ldap:///${writer.dn}";)`;
	const adds = entries.map((e) => e.replace('\n', '\nchangetype: add\n'));
	const ldif = `${adds.join('')}dn: ${BASE_DN}\nchangetype: modify\nadd: aci\naci: ${aci}\n\n`;
	return { fixture: { users, groups, writer }, ldif };
}

/** Polls with an admin bind until the server answers, the process dies, or time runs out. */
async function waitUntilReady(url: string, proc: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	const exited =
		proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : once(proc, 'exit').then(() => undefined);
	let lastError: unknown;
	while (Date.now() < deadline) {
		if (proc.exitCode !== null || proc.signalCode !== null)
			throw new Error(
				`ns-slapd exited during start-up (code ${proc.exitCode}, signal ${proc.signalCode}):\n${output()}`,
			);
		const client = new Client({ url, connectTimeout: 1000, timeout: 2000 });
		const attempt = client.bind(ADMIN_DN, ADMIN_PASSWORD).then(() => true);
		try {
			if (await Promise.race([attempt, exited.then(() => false)])) return;
		} catch (error) {
			lastError = error;
		} finally {
			attempt.catch(() => undefined);
			await client.unbind().catch(() => undefined);
		}
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(`ns-slapd did not accept binds within ${timeoutMs} ms (${String(lastError)}):\n${output()}`);
}

export async function startDirsrv(options: DirsrvOptions = {}): Promise<Dirsrv> {
	for (const program of ['dscreate', 'dsctl', 'ns-slapd', 'ldapmodify']) requireProgram(program);
	if (options.tls) requireProgram('certutil');
	const t0 = Date.now();
	const dir = await mkdtemp(join(tmpdir(), 'dirsrv-test-'));
	// Instance names allow letters and digits. Jest loads this module afresh for each test file of one
	// process, so the counter alone repeats: the time makes names unique (a file that could not remove its
	// instance must not stop the next one from creating its own).
	const name = `otdp${process.pid}t${Date.now().toString(36)}n${++instanceCount}`;
	const instance: LiveInstance = {
		name,
		dir,
		guard: guardCleanUp(() => removeInstanceNow(instance), { script: WATCHDOG_SCRIPT, args: [name, dir] }),
	};
	try {
		return await startIn(instance, options, t0);
	} catch (error) {
		await removeInstance(instance);
		throw error;
	}
}

async function startIn(instance: LiveInstance, options: DirsrvOptions, t0: number): Promise<Dirsrv> {
	const { name, dir } = instance;
	const port = await freePort(HOST);
	const securePort = await freePort(HOST);
	const infPath = join(dir, 'instance.inf');
	await writeFile(infPath, instanceInf(name, port, securePort, options.tls ?? false));
	await run('dscreate', ['from-file', infPath]);
	const tls = options.tls
		? {
				ldapsUrl: `ldaps://${TLS_HOST}:${securePort}`,
				startTlsUrl: `ldap://${TLS_HOST}:${port}`,
				// The CA dscreate made, exported from the instance's NSS database (its nickname is dscreate's).
				caCertificate: await run('certutil', ['-L', '-d', INSTANCE_CONFIG(name), '-n', 'Self-Signed-CA', '-a']),
			}
		: undefined;
	await configureOffline(name, options.changelogUniqueId ?? true);
	const t1 = Date.now();

	const url = `ldap://${HOST}:${port}`;
	let output = '';
	const launch = async (): Promise<void> => {
		output = '';
		// Foreground (-d 0): our own child, stopped by its pid; the pid file is where dsctl looks for it.
		const child = spawn('ns-slapd', ['-D', INSTANCE_CONFIG(name), '-i', `/run/dirsrv/slapd-${name}.pid`, '-d', '0'], {
			env: CLI_ENV,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		const keep = (d: Buffer) => (output = (output + d.toString()).slice(-16_384));
		child.stdout?.on('data', keep);
		child.stderr?.on('data', keep);
		child.on('error', (e) => keep(Buffer.from(`spawn error: ${e.message}\n`)));
		unrefChild(child);
		instance.child = child;
		await writeFile(join(dir, 'ns-slapd.pid'), String(child.pid ?? ''));
		await waitUntilReady(url, child, () => output, options.startTimeoutMs ?? 60_000);
	};
	await launch();
	const t2 = Date.now();

	const { fixture, ldif } = fixtureOf(options.usersPerKind ?? 40);
	const ldapmodify = (text: string, as?: { dn: string; password: string }) =>
		run('ldapmodify', ['-x', '-H', url, '-D', as?.dn ?? ADMIN_DN, '-w', as?.password ?? ADMIN_PASSWORD], text).then(
			() => undefined,
		);
	await ldapmodify(RECIPIENT_SCHEMA);
	await ldapmodify(ldif);
	const t3 = Date.now();

	let stopped = false;
	const server: Dirsrv = {
		name,
		host: HOST,
		url,
		port,
		baseDN: BASE_DN,
		peopleDN: PEOPLE_DN,
		groupsDN: GROUPS_DN,
		adminDN: ADMIN_DN,
		adminPassword: ADMIN_PASSWORD,
		tls,
		fixture,
		get pid() {
			return instance.child?.pid ?? -1;
		},
		get running() {
			return instance.child !== undefined && instance.child.exitCode === null && instance.child.signalCode === null;
		},
		timings: { createMs: t1 - t0, startMs: t2 - t1, seedMs: t3 - t2, totalMs: t3 - t0 },
		userDN,
		groupDN,
		async stop() {
			if (stopped) return;
			stopped = true;
			await removeInstance(instance);
		},
		async restart() {
			if (stopped) throw new Error('restart() after stop(): the instance is gone');
			await stopProcess(instance.child, STOP_GRACE_MS);
			await launch();
		},
		kill() {
			if (server.running) instance.child?.kill('SIGKILL');
		},
		ldapmodify,
	};
	return server;
}

/** Stops ns-slapd, removes the instance and the folder, and forgets it. */
async function removeInstance(instance: LiveInstance): Promise<void> {
	await stopProcess(instance.child, STOP_GRACE_MS);
	if (existsSync(INSTANCE_CONFIG(instance.name))) await run('dsctl', [instance.name, 'remove', '--do-it']);
	await rm(instance.dir, { recursive: true, force: true });
	instance.guard.release();
}
