/**
 * The demo: the OTDS emulator seeded with the enterprise fixture (every person with a demo device token),
 * a real OpenLDAP with the same people when slapd is installed, the push emulators (Firebase, Cloud
 * Messaging, AppWorks) with the web inbox, and a real n8n with this package, credentials pre-wired, the
 * templates and the demo's own workflows imported and the demo-safe ones activated. Prints what to open
 * and what to try; Ctrl-C stops everything it started.
 *
 * Environment: DEMO_PORT (n8n, default 5678), DEMO_INBOX_PORT (the Firebase emulator and the inbox,
 * default 5680), DEMO_OTDS_PORT (default 5681), DEMO_USERS (directory size, default 300),
 * DEMO_LDAP=0 (no OpenLDAP), DEMO_EXIT_AFTER_START=1 (start, print, stop: for the tests).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { startOtdsEmulator, type OtdsEmulator } from '../../emulators/otds/server';
import { startAppWorksEmulator, type AppWorksEmulator } from '../../emulators/push/appworks';
import { startFcmEmulator, type FcmEmulator } from '../../emulators/push/fcm';
import {
	appWorksSource,
	createInbox,
	fcmSource,
	InboxPeople,
	mraSource,
	type InboxChannel,
	type InboxDelivery,
} from '../../emulators/push/inbox';
import { startMraEmulator, type MraEmulator } from '../../emulators/push/mra';
import { attrLine } from '../../devkit/fixture';
import {
	ensureN8n,
	FIRST_INSTALL_COST,
	packPackage,
	startN8n,
	type N8nInstance,
	type WorkflowJson,
} from '../../devkit/n8n';
import { startSlapd, type Slapd } from '../../devkit/slapd';
import { Scenarios, SCENARIOS, tokenOf } from './scenarios';
import {
	ACK_ATTRIBUTE,
	DEVICE_TOKEN_ATTRIBUTE,
	demoWorkflows,
	PARTITION,
	withSenderField,
	type DemoCredentials,
} from './workflows';
import { ldapCredentialData } from '../../devkit/ldap-credential';
import { bindCredentialsByType } from '../../devkit/templates';

const root = path.resolve(__dirname, '..');
const say = (line: string) => process.stdout.write(`[demo] ${line}\n`);
const DEMO_OWNER = {
	email: 'demo@example.com',
	password: 'Demo-Directory-Push-1',
	firstName: 'Demo',
	lastName: 'Owner',
};
const OTDS_ADMIN_PASSWORD = 'Demo-Otds-Admin-1!';
/** Where `npm run demo -- scenario <name>` finds the running demo. */
export const STATE_FILE = path.join(root, '.tmp', 'demo-state.json');

