/**
 * Writes the eight workflow templates of this folder (their JSON is the product; this script keeps the node
 * layout, the stable node IDs and the shared setup texts consistent). Run it after editing, from the
 * repository root: `node templates/generate.mjs` (or give another output folder as the first argument).
 * test/n8n/templates.test.ts checks that the committed JSON is what this script writes.
 */
import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import { fileURLToPath } from 'url';

const OUT = process.argv[2] ?? path.dirname(fileURLToPath(import.meta.url));
const PKG = 'n8n-nodes-opentext-directory-push';
const T = {
	trigger: `${PKG}.openTextDirectoryServicesTrigger`,
	instant: `${PKG}.openTextDirectoryServicesInstantTrigger`,
	dir: `${PKG}.openTextDirectoryServices`,
	push: `${PKG}.openTextPush`,
	ack: `${PKG}.openTextPushTrigger`,
};
const CRED = {
	ldap: { openTextDirectoryLdapApi: { id: 'set-me-up-directory', name: 'OpenText Directory (set me up)' } },
	otds: { openTextDirectoryServicesApi: { id: 'set-me-up-otds', name: 'OpenText Directory Services (set me up)' } },
	fcm: {
		openTextFirebaseCloudMessagingApi: { id: 'set-me-up-firebase', name: 'Firebase Cloud Messaging (set me up)' },
	},
	mra: { openTextCloudMessagingApi: { id: 'set-me-up-cloud-messaging', name: 'OpenText Cloud Messaging (set me up)' } },
	appworks: { openTextAppWorksGatewayApi: { id: 'set-me-up-appworks', name: 'OpenText AppWorks Gateway (set me up)' } },
	ackSecret: {
		openTextPushAcknowledgmentApi: { id: 'set-me-up-ack-secret', name: 'Acknowledgment signing secret (set me up)' },
	},
};
// Stable ids: a template imported twice keeps the same node ids.
const idOf = (wf, name) => {
	const h = crypto.createHash('sha256').update(`${wf}/${name}`).digest('hex');
	return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};
const TOKEN_ATTR = 'otdpDeviceToken';

function build(file, name, description, spec) {
	const nodes = spec.nodes.map((n) => ({ id: idOf(file, n.name), ...n }));
	const connections = {};
	for (const [from, to, out = 0] of spec.links) {
		connections[from] ??= { main: [] };
		while (connections[from].main.length <= out) connections[from].main.push([]);
		connections[from].main[out].push({ node: to, type: 'main', index: 0 });
	}
	const notes = spec.notes.map((n, i) => {
		// A note grows to fit its text, keeping its bottom edge where the spec puts it (above the nodes).
		const width = n.width ?? 420;
		const height = Math.max(n.height ?? 300, noteTextHeight(n.content, width));
		const top = n.position[1] + (n.height ?? 300) - height;
		return {
			id: idOf(file, `note-${i}`),
			name: i === 0 ? 'Setup' : `Note ${i}`,
			type: 'n8n-nodes-base.stickyNote',
			typeVersion: 1,
			position: [n.position[0], top - 60],
			parameters: { content: n.content, height: height + 60, width, ...(n.color ? { color: n.color } : {}) },
		};
	});
	const wf = {
		name,
		nodes: [...notes, ...nodes],
		connections,
		settings: { executionOrder: 'v1' },
		pinData: {},
		meta: { templateCredsSetupCompleted: false, description },
		tags: [],
	};
	fs.writeFileSync(path.join(OUT, file), JSON.stringify(wf, null, '\t') + '\n');
}

/**
 * About how tall (canvas pixels, without the 60 the note adds) a sticky note must be to show its markdown at
 * the editor's text size (about 7 px per character, 18.5 px per line), with a margin: measured on the
 * editor's pictures of these notes.
 */
