/**
 * The templates and the nodes in the real n8n editor, in Debian's headless Chromium: every template opens
 * with no unknown node and no parameter issue (only its unset credentials), the node panel finds our nodes
 * by "OpenText" and "directory", and each of our nodes' parameter panels renders.
 *
 * Screenshots go to artifacts/editor/ (git-ignored), with one small canvas picture per template; with
 * UPDATE_PICTURES=1 (`npm run pictures`) those pictures replace the ones in templates/ for the README, so a
 * plain test run never changes tracked files. Needs `npm run build` first, and Chromium.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { launchChromium, type HeadlessBrowser } from '../../devkit/browser';
import { ensureN8n, N8nInstance, packPackage, readPackageJson, startN8n, type N8nOwner } from '../../devkit/n8n';
import { loadTemplates, templatesDir, workNodes } from '../../devkit/templates';

const repoRoot = path.resolve(__dirname, '..', '..');
const pkg = readPackageJson(repoRoot);
const artifacts = path.join(repoRoot, 'artifacts', 'editor');
const pictures = process.env.UPDATE_PICTURES === '1' ? templatesDir : path.join(artifacts, 'pictures');
const TEST_TIMEOUT = 600_000;
const templates = loadTemplates();

let n8n: N8nInstance | undefined;
let owner: N8nOwner | undefined;
let chromium: HeadlessBrowser | undefined;
let page: Page | undefined;
let tarball: string | undefined;
const workflowIds: Record<string, string> = {};

interface NodeState {
	name: string;
	type: string;
	issues: Record<string, unknown> | null;
}

/** The nodes of the open workflow as the editor's store holds them, with the issues it computed. */
async function editorNodes(): Promise<NodeState[]> {
	return await page!.evaluate(() => {
		type Store = { workflow?: { nodes?: Array<{ name: string; type: string; issues?: Record<string, unknown> }> } };
		const doc = (globalThis as unknown as { document: { querySelector(selector: string): unknown } }).document;
		const app = (
			doc.querySelector('#app') as {
				__vue_app__?: { config: { globalProperties: { $pinia?: { _s: Map<string, Store> } } } };
			}
		).__vue_app__;
		const stores = app?.config.globalProperties.$pinia?._s;
		if (!stores) throw new Error('the editor has no pinia stores');
		const store = [...stores.values()].find((s) => Array.isArray(s.workflow?.nodes) && s.workflow!.nodes!.length > 0);
		if (!store) throw new Error('no store holds the open workflow');
		return store.workflow!.nodes!.map((node) => ({
			name: node.name,
			type: node.type,
			issues: JSON.parse(JSON.stringify(node.issues ?? null)) as Record<string, unknown> | null,
		}));
	});
}

beforeAll(async () => {
	chromium = await launchChromium(); // fails loudly without Chromium
	await ensureN8n();
	tarball = await packPackage(repoRoot);
	n8n = await startN8n({ tarball });
	owner = await n8n.setupOwner();
	await n8n.createApiKey();
	for (const { file, json } of templates) workflowIds[file] = await n8n.createWorkflow(json); // as "Import from File" saves it
	for (const dir of [artifacts, pictures]) fs.mkdirSync(dir, { recursive: true });
	page = chromium.context.pages()[0] ?? (await chromium.context.newPage());
	page.setDefaultTimeout(20_000);
	const login = await page.request.post(`${n8n.url}/rest/login`, {
		data: { emailOrLdapLoginId: owner.email, password: owner.password },
	});
	expect(login.status()).toBe(200);
}, 900_000);

afterAll(async () => {
	await Promise.allSettled([chromium?.close(), n8n?.stop()]);
	if (tarball) fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
}, 60_000);

