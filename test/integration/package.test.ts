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

	it('declares no runtime dependencies', () => {
		expect(packageJson.dependencies ?? {}).toEqual({});
	});

	it('packs only dist/, the manifest, README and LICENSE', () => {
		const report = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' })) as Array<{ files: Array<{ path: string }> }>;
		const files = report[0].files.map((file) => file.path);
		const outside = files.filter((file) => !file.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE'].includes(file));
		expect(outside).toEqual([]);
		for (const entry of [...packageJson.n8n.nodes, ...packageJson.n8n.credentials]) expect(files).toContain(entry);
		expect(files.some((file) => file.includes('node_modules'))).toBe(false);
		expect(files.filter((file) => file.endsWith('.svg')).length).toBeGreaterThanOrEqual(2);
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
			const output = execFileSync(process.execPath, ['-e', script], { cwd: sandbox, encoding: 'utf8', env: { ...process.env, NODE_PATH: '' } });
			expect(JSON.parse(output)).toEqual([
				'openTextDirectoryServices',
				'openTextDirectoryServicesTrigger',
				'openTextPush',
				'openTextPushTrigger',
				'openTextDirectoryLdap',
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
