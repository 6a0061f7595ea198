/**
 * Renders the slapd.conf of the throwaway test server and locates the OpenLDAP installation.
 *
 * Three databases:
 *  - cn=accesslog: the accesslog overlay's log (readable by the admin, and by the optional size-limited reader);
 *  - dc=example,dc=com: inetOrgPerson people and groupOfNames groups with memberof, ppolicy (lockout
 *    after 3 failures, pwdReset on administrative password changes) and accesslog (writes, with old
 *    values, so a delete record carries the deleted entry);
 *  - dc=identity,dc=opentext,dc=net: the legacy-OTDS stand-in (otds.schema), with memberof maintaining
 *    oTMemberOf from oTMember. No accesslog there: legacy OTDS (OpenDJ) has no such log either.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface OpenLdapInstallation {
	slapd: string;
	slapadd: string;
	ldapmodify: string;
	schemaDir: string;
	/** Undefined when the overlays and back_mdb are built into slapd. */
	moduleDir?: string;
}

export interface SlapdConfParams {
	dir: string;
	install: OpenLdapInstallation;
	otdsSchemaPath: string;
	rootDsePath: string;
	adminDN: string;
	adminPassword: string;
	baseDN: string;
	policyDN: string;
	otdsBaseDN: string;
	otdsAdminDN: string;
	otdsAdminPassword: string;
	tls?: { caCertPath: string; certPath: string; keyPath: string };
	/** A non-root account that may read the directory and the accesslog, within size limits. */
	reader?: SlapdReaderLimits & { dn: string };
	/** Load the syncprov overlay on the main database (RFC 4533 content synchronisation, for listeners). */
	syncprov?: boolean;
	/** Index entryCSN and modifyTimestamp in the main database, as a production server has them (default false). */
	stampIndexes?: boolean;
	/** Maximum size of the main database in bytes (default 4 GiB). */
	mainMaxSize?: number;
}

/** size.prtotal of slapd.limits(5): 'hard' is OpenLDAP's default (paging does not get around the hard limit). */
export type PagedTotal = number | 'hard' | 'unlimited';

/**
 * The size limits of a non-root reader. The rootdn is never limited, so only such an account shows what a
 * production bind account meets (OpenLDAP's default for it: 500 entries a search, paged or not).
 */
export interface SlapdReaderLimits {
	/** Soft and hard size limit of each search (size.soft, size.hard). */
	sizeLimit: number;
	/** size.prtotal in the directory database (default 'unlimited': a full read pages past the limit). */
	directoryPagedTotal?: PagedTotal;
	/** size.prtotal in the accesslog database (default 'hard'). */
	accesslogPagedTotal?: PagedTotal;
	/**
	 * size.unchecked in the accesslog database: a search whose filter the indexes do not narrow to at most this many
	 * records is refused (adminLimitExceeded) instead of reading them all. Unset: no such limit.
	 */
	accesslogUnchecked?: number;
}

const exists = (path: string, mode = constants.R_OK): boolean => {
	try {
		accessSync(path, mode);
		return true;
	} catch {
		return false;
	}
};

/**
 * Finds the OpenLDAP programs and folders. Debian keeps slapd in /usr/sbin (often not on a normal
 * user's PATH); other systems differ, so each location can be overridden by an environment variable.
 */
export function findOpenLdap(env: NodeJS.ProcessEnv = process.env): OpenLdapInstallation {
	const binDirs = [
		...(env.OPENLDAP_BIN_DIR ? [env.OPENLDAP_BIN_DIR] : []),
		...(env.PATH ?? '').split(delimiter).filter(Boolean),
		'/usr/sbin',
		'/usr/local/sbin',
		'/usr/local/libexec',
	];
	const binary = (name: string): string => {
		const found = binDirs.map((d) => join(d, name)).find((p) => exists(p, constants.X_OK));
		if (!found)
			throw new Error(`OpenLDAP: "${name}" not found (install slapd and ldap-utils, or set OPENLDAP_BIN_DIR)`);
		return found;
	};
	const firstDir = (override: string | undefined, candidates: string[], probe: string) =>
		[...(override ? [override] : []), ...candidates].find((d) => exists(join(d, probe)));
	const schemaDir = firstDir(
		env.OPENLDAP_SCHEMA_DIR,
		['/etc/ldap/schema', '/etc/openldap/schema', '/usr/local/etc/openldap/schema'],
		'core.schema',
	);
	if (!schemaDir) throw new Error('OpenLDAP: schema folder with core.schema not found (set OPENLDAP_SCHEMA_DIR)');
	const moduleDir = firstDir(
		env.OPENLDAP_MODULE_DIR,
		['/usr/lib/ldap', '/usr/lib64/openldap', '/usr/lib/openldap', '/usr/local/libexec/openldap'],
		'back_mdb.la',
	);
	return { slapd: binary('slapd'), slapadd: binary('slapadd'), ldapmodify: binary('ldapmodify'), schemaDir, moduleDir };
}

/** Parses "slapd 2.5.13+dfsg-5" from `slapd -VV` (printed on stderr, exit code 0). */
export async function slapdVersion(install: OpenLdapInstallation): Promise<string> {
	const child = spawn(install.slapd, ['-VV'], { stdio: ['ignore', 'pipe', 'pipe'] });
	let text = '';
	child.stdout.on('data', (d: Buffer) => (text += d.toString()));
	child.stderr.on('data', (d: Buffer) => (text += d.toString()));
	await once(child, 'close');
	return /slapd (\S+)/.exec(text)?.[1] ?? 'unknown';
}

