/**
 * What the three push emulators share: an in-process http server on 127.0.0.1 and a free port, the OTDS
 * emulator's fault switchboard (latency, 429 with Retry-After, 500/503, dropped connections), a log of
 * every request received (secrets masked), and de-duplication by idempotency key.
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Faults } from '../otds/faults';

export interface EmulatorRequest {
	method: string;
	path: string;
	query: URLSearchParams;
	/** Header names in lower case. */
	headers: http.IncomingHttpHeaders;
	/** Parsed JSON, URLSearchParams for a form, the text otherwise, undefined when empty. */
	body: unknown;
}

export interface EmulatorReply {
	status: number;
	body?: unknown;
	headers?: Record<string, string>;
}

/** One request as the emulator received it. */
export interface ReceivedRequest {
	method: string;
	path: string;
	/** Header names in lower case; authorization, keys and app keys masked. */
	headers: Record<string, string>;
	body: unknown;
	status?: number;
	/** The fault that answered instead of the emulated service, if any. */
	fault?: string;
}

export interface HttpEmulator {
	origin: string;
	port: number;
	faults: Faults;
	requests: ReceivedRequest[];
	/**
	 * Resolves once no request is being handled. A test whose client gave up early (a timeout against injected
	 * latency) leaves requests behind; awaited before the next test, they cannot take that test's faults.
	 */
	idle(): Promise<void>;
	stop(): Promise<void>;
}

export interface HttpEmulatorOptions {
	host?: string;
	port?: number;
	/** Keep a log of requests (default true; a benchmark may turn it off). */
	recordRequests?: boolean;
	/**
	 * Routes served beside the emulated service (the demo's web inbox): returns true when it answered the
	 * request itself. Such requests are neither recorded nor subject to faults.
	 */
	extraRoutes?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean;
}

const MASKED_HEADERS = /authorization|key|token|secret/i;

/** The body, read with plain 'data' / 'end' listeners: an async iterator over the request costs more per request. */
function readBody(req: http.IncomingMessage): Promise<unknown> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.once('error', reject);
		req.once('end', () =>
			resolve(
				parseBody(
					chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8'),
					req.headers['content-type'],
				),
			),
		);
	});
}

function parseBody(text: string, contentType: string | undefined): unknown {
	if (text.trim() === '') return undefined;
	if ((contentType ?? '').includes('application/x-www-form-urlencoded')) return new URLSearchParams(text);
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return text;
	}
}

