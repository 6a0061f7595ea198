/**
 * Change stamps: which attributes a product stamps changes with is its profile's (FlavourProfile.stamps,
 * core/ldap/flavours/); how stamps are compared and asserted is here.
 */
import { profileFor, type ChangeStamps, type DetectedFlavour } from '../ldap/flavours';

export type { ChangeStamps } from '../ldap/flavours';

/** The change stamps of a product, as its profile names them. */
export function changeStampsFor(flavour: DetectedFlavour): ChangeStamps {
	return profileFor(flavour).stamps;
}

/**
 * A change stamp in the form high-water marks compare: a CSN (20261127001122.123456Z#000000#000#000000)
 * whole; a generalized time cut to its second (20261127001122Z), since servers differ in fractions.
 * Both compare as strings; a log time (accesslog reqStart) sorts just before the CSNs of its own writes.
 */
export function comparableStamp(value: string): string {
	if (value.includes('#')) return value;
	// A test and a slice, not a match: called for every user of a full read.
	return /^\d{14}/.test(value) ? `${value.slice(0, 14)}Z` : value;
}

/** A high-water mark as an assertion value for `stamp>=value` (a CSN attribute needs a whole CSN). */
export function stampAssertion(attribute: string, value: string): string {
	const clean = value.replace(/[^0-9.Z#]/g, '');
	if (attribute.toLowerCase() === 'entrycsn' && !clean.includes('#')) return `${clean}#000000#000#000000`;
	return clean;
}
