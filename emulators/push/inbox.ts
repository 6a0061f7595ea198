/**
 * The demo's web inbox: a small page, served by the FCM emulator beside the FCM API, standing in for
 * people's phones. It lists what every push emulator delivered, per person, live (the page polls every
 * 1.5 s): Firebase pushes (by device token), OpenText Cloud Messaging pushes, SMS and emails (by device
 * token, mobile number and mail address) and AppWorks Gateway notifications (by OTDS user ID), each
 * labelled with its channel and, where known, the workflow that sent it (inbox-sources.ts normalises the
 * emulators' records). Messages that carry an acknowledgment link (data ackUrl / ackToken, added by the
 * push node when "Require Acknowledgment" is on) get an Acknowledge button, whichever channel carried them:
 * the inbox follows the link the way a phone app would (POST {token, kind: "acknowledged"} to it) and then
 * shows what the directory holds for that person and notice. A scenario panel makes directory changes.
 *
 * Dependency-free: plain HTML and a little JavaScript, served by node:http through `extraRoutes`.
 *
 *   GET  /inbox                          the page
 *   GET  /inbox/api/state                {messages, scenarios}
 *   POST /inbox/api/messages/{n}/ack     follows message n's acknowledgment link
 *   POST /inbox/api/scenarios/{name}     runs a scenario; {ok, text}
 */
import type * as http from 'node:http';

import { inboxPage } from './inbox-page';
import {
	CHANNEL_LABELS,
	type InboxDelivery,
	type InboxDirectory,
	type InboxPerson,
	type InboxSource,
} from './inbox-sources';

export {
	appWorksSource,
	fcmSource,
	InboxPeople,
	mraSource,
	type InboxChannel,
	type InboxDelivery,
	type InboxDirectory,
	type InboxPerson,
	type InboxSource,
} from './inbox-sources';

export interface InboxScenario {
	name: string;
	title: string;
	description: string;
}

export interface InboxOptions {
	/** The emulators' records (fcmSource, mraSource, appWorksSource), read on every sync. */
	sources: InboxSource[];
	/** The people behind device tokens, mobile numbers, mail addresses and user IDs. */
	people: InboxDirectory;
	/** Who sent a message, when its data does not say (data.workflow): e.g. the only workflow using its channel. */
	senderOf?: (delivery: InboxDelivery) => string | undefined;
	/** What the directory holds for a person and a notice (the acknowledgment value), if anything. */
	directoryAcknowledgment?: (personId: string, noticeId: string) => string | undefined;
	scenarios?: InboxScenario[];
	runScenario?: (name: string) => Promise<string>;
	/** Page title; default "Demo inbox". */
	title?: string;
}

export interface AckState {
	state: 'sending' | 'recorded' | 'duplicate' | 'failed';
	detail: string;
	at: string;
}

export interface InboxMessage extends InboxDelivery {
	n: number;
	receivedAt: string;
	channelLabel: string;
	person?: InboxPerson;
	/** The workflow that sent it, where known. */
	sender?: string;
	ack?: AckState;
}

export interface Inbox {
	/** Pass as the emulator's `extraRoutes`. */
	routes: (req: http.IncomingMessage, res: http.ServerResponse) => boolean;
	/** The messages received so far (synchronised with the deliveries). */
	messages(): InboxMessage[];
	/** Follows message n's acknowledgment link (what the button does). */
	acknowledge(n: number): Promise<AckState>;
}

function reply(
	res: http.ServerResponse,
	status: number,
	body: unknown,
	type = 'application/json; charset=utf-8',
): void {
	const payload = typeof body === 'string' ? body : JSON.stringify(body);
	res.writeHead(status, {
		'content-type': type,
		'cache-control': 'no-store',
		'content-length': String(Buffer.byteLength(payload)),
	});
	res.end(payload);
}

async function drain(req: http.IncomingMessage): Promise<void> {
	for await (const _chunk of req) {
		// the body is not used
	}
}