/** Closes the node details view: Escape, or its close button when the focus keeps Escape away. */
async function closeNdv(): Promise<void> {
	const ndv = page!.getByTestId('ndv');
	await page!.keyboard.press('Escape');
	try {
		await ndv.waitFor({ state: 'hidden', timeout: 3_000 });
	} catch {
		await page!.getByTestId('ndv-close-button').first().click();
		await ndv.waitFor({ state: 'hidden', timeout: 10_000 });
	}
}

/** Canvas nodes drawn as unknown: the editor shows a "?" instead of the node's icon. */
async function unknownOnCanvas(): Promise<string[]> {
	const texts = await page!.getByTestId('canvas-node').allInnerTexts();
	return texts
		.filter((text) => text.split('\n').some((line) => line.trim() === '?'))
		.map((text) => text.split('\n').filter((l) => l.trim() && l.trim() !== '?')[0] ?? '?');
}

/** Runs a step; on failure saves a screenshot named after the test first. */
async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
	try {
		return await run();
	} catch (error) {
		await page
			?.screenshot({ path: path.join(artifacts, `FAILED-${name.replace(/[^A-Za-z0-9]+/g, '-')}.png`) })
			.catch(() => undefined);
		throw error;
	}
}

test(
	'the node panel finds our nodes by "OpenText" and by "directory"',
	async () => {
		await step('node-panel', async () => {
			// In a workflow that has a trigger, the canvas's + opens the full node panel (actions and triggers).
			await page!.goto(`${n8n!.url}/workflow/${workflowIds[templates[0].file]}`);
			await page!.getByTestId('canvas-node').first().waitFor({ timeout: 60_000 });
			await page!.getByTestId('node-creator-plus-button').first().click();
			const search = page!.getByTestId('node-creator-search-bar');
			await search.waitFor();
			const panel = page!.getByTestId('node-creator');
			await search.fill('OpenText');
			await panel.getByText('OpenText Push').first().waitFor({ timeout: 15_000 });
			const openText = await panel.innerText();
			for (const name of ['OpenText Directory Services', 'OpenText Push']) expect(openText).toContain(name);
			await page!.screenshot({ path: path.join(artifacts, 'node-panel-opentext.png') });
			await search.fill('directory');
			await panel.getByText('OpenText Directory Services').first().waitFor({ timeout: 15_000 });
			const directory = await panel.innerText();
			expect(directory).toContain('OpenText Directory Services');
			await page!.screenshot({ path: path.join(artifacts, 'node-panel-directory.png') });
		});
	},
	TEST_TIMEOUT,
);

