/**
 * Which snapshot entry a cn=changelog record is about. A record names its entry by the server's own id
 * (targetUniqueId on 389 DS: its nsUniqueId; targetEntryUUID on OpenDJ: its entryUUID) and by DN. The
 * snapshot keys entries by the flavour profile's id attribute, which need not be that one: legacy OTDS
 * keys its people by oTObjectGUID. So:
 * - the record's id is the profile's key: taken as it is;
 * - it is another attribute: the entries are searched by it (wherever they are now, so a rename after the
 *   record does not matter) and their key is read; an entry no longer found (deleted, or moved out of
 *   the watched bases) is named by a DN its records gave that the snapshot knows (the DN before a rename
 *   in the same batch: the snapshot never saw the later one);
 * - no id at all (389 DS without targetUniqueId): by DN through the snapshot; an entry the snapshot does
 *   not know is read by its DN (a new one).
 */
import { formatDn, parentDn, parseDn } from '../../ldap/dn';
import { attributeValue } from '../../ldap/entry';
import type { LdapChangeReader } from './reader';
import { comparableDn, dnHash, isAtOrBelow } from '../snapshot/dn-hash';
import { recordKeyOf } from '../snapshot/record-key';
import type { Snapshot } from '../snapshot/snapshot';

/** How a changelog record names its entry. */
export interface ChangelogTarget {
	type: 'add' | 'delete' | 'modify' | 'modrdn' | 'other';
	targetDn: string;
	/** The entry's id as the server logged it. */
	targetId?: string;
	/** The attribute that id is a value of (entryUUID, nsUniqueId). */
	targetIdAttribute?: string;
	newRdn?: string;
	newSuperior?: string;
}

/** The DN a rename gave the entry; undefined when the record says too little. */
export function renamedDn(record: ChangelogTarget): string | undefined {
	if (record.type !== 'modrdn' || record.newRdn === undefined) return undefined;
	try {
		const rdn = parseDn(record.newRdn, 'newRDN');
		const parent = record.newSuperior ?? parentDn(record.targetDn, 'targetDN');
		return formatDn([...rdn, ...(parent === '' ? [] : parseDn(parent, 'newSuperior'))]);
	} catch {
		return undefined;
	}
}

/** The bases to search: the user and group bases, one of them when it lies inside the other. */
function distinctBases(reader: LdapChangeReader): string[] {
	const { userBaseDN, groupBaseDN } = reader.scope;
	const user = comparableDn(userBaseDN);
	const group = comparableDn(groupBaseDN);
	if (isAtOrBelow(group, user)) return [userBaseDN];
	if (isAtOrBelow(user, group)) return [groupBaseDN];
	return [userBaseDN, groupBaseDN];
}

/** The snapshot keys of the entries whose `attribute` has these values, by lower-case value. */
async function keysByAttribute(
	reader: LdapChangeReader,
	attribute: string,
	values: string[],
): Promise<Map<string, string>> {
	const profile = reader.scope.profile;
	const keys = new Map<string, string>();
	const attributes = [...new Set([attribute, profile.user.id, profile.group.id])];
	for (const base of distinctBases(reader)) {
		for (const entry of await reader.searchByIds(values, base, '', attribute, attributes)) {
			const value = attributeValue(entry, attribute)?.toLowerCase();
			if (value !== undefined) keys.set(value, recordKeyOf(profile.readId(entry) ?? entry.dn));
		}
	}
	return keys;
}

/** The snapshot's users and groups by the hash of their DN. */
function snapshotByDn(snapshot: Snapshot): Map<number, string> {
	const byDn = new Map<number, string>();
	for (const record of snapshot.users.values()) byDn.set(record.dnHash, record.id);
	for (const record of snapshot.groups.values()) byDn.set(record.dnHash, record.id);
	return byDn;
}

/**
 * The snapshot key of each record's entry (records of entries that cannot be named are left out), and
 * the DNs of entries the log names only by DN and the snapshot does not know (to be read by DN).
 */
export async function resolveChangelogTargets<T extends ChangelogTarget>(
	records: T[],
	reader: LdapChangeReader,
	snapshot: Snapshot,
): Promise<{ keys: Map<T, string>; readByDn: string[] }> {
	const profile = reader.scope.profile;
	const isKey = (attribute: string) =>
		[profile.user.id, profile.group.id].every((name) => name.toLowerCase() === attribute.toLowerCase());
	let byDn: Map<number, string> | undefined;
	const knownDn = (dn: string) => (byDn ??= snapshotByDn(snapshot)).get(dnHash(dn));
	const keys = new Map<T, string>();
	const readByDn: string[] = [];

	// Ids of another attribute than the key: every DN their records mention, in order, for a fallback.
	const toTranslate = new Map<string, Map<string, string[]>>();
	for (const record of records) {
		if (record.targetId === undefined || record.targetIdAttribute === undefined) {
			const key = knownDn(record.targetDn);
			if (key !== undefined) keys.set(record, key);
			else if (record.type !== 'delete') readByDn.push(renamedDn(record) ?? record.targetDn);
		} else if (isKey(record.targetIdAttribute)) {
			keys.set(record, recordKeyOf(record.targetId));
		} else {
			const ids = toTranslate.get(record.targetIdAttribute) ?? new Map<string, string[]>();
			const dns = ids.get(record.targetId) ?? [];
			dns.push(record.targetDn, ...[renamedDn(record)].filter((dn): dn is string => dn !== undefined));
			ids.set(record.targetId, dns);
			toTranslate.set(record.targetIdAttribute, ids);
		}
	}
	for (const [attribute, ids] of toTranslate) {
		const found = await keysByAttribute(reader, attribute, [...ids.keys()]);
		const resolved = new Map<string, string>();
		for (const [id, dns] of ids) {
			const key = found.get(id) ?? dns.map(knownDn).find((known) => known !== undefined);
			if (key !== undefined) resolved.set(id, key);
		}
		for (const record of records) {
			if (record.targetIdAttribute !== attribute || record.targetId === undefined) continue;
			const key = resolved.get(record.targetId);
			if (key !== undefined) keys.set(record, key);
		}
	}
	return { keys, readByDn: [...new Set(readByDn)] };
}
