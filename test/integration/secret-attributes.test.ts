import { ConfigurationError } from '../../core/errors';
import { LdapChangeReader } from '../../core/changes/ldap/reader';
import { withAttributeMapping } from '../../core/changes/watch';
import { LdapDirectory } from '../../core/ldap/directory';
import { profileFor } from '../../core/ldap/flavours';
import { LdapSession } from '../../transport/ldap/session';
import { parseLdapConnectionSettings } from '../../transport/ldap/settings';
import { ldapFieldMapOf, otdsFieldMapOf } from '../../nodes/shared/parameter-text';
import { connectToEmulator, type EmulatorClient } from '../../emulators/otds/client-kit';
import { startOtdsEmulator, type OtdsEmulator } from '../../emulators/otds';
import { startSlapd, type Slapd } from '../../devkit/slapd';

/**
 * Credential attributes (passwords, hashes, LAPS) are never read into events or items: asked for as Additional
 * Attributes or mapped fields, they are refused naming the field, on a real slapd (whose administrator could read
 * userPassword) and on the OTDS emulator.
 */
let slapd: Slapd;
let session: LdapSession;
let otds: OtdsEmulator;
let client: EmulatorClient;

beforeAll(async () => {
	slapd = await startSlapd({ users: 20, otds: false });
	session = await LdapSession.open(
		parseLdapConnectionSettings({
			serverUrls: slapd.url,
			connectionSecurity: 'none',
			bindDN: slapd.adminDN,
			bindPassword: slapd.adminPassword,
			baseDN: slapd.baseDN,
		}),
	);
	otds = await startOtdsEmulator({ users: 20, adminPassword: 'Admin-Pa55-word!' });
	client = connectToEmulator(otds);
});

afterAll(async () => {
	client?.close();
	await otds?.stop();
	await session?.close();
	await slapd?.stop();
});

const SECRETS = ['userPassword', 'USERPASSWORD;binary', 'unicodePwd', 'ms-Mcs-AdmPwd', 'msLAPS-Password', 'pwdHistory'];

async function refused(work: () => Promise<unknown> | unknown, field: string, name: string): Promise<void> {
	const failure = await Promise.resolve()
		.then(work)
		.then(
			(value) => value,
			(error: unknown) => error,
		);
	expect(failure).toBeInstanceOf(ConfigurationError);
	expect((failure as ConfigurationError).field).toBe(field);
	expect((failure as Error).message).toContain(name.trim());
}

async function first<T>(pages: AsyncGenerator<T[]>): Promise<T[]> {
	for await (const page of pages) return page;
	return [];
}

it('LDAP: a person, a search, a group and the change reader refuse them as Additional Attributes', async () => {
	const directory = new LdapDirectory(session, profileFor('openLdap'), slapd.baseDN);
	const uid = slapd.fixture.users[0].uid;
	for (const name of SECRETS) {
		await refused(() => directory.getUser('login', uid, [name]), 'Additional Attributes', name);
		await refused(() => first(directory.searchUsers({ extraAttributes: [name] })), 'Additional Attributes', name);
		await refused(
			() => directory.getGroup('name', slapd.fixture.groups[0].name, [name]),
			'Additional Attributes',
			name,
		);
		await refused(
			() =>
				new LdapChangeReader({
					session,
					profile: profileFor('openLdap'),
					flavour: 'openLdap',
					userBaseDN: slapd.layout.peopleDN,
					groupBaseDN: slapd.layout.groupsDN,
					extraAttributes: [name],
				}),
			'Additional Attributes',
			name,
		);
	}
	// An ordinary attribute is still read.
	expect((await directory.getUser('login', uid, ['employeeNumber'])).attributes.employeeNumber).toBeDefined();
});

it('LDAP and OTDS: a mapped field refuses them', async () => {
	for (const name of SECRETS) {
		await refused(() => ldapFieldMapOf(`department=${name}`), 'Attribute Mapping', name);
		await refused(() => otdsFieldMapOf(`department=${name}`), 'Attribute Mapping', name);
		await refused(() => withAttributeMapping(profileFor('openLdap'), { department: name }), 'Attribute Mapping', name);
	}
});

it('OTDS REST: a person, a search and a mapped field refuse them', async () => {
	const uid = otds.fixture!.users[0].uid;
	for (const name of ['userPassword', 'oTPassword', 'msLAPS-EncryptedPassword']) {
		await refused(() => client.directory.getUser('login', uid, [name]), 'Additional Attributes', name);
		await refused(
			() => first(client.directory.searchUsers({ extraAttributes: [name] })),
			'Additional Attributes',
			name,
		);
		await refused(() => connectToEmulator(otds, { fields: { mail: name } }).directory, 'Attribute Mapping', name);
	}
});