function elapsed(since: number): string {
	return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

async function step<T>(what: string, run: () => Promise<T>): Promise<T> {
	const since = Date.now();
	say(`${what}...`);
	try {
		const result = await run();
		say(`  done (${elapsed(since)})`);
		return result;
	} catch (error) {
		throw new Error(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
	}
}

function portFromEnv(name: string, fallback: number): number {
	const raw = process.env[name];
	if (raw === undefined || raw === '') return fallback;
	const port = Number(raw);
	if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${name}=${raw} is not a port number`);
	return port;
}

function explainPort(error: unknown, name: string, port: number): Error {
	const message = error instanceof Error ? error.message : String(error);
	return /EADDRINUSE/.test(message)
		? new Error(`port ${port} is already in use: stop what uses it, or set ${name} to another port`)
		: new Error(message);
}

/**
 * A template is demo-safe to activate when all its credentials are the demo's (so it only reads the demo
 * directories and pushes to the emulators) and it has a trigger n8n can activate (not only a manual one).
 * `meta.demoSafe: false` in a template keeps it inactive.
 */
function isDemoSafe(json: WorkflowJson): boolean {
	const meta = (json.meta ?? {}) as Record<string, unknown>;
	if (meta.demoSafe === false) return false;
	return (
		json.nodes.some((node) => /trigger$/i.test(node.type) && node.type !== 'n8n-nodes-base.manualTrigger') ||
		json.nodes.some((node) => node.type === 'n8n-nodes-base.webhook')
	);
}

/** The inbox channels a workflow sends through (its OpenText Push nodes, with Cloud Messaging's fallback). */
function channelsOf(json: WorkflowJson): InboxChannel[] {
	const channels = new Set<InboxChannel>();
	for (const node of json.nodes) {
		if (!node.type.endsWith('.openTextPush')) continue;
		const parameters = (node.parameters ?? {}) as Record<string, unknown>;
		const channel = String(parameters.channel ?? 'fcm');
		if (channel === 'appworks') channels.add('appworks');
		else if (channel !== 'mra') channels.add('fcm');
		else {
			channels.add('mraPush');
			const fallback = String(parameters.mraFallback ?? 'none');
			if (/sms/i.test(fallback)) channels.add('sms');
			if (/email/i.test(fallback)) channels.add('email');
		}
	}
	return [...channels];
}

/** "03-account-status.json" → "template 3 (account status)". */
function templateLabel(file: string): string {
	const match = /^(\d+)-(.+)\.json$/.exec(file);
	return match ? `template ${Number(match[1])} (${match[2].replace(/-/g, ' ')})` : file;
}

/** "templates 1, 2 and 4" (the templates that send through a channel, for the start-up text). */
function templatesText(labels: string[]): string {
	if (labels.length <= 1) return labels[0] ?? '';
	const numbers = labels.map((label) => /^template (\d+)/.exec(label)?.[1] ?? label);
	return `templates ${numbers.slice(0, -1).join(', ')} and ${numbers[numbers.length - 1]}`;
}

/**
 * Who sent an inbox message whose data does not say (data.workflow; SMS and email carry no data): the workflow
 * that sends through that channel, when it is the only one.
 */
function senderOfChannel(byChannel: Map<InboxChannel, string[]>): (delivery: InboxDelivery) => string | undefined {
	return (delivery) => {
		const names = byChannel.get(delivery.channel) ?? [];
		return names.length === 1 ? names[0] : undefined;
	};
}

async function main(): Promise<void> {
	const n8nPort = portFromEnv('DEMO_PORT', 5678);
	const inboxPort = portFromEnv('DEMO_INBOX_PORT', 5680);
	const otdsPort = portFromEnv('DEMO_OTDS_PORT', 5681);
	const users = Number(process.env.DEMO_USERS ?? 300);
	let otds: OtdsEmulator | undefined;
	let slapd: Slapd | undefined;
	let fcm: FcmEmulator | undefined;
	let mra: MraEmulator | undefined;
	let awg: AppWorksEmulator | undefined;
	let n8n: N8nInstance | undefined;
	let stopping = false;
	const stopAll = async (code: number) => {
		if (stopping) return;
		stopping = true;
		say('Stopping n8n, the directories and the emulators...');
		await n8n?.stop().catch(() => undefined);
		await Promise.allSettled([slapd?.stop(), otds?.stop(), fcm?.stop(), mra?.stop(), awg?.stop()]);
		fs.rmSync(STATE_FILE, { force: true });
		say('Stopped. Nothing is left running.');
		process.exit(code);
	};
	process.on('SIGINT', () => void stopAll(0));
	process.on('SIGTERM', () => void stopAll(0));
	process.on('SIGHUP', () => void stopAll(0));

	try {
		// 1. Directories.
		otds = await step(`Starting the OTDS emulator with ${users} people (the enterprise fixture)`, async () => {
			try {
				return await startOtdsEmulator({ users, port: otdsPort, adminPassword: OTDS_ADMIN_PASSWORD });
			} catch (error) {
				throw explainPort(error, 'DEMO_OTDS_PORT', otdsPort);
			}
		});
		// The inbox finds people by device token (Firebase, Cloud Messaging push), mobile (SMS), mail (email) and OTDS user ID (AppWorks).
		const people = new InboxPeople();
		const otdsIds: string[] = [];
		for (const user of otds.fixture?.users ?? []) {
			const id = `${user.uid}@${PARTITION}`;
			otds.store.updateUser(id, { [DEVICE_TOKEN_ATTRIBUTE]: tokenOf(user.uid) });
			people.add(
				{ id, displayName: user.displayName, department: user.department, title: user.title },
				{ deviceTokens: [tokenOf(user.uid)], mobile: user.mobile, mail: user.mail },
			);
			otdsIds.push(id);
		}
		say(
			`  OTDS ready at ${otds.url} (sign in as ${otds.adminUser}); every person has a demo device token in ${DEVICE_TOKEN_ATTRIBUTE}`,
		);

		if (process.env.DEMO_LDAP !== '0') {
			try {
				slapd = await step(`Starting a real OpenLDAP with the same ${users} people (second source)`, () =>
					startSlapd({ users, otds: false, syncprov: true }),
				);
				const ldap = slapd;
				await ldap.ldapmodify(
					ldap.fixture.users
						.map(
							(u) =>
								`${attrLine('dn', ldap.layout.userDN(u.uid))}changetype: modify\nadd: objectClass\nobjectClass: otdpRecipient\n-\nadd: ${DEVICE_TOKEN_ATTRIBUTE}\n${attrLine(DEVICE_TOKEN_ATTRIBUTE, tokenOf(u.uid))}`,
						)
						.join('\n'),
				);
				say(
					`  Directory ready at ${slapd.url} (base ${slapd.baseDN}, bind ${slapd.adminDN} / ${slapd.adminPassword}); the same device tokens in ${DEVICE_TOKEN_ATTRIBUTE}`,
				);
			} catch (error) {
				say(`  OpenLDAP is not available, continuing with OTDS only: ${(error as Error).message.split('\n')[0]}`);
				say('  (install it with: sudo apt-get install -y slapd ldap-utils)');
			}
		}

		// 2. Push emulators and the inbox.
		const otdsStore = otds.store;
		const acknowledgmentOf = (personId: string, noticeId: string): string | undefined => {
			const user = otdsStore.findUser(personId);
			if (!user) return undefined;
			const key = Object.keys(user.attributes).find((k) => k.toLowerCase() === ACK_ATTRIBUTE.toLowerCase());
			const values = key ? user.attributes[key] : [];
			return (Array.isArray(values) ? values : [values]).map(String).find((v) => v.startsWith(`${noticeId}|`));
		};
		let scenarios: Scenarios | undefined;
		// Which templates send through which channel (filled when they are imported): their labels for the start-up
		// text, their workflow names for the inbox's "from" of messages without data.
		const templatesByChannel = new Map<InboxChannel, string[]>();
		const sendersByChannel = new Map<InboxChannel, string[]>();
		const inbox = createInbox({
			sources: [
				fcmSource(() => fcm?.deliveries ?? []),
				mraSource(() => mra?.submissions ?? []),
				appWorksSource(() => awg?.notifications ?? []),
			],
			people,
			senderOf: senderOfChannel(sendersByChannel),
			directoryAcknowledgment: acknowledgmentOf,
			scenarios: SCENARIOS,
			runScenario: async (name) => {
				if (!scenarios) throw new Error('The demo is still starting: try again in a moment');
				return await scenarios.run(name);
			},
			title: "Demo inbox: people's phones",
		});
		fcm = await step(
			'Starting the push emulators (Firebase with the web inbox, Cloud Messaging, AppWorks)',
			async () => {
				try {
					const started = await startFcmEmulator({
						port: inboxPort,
						projectId: 'otdp-demo',
						extraRoutes: inbox.routes,
					});
					mra = await startMraEmulator();
					// The gateway knows the OTDS people (template 7 sends to them by OTDS user ID).
					awg = await startAppWorksEmulator({ users: otdsIds });
					return started;
				} catch (error) {
					throw explainPort(error, 'DEMO_INBOX_PORT', inboxPort);
				}
			},
		);
		const inboxUrl = `${fcm.origin}/inbox`;
		say(`  Inbox ready at ${inboxUrl}`);

		// 3. n8n.
		await step(`Making sure n8n 2.8.4 is installed (into a cache outside the repository: ${FIRST_INSTALL_COST})`, () =>
			ensureN8n(undefined, (line) => say(`  ${line}`)),
		);
		const tarball = await step('Packing the package', () => packPackage(root, (line) => say(`  ${line}`)));
		n8n = await step(`Starting n8n on port ${n8nPort} with the package installed (about 20 s)`, async () => {
			try {
				return await startN8n({ tarball, port: n8nPort, log: (line) => say(`  ${line}`) });
			} catch (error) {
				throw explainPort(error, 'DEMO_PORT', n8nPort);
			}
		});
		fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
		const instance = n8n;
		await instance.setupOwner(DEMO_OWNER);
		await instance.createApiKey('otdp-demo');

		// 4. Credentials, one per type.
		const byType: Record<string, { id: string; name: string }> = {};
		const credential = async (type: string, name: string, data: Record<string, unknown>) => {
			byType[type] = { id: await instance.createCredential(type, name, data), name };
			return byType[type];
		};
		const fcmEmulator = fcm;
		const creds: DemoCredentials = await step(
			'Creating the credentials (OTDS, OpenLDAP, Firebase, Cloud Messaging, AppWorks, acknowledgment secret)',
			async () => {
				const c: DemoCredentials = {
					otds: await credential('openTextDirectoryServicesApi', 'Demo OTDS (emulator)', {
						serverUrl: otds!.url,
						authMethod: 'ticket',
						userName: otds!.adminUser,
						password: OTDS_ADMIN_PASSWORD,
					}),
					fcm: await credential('openTextFirebaseCloudMessagingApi', 'Demo Firebase (emulator)', {
						serviceAccountJson: fcmEmulator.account.json,
						apiBaseUrl: fcmEmulator.baseUrl,
					}),
					ack: await credential('openTextPushAcknowledgmentApi', 'Demo acknowledgment secret', {
						signingSecret: crypto.randomBytes(24).toString('base64url'),
					}),
				};
				if (slapd) {
					c.ldap = await credential('openTextDirectoryLdapApi', 'Demo directory (OpenLDAP)', ldapCredentialData(slapd));
				}
				if (mra) {
					await credential('openTextCloudMessagingApi', 'Demo Cloud Messaging (emulator)', {
						baseUrl: mra.baseUrl,
						authentication: 'oauth2',
						tokenUrl: mra.tokenUrl,
						clientId: mra.clientId,
						clientSecret: mra.clientSecret,
					});
				}
				if (awg) {
					const [appName, appKey] = Object.entries(awg.apps)[0] ?? ['', ''];
					await credential('openTextAppWorksGatewayApi', 'Demo AppWorks (emulator)', {
						gatewayUrl: awg.gatewayUrl,
						apiType: 'service',
						appName,
						appKey,
					});
				}
				return c;
			},
		);

		// 5. Workflows: the demo's own, then every template.
		const ackWebhookId = crypto.randomUUID();
		const ackWebhookUrl = `${instance.url}/webhook/${ackWebhookId}/acknowledgment`;
		const counts = new Map<string, number>();
		for (const user of otds.fixture?.users ?? []) counts.set(user.department, (counts.get(user.department) ?? 0) + 1);
		const department = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'Finance';
		const own = demoWorkflows({ credentials: creds, ackWebhookId, ackWebhookUrl, department });
		const ids = new Map<string, string>();
		const toActivate: Array<{ id: string; name: string }> = [];
		await step(`Importing the demo's ${own.length} workflows`, async () => {
			for (const wf of own) {
				const id = await instance.createWorkflow(wf.json);
				ids.set(wf.key, id);
				if (wf.demoSafe) toActivate.push({ id, name: wf.json.name });
			}
		});
		const templateDir = path.join(root, 'templates');
		const templateFiles = fs.existsSync(templateDir)
			? fs
					.readdirSync(templateDir)
					.filter((f) => f.endsWith('.json'))
					.sort()
			: [];
		const templateNotes: string[] = [];
		/** The template that broadcasts through the AppWorks Gateway (7), run by the broadcast scenario. */
		let broadcast: { id: string; label: string } | undefined;
		if (process.env.DEMO_TEMPLATES === '0') {
			say('DEMO_TEMPLATES=0: the templates are not imported.');
		} else if (templateFiles.length === 0) {
			say("No templates/*.json yet: only the demo's own workflows are imported.");
		} else {
			await step(`Importing ${templateFiles.length} templates (credentials bound by type to the demo's)`, async () => {
				for (const file of templateFiles) {
					let template: WorkflowJson;
					try {
						template = JSON.parse(fs.readFileSync(path.join(templateDir, file), 'utf8')) as WorkflowJson;
					} catch (error) {
						templateNotes.push(`${file}: not imported, not valid JSON (${(error as Error).message})`);
						continue;
					}
					const bound = bindCredentialsByType(withSenderField(template), byType);
					const json = bound.workflow;
					const missing = bound.missing.map((ref) => ref.type);
					delete json.id;
					const id = await instance.createWorkflow(json);
					const channels = missing.length === 0 ? channelsOf(json) : [];
					for (const channel of channels) {
						templatesByChannel.set(channel, [...(templatesByChannel.get(channel) ?? []), templateLabel(file)]);
						sendersByChannel.set(channel, [...(sendersByChannel.get(channel) ?? []), json.name]);
					}
					if (channels.includes('appworks') && !broadcast) broadcast = { id, label: templateLabel(file) };
					if (missing.length > 0)
						templateNotes.push(
							`${file}: imported, inactive (no demo credential of type ${[...new Set(missing)].join(', ')})`,
						);
					else if (isDemoSafe(json)) toActivate.push({ id, name: `template ${file}` });
					else templateNotes.push(`${file}: imported, inactive (run it by hand, or it is marked demoSafe: false)`);
				}
			});
		}
		await step(
			`Activating ${toActivate.length} demo-safe workflows (each polls at once, then every minute)`,
			async () => {
				for (const wf of toActivate) {
					try {
						await instance.activateWorkflow(wf.id);
					} catch (error) {
						templateNotes.push(`${wf.name}: could not be activated: ${(error as Error).message}`);
					}
				}
			},
		);
		for (const note of templateNotes) say(`  ${note}`);
		scenarios = new Scenarios({
			otds,
			slapd,
			n8n: instance,
			criticalWorkflowId: ids.get('critical-notice')!,
			broadcastWorkflowId: broadcast?.id,
			people,
			appworks: awg,
		});

		fs.mkdirSync(path.dirname(STATE_FILE), { recursive: true });
		fs.writeFileSync(
			STATE_FILE,
			JSON.stringify(
				{ pid: process.pid, inbox: inboxUrl, n8n: instance.url, otds: otds.url, workflows: Object.fromEntries(ids) },
				null,
				2,
			),
		);

		say('');
		say(`n8n is running: ${instance.url}`);
		say(`  sign in as ${DEMO_OWNER.email} / ${DEMO_OWNER.password} (a local demo account)`);
		say(`Inbox (people's phones, and the scenario panel): ${inboxUrl}`);
		say(
			`OTDS emulator: ${otds.url} (${otds.adminUser} / ${OTDS_ADMIN_PASSWORD}; admin API at ${otds.origin}/__emulator)`,
		);
		if (slapd) say(`OpenLDAP: ${slapd.url}, base ${slapd.baseDN}, bind ${slapd.adminDN} / ${slapd.adminPassword}`);
		const sendersOf = (...channels: InboxChannel[]) =>
			templatesText([...new Set(channels.flatMap((channel) => templatesByChannel.get(channel) ?? []))]);
		const statusTemplates = sendersOf('mraPush', 'sms');
		say("What to try (every message shows in the inbox, on the person's card, labelled with its channel and sender):");
		say('  1. Open the inbox and press "Lock an account" (or: npm run demo -- scenario lock). Within a minute the');
		say('     directory triggers poll OTDS and the person\'s card shows "Your account is locked": a Firebase push');
		if (statusTemplates) {
			say(`     from the demo's own workflow, and a Cloud Messaging push from ${statusTemplates}`);
			say('     (an SMS to their mobile instead when they have no device token).');
		} else {
			say("     from the demo's own workflow.");
		}
		say('  2. "Hire a person", "Grant a privileged group", "Bulk-move a department": each arrives within a minute.');
		say('  3. "Send a critical notice", then press Acknowledge on a card: the Push Trigger workflow writes');
		say(`     ${ACK_ATTRIBUTE} on that person in OTDS, and the card shows the directory record.`);
		if (broadcast) {
			say(`  4. "Broadcast to a group" runs ${broadcast.label}: All Managers get an announcement through the`);
			say('     AppWorks Gateway at once.');
		}
		say('  Who sends through which channel:');
		say("     - Firebase push: the demo's own workflows" + (sendersOf('fcm') ? `, and ${sendersOf('fcm')}` : '') + ';');
		if (statusTemplates) say(`     - OpenText Cloud Messaging (push, SMS fallback): ${statusTemplates};`);
		if (sendersOf('appworks'))
			say(`     - OpenText AppWorks Gateway: ${sendersOf('appworks')}, run by hand or by the scenario.`);
		say(`  ${broadcast ? 5 : 4}. In n8n, open the workflows:`);
		for (const wf of own) say(`     - ${wf.hint}`);
		if (templateFiles.length > 0 && process.env.DEMO_TEMPLATES !== '0') {
			say(
				`     - the ${templateFiles.length} templates ("OpenText: ..."), bound to the demo credentials; those watching OpenLDAP`,
			);
			say('       see the scenarios too, so a person may get two Firebase pushes: one from each source.');
		}
		say('Press Ctrl-C to stop everything.');
		if (process.env.DEMO_EXIT_AFTER_START === '1') await stopAll(0);
	} catch (error) {
		process.stderr.write(`[demo] ${error instanceof Error ? error.message : String(error)}\n`);
		await stopAll(1);
	}
}

void main();
