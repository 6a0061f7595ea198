/**
 * The demo's own workflows: the full loop, directory → push → acknowledgment → directory, over the OTDS
 * emulator, the Firebase emulator and the acknowledgment trigger. `demoSafe` ones are activated: they only
 * read the demo directory, push to the emulator and write acknowledgments back.
 */
import type { WorkflowJson } from '../../devkit/n8n';

const PKG = 'n8n-nodes-opentext-directory-push';
const DIRECTORY = `${PKG}.openTextDirectoryServices`;
const TRIGGER = `${PKG}.openTextDirectoryServicesTrigger`;
const PUSH = `${PKG}.openTextPush`;
const PUSH_TRIGGER = `${PKG}.openTextPushTrigger`;

export const PARTITION = 'Content Server Members';
export const DEVICE_TOKEN_ATTRIBUTE = 'otdpDeviceToken';
export const ACK_ATTRIBUTE = 'otdpAcknowledgment';
/** The group the critical notice goes to (use case 8). */
export const NOTICE_GROUP = 'Security Administrators';

export interface DemoCredentials {
	otds: { id: string; name: string };
	fcm: { id: string; name: string };
	ack: { id: string; name: string };
	ldap?: { id: string; name: string };
}

export interface DemoWorkflow {
	key: string;
	json: WorkflowJson;
	demoSafe: boolean;
	/** One line for the "what to try" list. */
	hint: string;
}

type Node = WorkflowJson['nodes'][number];
let counter = 0;
const node = (
	name: string,
	type: string,
	x: number,
	parameters: Record<string, unknown>,
	extra: Record<string, unknown> = {},
): Node => ({
	id: `demo-node-${++counter}`,
	name,
	type,
	typeVersion: 1,
	position: [x, 0],
	parameters,
	...extra,
});
const chain = (...names: string[]) =>
	Object.fromEntries(
		names.slice(0, -1).map((name, i) => [name, { main: [[{ node: names[i + 1], type: 'main', index: 0 }]] }]),
	);
/** The data field by which a message names the workflow that sent it, for the demo's inbox. */
export const SENDER_FIELD = { key: 'workflow', value: '={{ $workflow.name }}' };

/**
 * A copy of a workflow (a template) whose OpenText Push nodes also send SENDER_FIELD, so the inbox labels their
 * messages with the workflow's name. Messages without data (SMS, email) are labelled by their channel instead.
 */
export function withSenderField(json: WorkflowJson): WorkflowJson {
	const copy = JSON.parse(JSON.stringify(json)) as WorkflowJson;
	for (const node of copy.nodes) {
		if (!node.type.endsWith('.openTextPush')) continue;
		const parameters = (node.parameters ?? {}) as Record<string, any>;
		if ((parameters.operation ?? 'send') !== 'send') continue;
		const additional = (parameters.additionalFields ??= {});
		const data = (additional.data ??= {});
		const fields = (data.field ??= []) as Array<{ key: string; value: string }>;
		if (!fields.some((field) => field.key === SENDER_FIELD.key)) fields.unshift({ ...SENDER_FIELD });
		node.parameters = parameters;
	}
	return copy;
}

const workflow = (name: string, nodes: Node[], connections: Record<string, unknown>): WorkflowJson => ({
	name,
	nodes,
	connections,
	settings: { executionOrder: 'v1' },
	pinData: {},
});
/** An Edit Fields (Set 3.4) node: string fields and array fields, keeping the input fields. */
const setNode = (
	name: string,
	x: number,
	fields: Record<string, string>,
	arrays: Record<string, string> = {},
): Node => ({
	...node(name, 'n8n-nodes-base.set', x, {
		mode: 'manual',
		includeOtherFields: true,
		assignments: {
			assignments: [
				...Object.entries(fields).map(([field, value], i) => ({
					id: `${name}-s${i}`,
					name: field,
					value,
					type: 'string',
				})),
				...Object.entries(arrays).map(([field, value], i) => ({
					id: `${name}-a${i}`,
					name: field,
					value,
					type: 'array',
				})),
			],
		},
		options: {},
	}),
	typeVersion: 3.4,
});
const rl = (mode: string, value: string) => ({ __rl: true, mode, value });

/** Per event type, the message a person gets (an n8n expression over the event item). */
const personTitle =
	"={{ $json.type === 'user.created' ? 'Welcome, ' + ($json.user.givenName || $json.user.displayName || $json.user.login) + '!' " +
	": $json.type === 'user.locked' ? 'Your account is locked' " +
	": $json.type === 'user.unlocked' ? 'Your account is unlocked' " +
	": $json.type === 'user.disabled' ? 'Your account was disabled' " +
	": $json.type === 'user.passwordResetRequired' ? 'Please choose a new password' " +
	": $json.type === 'group.memberAdded' ? 'You were added to ' + $json.group.name " +
	": $json.type === 'group.memberRemoved' ? 'You were removed from ' + $json.group.name " +
	": 'Your directory account changed' }}";
