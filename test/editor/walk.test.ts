/**
 * Every node and operation in the real n8n editor as a newcomer meets it, in Debian's headless Chromium: each
 * of our nodes added with nothing but its source / resource / operation / channel chosen, every other
 * parameter at its default, its panel opened. A screenshot and the panel's text of each go to
 * artifacts/editor/walk/ (git-ignored) for a person to read through; the test checks that every panel renders
 * and that, with the defaults, the only issues the editor raises are the fields a user must fill in (required,
 * with nothing sensible to default to) and the credential.
 *
 * Needs `npm run build` first, and Chromium.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { INodeProperties, INodeTypeDescription } from 'n8n-workflow';
import type { Page } from 'playwright-core';

import { launchChromium, type HeadlessBrowser } from '../../devkit/browser';
import { N8nInstance, packPackage, readPackageJson, startN8n } from '../../devkit/n8n';
import { OpenTextDirectoryServices } from '../../nodes/OpenTextDirectoryServices/OpenTextDirectoryServices.node';
import { OpenTextDirectoryServicesTrigger } from '../../nodes/OpenTextDirectoryServicesTrigger/OpenTextDirectoryServicesTrigger.node';
import { OpenTextPush } from '../../nodes/OpenTextPush/OpenTextPush.node';
import { OpenTextPushTrigger } from '../../nodes/OpenTextPushTrigger/OpenTextPushTrigger.node';

const repoRoot = path.resolve(__dirname, '..', '..');
const pkg = readPackageJson(repoRoot);
const artifacts = path.join(repoRoot, 'artifacts', 'editor', 'walk');

interface Stop {
	/** The node's name on the canvas, which says what was chosen. */
	name: string;
	description: INodeTypeDescription;
	/** What a newcomer chose; everything else stays at its default. */
	parameters: Record<string, string>;
}

/** The options of the parameter `name` shown for these choices (resource / operation lists depend on them). */
function optionValues(description: INodeTypeDescription, name: string, chosen: Record<string, string>): string[] {
	const shown = description.properties.find(
		(property) =>
			property.name === name &&
			Object.entries(property.displayOptions?.show ?? {}).every(
				([key, values]) => chosen[key] === undefined || (values as unknown[]).includes(chosen[key]),
			),
	);
	return ((shown?.options ?? []) as Array<{ value: string }>).map((option) => String(option.value));
}

/** Every stop of the walk: each node, each source or channel, each resource and operation. */
function stops(): Stop[] {
	const list: Stop[] = [];
	const directory = new OpenTextDirectoryServices().description;
	for (const source of optionValues(directory, 'source', {}))
		for (const resource of optionValues(directory, 'resource', { source }))
			for (const operation of optionValues(directory, 'operation', { source, resource }))
				list.push({
					name: `Directory ${source} ${resource} ${operation}`,
					description: directory,
					parameters: { source, resource, operation },
				});
	const trigger = new OpenTextDirectoryServicesTrigger().description;
	for (const source of optionValues(trigger, 'source', {}))
		list.push({ name: `Directory trigger ${source}`, description: trigger, parameters: { source } });
	const push = new OpenTextPush().description;
	for (const channel of optionValues(push, 'channel', {}))
		for (const operation of optionValues(push, 'operation', { channel }))
			list.push({ name: `Push ${channel} ${operation}`, description: push, parameters: { channel, operation } });
	const pushTrigger = new OpenTextPushTrigger().description;
	list.push({ name: 'Push trigger', description: pushTrigger, parameters: {} });
	return list;
}

