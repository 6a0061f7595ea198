import type { Entry } from '../../../transport/ldap/ldapts';
import { parseDn } from '../dn';
import { attributeValue, binaryValue } from '../entry';
import { escapeFilterBytes } from '../escape';
import { rootDseValues } from '../root-dse';
import { commonName, personFields, replaceWith } from './new-entries';
import type { AccountManagement, FlavourProfile } from './profile';
import { adPasswordSetCheck } from './ad-password-set';

/** The root DSE's supportedCapabilities names this OID on Active Directory (LDAP_CAP_ACTIVE_DIRECTORY_OID). */
const AD_CAPABILITY = '1.2.840.113556.1.4.800';

/** userAccountControl bit: the account is disabled. */
const ACCOUNTDISABLE = 0x2;
/** userAccountControl bit: a normal user account. */
const NORMAL_ACCOUNT = 0x200;
/** groupType of a global security group (ADS_GROUP_TYPE_GLOBAL_GROUP | ADS_GROUP_TYPE_SECURITY_ENABLED). */
export const GLOBAL_SECURITY_GROUP = -2147483646;
/** msDS-User-Account-Control-Computed bits (computed on read; cannot be filtered on). */
const UF_LOCKOUT = 0x10;
const UF_PASSWORD_EXPIRED = 0x800000;

/** objectGUID bytes to the canonical GUID text (the first three groups are little-endian). */
export function guidToString(bytes: Buffer): string {
	const hex = (start: number, end: number, reverse: boolean) => {
		const part = Array.from(bytes.subarray(start, end));
		return (reverse ? part.reverse() : part).map((byte) => byte.toString(16).padStart(2, '0')).join('');
	};
	return [hex(0, 4, true), hex(4, 6, true), hex(6, 8, true), hex(8, 10, false), hex(10, 16, false)].join('-');
}

