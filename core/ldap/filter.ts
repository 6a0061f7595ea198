import { DirectoryConfigurationError } from '../errors';
import { escapeFilterValue, isValidAttributeName } from './escape';

/** How a condition compares an attribute with a value. */
export type ConditionOperator = 'equals' | 'startsWith' | 'endsWith' | 'contains' | 'present' | 'notPresent';

/** One attribute condition typed by a user; its value is always escaped. */
export interface AttributeCondition {
	attribute: string;
	operator: ConditionOperator;
	value?: string;
}

/** Checks an attribute name typed by a user; `field` names the editor field in the error. */
export function checkAttributeName(name: string, field: string): string {
	const trimmed = name.trim();
	if (!isValidAttributeName(trimmed)) {
		throw new DirectoryConfigurationError(
			field,
			`"${name}" is not a valid LDAP attribute name: use letters, digits and hyphens, e.g. department`,
		);
	}
	return trimmed;
}

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
			throw new DirectoryConfigurationError(field, `has an unknown operator "${String(condition.operator)}"`);
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
