/** LDAP filters built from the directory-level conditions (core/directory/conditions.ts), values escaped. */
import { checkAttributeName } from '../directory/attribute-names';
import type { AttributeCondition } from '../directory/conditions';
import { ConfigurationError } from '../errors';
import { escapeFilterValue } from './escape';

/** Builds one filter component from a condition, escaping the value. */
export function conditionFilter(condition: AttributeCondition, field = 'Conditions'): string {
	const attribute = checkAttributeName(condition.attribute, field);
	const value = escapeFilterValue(condition.value ?? '');
	switch (condition.operator) {
		case 'equals':
			return `(${attribute}=${value})`;
		case 'startsWith':
			return `(${attribute}=${value}*)`;
		case 'endsWith':
			return `(${attribute}=*${value})`;
		case 'contains':
			return `(${attribute}=*${value}*)`;
		case 'present':
			return `(${attribute}=*)`;
		case 'notPresent':
			return `(!(${attribute}=*))`;
		default:
			throw new ConfigurationError(field, `has an unknown operator "${String(condition.operator)}"`);
	}
}

/** Joins filter components with AND; a single component stays as it is. */
export function allOf(components: string[]): string {
	const present = components.filter((component) => component !== '');
	if (present.length === 1) return present[0];
	return `(&${present.join('')})`;
}

/** Joins filter components with OR; a single component stays as it is. */
export function anyOf(components: string[]): string {
	const present = components.filter((component) => component !== '');
	if (present.length === 1) return present[0];
	return `(|${present.join('')})`;
}

/** OR of equality components, one per value, each escaped: e.g. groups by name (`(|(cn=A)(cn=B))`). */
export function equalsAny(attribute: string, values: string[]): string {
	return anyOf(values.map((value) => `(${attribute}=${escapeFilterValue(value)})`));
}
