/**
 * The OTDS emulator: an in-process Node http server that serves the OTDS REST paths, shapes and errors
 * described in shared/reference/otds-rest.md, seeded with the enterprise fixture (the same people as the
 * test slapd). Start one per test file with startOtdsEmulator(); it listens on 127.0.0.1 and a free port.
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { generateEnterprise, type EnterpriseFixture } from '../../devkit/fixture';
import { handleAdmin, type RequestLogEntry } from './admin';
import { AuthFailure, Sessions, type AuthOptions, type Reply } from './auth';
import { Faults } from './faults';
import { RestApi, type RestOptions } from './rest';
import { seedFixture } from './seed';
import { ADMINS_GROUP, ADMIN_PARTITION, EmulatorError, errorBody } from './shapes';
import { OtdsStore, type StoreOptions } from './store';

export interface OtdsEmulatorOptions extends StoreOptions, AuthOptions, RestOptions {
	/** The directory to serve; default generateEnterprise({ seed, users }). */
	fixture?: EnterpriseFixture;
	/** Fixture size when no fixture is given (default 300). */
	users?: number;
	/** Fixture seed when no fixture is given (default 42). */
	seed?: number;
	/** Serve an empty partition instead of the fixture. */
	empty?: boolean;
	/** Default 0: a free port. */
	port?: number;
	/** Default 127.0.0.1. */
	host?: string;
	/** The administrator's sign-in name (default otadmin@otds.admin). */
	adminUser?: string;
	/** The administrator's password (default: generated; read it from the returned handle). */
	adminPassword?: string;
	/** When set, /__emulator routes need the header `x-emulator-token: <value>`. */
	adminApiToken?: string;
}

export interface OtdsEmulator {
	/** Base URL of OTDS, e.g. http://127.0.0.1:PORT/otdsws */
	url: string;
	/** http://127.0.0.1:PORT (the admin API is at `${origin}/__emulator`). */
	origin: string;
	port: number;
	store: OtdsStore;
	faults: Faults;
	/** Every /otdsws request: method, path, query (no secrets), status, fault. */
	requests: RequestLogEntry[];
	fixture?: EnterpriseFixture;
	adminUser: string;
	adminPassword: string;
	/** Stops listening and drops open connections; the state is kept. resume() listens again on the same port. */
	suspend(): Promise<void>;
	resume(): Promise<void>;
	stop(): Promise<void>;
}

const SECRET_NAMES = /pass|secret|ticket|token|assertion/i;

function scrubQuery(params: URLSearchParams): Record<string, string> {
	const query: Record<string, string> = {};
	for (const [name, value] of params) query[name] = SECRET_NAMES.test(name) ? '***' : value;
	return query;
}

/** The body; `strict` (the OTDS routes) refuses a body that is neither JSON nor a form, as OTDS does. */
async function readBody(req: http.IncomingMessage, strict: boolean): Promise<unknown> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of req) {
		size += (chunk as Buffer).length;
		if (size > 1_000_000) throw new EmulatorError(413, 'The request body is too large');
		chunks.push(chunk as Buffer);
	}
	const text = Buffer.concat(chunks).toString('utf8');
	if (text.trim() === '') return undefined;
	const type = req.headers['content-type'] ?? '';
	if (type.includes('application/x-www-form-urlencoded')) return new URLSearchParams(text);
	// OTDS REST (JAX-RS) reads JSON bodies only when they say so: anything else is an unsupported media type.
	if (strict && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type))
		throw new EmulatorError(
			415,
			`Unsupported media type "${type || 'none'}": send JSON with Content-Type: application/json`,
		);
	try {
		return JSON.parse(text) as unknown;
	} catch {
		throw new EmulatorError(400, 'The request body is not valid JSON');
	}
}

function send(res: http.ServerResponse, reply: Reply): void {
	const headers: Record<string, string> = { ...(reply.headers ?? {}) };
	let payload = '';
	if (reply.body !== undefined && reply.status !== 204) {
		payload = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
		headers['content-type'] ??=
			typeof reply.body === 'string' ? 'text/html; charset=utf-8' : 'application/json;charset=utf-8';
	}
	headers['content-length'] = String(Buffer.byteLength(payload));
	res.writeHead(reply.status, headers);
	res.end(payload);
}

