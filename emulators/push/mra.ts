/**
 * OpenText Cloud Messaging (MRA v1) emulator: the tenant token endpoint, Basic or Bearer authentication,
 * push through /mra/v1/utils/parser (domain MR, base64 JSON), SMS and email through /mra/v1/outbound/*,
 * job status by job_id, and de-duplication by X-MRA-SubmitId. Error bodies are
 * {"code": <status>, "error_code": "...", "message": "..."} (an assumption: MRA's error shape is not public).
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

export interface MraEmulatorOptions extends HttpEmulatorOptions {
	tenantId?: string;
	username?: string;
	password?: string;
	clientId?: string;
	clientSecret?: string;
	/** Device tokens answered 400 UNREGISTERED. */
	deadTokens?: string[];
	/** Phone numbers answered 400 INVALID_DESTINATION (invented: MRA's answer to a bad number is not public). */
	invalidNumbers?: string[];
	/** Lifetime of issued OAuth tokens, as expires_in says (default 3600 s); an expired token is answered 401. */
	tokenLifetimeSeconds?: number;
}

/** One accepted submission. */
export interface MraSubmission {
	kind: 'push' | 'sms' | 'emails';
	jobId: string;
	submitId?: string;
	/** push: the decoded inner JSON; sms / emails: the body as sent. */
	content: Record<string, unknown>;
	/** emails: the decoded text of the first body part. */
	text?: string;
	/** When it was accepted (ISO 8601). */
	submittedAt: string;
}

export interface MraEmulator extends HttpEmulator {
	/** The region base URL to configure (paths start with /mra/v1). */
	baseUrl: string;
	/** The tenant token URL. */
	tokenUrl: string;
	username: string;
	password: string;
	clientId: string;
	clientSecret: string;
	submissions: MraSubmission[];
	ledger: IdempotencyLedger;
	issuedTokens: number;
	/** The access token issued last (tests of expiry). */
	lastIssuedToken?: string;
	/** Lets every access token issued so far expire now (the next request with one gets 401). */
	expireTokens(): void;
}

const error = (status: number, code: string, message: string): EmulatorReply => ({
	status,
	body: { code: status, error_code: code, message },
});

/**
 * The public request bodies (OpenText's Postman collections): each field and its type; nothing else is taken.
 * 'string' | 'object' leaves; a nested shape; [shape] a list of such. The inner push request (base64 in the parser's
 * data) is not public and is checked only for an address and content.
 */
type FieldShape = 'string' | { [field: string]: FieldShape } | [FieldShape];
const DESTINATION_SMS: FieldShape = { ref: 'string', sms: 'string' };
const REQUEST_SHAPES: Record<string, { [field: string]: FieldShape }> = {
	'/mra/v1/utils/parser': { domain: 'string', filename: 'string', data: 'string' },
	'/mra/v1/outbound/sms': { destinations: [DESTINATION_SMS], sms_text: 'string' },
	'/mra/v1/outbound/emails': {
		options: { email_options: { subject: 'string' } },
		destinations: [{ ref: 'string', email: 'string' }],
		body: [{ name: 'string', type: 'string', charset: 'string', data: 'string' }],
	},
};
/** Fields a part cannot do without, by where it is (destinations are checked by kind in the handlers). */
const REQUIRED: Record<string, string[]> = { 'body[]': ['name', 'type', 'data'] };

/** The first field of `value` that the shape does not have, or that has the wrong type; undefined when it fits. */
function shapeProblem(value: unknown, shape: FieldShape, at: string): string | undefined {
	if (shape === 'string') return typeof value === 'string' ? undefined : `${at} must be text`;
	if (Array.isArray(shape)) {
		if (!Array.isArray(value)) return `${at} must be a list`;
		for (const item of value) {
			const problem = shapeProblem(item, shape[0], `${at}[]`);
			if (problem) return problem;
		}
		return undefined;
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value))
		return `${at || 'The body'} must be an object`;
	for (const [name, child] of Object.entries(value as Record<string, unknown>)) {
		const expected = shape[name];
		if (expected === undefined) return `Unrecognized field "${at ? `${at}.` : ''}${name}"`;
		const problem = shapeProblem(child, expected, at ? `${at}.${name}` : name);
		if (problem) return problem;
	}
	for (const name of REQUIRED[at] ?? [])
		if ((value as Record<string, unknown>)[name] === undefined) return `${at}.${name} is required`;
	return undefined;
}

/** Where each kind of job keeps its destination, and how its delivery events are named. */
const DESTINATION_KEY = { sms: 'sms', emails: 'email' } as const;

/**
 * A finished job in the public status shape (OpenText's Fax/SMS REST quick start and its API reference):
 * job_state a list, each delivery with ref_base64 (when a ref was sent), its destination under its kind and
 * delivery_attempts with a state (Sent here), and events as an object of lists.
 */
