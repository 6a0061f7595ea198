/**
 * The eight workflow templates of `templates/`, end to end in a real n8n: imported unchanged except for
 * their credentials (bound to a real OpenLDAP, the Firebase emulator and an acknowledgment secret),
 * activated, and driven by one directory scenario — a user created, accounts locked, disabled and reset,
 * role-group moves, a privileged assignment, a bulk change — plus the requests the webhook templates take
 * (a segment alert, two approval requests, a critical notice) and a manual broadcast. Every push the
 * Firebase emulator received is checked against what each use case must send, person by person;
 * acknowledgments must land in the directory and the overdue ones must reach the managers.
 *
 * The polling templates share n8n's one-minute schedule; the waits (approval reminders, the notice's
 * deadline) are one minute each and run in parallel, so the file takes about three minutes.
 * Needs `npm run build` first.
 */
import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'ldapts';
import { startFcmEmulator, type FcmEmulator } from '../../emulators/push/fcm';
import { attrLine, transitiveUsers, type FixtureUser } from '../support/fixture';
import { ensureN8n, executionError, N8nInstance, packPackage, readPackageJson, startN8n } from '../support/n8n';
import { startSlapd, type Slapd } from '../support/slapd';
import { bindCredentials, credentialTypesOf, loadTemplates, templatesDir, withoutCredentials, workNodes, type TemplateFile } from '../support/templates';

const repoRoot = path.resolve(__dirname, '..', '..');
const pkg = readPackageJson(repoRoot);
const TEST_TIMEOUT = 600_000;
const NEWCOMER = 'tmpl.newcomer';

let n8n: N8nInstance | undefined;
let slapd: Slapd | undefined;
let fcm: FcmEmulator | undefined;
let tarball: string | undefined;
const templates = loadTemplates();
const credentials: Record<string, { id: string; name: string }> = {};
const workflowIds: Record<string, string> = {};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const tokenOf = (uid: string) => `tok-${uid}`;

interface Delivery {
	uid: string;
	title: string;
	body: string;
	data: Record<string, string>;
}

/** What the Firebase emulator accepted, with the person each token belongs to. */
function deliveries(): Delivery[] {
	return fcm!.deliveries.map(({ message }) => {
		const token = String(message.token ?? '');
		const notification = (message.notification ?? {}) as Record<string, string>;
		return { uid: token.startsWith('tok-') ? token.slice(4) : `?${token}`, title: notification.title ?? '', body: notification.body ?? '', data: (message.data ?? {}) as Record<string, string> };
	});
}

const pairs = (list: Array<{ title: string; uid: string }>) => list.map((d) => `${d.title} → ${d.uid}`).sort();

/** Waits until the deliveries matching `select` reach `count`, then a little longer to catch extras. */
async function deliveriesOf(select: (d: Delivery) => boolean, count: number, timeoutMs: number): Promise<Delivery[]> {
	const deadline = Date.now() + timeoutMs;
	while (deliveries().filter(select).length < count && Date.now() < deadline) await sleep(1000);
	await sleep(3000);
	return deliveries().filter(select);
}

async function readAttribute(dn: string, attribute: string): Promise<string[]> {
	const client = new Client({ url: slapd!.url });
	try {
		await client.bind(slapd!.adminDN, slapd!.adminPassword);
		const { searchEntries } = await client.search(dn, { scope: 'base', attributes: [attribute] });
		const value = searchEntries[0]?.[attribute];
		return value === undefined ? [] : (Array.isArray(value) ? value : [value]).map(String);
	} finally {
		await client.unbind().catch(() => undefined);
	}
}

