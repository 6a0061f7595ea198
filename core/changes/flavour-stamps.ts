import type { DirectoryFlavour } from '../../transport/ldap/settings';

/**
 * Per product: the attribute that moves when a password is changed (the profiles' status attributes
 * say whether a change is *required*; this one says that one *happened*), and the entry change stamp.
 */
export interface ChangeStamps {
	passwordChanged: string;
	modified: string;
}

const STAMPS: Record<Exclude<DirectoryFlavour, 'auto'>, ChangeStamps> = {
	openLdap: { passwordChanged: 'pwdChangedTime', modified: 'modifyTimestamp' },
	other: { passwordChanged: 'pwdChangedTime', modified: 'modifyTimestamp' },
	openDj: { passwordChanged: 'pwdChangedTime', modified: 'modifyTimestamp' },
	'389ds': { passwordChanged: 'pwdUpdateTime', modified: 'modifyTimestamp' },
	// whenChanged is replicated (modifyTimestamp is constructed from it); pwdLastSet moves on every change.
	activeDirectory: { passwordChanged: 'pwdLastSet', modified: 'whenChanged' },
};

export function changeStampsFor(flavour: Exclude<DirectoryFlavour, 'auto'>): ChangeStamps {
	return STAMPS[flavour];
}

/** The second-resolution prefix of an LDAP generalized time, for `>=` filters (20261127001122Z). */
export function toSecondStamp(value: string): string {
	const match = /^(\d{14})/.exec(value);
	return match ? `${match[1]}Z` : value;
}
