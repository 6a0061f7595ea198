/**
 * Small helpers shared by the n8n harness files: logging, sleeping, log tails, child-process
 * environments, secret redaction and random ids.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';

/** Receives one human-readable progress line (no trailing newline). */
export type Log = (line: string) => void;

/** Default progress output: straight to stderr, so it shows at once even inside jest. */
export const defaultLog: Log = (line) => {
	process.stderr.write(`[n8n-harness] ${line}\n`);
};

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves true when `promise` settles within `ms`, false otherwise; leaves no timer behind. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
	let timer: NodeJS.Timeout | undefined;
	try {
		return await Promise.race([
			promise.then(
				() => true,
				() => true,
			),
			new Promise<boolean>((resolve) => {
				timer = setTimeout(() => resolve(false), ms);
			}),
		]);
	} finally {
		clearTimeout(timer);
	}
}

/** The last `lines` non-empty lines of a text. */
export function tailLines(text: string, lines = 40): string {
	const all = text.split(/\r?\n/).filter((l) => l.trim() !== '');
	return all.slice(-lines).join('\n');
}

/** The last `lines` lines of a file (reads at most the last 256 KiB); '' when it does not exist. */
export function tailFile(file: string, lines = 40): string {
	try {
		const size = fs.statSync(file).size;
		const length = Math.min(size, 256 * 1024);
		const fd = fs.openSync(file, 'r');
		try {
			const buf = Buffer.alloc(length);
			fs.readSync(fd, buf, 0, length, size - length);
			return tailLines(buf.toString('utf8'), lines);
		} finally {
			fs.closeSync(fd);
		}
	} catch {
		return '';
	}
}

/**
 * A copy of this process's environment without what an `npm run …` / jest parent leaks into it and
 * would change how a child npm or n8n behaves (package/lifecycle variables, the npm prefix that points
 * at this repository, NODE_ENV=test which makes n8n refuse to load nodes).
 */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {};
	for (const [key, value] of Object.entries(process.env)) {
		const k = key.toLowerCase();
		if (
			k.startsWith('npm_package_') ||
			k.startsWith('npm_lifecycle_') ||
			k === 'npm_config_local_prefix' ||
			k === 'npm_config_prefix' ||
			k === 'npm_config_global' ||
			k.startsWith('npm_config_workspace') ||
			k === 'npm_command' ||
			k === 'init_cwd' ||
			k === 'node_env' ||
			k === 'jest_worker_id'
		) {
			continue;
		}
		env[key] = value;
	}
	for (const [key, value] of Object.entries(extra)) {
		if (value === undefined) delete env[key];
		else env[key] = value;
	}
	return env;
}

/** Replaces every occurrence of the given secret strings (those of 4+ characters) with `***`. */
export function redact(text: string, secrets: Iterable<string>): string {
	let out = text;
	for (const secret of secrets) {
		if (typeof secret !== 'string' || secret.length < 4) continue;
		out = out.split(secret).join('***');
	}
	return out;
}

/** All string leaves of a credential data object (what must never show up in logs or errors). */
export function secretStrings(data: unknown): string[] {
	const found: string[] = [];
	const walk = (value: unknown): void => {
		if (typeof value === 'string') found.push(value);
		else if (Array.isArray(value)) value.forEach(walk);
		else if (value && typeof value === 'object') Object.values(value).forEach(walk);
	};
	walk(data);
	return found;
}

/** True when a process with this id exists (and is visible to us). */
export function pidAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/** A random id of letters and digits (workflow ids, names of temporary credentials). */
export function randomId(length = 16): string {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
	const bytes = crypto.randomBytes(length);
	return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}
