/**
 * AppWorks Gateway emulator: the trusted-server API (/gateway/v2/notifications, form with key, message JSON
 * and comma-separated users) and the service API (/deployments/notifications/{app}/fcm-push with otagAppKey,
 * and the deprecated .../push the SDK still calls). Knows a set of users, OTDS groups (name → members) and
 * users without a registered device: who was reached is in `notifications`, never in the answer, since the
 * success body is not public (the SDK ignores it): 200 with an empty object. Errors are the SDK's
 * ErrorResponseWrapper {key, errorMessage, entity, status} with 400/401/403/404/500. De-duplicates by the
 * Idempotency-Key header.
 */
import { randomBytes } from 'node:crypto';
import {
	header,
	IdempotencyLedger,
	startHttpEmulator,
	type EmulatorReply,
	type EmulatorRequest,
	type HttpEmulator,
	type HttpEmulatorOptions,
} from './http-kit';

export interface AppWorksEmulatorOptions extends HttpEmulatorOptions {
	trustedServerKey?: string;
	/** Deployed apps: name → otagAppKey. */
	apps?: Record<string, string>;
	users?: string[];
	/** OTDS groups: name → user names. */
	groups?: Record<string, string[]>;
	/** Users known to the gateway but without a device registered for notifications. */
	usersWithoutDevices?: string[];
	/** Serve the deprecated /deployments/notifications/{app}/push (default true: gateways still offer it, the SDK calls it). */
	deprecatedPush?: boolean;
}

