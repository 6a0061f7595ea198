import { RequestError } from '../../core/errors';
import { TLS_CERTIFICATE_CODES } from '../tls-codes';

/** The parts of a thrown value we look at: Node socket/TLS errors and ldapts result-code errors. */
interface FailureLike {
	name?: unknown;
	message?: unknown;
	code?: unknown;
}

/**
 * A failure the server answered with an LDAP result code (RFC 4511), kept so that a caller can act on it
 * (e.g. entryAlreadyExists, 68, when creating what is already there).
 */
export class LdapResultError extends RequestError {
	constructor(
		readonly resultCode: number,
		kind: RequestError['kind'],
		message: string,
		hint: string,
		server?: string,
	) {
		super(kind, message, hint, server);
	}
}

/** The LDAP result code behind a failure, when the server answered with one. */
export function ldapResultCode(error: unknown): number | undefined {
	return error instanceof LdapResultError ? error.resultCode : undefined;
}

/** LDAP result codes (RFC 4511) that we explain to the user. */
const RESULT_CODES: Record<number, [RequestError['kind'], string, string]> = {
	49: [
		'invalidCredentials',
		'The directory rejected the bind DN or password',
		'Check Bind DN and Password in the credential (an account that is locked or whose password expired is rejected too)',
	],
	50: [
		'insufficientAccess',
		'The bind account may not read or change this entry',
		'Grant the bind account read access to the base DN, or bind as an account that has it',
	],
	32: ['noSuchObject', 'The entry or base DN does not exist', 'Check the DN or base DN for typos'],
	34: ['invalidInput', 'The DN is not valid', 'Check the DN: it looks like uid=jdoe,ou=people,dc=example,dc=com'],
	13: [
		'tlsHandshake',
		'The directory requires an encrypted connection',
		'Set Connection Security to TLS or StartTLS in the credential',
	],
	8: [
		'tlsHandshake',
		'The directory requires a stronger authentication',
		'Set Connection Security to TLS or StartTLS in the credential',
	],
	4: [
		'sizeLimit',
		'The directory stopped the answer at its size limit for this account',
		'Raise the size limit for the bind account (OpenLDAP: a limits rule with size.pr=noEstimate and size.prtotal; 389 DS: nsSizeLimit; AD: MaxPageSize), or narrow the base DN or filter',
	],
	11: [
		'sizeLimit',
		'The directory stopped the request at its administrative limit (too many entries examined)',
		'Index the attributes the filter uses, raise the lookthrough limit for the bind account, or narrow the base DN or filter',
	],
	51: ['unreachable', 'The directory is busy', 'Try again later'],
	52: ['unreachable', 'The directory is unavailable', 'Try again later, or list a second server in Server URLs'],
	53: [
		'insufficientAccess',
		'The directory is unwilling to perform the request',
		'Check the server configuration and the bind account',
	],
};

/**
 * Translates anything thrown by the socket, TLS or LDAP layer into a RequestError that says
 * what went wrong and what to do. The message never contains the password: it is built from codes and
 * server text only, and server text is about the request, never about the credential value.
 */
export function explainLdapFailure(error: unknown, server?: string): RequestError {
	if (error instanceof RequestError) return error;
	const failure = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as FailureLike;
	const code = failure.code;
	const message = typeof failure.message === 'string' ? failure.message : String(error);
	const where = server ? ` (${server})` : '';

	if (typeof code === 'number' && RESULT_CODES[code]) {
		const [kind, text, hint] = RESULT_CODES[code];
		return new LdapResultError(code, kind, `${text}${where}`, hint, server);
	}
	if (typeof code === 'string') {
		if (TLS_CERTIFICATE_CODES.has(code)) {
			return new RequestError(
				'tlsCertificate',
				`The server's TLS certificate was not trusted${where}: ${code}`,
				'Paste the CA certificate that signed the server certificate into CA Certificate, or check that the server name matches the certificate',
				server,
			);
		}
		if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code)) {
			return new RequestError(
				'unreachable',
				`Could not reach the directory${where}: ${code}`,
				'Check the host name and port in Server URLs, and that the server is running and reachable from n8n',
				server,
			);
		}
		if (code === 'ETIMEDOUT') return timedOut(where, server);
		if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || code === 'EPROTO') {
			return new RequestError(
				'tlsHandshake',
				`The TLS handshake with the directory failed${where}: ${code}`,
				'Check Connection Security: TLS needs an ldaps:// port (usually 636), StartTLS a plain port (usually 389)',
				server,
			);
		}
	}
	if (/timeout|timed out/i.test(message)) return timedOut(where, server);
	if (code === 'ECONNRESET' || code === 'EPIPE' || /closed|socket hang up/i.test(message)) {
		return new RequestError(
			'unreachable',
			`The directory closed the connection${where}`,
			'Check that Connection Security matches the port (TLS uses an ldaps:// port, usually 636; None and StartTLS a plain one, usually 389) and that the server is running',
			server,
		);
	}
	if (typeof code === 'number' && code > 0) {
		return new LdapResultError(
			code,
			'protocol',
			`The directory request failed${where}: ${message}`,
			'Check the server and the request',
			server,
		);
	}
	return new RequestError(
		'protocol',
		`The directory request failed${where}: ${message}`,
		'Check the server and the request',
		server,
	);
}

function timedOut(where: string, server?: string): RequestError {
	return new RequestError(
		'timeout',
		`The directory did not answer in time${where}`,
		'Check that the host and port are right and reachable, or raise the timeouts in the credential',
		server,
	);
}