const quote = (value: string): string => `"${value.replace(/(["\\])/g, '\\$1')}"`;

export function renderSlapdConf(p: SlapdConfParams): string {
	const { install } = p;
	const admin = quote(p.adminDN);
	const reader = p.reader;
	// slapd.limits(5): soft and hard size limit per search; size.prtotal caps the entries of a paged search.
	const readerLimits = (pagedTotal: PagedTotal, unchecked?: number) =>
		reader
			? [
					`limits dn.exact=${quote(reader.dn)} size.soft=${reader.sizeLimit} size.hard=${reader.sizeLimit} size.prtotal=${pagedTotal}${unchecked === undefined ? '' : ` size.unchecked=${unchecked}`}`,
				]
			: [];
	const logReaders = reader ? ` by dn.exact=${quote(reader.dn)} read` : '';
	const modules = install.moduleDir
		? [
				`modulepath ${quote(install.moduleDir)}`,
				...['back_mdb', 'memberof', 'ppolicy', 'accesslog', ...(p.syncprov ? ['syncprov'] : [])].map(
					(m) => `moduleload ${m}`,
				),
			]
		: [];
	const tls = p.tls
		? [
				`TLSCACertificateFile ${quote(p.tls.caCertPath)}`,
				`TLSCertificateFile ${quote(p.tls.certPath)}`,
				`TLSCertificateKeyFile ${quote(p.tls.keyPath)}`,
			]
		: [];
	// Sparse memory maps: the size is a ceiling, not an allocation. The 10 MiB default is too small
	// for 100,000 users. dbnosync: a test server needs no fsync (the page cache survives SIGKILL).
	const mdb = (suffix: string, folder: string, maxsize: number) => [
		'database mdb',
		`suffix ${quote(suffix)}`,
		`directory ${quote(join(p.dir, folder))}`,
		`maxsize ${maxsize}`,
		'dbnosync',
	];
	return [
		'# Generated for one test run by devkit/slapd.ts; deleted with its folder.',
		...['core', 'cosine', 'inetorgperson'].map((s) => `include ${quote(join(install.schemaDir, `${s}.schema`))}`),
		`include ${quote(p.otdsSchemaPath)}`,
		...modules,
		`pidfile ${quote(join(p.dir, 'slapd.pid'))}`,
		`argsfile ${quote(join(p.dir, 'slapd.args'))}`,
		`rootDSE ${quote(p.rootDsePath)}`,
		'sizelimit unlimited',
		...tls,
		// Global rules (appended to every database's own): anyone may read the root DSE and the schema.
		'access to dn.base="" by * read',
		'access to dn.base="cn=Subschema" by * read',
		'',
		...mdb('cn=accesslog', 'accesslog', 1 << 30),
		'rootdn "cn=accesslog"',
		'index reqStart,reqDN,reqEntryUUID eq',
		`access to * by dn.exact=${admin} read${logReaders} by * none`,
		...readerLimits(reader?.accesslogPagedTotal ?? 'hard', reader?.accesslogUnchecked),
		'',
		...mdb(p.baseDN, 'example', p.mainMaxSize ?? 4 * 2 ** 30),
		`rootdn ${admin}`,
		`rootpw ${quote(p.adminPassword)}`,
		`index objectClass,uid,cn,mail,member,memberOf,entryUUID,ou,departmentNumber,l,title,businessCategory${p.stampIndexes ? ',entryCSN,modifyTimestamp' : ''} eq`,
		'access to attrs=userPassword by self write by anonymous auth by * none',
		'access to * by self read by users read by * none',
		...readerLimits(reader?.directoryPagedTotal ?? 'unlimited'),
		'overlay memberof',
		'memberof-refint TRUE',
		'overlay ppolicy',
		`ppolicy_default ${quote(p.policyDN)}`,
		'ppolicy_use_lockout',
		'ppolicy_hash_cleartext',
		'overlay accesslog',
		'logdb "cn=accesslog"',
		'logops writes',
		'logsuccess TRUE',
		'logold (objectClass=*)',
		'logpurge 07+00:00 01+00:00',
		// Writes contextCSN to the suffix entry every 100 writes or 5 minutes, so a restart finds it.
		...(p.syncprov ? ['overlay syncprov', 'syncprov-checkpoint 100 5'] : []),
		'',
		...mdb(p.otdsBaseDN, 'otds', 4 * 2 ** 30),
		`rootdn ${quote(p.otdsAdminDN)}`,
		`rootpw ${quote(p.otdsAdminPassword)}`,
		'index objectClass,cn,mail,oTMember,oTMemberOf,entryUUID,oTExternalID1,oTDepartment eq',
		`access to attrs=userPassword by self write by dn.exact=${admin} write by anonymous auth by * none`,
		`access to * by dn.exact=${admin} write by self read by users read by * none`,
		'overlay memberof',
		'memberof-group-oc oTGroup',
		'memberof-member-ad oTMember',
		'memberof-memberof-ad oTMemberOf',
		'memberof-refint TRUE',
		'',
	].join('\n');
}