beforeAll(async () => {
	await ensureN8n();
	tarball = await packPackage(repoRoot);
	[slapd, fcm] = await Promise.all([startSlapd({ users: 60, otds: false }), startFcmEmulator()]);
	// Every person has one device token, `tok-<uid>`, in the attribute the templates read.
	const ldif = slapd.fixture.users
		.map((u) => `${attrLine('dn', slapd!.layout.userDN(u.uid))}changetype: modify\nadd: objectClass\nobjectClass: otdpRecipient\n-\nadd: otdpDeviceToken\n${attrLine('otdpDeviceToken', tokenOf(u.uid))}`)
		.join('\n');
	await slapd.ldapmodify(ldif);
	n8n = await startN8n({ tarball });
	await n8n.setupOwner();
	await n8n.createApiKey();
	const create = async (type: string, name: string, data: Record<string, unknown>) => {
		credentials[type] = { id: await n8n!.createCredential(type, name, data), name };
	};
	await create('openTextDirectoryLdap', 'Test slapd', {
		serverUrls: slapd.url,
		connectionSecurity: 'none',
		bindDN: slapd.adminDN,
		bindPassword: slapd.adminPassword,
		baseDN: slapd.baseDN,
		directoryFlavour: 'auto',
	});
	await create('openTextFirebaseCloudMessagingApi', 'Firebase emulator', { serviceAccountJson: fcm.account.json, apiBaseUrl: fcm.baseUrl });
	await create('openTextPushAcknowledgmentApi', 'Acknowledgment secret', { signingSecret: crypto.randomBytes(24).toString('base64url') });
}, 900_000);

afterAll(async () => {
	await Promise.allSettled([n8n?.stop(), slapd?.stop(), fcm?.stop()]);
	if (tarball) fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
}, 60_000);

describe('the template files', () => {
	test('eight templates, one per use case, using only this package and n8n core nodes, with placeholder credentials and setup notes', () => {
		expect(templates.map((t) => t.file)).toHaveLength(8);
		for (const { file, json } of templates) {
			expect(json.meta).toEqual(expect.objectContaining({ templateCredsSetupCompleted: false }));
			expect(json.settings).toEqual({ executionOrder: 'v1' });
			const types = json.nodes.map((node) => node.type);
			for (const type of types) expect([`${file}: ${type}`]).toEqual([expect.stringMatching(new RegExp(`^${file}: (${pkg.name}\\.openText|n8n-nodes-base\\.)`))]);
			expect(types.some((type) => type.startsWith(`${pkg.name}.`))).toBe(true);
			const notes = json.nodes.filter((node) => node.type === 'n8n-nodes-base.stickyNote');
			expect(notes.length).toBeGreaterThan(0);
			expect(String((notes[0].parameters as { content: string }).content)).toMatch(/[Cc]redential/);
			for (const node of json.nodes) {
				for (const ref of Object.values((node.credentials ?? {}) as Record<string, { name: string }>)) expect(ref.name).toMatch(/set me up/);
			}
			// No two nodes overlap on the canvas.
			const positions = workNodes(json).map((node) => (node.position as number[]).join(','));
			expect(new Set(positions).size).toBe(positions.length);
			// Every connection names existing nodes.
			const names = new Set(json.nodes.map((node) => node.name));
			for (const [from, outputs] of Object.entries(json.connections as Record<string, { main: Array<Array<{ node: string }>> }>)) {
				expect(names.has(from)).toBe(true);
				for (const output of outputs.main) for (const link of output) expect(names.has(link.node)).toBe(true);
			}
		}
		expect(credentialTypesOf(templates)).toEqual(['openTextDirectoryLdap', 'openTextFirebaseCloudMessagingApi', 'openTextPushAcknowledgmentApi']);
	});

	test('the committed JSON is what templates/generate.mjs writes', () => {
		const out = fs.mkdtempSync(path.join(os.tmpdir(), 'otdp-templates-'));
		try {
			execFileSync(process.execPath, [path.join(templatesDir, 'generate.mjs'), out]);
			expect(fs.readdirSync(out).sort()).toEqual(templates.map((t) => t.file));
			for (const { file } of templates) expect([file, fs.readFileSync(path.join(out, file), 'utf8')]).toEqual([file, fs.readFileSync(path.join(templatesDir, file), 'utf8')]);
		} finally {
			fs.rmSync(out, { recursive: true, force: true });
		}
	});
});

