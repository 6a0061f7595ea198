import type { Entry } from '../../../transport/ldap/ldapts';
import { attributeValue, isTrue } from '../entry';
import { rootDseValue } from '../root-dse';
import { inetOrgPersonNamedByUid, removeAll, replaceWith } from './new-entries';
import { INET_ORG_PERSON } from './profile';
import type { AccountManagement, FlavourProfile } from './profile';

/**
 * pwdReset when the server keeps it (389 DS 2.3 does); else the expiration time the password policy
 * writes for "must change": exactly 19700101000000Z. After the user sets a password, 389 DS 2.3 (passwords
 * not expiring) writes 19700101000001Z there and pwdReset FALSE: no longer required.
 */
function passwordResetRequired(entry: Entry): boolean {
	const reset = attributeValue(entry, 'pwdReset');
	if (reset !== undefined) return isTrue(reset);
	return attributeValue(entry, 'passwordExpirationTime') === '19700101000000Z';
}

/**
 * Whether the password policy's lockout holds now. accountUnlockTime is when it ends, or 19700101000000Z
 * for one only an administrator lifts (passwordUnlock off). 389 DS leaves the attribute in place after the
 * lockout has ended, even after the next successful bind: a time in the past is not a lockout.
 */
function lockedOut(entry: Entry, now = Date.now()): boolean {
	const until = attributeValue(entry, 'accountUnlockTime');
	if (until === undefined) return false;
	const parts = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})/.exec(until);
	if (parts === null || until.startsWith('19700101000000')) return true;
	const [year, month, day, hour, minute, second] = parts.slice(1).map(Number);
	return Date.UTC(year, month - 1, day, hour, minute, second) > now;
}

/** passwordExpirationTime meaning "expired: change it at the next sign-in" (what 389 writes itself on a reset). */
const MUST_CHANGE_EXPIRATION = '19700101000000Z';

/**
 * Account management on 389 Directory Server, consistent with readStatus:
 * - people: inetOrgPerson named uid=<login>, the classes OpenLDAP and most tools read (389's own nsPerson would
 *   add nothing these operations need: nsAccountLock is allowed on any entry);
 * - groups: groupOfNames named cn=<name>, which 389's schema lets have no member;
 * - disable: nsAccountLock TRUE (account inactivation); enable removes it;
 * - unlock: the password policy's lockout ends when accountUnlockTime is removed and passwordRetryCount is 0;
 * - require a password change: passwordExpirationTime 19700101000000Z and pwdReset TRUE, as 389 writes them
 *   itself when an administrator resets a password under passwordMustChange; 389 enforces it (binds may then only
 *   change the password) where the policy has passwordMustChange on, and otherwise only records it;
 * - password: the Password Modify extended operation, which 389 takes over an encrypted connection only (a
 *   replace of userPassword would carry it in clear where 389 itself refuses to: not done).
 */
export const ds389Management: AccountManagement = {
	attributes: ['passwordRetryCount'],
	newUser: (user) => inetOrgPersonNamedByUid(user, INET_ORG_PERSON),
	disabledUntilPassword: false,
	newGroup: (group) => ({
		rdn: { attribute: 'cn', value: group.name },
		attributes: { objectClass: ['top', 'groupOfNames'], cn: [group.name] },
	}),
	setEnabled(entry, enabled) {
		const disabled = isTrue(attributeValue(entry, 'nsAccountLock'));
		if (enabled === !disabled) return [];
		return enabled ? [removeAll('nsAccountLock')] : [replaceWith('nsAccountLock', 'TRUE')];
	},
	unlock: (entry) => (lockedOut(entry) ? [removeAll('accountUnlockTime'), replaceWith('passwordRetryCount', '0')] : []),
	requirePasswordChange: (entry) =>
		passwordResetRequired(entry)
			? []
			: [replaceWith('passwordExpirationTime', MUST_CHANGE_EXPIRATION), replaceWith('pwdReset', 'TRUE')],
	clearPasswordChange: (entry) =>
		passwordResetRequired(entry) ? [removeAll('passwordExpirationTime'), replaceWith('pwdReset', 'FALSE')] : [],
	password: 'passwordModify',
	passwordsEncryptedOnly: '389 Directory Server',
	rightsNeeded:
		'an ACI granting the bind account write on the entries (add and delete on their parent), including nsAccountLock, userPassword, passwordExpirationTime, pwdReset, accountUnlockTime and passwordRetryCount, or the Directory Manager',
};

/**
 * 389 Directory Server.
 * - people: inetOrgPerson, and nsPerson, the class 389's own tools (`dsidm user create`, the sample
 *   entries of `dscreate`) give people (with nsAccount / nsOrgPerson / posixAccount, without inetOrgPerson);
 * - groups: groupOfNames (`member`) and groupOfUniqueNames (`uniqueMember`), each with its own attribute;
 * - disabled: `nsAccountLock: TRUE`;
 * - locked: `accountUnlockTime`, set by the password policy after too many failures, not yet passed;
 * - password reset required: `pwdReset: TRUE`, or without pwdReset `passwordExpirationTime` 19700101000000Z.
 */
export const ds389Profile: FlavourProfile = {
	productName: '389 Directory Server',
	recognises: (rootDse) => /389|fedora|netscape|red hat/i.test(rootDseValue(rootDse, 'vendorName') ?? ''),
	stamps: { passwordChanged: 'pwdUpdateTime', modified: 'modifyTimestamp', created: 'createTimestamp' },
	userFilter: '(|(objectClass=inetOrgPerson)(objectClass=nsPerson))',
	groupFilter: '(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))',
	disabledFilter: '(nsAccountLock=TRUE)',
	memberAttribute: 'member',
	// 389's sample groups include groupOfUniqueNames, which lists members in uniqueMember and allows no member.
	memberAttributeByClass: { groupOfUniqueNames: 'uniqueMember' },
	// The MemberOf plug-in is optional in 389 DS: read the member attribute unless told otherwise.
	memberLookup: 'memberAttribute',
	dnAttribute: 'entrydn',
	group: { id: 'nsUniqueId', name: 'cn', description: 'description' },
	user: { ...INET_ORG_PERSON, id: 'nsUniqueId' },
	statusAttributes: ['nsAccountLock', 'accountUnlockTime', 'pwdReset', 'passwordExpirationTime'],
	binaryAttributes: [],
	readStatus(entry) {
		return {
			disabled: isTrue(attributeValue(entry, 'nsAccountLock')),
			locked: lockedOut(entry),
			passwordResetRequired: passwordResetRequired(entry),
		};
	},
	readId: (entry) => attributeValue(entry, 'nsUniqueId'),
	management: ds389Management,
};