const personBody =
	"={{ $json.type === 'user.created' ? 'Your account ' + $json.user.login + ' is ready. First steps: sign in at the portal, set up MFA, read the IT handbook.' " +
	": $json.type === 'user.locked' ? 'Too many failed sign-ins. Unlock it yourself at https://selfservice.example.com or call the help desk on 1234.' " +
	": $json.type === 'user.passwordResetRequired' ? 'Your password must be changed at the next sign-in: https://selfservice.example.com' " +
	": $json.type === 'group.memberAdded' ? 'Your access changed: you are now a member of ' + $json.group.name + ($json.group.privileged ? ' (privileged).' : '.') " +
	": $json.type === 'group.memberRemoved' ? 'Your access changed: you are no longer a member of ' + $json.group.name + '.' " +
	": 'Event ' + $json.type + ' on your account.' }}";
const alertTitle =
	"={{ $json.type === 'directory.bulkChange' ? 'Bulk directory change: ' + $json.summary.total + ' changes in one poll' : 'Privileged access granted: ' + $json.group.name }}";
const alertBody =
	"={{ $json.type === 'directory.bulkChange' ? Object.entries($json.summary.counts).map(([t, n]) => n + ' × ' + t).join(', ') " +
	": ($json.user.displayName || $json.user.login) + ' was added to ' + $json.group.name + ($json.actor && $json.actor.dn ? ' by ' + $json.actor.dn : '') + '. Expected?' }}";

