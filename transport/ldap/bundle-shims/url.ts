/**
 * Stands in for the whatwg-url package in the ldapts bundle (see gulpfile.js). ldapts calls its parseURL once,
 * to read the scheme, host and port of the server URL; Node's own URL is the same WHATWG parser, so the
 * package's 300 KB (tr46's Unicode tables, punycode, webidl conversions) need not ship.
 *
 * What ldapts does with the result: a string host is cut at its first ':', an array host is joined with ':' (that
 * is how whatwg-url returns an IPv6 address, as its eight numbers), and a missing port means 389 or 636.
 */
export interface ParsedLdapUrl {
	scheme: string;
	/** A host name or IPv4 address, or an IPv6 address as its ':'-separated parts (joined again by ldapts). */
	host: string | string[] | null;
	port: number | null;
}

export function parseURL(input: string): ParsedLdapUrl | null {
	let url: URL;
	try {
		url = new URL(input);
	} catch {
		// whatwg-url's answer to an unparseable URL; ldapts then reports an invalid LDAP URL.
		return null;
	}
	const hostname = url.hostname;
	const ipv6 = /^\[(.*)\]$/.exec(hostname);
	return {
		scheme: url.protocol.replace(/:$/, ''),
		// ldapts joins an array with ':' and gets the address back, in the compressed form Node's URL gives it
		// (e.g. ::1), which is what net.connect takes.
		host: ipv6 ? ipv6[1].split(':') : hostname,
		port: url.port === '' ? null : Number(url.port),
	};
}
