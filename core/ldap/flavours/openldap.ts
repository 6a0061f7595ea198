import { attributeValue, isTrue } from '../entry';
import { rootDseValues } from '../root-dse';
import { INET_ORG_PERSON } from './profile';
import type { FlavourProfile } from './profile';

/**
 * OpenLDAP with the ppolicy overlay.
 * - locked: `pwdAccountLockedTime` is set (by failed binds, or by an administrator);
 * - disabled: `pwdAccountLockedTime: 000001010000Z`, ppolicy's "locked by an administrator, never expires";
 * - password reset required: `pwdReset: TRUE` (an administrator set the password and pwdMustChange is on).
 * Changes: entryCSN, in microseconds and ordered (CSNOrderingMatch), so a cursor does not re-read a whole second.
 */
export const ADMIN_LOCK_TIME = '000001010000Z';

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
	user: { ...INET_ORG_PERSON, department: 'departmentNumber' },
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
};
