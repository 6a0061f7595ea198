/**
 * Range retrieval of attribute values, the way Active Directory returns big multi-valued attributes
 * (MS-ADTS 3.1.1.3.1.3.3): a group with more values than the server's MaxValRange (1500 by default) sends
 * `member;range=0-1499` instead of `member`; the client asks for `member;range=1500-*`, then the next
 * range, until the server answers with a range ending in `*` (the last one). Other servers always send
 * the whole attribute, which this reads in one go.
 */
import type { Entry, SearchOptions } from '../../transport/ldap/ldapts';
import { attributeValues } from './entry';
import type { FlavourProfile } from './flavours/profile';

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

/**
 * The first window asked for where members come in ranges: AD's default MaxValRange. AD answers it like
 * `0-*` (a DC with a smaller MaxValRange clips it and says so in the range it returns; a group that fits
 * comes back as `0-*`), and Samba, which answers `0-*` with every value at once, answers it in ranges too.
 */
const FIRST_RANGE = '0-1499';

/**
 * How to ask for all of a group's members: from the first range (`member;range=0-1499`) where the directory
 * answers in ranges, else by the attribute's name. readRangeStep and readAllValues read both answers.
 */
export function memberRequest(profile: Pick<FlavourProfile, 'memberAttribute' | 'rangedMembers'>): string {
	return profile.rangedMembers ? `${profile.memberAttribute};range=${FIRST_RANGE}` : profile.memberAttribute;
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
 * Interprets one entry returned for `attribute`, `attribute;range=0-1499` or `attribute;range=N-*`.
 * ldapts adds an empty value list under every requested attribute name the server did not return, so an
 * answer to `member;range=1500-*` that carries `member;range=1500-2999` also shows an empty
 * `member;range=1500-*`, and one to `member;range=0-1499` that carries `member;range=0-*` an empty
 * `member;range=0-1499`: the range holding values is the server's. A range holding none is the end (a server
 * that returned a numeric range without values would otherwise send us round in circles).
 */
export function readRangeStep(entry: Entry, attribute: string): RangeStep {
	for (const { key, range } of rangedKeys(entry, attribute)) {
		const values = attributeValues(entry, key);
		if (values.length === 0) continue;
		return range.end === '*' ? { values } : { values, next: range.end + 1 };
	}
	return { values: attributeValues(entry, attribute) };
}

/**
 * Streams all values of a multi-valued attribute of one entry, one server answer at a time, following
 * ranges where the server uses them. `request` is the attribute, or its first range (`member;range=0-1499`,
 * see memberRequest). `first` is an entry already read with `request` (it saves one request); without it
 * the entry is read first. Stops after `maxRequests` as a guard against a server that never ends its ranges.
 */
export async function* readAllValues(
	reader: EntryReader,
	dn: string,
	request: string,
	first?: Entry,
	maxRequests = 100_000,
): AsyncGenerator<string[]> {
	const attribute = parseRangeOption(request)?.attribute ?? request;
	let entry = first ?? (await readOne(reader, dn, request));
	for (let requests = 1; entry !== undefined; requests++) {
		const step = readRangeStep(entry, attribute);
		if (step.values.length > 0) yield step.values;
		if (step.next === undefined) return;
		if (requests >= maxRequests)
			throw new Error(`Range retrieval of ${attribute} on ${dn} did not end after ${maxRequests} requests`);
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
