/**
 * Attribute names typed by users (additional attributes, conditions, mappings, the acknowledgment
 * attribute), checked before any request so that a name can never change the structure of a filter.
 */
import { ConfigurationError } from '../errors';

/** An attribute name as RFC 4512 allows it (descr or numeric OID, with options); anything else is refused. */
export function isValidAttributeName(name: string): boolean {
	return /^([A-Za-z][A-Za-z0-9-]*|\d+(\.\d+)+)(;[A-Za-z0-9-]+)*$/.test(name);
}

/** Checks an attribute name typed by a user; `field` names the editor field in the error. */
export function checkAttributeName(name: string, field: string): string {
	const trimmed = name.trim();
	if (!isValidAttributeName(trimmed)) {
		throw new ConfigurationError(
			field,
			`"${name}" is not a valid LDAP attribute name: use letters, digits and hyphens, e.g. department`,
		);
	}
	return trimmed;
}