function jobStatusBody(job: MraSubmission): Record<string, unknown> {
	const kind = job.kind as 'sms' | 'emails';
	const destinationKey = DESTINATION_KEY[kind];
	const destinations = (job.content.destinations as Array<Record<string, unknown>>) ?? [];
	const at = job.submittedAt;
	return {
		job_id: job.jobId,
		job_state: ['Complete', 'Posted'],
		deliveries: destinations.map((destination) => ({
			...(typeof destination.ref === 'string'
				? { ref_base64: Buffer.from(destination.ref, 'utf8').toString('base64') }
				: {}),
			[destinationKey]: destination[destinationKey],
			delivery_attempts: [{ state: 'Sent', gamma_code: '0', first_attempt: at, delivery_time: at }],
		})),
		events: { [`${destinationKey}_delivery_events`]: [] },
	};
}

export async function startMraEmulator(options: MraEmulatorOptions = {}): Promise<MraEmulator> {
	const tenantId = options.tenantId ?? 'tenant-1';
	const username = options.username ?? 'sender';
	const password = options.password ?? `pw-${randomBytes(6).toString('hex')}`;
	const clientId = options.clientId ?? 'client-1';
	const clientSecret = options.clientSecret ?? `cs-${randomBytes(12).toString('hex')}`;
	const deadTokens = new Set(options.deadTokens ?? []);
	const invalidNumbers = new Set(options.invalidNumbers ?? []);
	/** Access token → when it expires (ms). */
	const tokens = new Map<string, number>();
	const tokenLifetime = options.tokenLifetimeSeconds ?? 3600;
	let lastIssuedToken: string | undefined;
	const submissions: MraSubmission[] = [];
	const jobs = new Map<string, MraSubmission>();
	const ledger = new IdempotencyLedger();
	let issued = 0;
	const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;

	const authorized = (request: EmulatorRequest): boolean => {
		const value = header(request, 'authorization') ?? '';
		if (value === basic(username, password)) return true;
		const bearer = /^Bearer (.+)$/.exec(value)?.[1];
		const expiresAt = bearer === undefined ? undefined : tokens.get(bearer);
		return expiresAt !== undefined && expiresAt > Date.now();
	};

	const accept = (
		request: EmulatorRequest,
		submission: Omit<MraSubmission, 'jobId' | 'submitId' | 'submittedAt'>,
	): EmulatorReply => {
		const submitId = header(request, 'x-mra-submitid');
		const jobId = `xsi-${randomBytes(8).toString('hex')}`;
		const recorded = { ...submission, jobId, submitId, submittedAt: new Date().toISOString() };
		submissions.push(recorded);
		jobs.set(jobId, recorded);
		return ledger.remember(submitId, { status: 200, body: { job_id: jobId } });
	};

	const handlers: Record<string, (request: EmulatorRequest, body: Record<string, unknown>) => EmulatorReply> = {
		'/mra/v1/utils/parser': (request, body) => {
			if (body.domain !== 'MR') return error(400, 'INVALID_DOMAIN', 'domain must be MR');
			if (typeof body.filename !== 'string' || !body.filename.endsWith('.json'))
				return error(400, 'INVALID_FILENAME', 'filename must name a .json file');
			let inner: Record<string, unknown>;
			try {
				inner = JSON.parse(Buffer.from(String(body.data ?? ''), 'base64').toString('utf8')) as Record<string, unknown>;
			} catch {
				return error(400, 'INVALID_DATA', 'data is not base64 of a JSON document');
			}
			const destinations = Array.isArray(inner.destinations)
				? (inner.destinations as Array<Record<string, unknown>>)
				: [];
			if (destinations.length === 0) return error(400, 'NO_DESTINATIONS', 'The push request has no destinations');
			const addressless = destinations.find(
				(destination) =>
					!['device_token', 'topic'].some((name) => typeof destination[name] === 'string' && destination[name] !== ''),
			);
			if (addressless)
				return error(400, 'INVALID_DESTINATION', 'Every push destination needs a device_token or a topic');
			const notification = (
				typeof inner.notification === 'object' && inner.notification !== null ? inner.notification : {}
			) as Record<string, unknown>;
			const shows = ['title', 'body'].some(
				(name) => typeof notification[name] === 'string' && (notification[name] as string).trim() !== '',
			);
			const carries = typeof inner.data === 'object' && inner.data !== null && Object.keys(inner.data).length > 0;
			if (!shows && !carries)
				return error(400, 'NO_CONTENT', 'The push has no content: give a notification title or body, or data');
			const dead = destinations.find(
				(destination) => typeof destination.device_token === 'string' && deadTokens.has(destination.device_token),
			);
			if (dead) return error(400, 'UNREGISTERED', `Device token not registered: ${String(dead.ref ?? '')}`);
			return accept(request, { kind: 'push', content: inner });
		},
		'/mra/v1/outbound/sms': (request, body) => {
			const destinations = Array.isArray(body.destinations)
				? (body.destinations as Array<Record<string, unknown>>)
				: [];
			if (destinations.length === 0 || typeof body.sms_text !== 'string' || body.sms_text === '')
				return error(400, 'INVALID_REQUEST', 'destinations and sms_text are required');
			// OpenText's own examples use national and 00-prefixed numbers (0034666999999): anything dialable passes.
			if (destinations.some((destination) => typeof destination.sms !== 'string'))
				return error(400, 'INVALID_DESTINATION', 'Every SMS destination needs an sms number');
			const bad = destinations.find(
				(destination) =>
					!/^\+?[0-9][0-9 ()-]{2,}$/.test(destination.sms as string) || invalidNumbers.has(destination.sms as string),
			);
			if (bad) return error(400, 'INVALID_DESTINATION', 'Invalid SMS destination');
			return accept(request, { kind: 'sms', content: body });
		},
		'/mra/v1/outbound/emails': (request, body) => {
			const destinations = Array.isArray(body.destinations)
				? (body.destinations as Array<Record<string, unknown>>)
				: [];
			const parts = Array.isArray(body.body) ? (body.body as Array<Record<string, unknown>>) : [];
			// The subject is optional: OpenText's own Postman samples send emails without one.
			const subject = ((body.options as Record<string, Record<string, unknown>> | undefined)?.email_options ?? {})
				.subject;
			if (destinations.length === 0 || parts.length === 0)
				return error(400, 'INVALID_REQUEST', 'destinations and body are required');
			if (subject !== undefined && typeof subject !== 'string')
				return error(400, 'INVALID_REQUEST', 'options.email_options.subject must be text');
			if (
				destinations.some(
					(destination) => typeof destination.email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(destination.email),
				)
			)
				return error(400, 'INVALID_DESTINATION', 'Every email destination needs an email address');
			return accept(request, {
				kind: 'emails',
				content: body,
				text: Buffer.from(String(parts[0].data ?? ''), 'base64').toString('utf8'),
			});
		},
	};

	const http = await startHttpEmulator(
		(request) => {
			const token = /^\/tenants\/([^/]+)\/oauth2\/token$/.exec(request.path);
			if (request.method === 'POST' && token) {
				const form = request.body instanceof URLSearchParams ? request.body : new URLSearchParams();
				if (decodeURIComponent(token[1]) !== tenantId) return { status: 404, body: { error: 'invalid_tenant' } };
				if (header(request, 'authorization') !== basic(clientId, clientSecret))
					return { status: 401, body: { error: 'invalid_client', error_description: 'Client authentication failed' } };
				if (form.get('grant_type') !== 'client_credentials')
					return { status: 400, body: { error: 'unsupported_grant_type' } };
				const accessToken = randomBytes(20).toString('hex');
				tokens.set(accessToken, Date.now() + tokenLifetime * 1000);
				lastIssuedToken = accessToken;
				issued++;
				return { status: 200, body: { access_token: accessToken, token_type: 'Bearer', expires_in: tokenLifetime } };
			}
			if (!request.path.startsWith('/mra/v1/')) return error(404, 'NOT_FOUND', `No route ${request.path}`);
			if (!authorized(request)) return error(401, 'UNAUTHORIZED', 'Authentication required');
			const status = /^\/mra\/v1\/outbound\/(sms|emails|faxes)\/status$/.exec(request.path);
			if (request.method === 'GET' && status) {
				const job = jobs.get(request.query.get('job_id') ?? '');
				if (!job || job.kind !== status[1])
					return error(404, 'JOB_NOT_FOUND', `No ${status[1]} job ${request.query.get('job_id') ?? ''}`);
				return { status: 200, body: jobStatusBody(job) };
			}
			const handler = handlers[request.path];
			if (request.method !== 'POST' || !handler)
				return error(404, 'NOT_FOUND', `No route ${request.method} ${request.path}`);
			if (!(header(request, 'content-type') ?? '').includes('application/json'))
				return error(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send JSON with Content-Type: application/json');
			const earlier = ledger.replay(header(request, 'x-mra-submitid'));
			if (earlier) return earlier;
			if (typeof request.body !== 'object' || request.body === null || Array.isArray(request.body))
				return error(400, 'INVALID_REQUEST', 'The body must be a JSON object');
			const body = request.body as Record<string, unknown>;
			const problem = shapeProblem(body, REQUEST_SHAPES[request.path], '');
			if (problem) return error(400, 'INVALID_REQUEST', problem);
			return handler(request, body);
		},
		(status) => ({
			code: status,
			error_code: status === 429 ? 'TOO_MANY_REQUESTS' : status === 503 ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_ERROR',
			message: status === 429 ? 'Too many requests' : 'Server error',
		}),
		options,
	);
	return {
		...http,
		baseUrl: http.origin,
		tokenUrl: `${http.origin}/tenants/${tenantId}/oauth2/token`,
		username,
		password,
		clientId,
		clientSecret,
		submissions,
		ledger,
		get issuedTokens() {
			return issued;
		},
		get lastIssuedToken() {
			return lastIssuedToken;
		},
		expireTokens: () => {
			for (const token of tokens.keys()) tokens.set(token, 0);
		},
	};
}