export function createInbox(options: InboxOptions): Inbox {
	const received: InboxMessage[] = [];

	// How many records of each source have been read.
	const seen = options.sources.map(() => 0);

	const sync = (): InboxMessage[] => {
		options.sources.forEach((source, i) => {
			const records = source.records();
			for (; seen[i] < records.length; seen[i]++) {
				for (const delivery of source.normalise(records[seen[i]])) {
					received.push({
						...delivery,
						n: received.length + 1,
						receivedAt: new Date().toISOString(),
						channelLabel: CHANNEL_LABELS[delivery.channel],
						person: options.people.find(delivery.addressKind, delivery.address),
						sender: delivery.data.workflow || options.senderOf?.(delivery),
					});
				}
			}
		});
		return received;
	};

	// Stamps arrival times even while no page is open.
	setInterval(sync, 500).unref();

	const acknowledge = async (n: number): Promise<AckState> => {
		const message = sync().find((m) => m.n === n);
		if (!message) return { state: 'failed', detail: `no message ${n}`, at: new Date().toISOString() };
		const { ackUrl, ackToken } = message.data;
		if (!ackUrl || !ackToken)
			return { state: 'failed', detail: 'this message asks for no acknowledgment', at: new Date().toISOString() };
		if (message.ack && message.ack.state !== 'failed') return message.ack;
		message.ack = { state: 'sending', detail: '', at: new Date().toISOString() };
		try {
			// What a phone app does with the link: POST the token to it (a browser would open the link and confirm).
			const res = await fetch(ackUrl, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ token: ackToken, kind: 'acknowledged', client: 'demo-inbox' }),
				signal: AbortSignal.timeout(15_000),
			});
			const text = await res.text();
			let answer: { status?: string; message?: string } = {};
			try {
				answer = JSON.parse(text) as typeof answer;
			} catch {
				// not JSON
			}
			if (res.ok && (answer.status === 'recorded' || answer.status === 'duplicate')) {
				message.ack = {
					state: answer.status,
					detail: `the acknowledgment link answered ${res.status} ${answer.status}`,
					at: new Date().toISOString(),
				};
			} else {
				message.ack = {
					state: 'failed',
					detail: `the acknowledgment link answered ${res.status}: ${answer.message ?? text.slice(0, 200)}`,
					at: new Date().toISOString(),
				};
			}
		} catch (error) {
			message.ack = {
				state: 'failed',
				detail: `the acknowledgment link could not be reached: ${(error as Error).message}`,
				at: new Date().toISOString(),
			};
		}
		return message.ack;
	};

	const state = () => {
		const messages = sync().map((m) => {
			const directory =
				m.person && m.data.noticeId && options.directoryAcknowledgment
					? (options.directoryAcknowledgment(m.person.id, m.data.noticeId) ?? null)
					: null;
			// Acknowledged already (here, or through its link opened elsewhere, which the directory record tells): no button.
			const acknowledgeable = Boolean(m.data.ackUrl) && directory === null && (!m.ack || m.ack.state === 'failed');
			return { ...m, directory, acknowledgeable };
		});
		return { messages, scenarios: options.scenarios ?? [] };
	};

	const handle = async (req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> => {
		const method = (req.method ?? 'GET').toUpperCase();
		if (method === 'GET' && (path === '/inbox' || path === '/inbox/')) {
			reply(res, 200, inboxPage(options.title ?? 'Demo inbox'), 'text/html; charset=utf-8');
			return;
		}
		if (method === 'GET' && path === '/inbox/api/state') {
			reply(res, 200, state());
			return;
		}
		const ack = /^\/inbox\/api\/messages\/(\d+)\/ack$/.exec(path);
		if (method === 'POST' && ack) {
			await drain(req);
			const result = await acknowledge(Number(ack[1]));
			reply(res, result.state === 'failed' ? 502 : 200, result);
			return;
		}
		const scenario = /^\/inbox\/api\/scenarios\/([\w-]+)$/.exec(path);
		if (method === 'POST' && scenario) {
			await drain(req);
			if (!options.runScenario) {
				reply(res, 404, { ok: false, text: 'no scenarios here' });
				return;
			}
			try {
				reply(res, 200, { ok: true, text: await options.runScenario(scenario[1]) });
			} catch (error) {
				reply(res, 400, { ok: false, text: (error as Error).message });
			}
			return;
		}
		reply(res, 404, { error: `No inbox route ${method} ${path}` });
	};

	return {
		routes: (req, res) => {
			const path = new URL(req.url ?? '/', 'http://inbox').pathname;
			if (path !== '/' && path !== '/inbox' && !path.startsWith('/inbox/')) return false;
			if (path === '/') {
				res.writeHead(302, { location: '/inbox' });
				res.end();
				return true;
			}
			handle(req, res, path).catch((error: unknown) => {
				if (!res.headersSent) reply(res, 500, { error: (error as Error).message });
			});
			return true;
		},
		messages: sync,
		acknowledge,
	};
}
