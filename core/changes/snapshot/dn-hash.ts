/**
 * DN hashes for the snapshot: a 32-bit hash of the normalized DN, so case and spacing do not count as a
 * rename. A reconciliation hashes every user's DN, so plain DNs are hashed without building the text.
 */
import { normalizeDn } from '../../ldap/dn';
import { hash32, HASH32_START, hash32Feed, hash32Finish } from './hash';

/** A 32-bit hash of a DN in its normalized form, so case and spacing do not count as a rename. */
export function dnHash(dn: string): number {
	const plain = plainDnHash(dn);
	return plain >= 0 ? plain : hash32(comparableDn(dn));
}

/** Feeds text[from, to) trimmed of spaces and lower-cased (ASCII) into a running hash. */
function feedTrimmedLower(hash: number, text: string, from: number, to: number): number {
	let start = from;
	let end = to;
	while (start < end && text.charCodeAt(start) === 32) start++;
	while (end > start && text.charCodeAt(end - 1) === 32) end--;
	let running = hash;
	for (let index = start; index < end; index++) {
		const code = text.charCodeAt(index);
		running = hash32Feed(running, code >= 65 && code <= 90 ? code + 32 : code);
	}
	return running;
}

/**
 * hash32(comparableDn(dn)) for plain ASCII DNs without building the normalized text (a reconciliation
 * hashes every user's DN); −1 when the DN needs comparableDn (non-ASCII, escapes, odd RDNs).
 */
function plainDnHash(dn: string): number {
	let previousSpace = false;
	for (let index = 0; index < dn.length; index++) {
		const code = dn.charCodeAt(index);
		// The characters NEEDS_PARSER looks for: \ " + # ; < >, whitespace other than the space (so the only
		// whitespace left is the space), and two spaces in a row.
		if (
			code >= 128 ||
			(code >= 9 && code <= 13) ||
			code === 92 ||
			code === 34 ||
			code === 43 ||
			code === 35 ||
			code === 59 ||
			code === 60 ||
			code === 62
		)
			return -1;
		const space = code === 32;
		if (space && previousSpace) return -1;
		previousSpace = space;
	}
	let hash = HASH32_START;
	let partStart = 0;
	for (;;) {
		let partEnd = dn.indexOf(',', partStart);
		if (partEnd < 0) partEnd = dn.length;
		const equals = dn.indexOf('=', partStart);
		if (equals <= partStart || equals >= partEnd) return -1;
		const second = dn.indexOf('=', equals + 1);
		if (second >= 0 && second < partEnd) return -1;
		if (partStart > 0) hash = hash32Feed(hash, 44);
		hash = hash32Feed(feedTrimmedLower(hash, dn, partStart, equals), 61);
		hash = feedTrimmedLower(hash, dn, equals + 1, partEnd);
		if (partEnd === dn.length) return hash32Finish(hash);
		partStart = partEnd + 1;
	}
}

/**
 * Characters that make a DN need the full parser (escapes, quotes, multi-valued RDNs, separators), and whitespace
 * other than the space, which the normalizer turns into a space (the fast path would keep it).
 */
const NEEDS_PARSER = /[\\"+#;<>]|[^\S ]|\s{2}/;

/** Whether a DN is `base` or below it, both as comparableDn gives them. */
export function isAtOrBelow(comparable: string, comparableBase: string): boolean {
	return comparable === comparableBase || comparable.endsWith(`,${comparableBase}`);
}

/**
 * The normalized DN (core/ldap/dn.ts normalizeDn). Plain DNs, nearly all of them, take a fast path
 * giving the same text: a snapshot of 100,000 users hashes 100,000 DNs per full read.
 */
export function comparableDn(dn: string): string {
	if (!NEEDS_PARSER.test(dn)) {
		const parts = dn.split(',');
		if (parts.every((part) => part.indexOf('=') > 0 && part.indexOf('=') === part.lastIndexOf('='))) {
			return parts
				.map((part) => {
					const equals = part.indexOf('=');
					return `${part.slice(0, equals).trim().toLowerCase()}=${part
						.slice(equals + 1)
						.trim()
						.toLowerCase()}`;
				})
				.join(',');
		}
	}
	try {
		return normalizeDn(dn);
	} catch {
		return dn.trim().toLowerCase();
	}
}
