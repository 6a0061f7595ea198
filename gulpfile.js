/**
 * Build steps after `tsc` has compiled the TypeScript into dist/:
 * - bundle: replaces the compiled transport/ldap/ldapts.js (a plain `require('ldapts')`) with a
 *   self-contained bundle of ldapts and its dependencies, so the package needs no runtime dependency, and writes
 *   dist/THIRD_PARTY_NOTICES.md with the licence of every package in that bundle (their licences ask for it);
 * - assets: copies icons (SVG/PNG) and codex files (*.node.json) next to the compiled nodes.
 */
const { src, dest, series } = require('gulp');
const esbuild = require('esbuild');
const fs = require('fs');
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

/** The folders of the npm packages esbuild took code from, by the paths in its metafile. */
function bundledPackageFolders(metafile) {
	const folders = new Set();
	for (const input of Object.keys(metafile.inputs)) {
		const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/@][^/]*)\//.exec(input);
		if (match) folders.add(path.resolve(__dirname, match[1]));
	}
	return [...folders];
}

/** dist/THIRD_PARTY_NOTICES.md: name, version, licence and the licence text of every bundled package. */
function writeNotices(metafile) {
	const packages = bundledPackageFolders(metafile)
		.map((folder) => {
			const manifest = JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8'));
			const licenceFile = fs.readdirSync(folder).find((file) => /^(licen[cs]e|copying)(\.|$)/i.test(file));
			if (!licenceFile)
				throw new Error(`${manifest.name} is bundled but ships no licence file: add its notice by hand`);
			return { ...manifest, text: fs.readFileSync(path.join(folder, licenceFile), 'utf8').trim() };
		})
		.sort((a, b) => a.name.localeCompare(b.name));
	const sections = packages.map(
		(pkg) => `## ${pkg.name} ${pkg.version} (${pkg.license})\n\n\`\`\`text\n${pkg.text}\n\`\`\`\n`,
	);
	const notices = [
		'# Third-party notices',
		'',
		'`transport/ldap/ldapts.js` bundles the following packages. Their licences follow, as each package ships it.',
		'',
		...sections,
	].join('\n');
	fs.writeFileSync(path.join(__dirname, 'dist', 'THIRD_PARTY_NOTICES.md'), notices);
}

async function bundle() {
	const result = await esbuild.build({
		entryPoints: ['transport/ldap/ldapts.ts'],
		outfile: 'dist/transport/ldap/ldapts.js',
		bundle: true,
		platform: 'node',
		target: 'node20',
		format: 'cjs',
		legalComments: 'inline',
		logLevel: 'warning',
		plugins: [shims],
		metafile: true,
	});
	writeNotices(result.metafile);
}

function assets() {
	return src(['nodes/**/*.{svg,png}', 'nodes/**/*.node.json', 'credentials/**/*.{svg,png}'], {
		base: '.',
		encoding: false,
	}).pipe(dest('dist'));
}

exports.build = series(bundle, assets);
exports.default = exports.build;
