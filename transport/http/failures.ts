import { RequestError } from '../../core/errors';
import { TLS_CERTIFICATE_CODES } from '../tls-codes';
import { HttpNetworkError, networkErrorCode } from './types';

/** scheme://host:port of a URL, without user info, path or query: safe to show. */
export function serverOf(url: string): string {
	try {
		const parsed = new URL(url);
		return `${parsed.protocol}//${parsed.host}`;
	} catch {
		return 'the server';
	}
}

/**
 * Turns a rejected HTTP request (no answer arrived) into a RequestError that says what to check.
 * Built from the error code only: the text of a thrown error may quote request options, and those can
 * hold credentials.
 */
/** "(no complete answer within N ms)" for a deadline that ran out: our own text, never the transport's. */
function timeoutDetail(error: unknown): string {
	const message = error instanceof HttpNetworkError ? error.message : '';
	return /^No complete answer within \d+ ms$/.test(message) ? ` (${message.toLowerCase()})` : '';
}

export function explainNetworkFailure(error: unknown, url: string, product = 'OTDS'): RequestError {
	if (error instanceof RequestError) return error;
	const server = serverOf(url);
	const code = networkErrorCode(error);
	if (code && TLS_CERTIFICATE_CODES.has(code)) {
		return new RequestError(
			'tlsCertificate',
			`The TLS certificate of ${product} at ${server} was not trusted: ${code}`,
			'Add the CA certificate that signed the server certificate, or check that the host name matches the certificate',
			server,
		);
	}
	if (code && (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || code === 'EPROTO')) {
		return new RequestError(
			'tlsHandshake',
			`The TLS handshake with ${product} at ${server} failed: ${code}`,
			'Check the URL scheme: https:// needs a TLS port, http:// a plain one',
			server,
		);
	}
	if (code && ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code)) {
		return new RequestError(
			'unreachable',
			`Could not reach ${product} at ${server}: ${code}`,
			'Check the host name and port of the Server URL, and that the server is running and reachable from n8n',
			server,
		);
	}
	if (code && ['ETIMEDOUT', 'ECONNABORTED', 'ESOCKETTIMEDOUT'].includes(code)) {
		return new RequestError(
			'timeout',
			`${product} at ${server} did not answer in time${timeoutDetail(error)}`,
			'Check that the server is reachable, or raise the timeout',
			server,
		);
	}
	if (code && ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'].includes(code)) {
		return new RequestError(
			'unreachable',
			`${product} at ${server} closed the connection before answering`,
			'Try again; if it keeps happening, check the server and any proxy or load balancer in front of it',
			server,
		);
	}
	return new RequestError(
		'unreachable',
		`The request to ${product} at ${server} failed${code ? `: ${code}` : ''}`,
		'Check the Server URL and that the server is running',
		server,
	);
}
