/**
 * Build steps after `tsc` has compiled the TypeScript into dist/:
 * - bundle: replaces the compiled transport/ldap/ldapts.js (a plain `require('ldapts')`) with a
 *   self-contained bundle of ldapts and its dependencies, so the package needs no runtime dependency;
 * - assets: copies icons (SVG/PNG) and codex files (*.node.json) next to the compiled nodes.
 */
const { src, dest, series } = require('gulp');
const esbuild = require('esbuild');

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
