/**
 * The README's first command, `npm run demo` (scripts/demo.mjs), driven like a newcomer would, in headless
 * Chromium: the demo starts (OTDS emulator, OpenLDAP, push emulators with the web inbox, a real n8n with the
 * workflows active); a scenario from the inbox's panel (lock an account) brings that person, within a poll
 * interval, a Firebase push from the demo's workflow and a Cloud Messaging message (push, or SMS without a
 * device token) from template 3; the broadcast scenario (template 7) reaches All Managers through the
 * AppWorks Gateway; a critical notice's Acknowledge button follows the acknowledgment link and the
 * acknowledgment lands on the person's OTDS record, and a card acknowledged through its link (confirmed in
 * another browser page) loses its button too; every message is labelled with its channel and the workflow that sent
 * it; SIGTERM to the process npm started stops everything: no process and no port is left.
 *
 * Fails, never skips, when Chromium is missing. DEMO_SCREENSHOTS=1 also writes docs/inbox.png and
 * docs/editor.png for the README.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Page } from 'playwright-core';

import { chromiumPath, launchChromium, type HeadlessBrowser } from '../../devkit/browser';
import { freePort } from '../../devkit/n8n';

const root = path.resolve(__dirname, '../..');
const STATE_FILE = path.join(root, '.tmp', 'demo-state.json');
const OWNER = { email: 'demo@example.com', password: 'Demo-Directory-Push-1' };
const screenshots = process.env.DEMO_SCREENSHOTS === '1';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every descendant of `pid` (through /proc, via ps). */
function descendants(pid: number): number[] {
	const table = spawnSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' }).stdout.trim().split('\n');
	const children = new Map<number, number[]>();
	for (const line of table) {
		const [child, parent] = line.trim().split(/\s+/).map(Number);
		children.set(parent, [...(children.get(parent) ?? []), child]);
	}
	const all: number[] = [];
	const walk = (p: number) => {
		for (const c of children.get(p) ?? []) {
			all.push(c);
			walk(c);
		}
	};
	walk(pid);
	return all;
}

