/**
 * Adding a new entry: the product's plan (object classes, naming attribute, mandatory attributes) with the
 * caller's further attributes, checked: valid names, never a credential attribute (passwords go through Set
 * Password), not the naming attribute (it comes from the login or name).
 */
import { ConfigurationError } from '../../errors';
import { checkAttributeName, isSecretAttribute } from '../../directory/attribute-names';
import { ldapResultCode } from '../../../transport/ldap/failures';
import { Attribute } from '../../../transport/ldap/ldapts';
import type { NewEntry } from '../flavours';
import { failureOf, refusalExplained, type ManageContext } from './context';

/** entryAlreadyExists (RFC 4511). */
const ENTRY_ALREADY_EXISTS = 68;

/** The attributes of a new entry: the plan's, with `extra` added (object classes) or replacing (the others). */
export function newEntryAttributes(
	planned: NewEntry,
	extra: Record<string, unknown>,
	field: string,
): Record<string, string[]> {
	const attributes: Record<string, string[]> = {};
	const keyOf = (name: string) =>
		Object.keys(attributes).find((known) => known.toLowerCase() === name.toLowerCase()) ?? name;
	for (const [name, values] of Object.entries(planned.attributes)) attributes[name] = [...values];
	for (const [rawName, values] of Object.entries(extra)) {
		const name = checkAttributeName(rawName, field);
		if (isSecretAttribute(name)) {
			throw new ConfigurationError(
				field,
				`names "${name}", which holds a password or key: set passwords with the Password field or Set Password, never as an attribute`,
			);
		}
		if (name.toLowerCase() === planned.rdn.attribute.toLowerCase()) {
			throw new ConfigurationError(field, `names "${name}", the naming attribute: it is set from the login or name`);
		}
		const list = Array.isArray(values) ? values : [values];
		if (list.some((value) => typeof value !== 'string')) {
			throw new ConfigurationError(field, `values of ${name} must be texts`);
		}
		const texts = [...new Set(list as string[])];
		if (name.toLowerCase() === 'objectclass') {
			const key = keyOf(name);
			const known = (attributes[key] ?? []).map((value) => value.toLowerCase());
			attributes[key] = [...(attributes[key] ?? []), ...texts.filter((value) => !known.includes(value.toLowerCase()))];
		} else if (texts.length > 0) {
			delete attributes[keyOf(name)];
			attributes[name] = texts;
		}
	}
	return attributes;
}

/**
 * Adds the entry; false (nothing written) when an entry with that DN exists already. Attribute errors are
 * checked before anything is sent.
 */
export async function addEntry(
	context: ManageContext,
	dn: string,
	planned: NewEntry,
	extra: Record<string, unknown>,
	field: string,
	what: string,
): Promise<boolean> {
	const attributes = newEntryAttributes(planned, extra, field);
	const list = Object.entries(attributes).map(([type, values]) => new Attribute({ type, values }));
	const failure = await failureOf(refusalExplained(context, context.session.add(dn, list), what, dn));
	if (failure === undefined) return true;
	if (ldapResultCode(failure) === ENTRY_ALREADY_EXISTS) return false;
	throw failure;
}