describe('the templates in a real n8n', () => {
	const byFile = (prefix: string): TemplateFile => templates.find((t) => t.file.startsWith(prefix))!;

	test('all eight import unchanged except for their credentials, and the triggered ones activate', async () => {
		for (const template of templates) {
			const bound = bindCredentials(template.json, credentials);
			expect(withoutCredentials(bound)).toEqual(withoutCredentials(template.json));
			// What the editor's "Import from File" saves: the file's JSON as it is (POST /rest/workflows).
			const id = await n8n!.createWorkflow(bound);
			workflowIds[template.file] = id;
			const stored = await n8n!.getWorkflow(id);
			expect(withoutCredentials(stored)).toEqual(withoutCredentials(template.json));
		}
		for (const template of templates) {
			if (template.json.nodes.some((node) => node.type === 'n8n-nodes-base.manualTrigger')) continue; // run by hand below
			await n8n!.activateWorkflow(workflowIds[template.file]);
		}
		// The first poll of each directory trigger only records where the directory stands.
		for (const prefix of ['01', '02', '03', '04']) expect(await n8n!.executions(workflowIds[byFile(prefix).file])).toEqual([]);
	}, TEST_TIMEOUT);

	test('one directory scenario and four requests: each use case pushes exactly the right message to exactly the right people', async () => {
		const fixture = slapd!.fixture;
		const dn = (uid: string) => slapd!.layout.userDN(uid);
		const user = (uid: string) => fixture.userByUid.get(uid)!;
		const directMembers = (group: string) => new Set(fixture.groupByName.get(group)!.members.flatMap((m) => (m.kind === 'user' ? [m.uid] : [])));
		const used = new Set<string>();
		const pick = (where: (u: FixtureUser) => boolean): FixtureUser => {
			const found = fixture.users.find((u) => !used.has(u.uid) && u.role === 'staff' && !u.status.disabled && !u.status.lockedOut && !u.status.mustChangePassword && u.manager !== undefined && where(u));
			if (!found) throw new Error('the fixture has nobody left for the scenario');
			used.add(found.uid);
			return found;
		};
		const vpnLeaver = pick((u) => directMembers('VPN Users').has(u.uid));
		const approverJoiner = pick((u) => !directMembers('Finance Approvers').has(u.uid));
		const newAdmin = pick((u) => !directMembers('Domain Admins').has(u.uid));
		const locked = pick(() => true);
		const reset = pick(() => true);
		const disabled = pick(() => true);
		const bulk = fixture.users.filter((u) => !used.has(u.uid)).slice(0, 25);
		expect(bulk).toHaveLength(25);
		const manager = fixture.users.find((u) => u.role === 'manager')!;

		// The whole scenario in one ldapmodify, so that one poll sees it all.
		const ldif = [
			`${attrLine('dn', dn(NEWCOMER))}changetype: add\nobjectClass: inetOrgPerson\nobjectClass: otdpRecipient\n${attrLine('uid', NEWCOMER)}cn: Nora Newcomer\nsn: Newcomer\ngivenName: Nora\nmail: nora.newcomer@example.com\n${attrLine('manager', dn(manager.uid))}${attrLine('otdpDeviceToken', tokenOf(NEWCOMER))}`,
			`${attrLine('dn', slapd!.layout.groupDN('All Staff'))}changetype: modify\nadd: member\n${attrLine('member', dn(NEWCOMER))}`,
			`${attrLine('dn', dn(locked.uid))}changetype: modify\nreplace: pwdAccountLockedTime\npwdAccountLockedTime: 20261127000000Z\n`,
			`${attrLine('dn', dn(disabled.uid))}changetype: modify\nreplace: pwdAccountLockedTime\npwdAccountLockedTime: 000001010000Z\n`,
			`${attrLine('dn', dn(reset.uid))}changetype: modify\nreplace: userPassword\nuserPassword: Reset-by-admin-1!\n`,
			`${attrLine('dn', slapd!.layout.groupDN('VPN Users'))}changetype: modify\ndelete: member\n${attrLine('member', dn(vpnLeaver.uid))}`,
			`${attrLine('dn', slapd!.layout.groupDN('Finance Approvers'))}changetype: modify\nadd: member\n${attrLine('member', dn(approverJoiner.uid))}`,
			`${attrLine('dn', slapd!.layout.groupDN('Domain Admins'))}changetype: modify\nadd: member\n${attrLine('member', dn(newAdmin.uid))}`,
			...bulk.map((u) => `${attrLine('dn', dn(u.uid))}changetype: modify\nreplace: title\ntitle: Reorganised ${u.title}\n`),
		].join('\n');
		await slapd!.ldapmodify(ldif);

		const disabledNow = new Set([...fixture.users.filter((u) => u.status.disabled).map((u) => u.uid), disabled.uid]);
		const enabledIn = (group: string) => [...transitiveUsers(fixture, group)].filter((uid) => !disabledNow.has(uid)).sort();

		// --- requests to the webhook templates, while the pollers wait for their minute
		const post = async (pathName: string, body: unknown) => {
			const res = await fetch(`${n8n!.url}/webhook/${pathName}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
			expect(res.status).toBe(200);
		};
		// (5) the largest department-and-location segment
		const segments = new Map<string, string[]>();
		for (const u of fixture.users) if (!disabledNow.has(u.uid)) segments.set(`${u.department}|${u.location}`, [...(segments.get(`${u.department}|${u.location}`) ?? []), u.uid]);
		const [segmentKey, segmentPeople] = [...segments.entries()].sort((a, b) => b[1].length - a[1].length)[0];
		const [department, location] = segmentKey.split('|');
		await post('opentext-segment-alert', { department, location, title: `Fire drill in ${location}`, message: `${department}: leave the building at 11:00.` });
		// (6) one request left to go overdue, one approved through the link in the push
		const managers = fixture.users.filter((u) => u.role === 'manager' && !used.has(u.uid));
		const [approver1, approver2, approver3] = managers;
		const requester1 = pick(() => true);
		const requester2 = pick(() => true);
		await post('opentext-approval-request', { requestId: 'REQ-A', summary: 'VPN access for ' + requester1.uid, requester: requester1.uid, approvers: `${approver1.uid}, ${approver2.uid}`, remindAfterMinutes: 1, reminders: 1, escalateTo: 'Help Desk' });
		await post('opentext-approval-request', { requestId: 'REQ-B', summary: 'Finance share for ' + requester2.uid, requester: requester2.uid, approvers: approver3.uid, remindAfterMinutes: 5, reminders: 1 });
		// (8) a critical notice to a department, acknowledged by two of its people
		const noticeGroup = fixture.groups.find((g) => g.kind === 'department' && enabledIn(g.name).length >= 4 && enabledIn(g.name).length <= 15 && !enabledIn(g.name).some((uid) => used.has(uid)))!;
		expect(noticeGroup).toBeDefined();
		const noticeTitle = 'Phishing campaign under way';
		await post('opentext-critical-notice', { noticeId: 'notice-42', group: noticeGroup.name, title: noticeTitle, message: 'Do not open invoices from unknown senders.', escalateAfterMinutes: 1 });
		// (7) the broadcast, run by hand
		const broadcast = await n8n!.runWorkflow(workflowIds[byFile('07').file], { triggerNode: 'Send announcement' });
		expect(executionError(broadcast)).toBeUndefined();

		// --- (8) acknowledgments from two people, through the links they received
		const noticeMembers = enabledIn(noticeGroup.name);
		const noticePushes = await deliveriesOf((d) => d.title === noticeTitle, noticeMembers.length, 60_000);
		expect(noticePushes.map((d) => d.uid).sort()).toEqual(noticeMembers);
		const ackers = noticeMembers.slice(0, 2);
		for (const uid of ackers) {
			const push = noticePushes.find((d) => d.uid === uid)!;
			expect(push.data).toEqual(expect.objectContaining({ noticeId: 'notice-42', ackRequired: 'true' }));
			const url = new URL(push.data.ackUrl);
			url.search = '';
			const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: push.data.ackToken, kind: 'acknowledged' }) });
			expect(res.status).toBe(200);
		}
		// --- (6) approve REQ-B through the link its approver got
		const ask = (await deliveriesOf((d) => d.title === 'Approval needed: Finance share for ' + requester2.uid, 1, 60_000))[0];
		expect(ask.uid).toBe(approver3.uid);
		const approved = await fetch(ask.data.approveUrl);
		expect(approved.status).toBe(200);

		// --- what each use case must have sent
		const display = (uid: string) => user(uid).displayName;
		const expected: Record<string, Array<{ title: string; uid: string }>> = {
			onboarding: [
				{ title: 'Welcome to Example Corp, Nora', uid: NEWCOMER },
				{ title: 'You now belong to All Staff', uid: NEWCOMER },
			],
			access: [
				{ title: 'Access removed: VPN Users', uid: vpnLeaver.uid },
				{ title: `${display(vpnLeaver.uid)} left VPN Users`, uid: vpnLeaver.manager! },
				{ title: 'Access granted: Finance Approvers', uid: approverJoiner.uid },
				{ title: `${display(approverJoiner.uid)} joined Finance Approvers`, uid: approverJoiner.manager! },
			],
			status: [
				{ title: 'Your account is locked', uid: locked.uid },
				{ title: 'Your account was disabled', uid: disabled.uid },
				{ title: 'Please set a new password', uid: reset.uid },
			],
			security: enabledIn('Security Administrators').flatMap((uid) => [
				{ title: 'Privileged access granted: Domain Admins', uid },
				{ title: 'Bulk directory change', uid },
			]),
			segment: segmentPeople.map((uid) => ({ title: `Fire drill in ${location}`, uid })),
			approvals: [
				...[approver1, approver2].flatMap((a) => [
					{ title: `Approval needed: VPN access for ${requester1.uid}`, uid: a.uid },
					{ title: `Reminder: approval needed: VPN access for ${requester1.uid}`, uid: a.uid },
				]),
				...enabledIn('Help Desk').map((uid) => ({ title: `Overdue approval: VPN access for ${requester1.uid}`, uid })),
				{ title: `Approval needed: Finance share for ${requester2.uid}`, uid: approver3.uid },
				{ title: 'Request REQ-B approved', uid: requester2.uid },
			],
			broadcast: enabledIn('All Managers').map((uid) => ({ title: 'Maintenance tonight', uid })),
			notice: [
				...noticeMembers.map((uid) => ({ title: noticeTitle, uid })),
				...noticeMembers.filter((uid) => !ackers.includes(uid) && user(uid).manager).map((uid) => ({ title: `Not acknowledged: ${noticeTitle}`, uid: user(uid).manager! })),
			],
		};
		const all = Object.values(expected).flat();
		const seen = await deliveriesOf(() => true, all.length, 240_000);
		const byCase = (titles: Set<string>) => pairs(seen.filter((d) => titles.has(d.title)));
		const received = Object.fromEntries(Object.entries(expected).map(([useCase, list]) => [useCase, byCase(new Set(list.map((d) => d.title)))]));
		expect(received).toEqual(Object.fromEntries(Object.entries(expected).map(([useCase, list]) => [useCase, pairs(list)])));
		expect(pairs(seen)).toEqual(pairs(all));

		// The escalations name the person who has not acknowledged; the bulk alert counts the changes.
		for (const uid of noticeMembers.filter((u) => !ackers.includes(u))) {
			expect(seen.some((d) => d.title.startsWith('Not acknowledged') && d.uid === user(uid).manager && d.body.startsWith(display(uid)))).toBe(true);
		}
		expect(seen.find((d) => d.title === 'Bulk directory change')?.body).toMatch(/^\d+ changes in one poll: .*user\.updated/);

		// Acknowledgments landed on the directory records of those who acknowledged, and only there.
		for (const uid of noticeMembers) {
			const values = await readAttribute(dn(uid), 'otdpAcknowledgment');
			if (ackers.includes(uid)) expect(values).toEqual([expect.stringMatching(/^notice-42\|\d{4}-\d\d-\d\dT/)]);
			else expect(values).toEqual([]);
		}

		// No template execution failed.
		for (const template of templates) {
			for (const execution of await n8n!.executions(workflowIds[template.file])) {
				expect([template.file, execution.status, executionError(execution)]).toEqual([template.file, 'success', undefined]);
			}
		}
	}, TEST_TIMEOUT);
});
