/**
 * Attribute conditions for OTDS searches. OTDS REST has no attribute filter language (only the text
 * filter `where_filter`, whose exact semantics are not public), so every condition is checked here, on
 * the client, case-insensitively. `where_filter` is only used to narrow what the server sends, with a value
 * taken from a condition on an attribute it is known to search; the condition is still checked here.
 */
import { ConfigurationError } from '../errors';
import type { AttributeCondition } from '../directory/conditions';
import { attributeValues, type OtdsObject } from './mapping';

const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** Checks an attribute name a user typed; `field` names the editor field in the error. */
export function checkOtdsAttributeName(name: string, field: string): string {
	const trimmed = (name ?? '').trim();
	if (!ATTRIBUTE_NAME.test(trimmed)) {
		throw new ConfigurationError(
			field,
			`"${name}" is not a valid OTDS attribute name: use letters, digits, hyphens and underscores, e.g. oTDepartment`,
		);
	}
	return trimmed;
}

const OPERATORS = new Set(['equals', 'startsWith', 'endsWith', 'contains', 'present', 'notPresent']);

/** Validates conditions up front, so a bad one fails before any request. */
export function checkConditions(
	conditions: AttributeCondition[] | undefined,
	field = 'Conditions',
): AttributeCondition[] {
	return (conditions ?? []).map((condition) => {
		const attribute = checkOtdsAttributeName(condition.attribute, field);
		if (!OPERATORS.has(condition.operator)) {
			throw new ConfigurationError(field, `has an unknown operator "${String(condition.operator)}"`);
		}
		const needsValue = condition.operator !== 'present' && condition.operator !== 'notPresent';
		if (needsValue && (condition.value === undefined || condition.value === '')) {
			throw new ConfigurationError(field, `needs a value for ${attribute} ${condition.operator}`);
		}
		return { ...condition, attribute };
	});
}

/** One condition against an attribute's values: true when any value satisfies it. */
export function valuesMatch(values: string[], condition: AttributeCondition): boolean {
	const present = values.filter((value) => value !== '');
	if (condition.operator === 'present') return present.length > 0;
	if (condition.operator === 'notPresent') return present.length === 0;
	const wanted = (condition.value ?? '').toLowerCase();
	return present.some((raw) => {
		const value = raw.toLowerCase();
		switch (condition.operator) {
			case 'equals':
				return value === wanted;
			case 'startsWith':
				return value.startsWith(wanted);
			case 'endsWith':
				return value.endsWith(wanted);
			case 'contains':
				return value.includes(wanted);
			default:
				return false;
		}
	});
}

export function matchesAll(object: OtdsObject, conditions: AttributeCondition[]): boolean {
	return conditions.every((condition) => valuesMatch(attributeValues(object, condition.attribute), condition));
}

/**
 * A value for `where_filter`, or undefined. Only conditions that demand a value (equals, startsWith,
 * endsWith, contains) on an attribute the server's text filter searches qualify: a text "contains" on
 * that attribute returns a superset of what the condition accepts. Values with `*` are skipped in case
 * the server treats it as a wildcard. The longest value wins (the most selective).
 */
export function serverTextFilter(conditions: AttributeCondition[], searchedAttributes: string[]): string | undefined {
	const searched = new Set(searchedAttributes.map((name) => name.toLowerCase()));
	const candidates = conditions
		.filter((c) => ['equals', 'startsWith', 'endsWith', 'contains'].includes(c.operator))
		.filter(
			(c) =>
				searched.has(c.attribute.toLowerCase()) &&
				c.value !== undefined &&
				c.value.trim() !== '' &&
				!c.value.includes('*'),
		)
		.map((c) => (c.value as string).trim());
	candidates.sort((a, b) => b.length - a.length);
	return candidates[0];
}
