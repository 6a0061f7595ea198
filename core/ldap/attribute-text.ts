import type { Entry } from '../../transport/ldap/ldapts';
import { rawValue } from './entry';
import { adBinaryText } from './flavours/active-directory';

/**
 * The values of an attribute asked for by name (Additional Attributes), as texts people and workflows can use.
 * Text stays text. Bytes come as Buffers (the binary attributes a profile requests so, and any value that is
 * not UTF-8): AD's SIDs as S-1-5-..., its GUIDs in their string form, other bytes as base64, never as
 * bytes read as if they were UTF-8.
 */
export function attributeTexts(entry: Entry, name: string): string[] {
	const value = rawValue(entry, name);
	if (value === undefined) return [];
	const values: Array<string | Buffer> = Array.isArray(value) ? value : [value];
	return values.map((item) =>
		typeof item === 'string' ? item : (adBinaryText(name, item) ?? item.toString('base64')),
	);
}
