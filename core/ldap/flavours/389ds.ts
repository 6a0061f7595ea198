import { attributeValue, isTrue } from '../entry';
import { rootDseValue } from '../root-dse';
import { INET_ORG_PERSON } from './profile';
import type { FlavourProfile } from './profile';

/**
 * 389 Directory Server.
 * - disabled: `nsAccountLock: TRUE`;
 * - locked: `accountUnlockTime` set by the password policy after too many failures;
 * - password reset required: `pwdReset: TRUE`, or `passwordExpirationTime` of 1970 (must change).
 */
export const ds389Profile: FlavourProfile = {
	productName: '389 Directory Server',
	recognises: (rootDse) => /389|fedora|netscape|red hat/i.test(rootDseValue(rootDse, 'vendorName') ?? ''),
	stamps: { passwordChanged: 'pwdUpdateTime', modified: 'modifyTimestamp', created: 'createTimestamp' },
	userFilter: '(objectClass=inetOrgPerson)',
	groupFilter: '(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))',
	disabledFilter: '(nsAccountLock=TRUE)',
	memberAttribute: 'member',
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
			passwordResetRequired:
				isTrue(attributeValue(entry, 'pwdReset')) ||
				(attributeValue(entry, 'passwordExpirationTime') ?? '').startsWith('19700101'),
		};
	},
	readId: (entry) => attributeValue(entry, 'nsUniqueId'),
};
