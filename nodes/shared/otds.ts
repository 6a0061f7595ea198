/**
 * The node's side of OTDS REST: an HttpTransport over n8n's authenticated requests (the credential's
 * ticket or token is added by n8n, renewed by n8n on 401), the OtdsDirectory over it,
 * and the credential test, which signs in and reports who signed in.
 */
import type {
	ICredentialDataDecryptedObject,
	ICredentialTestFunctions,
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INodeCredentialTestResult,
	IPollFunctions,
} from 'n8n-workflow';

import { OtdsAuthenticatingTransport } from '../../core/otds/authenticating-transport';
import { OtdsDirectory, type OtdsDirectoryOptions } from '../../core/otds/directory';
import { isExpiredTicketAnswer } from '../../core/otds/failures';
import type { HttpRequest, HttpResponse, HttpTransport } from '../../transport/http/types';
import { n8nAuthenticatedTransport } from './authenticated-transport';
import {
	asNetworkError,
	fromN8nResponse,
	legacyRequestHelpers,
	n8nHttpTransport,
	toN8nRequest,
} from './http-transport';
import { otdsAuthHeader, otdsAuthSettings, signInToOtds } from './otds-auth';

export const OTDS_CREDENTIAL = 'openTextDirectoryServicesApi';

type OtdsContext = IExecuteFunctions | ILoadOptionsFunctions | IPollFunctions;

/**
 * Requests go out with the stored ticket or token through n8n's authenticated requests, which renew it on
 * a 401 (./authenticated-transport.ts). Some OTDS versions answer an expired ticket with 400 "Expired OTDS
 * SSO ticket", which n8n does not take for expiry: then this transport signs in itself and sends its own
 * ticket, without n8n's authentication, for the rest of the execution (the stored one stays until a 401 or
 * the next sign-in replaces it).
 */
export function otdsTransport(context: OtdsContext): HttpTransport {
	const authenticated = n8nAuthenticatedTransport(context, OTDS_CREDENTIAL);
	let own: { header: { name: string; value: string }; insecure: boolean } | undefined;
	const sendOwn = async (request: HttpRequest): Promise<HttpResponse> => {
		const signed = own as NonNullable<typeof own>;
		const headers = { ...(request.headers ?? {}), [signed.header.name]: signed.header.value };
		try {
			return fromN8nResponse(
				await context.helpers.httpRequest(
					toN8nRequest({ ...request, headers }, { skipSslCertificateValidation: signed.insecure }),
				),
			);
		} catch (error) {
			throw asNetworkError(error, request.url);
		}
	};
	return {
		async request(request: HttpRequest): Promise<HttpResponse> {
			const response = own ? await sendOwn(request) : await authenticated.request(request);
			// A 401 through n8n was renewed by n8n already; what it answered then stands.
			if (!isExpiredTicketAnswer(response) || (response.status === 401 && !own)) return response;
			const credentials = await context.getCredentials(OTDS_CREDENTIAL);
			const header = otdsAuthHeader(await signInToOtds(context.helpers.httpRequest, credentials));
			if (!header) return response;
			own = { header, insecure: credentials.ignoreSslIssues === true };
			return await sendOwn(request);
		},
	};
}

/** The OTDS backend for the node's credential. */
export async function openOtdsDirectory(
	context: OtdsContext,
	options: Omit<OtdsDirectoryOptions, 'baseUrl'> = {},
): Promise<OtdsDirectory> {
	const credentials = await context.getCredentials(OTDS_CREDENTIAL);
	const maxPages = Number(credentials.maxPagesPerListing);
	return new OtdsDirectory(otdsTransport(context), {
		...options,
		baseUrl: String(credentials.serverUrl ?? ''),
		maxPages: Number.isFinite(maxPages) && maxPages >= 1 ? Math.floor(maxPages) : undefined,
	});
}

/**
 * The credential test: signs in (through the legacy request helper, the only one a credential test has)
 * and reads /rest/currentuser, so the message says who n8n is signed in as.
 */
export async function testOtdsCredential(
	context: ICredentialTestFunctions,
	credentials: ICredentialDataDecryptedObject,
): Promise<INodeCredentialTestResult> {
	try {
		const raw = n8nHttpTransport(legacyRequestHelpers(context.helpers), {
			skipSslCertificateValidation: credentials.ignoreSslIssues === true,
		});
		const settings = otdsAuthSettings(credentials);
		const directory = new OtdsDirectory(new OtdsAuthenticatingTransport(raw, settings), {
			baseUrl: settings.baseUrl,
			checkPartition: false,
		});
		const user = await directory.currentUser();
		const how = settings.method === 'ticket' ? 'a ticket' : 'an OAuth2 token';
		return {
			status: 'OK',
			message: `Signed in to OTDS as ${user.id}${user.isAdmin ? ' (administrator)' : ''} with ${how}`,
		};
	} catch (error) {
		return { status: 'Error', message: error instanceof Error ? error.message : String(error) };
	}
}
