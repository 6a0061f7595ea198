import type { ICredentialDataDecryptedObject, IDataObject, INodeProperties } from 'n8n-workflow';

import type { ChannelReach, PushChannel } from '../../../core/push/types';
import type { RetryPolicy } from '../../../transport/http/retry';
import type { HttpResponse, HttpTransport } from '../../../transport/http/types';
import type { N8nHttpHelpers } from '../../shared/http-transport';

/** A parameter of the item being read: n8n's getNodeParameter for that item (a plain lookup in unit tests). */
export type ItemParameter = (name: string, fallback?: unknown) => unknown;

/** What building a channel's core channels may use besides its credential. */
export interface ChannelBuildOptions {
	retry: RetryPolicy;
	batchSize?: number;
	/** The channel's own send parameters (see sendFields), of the first item of the send. */
	parameter: ItemParameter;
}

/**
 * One delivery service as the push node offers it, over its module in core/push/channels/: the Channel
 * option, the credential it needs, the core channels that credential builds, the credential test, and whom
 * it reaches. ./index.ts lists them; the node's description, audience check, credential tests and Get Status
 * are derived from that list.
 */
export interface NodePushChannel {
	/** The Channel option; its value is what the `channel` parameter holds. */
	readonly option: { name: string; value: string; description: string };
	/**
	 * The credential type. The node's literal `credentials` list (which n8n's lint reads) names it, shown for
	 * this option's value and `testedBy` the method named `credentialTest`; a unit test keeps the two in step.
	 */
	readonly credential: string;
	readonly credentialTest: string;
	/** Whom the core channels it builds reach (their own declarations), together. */
	readonly reach: readonly ChannelReach[];
	/** Send parameters of this channel only, shown when it is chosen. */
	readonly sendFields?: INodeProperties[];
	/** Send options of this channel only, in the Options collection, offered when it is chosen. */
	readonly optionFields?: INodeProperties[];
	/** Delivery status, for channels whose service keeps it (Get Status). */
	readonly status?: DeliveryStatusLookup;
	/**
	 * Whether an answer says the credential's token is no longer good, so n8n should renew it (default: HTTP 401);
	 * see nodes/shared/authenticated-transport.ts.
	 */
	readonly isExpired?: (response: HttpResponse) => boolean;
	/**
	 * The core channels of a send, in fallback order, over a transport that n8n authenticates with the
	 * credential (its `authenticate`, and its token from `preAuthentication`): they add no credential themselves.
	 */
	build(
		transport: HttpTransport,
		credential: ICredentialDataDecryptedObject,
		options: ChannelBuildOptions,
	): PushChannel[];
	/** Signs in and says so; throws what went wrong. Never repeats a secret. */
	testCredential(helpers: N8nHttpHelpers, credential: ICredentialDataDecryptedObject): Promise<string>;
}

export interface DeliveryStatusLookup {
	/** Get Status parameters of this channel besides the Message ID. */
	readonly fields: INodeProperties[];
	/** A lookup for one credential, over a transport n8n authenticates: the status of one sent message, as the output item's JSON. */
	open(
		transport: HttpTransport,
		credential: ICredentialDataDecryptedObject,
	): (messageId: string, parameter: ItemParameter) => Promise<IDataObject>;
}

/** A credential field as trimmed text ('' when absent). */
export function text(value: unknown): string {
	return typeof value === 'string' ? value.trim() : '';
}
