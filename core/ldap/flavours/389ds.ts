import type { Entry } from '../../../transport/ldap/ldapts';
import { attributeValue, isTrue } from '../entry';
import { rootDseValue } from '../root-dse';
import { INET_ORG_PERSON } from './profile';
import type { FlavourProfile } from './profile';

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
 * 389 Directory Server.
 * - people: inetOrgPerson, and nsPerson, the class 389's own tools (`dsidm user create`, the sample
 *   entries of `dscreate`) give people (with nsAccount / nsOrgPerson / posixAccount, without inetOrgPerson);
 * - groups: groupOfNames (`member`) and groupOfUniqueNames (`uniqueMember`), each with its own attribute;
 * - disabled: `nsAccountLock: TRUE`;
 * - locked: `accountUnlockTime` set by the password policy after too many failures;
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
			locked: attributeValue(entry, 'accountUnlockTime') !== undefined,
			passwordResetRequired: passwordResetRequired(entry),
		};
	},
	readId: (entry) => attributeValue(entry, 'nsUniqueId'),
};
