/**
 * What one record of OpenLDAP's accesslog says (reqType, reqDN, reqMod, reqOld...), and what the records of a
 * poll say per entry (contextsFromRecords): read by the accesslog strategy (accesslog.ts) and by its recovery of
 * a lost snapshot (accesslog-recovery.ts).
 */
import type { Entry } from '../../../transport/ldap/ldapts';
import { attributeValue, attributeValues } from '../../ldap/entry';
import { PASSWORD_ATTRIBUTES, type ChangeContext } from '../differ';
import { generalizedTimeToIso } from '../events';
import { recordKeyOf } from '../snapshot/record-key';

/** One value change of a reqMod line: `title:= Boss`, `member:+ uid=x,...`, `description:-`. */
export interface LoggedModification {
	attribute: string;
	operation: 'add' | 'delete' | 'replace' | 'increment';
	value?: string;
}

export interface AccesslogRecord {
	reqStart: string;
	type: 'add' | 'delete' | 'modify' | 'modrdn' | 'other';
	dn: string;
	entryUuid?: string;
	actor?: string;
	modifications: LoggedModification[];
	/** reqOld: the values before the change, by lower-case attribute name. */
	old: Record<string, string[]>;
	newRdn?: string;
	newSuperior?: string;
}

const OPERATIONS: Record<string, LoggedModification['operation']> = {
	'+': 'add',
	'-': 'delete',
	'=': 'replace',
	'#': 'increment',
};
export const ACCESSLOG_ATTRIBUTES = [
	'reqStart',
	'reqType',
	'reqDN',
	'reqEntryUUID',
	'reqAuthzID',
	'reqMod',
	'reqOld',
	'reqNewRDN',
	'reqNewSuperior',
];

/** Decodes one reqMod value (`attr:op value`); undefined for lines of another shape. */
export function parseReqMod(line: string): LoggedModification | undefined {
	const match = /^([A-Za-z0-9][A-Za-z0-9;.-]*):([+\-=#])(?: (.*))?$/s.exec(line);
	if (!match) return undefined;
	return { attribute: match[1], operation: OPERATIONS[match[2]], value: match[3] };
}

/** Decodes one accesslog entry. */
export function parseAccesslogRecord(entry: Entry): AccesslogRecord {
	const old: Record<string, string[]> = {};
	for (const line of attributeValues(entry, 'reqOld')) {
		const colon = line.indexOf(':');
		if (colon <= 0) continue;
		const name = line.slice(0, colon).toLowerCase();
		(old[name] ??= []).push(line.slice(colon + 1).replace(/^ /, ''));
	}
	const type = (attributeValue(entry, 'reqType') ?? '').toLowerCase();
	const authz = attributeValue(entry, 'reqAuthzID');
	return {
		reqStart: attributeValue(entry, 'reqStart') ?? '',
		type: type === 'add' || type === 'delete' || type === 'modify' || type === 'modrdn' ? type : 'other',
		dn: attributeValue(entry, 'reqDN') ?? '',
		entryUuid: attributeValue(entry, 'reqEntryUUID')?.toLowerCase(),
		actor: authz === undefined || authz === '' ? undefined : authz.replace(/^dn:/i, ''),
		modifications: attributeValues(entry, 'reqMod')
			.map(parseReqMod)
			.filter((mod): mod is LoggedModification => mod !== undefined),
		old,
		newRdn: attributeValue(entry, 'reqNewRDN'),
		newSuperior: attributeValue(entry, 'reqNewSuperior'),
	};
}

/**
 * What the records say per entry: the last record's time and actor, the DN before the first rename,
 * the values removed, and the earlier values as they were before this poll. An attribute's earlier
 * value comes from the first record that changed it: its reqOld when the server logs old values
 * (`logold`: such a record always carries some, e.g. the old modifyTimestamp), where a changed attribute
 * missing from reqOld was empty. When that first record logged no old values, the attribute stays
 * unknown: a later record's reqOld holds a value of this poll, not the one before it.
 */
export function contextsFromRecords(records: AccesslogRecord[], captureActor: boolean): Map<string, ChangeContext> {
	const contexts = new Map<string, ChangeContext>();
	const touched = new Map<string, Set<string>>();
	for (const record of records) {
		if (record.entryUuid === undefined) continue;
		const id = recordKeyOf(record.entryUuid);
		const context = contexts.get(id) ?? { stamp: '', before: {} };
		const seen = touched.get(id) ?? new Set<string>();
		const before = context.before ?? {};
		context.stamp = record.reqStart;
		context.occurredAt = generalizedTimeToIso(record.reqStart);
		context.actor = captureActor && record.actor !== undefined ? { dn: record.actor } : undefined;
		const logsOld = Object.keys(record.old).length > 0;
		// A rename changes the RDN attributes without a reqMod line: their earlier values are not logged.
		if (record.type === 'modrdn') for (const rdn of [record.dn, record.newRdn ?? '']) seen.add(rdnAttribute(rdn));
		for (const modification of record.modifications) {
			const name = modification.attribute.toLowerCase();
			// The log says the password was set: the differ does not rely on the stamp's hash then.
			if (PASSWORD_ATTRIBUTES.has(name)) context.passwordChanged = true;
			if (modification.operation === 'delete' && modification.value !== undefined)
				(context.removedValues ??= []).push(modification.value);
			if (seen.has(name)) continue;
			seen.add(name);
			if (record.old[name] !== undefined) before[name] = record.old[name];
			else if (logsOld && record.type === 'modify') before[name] = [];
		}
		// Old values of attributes the record did not change (a deleted entry's, `logoldattr` ones): as they were.
		for (const [name, values] of Object.entries(record.old)) {
			if (seen.has(name)) continue;
			seen.add(name);
			before[name] = values;
		}
		context.before = before;
		if (record.type === 'modrdn' && context.previousDn === undefined) context.previousDn = record.dn;
		if (record.type === 'delete') context.deleted = { dn: record.dn };
		contexts.set(id, context);
		touched.set(id, seen);
	}
	return contexts;
}

/** The attribute of a DN's first RDN, lower case ('' when there is none). */
function rdnAttribute(dn: string): string {
	return /^\s*([^=+,\s]+)\s*=/.exec(dn)?.[1].toLowerCase() ?? '';
}