function send(res: http.ServerResponse, reply: EmulatorReply): void {
	const payload =
		reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
	const headers: Record<string, string> = {
		'content-type': 'application/json; charset=utf-8',
		...(reply.headers ?? {}),
		'content-length': String(Buffer.byteLength(payload)),
	};
	res.writeHead(reply.status, headers);
	res.end(payload);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Starts a server that answers with `handler` unless a fault answers first.
 * `faultBody(status)` shapes the error body of injected statuses the way the emulated service does.
 */
export async function startHttpEmulator(
	handler: (request: EmulatorRequest) => EmulatorReply | Promise<EmulatorReply>,
	faultBody: (status: number) => unknown,
	options: HttpEmulatorOptions = {},
): Promise<HttpEmulator> {
	const faults = new Faults(() => undefined);
	const requests: ReceivedRequest[] = [];
	const record = options.recordRequests ?? true;

	const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
		const method = (req.method ?? 'GET').toUpperCase();
		const url = new URL(req.url ?? '/', 'http://emulator');
		const body = await readBody(req);
		// Without a log (a benchmark), the entry is a throwaway: the masked copies of headers and body are not made.
		const entry: ReceivedRequest = record
			? {
					method,
					path: url.pathname,
					headers: maskHeaders(req.headers),
					body: body instanceof URLSearchParams ? maskForm(body) : body,
				}
			: { method, path: url.pathname, headers: {}, body: undefined };
		if (record) requests.push(entry);
		if (faults.latencyMs > 0) await sleep(faults.latencyMs);
		const fault = faults.take(method, url.pathname);
		if (fault?.kind === 'drop') {
			entry.fault = 'drop';
			req.socket.destroy();
			return;
		}
		if (fault?.kind === 'stall') {
			// Never handled: the client's timeout fires first, then the connection closes.
			entry.fault = 'stall';
			await sleep(fault.holdMs ?? 1000);
			req.socket.destroy();
			return;
		}
		if (fault?.kind === 'status') {
			entry.status = fault.status ?? 503;
			entry.fault = `status ${entry.status}`;
			send(res, {
				status: entry.status,
				body: faultBody(entry.status),
				headers: fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {},
			});
			return;
		}
		const reply = await handler({ method, path: url.pathname, query: url.searchParams, headers: req.headers, body });
		entry.status = reply.status;
		if (fault?.kind === 'stallResponse') {
			// Carried out, but the answer comes after the client gave up (or never).
			entry.fault = 'stallResponse';
			await sleep(fault.holdMs ?? 1000);
			req.socket.destroy();
			return;
		}
		if (fault?.kind === 'dropResponse') {
			// Carried out, but the client never learns it: what makes retries without idempotency keys unsafe.
			entry.fault = 'dropResponse';
			req.socket.destroy();
			return;
		}
		send(res, reply);
	};

	let handling = 0;
	let idleWaiters: Array<() => void> = [];
	const handled = () => {
		if (--handling > 0 || idleWaiters.length === 0) return;
		const waiters = idleWaiters;
		idleWaiters = [];
		for (const resolve of waiters) resolve();
	};
	const server = http.createServer((req, res) => {
		if (options.extraRoutes?.(req, res)) return;
		handling++;
		handle(req, res).then(handled, () => {
			if (!res.headersSent && !res.destroyed) send(res, { status: 500, body: faultBody(500) });
			handled();
		});
	});
	server.keepAliveTimeout = 30_000;
	const sockets = new Set<Socket>();
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	const host = options.host ?? '127.0.0.1';
	const port = await new Promise<number>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, host, () => resolve((server.address() as AddressInfo).port));
	});
	return {
		origin: `http://${host}:${port}`,
		port,
		faults,
		requests,
		idle: () => (handling === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))),
		stop: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				for (const socket of sockets) socket.destroy();
			}),
	};
}

/** A form as an object, secret fields (the AppWorks trusted-server key, passwords) masked. */
function maskForm(form: URLSearchParams): Record<string, string> {
	const masked: Record<string, string> = {};
	for (const [name, value] of form)
		masked[name] = /^(key|password|client_secret|assertion)$/i.test(name) ? '***' : value;
	return masked;
}

function maskHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
	const masked: Record<string, string> = {};
	for (const [name, value] of Object.entries(headers)) {
		if (value === undefined) continue;
		masked[name] =
			MASKED_HEADERS.test(name) && name !== 'idempotency-key' ? '***' : Array.isArray(value) ? value.join(', ') : value;
	}
	return masked;
}

/**
 * Remembers the answer given to each idempotency key: a repeated request gets the first answer again and is
 * not carried out a second time.
 */
export class IdempotencyLedger {
	private readonly answers = new Map<string, EmulatorReply>();
	/** Requests answered from the ledger instead of being carried out. */
	duplicates = 0;

	/** The earlier answer for this key, if a request with it succeeded before. */
	replay(key: string | undefined): EmulatorReply | undefined {
		if (!key) return undefined;
		const earlier = this.answers.get(key);
		if (earlier) this.duplicates++;
		return earlier;
	}

	/** Forgets every key (a benchmark between runs, so that later runs do not pay for a larger map). */
	clear(): void {
		this.answers.clear();
		this.duplicates = 0;
	}

	remember(key: string | undefined, reply: EmulatorReply): EmulatorReply {
		if (key && reply.status < 300) this.answers.set(key, reply);
		return reply;
	}
}

/** A header as one string. */
export function header(request: EmulatorRequest, name: string): string | undefined {
	const value = request.headers[name.toLowerCase()];
	return Array.isArray(value) ? value[0] : value;
}
