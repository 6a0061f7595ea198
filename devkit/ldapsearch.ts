/**
 * The `ldapsearch` program of the OpenLDAP the devkit runs, as the benchmarks' reference for what a search costs
 * outside this package. Its LDIF goes to a file (or /dev/null), so that writing costs what writing costs.
 *
 * Starting it forks the calling process (Node starts children with fork): the caller's next writes to its memory
 * then fault page by page (copy on write). A benchmark keeps such runs out of the rounds it times its own code in.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { findOpenLdap } from './schema/slapd-conf';
import type { Slapd } from './slapd';

export interface LdapsearchOptions {
	base: string;
	filter: string;
	attributes: string[];
	/** Page through the results this many at a time (the simple paged results control); unpaged when absent. */
	pageSize?: number;
	/** Where the LDIF goes (default /dev/null): given a file, the entries written there are counted. */
	output?: string;
}

/** Runs ldapsearch as the slapd's admin; resolves with the entries written to `output`, or −1 for /dev/null. */
export function runLdapsearch(slapd: Slapd, options: LdapsearchOptions): Promise<number> {
	const output = options.output ?? '/dev/null';
	const program = join(dirname(findOpenLdap().ldapmodify), 'ldapsearch');
	const args = [
		'-x',
		'-LLL',
		'-H',
		slapd.url,
		'-D',
		slapd.adminDN,
		'-w',
		slapd.adminPassword,
		'-b',
		options.base,
		...(options.pageSize !== undefined ? ['-E', `pr=${options.pageSize}/noprompt`] : []),
		options.filter,
		...options.attributes,
	];
	const fd = openSync(output, 'w');
	return new Promise((resolve, reject) => {
		const child = spawn(program, args, { stdio: ['ignore', fd, 'pipe'], env: { ...process.env, LDAPNOINIT: '1' } });
		let stderr = '';
		child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.on('error', reject);
		child.on('close', (code) => {
			closeSync(fd);
			if (code !== 0) reject(new Error(`ldapsearch exited with ${code}: ${stderr}`));
			else resolve(output === '/dev/null' ? -1 : countEntries(readFileSync(output, 'utf8')));
		});
	});
}

/** Entries in LDIF text, counted without a regular expression (V8 keeps the last subject of one alive). */
function countEntries(ldif: string): number {
	let count = ldif.startsWith('dn:') ? 1 : 0;
	for (let at = ldif.indexOf('\ndn:'); at !== -1; at = ldif.indexOf('\ndn:', at + 1)) count++;
	return count;
}
