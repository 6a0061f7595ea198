/**
 * Build steps after `tsc` has compiled the TypeScript into dist/:
 * - bundle: replaces the compiled transport/ldap/ldapts.js (a plain `require('ldapts')`) with a
 *   self-contained bundle of ldapts and its dependencies, so the package needs no runtime dependency;
 * - assets: copies icons (SVG/PNG) and codex files (*.node.json) next to the compiled nodes.
 */
const { src, dest, series } = require('gulp');
const esbuild = require('esbuild');
const path = require('path');

/**
 * Modules the bundle takes from transport/ldap/bundle-shims/ instead (each shim says why). Without them the
 * bundle was 542 KB, most of it whatwg-url's Unicode tables and debug's terminal handling, and n8n's package
 * scanner flagged their use of process, the console, os, tty, util, assert and events.
 */
const SHIMS = {
	'whatwg-url': 'url.ts',
	debug: 'debug.ts',
	'safer-buffer': 'buffer.ts',
	assert: 'assert.ts',
	'node:assert': 'assert.ts',
	'node:util': 'text-decoder.ts',
	'node:events': 'events.ts',
};

const shims = {
	name: 'ldapts-shims',
	setup(build) {
		const names = Object.keys(SHIMS).map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
		build.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, (args) => ({
			path: path.join(__dirname, 'transport', 'ldap', 'bundle-shims', SHIMS[args.path]),
		}));
	},
};

function bundle() {
	return esbuild.build({
		entryPoints: ['transport/ldap/ldapts.ts'],
		outfile: 'dist/transport/ldap/ldapts.js',
		bundle: true,
		platform: 'node',
		target: 'node20',
		format: 'cjs',
		legalComments: 'inline',
		logLevel: 'warning',
		plugins: [shims],
	});
}

function assets() {
	return src(['nodes/**/*.{svg,png}', 'nodes/**/*.node.json', 'credentials/**/*.{svg,png}'], {
		base: '.',
		encoding: false,
	}).pipe(dest('dist'));
}

exports.build = series(bundle, assets);
exports.default = exports.build;
