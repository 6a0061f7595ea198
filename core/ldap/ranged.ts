/**
 * Range retrieval of attribute values, the way Active Directory returns big multi-valued attributes
 * (MS-ADTS 3.1.1.3.1.3.3): a group with more values than the server's MaxValRange (1500 by default) sends
 * `member;range=0-1499` instead of `member`; the client asks for `member;range=1500-*`, then the next
 * range, until the server answers with a range ending in `*` (the last one). Other servers always send
 * the whole attribute, which this reads in one go.
 */
import type { Entry, SearchOptions } from '../../transport/ldap/ldapts';
import { attributeValues } from './entry';

/** The one thing range retrieval needs from a session. */
export interface EntryReader {
	search(baseDN: string, options: SearchOptions): Promise<Entry[]>;
}

export interface AttributeRange {
	/** The attribute description without the range option. */
	attribute: string;
	start: number;
	/** Index of the last value returned, or '*' when no value follows. */
	end: number | '*';
}

/** Reads `member;range=0-1499` → { attribute: 'member', start: 0, end: 1499 }; undefined for other names. */
export function parseRangeOption(description: string): AttributeRange | undefined {
	const match = /^(.+);range=(\d+)-(\d+|\*)$/i.exec(description);
	if (!match) return undefined;
	const [, attribute, start, end] = match;
	return { attribute, start: Number(start), end: end === '*' ? '*' : Number(end) };
}

/** The ranged keys of an entry for one attribute, e.g. `member;range=0-1499`. */
function rangedKeys(entry: Entry, attribute: string): Array<{ key: string; range: AttributeRange }> {
	const wanted = attribute.toLowerCase();
	const found: Array<{ key: string; range: AttributeRange }> = [];
	for (const key of Object.keys(entry)) {
		const range = parseRangeOption(key);
		if (range && range.attribute.toLowerCase() === wanted) found.push({ key, range });
	}
	return found;
}

/** One step of the protocol: the values an entry carries for the attribute, and where to go on. */
export interface RangeStep {
	values: string[];
	/** The index to ask for next (`attribute;range=<next>-*`), or undefined when all values were read. */
	next?: number;
}

/**
 * Interprets one entry returned for `attribute` or `attribute;range=N-*`.
 * ldapts adds an empty value list under every requested attribute name the server did not return, so an
 * answer to `member;range=1500-*` that carries `member;range=1500-2999` also shows an empty
 * `member;range=1500-*`: a range with a numeric end is the server's, and wins.
 */
export function readRangeStep(entry: Entry, attribute: string): RangeStep {
	const ranged = rangedKeys(entry, attribute);
	const partial = ranged.find(({ range }) => range.end !== '*');
	if (partial) {
		const values = attributeValues(entry, partial.key);
		// A server that returned a range holding no value would send us round in circles: stop there.
		if (values.length === 0) return { values };
		return { values, next: (partial.range.end as number) + 1 };
	}
	const last = ranged.find(({ range }) => range.end === '*');
	if (last) return { values: attributeValues(entry, last.key) };
	return { values: attributeValues(entry, attribute) };
}

/**
 * Streams all values of a multi-valued attribute of one entry, one server answer at a time, following
 * ranges where the server uses them. `first` is an entry already read with `attribute` requested (it
 * saves one request); without it the entry is read first. Stops after `maxRequests` as a guard against
 * a server that never ends its ranges.
 */
export async function* readAllValues(
	reader: EntryReader,
	dn: string,
	attribute: string,
	first?: Entry,
	maxRequests = 100_000,
): AsyncGenerator<string[]> {
	let entry = first ?? (await readOne(reader, dn, attribute));
	for (let requests = 1; entry !== undefined; requests++) {
		const step = readRangeStep(entry, attribute);
		if (step.values.length > 0) yield step.values;
		if (step.next === undefined) return;
		if (requests >= maxRequests) throw new Error(`Range retrieval of ${attribute} on ${dn} did not end after ${maxRequests} requests`);
		entry = await readOne(reader, dn, `${attribute};range=${step.next}-*`);
	}
}

async function readOne(reader: EntryReader, dn: string, attribute: string): Promise<Entry | undefined> {
	const entries = await reader.search(dn, { scope: 'base', filter: '(objectClass=*)', attributes: [attribute] });
	return entries[0];
}

/** Counts the values of an attribute on an entry already read, without holding more than one range. */
export async function countValues(reader: EntryReader, entry: Entry, attribute: string): Promise<number> {
	let count = 0;
	for await (const values of readAllValues(reader, entry.dn, attribute, entry)) count += values.length;
	return count;
}

/** Whether an entry carries the attribute only as a partial range (AD, more values than MaxValRange). */
export function isRanged(entry: Entry, attribute: string): boolean {
	return readRangeStep(entry, attribute).next !== undefined;
}
