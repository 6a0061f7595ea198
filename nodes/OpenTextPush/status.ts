import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { toNodeError } from '../shared/errors';
import { channelTransport, type NodePushChannel } from './channels';

/** Get Status: the state of sent messages, for channels whose service keeps it; one output item per input item. */
export async function getDeliveryStatus(
	context: IExecuteFunctions,
	channel: NodePushChannel,
): Promise<INodeExecutionData[]> {
	if (!channel.status) {
		throw new NodeOperationError(context.getNode(), 'Get Status works with OpenText Cloud Messaging only', {
			description:
				'Firebase and AppWorks Gateway keep no delivery status: use the status, messageId and errorCode of the Send results',
		});
	}
	const items = context.getInputData();
	const output: INodeExecutionData[] = [];
	const credential = await context.getCredentials(channel.credential);
	const lookUp = channel.status.open(channelTransport(context, channel, credential), credential);
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const messageId = String(context.getNodeParameter('messageId', itemIndex) ?? '').trim();
			if (messageId === '')
				throw new NodeOperationError(context.getNode(), 'Message ID is empty', {
					itemIndex,
					description: 'Map the messageId of a Send result',
				});
			const json = await lookUp(messageId, (name, fallback) => context.getNodeParameter(name, itemIndex, fallback));
			output.push({ json, pairedItem: { item: itemIndex } });
		} catch (error) {
			const nodeError = toNodeError(context.getNode(), error, itemIndex);
			if (!context.continueOnFail()) throw nodeError;
			output.push({ json: { error: nodeError.message }, pairedItem: { item: itemIndex } });
		}
	}
	return output;
}
