/**
 * AppWorks Gateway emulator: the trusted-server API (/gateway/v2/notifications, form with key, message JSON
 * and comma-separated users) and the service API (/deployments/notifications/{app}/fcm-push with otagAppKey).
 * Knows a set of users, OTDS groups (name → members) and users without a registered device. The success
 * answer {id, sent, unknownUsers, unknownGroups, usersWithoutDevices} is an assumption (not public);
 * errors are {"error": "..."} with 400/401/404/500. De-duplicates by the Idempotency-Key header.
 */
import { randomBytes } from 'node:crypto';
import { header, IdempotencyLedger, startHttpEmulator, type EmulatorReply, type EmulatorRequest, type HttpEmulator, type HttpEmulatorOptions } from './http-kit';

export interface AppWorksEmulatorOptions extends HttpEmulatorOptions {
	trustedServerKey?: string;
	/** Deployed apps: name → otagAppKey. */
	apps?: Record<string, string>;
	users?: string[];
	/** OTDS groups: name → user names. */
	groups?: Record<string, string[]>;
	/** Users known to the gateway but without a device registered for notifications. */
	usersWithoutDevices?: string[];
}

/** One notification the gateway accepted: who it reached and what it said. */
export interface AppWorksNotification {
	api: 'trustedServer' | 'service';
	app?: string;
	/** Users reached, groups expanded. */
	recipients: string[];
	content: Record<string, unknown>;
	idempotencyKey?: string;
}

export interface AppWorksEmulator extends HttpEmulator {
	gatewayUrl: string;
	trustedServerKey: string;
	apps: Record<string, string>;
	notifications: AppWorksNotification[];
	ledger: IdempotencyLedger;
	/** Makes users known from now on (with a registered device): e.g. people created after the start. */
	addUsers(names: string[]): void;
}

const error = (status: number, message: string): EmulatorReply => ({ status, body: { error: message } });

export async function startAppWorksEmulator(options: AppWorksEmulatorOptions = {}): Promise<AppWorksEmulator> {
	const trustedServerKey = options.trustedServerKey ?? `tsk-${randomBytes(12).toString('hex')}`;
	const apps = options.apps ?? { hrapp: `ak-${randomBytes(12).toString('hex')}` };
	const users = new Set((options.users ?? []).map((user) => user.toLowerCase()));
	const groups = new Map(Object.entries(options.groups ?? {}).map(([name, members]) => [name.toLowerCase(), members.map((member) => member.toLowerCase())]));
	for (const members of groups.values()) for (const member of members) users.add(member);
	const withoutDevices = new Set((options.usersWithoutDevices ?? []).map((user) => user.toLowerCase()));
	for (const user of withoutDevices) users.add(user);
	const notifications: AppWorksNotification[] = [];
	const ledger = new IdempotencyLedger();

	const deliver = (request: EmulatorRequest, api: 'trustedServer' | 'service', requestedUsers: string[], requestedGroups: string[], content: Record<string, unknown>, app?: string): EmulatorReply => {
		const unknownUsers = requestedUsers.filter((user) => !users.has(user.toLowerCase()));
		const unknownGroups = requestedGroups.filter((group) => !groups.has(group.toLowerCase()));
		const reached = new Set<string>();
		for (const user of requestedUsers) if (users.has(user.toLowerCase())) reached.add(user.toLowerCase());
		for (const group of requestedGroups) for (const member of groups.get(group.toLowerCase()) ?? []) reached.add(member);
		const noDevice = [...reached].filter((user) => withoutDevices.has(user));
		const recipients = [...reached].filter((user) => !withoutDevices.has(user));
		const key = header(request, 'idempotency-key');
		notifications.push({ api, app, recipients, content, idempotencyKey: key });
		const usersWithoutDevices = requestedUsers.filter((user) => noDevice.includes(user.toLowerCase()));
		return ledger.remember(key, { status: 200, body: { id: `n-${randomBytes(6).toString('hex')}`, sent: recipients.length, unknownUsers, unknownGroups, usersWithoutDevices } });
	};

	const http = await startHttpEmulator(
		(request) => {
			if (request.method === 'POST' && request.path === '/gateway/v2/notifications') {
				const form = request.body instanceof URLSearchParams ? request.body : new URLSearchParams();
				if (form.get('key') !== trustedServerKey) return error(401, 'Invalid trusted server key');
				const earlier = ledger.replay(header(request, 'idempotency-key'));
				if (earlier) return earlier;
				let message: Record<string, unknown>;
				try {
					message = JSON.parse(form.get('message') ?? '') as Record<string, unknown>;
				} catch {
					return error(400, 'message must be a JSON string');
				}
				if (typeof message.type !== 'string' || typeof message.displayType !== 'string' || typeof message.header !== 'string' || typeof message.body !== 'string') {
					return error(400, 'message needs type, displayType, header and body');
				}
				const requested = (form.get('users') ?? '').split(',').map((user) => user.trim()).filter((user) => user !== '');
				if (requested.length === 0) return error(400, 'users is required');
				return deliver(request, 'trustedServer', requested, [], message);
			}
			const push = /^\/deployments\/notifications\/([^/]+)\/(fcm-push|push)$/.exec(request.path);
			if (request.method === 'POST' && push) {
				const app = decodeURIComponent(push[1]);
				if (!(app in apps)) return error(404, `No app ${app}`);
				if (header(request, 'otagappkey') !== apps[app]) return error(401, 'Invalid otagAppKey');
				if (push[2] === 'push') return error(400, 'The push endpoint is deprecated since 16.5: use fcm-push');
				const earlier = ledger.replay(header(request, 'idempotency-key'));
				if (earlier) return earlier;
				const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>;
				const requestedUsers = Array.isArray(body.users) ? body.users.map(String) : [];
				const requestedGroups = Array.isArray(body.otdsGroups) ? body.otdsGroups.map(String) : [];
				if (body.broadcast !== true && requestedUsers.length === 0 && requestedGroups.length === 0 && !(Array.isArray(body.clientIds) && body.clientIds.length > 0)) {
					return error(400, 'No recipients: give users, otdsGroups, clientIds or broadcast');
				}
				if (body.data !== undefined && (typeof body.data !== 'object' || Object.values(body.data as object).some((value) => typeof value !== 'string'))) return error(400, 'data values must be strings');
				return deliver(request, 'service', requestedUsers, requestedGroups, body, app);
			}
			return error(404, `No route ${request.method} ${request.path}`);
		},
		(status) => ({ error: status === 429 ? 'Too many requests' : status === 503 ? 'Service unavailable' : 'Internal server error' }),
		options,
	);
	const addUsers = (names: string[]) => {
		for (const name of names) users.add(name.toLowerCase());
	};
	return { ...http, gatewayUrl: http.origin, trustedServerKey, apps, notifications, ledger, addUsers };
}
