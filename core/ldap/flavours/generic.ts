import { openLdapProfile } from './openldap';
import type { FlavourProfile } from './profile';

/**
 * Any other LDAP server ("Other (inetOrgPerson)"), and every server no other profile recognises: read as
 * inetOrgPerson with OpenLDAP's ppolicy status, which simply reads nothing where the server has no
 * ppolicy; changes stamped by modifyTimestamp, which every server keeps.
 */
export const genericProfile: FlavourProfile = {
	...openLdapProfile,
	productName: 'an LDAP server',
	recognises: () => true,
	stamps: { passwordChanged: 'pwdChangedTime', modified: 'modifyTimestamp', created: 'createTimestamp' },
};