/** One notification the gateway accepted: who it reached and what it said. */
export interface AppWorksNotification {
	api: 'trustedServer' | 'service';
	/** The service API's endpoint: fcm-push, or the deprecated push. */
	endpoint?: 'fcm-push' | 'push';
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

/** The SDK's ErrorResponseWrapper: {key, errorMessage, entity, status}. */
const errorBody = (status: number, key: string, errorMessage: string, entity: string | null = null) => ({
	key,
	errorMessage,
	entity,
	status,
});
const error = (status: number, key: string, message: string, entity?: string): EmulatorReply => ({
	status,
	body: errorBody(status, key, message, entity),
});

export async function startAppWorksEmulator(options: AppWorksEmulatorOptions = {}): Promise<AppWorksEmulator> {
	const trustedServerKey = options.trustedServerKey ?? `tsk-${randomBytes(12).toString('hex')}`;
	const apps = options.apps ?? { hrapp: `ak-${randomBytes(12).toString('hex')}` };
	const users = new Set((options.users ?? []).map((user) => user.toLowerCase()));
	const groups = new Map(
		Object.entries(options.groups ?? {}).map(([name, members]) => [
			name.toLowerCase(),
			members.map((member) => member.toLowerCase()),
		]),
	);
	for (const members of groups.values()) for (const member of members) users.add(member);
	const withoutDevices = new Set((options.usersWithoutDevices ?? []).map((user) => user.toLowerCase()));
	for (const user of withoutDevices) users.add(user);
	const notifications: AppWorksNotification[] = [];
	const ledger = new IdempotencyLedger();

	const deliver = (
		request: EmulatorRequest,
		api: 'trustedServer' | 'service',
		requestedUsers: string[],
		requestedGroups: string[],
		content: Record<string, unknown>,
		app?: string,
		endpoint?: 'fcm-push' | 'push',
	): EmulatorReply => {
		// Unknown users and groups, and users without a device, are simply not reached: the public answer says nothing of them.
		const reached = new Set<string>();
		for (const user of requestedUsers) if (users.has(user.toLowerCase())) reached.add(user.toLowerCase());
		for (const group of requestedGroups)
			for (const member of groups.get(group.toLowerCase()) ?? []) reached.add(member);
		const recipients = [...reached].filter((user) => !withoutDevices.has(user));
		const key = header(request, 'idempotency-key');
		notifications.push({ api, endpoint, app, recipients, content, idempotencyKey: key });
		return ledger.remember(key, { status: 200, body: {} });
	};

	const http = await startHttpEmulator(
		(request) => {
			if (request.method === 'POST' && request.path === '/gateway/v2/notifications') {
				if (!isForm(request))
					return error(
						415,
						'unsupported.media.type',
						'The trusted-server API takes a form (application/x-www-form-urlencoded)',
					);
				const form = request.body as URLSearchParams;
				if (form.get('key') !== trustedServerKey)
					return error(401, 'invalid.trusted.server.key', 'Invalid trusted server key');
				const earlier = ledger.replay(header(request, 'idempotency-key'));
				if (earlier) return earlier;
				const unknownFields = [...new Set(form.keys())].filter((name) => !TRUSTED_SERVER_FIELDS.has(name));
				if (unknownFields.length > 0)
					return error(400, 'invalid.request', `Unknown form field(s): ${unknownFields.join(', ')}`);
				let message: Record<string, unknown>;
				try {
					message = JSON.parse(form.get('message') ?? '') as Record<string, unknown>;
				} catch {
					return error(400, 'invalid.message', 'message must be a JSON string', 'message');
				}
				const problem = trustedServerMessageProblem(message);
				if (problem) return error(400, 'invalid.message', problem, 'message');
				const requested = (form.get('users') ?? '')
					.split(',')
					.map((user) => user.trim())
					.filter((user) => user !== '');
				if (requested.length === 0) return error(400, 'invalid.users', 'users is required', 'users');
				return deliver(request, 'trustedServer', requested, [], message);
			}
			const push = /^\/deployments\/notifications\/([^/]+)\/(fcm-push|push)$/.exec(request.path);
			if (request.method === 'POST' && push) {
				const app = decodeURIComponent(push[1]);
				const endpoint = push[2] as 'fcm-push' | 'push';
				if (endpoint === 'push' && options.deprecatedPush === false)
					return error(404, 'not.found', `No route ${request.method} ${request.path}`);
				if (!(app in apps)) return error(404, 'app.not.found', `No app ${app}`, app);
				if (header(request, 'otagappkey') !== apps[app]) return error(401, 'invalid.app.key', 'Invalid otagAppKey');
				if (!isJson(request))
					return error(415, 'unsupported.media.type', 'The service API takes a JSON body (application/json)');
				const earlier = ledger.replay(header(request, 'idempotency-key'));
				if (earlier) return earlier;
				const body = request.body as Record<string, unknown>;
				const problem = serviceBodyProblem(body, endpoint);
				if (problem) return error(400, 'invalid.notification', problem.message, problem.entity ?? undefined);
				const requestedUsers = (body.users as string[] | undefined) ?? [];
				const requestedGroups = (body.otdsGroups as string[] | undefined) ?? [];
				return deliver(request, 'service', requestedUsers, requestedGroups, body, app, endpoint);
			}
			return error(404, 'not.found', `No route ${request.method} ${request.path}`);
		},
		(status) =>
			errorBody(
				status,
				status === 429 ? 'too.many.requests' : status === 503 ? 'service.unavailable' : 'internal.error',
				status === 429 ? 'Too many requests' : status === 503 ? 'Service unavailable' : 'Internal server error',
			),
		options,
	);
	const addUsers = (names: string[]) => {
		for (const name of names) users.add(name.toLowerCase());
	};
	return { ...http, gatewayUrl: http.origin, trustedServerKey, apps, notifications, ledger, addUsers };
}

const isForm = (request: EmulatorRequest): boolean =>
	request.body instanceof URLSearchParams &&
	(header(request, 'content-type') ?? '').includes('application/x-www-form-urlencoded');
const isJson = (request: EmulatorRequest): boolean =>
	(header(request, 'content-type') ?? '').includes('application/json') &&
	typeof request.body === 'object' &&
	request.body !== null &&
	!Array.isArray(request.body) &&
	!(request.body instanceof URLSearchParams);

/** The trusted-server form: the key, the message and the users (otag-service-development-kit). */
const TRUSTED_SERVER_FIELDS = new Set(['key', 'message', 'users']);

/** Why the trusted-server `message` JSON cannot be shown: {type, displayType, header, body}, all text. */
function trustedServerMessageProblem(message: unknown): string | undefined {
	if (typeof message !== 'object' || message === null || Array.isArray(message)) return 'message must be a JSON object';
	const fields = message as Record<string, unknown>;
	for (const name of ['type', 'displayType', 'header', 'body']) {
		if (typeof fields[name] !== 'string') return `message.${name} must be text`;
	}
	if (fields.displayType === 'show' && (fields.header as string).trim() === '' && (fields.body as string).trim() === '')
		return 'A shown message needs a header or a body';
	return undefined;
}

const isStringList = (value: unknown): value is string[] =>
	Array.isArray(value) && value.every((item) => typeof item === 'string');
const isStringMap = (value: unknown): boolean =>
	typeof value === 'object' &&
	value !== null &&
	!Array.isArray(value) &&
	Object.values(value as object).every((item) => typeof item === 'string');

/** The body of the deprecated push (the SDK's older request); fcm-push adds the FCM fields. */
const PUSH_FIELDS: Record<string, (value: unknown) => boolean> = {
	broadcast: (value) => typeof value === 'boolean',
	clientIds: isStringList,
	users: isStringList,
	otdsGroups: isStringList,
	runtimes: isStringList,
	title: (value) => typeof value === 'string',
	summary: (value) => typeof value === 'string',
	data: isStringMap,
};
const CONFIG_BLOCK =
	(allowed: string[]) =>
	(value: unknown): boolean =>
		typeof value === 'object' &&
		value !== null &&
		!Array.isArray(value) &&
		Object.keys(value as object).every((name) => allowed.includes(name));
const FCM_PUSH_FIELDS: Record<string, (value: unknown) => boolean> = {
	...PUSH_FIELDS,
	targetAppName: (value) => typeof value === 'string',
	collapseKey: (value) => typeof value === 'string',
	topicName: (value) => typeof value === 'string',
	// The SDK's AndroidConfig is camelCase: collapseKey, priority, ttl, restrictedPackageName, data, notification.
	androidConfig: CONFIG_BLOCK(['collapseKey', 'priority', 'ttl', 'restrictedPackageName', 'data', 'notification']),
	apnsConfig: CONFIG_BLOCK(['headers', 'payload', 'fcmOptions']),
	webpushConfig: CONFIG_BLOCK(['headers', 'data', 'notification', 'fcmOptions']),
};

/** Why the service API refuses a body: unknown or mistyped fields, no recipient, or nothing to show. */
function serviceBodyProblem(
	body: Record<string, unknown>,
	endpoint: 'fcm-push' | 'push',
): { message: string; entity: string | null } | undefined {
	const fields = endpoint === 'fcm-push' ? FCM_PUSH_FIELDS : PUSH_FIELDS;
	for (const [name, value] of Object.entries(body)) {
		const check = fields[name];
		if (!check)
			return {
				message: `Unknown field "${name}"${endpoint === 'push' && name in FCM_PUSH_FIELDS ? ' (only fcm-push takes it)' : ''}`,
				entity: name,
			};
		if (!check(value)) return { message: `Field "${name}" has the wrong type`, entity: name };
	}
	const listed = (name: string) => ((body[name] as string[] | undefined) ?? []).length > 0;
	if (body.broadcast !== true && !listed('users') && !listed('otdsGroups') && !listed('clientIds')) {
		return { message: 'No recipients: give users, otdsGroups, clientIds or broadcast', entity: null };
	}
	const text = (name: string) => typeof body[name] === 'string' && (body[name] as string).trim() !== '';
	if (!text('title') && !text('summary') && Object.keys((body.data as object | undefined) ?? {}).length === 0) {
		return { message: 'The notification has no content: give a title, a summary or data', entity: null };
	}
	return undefined;
}
