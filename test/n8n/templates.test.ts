/**
 * The eight workflow templates of `templates/`, end to end in a real n8n: imported unchanged except for
 * their credentials (bound by type to a real OpenLDAP, the OTDS emulator, the Firebase, OpenText Cloud
 * Messaging and AppWorks Gateway emulators and an acknowledgment secret), activated, and driven by one
 * directory scenario. In OpenLDAP (templates 1, 2, 4, 5, 6, 8 on Firebase): a user created, role-group
 * moves, a privileged assignment, a bulk change. In OTDS through the emulator's admin API (templates 3 on
 * Cloud Messaging with SMS fallback, and 7 on the AppWorks Gateway): accounts locked, disabled and reset, a
 * person promoted into and one removed from All Managers. Plus the requests the webhook templates take (a
 * segment alert, two approval requests, a critical notice) and a manual broadcast. Every message each
 * emulator received is checked against what each use case must send, person by person; acknowledgments
 * must land in the directory and the overdue ones must reach the managers.
 *
 * The polling templates share n8n's one-minute schedule; the waits (approval reminders, the notice's
 * deadline) are one minute each and run in parallel, so the file takes about three minutes.
 * Needs `npm run build` first. The scenario's cast and the emulator readers are in ../support/template-scenario.
 */
import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startOtdsEmulator, type OtdsEmulator } from '../../emulators/otds/server';
import { startAppWorksEmulator, type AppWorksEmulator } from '../../emulators/push/appworks';
import { startFcmEmulator, type FcmEmulator } from '../../emulators/push/fcm';
import { startMraEmulator, type MraEmulator } from '../../emulators/push/mra';
import { attrLine, departmentManagersGroup, transitiveUsers } from '../../devkit/fixture';
import {
	ensureN8n,
	executionError,
	N8nInstance,
	nodeItems,
	packPackage,
	readPackageJson,
	startN8n,
} from '../../devkit/n8n';
import { startN8nQueue, type N8nQueue } from '../../devkit/n8n/queue-mode';
import { startSlapd, type Slapd } from '../../devkit/slapd';
import {
	bindCredentials,
	credentialTypesOf,
	loadTemplates,
	templatesDir,
	withoutCredentials,
	workNodes,
	type TemplateFile,
} from '../../devkit/templates';
import { ldapCredentialData } from '../../devkit/ldap-credential';
import {
	appWorksReceived,
	castScenario,
	driveOtds,
	fcmReceived,
	mraReceived,
	otdsId,
	pairs,
	readLdapAttribute,
	settled,
	tokenOf,
	TOKEN_ATTRIBUTE,
	transitiveUsersAfter,
	type Cast,
	type Received,
} from '../support/template-scenario';

const repoRoot = path.resolve(__dirname, '..', '..');
const pkg = readPackageJson(repoRoot);
const TEST_TIMEOUT = 600_000;
const NEWCOMER = 'tmpl.newcomer';

/**
 * Set by test/scale/templates-queue.test.ts, which runs this same scenario in n8n's queue mode: main, two workers
 * and a webhook processor, with the webhook templates called at the webhook processor.
 */
const QUEUE_MODE_VARIABLE = 'OTDP_TEMPLATES_IN_QUEUE_MODE';
const inQueueMode = process.env[QUEUE_MODE_VARIABLE] === '1';
let queue: N8nQueue | undefined;
let n8n: N8nInstance | undefined;
/** Where production webhooks are called: n8n itself, or in queue mode the webhook processor. */
let webhookBase = '';
let slapd: Slapd | undefined;
let otds: OtdsEmulator | undefined;
let fcm: FcmEmulator | undefined;
let mra: MraEmulator | undefined;
let appworks: AppWorksEmulator | undefined;
let cast: Cast;
let tarball: string | undefined;
const templates = loadTemplates();
const credentials: Record<string, { id: string; name: string }> = {};
const workflowIds: Record<string, string> = {};

