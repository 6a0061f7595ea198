import type { DirectoryFlavour } from '../../transport/ldap/settings';

/**
 * Per product: the attribute that moves when a password is changed (the profiles' status attributes
 * say whether a change is *required*; this one says that one *happened*), and the entry change stamp.
 */
export interface ChangeStamps {
	passwordChanged: string;
	modified: string;
	/** When the entry was created (tells a person who came into the watched scope from a new one). */
	created: string;
}

const STAMPS: Record<Exclude<DirectoryFlavour, 'auto'>, ChangeStamps> = {
	// entryCSN: microseconds, and ordered (CSNOrderingMatch), so a cursor does not re-read a whole second.
	openLdap: { passwordChanged: 'pwdChangedTime', modified: 'entryCSN', created: 'createTimestamp' },
	other: { passwordChanged: 'pwdChangedTime', modified: 'modifyTimestamp', created: 'createTimestamp' },
	openDj: { passwordChanged: 'pwdChangedTime', modified: 'modifyTimestamp', created: 'createTimestamp' },
	'389ds': { passwordChanged: 'pwdUpdateTime', modified: 'modifyTimestamp', created: 'createTimestamp' },
	// whenChanged is replicated (modifyTimestamp is constructed from it); pwdLastSet moves on every change.
	activeDirectory: { passwordChanged: 'pwdLastSet', modified: 'whenChanged', created: 'whenCreated' },
};

export function changeStampsFor(flavour: Exclude<DirectoryFlavour, 'auto'>): ChangeStamps {
	return STAMPS[flavour];
}

/**
 * A change stamp in the form high-water marks compare: a CSN (20261127001122.123456Z#000000#000#000000)
 * whole; a generalized time cut to its second (20261127001122Z), since servers differ in fractions.
 * Both compare as strings; a log time (accesslog reqStart) sorts just before the CSNs of its own writes.
 */
export function comparableStamp(value: string): string {
	if (value.includes('#')) return value;
	const match = /^(\d{14})/.exec(value);
	return match ? `${match[1]}Z` : value;
}

/** A high-water mark as an assertion value for `stamp>=value` (a CSN attribute needs a whole CSN). */
export function stampAssertion(attribute: string, value: string): string {
	const clean = value.replace(/[^0-9.Z#]/g, '');
	if (attribute.toLowerCase() === 'entrycsn' && !clean.includes('#')) return `${clean}#000000#000#000000`;
	return clean;
}
