/**
 * Throwaway certificates for TLS tests, made with the `openssl` command line tool:
 *  - a test CA,
 *  - a server certificate signed by it, valid for 127.0.0.1 (IP SAN) and localhost (DNS SAN),
 *  - a second, unrelated CA, for "wrong CA" tests (a client trusting only it must refuse the server).
 *
 * Keys are ECDSA P-256: much faster to generate than RSA, and accepted by Node and by slapd (GnuTLS on
 * Debian, OpenSSL elsewhere). Nothing here is secret; everything lives in the directory given.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Certificates {
	dir: string;
	caCertPath: string;
	caCertPem: string;
	caKeyPath: string;
	serverCertPath: string;
	serverCertPem: string;
	serverKeyPath: string;
	serverKeyPem: string;
	/** A CA that did not sign the server certificate. */
	wrongCaCertPath: string;
	wrongCaCertPem: string;
}

/** Our own minimal OpenSSL config, so results do not depend on the system's openssl.cnf. */
const OPENSSL_CONFIG = `
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
`;

const DAYS = '30';
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function openssl(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
	try {
		await run('openssl', args, { env, timeout: 30_000 });
	} catch (error) {
		const stderr = (error as { stderr?: string }).stderr ?? '';
		throw new Error(`openssl ${args[0]} failed: ${(error as Error).message}\n${stderr}`);
	}
}

async function selfSignedCa(dir: string, name: string, subject: string, env: NodeJS.ProcessEnv, config: string) {
	const certPath = join(dir, `${name}.crt`);
	const keyPath = join(dir, `${name}.key`);
	await openssl(
		['req', '-config', config, '-x509', ...EC_KEY, '-keyout', keyPath, '-out', certPath, '-days', DAYS].concat([
			'-subj',
			subject,
			'-extensions',
			'ca_ext',
			'-sha256',
			'-set_serial',
			randomSerial(),
		]),
		env,
	);
	return { certPath, keyPath };
}

/** A random positive serial number, so that two runs never issue two certificates with the same serial. */
function randomSerial(): string {
	const bytes = randomBytes(12);
	bytes[0] = (bytes[0] as number) & 0x7f;
	return `0x${bytes.toString('hex')}`;
}

/** Creates the certificates in `dir` (created if missing). Takes about 100 ms. */
export async function makeCertificates(dir: string): Promise<Certificates> {
	await mkdir(dir, { recursive: true });
	const config = join(dir, 'openssl.cnf');
	await writeFile(config, OPENSSL_CONFIG);
	// OPENSSL_CONF points at our file too, for the sub-commands that would otherwise load the system's.
	const env = { ...process.env, OPENSSL_CONF: config };

	const [ca, wrongCa] = await Promise.all([
		selfSignedCa(dir, 'ca', '/O=Directory Push Tests/CN=Directory Push Test CA', env, config),
		selfSignedCa(dir, 'wrong-ca', '/O=Somebody Else/CN=Unrelated Test CA', env, config),
	]);

	const serverKeyPath = join(dir, 'server.key');
	const serverCsrPath = join(dir, 'server.csr');
	const serverCertPath = join(dir, 'server.crt');
	await openssl(
		['req', '-config', config, '-new', ...EC_KEY, '-keyout', serverKeyPath, '-out', serverCsrPath].concat([
			'-subj',
			'/O=Directory Push Tests/CN=localhost',
		]),
		env,
	);
	await openssl(
		['x509', '-req', '-in', serverCsrPath, '-CA', ca.certPath, '-CAkey', ca.keyPath, '-out', serverCertPath].concat([
			'-days',
			DAYS,
			'-sha256',
			'-set_serial',
			randomSerial(),
			'-extfile',
			config,
			'-extensions',
			'server_ext',
		]),
		env,
	);

	const [caCertPem, serverCertPem, serverKeyPem, wrongCaCertPem] = await Promise.all(
		[ca.certPath, serverCertPath, serverKeyPath, wrongCa.certPath].map((p) => readFile(p, 'utf8')),
	);
	return {
		dir,
		caCertPath: ca.certPath,
		caCertPem,
		caKeyPath: ca.keyPath,
		serverCertPath,
		serverCertPem,
		serverKeyPath,
		serverKeyPem,
		wrongCaCertPath: wrongCa.certPath,
		wrongCaCertPem,
	};
}