/** The canonical GUID text back to the 16 objectGUID bytes; undefined when the text is not a GUID. */
export function guidToBytes(text: string): Buffer | undefined {
	const match = /^\{?([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}?$/i.exec(text.trim());
	if (!match) return undefined;
	const [, a, b, c, d, e] = match;
	const bytes = (hex: string, reverse: boolean) => {
		const part = Buffer.from(hex, 'hex');
		return reverse ? part.reverse() : part;
	};
	return Buffer.concat([bytes(a, true), bytes(b, true), bytes(c, true), bytes(d, false), bytes(e, false)]);
}

/**
 * A binary security identifier (objectSid) as its text form S-1-5-21-...-1104 (MS-DTYP 2.4.2): revision,
 * 48-bit big-endian authority, then little-endian 32-bit sub-authorities. Undefined when the bytes are no SID.
 */
export function sidToString(bytes: Buffer): string | undefined {
	const count = bytes.length >= 8 ? bytes[1] : -1;
	if (count < 0 || count > 15 || bytes.length !== 8 + 4 * count) return undefined;
	const authority = bytes.readUIntBE(2, 6);
	// MS-DTYP: an authority of 2^32 or more is written in hexadecimal.
	const authorityText =
		authority < 2 ** 32 ? String(authority) : `0x${authority.toString(16).toUpperCase().padStart(12, '0')}`;
	const subAuthorities = Array.from({ length: count }, (_, index) => String(bytes.readUInt32LE(8 + 4 * index)));
	return ['S', String(bytes[0]), authorityText, ...subAuthorities].join('-');
}

/**
 * The relative id that ends a domain account's or group's SID (S-1-5-21-<domain>-<rid>); undefined for any other
 * SID (built-in groups, S-1-5-32-..., are nobody's primary group).
 */
function domainRelativeId(sid: Buffer | undefined): string | undefined {
	const text = sid === undefined ? undefined : sidToString(sid);
	return text === undefined ? undefined : /^S-1-5-21-\d+-\d+-\d+-(\d+)$/.exec(text)?.[1];
}

/** The primaryGroupID of the people whose primary group this group is: the relative id that ends its objectSid. */
export function primaryGroupId(group: Entry): string | undefined {
	return domainRelativeId(binaryValue(group, 'objectSid'));
}

/**
 * The filter that finds a person's primary group: the group's objectSid is the person's, its last part (the person's
 * own relative id) replaced by the person's primaryGroupID; matched as bytes, each escaped (RFC 4515).
 */
export function primaryGroupFilter(person: Entry): string | undefined {
	const sid = binaryValue(person, 'objectSid');
	const rid = attributeValue(person, 'primaryGroupID') ?? '';
	if (sid === undefined || domainRelativeId(sid) === undefined) return undefined;
	if (!/^\d{1,10}$/.test(rid) || Number(rid) > 0xffffffff) return undefined;
	const group = Buffer.from(sid);
	group.writeUInt32LE(Number(rid), group.length - 4);
	return `(objectSid=${escapeFilterBytes(group)})`;
}

/** AD attributes holding SIDs and GUIDs in binary, which people read in their text forms. */
const SID_ATTRIBUTES = new Set([
	'objectsid',
	'sidhistory',
	'tokengroups',
	'tokengroupsglobalanduniversal',
	'tokengroupsnogcacceptable',
	'securityidentifier',
]);
const GUID_ATTRIBUTES = new Set([
	'objectguid',
	'msexchmailboxguid',
	'ms-ds-consistencyguid',
	'invocationid',
	'schemaidguid',
]);

/** A binary AD value of a SID or GUID attribute in its text form; undefined for other attributes or bytes. */
export function adBinaryText(attribute: string, bytes: Buffer): string | undefined {
	const name = attribute.toLowerCase();
	if (SID_ATTRIBUTES.has(name)) return sidToString(bytes);
	if (GUID_ATTRIBUTES.has(name) && bytes.length === 16) return guidToString(bytes);
	return undefined;
}

/** userAccountControl with the disabled bit set or cleared, every other bit kept. */
export function withAccountDisabled(userAccountControl: number, disabled: boolean): number {
	return disabled ? userAccountControl | ACCOUNTDISABLE : userAccountControl & ~ACCOUNTDISABLE;
}

/** A password as AD's unicodePwd takes it: in double quotes, UTF-16LE. */
export function unicodePwdValue(password: string): Buffer {
	return Buffer.from(`"${password}"`, 'utf16le');
}

/** The DNS name of the domain a DN lies in, from its DC components: northwind.test for ...,DC=northwind,DC=test. */
export function domainOf(dn: string): string | undefined {
	const labels = parseDn(dn)
		.filter((rdn) => rdn.length === 1 && rdn[0].type.toLowerCase() === 'dc')
		.map((rdn) => rdn[0].value.toLowerCase());
	return labels.length > 0 ? labels.join('.') : undefined;
}

/**
 * Account management on Active Directory:
 * - people: user named CN=<display name, else given name and surname, else login>, sAMAccountName <login>,
 *   userPrincipalName <login>@<the domain of the parent DN>; created disabled (userAccountControl 0x202), since
 *   an enabled account needs a password: the password is set next (over TLS only), then the account enabled
 *   unless asked to stay disabled. Without a password it stays disabled;
 * - groups: group named CN=<name>, sAMAccountName <name>, a global security group;
 * - disable / enable: bit 0x2 of userAccountControl, read and written back with the other bits kept;
 * - unlock: lockoutTime 0, when the account is locked now;
 * - require a password change: pwdLastSet 0; no longer required: pwdLastSet -1 (now);
 * - password: unicodePwd, quoted UTF-16LE, which AD takes over LDAPS or StartTLS only.
 */
export const activeDirectoryManagement: AccountManagement = {
	attributes: [],
	newUser(user, parentDn) {
		const domain = domainOf(parentDn);
		const name = commonName(user);
		return {
			rdn: { attribute: 'CN', value: name },
			attributes: {
				objectClass: ['top', 'person', 'organizationalPerson', 'user'],
				...personFields(user, activeDirectoryProfile.user),
				cn: [name],
				sAMAccountName: [user.login],
				...(domain !== undefined ? { userPrincipalName: [`${user.login}@${domain}`] } : {}),
				userAccountControl: [String(NORMAL_ACCOUNT | ACCOUNTDISABLE)],
			},
		};
	},
	disabledUntilPassword: true,
	newGroup: (group) => ({
		rdn: { attribute: 'CN', value: group.name },
		attributes: {
			objectClass: ['top', 'group'],
			cn: [group.name],
			sAMAccountName: [group.name],
			groupType: [String(GLOBAL_SECURITY_GROUP)],
		},
	}),
	setEnabled(entry, enabled) {
		const current = Number(attributeValue(entry, 'userAccountControl') ?? NORMAL_ACCOUNT);
		const next = withAccountDisabled(current, !enabled);
		return next === current ? [] : [replaceWith('userAccountControl', String(next))];
	},
	unlock: (entry) => (activeDirectoryProfile.readStatus(entry).locked ? [replaceWith('lockoutTime', '0')] : []),
	requirePasswordChange: (entry) =>
		attributeValue(entry, 'pwdLastSet') === '0' ? [] : [replaceWith('pwdLastSet', '0')],
	clearPasswordChange: (entry) =>
		attributeValue(entry, 'pwdLastSet') === '0' ? [replaceWith('pwdLastSet', '-1')] : [],
	password: 'unicodePwd',
	passwordsEncryptedOnly: 'Active Directory',
	rightsNeeded:
		'write access to the accounts (e.g. Account Operators or Domain Admins, or rights delegated on the OU: create / delete user and group objects, Reset Password, write userAccountControl, lockoutTime and pwdLastSet)',
};

/**
 * Active Directory.
 * - disabled: userAccountControl bit 0x2;
 * - locked: msDS-User-Account-Control-Computed bit 0x10 (lockoutTime stays set after the lockout expires,
 *   so it is only a fallback when the computed attribute was not returned);
 * - password reset required: pwdLastSet = 0, or the computed "password expired" bit.
 * Changes: whenChanged is replicated (modifyTimestamp is constructed from it); pwdLastSet moves on every
 * password change.
 */
export const activeDirectoryProfile: FlavourProfile = {
	productName: 'Active Directory',
	recognises: (rootDse) => rootDseValues(rootDse, 'supportedCapabilities').includes(AD_CAPABILITY),
	stamps: { passwordChanged: 'pwdLastSet', modified: 'whenChanged', created: 'whenCreated' },
	userFilter: '(&(objectCategory=person)(objectClass=user))',
	groupFilter: '(objectClass=group)',
	disabledFilter: '(userAccountControl:1.2.840.113556.1.4.803:=2)',
	memberAttribute: 'member',
	rangedMembers: true,
	// memberOf is a back link AD always maintains and indexes; member comes in ranges of 1500 values.
	memberLookup: 'memberOf',
	// Domain Users is most people's primary group, and lists none of them as members.
	primaryGroup: {
		userAttribute: 'primaryGroupID',
		groupAttributes: ['objectSid'],
		valueOf: primaryGroupId,
		personAttributes: ['primaryGroupID', 'objectSid'],
		groupFilterOf: primaryGroupFilter,
	},
	// pwdLastSet = -1 moves the stamp without a new password.
	passwordSet: adPasswordSetCheck,
	dnAttribute: 'distinguishedName',
	group: { id: 'objectGUID', name: 'cn', description: 'description' },
	user: {
		id: 'objectGUID',
		login: 'sAMAccountName',
		mail: 'mail',
		displayName: 'displayName',
		givenName: 'givenName',
		surname: 'sn',
		department: 'department',
		location: 'l',
		title: 'title',
		businessUnit: 'division',
		mobile: 'mobile',
		employeeNumber: 'employeeID',
		manager: 'manager',
		memberOf: 'memberOf',
	},
	// People sign in as bob or as bob@northwind.test, and both name the one account.
	loginAliases: ['userPrincipalName'],
	statusAttributes: ['userAccountControl', 'msDS-User-Account-Control-Computed', 'lockoutTime', 'pwdLastSet'],
	binaryAttributes: ['objectGUID', 'objectSid', 'replPropertyMetaData'],
	readStatus(entry) {
		const control = Number(attributeValue(entry, 'userAccountControl') ?? 0);
		const computedText = attributeValue(entry, 'msDS-User-Account-Control-Computed');
		const computed = Number(computedText ?? 0);
		const lockoutTime = Number(attributeValue(entry, 'lockoutTime') ?? 0);
		return {
			disabled: (control & ACCOUNTDISABLE) !== 0,
			locked: computedText !== undefined ? (computed & UF_LOCKOUT) !== 0 : lockoutTime > 0,
			passwordResetRequired: attributeValue(entry, 'pwdLastSet') === '0' || (computed & UF_PASSWORD_EXPIRED) !== 0,
		};
	},
	readId(entry) {
		const guid = binaryValue(entry, 'objectGUID');
		return guid ? guidToString(guid) : attributeValue(entry, 'objectGUID');
	},
	management: activeDirectoryManagement,
};
