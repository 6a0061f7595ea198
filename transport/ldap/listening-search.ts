/**
 * A search that stays open, read message by message as the server sends them.
 *
 * ldapts hands out a search's entries only when the search is done, drops the controls of each entry and
 * fails on intermediate responses, so a listening search (RFC 4533 refreshAndPersist, a persistent search,
 * Active Directory's change notification), which is never done, cannot run through it. LdapSession.listen
 * gives this reader the session's connection once it is bound: from then on the connection carries this one
 * search, and every message of it reaches the handler as soon as its last byte arrived.
 */
import { RequestError } from '../../core/errors';
import { BER, BerReader, peekElement } from './ber';
import { explainLdapFailure } from './failures';
import type { ResponseControl } from './listen-controls';

/** LDAP protocol operations (RFC 4511 application tags) this reader tells apart. */
const OP = {
	searchEntry: 0x64,
	searchDone: 0x65,
	searchReference: 0x73,
	extendedResponse: 0x78,
	intermediateResponse: 0x79,
} as const;
const CONTROLS = 0xa0;

interface MessageBase {
	messageId: number;
	controls: ResponseControl[];
}

/** One message of the search, decoded as far as a listener needs it. */
export type ListenMessage =
	| (MessageBase & { kind: 'entry'; dn: string; attributes: Record<string, Buffer[]> })
	| (MessageBase & { kind: 'intermediate'; name?: string; value?: Buffer })
	| (MessageBase & { kind: 'reference'; uris: string[] })
	/** The search ended (a listening search only ends when refused or stopped by the server). */
	| (MessageBase & { kind: 'done'; resultCode: number; diagnosticMessage: string })
	/** An unsolicited notification (message id 0), e.g. the notice of disconnection (1.3.6.1.4.1.1466.20036). */
	| (MessageBase & { kind: 'notice'; resultCode: number; diagnosticMessage: string; name?: string })
	| (MessageBase & { kind: 'other'; protocolOp: number });

function decodeControls(reader: BerReader): ResponseControl[] {
	if (reader.peekTag() !== CONTROLS) return [];
	const list = reader.enter(CONTROLS);
	const controls: ResponseControl[] = [];
	while (!list.done) {
		const control = list.enter(BER.SEQUENCE);
		const type = control.string();
		const critical = control.peekTag() === BER.BOOLEAN ? control.boolean() : false;
		const value = control.peekTag() === BER.OCTET_STRING ? Buffer.from(control.bytesOf()) : undefined;
		controls.push({ type, critical, value });
	}
	return controls;
}

/** LDAPResult's first three fields (resultCode, matchedDN, diagnosticMessage). */
function decodeResult(reader: BerReader): { resultCode: number; diagnosticMessage: string } {
	const resultCode = reader.integer(BER.ENUMERATED);
	reader.next(BER.OCTET_STRING);
	return { resultCode, diagnosticMessage: reader.string() };
}

/** Decodes one whole LDAPMessage element. Values are copies: they outlive the read buffer. */
export function decodeLdapMessage(bytes: Buffer): ListenMessage {
	const message = new BerReader(bytes).enter(BER.SEQUENCE);
	const messageId = message.integer();
	const protocolOp = message.peekTag() ?? 0;
	const operation = message.enter();
	const controls = (): ResponseControl[] => decodeControls(message);
	switch (protocolOp) {
		case OP.searchEntry: {
			const dn = operation.string();
			const attributes: Record<string, Buffer[]> = {};
			const list = operation.enter(BER.SEQUENCE);
			while (!list.done) {
				const attribute = list.enter(BER.SEQUENCE);
				const type = attribute.string();
				const values = attribute.enter(BER.SET);
				const collected: Buffer[] = [];
				while (!values.done) collected.push(Buffer.from(values.bytesOf()));
				attributes[type] = collected;
			}
			return { kind: 'entry', messageId, dn, attributes, controls: controls() };
		}
		case OP.searchDone:
			return { kind: 'done', messageId, ...decodeResult(operation), controls: controls() };
		case OP.searchReference: {
			const uris: string[] = [];
			while (!operation.done) uris.push(operation.string());
			return { kind: 'reference', messageId, uris, controls: controls() };
		}
		case OP.intermediateResponse: {
			const name = operation.peekTag() === 0x80 ? operation.string(0x80) : undefined;
			const value = operation.peekTag() === 0x81 ? Buffer.from(operation.bytesOf(0x81)) : undefined;
			return { kind: 'intermediate', messageId, name, value, controls: controls() };
		}
		case OP.extendedResponse:
			if (messageId === 0) {
				const result = decodeResult(operation);
				while (!operation.done && operation.peekTag() !== 0x8a) operation.next();
				const name = operation.done ? undefined : operation.string(0x8a);
				return { kind: 'notice', messageId, ...result, name, controls: controls() };
			}
			return { kind: 'other', messageId, protocolOp, controls: controls() };
		default:
			return { kind: 'other', messageId, protocolOp, controls: controls() };
	}
}

