/**
 * The Northwind domain every test Samba DC starts with (devkit/samba.ts), written over LDAPS the way
 * an administrator's tool would: people under OU=People with sAMAccountName, userPrincipalName and a
 * password; 1,600 staff accounts (enabled, no password) under OU=Staff,OU=People; groups under
 * OU=Groups with nested groups, a nesting cycle, and "All Staff" with more members than AD's MaxValRange
 * (1,500), so its members come in ranges when asked for as `member;range=0-*`.
 */
import { Attribute, Change, type Client } from 'ldapts';

export const NORTHWIND_REALM = 'NORTHWIND.TEST';
export const NORTHWIND_NETBIOS = 'NORTHWIND';
export const NORTHWIND_DNS = 'northwind.test';
export const NORTHWIND_DN = 'DC=northwind,DC=test';
export const PEOPLE_DN = `OU=People,${NORTHWIND_DN}`;
export const STAFF_DN = `OU=Staff,${PEOPLE_DN}`;
export const GROUPS_DN = `OU=Groups,${NORTHWIND_DN}`;

/** userAccountControl: a normal account; with PASSWD_NOTREQD (0x20) for accounts created without a password. */
export const UAC_NORMAL = 0x200;
export const UAC_NORMAL_NO_PASSWORD = 0x220;

export interface NorthwindPerson {
	login: string;
	upn: string;
	givenName: string;
	sn: string;
	department: string;
	title: string;
	location: string;
	employeeID: string;
	password: string;
}

const person = (
	login: string,
	upnName: string,
	givenName: string,
	sn: string,
	department: string,
	title: string,
	location: string,
	index: number,
): NorthwindPerson => ({
	login,
	upn: `${upnName}@${NORTHWIND_DNS}`,
	givenName,
	sn,
	department,
	title,
	location,
	employeeID: `E${String(1000 + index)}`,
	password: `Northwind-${login}-1!`,
});

/** Bob's UPN is his login at the domain; Carol's is not (cwhite, carol.white@northwind.test). */
export const PEOPLE: NorthwindPerson[] = [
	person('alice', 'alice', 'Alice', 'Archer', 'Sales', 'Account Manager', 'Seattle', 1),
	person('bob', 'bob', 'Bob', 'Baker', 'Sales', 'Sales Lead', 'Seattle', 2),
	person('cwhite', 'carol.white', 'Carol', 'White', 'Engineering', 'Engineer', 'Portland', 3),
	person('dave', 'dave', 'Dave', 'Dunn', 'Engineering', 'Engineer', 'Portland', 4),
	person('erin', 'erin', 'Erin', 'Evans', 'Engineering', 'Architect', 'Boston', 5),
	person('frank', 'frank', 'Frank', 'Fox', 'Engineering', 'Tool Smith', 'Boston', 6),
	person('grace', 'grace', 'Grace', 'Green', 'IT', 'Administrator', 'Seattle', 7),
	person('heidi', 'heidi', 'Heidi', 'Hall', 'Finance', 'Controller', 'Chicago', 8),
];

export const STAFF_COUNT = 1600;
export const staffLogin = (index: number) => `staff${String(index).padStart(4, '0')}`;
export const staffDn = (index: number) => `CN=${staffLogin(index)},${STAFF_DN}`;

export const personCn = (p: Pick<NorthwindPerson, 'givenName' | 'sn'>) => `${p.givenName} ${p.sn}`;
export const personDn = (p: Pick<NorthwindPerson, 'givenName' | 'sn'>) => `CN=${personCn(p)},${PEOPLE_DN}`;
export const groupDn = (name: string) => `CN=${name},${GROUPS_DN}`;
export const personOf = (login: string): NorthwindPerson => {
	const found = PEOPLE.find((candidate) => candidate.login === login);
	if (!found) throw new Error(`no fixture person ${login}`);
	return found;
};

export interface NorthwindGroup {
	name: string;
	description: string;
	/** Logins of people. */
	people: string[];
	/** Names of member groups. */
	groups: string[];
	/** Every staff account as a member, too. */
	allStaff?: boolean;
}