/** Whether a top-level parameter shows for these parameter values (show / hide by sibling values). */
function shows(property: INodeProperties, values: Record<string, unknown>): boolean {
	const matches = (conditions: Record<string, unknown[] | undefined> | undefined, all: boolean) =>
		Object.entries(conditions ?? {})[all ? 'every' : 'some'](([key, allowed]) =>
			(allowed ?? []).includes(values[key.replace(/^\//, '')] as never),
		);
	const show = property.displayOptions?.show as Record<string, unknown[] | undefined> | undefined;
	const hide = property.displayOptions?.hide as Record<string, unknown[] | undefined> | undefined;
	return (show === undefined || matches(show, true)) && (hide === undefined || !matches(hide, false));
}

/**
 * The parameters a newcomer must fill in for this stop: shown, required, and empty by default (a user or
 * group to pick, a notice ID, a topic...).
 */
function mustFill(stop: Stop): string[] {
	const values: Record<string, unknown> = {};
	for (const property of stop.description.properties)
		if (!(property.name in values) && shows(property, { ...values, ...stop.parameters }))
			values[property.name] = stop.parameters[property.name] ?? property.default;
	return stop.description.properties
		.filter((property) => property.required && shows(property, { ...values, ...stop.parameters }))
		.filter((property) => {
			const value = property.default as unknown;
			return (
				value === '' || (typeof value === 'object' && value !== null && (value as { value?: unknown }).value === '')
			);
		})
		.map((property) => property.name);
}

let n8n: N8nInstance | undefined;
let chromium: HeadlessBrowser | undefined;
let page: Page | undefined;
let tarball: string | undefined;
let workflowId = '';
const walk = stops();

beforeAll(async () => {
	chromium = await launchChromium(); // fails loudly without Chromium
	tarball = await packPackage(repoRoot);
	n8n = await startN8n({ tarball });
	const owner = await n8n.setupOwner();
	await n8n.createApiKey();
	fs.rmSync(artifacts, { recursive: true, force: true });
	fs.mkdirSync(artifacts, { recursive: true });
	workflowId = await n8n.createWorkflow({
		name: "A newcomer's walk through every operation",
		nodes: walk.map((stop, index) => ({
			id: `walk-${index}`,
			name: stop.name,
			type: `${pkg.name}.${stop.description.name}`,
			typeVersion: 1,
			position: [(index % 6) * 260, Math.floor(index / 6) * 200],
			parameters: stop.parameters,
		})),
		connections: {},
		settings: { executionOrder: 'v1' },
	});
	page = chromium.context.pages()[0] ?? (await chromium.context.newPage());
	page.setDefaultTimeout(30_000);
	const login = await page.request.post(`${n8n.url}/rest/login`, {
		data: { emailOrLdapLoginId: owner.email, password: owner.password },
	});
	expect(login.status()).toBe(200);
}, 900_000);

afterAll(async () => {
	await Promise.allSettled([chromium?.close(), n8n?.stop()]);
	if (tarball) fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
}, 60_000);

/** The issues the editor computed for each node of the open workflow. */
async function editorIssues(): Promise<Record<string, Record<string, unknown>>> {
	return await page!.evaluate(() => {
		type Store = { workflow?: { nodes?: Array<{ name: string; issues?: Record<string, unknown> }> } };
		const doc = (globalThis as unknown as { document: { querySelector(selector: string): unknown } }).document;
		const app = (
			doc.querySelector('#app') as {
				__vue_app__?: { config: { globalProperties: { $pinia?: { _s: Map<string, Store> } } } };
			}
		).__vue_app__;
		const stores = [...(app?.config.globalProperties.$pinia?._s.values() ?? [])];
		const store = stores.find((s) => Array.isArray(s.workflow?.nodes) && s.workflow!.nodes!.length > 0);
		return Object.fromEntries(
			(store?.workflow?.nodes ?? []).map((node) => [node.name, JSON.parse(JSON.stringify(node.issues ?? {}))]),
		);
	});
}

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

test('every node and operation opens with its defaults, asking only for what a user must fill in', async () => {
	const progress = (line: string) => process.stderr.write(`[editor walk] ${line}\n`);
	await page!.goto(`${n8n!.url}/workflow/${workflowId}`);
	const canvasNodes = page!.getByTestId('canvas-node');
	await canvasNodes.first().waitFor({ timeout: 60_000 });
	await page!.waitForTimeout(1500);
	const panels: string[] = [];
	for (const [index, stop] of walk.entries()) {
		progress(`${index + 1}/${walk.length}: ${stop.name}`);
		const file = `${String(index + 1).padStart(2, '0')}-${stop.name.replace(/[^A-Za-z0-9]+/g, '-')}`;
		await canvasNodes.filter({ hasText: stop.name }).first().dblclick();
		const ndv = page!.getByTestId('ndv');
		await ndv.waitFor();
		await page!.waitForTimeout(700);
		try {
			expect(await ndv.getByTestId('parameter-input').count()).toBeGreaterThan(0);
			const text = await ndv.innerText();
			expect(text).not.toMatch(/Install this node|unknown node/i);
			// A node with several operations lets the user choose: n8n's editor hides parameters it takes for
			// authentication fields (see test/unit/node-descriptions.test.ts).
			if (optionValues(stop.description, 'operation', stop.parameters).length > 1)
				expect([stop.name, text.split('\n')]).toEqual([stop.name, expect.arrayContaining(['Operation'])]);
			panels.push(`## ${stop.name} ${JSON.stringify(stop.parameters)}\n${text}\n`);
		} finally {
			await page!.screenshot({ path: path.join(artifacts, `${file}.png`), fullPage: true });
		}
		await closeNdv();
	}
	fs.writeFileSync(path.join(artifacts, 'panels.txt'), panels.join('\n'));

	// With the defaults, the editor asks for the credential and for what has no sensible default, nothing else.
	const issues = await editorIssues();
	fs.writeFileSync(path.join(artifacts, 'issues.json'), JSON.stringify(issues, null, 2));
	for (const stop of walk) {
		const raised = Object.keys((issues[stop.name]?.parameters ?? {}) as Record<string, unknown>).sort();
		expect([stop.name, raised]).toEqual([stop.name, mustFill(stop).sort()]);
		const kinds = Object.keys(issues[stop.name] ?? {}).filter((kind) => !['credentials', 'parameters'].includes(kind));
		expect([stop.name, kinds]).toEqual([stop.name, []]);
	}
}, 900_000);