beforeAll(async () => {
	await ensureN8n();
	tarball = await packPackage(repoRoot);
	[slapd, fcm, mra] = await Promise.all([
		startSlapd({ users: 60, otds: false, syncprov: true }),
		startFcmEmulator(),
		startMraEmulator(),
	]);
	const fixture = slapd.fixture;
	cast = castScenario(fixture);
	// OTDS holds the same people. Every person has one device token, `tok-<uid>`, in the attribute the templates
	// read, in both directories; in OTDS the person the scenario locks has none (no app: template 3 sends an SMS).
	otds = await startOtdsEmulator({ fixture });
	for (const u of fixture.users)
		if (u.uid !== cast.locked.uid) otds.store.updateUser(otdsId(u.uid), { [TOKEN_ATTRIBUTE]: tokenOf(u.uid) });
	// The gateway knows every OTDS user; one manager has no device registered with it.
	appworks = await startAppWorksEmulator({
		users: fixture.users.map((u) => otdsId(u.uid)),
		usersWithoutDevices: [otdsId(cast.withoutAppWorksDevice.uid)],
	});
	const ldif = fixture.users
		.map(
			(u) =>
				`${attrLine('dn', slapd!.layout.userDN(u.uid))}changetype: modify\nadd: objectClass\nobjectClass: otdpRecipient\n-\nadd: ${TOKEN_ATTRIBUTE}\n${attrLine(TOKEN_ATTRIBUTE, tokenOf(u.uid))}`,
		)
		.join('\n');
	await slapd.ldapmodify(ldif);
	if (inQueueMode) {
		queue = await startN8nQueue({ tarball, workers: 2 });
		n8n = queue.main;
		webhookBase = queue.webhook.url;
	} else {
		n8n = await startN8n({ tarball });
		webhookBase = n8n.url;
	}
	await n8n.setupOwner();
	await n8n.createApiKey();
	const create = async (type: string, name: string, data: Record<string, unknown>) => {
		credentials[type] = { id: await n8n!.createCredential(type, name, data), name };
	};
	await create('openTextDirectoryLdapApi', 'Test slapd', ldapCredentialData(slapd));
	await create('openTextDirectoryServicesApi', 'OTDS emulator', {
		serverUrl: otds.url,
		authMethod: 'ticket',
		userName: otds.adminUser,
		password: otds.adminPassword,
	});
	await create('openTextFirebaseCloudMessagingApi', 'Firebase emulator', {
		serviceAccountJson: fcm.account.json,
		apiBaseUrl: fcm.baseUrl,
	});
	await create('openTextCloudMessagingApi', 'Cloud Messaging emulator', {
		baseUrl: mra.baseUrl,
		authentication: 'oauth2',
		tokenUrl: mra.tokenUrl,
		clientId: mra.clientId,
		clientSecret: mra.clientSecret,
	});
	const [appName, appKey] = Object.entries(appworks.apps)[0];
	await create('openTextAppWorksGatewayApi', 'AppWorks emulator', {
		gatewayUrl: appworks.gatewayUrl,
		apiType: 'service',
		appName,
		appKey,
	});
	await create('openTextPushAcknowledgmentApi', 'Acknowledgment secret', {
		signingSecret: crypto.randomBytes(24).toString('base64url'),
	});
}, 900_000);

afterAll(async () => {
	await Promise.allSettled([
		queue ? queue.stop() : n8n?.stop(),
		slapd?.stop(),
		otds?.stop(),
		fcm?.stop(),
		mra?.stop(),
		appworks?.stop(),
	]);
	if (tarball) fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
}, 60_000);

