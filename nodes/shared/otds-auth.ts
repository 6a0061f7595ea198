/**
 * The OTDS credential's sign-in, shared by the credential (preAuthentication) and the node (credential
 * test). The header to send is kept in the credential's hidden `accessToken` as `<header name>:<value>`.
 */
import type { ICredentialDataDecryptedObject, IHttpRequestOptions } from 'n8n-workflow';

import { requestOtdsCredential, type OtdsAuthSettings } from '../../core/otds/auth';
import { n8nHttpTransport } from './http-transport';

/** The core's sign-in settings from the credential's fields. */
export function otdsAuthSettings(credentials: ICredentialDataDecryptedObject): OtdsAuthSettings {
	const baseUrl = String(credentials.serverUrl ?? '');
	if (credentials.authMethod === 'oauth2ClientCredentials') {
		return {
			method: 'oauth2',
			baseUrl,
			clientId: String(credentials.clientId ?? ''),
			clientSecret: String(credentials.clientSecret ?? ''),
			scope: String(credentials.scope ?? '').trim() || undefined,
		};
	}
	return {
		method: 'ticket',
		baseUrl,
		userName: String(credentials.userName ?? ''),
		password: String(credentials.password ?? ''),
	};
}

/** Signs in and returns what goes into `accessToken`. Errors never contain the password or secret. */
export async function signInToOtds(
	httpRequest: (options: IHttpRequestOptions) => Promise<unknown>,
	credentials: ICredentialDataDecryptedObject,
): Promise<string> {
	const transport = n8nHttpTransport(
		{ httpRequest },
		{ skipSslCertificateValidation: credentials.ignoreSslIssues === true },
	);
	const signedIn = await requestOtdsCredential(transport, otdsAuthSettings(credentials));
	return `${signedIn.headerName}:${signedIn.value}`;
}

/** The header stored in `accessToken`, or undefined when there is none yet. */
export function otdsAuthHeader(accessToken: unknown): { name: string; value: string } | undefined {
	if (typeof accessToken !== 'string') return undefined;
	const colon = accessToken.indexOf(':');
	if (colon <= 0) return undefined;
	return { name: accessToken.slice(0, colon), value: accessToken.slice(colon + 1) };
}