describe.each(templates.map((t) => [t.file, t] as const))('template %s in the editor', (file, template) => {
	test(
		"opens with only its credentials unset, and each of our nodes' parameters render",
		async () => {
			await step(file, async () => {
				const base = file.replace(/\.json$/, '');
				await page!.goto(`${n8n!.url}/workflow/${workflowIds[file]}`);
				const canvasNodes = page!.getByTestId('canvas-node');
				await canvasNodes.first().waitFor({ timeout: 60_000 });
				await page!.waitForTimeout(1500);
				expect(await canvasNodes.count()).toBeGreaterThanOrEqual(workNodes(template.json).length);
				// Fit the view, take the canvas picture (README) and a full screenshot (artifacts).
				await page!.keyboard.press('1');
				await page!.waitForTimeout(800);
				await page!.screenshot({ path: path.join(artifacts, `${base}.png`) });
				await page!.setViewportSize({ width: 1200, height: 600 });
				await page!.keyboard.press('1');
				await page!.waitForTimeout(800);
				await page!.locator('#app').screenshot({ path: path.join(pictures, `${base}.png`) });
				await page!.setViewportSize({ width: 1440, height: 810 });

				// Open every node's parameter panel (the editor checks a node's parameters when its panel opens);
				// ours get a screenshot each.
				for (const node of workNodes(template.json)) {
					const ours = node.type.startsWith(`${pkg.name}.`);
					await canvasNodes.filter({ hasText: node.name }).first().dblclick();
					const ndv = page!.getByTestId('ndv');
					await ndv.waitFor({ timeout: 30_000 });
					await page!.waitForTimeout(600);
					const text = await ndv.innerText();
					expect([node.name, text.includes('Install this node') || /unknown node/i.test(text)]).toEqual([
						node.name,
						false,
					]);
					if (ours) expect(await ndv.getByTestId('parameter-input').count()).toBeGreaterThan(0);
					if (ours)
						await page!.screenshot({
							path: path.join(artifacts, `${base}--${node.name.replace(/[^A-Za-z0-9]+/g, '-')}.png`),
						});
					await closeNdv();
				}

				expect(await unknownOnCanvas()).toEqual([]);
				expect(await page!.getByTestId('node-not-installed').count()).toBe(0);
				// No node is unknown, and the only issues are the credentials the user has to set up.
				const nodes = await editorNodes();
				expect(nodes.map((n) => n.name).sort()).toEqual(template.json.nodes.map((n) => n.name).sort());
				for (const node of nodes) {
					const kinds = Object.keys(node.issues ?? {}).filter((kind) => kind !== 'credentials');
					expect([node.name, kinds, node.issues?.parameters ?? null]).toEqual([node.name, [], null]);
				}
				// Credential issues, where the editor shows them, only on nodes that reference a credential.
				const withCredentials = new Set(template.json.nodes.filter((n) => n.credentials).map((n) => n.name));
				expect(nodes.filter((n) => n.issues?.credentials && !withCredentials.has(n.name)).map((n) => n.name)).toEqual(
					[],
				);
				expect(await page!.getByTestId('node-issues').count()).toBeLessThanOrEqual(withCredentials.size);
			});
		},
		TEST_TIMEOUT,
	);
});

test(
	'control: the same checks see an unknown node and a missing required parameter',
	async () => {
		await step('control', async () => {
			const control = {
				name: 'Control: broken on purpose',
				nodes: [
					{
						id: 'c1',
						name: 'Start',
						type: 'n8n-nodes-base.manualTrigger',
						typeVersion: 1,
						position: [0, 0],
						parameters: {},
					},
					{
						id: 'c2',
						name: 'No such node',
						type: `${pkg.name}.noSuchNode`,
						typeVersion: 1,
						position: [260, 0],
						parameters: {},
					},
					{
						id: 'c3',
						name: 'Push without users',
						type: `${pkg.name}.openTextPush`,
						typeVersion: 1,
						position: [520, 0],
						parameters: { channel: 'fcm', operation: 'send', audience: 'users', userIds: '' },
					},
				],
				connections: {
					Start: { main: [[{ node: 'No such node', type: 'main', index: 0 }]] },
					'No such node': { main: [[{ node: 'Push without users', type: 'main', index: 0 }]] },
				},
				settings: { executionOrder: 'v1' },
			};
			const id = await n8n!.createWorkflow(control);
			await page!.goto(`${n8n!.url}/workflow/${id}`);
			await page!.getByTestId('canvas-node').first().waitFor({ timeout: 60_000 });
			await page!.getByTestId('canvas-node').filter({ hasText: 'Push without users' }).first().dblclick();
			await page!.getByTestId('ndv').waitFor();
			await closeNdv();
			await page!.waitForTimeout(800);
			const nodes = await editorNodes();
			const issues = Object.fromEntries(nodes.map((n) => [n.name, n.issues ?? {}]));
			expect(await unknownOnCanvas()).toEqual(['No such node']);
			expect(await page!.getByTestId('node-not-installed').count()).toBe(1);
			expect(await page!.getByTestId('node-issues').count()).toBeGreaterThanOrEqual(1);
			expect(issues['Push without users']).toEqual(
				expect.objectContaining({ parameters: expect.objectContaining({ userIds: expect.anything() }) }),
			);
			await page!.screenshot({ path: path.join(artifacts, 'control-broken-on-purpose.png') });
		});
	},
	TEST_TIMEOUT,
);
