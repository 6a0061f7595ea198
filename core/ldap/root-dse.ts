/**
 * The root DSE as read: attribute values by case-insensitive name, whatever shape they came in. What the
 * profiles read to recognise their product (core/ldap/flavours/) and server-info.ts reads for the rest.
 */
export type RootDse = Record<string, unknown>;

export function rootDseValues(rootDse: RootDse, name: string): string[] {
	const key = Object.keys(rootDse).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
	if (key === undefined) return [];
	const value = rootDse[key];
	const list = Array.isArray(value) ? value : [value];
	return list.filter((item) => item !== undefined && item !== null).map((item) => String(item));
}

export function rootDseValue(rootDse: RootDse, name: string): string | undefined {
	return rootDseValues(rootDse, name)[0];
}