function noteTextHeight(content, width) {
	const perLine = (width - 40) / 7.2;
	let height = 30;
	let code = false;
	for (const line of content.split('\n')) {
		if (line.startsWith('```')) {
			height += code ? 0 : 30;
			code = !code;
			continue;
		}
		if (code) height += 17;
		else if (line.startsWith('## ')) height += 40;
		else if (line.startsWith('### ')) height += 24;
		else if (line.trim() === '') height += 14;
		else height += Math.ceil(line.replace(/\*\*|\*|`/g, '').replace(/^\d+\. /, '    ').length / perLine) * 18.5 + 3;
	}
	return Math.ceil((height + 30) / 10) * 10;
}

/**
 * The directory nodes of one source. Every OpenText directory node of a template uses the same source and
 * credential; switching a template to the other source is *Source* + the credential on each of them.
 */
function directory(source) {
	const credentials = source === 'ldap' ? CRED.ldap : CRED.otds;
	return {
		trigger: (name, position, events, options = {}) => ({
			name,
			type: T.trigger,
			typeVersion: 1,
			position,
			parameters: {
				pollTimes: { item: [{ mode: 'everyMinute' }] },
				source,
				events,
				...(source === 'ldap' ? { strategy: 'auto' } : {}),
				options,
			},
			credentials,
		}),
		// The listening trigger (LDAP only): the same events and options, within a second instead of a minute.
		instantTrigger: (name, position, events, options = {}) => ({
			name,
			type: T.instant,
			typeVersion: 1,
			position,
			parameters: { source, events, strategy: 'auto', options },
			credentials,
		}),
		devices: (name, position, users, extraParams = {}, options = {}) => ({
			name,
			type: T.dir,
			typeVersion: 1,
			position,
			parameters: {
				source,
				resource: 'audience',
				operation: 'resolve',
				users,
				accountState: 'any',
				options: { deviceRegistrationAttribute: TOKEN_ATTR, missingUsers: 'skip', ...options },
				...extraParams,
			},
			credentials,
		}),
		getUserByDn: (name, position, dn) => ({
			name,
			type: T.dir,
			typeVersion: 1,
			position,
			parameters: {
				source,
				resource: 'user',
				operation: 'get',
				user: { __rl: true, mode: 'dn', value: dn },
				options: {},
			},
			credentials,
		}),
		node: (name, position, parameters) => ({
			name,
			type: T.dir,
			typeVersion: 1,
			position,
			credentials,
			parameters: { source, ...parameters },
		}),
	};
}
const LDAP = directory('ldap');
const OTDS = directory('otdsRest');

/** An OpenText Push node on one channel: 'fcm', 'mra' (OpenText Cloud Messaging) or 'appworks' (AppWorks Gateway). */
const push = (
	name,
	position,
	title,
	body,
	additionalFields = {},
	{ channel = 'fcm', extra = {}, options = {}, credentials = {} } = {},
) => ({
	name,
	type: T.push,
	typeVersion: 1,
	position,
	parameters: { channel, operation: 'send', audience: 'items', title, body, ...extra, additionalFields, options },
	credentials: { ...CRED[channel], ...credentials },
});
const cond = (leftValue, operator, rightValue) => ({
	id: idOf(leftValue, JSON.stringify(operator)),
	leftValue,
	rightValue: rightValue ?? '',
	operator,
});
const conditions = (list, combinator = 'and') => ({
	options: { caseSensitive: true, leftValue: '', typeValidation: 'loose', version: 2 },
	conditions: list,
	combinator,
});
const filter = (name, position, list, combinator) => ({
	name,
	type: 'n8n-nodes-base.filter',
	typeVersion: 2.2,
	position,
	parameters: { conditions: conditions(list, combinator), options: { looseTypeValidation: true } },
});
const ifNode = (name, position, list, combinator) => ({
	name,
	type: 'n8n-nodes-base.if',
	typeVersion: 2.2,
	position,
	parameters: { conditions: conditions(list, combinator), looseTypeValidation: true, options: {} },
});
const set = (name, position, fields, extra = {}) => ({
	name,
	type: 'n8n-nodes-base.set',
	typeVersion: 3.4,
	position,
	parameters: {
		assignments: {
			assignments: fields.map(([n, v, type = 'string']) => ({ id: idOf(name, n), name: n, value: v, type })),
		},
		options: {},
		...extra,
	},
});
const notEmpty = { type: 'string', operation: 'notEmpty', singleValue: true };
const isTrue = { type: 'boolean', operation: 'true', singleValue: true };
const strEq = { type: 'string', operation: 'equals' };
const numGte = { type: 'number', operation: 'gte' };
const webhook = (name, position, pathName) => ({
	name,
	type: 'n8n-nodes-base.webhook',
	typeVersion: 2,
	position,
	webhookId: idOf('webhook', pathName),
	parameters: { httpMethod: 'POST', path: pathName, responseMode: 'onReceived', options: {} },
});

// The setup steps every sticky note shares: which source and channel the template uses, and how to switch.
const SETUP_LDAP =
	'**Source: LDAP directory** (the one OTDS synchronises from, or a legacy OTDS). Open the first OpenText node and create an *OpenText Directory (LDAP) API* credential; every OpenText directory node uses the same one. *To watch OTDS itself*: set *Source* to *OTDS REST API* on every OpenText directory node and use an *OpenText Directory Services (OTDS REST) API* credential; the other parameters stay.';
const SETUP_LDAP_INSTANT =
	'**Source: LDAP directory** (the one OTDS synchronises from, or a legacy OTDS). Open the first OpenText node and create an *OpenText Directory (LDAP) API* credential; every OpenText directory node uses the same one. A server that cannot announce changes fails the activation saying what to enable, unless *Options → If the Server Cannot Listen* reads it every few seconds. *To watch OTDS itself*: OTDS REST has no change feed, so replace **Directory watch** with the *OpenText Directory Services Trigger* (it polls every minute), set *Source* to *OTDS REST API* on every OpenText directory node and use an *OpenText Directory Services (OTDS REST) API* credential.';
const SETUP_OTDS =
	'**Source: OTDS REST API**. Open the first OpenText node and create an *OpenText Directory Services (OTDS REST) API* credential (`https://<host>/otdsws`, an OTDS account or OAuth client that may read users and groups); every OpenText directory node uses the same one. *Options → Partition* limits it to one partition. *To use the LDAP directory OTDS synchronises from*: set *Source* to *LDAP Directory* on every OpenText directory node and use an *OpenText Directory (LDAP) API* credential.';
const SETUP_FCM =
	"**Push: Firebase Cloud Messaging**. Create a *Firebase Cloud Messaging* credential (service account JSON) in the *OpenText Push* node(s). Device tokens are read from the people's `otdpDeviceToken` attribute (*Options → Device Token Attribute* of the directory nodes): change it to where your app registers its tokens. *For OpenText Cloud Messaging or the AppWorks Gateway*: change *Channel* in the push node(s) and create that credential.";
const SETUP_MRA =
	"**Push: OpenText Cloud Messaging, SMS fallback**. Create an *OpenText Cloud Messaging* credential (your region's URL; Basic, or the tenant's OAuth2 client) in the push node. People with a device token in `otdpDeviceToken` (*Options → Device Token Attribute* of the directory node) get a push; people without one get an SMS to their mobile (*Fallback*: SMS, email, both, or none). *For Firebase or the AppWorks Gateway*: change *Channel* and create that credential.";
const SETUP_APPWORKS =
	'**Push: OpenText AppWorks Gateway**. Create an *OpenText AppWorks Gateway* credential (gateway URL with an app key, or a trusted-server key) in the push node. The gateway reaches people by their OTDS user ID (`login`): no device tokens needed; the gateway answers without naming anyone, so everyone in an accepted request comes out `sent` (whether a person has a registered device is known to the gateway only). *For Firebase or Cloud Messaging*: change *Channel* and create that credential (device tokens come from `otdpDeviceToken`).';

// 1 Onboarding -----------------------------------------------------------------------------------
build(
	'01-onboarding.json',
	'OpenText: onboarding push for new, re-enabled and newly added users',
	'A user is created, enabled again, or added to All Staff → a welcome push with first-login steps to that user.',
	{
		notes: [
			{
				position: [-120, -380],
				width: 560,
				height: 340,
				content: `## Onboarding\nWhen a user is **created**, **enabled** again, or **added to All Staff**, that person gets a push with their first-login steps.\n\n1. ${SETUP_LDAP}\n2. Set *Options → Group Scope* of **New or returning user** to your staff group (here: All Staff).\n3. ${SETUP_FCM}\n4. Edit the texts and the link in **Compose welcome**, then activate. The trigger polls every minute.`,
			},
		],
		nodes: [
			LDAP.trigger('New or returning user', [0, 0], ['user.created', 'user.enabled', 'group.memberAdded'], {
				groupScope: 'All Staff',
				groupMembers: false,
			}),
			set(
				'Compose welcome',
				[260, 0],
				[
					['login', '={{ $json.user.login }}'],
					[
						'title',
						"={{ { 'user.created': 'Welcome to Example Corp, ' + ($json.user.givenName || $json.user.displayName || $json.user.login), 'user.enabled': 'Welcome back, ' + ($json.user.givenName || $json.user.login), 'group.memberAdded': 'You now belong to ' + $json.group?.name }[$json.type] }}",
					],
					[
						'body',
						"={{ { 'user.created': 'Your account ' + $json.user.login + ' is ready. Sign in, set your password and enrol your phone.', 'user.enabled': 'Your account ' + $json.user.login + ' is active again. Sign in and check your password.', 'group.memberAdded': 'You were added to ' + $json.group?.name + '. New apps and shares appear at your next sign-in.' }[$json.type] }}",
					],
					['link', 'https://intranet.example.com/first-login'],
				],
			),
			LDAP.devices("The person's devices", [520, 0], '={{ $json.login }}', { accountState: 'enabled' }),
			push(
				'Push welcome',
				[780, 0],
				"={{ $('Compose welcome').item.json.title }}",
				"={{ $('Compose welcome').item.json.body }}",
				{ link: "={{ $('Compose welcome').item.json.link }}" },
			),
		],
		links: [
			['New or returning user', 'Compose welcome'],
			['Compose welcome', "The person's devices"],
			["The person's devices", 'Push welcome'],
		],
	},
);

// 2 Access change alerts -------------------------------------------------------------------------
build(
	'02-access-change-alerts.json',
	'OpenText: access change alerts to the user and their manager',
	'A user joins or leaves a role group → a push to that user and another to their manager.',
	{
		notes: [
			{
				position: [-120, -400],
				width: 620,
				height: 360,
				content: `## Access change alerts\nWhen someone **joins or leaves a role group**, they get a push, and so does their **manager** (**Get the user** reads the person's \`manager\`).\n\n1. ${SETUP_LDAP}\n2. List your role and security groups in *Options → Group Scope* of **Role group change** (names separated by semicolons).\n3. ${SETUP_FCM}\n4. Activate. People without a manager only get their own push.`,
			},
		],
		nodes: [
			LDAP.trigger('Role group change', [0, 0], ['group.memberAdded', 'group.memberRemoved'], {
				groupScope: 'VPN Users; Finance Approvers; Help Desk',
				groupMembers: false,
			}),
			set(
				'Compose access change',
				[260, 0],
				[
					['login', '={{ $json.user.login }}'],
					['dn', '={{ $json.user.dn }}'],
					[
						'title',
						"={{ $json.type === 'group.memberAdded' ? 'Access granted: ' + $json.group.name : 'Access removed: ' + $json.group.name }}",
					],
					[
						'body',
						"={{ $json.type === 'group.memberAdded' ? 'You were added to ' + $json.group.name + '. Not expected? Call the help desk.' : 'You were removed from ' + $json.group.name + '. Not expected? Call the help desk.' }}",
					],
					[
						'managerTitle',
						"={{ ($json.user.displayName || $json.user.login) + ($json.type === 'group.memberAdded' ? ' joined ' : ' left ') + $json.group.name }}",
					],
					[
						'managerBody',
						"={{ 'A member of your team ' + ($json.type === 'group.memberAdded' ? 'was added to ' : 'was removed from ') + $json.group.name + '. Review it in the access portal.' }}",
					],
				],
			),
			LDAP.devices("The user's devices", [520, -140], '={{ $json.login }}'),
			push(
				'Push to the user',
				[780, -140],
				"={{ $('Compose access change').item.json.title }}",
				"={{ $('Compose access change').item.json.body }}",
			),
			LDAP.getUserByDn('Get the user', [520, 120], '={{ $json.dn }}'),
			filter('Has a manager', [780, 120], [cond('={{ $json.manager }}', notEmpty)]),
			LDAP.getUserByDn('Get the manager', [1040, 120], '={{ $json.manager }}'),
			LDAP.devices("The manager's devices", [1300, 120], '={{ $json.login }}'),
			push(
				'Push to the manager',
				[1560, 120],
				"={{ $('Compose access change').item.json.managerTitle }}",
				"={{ $('Compose access change').item.json.managerBody }}",
				{ link: 'https://access.example.com/review' },
			),
		],
		links: [
			['Role group change', 'Compose access change'],
			['Compose access change', "The user's devices"],
			['Compose access change', 'Get the user'],
			["The user's devices", 'Push to the user'],
			['Get the user', 'Has a manager'],
			['Has a manager', 'Get the manager'],
			['Get the manager', "The manager's devices"],
			["The manager's devices", 'Push to the manager'],
		],
	},
);

// 3 Account status ---------------------------------------------------------------------------------
build(
	'03-account-status.json',
	'OpenText: account locked, disabled or password reset → push with the self-service link',
	'An account is locked, disabled or must change its password → a push to that user with the self-service or help-desk link.',
	{
		notes: [
			{
				position: [-120, -440],
				width: 640,
				height: 400,
				content: `## Account status\nWhen an account in OTDS is **locked**, **disabled**, or **must reset its password**, the user gets a push with the right link: self-service unlock, the help desk, or the password page; people without the app get it **by SMS**.\n\n1. ${SETUP_OTDS}\n2. Put your own portal addresses into **Compose status message**.\n3. ${SETUP_MRA}\n4. Activate. Disabled and locked accounts still get the message: their phone is not locked out.\n\n*Watching an LDAP directory instead?* Replace **Account status changed** with the **OpenText Directory Services Instant Trigger** (same events and options, LDAP credential): it listens to the directory, so the push leaves within a second instead of up to a minute. OTDS REST has no change feed, so over OTDS REST the polling trigger stays.`,
			},
		],
		nodes: [
			OTDS.trigger('Account status changed', [0, 0], ['user.locked', 'user.disabled', 'user.passwordResetRequired']),
			set(
				'Compose status message',
				[260, 0],
				[
					['login', '={{ $json.user.login }}'],
					[
						'title',
						"={{ { 'user.locked': 'Your account is locked', 'user.disabled': 'Your account was disabled', 'user.passwordResetRequired': 'Please set a new password' }[$json.type] }}",
					],
					[
						'body',
						"={{ { 'user.locked': 'Too many failed sign-ins on ' + $json.user.login + '. Unlock it yourself with the link.', 'user.disabled': 'Your account ' + $json.user.login + ' was disabled. If this is unexpected, call the help desk.', 'user.passwordResetRequired': 'Your password was reset. Choose a new one before you next sign in.' }[$json.type] }}",
					],
					[
						'link',
						"={{ { 'user.locked': 'https://selfservice.example.com/unlock', 'user.disabled': 'https://helpdesk.example.com/contact', 'user.passwordResetRequired': 'https://selfservice.example.com/password' }[$json.type] }}",
					],
				],
			),
			OTDS.devices("The user's devices", [520, 0], '={{ $json.login }}'),
			push(
				'Push status message',
				[780, 0],
				"={{ $('Compose status message').item.json.title }}",
				"={{ $('Compose status message').item.json.body }}",
				{ link: "={{ $('Compose status message').item.json.link }}", priority: 'high' },
				{ channel: 'mra', extra: { mraFallback: 'sms' } },
			),
		],
		links: [
			['Account status changed', 'Compose status message'],
			['Compose status message', "The user's devices"],
			["The user's devices", 'Push status message'],
		],
	},
);

// 4 Security and compliance ------------------------------------------------------------------------
build(
	'04-security-compliance.json',
	'OpenText: privileged group changes and bulk updates → security administrators',
	'A privileged group gains or loses a member, or one poll sees a bulk change → a high-priority push to every Security Administrator.',
	{
		notes: [
			{
				position: [-120, -400],
				width: 620,
				height: 360,
				content: `## Security and compliance\nPrivileged group assignments and removals, and **bulk updates** (more changes in one read than the threshold), alert the **Security Administrators** group (nested groups expanded) **within a second**: **Directory watch** is the *Instant Trigger*, which listens to the directory (OpenLDAP: the syncprov overlay; 389 DS and OpenDJ: persistent search; Active Directory: change notification).\n\n1. ${SETUP_LDAP_INSTANT}\n2. Name your privileged groups in *Options → Privileged Groups* of **Directory watch** and set *Bulk Change Threshold*.\n3. Set the group to alert in **Security administrators**.\n4. ${SETUP_FCM}`,
			},
		],
		nodes: [
			LDAP.instantTrigger(
				'Directory watch',
				[0, 0],
				['group.memberAdded', 'group.memberRemoved', 'directory.bulkChange'],
				{
					privilegedGroups: 'Domain Admins; Security Administrators; Privileged Access',
					bulkThreshold: 20,
				},
			),
			filter(
				'Privileged or bulk',
				[260, 0],
				[cond('={{ $json.group?.privileged }}', isTrue), cond('={{ $json.type }}', strEq, 'directory.bulkChange')],
				'or',
			),
			set(
				'Compose alert',
				[520, 0],
				[
					['eventId', '={{ $json.id }}'],
					[
						'title',
						"={{ $json.type === 'directory.bulkChange' ? 'Bulk directory change' : ($json.type === 'group.memberAdded' ? 'Privileged access granted: ' : 'Privileged access removed: ') + $json.group.name }}",
					],
					[
						'body',
						"={{ $json.type === 'directory.bulkChange' ? $json.summary.total + ' changes in one poll: ' + Object.entries($json.summary.counts ?? {}).map(([type, n]) => n + ' ' + type).join(', ') : ($json.user?.login ?? ($json.memberGroup ? 'The group ' + $json.memberGroup.name : '')) + ($json.type === 'group.memberAdded' ? ' was added to ' : ' was removed from ') + $json.group.name + ($json.actor?.dn ? ' by ' + $json.actor.dn : '') }}",
					],
				],
			),
			LDAP.devices('Security administrators', [780, 0], '', {
				groups: { group: [{ group: 'Security Administrators' }] },
				nested: true,
				accountState: 'enabled',
			}),
			push(
				'Alert security',
				[1040, 0],
				"={{ $('Compose alert').item.json.title }}",
				"={{ $('Compose alert').item.json.body }}",
				{ priority: 'high', link: 'https://siem.example.com/directory' },
			),
		],
		links: [
			['Directory watch', 'Privileged or bulk'],
			['Privileged or bulk', 'Compose alert'],
			['Compose alert', 'Security administrators'],
			['Security administrators', 'Alert security'],
		],
	},
);

// 5 Targeted segment alerts ------------------------------------------------------------------------
build(
	'05-targeted-segment-alerts.json',
	'OpenText: operational alert to a segment chosen by department and location',
	'POST {department, location, title, message} → a push to exactly the enabled people of that department at that location.',
	{
		notes: [
			{
				position: [-120, -420],
				width: 640,
				height: 380,
				content: `## Targeted operational alerts\nPOST to this workflow's production webhook URL:\n\`\`\`\n{"department": "Finance", "location": "Berlin",\n "title": "Office closed", "message": "..."}\n\`\`\`\nOnly enabled people whose **department and location both match** get the push. Add conditions (job title, business unit, any attribute) in **Segment**.\n\n1. ${SETUP_LDAP}\n2. ${SETUP_FCM}\n3. Protect the webhook (*Authentication* of **Alert request**) before activating.`,
			},
		],
		nodes: [
			webhook('Alert request', [0, 0], 'opentext-segment-alert'),
			LDAP.devices('Segment', [260, 0], '', {
				audienceConditions: {
					condition: [
						{ field: 'department', operator: 'equals', value: '={{ $json.body.department }}' },
						{ field: 'location', operator: 'equals', value: '={{ $json.body.location }}' },
					],
				},
				accountState: 'enabled',
			}),
			push(
				'Push to the segment',
				[520, 0],
				"={{ $('Alert request').item.json.body.title }}",
				"={{ $('Alert request').item.json.body.message }}",
				{ priority: 'high' },
			),
		],
		links: [
			['Alert request', 'Segment'],
			['Segment', 'Push to the segment'],
		],
	},
);

// 6 Approval reminders -----------------------------------------------------------------------------
build(
	'06-approval-reminders.json',
	'OpenText: approval request with reminders and escalation',
	'POST an access request → its approvers get a push with Approve / Reject links; while undecided they are reminded; after the last reminder the escalation group is alerted; the requester hears the decision.',
	{
		notes: [
			{
				position: [-120, -460],
				width: 700,
				height: 420,
				content: `## Approval reminders\nPOST an identity request to this workflow's production webhook URL:\n\`\`\`\n{"requestId": "REQ-1", "summary": "VPN access for jdoe",\n "requester": "jdoe", "approvers": "asmith, mlee",\n "remindAfterMinutes": 240, "reminders": 2,\n "escalateTo": "Help Desk"}\n\`\`\`\nApprovers get a push whose links resume **Wait for decision** (\`?decision=approved\` or \`rejected\`). Each time the wait runs out they are reminded, and after the last reminder the **escalation group** gets a push.\n\n1. ${SETUP_LDAP}\n2. ${SETUP_FCM}\n3. Protect the webhook before activating.`,
			},
		],
		nodes: [
			webhook('Approval request', [0, 0], 'opentext-approval-request'),
			set(
				'Request',
				[240, 0],
				[
					['requestId', '={{ $json.body.requestId }}'],
					['summary', '={{ $json.body.summary }}'],
					['requester', '={{ $json.body.requester }}'],
					['approvers', '={{ $json.body.approvers }}'],
					['remindAfterMinutes', '={{ $json.body.remindAfterMinutes ?? 240 }}', 'number'],
					['reminders', '={{ $json.body.reminders ?? 2 }}', 'number'],
					['escalateTo', "={{ $json.body.escalateTo ?? 'Help Desk' }}"],
				],
			),
			LDAP.devices("Approvers' devices", [480, 0], '={{ $json.approvers }}', { accountState: 'enabled' }),
			push(
				'Ask the approvers',
				[720, 0],
				"={{ 'Approval needed: ' + $('Request').item.json.summary }}",
				"={{ 'Request ' + $('Request').item.json.requestId + ' from ' + $('Request').item.json.requester + ' waits for your decision.' }}",
				{
					link: '={{ $execution.resumeUrl }}?decision=approved',
					data: {
						field: [
							{ key: 'requestId', value: "={{ $('Request').item.json.requestId }}" },
							{ key: 'approveUrl', value: '={{ $execution.resumeUrl }}?decision=approved' },
							{ key: 'rejectUrl', value: '={{ $execution.resumeUrl }}?decision=rejected' },
						],
					},
				},
			),
			{
				name: 'Wait for decision',
				type: 'n8n-nodes-base.wait',
				typeVersion: 1.1,
				position: [960, 0],
				webhookId: idOf('wait', 'approval'),
				executeOnce: true,
				parameters: {
					resume: 'webhook',
					httpMethod: 'GET',
					responseMode: 'onReceived',
					limitWaitTime: true,
					limitType: 'afterTimeInterval',
					resumeAmount: "={{ $('Request').first().json.remindAfterMinutes }}",
					resumeUnit: 'minutes',
					options: {},
				},
			},
			ifNode('Decided?', [1200, 0], [cond('={{ $json.query?.decision }}', notEmpty)]),
			LDAP.devices("Requester's devices", [1440, -160], "={{ $('Request').first().json.requester }}"),
			push(
				'Tell the requester',
				[1680, -160],
				"={{ 'Request ' + $('Request').first().json.requestId + ' ' + $('Wait for decision').first().json.query.decision }}",
				"={{ $('Request').first().json.summary + ': ' + $('Wait for decision').first().json.query.decision + '.' }}",
			),
			ifNode(
				'Reminders used up?',
				[1440, 120],
				[cond('={{ $runIndex }}', numGte, "={{ $('Request').first().json.reminders }}")],
			),
			LDAP.devices('Escalation group', [1680, 40], '', {
				groups: { group: [{ group: "={{ $('Request').first().json.escalateTo }}" }] },
				nested: true,
				accountState: 'enabled',
			}),
			push(
				'Escalate',
				[1920, 40],
				"={{ 'Overdue approval: ' + $('Request').first().json.summary }}",
				"={{ 'Request ' + $('Request').first().json.requestId + ' is still undecided by ' + $('Request').first().json.approvers + '.' }}",
				{ priority: 'high' },
			),
			LDAP.devices('Approvers again', [1680, 240], "={{ $('Request').first().json.approvers }}", {
				accountState: 'enabled',
			}),
			push(
				'Remind the approvers',
				[1920, 240],
				"={{ 'Reminder: approval needed: ' + $('Request').first().json.summary }}",
				"={{ 'Request ' + $('Request').first().json.requestId + ' still waits for your decision.' }}",
				{
					link: '={{ $execution.resumeUrl }}?decision=approved',
					data: {
						field: [
							{ key: 'requestId', value: "={{ $('Request').first().json.requestId }}" },
							{ key: 'approveUrl', value: '={{ $execution.resumeUrl }}?decision=approved' },
							{ key: 'rejectUrl', value: '={{ $execution.resumeUrl }}?decision=rejected' },
						],
					},
				},
			),
		],
		links: [
			['Approval request', 'Request'],
			['Request', "Approvers' devices"],
			["Approvers' devices", 'Ask the approvers'],
			['Ask the approvers', 'Wait for decision'],
			['Wait for decision', 'Decided?'],
			['Decided?', "Requester's devices", 0],
			["Requester's devices", 'Tell the requester'],
			['Decided?', 'Reminders used up?', 1],
			['Reminders used up?', 'Escalation group', 0],
			['Escalation group', 'Escalate'],
			['Reminders used up?', 'Approvers again', 1],
			['Approvers again', 'Remind the approvers'],
			['Remind the approvers', 'Wait for decision'],
		],
	},
);

// 7 Group broadcasts -------------------------------------------------------------------------------
build(
	'07-group-broadcasts.json',
	'OpenText: service announcement to a directory group',
	'Run it (or schedule it) → the announcement goes to every enabled member of a group, nested groups expanded, in batches.',
	{
		notes: [
			{
				position: [-120, -440],
				width: 640,
				height: 400,
				content: `## Group broadcasts\nA service announcement to everyone in an OTDS **group**, with **nested groups expanded** and each person once, through the **AppWorks Gateway**.\n\n1. ${SETUP_OTDS}\n2. ${SETUP_APPWORKS} To let the gateway expand the group itself instead, set *Audience* to *OTDS Groups* in **Broadcast** and remove **Group members**.\n3. Write the group, title and text in **Announcement**, then click *Execute workflow* (or replace the manual trigger with a Schedule Trigger for recurring notices). *Options → Batch Size / Concurrency* of **Broadcast** control the pace.`,
			},
		],
		nodes: [
			{
				name: 'Send announcement',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			set(
				'Announcement',
				[240, 0],
				[
					['group', 'All Managers'],
					['title', 'Maintenance tonight'],
					['body', 'Email and VPN are unavailable from 22:00 to 23:00 UTC.'],
				],
			),
			OTDS.devices('Group members', [480, 0], '', {
				groups: { group: [{ group: '={{ $json.group }}' }] },
				nested: true,
				accountState: 'enabled',
			}),
			push(
				'Broadcast',
				[720, 0],
				"={{ $('Announcement').first().json.title }}",
				"={{ $('Announcement').first().json.body }}",
				{ collapseKey: 'announcement' },
				{ channel: 'appworks', options: { batchSize: 100, concurrency: 20 } },
			),
		],
		links: [
			['Send announcement', 'Announcement'],
			['Announcement', 'Group members'],
			['Group members', 'Broadcast'],
		],
	},
);

// 8 Acknowledgments --------------------------------------------------------------------------------
const ACK_WEBHOOK_ID = idOf('ack', 'critical-notice');
build(
	'08-acknowledgment-escalation.json',
	'OpenText: critical notice with acknowledgment, directory write-back and escalation',
	"POST a critical notice → pushed to a group with a signed acknowledgment link; each acknowledgment is written to the person's directory record; after the deadline the managers of those who have not acknowledged are alerted.",
	{
		notes: [
			{
				position: [-120, -480],
				width: 760,
				height: 440,
				content: `## Acknowledgment and read receipts\n**1. Send**: POST to **Critical notice**'s production URL:\n\`\`\`\n{"noticeId": "outage-2026-11-26", "group": "All Staff",\n "title": "Security notice", "message": "...",\n "escalateAfterMinutes": 1440}\n\`\`\`\nEveryone in the group gets a push with a signed acknowledgment link.\n**2. Record**: **Acknowledgments** receives the clicks; **Write acknowledgment** stores \`<notice ID>|<time>\` in the person's \`otdpAcknowledgment\` attribute.\n**3. Escalate**: after *escalateAfterMinutes*, the managers of everyone who has not acknowledged get a push.\n\nSetup: ${SETUP_LDAP} Create one *OpenText Push Acknowledgment* signing credential and use it in **Push notice** and **Acknowledgments**. ${SETUP_FCM}`,
			},
			{
				position: [520, 270],
				width: 560,
				height: 200,
				color: 5,
				content:
					"### Acknowledgment link\n**Push notice** builds the link from the request's host and this trigger's path. Behind a proxy or with a custom `WEBHOOK_URL`, paste the production URL of **Acknowledgments** into *Acknowledgment Webhook URL* instead.\nLDAP: *Options → Auxiliary Object Class* of **Write acknowledgment** (`otdpRecipient`) adds the schema class when missing.",
			},
		],
		nodes: [
			webhook('Critical notice', [0, 0], 'opentext-critical-notice'),
			LDAP.devices('Notice audience', [240, 0], '', {
				groups: { group: [{ group: '={{ $json.body.group }}' }] },
				nested: true,
				accountState: 'enabled',
			}),
			push(
				'Push notice',
				[480, 0],
				"={{ $('Critical notice').first().json.body.title }}",
				"={{ $('Critical notice').first().json.body.message }}",
				{ priority: 'high' },
				{
					credentials: CRED.ackSecret,
					extra: {
						requireAcknowledgment: true,
						noticeId: "={{ $('Critical notice').first().json.body.noticeId }}",
						acknowledgmentWebhookUrl: `={{ ($('Critical notice').first().json.headers['x-forwarded-proto'] || 'http') + '://' + $('Critical notice').first().json.headers.host + '/webhook/${ACK_WEBHOOK_ID}/acknowledgment' }}`,
						acknowledgmentValidHours: 72,
					},
				},
			),
			{
				name: 'Wait for the deadline',
				type: 'n8n-nodes-base.wait',
				typeVersion: 1.1,
				position: [720, 0],
				webhookId: idOf('wait', 'ack'),
				executeOnce: true,
				parameters: {
					amount: "={{ $('Critical notice').first().json.body.escalateAfterMinutes ?? 1440 }}",
					unit: 'minutes',
				},
			},
			LDAP.node('Not yet acknowledged', [960, 0], {
				resource: 'acknowledgment',
				operation: 'list',
				noticeId: "={{ $('Critical notice').first().json.body.noticeId }}",
				attribute: 'otdpAcknowledgment',
				groups: { group: [{ group: "={{ $('Critical notice').first().json.body.group }}" }] },
				nested: true,
				accountState: 'enabled',
				show: 'pending',
				options: {},
			}),
			filter('Has a manager', [1200, 0], [cond('={{ $json.manager }}', notEmpty)]),
			LDAP.getUserByDn('Get the manager', [1440, 0], '={{ $json.manager }}'),
			LDAP.devices("Manager's devices", [1680, 0], '={{ $json.login }}', { accountState: 'enabled' }),
			push(
				'Escalate to the manager',
				[1920, 0],
				"={{ 'Not acknowledged: ' + $('Critical notice').first().json.body.title }}",
				"={{ ($('Not yet acknowledged').item.json.displayName || $('Not yet acknowledged').item.json.login) + ' has not acknowledged notice ' + $('Critical notice').first().json.body.noticeId + '. Please follow up.' }}",
				{ priority: 'high' },
			),
			{
				name: 'Acknowledgments',
				type: T.ack,
				typeVersion: 1,
				position: [0, 240],
				webhookId: ACK_WEBHOOK_ID,
				credentials: CRED.ackSecret,
				parameters: { linkMode: 'confirmPage', options: {} },
			},
			LDAP.node('Write acknowledgment', [240, 240], {
				resource: 'acknowledgment',
				operation: 'record',
				user: { __rl: true, mode: 'id', value: '={{ $json.userId }}' },
				noticeId: '={{ $json.noticeId }}',
				attribute: 'otdpAcknowledgment',
				options: { acknowledgedAt: '={{ $json.at }}', auxiliaryObjectClass: 'otdpRecipient' },
			}),
		],
		links: [
			['Critical notice', 'Notice audience'],
			['Notice audience', 'Push notice'],
			['Push notice', 'Wait for the deadline'],
			['Wait for the deadline', 'Not yet acknowledged'],
			['Not yet acknowledged', 'Has a manager'],
			['Has a manager', 'Get the manager'],
			['Get the manager', "Manager's devices"],
			["Manager's devices", 'Escalate to the manager'],
			['Acknowledgments', 'Write acknowledgment'],
		],
	},
);
