import { OTDS_USER_ATTRIBUTES } from '../../model/attribute-map';
import { attributeValue, isTrue } from '../entry';
import { rootDseValue } from '../root-dse';
import type { FlavourProfile } from './profile';

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
};