/** Cuts a byte stream into whole LDAP messages, however the network split it. */
export class LdapMessageFramer {
	private pending: Buffer = Buffer.alloc(0);

	/** `maxMessageBytes`: a message still incomplete past this size fails the stream instead of being buffered. */
	constructor(private readonly maxMessageBytes = Number.POSITIVE_INFINITY) {}

	/** The messages completed by this chunk, in order. */
	push(chunk: Buffer): Buffer[] {
		let bytes = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
		const messages: Buffer[] = [];
		for (;;) {
			// The first byte already tells an LDAP message (a SEQUENCE) from anything else.
			if (bytes.length > 0 && bytes[0] !== BER.SEQUENCE)
				throw new RequestError(
					'protocol',
					'The directory sent something that is not an LDAP message',
					'Check that Server URLs points to an LDAP server',
				);
			const element = peekElement(bytes, 0);
			if (element === undefined) break;
			messages.push(bytes.subarray(0, element.end));
			bytes = bytes.subarray(element.end);
		}
		if (bytes.length > this.maxMessageBytes)
			throw new RequestError(
				'protocol',
				`The directory sent a message larger than ${Math.round(this.maxMessageBytes / 1024 / 1024)} MB: the connection was closed`,
				'Raise Max Message Size (MB) in the LDAP credential if entries this large are expected',
			);
		// Copied, so the last chunk's buffer is not kept alive by a small remainder.
		this.pending = Buffer.from(bytes);
		return messages;
	}
}

/** The parts of Node's socket the reader uses. */
export interface ListeningSocket {
	write(data: Uint8Array): boolean;
	on(event: 'data', listener: (data: Buffer) => void): unknown;
	on(event: 'close', listener: () => void): unknown;
	on(event: 'error', listener: (error: Error) => void): unknown;
	setKeepAlive?(enable: boolean, initialDelay: number): unknown;
}

export interface ListeningSearchHandlers {
	/** Each message of this search (and each unsolicited notice), as soon as it arrived whole. */
	onMessage(message: ListenMessage): void;
	/**
	 * The connection is gone: closed by the server or the network (`failure` says how), or by close().
	 * Called once; no message follows.
	 */
	onClose(failure?: RequestError): void;
}

/**
 * One listening search on a connection of its own. Created by LdapSession.listen, which sends the request;
 * close() ends the connection. A message the reader cannot decode ends the connection too (a protocol
 * failure), since nothing after it on the stream can be trusted.
 */
export class ListeningSearch {
	private readonly framer: LdapMessageFramer;
	private closed = false;
	/** close() was called: what the socket reports from then on is no failure. */
	private closing = false;
	private failure?: RequestError;

	constructor(
		socket: ListeningSocket,
		private readonly messageId: number,
		private readonly handlers: ListeningSearchHandlers,
		private readonly server: string,
		private readonly end: () => Promise<void>,
		maxMessageBytes?: number,
	) {
		this.framer = new LdapMessageFramer(maxMessageBytes);
		// Dead peers behind a quiet connection are found by TCP keep-alive (and the listener's safety reads).
		socket.setKeepAlive?.(true, 60_000);
		socket.on('data', (chunk) => this.receive(chunk));
		socket.on('error', (error) => {
			if (!this.closing) this.failure ??= explainLdapFailure(error, this.server);
		});
		socket.on('close', () => this.finish());
	}

	private receive(chunk: Buffer): void {
		if (this.closed || this.closing) return;
		let messages: ListenMessage[];
		try {
			messages = this.framer.push(chunk).map(decodeLdapMessage);
		} catch (error) {
			this.failure = new RequestError(
				'protocol',
				`The directory sent a message this listener could not read (${this.server}): ${error instanceof Error ? error.message : String(error)}`,
				'Check that Server URLs points to an LDAP server',
				this.server,
			);
			this.closing = true;
			void this.end().catch(() => undefined);
			return;
		}
		for (const message of messages) {
			if (this.closed || this.closing) return;
			if (message.messageId === this.messageId || message.kind === 'notice') this.handlers.onMessage(message);
		}
	}

	private finish(): void {
		if (this.closed) return;
		this.closed = true;
		// A server that stops (even killed) closes its sockets cleanly: no error, but the search is lost all the same.
		const failure =
			this.failure ??
			(this.closing
				? undefined
				: new RequestError(
						'unreachable',
						`The directory closed the listening connection (${this.server})`,
						'Check that the directory is running and reachable',
						this.server,
					));
		this.handlers.onClose(failure);
	}

	/** Ends the search and its connection (an unbind, then the socket is closed). Idempotent. */
	async close(): Promise<void> {
		if (this.closed || this.closing) return;
		this.closing = true;
		await this.end().catch(() => undefined);
		this.finish();
	}
}
