import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * What `npm pack` ships: only what n8n loads, no runtime dependency, and compiled files that load with
 * nothing but n8n-workflow beside them (ldapts is bundled). Needs `npm run build` first (npm test does it).
 */
const root = path.resolve(__dirname, '../..');
const packageJson = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
	name: string;
	dependencies?: Record<string, string>;
	n8n: { credentials: string[]; nodes: string[] };
};

describe('the published package', () => {
	beforeAll(() => {
		if (!fs.existsSync(path.join(root, 'dist'))) throw new Error('dist/ is missing: run `npm run build` first');
	});

	it('names only files that ship and no placeholder contact (n8n loads the files in its "n8n" field; main is not used)', () => {
		const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { main?: string };
		if (manifest.main !== undefined) expect(fs.existsSync(path.join(root, manifest.main))).toBe(true);
		expect(JSON.stringify(manifest)).not.toMatch(/example\.(org|com|net)/);
	});

	it("has a README whose links and images resolve on the package's page (nothing relative: only README ships)", () => {
		const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
		const targets = [...readme.matchAll(/!?\[[^\]]*\]\(([^)\s]+)[^)]*\)|<(?:img|a)\s[^>]*(?:src|href)="([^"]+)"/g)].map(
			(match) => match[1] ?? match[2],
		);
		expect(targets.filter((target) => !/^(https?:|mailto:|#)/.test(target))).toEqual([]);
	});

	it('declares no runtime dependencies', () => {
		expect(packageJson.dependencies ?? {}).toEqual({});
	});

	it('packs only dist/, the manifest, README and LICENSE', () => {
		const report = JSON.parse(
			execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }),
		) as Array<{ files: Array<{ path: string }> }>;
		const files = report[0].files.map((file) => file.path);
		const outside = files.filter(
			(file) => !file.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE'].includes(file),
		);
		expect(outside).toEqual([]);
		for (const entry of [...packageJson.n8n.nodes, ...packageJson.n8n.credentials]) expect(files).toContain(entry);
		expect(files.some((file) => file.includes('node_modules'))).toBe(false);
		expect(files.filter((file) => file.endsWith('.svg')).length).toBeGreaterThanOrEqual(2);
	});

	it('ships the licence of every package bundled into the LDAP client', () => {
		// esbuild heads each module's code in the bundle with its path: the packages are those under node_modules.
		const bundle = fs.readFileSync(path.join(root, 'dist/transport/ldap/ldapts.js'), 'utf8');
		const bundled = new Set(
			[...bundle.matchAll(/^\/\/ (?:.*\/)?node_modules\/((?:@[^/]+\/)?[^/]+)\//gm)].map((match) => match[1]),
		);
		expect(bundled).toContain('ldapts');
		const notices = fs.readFileSync(path.join(root, 'dist/THIRD_PARTY_NOTICES.md'), 'utf8');
		for (const name of bundled) {
			const { version, license } = JSON.parse(
				fs.readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8'),
			) as { version: string; license: string };
			const heading = `## ${name} ${version} (${license})\n\n\`\`\`text\n`;
			expect(notices).toContain(heading);
			// The licence text itself follows, as the package ships it.
			const text = notices.slice(notices.indexOf(heading) + heading.length).split('\n```')[0];
			expect(text.length).toBeGreaterThan(100);
		}
		// Every section is a bundled package: nothing listed that is not shipped.
		expect([...notices.matchAll(/^## (\S+) /gm)].map((match) => match[1]).sort()).toEqual([...bundled].sort());
	});

	it('loads every node and credential with only n8n-workflow available (ldapts is bundled)', () => {
		const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'otdp-pack-'));
		try {
			fs.cpSync(path.join(root, 'dist'), path.join(sandbox, 'dist'), { recursive: true });
			const modules = path.join(sandbox, 'node_modules');
			fs.mkdirSync(modules);
			// The only package n8n provides to community nodes.
			fs.symlinkSync(path.join(root, 'node_modules', 'n8n-workflow'), path.join(modules, 'n8n-workflow'));
			const entries = [...packageJson.n8n.nodes, ...packageJson.n8n.credentials];
			const script = `
				const names = [];
				for (const entry of ${JSON.stringify(entries)}) {
					const exported = require('./' + entry);
					for (const Type of Object.values(exported)) {
						const instance = new Type();
						names.push(instance.description ? instance.description.name : instance.name);
					}
				}
				process.stdout.write(JSON.stringify(names));`;
			// NODE_PATH is cleared so nothing outside the sandbox can be found.
			const output = execFileSync(process.execPath, ['-e', script], {
				cwd: sandbox,
				encoding: 'utf8',
				env: { ...process.env, NODE_PATH: '' },
			});
			expect(JSON.parse(output)).toEqual([
				'openTextDirectoryServices',
				'openTextDirectoryServicesTrigger',
				'openTextDirectoryServicesInstantTrigger',
				'openTextPush',
				'openTextPushTrigger',
				'openTextDirectoryLdapApi',
				'openTextDirectoryServicesApi',
				'openTextPushAcknowledgmentApi',
				'openTextCloudMessagingApi',
				'openTextAppWorksGatewayApi',
				'openTextFirebaseCloudMessagingApi',
			]);
		} finally {
			fs.rmSync(sandbox, { recursive: true, force: true });
		}
	});
});
