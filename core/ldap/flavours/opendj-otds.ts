import { attributeValue, isTrue } from '../entry';
import type { FlavourProfile } from './profile';

/**
 * OpenDJ, as embedded in legacy OTDS (10.x–16.x), whose entries are `oTPerson` / `oTGroup`.
 * - disabled: OTDS's `accountDisabled`, or OpenDJ's own `ds-pwp-account-disabled`;
 * - locked: OTDS's `accountLockedOut`, or OpenDJ's `pwdAccountLockedTime`;
 * - password reset required: `pwdReset` or OTDS's `UserMustChangePasswordAtNextSignIn`.
 * Plain inetOrgPerson entries in an OpenDJ are read with the same profile (the attributes overlap).
 * Attribute names follow what OTDS is publicly seen to return; names no public source confirms
 * (business unit, mobile) are guesses that a later per-attribute override makes configurable.
 */
export const openDjOtdsProfile: FlavourProfile = {
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
	user: {
		id: 'oTObjectGUID',
		login: 'cn',
		mail: 'mail',
		displayName: 'displayName',
		givenName: 'givenName',
		surname: 'sn',
		department: 'oTDepartment',
		location: 'l',
		title: 'title',
		// No public source names OTDS's business-unit attribute; deployments map it into an extra attribute.
		businessUnit: 'oTExtraAttr1',
		mobile: 'oTMobile',
		employeeNumber: 'employeeNumber',
		manager: 'manager',
		memberOf: 'oTMemberOf',
	},
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
			disabled: isTrue(attributeValue(entry, 'accountDisabled')) || isTrue(attributeValue(entry, 'ds-pwp-account-disabled')),
			locked: isTrue(attributeValue(entry, 'accountLockedOut')) || attributeValue(entry, 'pwdAccountLockedTime') !== undefined,
			passwordResetRequired:
				isTrue(attributeValue(entry, 'pwdReset')) || isTrue(attributeValue(entry, 'UserMustChangePasswordAtNextSignIn')),
		};
	},
	// OTDS keeps its own GUID; entries created outside OTDS only have the server's entryUUID.
	readId: (entry) => attributeValue(entry, 'oTObjectGUID') ?? attributeValue(entry, 'entryUUID'),
};
