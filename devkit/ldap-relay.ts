import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP relay between LDAP clients and a real server, so that a test can act at an exact point of the
 * conversation: "once the server has answered the poll's first message, kill it". Timing a kill from
 * outside races with the poll (a fast poll may finish first, a slow one may not have started); the relay
 * counts whole LDAP messages instead, holds back everything after the chosen one, runs the test's action
 * (e.g. SIGKILL the server and wait until it is gone) and then drops every client connection, so the
 * client sees exactly what it would see had the server died at that point.
 *
 * Unarmed, it passes bytes through unchanged (it only frames the server's stream into messages). It can also
 * play a slow directory: each client request held back a set time before it goes on to the server.
 */
export interface LdapRelay {
	/** `ldap://127.0.0.1:<port>`: connect here instead of to the server. */
	readonly url: string;
	/**
	 * Lets `messages` more whole LDAP messages through from the server to the clients (counting only those
	 * `counted` accepts, e.g. an entry under some DN), holds back the rest, runs `action`, then drops every
	 * client connection. Resolves with what was held back (in messages, possibly 0) once they are dropped.
	 */
	cutAfterServerMessages(
		messages: number,
		action: () => Promise<void> | void,
		counted?: (message: Buffer) => boolean,
	): Promise<{ heldBack: number }>;
	/**
	 * Disarms a cut whose count was not reached (the conversation ended first): nothing is dropped, and its
	 * promise resolves with `heldBack: 0`. Returns whether one was disarmed; a cut already under way runs on.
	 */
	cancelCut(): boolean;
	/** Holds each client request `ms` milliseconds before passing it on (0: none), in order, per connection. */
	delayRequests(ms: number): void;
	/** Every whole LDAP message clients have sent through the relay so far (BER, as sent), oldest first. */
	requestsSeen(): Buffer[];
	close(): Promise<void>;
}

interface Link {
	client: Socket;
	upstream: Socket;
	/** Server bytes not yet framed into a whole message. */
	partial: Buffer;
	/** Whole messages held back while the relay is cut. */
	held: number;
}

interface Cut {
	remaining: number;
	action: () => Promise<void> | void;
	counted: (message: Buffer) => boolean;
	done: (result: { heldBack: number }) => void;
	failed: (error: unknown) => void;
	triggered: boolean;
}

export async function startLdapRelay(serverUrl: string): Promise<LdapRelay> {
	const target = new URL(serverUrl);
	const links = new Set<Link>();
	let cut: Cut | undefined;
	let requestDelayMs = 0;
	const requests: Buffer[] = [];

	const trigger = (active: Cut) => {
		active.triggered = true;
		void (async () => {
			try {
				await active.action();
				const heldBack = [...links].reduce((sum, link) => sum + link.held, 0);
				for (const link of links) dropLink(link);
				cut = undefined;
				active.done({ heldBack });
			} catch (error) {
				active.failed(error);
			}
		})();
	};

	const forwardFromServer = (link: Link, chunk: Buffer) => {
		link.partial = link.partial.length === 0 ? chunk : Buffer.concat([link.partial, chunk]);
		let offset = 0;
		for (;;) {
			const size = berMessageSize(link.partial, offset);
			if (size === undefined) break;
			const message = link.partial.subarray(offset, offset + size);
			offset += size;
			if (cut?.triggered) {
				link.held += 1;
				continue;
			}
			link.client.write(message);
			if (cut !== undefined && cut.counted(message) && --cut.remaining <= 0) trigger(cut);
		}
		link.partial = link.partial.subarray(offset);
	};

	const dropLink = (link: Link) => {
		links.delete(link);
		link.client.destroy();
		link.upstream.destroy();
	};

	const server: Server = createServer((client) => {
		const upstream = connect(Number(target.port || 389), target.hostname);
		const link: Link = { client, upstream, partial: Buffer.alloc(0), held: 0 };
		links.add(link);
		// Requests pass on in order: each waits for the one before it and then for the delay.
		let lastRequest = Promise.resolve();
		let unframed = Buffer.alloc(0);
		client.on('data', (chunk: Buffer) => {
			unframed = Buffer.concat([unframed, chunk]);
			for (let size = berMessageSize(unframed, 0); size !== undefined; size = berMessageSize(unframed, 0)) {
				requests.push(unframed.subarray(0, size));
				unframed = unframed.subarray(size);
			}
			const delay = requestDelayMs;
			if (delay === 0) lastRequest = lastRequest.then(() => void upstream.write(chunk));
			else
				lastRequest = lastRequest.then(
					() => new Promise<void>((resolve) => setTimeout(() => resolve(void upstream.write(chunk)), delay)),
				);
		});
		client.on('end', () => void lastRequest.then(() => upstream.end()));
		upstream.on('data', (chunk: Buffer) => forwardFromServer(link, chunk));
		// While a cut is pending its action decides when the clients notice (e.g. after the kill).
		const closed = () => {
			if (!cut?.triggered) dropLink(link);
		};
		upstream.on('close', closed);
		upstream.on('error', () => undefined);
		client.on('close', () => {
			links.delete(link);
			upstream.destroy();
		});
		client.on('error', () => undefined);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	if (address === null || typeof address === 'string') throw new Error('The LDAP relay has no TCP port');

	return {
		url: `ldap://127.0.0.1:${address.port}`,
		cutAfterServerMessages(messages, action, counted = () => true) {
			if (cut !== undefined) throw new Error('A cut is already armed on this relay');
			return new Promise((done, failed) => {
				cut = { remaining: messages, action, counted, done, failed, triggered: false };
				if (messages <= 0) trigger(cut);
			});
		},
		cancelCut() {
			if (cut === undefined || cut.triggered) return false;
			const pending = cut;
			cut = undefined;
			pending.done({ heldBack: 0 });
			return true;
		},
		delayRequests(ms) {
			requestDelayMs = ms;
		},
		requestsSeen() {
			return [...requests];
		},
		async close() {
			for (const link of links) dropLink(link);
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

/** Counts only search result entries whose DN contains `dn` (as the server spells it). */
export function searchEntryUnder(dn: string): (message: Buffer) => boolean {
	const needle = Buffer.from(dn);
	// LDAPMessage: SEQUENCE, messageID INTEGER, then the protocolOp; SearchResultEntry is [APPLICATION 4].
	return (message) => protocolOpTag(message) === 0x64 && message.includes(needle);
}

function protocolOpTag(message: Buffer): number | undefined {
	let offset = 1;
	const lengthByte = message[offset];
	offset += 1 + (lengthByte & 0x80 ? lengthByte & 0x7f : 0);
	if (message[offset] !== 0x02) return undefined;
	offset += 2 + message[offset + 1];
	return message[offset];
}

/**
 * The size of the BER-encoded LDAPMessage (a SEQUENCE) starting at `offset`, or undefined while it has not
 * arrived whole. Definite lengths only, as RFC 4511 section 5.1 requires.
 */
function berMessageSize(buffer: Buffer, offset: number): number | undefined {
	if (buffer.length < offset + 2) return undefined;
	const first = buffer[offset + 1];
	let length = first;
	let header = 2;
	if (first & 0x80) {
		const bytes = first & 0x7f;
		if (buffer.length < offset + 2 + bytes) return undefined;
		length = 0;
		for (let i = 0; i < bytes; i++) length = length * 256 + buffer[offset + 2 + i];
		header += bytes;
	}
	return buffer.length < offset + header + length ? undefined : header + length;
}