describe('the template files', () => {
	test('eight templates, one per use case, using only this package and n8n core nodes, with placeholder credentials and setup notes', () => {
		expect(templates.map((t) => t.file)).toHaveLength(8);
		for (const { file, json } of templates) {
			expect(json.meta).toEqual(expect.objectContaining({ templateCredsSetupCompleted: false }));
			expect(json.settings).toEqual({ executionOrder: 'v1' });
			const types = json.nodes.map((node) => node.type);
			for (const type of types)
				expect([`${file}: ${type}`]).toEqual([
					expect.stringMatching(new RegExp(`^${file}: (${pkg.name}\\.openText|n8n-nodes-base\\.)`)),
				]);
			expect(types.some((type) => type.startsWith(`${pkg.name}.`))).toBe(true);
			const notes = json.nodes.filter((node) => node.type === 'n8n-nodes-base.stickyNote');
			expect(notes.length).toBeGreaterThan(0);
			expect(String((notes[0].parameters as { content: string }).content)).toMatch(/[Cc]redential/);
			for (const node of json.nodes) {
				for (const ref of Object.values((node.credentials ?? {}) as Record<string, { name: string }>))
					expect(ref.name).toMatch(/set me up/);
			}
			// No two nodes overlap on the canvas.
			const positions = workNodes(json).map((node) => (node.position as number[]).join(','));
			expect(new Set(positions).size).toBe(positions.length);
			// Every connection names existing nodes.
			const names = new Set(json.nodes.map((node) => node.name));
			for (const [from, outputs] of Object.entries(
				json.connections as Record<string, { main: Array<Array<{ node: string }>> }>,
			)) {
				expect(names.has(from)).toBe(true);
				for (const output of outputs.main) for (const link of output) expect(names.has(link.node)).toBe(true);
			}
		}
		expect(credentialTypesOf(templates)).toEqual([
			'openTextAppWorksGatewayApi',
			'openTextCloudMessagingApi',
			'openTextDirectoryLdapApi',
			'openTextDirectoryServicesApi',
			'openTextFirebaseCloudMessagingApi',
			'openTextPushAcknowledgmentApi',
		]);
	});

	test('each template uses one directory source and one push channel, and its setup note names both', () => {
		const SOURCE: Record<string, string> = { ldap: 'Source: LDAP directory', otdsRest: 'Source: OTDS REST API' };
		const CHANNEL: Record<string, string> = {
			fcm: 'Push: Firebase Cloud Messaging',
			mra: 'Push: OpenText Cloud Messaging',
			appworks: 'Push: OpenText AppWorks Gateway',
		};
		const used: Record<string, string> = {};
		for (const { file, json } of templates) {
			const nodes = workNodes(json);
			const sources = [
				...new Set(
					nodes
						.filter((n) => n.type.startsWith(`${pkg.name}.openTextDirectoryServices`))
						.map((n) => String((n.parameters as { source: string }).source)),
				),
			];
			const channels = [
				...new Set(
					nodes
						.filter((n) => n.type === `${pkg.name}.openTextPush`)
						.map((n) => String((n.parameters as { channel: string }).channel)),
				),
			];
			expect([file, sources.length, channels.length]).toEqual([file, 1, 1]);
			const note = String((json.nodes.find((n) => n.name === 'Setup')!.parameters as { content: string }).content);
			expect([file, note]).toEqual([file, expect.stringContaining(SOURCE[sources[0]])]);
			expect([file, note]).toEqual([file, expect.stringContaining(CHANNEL[channels[0]])]);
			used[file.slice(0, 2)] = `${sources[0]} → ${channels[0]}`;
		}
		// Most templates watch the LDAP directory OTDS synchronises from; the account-status and broadcast ones use OTDS itself.
		expect(used).toEqual({
			'01': 'ldap → fcm',
			'02': 'ldap → fcm',
			'03': 'otdsRest → mra',
			'04': 'ldap → fcm',
			'05': 'ldap → fcm',
			'06': 'ldap → fcm',
			'07': 'otdsRest → appworks',
			'08': 'ldap → fcm',
		});
	});

	test('the committed JSON is what templates/generate.mjs writes', () => {
		const out = fs.mkdtempSync(path.join(os.tmpdir(), 'otdp-templates-'));
		try {
			execFileSync(process.execPath, [path.join(templatesDir, 'generate.mjs'), out]);
			expect(fs.readdirSync(out).sort()).toEqual(templates.map((t) => t.file));
			for (const { file } of templates)
				expect([file, fs.readFileSync(path.join(out, file), 'utf8')]).toEqual([
					file,
					fs.readFileSync(path.join(templatesDir, file), 'utf8'),
				]);
		} finally {
			fs.rmSync(out, { recursive: true, force: true });
		}
	});
});

