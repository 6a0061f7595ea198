import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { DirectoryConfigurationError } from '../../core/errors';
import { AppWorksChannel, type AppWorksSettings } from '../../core/push/channels/appworks';
import { FcmAccessTokens, parseServiceAccount, type ServiceAccount } from '../../core/push/channels/fcm-auth';
import { FcmChannel } from '../../core/push/channels/fcm';
import { MraClient, type MraAuth } from '../../core/push/channels/mra';
import type { PushChannel } from '../../core/push/types';
import type { RetryPolicy } from '../../transport/http/retry';
import { explainNetworkFailure } from '../../transport/http/failures';
import type { HttpTransport } from '../../transport/http/types';
import { n8nHttpTransport, type N8nHttpHelpers } from '../shared/http-transport';

export type ChannelChoice = 'fcm' | 'mra' | 'appworks';

/** The credential each channel choice needs. */
export const CHANNEL_CREDENTIAL: Record<ChannelChoice, string> = {
	fcm: 'openTextFirebaseCloudMessagingApi',
	mra: 'openTextCloudMessagingApi',
	appworks: 'openTextAppWorksGatewayApi',
};

function text(value: unknown): string {
	return typeof value === 'string' ? value.trim() : '';
}

/** The service account of a Firebase credential, with the Project ID override applied. */
export function firebaseAccount(credential: ICredentialDataDecryptedObject): ServiceAccount {
	const raw = text(credential.serviceAccountJson);
	if (raw === '') throw new DirectoryConfigurationError('Service Account JSON', 'is empty: paste the key file of a service account');
	const account = parseServiceAccount(raw);
	const projectId = text(credential.projectId);
	return projectId === '' ? account : { ...account, project_id: projectId };
}

/** Which MRA channels follow push, in order, for people without a device token or with dead ones. */
export type MraFallback = 'none' | 'sms' | 'email' | 'smsThenEmail' | 'emailThenSms';

/** The Cloud Messaging client of an `openTextCloudMessagingApi` credential. */
export function cloudMessagingClient(
	transport: HttpTransport,
	credential: ICredentialDataDecryptedObject,
	options: { retry?: RetryPolicy; pushOverride?: Record<string, unknown> } = {},
): MraClient {
	if (credential.authentication === 'oauth2' && /\{tenant(Id|_id)\}/.test(text(credential.tokenUrl)) && text(credential.tenantId) === '') {
		throw new DirectoryConfigurationError('Tenant ID', 'is empty, but the Token URL contains {tenantId}: enter the tenant ID');
	}
	const auth: MraAuth =
		credential.authentication === 'oauth2'
			? {
					method: 'oauth2',
					tokenUrl: text(credential.tokenUrl).replace(/\{tenantId\}|\{tenant_id\}/g, encodeURIComponent(text(credential.tenantId))),
					clientId: text(credential.clientId),
					clientSecret: typeof credential.clientSecret === 'string' ? credential.clientSecret : '',
				}
			: {
					method: 'basic',
					username: text(credential.username),
					password: typeof credential.password === 'string' ? credential.password : '',
				};
	return new MraClient(transport, { baseUrl: text(credential.baseUrl), auth, retry: options.retry, pushOverride: options.pushOverride });
}

/** The AppWorks Gateway settings of an `openTextAppWorksGatewayApi` credential. */
export function appWorksSettings(credential: ICredentialDataDecryptedObject, batchSize?: number): AppWorksSettings {
	const gatewayUrl = text(credential.gatewayUrl);
	if (credential.apiType === 'trustedServer') {
		return { api: 'trustedServer', gatewayUrl, trustedServerKey: typeof credential.trustedServerKey === 'string' ? credential.trustedServerKey : '', batchSize };
	}
	return {
		api: 'service',
		gatewayUrl,
		appName: text(credential.appName),
		appKey: typeof credential.appKey === 'string' ? credential.appKey : '',
		targetAppName: text(credential.targetAppName) || undefined,
		batchSize,
	};
}

export interface ChannelSetup {
	channels: PushChannel[];
	transport: HttpTransport;
}

