/** OTDS REST, free of n8n: sign-in, an authenticating transport for use outside n8n, and the directory backend. */
export {
	normalizeOtdsBaseUrl,
	redact,
	requestOtdsCredential,
	secretsOf,
	type OtdsAuthSettings,
	type OtdsCredential,
	type OtdsOAuthSettings,
	type OtdsTicketSettings,
} from './auth';
export { OtdsAuthenticatingTransport, type AuthenticatingTransportOptions } from './authenticating-transport';
export { OtdsDirectory, type OtdsDirectoryOptions } from './directory';
export {
	DEFAULT_OTDS_FIELDS,
	DEFAULT_STATUS_ATTRIBUTES,
	type OtdsFieldMap,
	type OtdsStatusAttributes,
} from './mapping';