describe('the templates in a real n8n', () => {
	const byFile = (prefix: string): TemplateFile => templates.find((t) => t.file.startsWith(prefix))!;

	test(
		'all eight import unchanged except for their credentials, and the triggered ones activate',
		async () => {
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
			for (const prefix of ['01', '02', '03', '04'])
				expect(await n8n!.executions(workflowIds[byFile(prefix).file])).toEqual([]);
		},
		TEST_TIMEOUT,
	);

	test(
		'one scenario in two directories and four requests: each use case delivers exactly the right messages to exactly the right people',
		async () => {
			const fixture = slapd!.fixture;
			const dn = (uid: string) => slapd!.layout.userDN(uid);
			const user = (uid: string) => fixture.userByUid.get(uid)!;
			const { vpnLeaver, approverJoiner, newAdmin, bulk, manager, approvers, requesters } = cast;
			expect(bulk).toHaveLength(25);

			// OpenLDAP: the whole scenario in one ldapmodify, so that one poll sees it all.
			const ldif = [
				`${attrLine('dn', dn(NEWCOMER))}changetype: add\nobjectClass: inetOrgPerson\nobjectClass: otdpRecipient\n${attrLine('uid', NEWCOMER)}cn: Nora Newcomer\nsn: Newcomer\ngivenName: Nora\nmail: nora.newcomer@example.com\n${attrLine('manager', dn(manager.uid))}${attrLine('otdpDeviceToken', tokenOf(NEWCOMER))}`,
				`${attrLine('dn', slapd!.layout.groupDN('All Staff'))}changetype: modify\nadd: member\n${attrLine('member', dn(NEWCOMER))}`,
				`${attrLine('dn', slapd!.layout.groupDN('VPN Users'))}changetype: modify\ndelete: member\n${attrLine('member', dn(vpnLeaver.uid))}`,
				`${attrLine('dn', slapd!.layout.groupDN('Finance Approvers'))}changetype: modify\nadd: member\n${attrLine('member', dn(approverJoiner.uid))}`,
				`${attrLine('dn', slapd!.layout.groupDN('Domain Admins'))}changetype: modify\nadd: member\n${attrLine('member', dn(newAdmin.uid))}`,
				...bulk.map(
					(u) => `${attrLine('dn', dn(u.uid))}changetype: modify\nreplace: title\ntitle: Reorganised ${u.title}\n`,
				),
			].join('\n');
			await slapd!.ldapmodify(ldif);
			// OTDS, through the emulator's admin API: an account locked, one disabled, one reset; a promotion and a demotion.
			await driveOtds(otds!, cast);

			const disabledBefore = new Set(fixture.users.filter((u) => u.status.disabled).map((u) => u.uid));
			const enabledIn = (group: string) =>
				[...transitiveUsers(fixture, group)].filter((uid) => !disabledBefore.has(uid)).sort();

			// --- requests to the webhook templates, while the pollers wait for their minute
			const post = async (pathName: string, body: unknown) => {
				const res = await fetch(`${webhookBase}/webhook/${pathName}`, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify(body),
				});
				expect(res.status).toBe(200);
			};
			// (5) the largest department-and-location segment
			const segments = new Map<string, string[]>();
			for (const u of fixture.users)
				if (!disabledBefore.has(u.uid))
					segments.set(`${u.department}|${u.location}`, [
						...(segments.get(`${u.department}|${u.location}`) ?? []),
						u.uid,
					]);
			const [segmentKey, segmentPeople] = [...segments.entries()].sort((a, b) => b[1].length - a[1].length)[0];
			const [department, location] = segmentKey.split('|');
			await post('opentext-segment-alert', {
				department,
				location,
				title: `Fire drill in ${location}`,
				message: `${department}: leave the building at 11:00.`,
			});
			// (6) one request left to go overdue, one approved through the link in the push
			const [approver1, approver2, approver3] = approvers;
			const [requester1, requester2] = requesters;
			await post('opentext-approval-request', {
				requestId: 'REQ-A',
				summary: 'VPN access for ' + requester1.uid,
				requester: requester1.uid,
				approvers: `${approver1.uid}, ${approver2.uid}`,
				remindAfterMinutes: 1,
				reminders: 1,
				escalateTo: 'Help Desk',
			});
			await post('opentext-approval-request', {
				requestId: 'REQ-B',
				summary: 'Finance share for ' + requester2.uid,
				requester: requester2.uid,
				approvers: approver3.uid,
				remindAfterMinutes: 5,
				reminders: 1,
			});
			// (8) a critical notice to a department, acknowledged by two of its people
			const noticeGroup = fixture.groups.find(
				(g) =>
					g.kind === 'department' &&
					enabledIn(g.name).length >= 4 &&
					enabledIn(g.name).length <= 15 &&
					!enabledIn(g.name).some((uid) => cast.used.has(uid)),
			)!;
			expect(noticeGroup).toBeDefined();
			const noticeTitle = 'Phishing campaign under way';
			await post('opentext-critical-notice', {
				noticeId: 'notice-42',
				group: noticeGroup.name,
				title: noticeTitle,
				message: 'Do not open invoices from unknown senders.',
				escalateAfterMinutes: 1,
			});
			// (7) the broadcast over OTDS and the AppWorks Gateway, run by hand after the OTDS changes
			const broadcast = await n8n!.runWorkflow(workflowIds[byFile('07').file], { triggerNode: 'Send announcement' });
			expect(executionError(broadcast)).toBeUndefined();

			// --- (8) acknowledgments from two people, through the links they received
			const fcmOf = (select: (d: Received) => boolean) => () => fcmReceived(fcm!).filter(select);
			const noticeMembers = enabledIn(noticeGroup.name);
			const noticePushes = await settled(
				fcmOf((d) => d.title === noticeTitle),
				noticeMembers.length,
				60_000,
			);
			expect(noticePushes.map((d) => d.uid).sort()).toEqual(noticeMembers);
			const ackers = noticeMembers.slice(0, 2);
			for (const uid of ackers) {
				const push = noticePushes.find((d) => d.uid === uid)!;
				expect(push.data).toEqual(expect.objectContaining({ noticeId: 'notice-42', ackRequired: 'true' }));
				const url = new URL(push.data.ackUrl);
				url.search = '';
				const res = await fetch(url, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify({ token: push.data.ackToken, kind: 'acknowledged' }),
				});
				expect(res.status).toBe(200);
			}
			// --- (6) approve REQ-B through the link its approver got
			const ask = (
				await settled(
					fcmOf((d) => d.title === 'Approval needed: Finance share for ' + requester2.uid),
					1,
					60_000,
				)
			)[0];
			expect(ask.uid).toBe(approver3.uid);
			const approved = await fetch(ask.data.approveUrl);
			expect(approved.status).toBe(200);

			// --- what each use case must have sent, on Firebase (LDAP templates)
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
					...enabledIn('Help Desk').map((uid) => ({
						title: `Overdue approval: VPN access for ${requester1.uid}`,
						uid,
					})),
					{ title: `Approval needed: Finance share for ${requester2.uid}`, uid: approver3.uid },
					{ title: 'Request REQ-B approved', uid: requester2.uid },
				],
				notice: [
					...noticeMembers.map((uid) => ({ title: noticeTitle, uid })),
					...noticeMembers
						.filter((uid) => !ackers.includes(uid) && user(uid).manager)
						.map((uid) => ({ title: `Not acknowledged: ${noticeTitle}`, uid: user(uid).manager! })),
				],
			};
			const all = Object.values(expected).flat();
			const seen = await settled(
				fcmOf(() => true),
				all.length,
				240_000,
			);
			const byCase = (titles: Set<string>) => pairs(seen.filter((d) => titles.has(d.title)));
			const received = Object.fromEntries(
				Object.entries(expected).map(([useCase, list]) => [useCase, byCase(new Set(list.map((d) => d.title)))]),
			);
			expect(received).toEqual(
				Object.fromEntries(Object.entries(expected).map(([useCase, list]) => [useCase, pairs(list)])),
			);
			expect(pairs(seen)).toEqual(pairs(all));

			// The escalations name the person who has not acknowledged; the bulk alert counts the changes.
			for (const uid of noticeMembers.filter((u) => !ackers.includes(u))) {
				expect(
					seen.some(
						(d) =>
							d.title.startsWith('Not acknowledged') && d.uid === user(uid).manager && d.body.startsWith(display(uid)),
					),
				).toBe(true);
			}
			expect(seen.find((d) => d.title === 'Bulk directory change')?.body).toMatch(
				/^\d+ changes in one poll: .*user\.updated/,
			);

			// (3) account status from OTDS, on OpenText Cloud Messaging: a push to each person with a device token, an
			// SMS (title, text and link in one) to the locked person, who has none; each with the right link.
			const statusTitles = ['Your account is locked', 'Your account was disabled', 'Please set a new password'];
			const status = await settled(() => mraReceived(mra!, fixture, statusTitles), 3, 120_000);
			const via = (list: Received[]) => list.map((d) => `${d.via} | ${d.title} → ${d.uid}`).sort();
			expect(via(status)).toEqual(
				[
					`sms | Your account is locked → ${cast.locked.uid}`,
					`push | Your account was disabled → ${cast.disabled.uid}`,
					`push | Please set a new password → ${cast.reset.uid}`,
				].sort(),
			);
			const sms = mra!.submissions.find((m) => m.kind === 'sms')!;
			expect(sms.content).toEqual({
				destinations: [{ sms: cast.locked.mobile }],
				sms_text: `Your account is locked: Too many failed sign-ins on ${otdsId(cast.locked.uid)}. Unlock it yourself with the link. https://selfservice.example.com/unlock`,
			});
			const link = (uid: string) => status.find((d) => d.uid === uid)?.link;
			expect([link(cast.disabled.uid), link(cast.reset.uid)]).toEqual([
				'https://helpdesk.example.com/contact',
				'https://selfservice.example.com/password',
			]);
			expect(status.filter((d) => d.via === 'push').map((d) => d.priority)).toEqual(['high', 'high']);

			// (7) the broadcast: every enabled member of All Managers in OTDS as it stands after the moves (the promoted
			// one in, the demoted and the disabled ones out), nested groups expanded, each once, through the gateway; the
			// manager without a registered device is not reached.
			const moves = [
				{ group: departmentManagersGroup(cast.promoted.department), uid: cast.promoted.uid, add: true },
				{ group: departmentManagersGroup(cast.demoted.department), uid: cast.demoted.uid, add: false },
			];
			const audience = [...transitiveUsersAfter(fixture, 'All Managers', moves)]
				.filter((uid) => !disabledBefore.has(uid) && uid !== cast.disabled.uid)
				.sort();
			expect(audience).toEqual(expect.arrayContaining([cast.promoted.uid, cast.withoutAppWorksDevice.uid]));
			expect(audience).not.toContain(cast.demoted.uid);
			expect(audience).not.toContain(cast.disabled.uid);
			const results = nodeItems(broadcast, 'Broadcast');
			// The gateway's success answer is not public and names no one: every person of the accepted request is sent;
			// only the gateway's records show the manager without a device was not reached.
			expect(results.map((r) => `${String(r.address)} ${String(r.status)}`).sort()).toEqual(
				audience.map((uid) => `${otdsId(uid)} sent`).sort(),
			);
			const gateway = appWorksReceived(appworks!);
			expect(pairs(gateway)).toEqual(
				pairs(
					audience
						.filter((uid) => uid !== cast.withoutAppWorksDevice.uid)
						.map((uid) => ({ title: 'Maintenance tonight', uid })),
				),
			);
			expect(new Set(gateway.map((d) => d.body))).toEqual(
				new Set(['Email and VPN are unavailable from 22:00 to 23:00 UTC.']),
			);
			expect(
				appworks!.notifications.every(
					(n) => n.api === 'service' && (n.content as { collapseKey?: string }).collapseKey === 'announcement',
				),
			).toBe(true);

			// Acknowledgments landed on the directory records of those who acknowledged, and only there.
			for (const uid of noticeMembers) {
				const values = await readLdapAttribute(slapd!, dn(uid), 'otdpAcknowledgment');
				// The timed value, and the bare notice id that makes a second record of it refused (exactly once).
				if (ackers.includes(uid))
					expect(values.sort()).toEqual(['notice-42', expect.stringMatching(/^notice-42\|\d{4}-\d\d-\d\dT/)]);
				else expect(values).toEqual([]);
			}
			// Nothing else reached the OpenText services, and the OTDS changes stayed in OTDS: the LDAP templates sent no status message.
			expect(mra!.submissions).toHaveLength(3);
			expect(seen.filter((d) => statusTitles.includes(d.title) || d.title === 'Maintenance tonight')).toEqual([]);

			// No template execution failed.
			for (const template of templates) {
				for (const execution of await n8n!.executions(workflowIds[template.file])) {
					expect([template.file, execution.status, executionError(execution)]).toEqual([
						template.file,
						'success',
						undefined,
					]);
				}
			}
		},
		TEST_TIMEOUT,
	);
});
