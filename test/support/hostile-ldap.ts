import { createServer, type Server, type Socket } from 'node:net';

/**
 * A hostile LDAP server for tests: a raw TCP server that answers with hand-built BER. It accepts any bind and
 * answers every search as `answerSearch` says: endless paging cookies, the same cookie again and again, or an
 * entry far larger than any directory should send, dripped out.
 */

/** BER length: short form below 128, else 0x80 | byte count, then the bytes. */
function length(size: number): Buffer {
	if (size < 0x80) return Buffer.from([size]);
	const bytes: number[] = [];
	for (let rest = size; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
	return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, ...content: Buffer[]): Buffer {
	const body = Buffer.concat(content);
	return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const integer = (value: number): Buffer => {
	const bytes: number[] = [];
	let rest = value;
	do {
		bytes.unshift(rest & 0xff);
		rest >>= 8;
	} while (rest > 0);
	if (bytes[0] & 0x80) bytes.unshift(0);
	return tlv(0x02, Buffer.from(bytes));
};
const text = (value: string | Buffer): Buffer => tlv(0x04, Buffer.isBuffer(value) ? value : Buffer.from(value));
const success = (tag: number) => tlv(tag, tlv(0x0a, Buffer.from([0])), text(''), text(''));

const PAGED_RESULTS = '1.2.840.113556.1.4.319';

export const ldapMessage = (id: number, operation: Buffer, controls?: Buffer): Buffer =>
	tlv(0x30, integer(id), operation, ...(controls ? [controls] : []));

/** A SearchResultEntry with one attribute. */
export const searchEntry = (dn: string, attribute: string, values: Buffer[]): Buffer =>
	tlv(0x64, text(dn), tlv(0x30, tlv(0x30, text(attribute), tlv(0x31, ...values.map(text)))));

/** A successful SearchResultDone, with a paged results control carrying `cookie` (empty: the last page). */
export const searchDone = (cookie: Buffer): Buffer[] => [
	success(0x65),
	tlv(0xa0, tlv(0x30, text(PAGED_RESULTS), text(tlv(0x30, integer(0), text(cookie))))),
];

export interface SearchCall {
	messageId: number;
	/** How many searches this connection has been asked so far, from 1. */
	count: number;
	socket: Socket;
}

export interface HostileLdap {
	readonly url: string;
	searches: number;
	close(): Promise<void>;
}

/** Reads the message id and the operation tag of each whole message a client sent. */
function* messages(buffer: { data: Buffer }): Generator<{ id: number; operation: number }> {
	for (;;) {
		const data = buffer.data;
		if (data.length < 2) return;
		let offset = 1;
		let size = data[offset++];
		if (size & 0x80) {
			const count = size & 0x7f;
			if (data.length < offset + count) return;
			size = 0;
			for (let index = 0; index < count; index++) size = size * 256 + data[offset++];
		}
		if (data.length < offset + size) return;
		const body = data.subarray(offset, offset + size);
		buffer.data = data.subarray(offset + size);
		// INTEGER message id, then the operation's tag.
		const idLength = body[1];
		let id = 0;
		for (let index = 0; index < idLength; index++) id = id * 256 + body[2 + index];
		yield { id, operation: body[2 + idLength] };
	}
}

export async function startHostileLdap(answerSearch: (call: SearchCall) => void): Promise<HostileLdap> {
	const sockets = new Set<Socket>();
	const state = { searches: 0 };
	const server: Server = createServer((socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		socket.on('error', () => undefined);
		const buffer = { data: Buffer.alloc(0) };
		socket.on('data', (chunk: Buffer) => {
			buffer.data = Buffer.concat([buffer.data, chunk]);
			for (const { id, operation } of messages(buffer)) {
				if (operation === 0x60) socket.write(ldapMessage(id, success(0x61)));
				else if (operation === 0x63) answerSearch({ messageId: id, count: ++state.searches, socket });
				else if (operation === 0x42) socket.end();
			}
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	const port = typeof address === 'object' && address ? address.port : 0;
	return {
		url: `ldap://127.0.0.1:${port}`,
		get searches() {
			return state.searches;
		},
		async close() {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
