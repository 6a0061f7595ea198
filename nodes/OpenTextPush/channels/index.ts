/**
 * The push node's channels, one module each over its module in core/push/channels/. A new channel is a module
 * here and one in the core, listed below; besides, only the node's literal `credentials` list, package.json's
 * credentials and (for a new result name) core/push/types.ts's ChannelName change.
 */
import type {
	ICredentialDataDecryptedObject,
	ICredentialTestFunction,
	ICredentialTestFunctions,
	ICredentialsDecrypted,
} from 'n8n-workflow';

import { ConfigurationError } from '../../../core/errors';
import type { PushChannel, RecipientKind } from '../../../core/push/types';
import type { HttpTransport } from '../../../transport/http/types';
import { n8nAuthenticatedTransport, type AuthenticatedRequestContext } from '../../shared/authenticated-transport';
import { legacyRequestHelpers } from '../../shared/http-transport';
import { appWorksChannel } from './appworks';
import type { ChannelBuildOptions, NodePushChannel } from './channel';
import { firebaseChannel } from './fcm';
import { cloudMessagingChannel } from './mra';

export type { ItemParameter, NodePushChannel } from './channel';

/** In the order of the Channel option. */
export const PUSH_CHANNELS: readonly NodePushChannel[] = [firebaseChannel, appWorksChannel, cloudMessagingChannel];

/** The channel a `channel` parameter value names. */
export function pushChannel(value: string): NodePushChannel {
	const channel = PUSH_CHANNELS.find((candidate) => candidate.option.value === value);
	if (!channel) throw new ConfigurationError('Channel', `"${value}" is not a channel of this node`);
	return channel;
}

/** Whether the channel reaches recipients of this kind (through any of its core channels). */
export function reaches(channel: NodePushChannel, kind: RecipientKind): boolean {
	return channel.reach.some((reach) => reach.kinds.includes(kind));
}

/** `A`, `A and B`, `A, B and C`. */
function namesOf(channels: readonly NodePushChannel[]): string {
	const names = channels.map((channel) => channel.option.name);
	return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** Refuses, before anything is sent, recipients of a kind the channel cannot reach, naming the channels that can. */
export function checkReach(channel: NodePushChannel, kind: RecipientKind, audienceName: string): void {
	if (reaches(channel, kind)) return;
	const able = PUSH_CHANNELS.filter((candidate) => reaches(candidate, kind));
	const names = able.length === PUSH_CHANNELS.length ? 'every channel' : namesOf(able);
	throw new ConfigurationError(
		'Audience',
		`"${audienceName}" works with ${names} only: choose another audience or channel`,
	);
}

/**
 * The transport of a channel inside n8n: n8n's authenticated requests with the channel's credential, so the
 * token is reused across executions and renewed by n8n when the service refuses it.
 */
export function channelTransport(
	context: AuthenticatedRequestContext,
	channel: NodePushChannel,
	credential: ICredentialDataDecryptedObject,
): HttpTransport {
	return n8nAuthenticatedTransport(context, channel.credential, {
		skipSslCertificateValidation: credential.ignoreSslIssues === true,
		isExpired: channel.isExpired,
		credential,
	});
}

/** The core channels of a send, from the chosen channel's credential. */
export function buildChannels(
	context: AuthenticatedRequestContext,
	channel: NodePushChannel,
	credential: ICredentialDataDecryptedObject,
	options: ChannelBuildOptions,
): PushChannel[] {
	return channel.build(channelTransport(context, channel, credential), credential, options);
}

/** The node's credential-test methods of the channels, by the names their `testedBy` gives. */
export const channelCredentialTests: Record<string, ICredentialTestFunction> = Object.fromEntries(
	PUSH_CHANNELS.map((channel): [string, ICredentialTestFunction] => [
		channel.credentialTest,
		async function (this: ICredentialTestFunctions, credential: ICredentialsDecrypted) {
			try {
				return {
					status: 'OK',
					message: await channel.testCredential(legacyRequestHelpers(this.helpers), credential.data ?? {}),
				};
			} catch (error) {
				return { status: 'Error', message: error instanceof Error ? error.message : String(error) };
			}
		},
	]),
);
