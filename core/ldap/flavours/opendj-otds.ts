import { randomUUID } from 'node:crypto';
import { OTDS_USER_ATTRIBUTES } from '../../model/attribute-map';
import { attributeValue, isTrue } from '../entry';
import { rootDseValue } from '../root-dse';
import { personFields, removeAll, replaceWith } from './new-entries';
import type { AccountManagement, AttributeEdit, FlavourProfile } from './profile';

/** A boolean attribute set to TRUE or FALSE, when it is not that already. */
function setFlag(
	entry: Parameters<FlavourProfile['readStatus']>[0],
	attribute: string,
	value: boolean,
): AttributeEdit[] {
	return isTrue(attributeValue(entry, attribute)) === value ? [] : [replaceWith(attribute, value ? 'TRUE' : 'FALSE')];
}

/** Clears a boolean attribute that is TRUE, and leaves one absent or FALSE as it is. */
function clearFlag(entry: Parameters<FlavourProfile['readStatus']>[0], attribute: string): AttributeEdit[] {
	return isTrue(attributeValue(entry, attribute)) ? [replaceWith(attribute, 'FALSE')] : [];
}

/**
 * Account management in legacy OTDS's OpenDJ, by OTDS's own attributes (consistent with readStatus):
 * - people: oTPerson named by a new UUID (oTPerson=<uuid>, which is also its oTObjectGUID), cn and
 *   oTExternalID1 the login; groups: oTGroup named by a new UUID, cn the name. So a person cannot be renamed (the
 *   naming value is the identifier): the login is cn, changed with Update Attributes; a move is possible;
 * - disable / enable: accountDisabled TRUE / FALSE (and OpenDJ's ds-pwp-account-disabled cleared when set);
 * - unlock: accountLockedOut FALSE, OpenDJ's pwdAccountLockedTime removed when there;
 * - require a password change: UserMustChangePasswordAtNextSignIn TRUE; cleared with pwdReset;
 * - password: the Password Modify extended operation (OpenDJ has it), else userPassword.
 */
export const openDjOtdsManagement: AccountManagement = {
	attributes: [],
	newUser(user) {
		const uuid = randomUUID();
		return {
			rdn: { attribute: 'oTPerson', value: uuid },
			attributes: {
				objectClass: ['top', 'oTPerson'],
				...personFields(user, OTDS_USER_ATTRIBUTES),
				oTPerson: [uuid],
				oTObjectGUID: [uuid],
				cn: [user.login],
				oTExternalID1: [user.login],
			},
		};
	},
	disabledUntilPassword: false,
	newGroup(group) {
		const uuid = randomUUID();
		return {
			rdn: { attribute: 'oTGroup', value: uuid },
			attributes: {
				objectClass: ['top', 'oTGroup'],
				oTGroup: [uuid],
				oTObjectGUID: [uuid],
				cn: [group.name],
				oTExternalID1: [group.name],
			},
		};
	},
	renameRefusal:
		'names its people by their UUID (oTPerson=<uuid>), which never changes: change the login (cn) with Update Attributes, or give only a new parent to move the person',
	setEnabled: (entry, enabled) => [
		...setFlag(entry, 'accountDisabled', !enabled),
		...(enabled ? clearFlag(entry, 'ds-pwp-account-disabled') : []),
	],
	unlock: (entry) => [
		...clearFlag(entry, 'accountLockedOut'),
		...(attributeValue(entry, 'pwdAccountLockedTime') !== undefined ? [removeAll('pwdAccountLockedTime')] : []),
	],
	requirePasswordChange: (entry) =>
		openDjOtdsProfile.readStatus(entry).passwordResetRequired
			? []
			: setFlag(entry, 'UserMustChangePasswordAtNextSignIn', true),
	clearPasswordChange: (entry) => [
		...clearFlag(entry, 'UserMustChangePasswordAtNextSignIn'),
		...(attributeValue(entry, 'pwdReset') !== undefined ? [removeAll('pwdReset')] : []),
	],
	password: 'passwordModify',
	rightsNeeded:
		"write access to the OTDS partition's entries in OpenDJ (cn=Directory Manager, or an access control instruction granting write, add and delete there, and the password-reset privilege)",
};

/**
 * OpenDJ, as embedded in legacy OTDS (10.x–16.x), whose entries are `oTPerson` / `oTGroup`.
 * - disabled: OTDS's `accountDisabled`, or OpenDJ's own `ds-pwp-account-disabled`;
 * - locked: OTDS's `accountLockedOut`, or OpenDJ's `pwdAccountLockedTime`;
 * - password reset required: `pwdReset` or OTDS's `UserMustChangePasswordAtNextSignIn`.
 * Plain inetOrgPerson entries in an OpenDJ are read with the same profile (the attributes overlap).
 * User attributes are the OTDS directory's own (OTDS_USER_ATTRIBUTES), which OTDS REST returns too.
 */
export const openDjOtdsProfile: FlavourProfile = {
	productName: 'OpenDJ',
	recognises: (rootDse) =>
		/opendj|forgerock|wren|ping identity|sun microsystems/i.test(
			`${rootDseValue(rootDse, 'vendorName') ?? ''} ${rootDseValue(rootDse, 'vendorVersion') ?? ''}`,
		),
	stamps: { passwordChanged: 'pwdChangedTime', modified: 'modifyTimestamp', created: 'createTimestamp' },
	userFilter: '(|(objectClass=oTPerson)(objectClass=inetOrgPerson))',
	groupFilter: '(|(objectClass=oTGroup)(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))',
	// Only OTDS's own attribute: a filter naming an attribute the server does not know evaluates to
	// Undefined, and its negation would then match nobody.
	disabledFilter: '(accountDisabled=TRUE)',
	memberAttribute: 'oTMember',
	// OTDS maintains oTMemberOf on users and groups.
	memberLookup: 'memberOf',
	dnAttribute: 'entryDN',
	group: { id: 'oTObjectGUID', name: 'cn', description: 'description' },
	user: OTDS_USER_ATTRIBUTES,
	statusAttributes: [
		'accountDisabled',
		'accountLockedOut',
		'pwdReset',
		'UserMustChangePasswordAtNextSignIn',
		'ds-pwp-account-disabled',
		'pwdAccountLockedTime',
		'entryUUID',
	],
	binaryAttributes: [],
	readStatus(entry) {
		return {
			disabled:
				isTrue(attributeValue(entry, 'accountDisabled')) || isTrue(attributeValue(entry, 'ds-pwp-account-disabled')),
			locked:
				isTrue(attributeValue(entry, 'accountLockedOut')) ||
				attributeValue(entry, 'pwdAccountLockedTime') !== undefined,
			passwordResetRequired:
				isTrue(attributeValue(entry, 'pwdReset')) ||
				isTrue(attributeValue(entry, 'UserMustChangePasswordAtNextSignIn')),
		};
	},
	// OTDS keeps its own GUID; entries created outside OTDS only have the server's entryUUID.
	readId: (entry) => attributeValue(entry, 'oTObjectGUID') ?? attributeValue(entry, 'entryUUID'),
	management: openDjOtdsManagement,
};