/** Builds the channels of a send from the chosen channel's credential. */
export function buildChannels(
	helpers: N8nHttpHelpers,
	choice: ChannelChoice,
	credential: ICredentialDataDecryptedObject,
	options: { retry: RetryPolicy; dryRun: boolean; mraFallback?: MraFallback; pushOverride?: Record<string, unknown>; batchSize?: number },
): ChannelSetup {
	const transport = n8nHttpTransport(helpers, { skipSslCertificateValidation: credential.ignoreSslIssues === true });
	switch (choice) {
		case 'fcm': {
			const baseUrl = text(credential.apiBaseUrl) || undefined;
			return { transport, channels: [new FcmChannel(transport, { serviceAccount: firebaseAccount(credential), baseUrl, retry: options.retry })] };
		}
		case 'mra': {
			const client = cloudMessagingClient(transport, credential, options);
			const fallback = options.mraFallback ?? 'none';
			const sms = client.smsChannel();
			const email = client.emailChannel();
			const after: Record<MraFallback, PushChannel[]> = {
				none: [],
				sms: [sms],
				email: [email],
				smsThenEmail: [sms, email],
				emailThenSms: [email, sms],
			};
			return { transport, channels: [client.pushChannel(), ...after[fallback]] };
		}
		case 'appworks':
			return { transport, channels: [new AppWorksChannel(transport, appWorksSettings(credential, options.batchSize))] };
	}
}

/** What the credential test of each channel does: sign in, and say so. Never repeats a secret. */
export async function testFirebaseCredential(helpers: N8nHttpHelpers, credential: ICredentialDataDecryptedObject): Promise<string> {
	const account = firebaseAccount(credential);
	const tokens = new FcmAccessTokens(n8nHttpTransport(helpers), account, { retry: { maxAttempts: 1 } });
	await tokens.token();
	return `Signed in as ${account.client_email} (project ${account.project_id})`;
}

/**
 * Cloud Messaging credential test: reads the status of a job that does not exist. A refused credential or an
 * unreachable host fails; "no such job" means the credential was accepted.
 */
export async function testCloudMessagingCredential(helpers: N8nHttpHelpers, credential: ICredentialDataDecryptedObject): Promise<string> {
	const transport = n8nHttpTransport(helpers, { skipSslCertificateValidation: credential.ignoreSslIssues === true });
	const client = cloudMessagingClient(transport, credential, { retry: { maxAttempts: 1 } });
	let outcome: unknown;
	try {
		await client.jobStatus('sms', 'otdp-credential-test');
	} catch (error) {
		outcome = error;
	}
	if (outcome instanceof DirectoryConfigurationError && outcome.field === 'Job ID' && !/could not be looked up/.test(outcome.message)) {
		return `Signed in to ${client.apiUrl}`;
	}
	if (outcome !== undefined) throw outcome;
	return `Signed in to ${client.apiUrl}`;
}

/**
 * AppWorks Gateway credential test: a notification with no recipients, which delivers nothing. The gateway
 * checks the key (401) and the app (404) before it finds the recipient list empty (400).
 */
export async function testAppWorksCredential(helpers: N8nHttpHelpers, credential: ICredentialDataDecryptedObject): Promise<string> {
	const settings = appWorksSettings(credential);
	new AppWorksChannel(n8nHttpTransport(helpers), settings); // checks the fields, naming the wrong one
	const transport = n8nHttpTransport(helpers, { skipSslCertificateValidation: credential.ignoreSslIssues === true });
	const gateway = settings.gatewayUrl.replace(/\/+$/, '');
	const url =
		settings.api === 'trustedServer'
			? `${gateway}/gateway/v2/notifications`
			: `${gateway}/deployments/notifications/${encodeURIComponent(settings.appName)}/fcm-push`;
	let status = 0;
	let failure: unknown;
	try {
		const response =
			settings.api === 'trustedServer'
				? await transport.request({
						method: 'POST',
						url,
						form: { key: settings.trustedServerKey, message: JSON.stringify({ type: 'credentialTest', displayType: 'none', header: '', body: '' }), users: '' },
						timeoutMs: 15_000,
					})
				: await transport.request({
						method: 'POST',
						url,
						headers: { otagAppKey: settings.appKey },
						json: { broadcast: false, clientIds: [], users: [], otdsGroups: [], runtimes: [] },
						timeoutMs: 15_000,
					});
		status = response.status;
	} catch (error) {
		failure = error;
	}
	if (failure !== undefined) throw explainNetworkFailure(failure, url, 'AppWorks Gateway');
	if (status === 401) throw new Error(settings.api === 'trustedServer' ? 'The gateway refused the trusted server key (HTTP 401)' : 'The gateway refused the app key (HTTP 401)');
	if (status === 403) throw new Error('The gateway does not allow this trusted server or app to send notifications (HTTP 403)');
	if (status === 404) throw new Error('Nothing answers at this Gateway URL and App Name (HTTP 404): check both');
	if (status >= 500) throw new Error(`The gateway failed (HTTP ${status})`);
	return `The gateway accepted the ${settings.api === 'trustedServer' ? 'trusted server key' : 'app key'}`;
}
