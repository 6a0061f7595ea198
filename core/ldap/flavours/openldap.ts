import { attributeValue, isTrue } from '../entry';
import { rootDseValues } from '../root-dse';
import { inetOrgPersonNamedByUid, removeAll, replaceWith } from './new-entries';
import { INET_ORG_PERSON } from './profile';
import type { AccountManagement, FlavourProfile } from './profile';

/**
 * OpenLDAP with the ppolicy overlay.
 * - locked: `pwdAccountLockedTime` is set (by failed binds, or by an administrator);
 * - disabled: `pwdAccountLockedTime: 000001010000Z`, ppolicy's "locked by an administrator, never expires";
 * - password reset required: `pwdReset: TRUE` (an administrator set the password and pwdMustChange is on).
 * Changes: entryCSN, in microseconds and ordered (CSNOrderingMatch), so a cursor does not re-read a whole second.
 */
export const ADMIN_LOCK_TIME = '000001010000Z';

const OPENLDAP_USER = { ...INET_ORG_PERSON, department: 'departmentNumber' };

/**
 * groupOfNames must list a member (RFC 4519), and a new group has none yet: it gets the empty DN as a
 * placeholder member, which names no entry (so the memberof overlay writes nothing and nobody is a member).
 * Members given with the group's attributes replace it.
 */
export const EMPTY_GROUP_MEMBER = '';

/**
 * Account management on OpenLDAP with ppolicy, consistent with how readStatus derives the status (so the
 * trigger sees the change as its event):
 * - people: inetOrgPerson named uid=<login>; groups: groupOfNames named cn=<name> (see EMPTY_GROUP_MEMBER);
 * - disable: pwdAccountLockedTime 000001010000Z (ppolicy's permanent administrative lock; OpenLDAP has no
 *   other disabled flag); enable removes that value only, so a lockout by failed binds stays a lockout;
 * - unlock: removes pwdAccountLockedTime when it holds a lockout time (a disabled account is not unlocked);
 * - require a password change: pwdReset TRUE (ppolicy then allows only a password change after the bind);
 * - password: the Password Modify extended operation, else a replace of userPassword (ppolicy hashes it).
 */
export const openLdapManagement: AccountManagement = {
	attributes: [],
	newUser: (user) => inetOrgPersonNamedByUid(user, OPENLDAP_USER),
	disabledUntilPassword: false,
	newGroup: (group) => ({
		rdn: { attribute: 'cn', value: group.name },
		attributes: { objectClass: ['top', 'groupOfNames'], cn: [group.name], member: [EMPTY_GROUP_MEMBER] },
	}),
	setEnabled(entry, enabled) {
		const disabled = attributeValue(entry, 'pwdAccountLockedTime') === ADMIN_LOCK_TIME;
		if (enabled === !disabled) return [];
		return enabled ? [removeAll('pwdAccountLockedTime')] : [replaceWith('pwdAccountLockedTime', ADMIN_LOCK_TIME)];
	},
	unlock(entry) {
		const lockedTime = attributeValue(entry, 'pwdAccountLockedTime');
		return lockedTime !== undefined && lockedTime !== ADMIN_LOCK_TIME ? [removeAll('pwdAccountLockedTime')] : [];
	},
	requirePasswordChange: (entry) =>
		isTrue(attributeValue(entry, 'pwdReset')) ? [] : [replaceWith('pwdReset', 'TRUE')],
	clearPasswordChange: (entry) => (attributeValue(entry, 'pwdReset') === undefined ? [] : [removeAll('pwdReset')]),
	password: 'passwordModify',
	rightsNeeded:
		'an access rule (olcAccess / access to) granting the bind account write to the entries and their parent (entry, children), including userPassword and the ppolicy attributes pwdAccountLockedTime and pwdReset, or the rootdn',
};

export const openLdapProfile: FlavourProfile = {
	productName: 'OpenLDAP',
	recognises: (rootDse) =>
		[...rootDseValues(rootDse, 'objectClass'), ...rootDseValues(rootDse, 'structuralObjectClass')].some(
			(name) => name.toLowerCase() === 'openldaprootdse',
		),
	stamps: { passwordChanged: 'pwdChangedTime', modified: 'entryCSN', created: 'createTimestamp' },
	userFilter: '(objectClass=inetOrgPerson)',
	groupFilter: '(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))',
	disabledFilter: '(pwdAccountLockedTime=000001010000Z)',
	memberAttribute: 'member',
	// The memberof overlay keeps memberOf; without it, groupMembers falls back to the member attribute.
	memberLookup: 'memberOf',
	dnAttribute: 'entryDN',
	group: { id: 'entryUUID', name: 'cn', description: 'description' },
	// inetOrgPerson's department is departmentNumber (RFC 2798); ou on a person is an organizational unit.
	user: OPENLDAP_USER,
	statusAttributes: ['pwdAccountLockedTime', 'pwdReset'],
	binaryAttributes: [],
	readStatus(entry) {
		const lockedTime = attributeValue(entry, 'pwdAccountLockedTime');
		return {
			disabled: lockedTime === ADMIN_LOCK_TIME,
			locked: lockedTime !== undefined && lockedTime !== ADMIN_LOCK_TIME,
			passwordResetRequired: isTrue(attributeValue(entry, 'pwdReset')),
		};
	},
	readId: (entry) => attributeValue(entry, 'entryUUID'),
	management: openLdapManagement,
};