/** Engineering ⊃ Platform ⊃ Tooling ⊃ Engineering: a cycle, which AD allows. */
export const GROUPS: NorthwindGroup[] = [
	{ name: 'Sales', description: 'Sales team', people: ['alice', 'bob'], groups: [] },
	{ name: 'Engineering', description: 'All engineers', people: ['cwhite'], groups: ['Platform'] },
	{ name: 'Platform', description: 'Platform team', people: ['dave', 'erin'], groups: ['Tooling'] },
	{ name: 'Tooling', description: 'Tooling team', people: ['frank'], groups: ['Engineering'] },
	{ name: 'IT Admins', description: 'Administrators', people: ['grace'], groups: [] },
	{ name: 'All Staff', description: 'Everybody on staff', people: ['alice', 'heidi'], groups: [], allStaff: true },
	{ name: 'Empty Group', description: 'Nobody yet', people: [], groups: [] },
];

/** A password as AD's unicodePwd takes it: the quoted text in UTF-16LE. */
export function unicodePwd(password: string): Buffer {
	return Buffer.from(`"${password}"`, 'utf16le');
}

/** The attributes of a person's user entry (password set, account enabled). */
export function personEntry(p: NorthwindPerson): Attribute[] {
	return attributes({
		objectClass: ['top', 'person', 'organizationalPerson', 'user'],
		cn: personCn(p),
		sAMAccountName: p.login,
		userPrincipalName: p.upn,
		givenName: p.givenName,
		sn: p.sn,
		displayName: personCn(p),
		mail: `${p.login}@${NORTHWIND_DNS}`,
		department: p.department,
		title: p.title,
		l: p.location,
		employeeID: p.employeeID,
		unicodePwd: unicodePwd(p.password),
		userAccountControl: String(UAC_NORMAL),
	});
}

/** An entry's attributes for ldapts's add, which takes binary values (unicodePwd) only in this form. */
export function attributes(values: Record<string, string | string[] | Buffer>): Attribute[] {
	return Object.entries(values).map(
		([type, value]) =>
			new Attribute({ type, values: Array.isArray(value) ? value : Buffer.isBuffer(value) ? [value] : [value] }),
	);
}

/**
 * Writes the fixture into a freshly provisioned domain. A few adds are kept in flight on the one
 * connection: Samba (one process) works through them in order, without waiting for the client in between.
 */
export async function seedNorthwind(client: Client): Promise<void> {
	// Users change their own passwords in the tests: the default minimum password age (1 day) would refuse it.
	await client.modify(NORTHWIND_DN, [
		new Change({ operation: 'replace', modification: new Attribute({ type: 'minPwdAge', values: ['0'] }) }),
	]);
	for (const dn of [PEOPLE_DN, STAFF_DN, GROUPS_DN]) {
		await client.add(dn, { objectClass: ['top', 'organizationalUnit'], ou: dn.split(',')[0].slice(3) });
	}
	for (const p of PEOPLE) await client.add(personDn(p), personEntry(p));
	await inFlight(STAFF_COUNT, 8, (index) =>
		client.add(staffDn(index), {
			objectClass: ['top', 'person', 'organizationalPerson', 'user'],
			cn: staffLogin(index),
			sAMAccountName: staffLogin(index),
			userPrincipalName: `${staffLogin(index)}@${NORTHWIND_DNS}`,
			displayName: `Staff ${index}`,
			userAccountControl: String(UAC_NORMAL_NO_PASSWORD),
		}),
	);
	// Groups first without members, so that member groups exist (and a cycle can be closed) when members are written.
	for (const group of GROUPS) {
		await client.add(groupDn(group.name), {
			objectClass: ['top', 'group'],
			cn: group.name,
			sAMAccountName: group.name,
			description: group.description,
		});
	}
	for (const group of GROUPS) {
		const members = [
			...group.people.map((login) => personDn(personOf(login))),
			...group.groups.map(groupDn),
			...(group.allStaff ? Array.from({ length: STAFF_COUNT }, (_, index) => staffDn(index)) : []),
		];
		if (members.length === 0) continue;
		await client.modify(groupDn(group.name), [
			new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: members }) }),
		]);
	}
}

/** Runs `count` numbered operations with at most `width` of them pending at once. */
async function inFlight(count: number, width: number, operation: (index: number) => Promise<unknown>): Promise<void> {
	let next = 0;
	const lane = async () => {
		while (next < count) await operation(next++);
	};
	await Promise.all(Array.from({ length: Math.min(width, count) }, lane));
}
