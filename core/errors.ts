/**
 * The one error vocabulary of the core, for directories and push services alike: a setting is wrong
 * (ConfigurationError), a server could not do what was asked (RequestError), a looked-up thing does not exist
 * (NotFoundError). The n8n adapters turn them into NodeOperationError (bad input) or NodeApiError (the server
 * failed). Messages never carry secrets. Transports may import this module, and nothing else of the core.
 */

/** A setting is wrong. `field` is the name the user sees in the editor. */
export class ConfigurationError extends Error {
	readonly field: string;

	constructor(field: string, problem: string) {
		super(`${field} ${problem}`);
		this.name = 'ConfigurationError';
		this.field = field;
	}
}

/** What kind of failure talking to a directory or service was, so the user is told what to fix. */
export type FailureKind =
	| 'unreachable'
	| 'timeout'
	| 'tlsCertificate'
	| 'tlsHandshake'
	| 'invalidCredentials'
	| 'insufficientAccess'
	/** The server stopped the answer at a size or administrative limit for this account. */
	| 'sizeLimit'
	| 'noSuchObject'
	| 'invalidInput'
	| 'protocol';

/** The directory or service could not do what was asked. `hint` says what the user can do about it. */
export class RequestError extends Error {
	readonly kind: FailureKind;
	readonly hint: string;
	readonly server?: string;

	constructor(kind: FailureKind, message: string, hint: string, server?: string) {
		super(message);
		this.name = 'RequestError';
		this.kind = kind;
		this.hint = hint;
		this.server = server;
	}
}

/** A looked-up user or group does not exist. */
export class NotFoundError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'NotFoundError';
	}
}
