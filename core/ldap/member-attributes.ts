/**
 * Which attribute a group lists its members in. Most products have one (`member`, AD's `member`, OTDS's
 * `oTMember`); a product whose groups may also be groupOfUniqueNames (389 DS's sample groups are) lists
 * those groups' members in `uniqueMember` (RFC 4519), and each class allows only its own attribute. So:
 * reads take every member attribute of the profile (a group has values in the one its class allows), and
 * writes pick the attribute of the group's object class.
 */
import { escapeFilterValue } from './escape';
import { anyOf } from './filter';
import type { FlavourProfile } from './flavours';
import { memberRequest } from './ranged';

/** Every attribute the profile's groups may list members in, the profile's main one first. */
export function memberAttributesOf(profile: FlavourProfile): string[] {
	return [...new Set([profile.memberAttribute, ...Object.values(profile.memberAttributeByClass ?? {})])];
}

/** How to ask for every member attribute: each from its first range where the product answers in ranges (AD). */
export function memberRequests(profile: FlavourProfile): string[] {
	return memberAttributesOf(profile).map((attribute) =>
		memberRequest({ memberAttribute: attribute, rangedMembers: profile.rangedMembers }),
	);
}

/** The member attribute of a group with these object classes. */
export function memberAttributeForClasses(profile: FlavourProfile, objectClasses: string[]): string {
	const classes = new Set(objectClasses.map((name) => name.toLowerCase()));
	const special = Object.entries(profile.memberAttributeByClass ?? {}).find(([objectClass]) =>
		classes.has(objectClass.toLowerCase()),
	);
	return special?.[1] ?? profile.memberAttribute;
}

/** Whether the profile has groups whose member attribute depends on their object class. */
export function memberAttributeVaries(profile: FlavourProfile): boolean {
	return memberAttributesOf(profile).length > 1;
}

/** A filter matching groups that list `dn` as a direct member, in any member attribute. */
export function directMemberFilter(profile: FlavourProfile, dn: string): string {
	return anyOf(memberAttributesOf(profile).map((attribute) => `(${attribute}=${escapeFilterValue(dn)})`));
}

/** A filter matching groups that list any member at all. */
export function anyMemberFilter(profile: FlavourProfile): string {
	return anyOf(memberAttributesOf(profile).map((attribute) => `(${attribute}=*)`));
}
