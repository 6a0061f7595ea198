/**
 * The core's HttpTransport over n8n's authenticated requests (`helpers.httpRequestWithAuthentication`): the
 * credential's `authenticate` signs every request, and a credential with an expirable token gets it from its
 * `preAuthentication`, stored (encrypted) with the credential, so every execution reuses it.
 *
 * Two things n8n leaves to the caller, done here once per execution and credential:
 * - n8n renews a token only when a request THROWS a 401, while the core wants statuses returned. So a request
 *   answered 401 (or what `isExpired` says is an expired credential) is sent once more in throwing mode, which
 *   makes n8n call preAuthentication, store the new token and repeat the request.
 * - n8n reads the credential anew for each request: requests that start together before the first token is
 *   stored would each sign in. So the first request goes alone, and the others wait for its answer; and of
 *   requests refused together, one renews while the others wait and are then sent again with the new token.
 */
import type {
	IAdditionalCredentialOptions,
	ICredentialDataDecryptedObject,
	IExecuteFunctions,
	ILoadOptionsFunctions,
	IPollFunctions,
} from 'n8n-workflow';

import type { HttpRequest, HttpResponse, HttpTransport } from '../../transport/http/types';
import { asNetworkError, fromN8nResponse, toN8nRequest, type N8nHttpTransportOptions } from './http-transport';

/** The n8n function contexts that make authenticated requests. */
export type AuthenticatedRequestContext = IExecuteFunctions | ILoadOptionsFunctions | IPollFunctions;

export interface AuthenticatedTransportOptions extends N8nHttpTransportOptions {
	/** Whether an answer says the credential's token is no longer good (default: HTTP 401). */
	isExpired?: (response: HttpResponse) => boolean;
	/**
	 * The credential as the node read it (getCredentials), handed to n8n with every request: otherwise n8n reads
	 * it from its database, decrypts it and resolves its expressions again for each request, which a send of a
	 * million people in 10,000 requests pays 10,000 times. A token n8n renews is written into this same object.
	 */
	credential?: ICredentialDataDecryptedObject;
}

/** Per execution context and credential type: the first answer, and the renewal under way. */
interface CredentialState {
	first?: Promise<void>;
	/** Settles (never rejects) when the renewal under way is over. */
	renewal?: Promise<void>;
	/** Counts renewals, so a request refused with a token renewed since it left is simply sent again. */
	generation: number;
}

const states = new WeakMap<object, Map<string, CredentialState>>();

/**
 * Errors of the credentials' preAuthentication (the sign-in), by message. n8n wraps such an error in a
 * NodeApiError that keeps only its text (in `messages`) and drops its type, so the request would look like a
 * network failure of the service: the transport finds the sign-in's own error here by that text and throws it
 * instead (a wrong key file, an unreachable token endpoint, named as such). Credentials and nodes of this package
 * share this module in n8n's process. The core's messages never contain a secret; a few are kept.
 */
const signInFailures = new Map<string, Error>();
const SIGN_IN_FAILURES_KEPT = 20;

/** Runs a credential's sign-in (its preAuthentication), keeping its error for the transport to find. */
export async function signingIn<T>(signIn: () => Promise<T>): Promise<T> {
	return await signIn().catch((error: unknown) => {
		if (error instanceof Error) {
			signInFailures.delete(error.message);
			signInFailures.set(error.message, error);
			if (signInFailures.size > SIGN_IN_FAILURES_KEPT) signInFailures.delete(signInFailures.keys().next().value!);
		}
		return Promise.reject(error);
	});
}

/** The sign-in error a thrown n8n error stands for, if it is one. */
function signInFailureIn(error: unknown): Error | undefined {
	const texts = [(error as Error)?.message, ...(((error as { messages?: unknown })?.messages as unknown[]) ?? [])];
	for (const text of texts) {
		const failure = typeof text === 'string' ? signInFailures.get(text) : undefined;
		if (failure) return failure;
	}
	return undefined;
}

function stateOf(context: object, credentialsType: string): CredentialState {
	let byType = states.get(context);
	if (!byType) states.set(context, (byType = new Map()));
	let state = byType.get(credentialsType);
	if (!state) byType.set(credentialsType, (state = { generation: 0 }));
	return state;
}

/** The HTTP answer inside an error n8n threw for a status, if there was one. */
export function statusOfThrown(error: unknown): HttpResponse | undefined {
	const candidates = [error, (error as { cause?: unknown })?.cause];
	for (const candidate of candidates) {
		const response = (
			candidate as { response?: { status?: number; headers?: HttpResponse['headers']; data?: unknown } }
		)?.response;
		if (response?.status) return { status: response.status, headers: response.headers ?? {}, body: response.data };
	}
	const code = Number((error as { httpCode?: unknown })?.httpCode);
	return Number.isInteger(code) && code >= 400 ? { status: code, headers: {}, body: undefined } : undefined;
}

/** The credential the node read, in the form n8n's authenticated requests take it. */
function credentialGiven(
	context: AuthenticatedRequestContext,
	credentialsType: string,
	data: ICredentialDataDecryptedObject,
): IAdditionalCredentialOptions {
	const reference = context.getNode().credentials?.[credentialsType];
	return {
		credentialsDecrypted: { id: reference?.id ?? '', name: reference?.name ?? '', type: credentialsType, data },
	};
}

export function n8nAuthenticatedTransport(
	context: AuthenticatedRequestContext,
	credentialsType: string,
	options: AuthenticatedTransportOptions = {},
): HttpTransport {
	const isExpired = options.isExpired ?? ((response: HttpResponse) => response.status === 401);
	const state = stateOf(context, credentialsType);
	const known = options.credential && credentialGiven(context, credentialsType, options.credential);
	const send = (request: HttpRequest, throwOnStatus: boolean) =>
		context.helpers.httpRequestWithAuthentication.call(
			context,
			credentialsType,
			toN8nRequest(request, options, throwOnStatus),
			known,
		);
	const sendForStatus = async (request: HttpRequest): Promise<HttpResponse> => {
		try {
			return fromN8nResponse(await send(request, false));
		} catch (error) {
			throw signInFailureIn(error) ?? asNetworkError(error, request.url);
		}
	};
	/** Sends in throwing mode, so that n8n renews the token and repeats the request; its answer either way. */
	const renewAndSend = async (request: HttpRequest, refused: HttpResponse): Promise<HttpResponse> => {
		try {
			return fromN8nResponse(await send(request, true));
		} catch (error) {
			const signInFailure = signInFailureIn(error);
			if (signInFailure) throw signInFailure;
			return statusOfThrown(error) ?? refused;
		}
	};
	const exchange = async (request: HttpRequest): Promise<HttpResponse> => {
		const generation = state.generation;
		const response = await sendForStatus(request);
		if (!isExpired(response)) return response;
		// Renewed since this request left, or being renewed: send it again with the new token.
		if (state.generation !== generation) return await sendForStatus(request);
		if (state.renewal) {
			await state.renewal;
			return await sendForStatus(request);
		}
		const renewed = renewAndSend(request, response).finally(() => {
			state.generation++;
			state.renewal = undefined;
		});
		// Those waiting send again whatever came of it (a failed sign-in is this request's to report).
		state.renewal = renewed.then(
			() => undefined,
			() => undefined,
		);
		return await renewed;
	};
	return {
		async request(request: HttpRequest): Promise<HttpResponse> {
			if (!state.first) {
				const answered = exchange(request);
				state.first = answered.then(
					() => undefined,
					() => undefined,
				);
				return await answered;
			}
			await state.first;
			return await exchange(request);
		},
	};
}
