/**
 * Error types of the domain core. The n8n adapters turn them into NodeOperationError (bad input) or
 * NodeApiError (the directory failed). Messages never carry secrets.
 */

/** A setting is wrong. `field` is the name the user sees in the editor. */
export class DirectoryConfigurationError extends Error {
	readonly field: string;

	constructor(field: string, problem: string) {
		super(`${field} ${problem}`);
		this.name = 'DirectoryConfigurationError';
		this.field = field;
	}
}

/** What kind of failure talking to the directory was, so the user is told what to fix. */
export type DirectoryFailureKind =
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

/** The directory could not do what was asked. `hint` says what the user can do about it. */
export class DirectoryRequestError extends Error {
	readonly kind: DirectoryFailureKind;
	readonly hint: string;
	readonly server?: string;

	constructor(kind: DirectoryFailureKind, message: string, hint: string, server?: string) {
		super(message);
		this.name = 'DirectoryRequestError';
		this.kind = kind;
		this.hint = hint;
		this.server = server;
	}
}

/** A looked-up user or group does not exist. */
export class DirectoryNotFoundError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'DirectoryNotFoundError';
	}
}