const segmentsOf = (path: string, prefix: string): string[] =>
	path
		.slice(prefix.length)
		.split('/')
		.filter((segment) => segment !== '')
		.map((segment) => decodeURIComponent(segment));

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function startOtdsEmulator(options: OtdsEmulatorOptions = {}): Promise<OtdsEmulator> {
	const store = new OtdsStore(options);
	const fixture = options.empty
		? undefined
		: (options.fixture ?? generateEnterprise({ seed: options.seed ?? 42, users: options.users ?? 300 }));
	if (fixture) seedFixture(store, fixture);
	const adminUser = options.adminUser ?? `otadmin@${ADMIN_PARTITION}`;
	const adminPassword = options.adminPassword ?? `Admin-${Math.random().toString(36).slice(2, 10)}-1!`;
	const at = adminUser.lastIndexOf('@');
	const adminPartition = at > 0 ? adminUser.slice(at + 1) : ADMIN_PARTITION;
	if (!store.partitions.has(adminPartition.toLowerCase()))
		store.addPartition({ name: adminPartition, description: 'Administrators', type: 'non-synchronized' });
	store.createUser({
		name: at > 0 ? adminUser.slice(0, at) : adminUser,
		partition: adminPartition,
		password: adminPassword,
		attributes: { displayName: 'OTDS Administrator' },
		groups: [`${ADMINS_GROUP}@${ADMIN_PARTITION}`],
	});

	const sessions = new Sessions(store, options);
	const faults = new Faults(() => sessions.expireAll());
	const rest = new RestApi(store, options);
	const requests: RequestLogEntry[] = [];

	const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
		const method = (req.method ?? 'GET').toUpperCase();
		const url = new URL(req.url ?? '/', 'http://emulator');
		const path = url.pathname;
		if (path === '/__emulator' || path.startsWith('/__emulator/')) {
			if (options.adminApiToken && req.headers['x-emulator-token'] !== options.adminApiToken) {
				send(res, { status: 401, body: errorBody(401, 'x-emulator-token is missing or wrong') });
				return;
			}
			const body = await readBody(req, false);
			send(res, handleAdmin(store, faults, requests, method, segmentsOf(path, '/__emulator'), url.searchParams, body));
			return;
		}
		const entry: RequestLogEntry = { at: new Date().toISOString(), method, path, query: scrubQuery(url.searchParams) };
		requests.push(entry);
		if (faults.latencyMs > 0) await sleep(faults.latencyMs);
		const fault = faults.take(method, path);
		if (fault?.kind === 'drop') {
			entry.fault = 'drop';
			req.socket.destroy();
			return;
		}
		if (fault?.kind === 'status') {
			const status = fault.status ?? 503;
			entry.fault = `status ${status}`;
			entry.status = status;
			const headers: Record<string, string> = fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {};
			const message =
				status === 429
					? 'Too many requests'
					: status === 503
						? 'Service temporarily unavailable'
						: 'Internal server error';
			send(res, { status, body: errorBody(status, message), headers });
			return;
		}
		let reply: Reply;
		if (!path.startsWith('/otdsws/')) {
			reply = { status: 404, body: '<html><body><h1>404 Not Found</h1></body></html>' };
		} else {
			const body = await readBody(req, true);
			if (path === '/otdsws/rest/authentication/credentials') {
				reply =
					method === 'POST'
						? sessions.signIn(body)
						: { status: 405, body: errorBody(405, `Method ${method} is not allowed here`) };
			} else if (path === '/otdsws/oauth2/token') {
				const form = body instanceof URLSearchParams ? body : new URLSearchParams();
				reply =
					method === 'POST'
						? sessions.issueOAuthToken(form, req.headers.authorization)
						: { status: 405, body: { error: 'invalid_request' } };
			} else if (path.startsWith('/otdsws/rest/')) {
				const principal = sessions.authenticate(req.headers);
				reply = rest.handle(method, segmentsOf(path, '/otdsws/rest/'), url.searchParams, body, principal);
			} else {
				reply = { status: 404, body: errorBody(404, `No resource at ${path}`) };
			}
		}
		entry.status = reply.status;
		if (fault?.kind === 'dropResponse') {
			entry.fault = 'dropResponse';
			req.socket.destroy();
			return;
		}
		send(res, reply);
	};

	const server = http.createServer((req, res) => {
		handle(req, res).catch((error: unknown) => {
			let reply: Reply;
			if (error instanceof AuthFailure) reply = error.reply;
			else if (error instanceof EmulatorError)
				reply = { status: error.status, body: errorBody(error.status, error.message) };
			else if (error instanceof URIError) reply = { status: 400, body: errorBody(400, 'Malformed URL encoding') };
			else reply = { status: 500, body: errorBody(500, 'Internal server error') };
			const last = requests[requests.length - 1];
			if (last && last.status === undefined) last.status = reply.status;
			if (!res.headersSent && !res.destroyed) send(res, reply);
		});
	});
	const sockets = new Set<Socket>();
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});

	const host = options.host ?? '127.0.0.1';
	const listen = (port: number) =>
		new Promise<number>((resolve, reject) => {
			server.once('error', reject);
			server.listen(port, host, () => {
				server.off('error', reject);
				resolve((server.address() as AddressInfo).port);
			});
		});
	const close = () =>
		new Promise<void>((resolve) => {
			if (!server.listening) return resolve();
			server.close(() => resolve());
			for (const socket of sockets) socket.destroy();
		});

	const port = await listen(options.port ?? 0);
	const origin = `http://${host}:${port}`;
	return {
		url: `${origin}/otdsws`,
		origin,
		port,
		store,
		faults,
		requests,
		fixture,
		adminUser,
		adminPassword,
		suspend: close,
		resume: async () => {
			await listen(port);
		},
		stop: close,
	};
}
