/**
 * The push credentials' sign-in, shared by the credentials (preAuthentication, authenticate) and the push node
 * (its channels and credential tests): the core's settings from the credential fields, and a fresh token
 * through the core's own token request, so there is one piece of code that asks Google or OpenText for one.
 * Errors never contain the private key, the password or the client secret.
 */
import type { ICredentialDataDecryptedObject, IHttpRequestOptions } from 'n8n-workflow';

import { ConfigurationError } from '../../core/errors';
import { FcmAccessTokens, parseServiceAccount, type ServiceAccount } from '../../core/push/channels/fcm-auth';
import { basicAuthorization, MraAuthorization, type MraAuth } from '../../core/push/channels/mra-auth';
import type { RetryPolicy } from '../../transport/http/retry';
import type { HttpTransport } from '../../transport/http/types';
import { n8nHttpTransport } from './http-transport';

/** A credential field as trimmed text ('' when absent). */
const text = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');

/** The service account of a Firebase credential, with the Project ID override applied. */
export function firebaseAccount(credential: ICredentialDataDecryptedObject): ServiceAccount {
	const raw = text(credential.serviceAccountJson);
	if (raw === '')
		throw new ConfigurationError('Service Account JSON', 'is empty: paste the key file of a service account');
	const account = parseServiceAccount(raw);
	const projectId = text(credential.projectId);
	return projectId === '' ? account : { ...account, project_id: projectId };
}

/** A new access token for the credential's service account (the JWT-bearer grant at its token_uri). */
export async function issueFirebaseToken(
	transport: HttpTransport,
	credential: ICredentialDataDecryptedObject,
	retry?: RetryPolicy,
): Promise<string> {
	return await new FcmAccessTokens(transport, firebaseAccount(credential), { retry }).token();
}

/** How an `openTextCloudMessagingApi` credential signs in: Basic, or the tenant token URL and client. */
export function cloudMessagingAuth(credential: ICredentialDataDecryptedObject): MraAuth {
	if (credential.authentication !== 'oauth2') {
		return {
			method: 'basic',
			username: text(credential.username),
			password: typeof credential.password === 'string' ? credential.password : '',
		};
	}
	if (/\{tenant(Id|_id)\}/.test(text(credential.tokenUrl)) && text(credential.tenantId) === '') {
		throw new ConfigurationError('Tenant ID', 'is empty, but the Token URL contains {tenantId}: enter the tenant ID');
	}
	return {
		method: 'oauth2',
		tokenUrl: text(credential.tokenUrl).replace(
			/\{tenantId\}|\{tenant_id\}/g,
			encodeURIComponent(text(credential.tenantId)),
		),
		clientId: text(credential.clientId),
		clientSecret: typeof credential.clientSecret === 'string' ? credential.clientSecret : '',
	};
}

/** A new tenant token of an OAuth2 Cloud Messaging credential (client credentials at its token URL); undefined for Basic. */
export async function issueCloudMessagingToken(
	transport: HttpTransport,
	credential: ICredentialDataDecryptedObject,
): Promise<string | undefined> {
	return await new MraAuthorization(transport, cloudMessagingAuth(credential)).accessToken();
}

/** The Authorization header of a Cloud Messaging credential: Basic from its fields, or its stored tenant token. */
export function cloudMessagingAuthorization(credential: ICredentialDataDecryptedObject): string {
	const auth = cloudMessagingAuth(credential);
	return auth.method === 'basic'
		? basicAuthorization(auth.username, auth.password)
		: `Bearer ${text(credential.accessToken)}`;
}

/** An HttpTransport over the helper a credential's preAuthentication gets. */
export function preAuthenticationTransport(
	httpRequest: (options: IHttpRequestOptions) => Promise<unknown>,
	credential: ICredentialDataDecryptedObject,
): HttpTransport {
	return n8nHttpTransport({ httpRequest }, { skipSslCertificateValidation: credential.ignoreSslIssues === true });
}

/** The request with the credential's headers added, and its "Ignore SSL Issues" applied. */
export function signedRequest(
	requestOptions: IHttpRequestOptions,
	headers: Record<string, string>,
	credential: ICredentialDataDecryptedObject,
): IHttpRequestOptions {
	return {
		...requestOptions,
		headers: { ...(requestOptions.headers ?? {}), ...headers },
		skipSslCertificateValidation:
			credential.ignoreSslIssues === true || requestOptions.skipSslCertificateValidation === true,
	};
}

/** A form body (text or fields) with one field set. */
export function withFormField(
	body: IHttpRequestOptions['body'],
	name: string,
	value: string,
): IHttpRequestOptions['body'] {
	if (typeof body === 'string' || body === undefined) {
		const fields = new URLSearchParams(body ?? '');
		fields.set(name, value);
		return fields.toString();
	}
	if (body instanceof URLSearchParams) {
		const fields = new URLSearchParams(body);
		fields.set(name, value);
		return fields;
	}
	return { ...(body as Record<string, unknown>), [name]: value } as IHttpRequestOptions['body'];
}