function parentOf(pid: number): number {
	return Number(spawnSync('ps', ['-o', 'ppid=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim());
}

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
	} catch {
		return false;
	}
	const stat = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim();
	return stat !== '' && !stat.startsWith('Z');
}

async function listening(port: number): Promise<boolean> {
	return await new Promise((resolve) => {
		const socket = net.connect(port, '127.0.0.1');
		socket.once('connect', () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('error', () => resolve(false));
	});
}

describe('npm run demo', () => {
	let demo: ChildProcess | undefined;
	let output = '';
	let browser: HeadlessBrowser | undefined;

	afterAll(async () => {
		await browser?.close();
		if (demo?.pid && demo.exitCode === null) {
			try {
				process.kill(-demo.pid, 'SIGKILL');
			} catch {
				// gone
			}
		}
	}, 60_000);

	test('starts, a scenario notifies a person in the inbox, Acknowledge reaches the directory, SIGTERM leaves nothing', async () => {
		chromiumPath(); // fails loudly before anything starts
		const [n8nPort, inboxPort, otdsPort] = [await freePort(), await freePort(), await freePort()];
		// As the README says: `npm run demo`. Its script execs node, so npm's child is the demo's bootstrap.
		demo = spawn('npm', ['run', '--silent', 'demo'], {
			cwd: root,
			env: {
				...process.env,
				DEMO_PORT: String(n8nPort),
				DEMO_INBOX_PORT: String(inboxPort),
				DEMO_OTDS_PORT: String(otdsPort),
				DEMO_USERS: '120',
			},
			detached: true, // its own process group, like a terminal's foreground job
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		const exited = new Promise<number | null>((resolve) => demo!.once('exit', (code) => resolve(code)));
		demo.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
		demo.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));

		// 1. It starts (the first run installs n8n into the cache: allow for it).
		const deadline = Date.now() + 900_000;
		while (!output.includes('Press Ctrl-C to stop everything.')) {
			if (demo.exitCode !== null) throw new Error(`the demo exited with ${demo.exitCode} during start-up:\n${output}`);
			if (Date.now() > deadline) throw new Error(`the demo did not start within 15 minutes:\n${output}`);
			await sleep(500);
		}
		expect(output).toContain(`n8n is running: http://127.0.0.1:${n8nPort}`);
		expect(output).toContain(`Inbox (people's phones, and the scenario panel): http://127.0.0.1:${inboxPort}/inbox`);
		expect(output).toMatch(/Activating \d+ demo-safe workflows/);
		const ldapPort = Number(/Directory ready at ldap:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1] ?? 0);
		expect(ldapPort).toBeGreaterThan(0); // slapd is installed on the test machines: the second source runs
		const state = JSON.parse(fs.readFileSync(STATE_FILE, 'utf8')) as {
			inbox: string;
			n8n: string;
			otds: string;
			workflows: Record<string, string>;
		};
		const early = descendants(demo.pid!);
		expect(early.length).toBeGreaterThanOrEqual(3); // demo.cjs, slapd, n8n (and its task runner)

		// 2. The inbox, and a scenario from its panel: lock an account.
		browser = await launchChromium({ width: 1200, height: 760 });
		const inbox = await browser.context.newPage();
		await inbox.goto(state.inbox);
		await inbox.locator('button.scenario[data-scenario="lock"]').click();
		await inbox.locator('#log').filter({ hasText: 'Locked ' }).waitFor({ timeout: 30_000 });
		const locked = /Locked .+? \(([^)]+@[^)]+)\)/.exec(await inbox.locator('#log').innerText())?.[1];
		expect(locked).toBeDefined();

		// Meanwhile, template 7 by hand (the broadcast scenario): All Managers get it through the AppWorks Gateway.
		await inbox.locator('button.scenario[data-scenario="broadcast"]').click();
		await inbox.locator('#log').filter({ hasText: 'Template 7 sent its announcement' }).waitFor({ timeout: 120_000 });
		const broadcast = inbox
			.locator('section.person .message[data-channel="appworks"]')
			.filter({ hasText: 'Maintenance tonight' });
		await broadcast.first().waitFor({ timeout: 10_000 });
		expect(await broadcast.first().innerText()).toMatch(
			/AppWorks[\s\S]*from OpenText: service announcement to a directory group/,
		);
		expect(await broadcast.count()).toBeGreaterThan(1);

		// 3. Meanwhile, a critical notice: Acknowledge follows its link; the Push Trigger workflow records it in OTDS.
		await inbox.locator('button.scenario[data-scenario="critical-notice"]').click();
		await inbox.locator('#log').filter({ hasText: 'Sent the critical notice' }).waitFor({ timeout: 120_000 });
		const critical = inbox.locator('.message.critical').first();
		await critical.locator('button.ack').waitFor({ timeout: 10_000 });
		// Acknowledge as someone who also got the broadcast, when there is one (the README's picture shows more).
		const recipients = inbox.locator('section.person', { has: inbox.locator('.message.critical') });
		const alsoBroadcast = recipients.filter({ has: inbox.locator('.message[data-channel="appworks"]') });
		const person = await ((await alsoBroadcast.count()) > 0 ? alsoBroadcast : recipients)
			.first()
			.getAttribute('data-person');
		const notice = await critical.getAttribute('data-notice');
		const card = inbox.locator(`section.person[data-person="${person}"]`); // the page re-renders: find it by person
		expect(person).toMatch(/@Content Server Members$/);
		expect(notice).toMatch(/^critical-/);
		await card.locator('.message.critical button.ack').first().click();
		await card
			.locator('.directory')
			.filter({ hasText: `${notice}|` })
			.waitFor({ timeout: 60_000 });
		expect(await card.locator('.message.critical button.ack').count()).toBe(0);
		const record = (await (
			await fetch(`${new URL(state.otds).origin}/__emulator/users/${encodeURIComponent(person!)}`)
		).json()) as Record<string, unknown>;
		expect(JSON.stringify(record)).toMatch(new RegExp(`otdpAcknowledgment[^\\]]*${notice}\\|\\d{4}-`));

		// Another recipient opens the link in their mail app and confirms there: their card loses its button too.
		const other = await recipients
			.filter({ hasNot: inbox.locator(`[data-person="${person}"]`) })
			.first()
			.getAttribute('data-person');
		const shownState = (await (await fetch(`${state.inbox}/api/state`)).json()) as {
			messages: Array<{ person?: { id: string }; data: Record<string, string> }>;
		};
		const link = shownState.messages.find((m) => m.person?.id === other && m.data.noticeId === notice)?.data.ackUrl;
		expect(link).toMatch(/^http/);
		const mailApp = await browser.context.newPage();
		await mailApp.goto(link!);
		await mailApp.getByRole('button', { name: 'Confirm' }).click();
		await mailApp.getByText('Thank you').waitFor({ timeout: 30_000 });
		await mailApp.close();
		const otherCard = inbox.locator(`section.person[data-person="${other}"]`);
		await otherCard.getByText('Acknowledged through its link').waitFor({ timeout: 60_000 });
		expect(await otherCard.locator('.message.critical button.ack').count()).toBe(0);

		// 4. The editor shows a demo workflow (and, for the README, a screenshot of it).
		const editor = await browser.context.newPage();
		await signIn(editor, state.n8n);
		await editor.goto(`${state.n8n}/workflow/${state.workflows['person-events']}`);
		await editor.getByText('Push to their phone').first().waitFor({ timeout: 60_000 });
		if (screenshots) {
			await sleep(1500);
			await editor.screenshot({ path: path.join(root, 'docs', 'editor.png') });
		}

		// 5. Within a poll interval (n8n polls every minute), the locked person's card shows the notice from the
		// demo's OTDS workflow (Firebase) and the one from template 3 (Cloud Messaging: a push to their device
		// token, or an SMS to their mobile without one), each labelled with its channel and sender.
		const lockedCard = inbox.locator(`section.person[data-person="${locked}"]`);
		const firebase = lockedCard
			.locator('.message[data-channel="fcm"]')
			.filter({ hasText: 'Your account is locked' })
			.filter({ hasText: "from Demo: directory events → the person's phone" });
		const cloudMessaging = lockedCard
			.locator('.message[data-channel="mraPush"], .message[data-channel="sms"]')
			.filter({ hasText: 'Your account is locked' });
		// Two workflows, two triggers: each polls once a minute, on its own schedule.
		await Promise.all([firebase.waitFor({ timeout: 150_000 }), cloudMessaging.first().waitFor({ timeout: 150_000 })]);
		expect(await firebase.locator('.channel').innerText()).toBe('Firebase push');
		expect(await cloudMessaging.first().innerText()).toMatch(
			/(Cloud Messaging push|SMS)[\s\S]*from OpenText: account locked, disabled or password reset/,
		);
		// Every message names the workflow that sent it, not a list of candidates.
		expect(await inbox.locator('.message .meta').allInnerTexts()).not.toContainEqual(expect.stringMatching(/ or \d/));
		if (screenshots) {
			fs.mkdirSync(path.join(root, 'docs'), { recursive: true });
			await inbox.setViewportSize({ width: 1200, height: 1000 });
			await sleep(500);
			await inbox.screenshot({ path: path.join(root, 'docs', 'inbox.png') });
		}
		await browser.close();
		browser = undefined;

		// 6. SIGTERM to the process npm started (a service manager or `kill`, not a terminal's Ctrl-C, which signals
		// the whole group): it stops everything; nothing is left running.
		const processes = [...new Set([...early, ...descendants(demo.pid!)])];
		const started = descendants(demo.pid!).find((pid) => parentOf(pid) === demo!.pid);
		expect(started).toBeDefined();
		process.kill(started!, 'SIGTERM');
		let timer: NodeJS.Timeout | undefined;
		const code = await Promise.race([
			exited,
			new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 60_000))),
		]);
		clearTimeout(timer);
		expect(code).toBe(0);
		expect(output).toContain('Stopped. Nothing is left running.');
		await sleep(1000);
		expect(processes.filter(alive)).toEqual([]);
		for (const port of [n8nPort, inboxPort, otdsPort, ldapPort]) expect(await listening(port)).toBe(false);
		expect(fs.existsSync(STATE_FILE)).toBe(false);
	}, 1_200_000);
});

/** Signs in through n8n's sign-in form. */
async function signIn(page: Page, n8nUrl: string): Promise<void> {
	await page.goto(`${n8nUrl}/signin`);
	const form = page.locator('[data-test-id="signin-form"]');
	await form.waitFor({ timeout: 60_000 });
	const inputs = form.locator('input');
	await inputs.nth(0).fill(OWNER.email);
	await inputs.nth(1).fill(OWNER.password);
	await inputs.nth(1).press('Enter');
	await page.waitForURL((url) => !url.pathname.startsWith('/signin'), { timeout: 60_000 });
}