export function demoWorkflows(options: {
	credentials: DemoCredentials;
	ackWebhookId: string;
	ackWebhookUrl: string;
	department: string;
}): DemoWorkflow[] {
	const { credentials } = options;
	const otds = { openTextDirectoryServicesApi: credentials.otds };
	const fcm = { openTextFirebaseCloudMessagingApi: credentials.fcm };
	const ack = { openTextPushAcknowledgmentApi: credentials.ack };
	const pushParameters = (title: string, body: string, data: Record<string, string>) => ({
		channel: 'fcm',
		operation: 'send',
		audience: 'items',
		title,
		body,
		// data.workflow names the sender in the demo's inbox.
		additionalFields: {
			data: {
				field: Object.entries({ [SENDER_FIELD.key]: SENDER_FIELD.value, ...data }).map(([key, value]) => ({
					key,
					value,
				})),
			},
		},
		options: {},
	});
	const list: DemoWorkflow[] = [];

	// 1-3: a person's own events → a push to that person.
	list.push({
		key: 'person-events',
		demoSafe: true,
		hint: '"Demo: directory events → the person\'s phone" (active): hire, lock, grant → a Firebase push to that person within a minute',
		json: workflow(
			"Demo: directory events → the person's phone",
			[
				node(
					'Directory Event',
					TRIGGER,
					0,
					{
						pollTimes: { item: [{ mode: 'everyMinute' }] },
						source: 'otdsRest',
						events: [
							'user.created',
							'user.locked',
							'user.unlocked',
							'user.disabled',
							'user.passwordResetRequired',
							'group.memberAdded',
							'group.memberRemoved',
						],
						options: {
							partition: PARTITION,
							privilegedGroups: 'Domain Admins; Security Administrators; Privileged Access',
						},
					},
					{ credentials: otds },
				),
				setNode('The message', 260, { title: personTitle, body: personBody }),
				// Membership events carry a short user (no attributes): read every person's device tokens the same way.
				node(
					'The person',
					DIRECTORY,
					520,
					{
						source: 'otdsRest',
						resource: 'audience',
						operation: 'resolve',
						users: '={{ $json.user.login }}',
						accountState: 'any',
						options: { deviceRegistrationAttribute: DEVICE_TOKEN_ATTRIBUTE, missingUsers: 'skip' },
					},
					{ credentials: otds },
				),
				node(
					'Push to their phone',
					PUSH,
					780,
					pushParameters("={{ $('The message').item.json.title }}", "={{ $('The message').item.json.body }}", {
						eventType: "={{ $('The message').item.json.type }}",
						eventId: "={{ $('The message').item.json.id }}",
					}),
					{ credentials: fcm },
				),
			],
			chain('Directory Event', 'The message', 'The person', 'Push to their phone'),
		),
	});

	// 4: privileged grants and bulk changes → the security administrators.
	list.push({
		key: 'security-alerts',
		demoSafe: true,
		hint: '"Demo: security alerts" (active): a grant to Domain Admins or a bulk move → a Firebase push to the Security Administrators',
		json: workflow(
			'Demo: security alerts → Security Administrators',
			[
				node(
					'Directory Event',
					TRIGGER,
					0,
					{
						pollTimes: { item: [{ mode: 'everyMinute' }] },
						source: 'otdsRest',
						events: ['group.memberAdded', 'directory.bulkChange'],
						options: {
							partition: PARTITION,
							groupScope: 'Domain Admins',
							privilegedGroups: 'Domain Admins',
							bulkThreshold: 10,
						},
					},
					{ credentials: otds },
				),
				setNode('Alert text', 260, { alertTitle, alertBody }),
				node(
					'Security Administrators',
					DIRECTORY,
					520,
					{
						source: 'otdsRest',
						resource: 'audience',
						operation: 'resolve',
						groups: { group: [{ group: 'Security Administrators' }] },
						options: { deviceRegistrationAttribute: DEVICE_TOKEN_ATTRIBUTE },
					},
					{ credentials: otds },
				),
				node(
					'Push the alert',
					PUSH,
					780,
					pushParameters("={{ $('Alert text').item.json.alertTitle }}", "={{ $('Alert text').item.json.alertBody }}", {
						eventType: "={{ $('Alert text').item.json.type }}",
					}),
					{ credentials: fcm },
				),
			],
			chain('Directory Event', 'Alert text', 'Security Administrators', 'Push the alert'),
		),
	});

	// 8a: a critical notice that requires acknowledgment.
	list.push({
		key: 'critical-notice',
		demoSafe: false,
		hint: `"Demo: critical notice (acknowledgment required)": Execute workflow → ${NOTICE_GROUP} get a Firebase push with an Acknowledge button`,
		json: workflow(
			'Demo: critical notice (acknowledgment required)',
			[
				node('When clicking "Execute workflow"', 'n8n-nodes-base.manualTrigger', 0, {}),
				node(
					'Recipients',
					DIRECTORY,
					260,
					{
						source: 'otdsRest',
						resource: 'audience',
						operation: 'resolve',
						groups: { group: [{ group: NOTICE_GROUP }] },
						options: { deviceRegistrationAttribute: DEVICE_TOKEN_ATTRIBUTE },
					},
					{ credentials: otds },
				),
				setNode('Acknowledgments name the login', 520, { userId: '={{ $json.login }}' }),
				node(
					'Push the notice',
					PUSH,
					780,
					{
						...pushParameters(
							'Critical: security policy update',
							'The remote-access policy changes tonight at 22:00. Please read and acknowledge.',
							{ severity: 'critical' },
						),
						requireAcknowledgment: true,
						noticeId: "={{ 'critical-' + $execution.id }}",
						acknowledgmentWebhookUrl: options.ackWebhookUrl,
						acknowledgmentValidHours: 72,
					},
					{ credentials: { ...fcm, ...ack } },
				),
			],
			chain('When clicking "Execute workflow"', 'Recipients', 'Acknowledgments name the login', 'Push the notice'),
		),
	});

	// 8b: acknowledgments → the person's directory record.
	list.push({
		key: 'acknowledgments',
		demoSafe: true,
		hint: '"Demo: acknowledgments → directory" (active): each Acknowledge writes otdpAcknowledgment on the person in OTDS',
		json: workflow(
			'Demo: acknowledgments → directory',
			[
				node(
					'Acknowledgments',
					PUSH_TRIGGER,
					0,
					{ linkMode: 'confirmPage', options: {} },
					{ credentials: ack, webhookId: options.ackWebhookId },
				),
				node(
					'Record on the directory',
					DIRECTORY,
					260,
					{
						source: 'otdsRest',
						resource: 'acknowledgment',
						operation: 'record',
						user: rl('login', '={{ $json.userId }}'),
						noticeId: '={{ $json.noticeId }}',
						attribute: ACK_ATTRIBUTE,
						options: {},
					},
					{ credentials: otds },
				),
			],
			chain('Acknowledgments', 'Record on the directory'),
		),
	});

	// Directory reads, by hand.
	list.push({
		key: 'department-otds',
		demoSafe: false,
		hint: `"Demo: people in a department (OTDS)": Execute workflow → the ${options.department} department`,
		json: workflow(
			'Demo: people in a department (OTDS)',
			[
				node('When clicking "Execute workflow"', 'n8n-nodes-base.manualTrigger', 0, {}),
				node(
					'People in the department',
					DIRECTORY,
					260,
					{
						source: 'otdsRest',
						resource: 'audience',
						operation: 'resolve',
						audienceConditions: { condition: [{ field: 'department', operator: 'equals', value: options.department }] },
						options: { deviceRegistrationAttribute: DEVICE_TOKEN_ATTRIBUTE },
					},
					{ credentials: otds },
				),
			],
			chain('When clicking "Execute workflow"', 'People in the department'),
		),
	});
	if (credentials.ldap) {
		list.push({
			key: 'department-ldap',
			demoSafe: false,
			hint: `"Demo: people in a department (OpenLDAP)": the same people, from the real OpenLDAP`,
			json: workflow(
				'Demo: people in a department (OpenLDAP)',
				[
					node('When clicking "Execute workflow"', 'n8n-nodes-base.manualTrigger', 0, {}),
					node(
						'People in the department',
						DIRECTORY,
						260,
						{
							source: 'ldap',
							resource: 'user',
							operation: 'search',
							state: 'enabled',
							conditions: { condition: [{ attribute: 'ou', operator: 'equals', value: options.department }] },
							returnAll: true,
							options: {},
						},
						{ credentials: { openTextDirectoryLdapApi: credentials.ldap } },
					),
				],
				chain('When clicking "Execute workflow"', 'People in the department'),
			),
		});
	}
	return list;
}
