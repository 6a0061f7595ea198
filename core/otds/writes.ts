/**
 * Attribute write-back for OTDS: AttributeChange (set / add / remove) → the `values` list of
 * PATCH or PUT /rest/users/{id} ({"userPartitionID": ..., "values": [{name, values}]}).
 *
 * Every attribute sent carries its COMPLETE new value list, computed from the user as just read, so a
 * repeated request leaves the same state (safe to retry), whatever the server does with "add"-like
 * semantics. PATCH sends only the changed attributes; PUT sends every writable attribute, so that a
 * server that replaces the whole record on PUT keeps what was not changed.
 */
import { DirectoryConfigurationError } from '../errors';
import type { AttributeChange } from '../directory/backend';
import { checkOtdsAttributeName } from './conditions';
import type { OtdsObject } from './mapping';

export interface AttributeValues {
	name: string;
	values: string[];
}

const FIELD = 'Attributes';

export function checkChanges(changes: AttributeChange[], readOnly: Set<string>): AttributeChange[] {
	if (!Array.isArray(changes) || changes.length === 0) throw new DirectoryConfigurationError(FIELD, 'is empty: add at least one attribute to change');
	return changes.map((change) => {
		const attribute = checkOtdsAttributeName(change.attribute, FIELD);
		if (readOnly.has(attribute.toLowerCase())) {
			throw new DirectoryConfigurationError(FIELD, `names "${attribute}", which OTDS maintains itself and cannot be written`);
		}
		if (!['set', 'add', 'remove'].includes(change.action)) {
			throw new DirectoryConfigurationError(FIELD, `has an unknown action "${String(change.action)}" for ${attribute}: use set, add or remove`);
		}
		if (!Array.isArray(change.values) || !change.values.every((value) => typeof value === 'string')) {
			throw new DirectoryConfigurationError(FIELD, `needs a list of text values for ${attribute}`);
		}
		if (change.action === 'add' && change.values.length === 0) {
			throw new DirectoryConfigurationError(FIELD, `adds no value to ${attribute}: give at least one value`);
		}
		return { attribute, action: change.action, values: [...change.values] };
	});
}

const unique = (values: string[]): string[] => [...new Set(values)];

/**
 * The `values` list to send. `scope` 'changed' lists only the changed attributes (PATCH); 'all' lists
 * every writable attribute of the user with the changes applied (PUT).
 */
export function applyChanges(user: OtdsObject, changes: AttributeChange[], scope: 'changed' | 'all', readOnly: Set<string>): AttributeValues[] {
	const current = new Map<string, AttributeValues>();
	for (const [name, values] of Object.entries(user.attributes)) current.set(name.toLowerCase(), { name, values: [...values] });
	const changed = new Set<string>();
	for (const change of changes) {
		const key = change.attribute.toLowerCase();
		const entry = current.get(key) ?? { name: change.attribute, values: [] };
		if (change.action === 'set') entry.values = unique(change.values);
		else if (change.action === 'add') entry.values = unique([...entry.values, ...change.values]);
		// remove with no values deletes the attribute, as set with no values does (same as the LDAP backend).
		else entry.values = change.values.length === 0 ? [] : entry.values.filter((value) => !change.values.includes(value));
		current.set(key, entry);
		changed.add(key);
	}
	const result: AttributeValues[] = [];
	for (const [key, entry] of current) {
		if (readOnly.has(key)) continue;
		if (changed.has(key) || (scope === 'all' && entry.values.length > 0)) result.push({ name: entry.name, values: entry.values });
	}
	return result;
}
