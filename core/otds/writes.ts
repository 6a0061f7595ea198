/**
 * Attribute write-back for OTDS: AttributeChange (set / add / remove) → the body of PATCH or PUT
 * /rest/users/{id}.
 *
 * Every attribute sent carries its COMPLETE new value list, computed from the user as just read, so a
 * repeated request leaves the same state (safe to retry), whatever the server does with "add"-like
 * semantics. PATCH sends `{"userPartitionID", "values": [{name, values}]}` with only the changed
 * attributes (pyxecm); PUT sends the whole user as GET returned it (name, id, location, description,
 * objectClass, values, customAttributes...: the public C# client), changed, since OTDS replaces the record.
 * `description` is a top-level field of the user in both, never an entry of `values`.
 */
import { ConfigurationError } from '../errors';
import type { AttributeChange } from '../directory/backend';
import { checkOtdsAttributeName } from './conditions';
import { RequestError } from '../errors';
import { parseOtdsObject, type OtdsObject } from './mapping';

export interface AttributeValues {
	name: string;
	values: string[];
}

const FIELD = 'Attributes';

export function checkChanges(changes: AttributeChange[], readOnly: Set<string>): AttributeChange[] {
	if (!Array.isArray(changes) || changes.length === 0)
		throw new ConfigurationError(FIELD, 'is empty: add at least one attribute to change');
	return changes.map((change) => {
		const attribute = checkOtdsAttributeName(change.attribute, FIELD);
		if (readOnly.has(attribute.toLowerCase())) {
			throw new ConfigurationError(FIELD, `names "${attribute}", which OTDS maintains itself and cannot be written`);
		}
		if (!['set', 'add', 'remove'].includes(change.action)) {
			throw new ConfigurationError(
				FIELD,
				`has an unknown action "${String(change.action)}" for ${attribute}: use set, add or remove`,
			);
		}
		if (!Array.isArray(change.values) || !change.values.every((value) => typeof value === 'string')) {
			throw new ConfigurationError(FIELD, `needs a list of text values for ${attribute}`);
		}
		if (change.action === 'add' && change.values.length === 0) {
			throw new ConfigurationError(FIELD, `adds no value to ${attribute}: give at least one value`);
		}
		return { attribute, action: change.action, values: [...change.values] };
	});
}

const unique = (values: string[]): string[] => [...new Set(values)];

/**
 * The `values` list to send. `scope` 'changed' lists only the changed attributes (PATCH); 'all' lists
 * every writable attribute of the user with the changes applied (PUT).
 */
export function applyChanges(
	user: OtdsObject,
	changes: AttributeChange[],
	scope: 'changed' | 'all',
	readOnly: Set<string>,
): AttributeValues[] {
	const current = new Map<string, AttributeValues>();
	for (const [name, values] of Object.entries(user.attributes))
		current.set(name.toLowerCase(), { name, values: [...values] });
	const changed = new Set<string>();
	for (const change of changes) {
		const key = change.attribute.toLowerCase();
		const entry = current.get(key) ?? { name: change.attribute, values: [] };
		if (change.action === 'set') entry.values = unique(change.values);
		else if (change.action === 'add') entry.values = unique([...entry.values, ...change.values]);
		// remove with no values deletes the attribute, as set with no values does (same as the LDAP backend).
		else
			entry.values = change.values.length === 0 ? [] : entry.values.filter((value) => !change.values.includes(value));
		current.set(key, entry);
		changed.add(key);
	}
	const result: AttributeValues[] = [];
	for (const [key, entry] of current) {
		if (readOnly.has(key)) continue;
		if (changed.has(key) || (scope === 'all' && entry.values.length > 0))
			result.push({ name: entry.name, values: entry.values });
	}
	return result;
}

/** The user's top-level description field: written beside `values`, never in it. */
const DESCRIPTION = 'description';

/** Splits the description change off: OTDS keeps it as a top-level field of one text. */
function splitDescription(
	user: OtdsObject,
	changes: AttributeChange[],
): { attributes: AttributeChange[]; description?: string | null } {
	const described = changes.filter((change) => change.attribute.toLowerCase() === DESCRIPTION);
	const attributes = changes.filter((change) => change.attribute.toLowerCase() !== DESCRIPTION);
	if (described.length === 0) return { attributes };
	const holder: OtdsObject = {
		id: user.id,
		name: user.name,
		attributes: { [DESCRIPTION]: user.description === undefined ? [] : [user.description] },
	};
	const [result] = applyChanges(holder, described, 'changed', new Set());
	if (result.values.length > 1)
		throw new ConfigurationError(
			FIELD,
			'gives description more than one value: OTDS keeps one description text per user',
		);
	return { attributes, description: result.values[0] ?? null };
}

/** PATCH /users/{id}: the changed attributes, and the description when it changes. */
export function patchBody(
	user: OtdsObject,
	changes: AttributeChange[],
	partition: string | undefined,
): Record<string, unknown> {
	const { attributes, description } = splitDescription(user, changes);
	const body: Record<string, unknown> = {
		userPartitionID: partition,
		values: attributes.length > 0 ? applyChanges(user, attributes, 'changed', new Set()) : [],
	};
	if (description !== undefined) body.description = description;
	return body;
}

/**
 * PUT /users/{id}: the user exactly as GET returned it (`raw`), with the changes applied to its values list and
 * description. Attributes OTDS maintains itself go back as read.
 */
export function putBody(raw: Record<string, unknown>, changes: AttributeChange[]): Record<string, unknown> {
	const user = parseOtdsObject(raw);
	if (!user) throw new RequestError('protocol', `OTDS answered without a user to write`, 'Check the Server URL');
	const { attributes, description } = splitDescription(user, changes);
	const values = applyChanges(user, attributes, 'all', new Set()).filter(
		(entry) => entry.name.toLowerCase() !== DESCRIPTION,
	);
	// The list form of the attributes, as GET without attrsAsKeys gives it: the read shape, not ours.
	const { attributes: _asKeys, ...whole } = raw;
	return { ...whole, values, ...(description !== undefined ? { description } : {}) };
}
