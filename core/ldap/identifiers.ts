import { escapeFilterBytes, escapeFilterValue } from './escape';
import { guidToBytes } from './flavours/active-directory';
import type { FlavourProfile } from './flavours';

/**
 * The filter component that finds an entry by its stable identifier, written the way DirectoryUser.id
 * and DirectoryGroup.id show it. Text identifiers (entryUUID, nsUniqueId, oTObjectGUID) are compared as
 * escaped text; a binary one (AD objectGUID, shown as GUID text) is compared byte by byte, each byte
 * escaped, because AD matches objectGUID on its 16 raw bytes. A value that cannot be such an identifier
 * yields a filter that matches nothing.
 */
export function idFilter(profile: FlavourProfile, attribute: string, value: string): string {
	const binary = profile.binaryAttributes.some((name) => name.toLowerCase() === attribute.toLowerCase());
	if (!binary) return `(${attribute}=${escapeFilterValue(value)})`;
	const bytes = guidToBytes(value);
	if (bytes === undefined) return '(!(objectClass=*))';
	return `(${attribute}=${escapeFilterBytes(bytes)})`;
}
