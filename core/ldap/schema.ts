/**
 * Attribute names typed by a user, checked against the server's own schema (its subschema entry,
 * RFC 4512 section 4.2), so that a typo in Additional Attributes or a segment condition fails at
 * activation with the field and the name, instead of silently matching nobody forever.
 */
import type { LdapSession } from '../../transport/ldap/session';
import { ConfigurationError } from '../errors';
import { attributeValues } from './entry';

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

	/** Throws a ConfigurationError naming the first unknown attribute and its field. */
	check(attributes: TypedAttribute[]): void {
		for (const { field, name } of attributes) {
			if (!this.has(name)) {
				throw new ConfigurationError(
					field,
					`names "${name}", which is not an attribute type of this directory's schema: check the spelling (names are case-insensitive), or ask the directory administrator for the right name`,
				);
			}
		}
	}
}

/**
 * Reads the schema from the subschema entry the root DSE names (DirectoryServerInfo.subschemaSubentry).
 * Undefined when there is none or the server does not let this account read it (then nothing can be
 * checked, and nothing is refused).
 */
export async function readAttributeSchema(
	session: LdapSession,
	subschemaSubentry: string | undefined,
): Promise<AttributeSchema | undefined> {
	if (subschemaSubentry === undefined) return undefined;
	const entries = await session.search(subschemaSubentry, {
		scope: 'base',
		filter: '(objectClass=subschema)',
		attributes: ['attributeTypes'],
	});
	const definitions = entries.length > 0 ? attributeValues(entries[0], 'attributeTypes') : [];
	return definitions.length > 0 ? AttributeSchema.fromDefinitions(definitions) : undefined;
}

const SCHEMA_MAX_AGE_MS = 60 * 60 * 1000;

/** Schemas read lately, by server: a schema changes rarely, and reading it costs a big entry. */
export class AttributeSchemaCache {
	private readonly byServer = new Map<string, { schema: AttributeSchema | undefined; readAt: number }>();

	constructor(private readonly maxAgeMs = SCHEMA_MAX_AGE_MS) {}

	/** Refuses attribute names the server's schema does not know (a typo would silently match nobody). */
	async check(
		session: LdapSession,
		subschemaSubentry: string | undefined,
		attributes: TypedAttribute[],
	): Promise<void> {
		if (attributes.length === 0) return;
		let cached = this.byServer.get(session.server);
		if (cached === undefined || Date.now() - cached.readAt > this.maxAgeMs) {
			cached = { schema: await readAttributeSchema(session, subschemaSubentry), readAt: Date.now() };
			this.byServer.set(session.server, cached);
		}
		cached.schema?.check(attributes);
	}
}
