/**
 * Attribute conditions, as users type them (a segment, a search, an audience): the same words for every
 * source. Each source applies them its own way: LDAP builds a filter (core/ldap/filter.ts), OTDS REST
 * checks them on the client (core/otds/conditions.ts).
 */

/** How a condition compares an attribute with a value. */
export type ConditionOperator = 'equals' | 'startsWith' | 'endsWith' | 'contains' | 'present' | 'notPresent';

/** One attribute condition typed by a user; its value is always escaped by the source that applies it. */
export interface AttributeCondition {
	attribute: string;
	operator: ConditionOperator;
	value?: string;
}
