/**
 * Attribute names typed by a user, checked against the server's own schema (its subschema entry,
 * RFC 4512 section 4.2), so that a typo in Additional Attributes or a segment condition fails at
 * activation with the field and the name, instead of silently matching nobody forever.
 */
import type { LdapSession } from '../../transport/ldap/session';
import { DirectoryConfigurationError } from '../errors';
import { attributeValue, attributeValues } from './entry';

/** An attribute name with the editor field it was typed in. */
export interface TypedAttribute {
	field: string;
	name: string;
}

/** The attribute types a server knows, by lower-case name and OID. */
export class AttributeSchema {
	constructor(private readonly known: ReadonlySet<string>) {}

	/** Parses `attributeTypes` values: `( 2.5.4.3 NAME ( 'cn' 'commonName' ) SUP name )`. */
	static fromDefinitions(definitions: string[]): AttributeSchema {
		const known = new Set<string>();
		for (const definition of definitions) {
			const oid = /^\(\s*([\d.]+)/.exec(definition);
			if (oid) known.add(oid[1]);
			const names = /\bNAME\s+(\(([^)]*)\)|'[^']*')/i.exec(definition);
			if (!names) continue;
			for (const quoted of (names[2] ?? names[1]).matchAll(/'([^']+)'/g)) known.add(quoted[1].toLowerCase());
		}
		return new AttributeSchema(known);
	}

	has(name: string): boolean {
		// Attribute options (title;lang-de, member;range=0-1499) do not change the type.
		const type = name.split(';')[0].trim().toLowerCase();
		return this.known.has(type);
	}

	/** Throws a DirectoryConfigurationError naming the first unknown attribute and its field. */
	check(attributes: TypedAttribute[]): void {
		for (const { field, name } of attributes) {
			if (!this.has(name)) {
				throw new DirectoryConfigurationError(
					field,
					`names "${name}", which is not an attribute type of this directory's schema: check the spelling (names are case-insensitive), or ask the directory administrator for the right name`,
				);
			}
		}
	}
}

/**
 * Reads the schema through the root DSE's subschemaSubentry. Undefined when the server does not let this
 * account read it (then nothing can be checked, and nothing is refused).
 */
export async function readAttributeSchema(session: LdapSession): Promise<AttributeSchema | undefined> {
	const root = await session.rootDse(['subschemaSubentry']);
	const subentry = attributeValue(root, 'subschemaSubentry');
	if (subentry === undefined) return undefined;
	const entries = await session.search(subentry, { scope: 'base', filter: '(objectClass=subschema)', attributes: ['attributeTypes'] });
	const definitions = entries.length > 0 ? attributeValues(entries[0], 'attributeTypes') : [];
	return definitions.length > 0 ? AttributeSchema.fromDefinitions(definitions) : undefined;
}
