#!/usr/bin/env node
/**
 * `node scripts/scan-package.mjs` (the last step of `npm run lint`): n8n's own package scanner,
 * @n8n/scan-community-package, on this package before it is published. n8n reviews community packages with
 * it, and it differs from our `eslint .` in two ways that matter: it adds the rules of
 * eslint-plugin-n8n-nodes-base, and it ignores eslint-disable comments.
 *
 * Two legs, as the scanner itself runs them on a published package:
 * - the source: what ships (nodes, credentials, core, transport) and package.json;
 * - the tarball: a fresh `npm run build`, packed with `npm pack` and unpacked, its compiled .js and package.json.
 *
 * Each leg is linted with the scanner's own ESLint configuration (buildScanConfig) and with inline
 * configuration off, the way its analyzePackage does; this script only collects the messages one by one so that
 * the allow-list below can be applied. Any error not on the list fails the run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = process.cwd();
const require = createRequire(join(root, 'package.json'));
const scannerPath = require.resolve('@n8n/scan-community-package/scanner/scanner.mjs');
// ESLint and fast-glob as the scanner resolves them, so a different copy in our own tree cannot change the result.
const scannerRequire = createRequire(scannerPath);
// Loading the scanner makes a temporary folder (for packages it downloads); have it removed when we exit.
scannerRequire('tmp').setGracefulCleanup();
const scanner = await import(pathToFileURL(scannerPath).href);
const { ESLint } = await import(pathToFileURL(scannerRequire.resolve('eslint')).href);
const glob = (await import(pathToFileURL(scannerRequire.resolve('fast-glob')).href)).default;

const BUNDLE = 'dist/transport/ldap/ldapts.js';
const restrictedImport = (module) => ({
	rule: '@n8n/community-nodes/no-restricted-imports',
	message: `'${module}' is not allowed`,
});
const restrictedGlobal = (name) => ({
	rule: '@n8n/community-nodes/no-restricted-globals',
	message: `global '${name}' is not allowed`,
});

/**
 * What the tarball may still report, and why. Only the bundled LDAP client (ldapts, see gulpfile.js), and only
 * what LDAP itself needs; the README's "What n8n's package scanner reports" says the same for users.
 */
const ALLOWED = [
	// LDAP is a TCP protocol: the client opens its connection with node:net (ldap://, StartTLS) ...
	{ file: BUNDLE, ...restrictedImport('node:net') },
	// ... or node:tls (ldaps://, and the upgrade of a StartTLS connection). n8n-workflow offers only HTTP.
	{ file: BUNDLE, ...restrictedImport('node:tls') },
	// The connect and operation timeouts (the credential's "Connect Timeout" and "Timeout") are timers on the
	// socket; n8n-workflow's sleep helpers cannot cancel a pending LDAP request.
	{ file: BUNDLE, ...restrictedGlobal('setTimeout') },
	{ file: BUNDLE, ...restrictedGlobal('clearTimeout') },
];

/**
 * n8n wants an author e-mail address in package.json, in the source and in the tarball. No real address is known
 * yet and a placeholder would mislead, so the author is a name only until the maintainers give one: then add
 * "email" to package.json's author and delete this entry.
 */
const AWAITING_AUTHOR_EMAIL = {
	file: 'package.json',
	rule: '@n8n/community-nodes/valid-author',
	message: 'non-empty email',
};

/** The scanner's analyzePackage, message by message: same configuration, inline configuration off, same files. */
async function scan(directory, patterns) {
	const eslint = new ESLint({
		cwd: directory,
		allowInlineConfig: false,
		overrideConfigFile: true,
		overrideConfig: await scanner.buildScanConfig(),
	});
	const files = glob.sync(patterns, {
		cwd: directory,
		absolute: true,
		ignore: ['node_modules/**', '**/package-lock.json'],
	});
	const results = await eslint.lintFiles(files);
	const errors = results.flatMap((result) =>
		result.messages
			.filter((message) => message.severity === 2)
			.map((message) => ({ file: relative(directory, result.filePath), ...message })),
	);
	return { files: files.length, errors };
}

const matches = (entry, error, file) =>
	entry.file === file &&
	entry.rule === error.ruleId &&
	(entry.message === undefined || error.message.includes(entry.message));

/** Splits a leg's errors into the allowed and the failures; prints them; returns the failure count. */
function report(leg, { files, errors }, fileOf, allowed) {
	const used = new Set();
	const failures = [];
	let accepted = 0;
	for (const error of errors) {
		const entry = allowed.find((candidate) => matches(candidate, error, fileOf(error)));
		if (entry) {
			used.add(entry);
			accepted += 1;
		} else {
			failures.push(error);
		}
	}
	for (const error of failures)
		process.stdout.write(`  ${fileOf(error)}:${error.line}:${error.column}  ${error.ruleId}  ${error.message}\n`);
	process.stdout.write(
		`${leg}: ${files} files, ${errors.length} errors reported, ${accepted} of them allowed, ${failures.length} failing\n`,
	);
	for (const entry of allowed.filter((candidate) => !used.has(candidate))) {
		process.stdout.write(
			`  note: the allow-list entry ${entry.file} ${entry.rule} ${entry.message ?? ''} matched nothing: remove it\n`,
		);
	}
	return failures.length;
}

let failures = report(
	'source',
	await scan(root, [...scanner.SOURCE_FILE_PATTERNS, '{core,transport}/**/*.{js,ts,json}']),
	(error) => error.file,
	[AWAITING_AUTHOR_EMAIL],
);

const workspace = mkdtempSync(join(tmpdir(), 'otdp-scan-'));
try {
	execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
	execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', workspace], {
		cwd: root,
		stdio: ['ignore', 'ignore', 'inherit'],
	});
	const tarball = readdirSync(workspace).find((file) => file.endsWith('.tgz'));
	const unpacked = join(workspace, 'package');
	mkdirSync(unpacked);
	execFileSync('tar', ['-xzf', join(workspace, tarball), '-C', unpacked, '--strip-components=1']);
	// The scanner's tarball leg: compiled JavaScript and the published package.json.
	failures += report('tarball', await scan(unpacked, ['**/*.js', 'package.json']), (error) => error.file, [
		...ALLOWED,
		AWAITING_AUTHOR_EMAIL,
	]);
} finally {
	rmSync(workspace, { recursive: true, force: true });
}

if (failures > 0) {
	process.stdout.write(`n8n's package scanner: ${failures} errors to fix (it ignores eslint-disable comments)\n`);
	process.exit(1);
}
