import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { MraJobKind } from '../../core/push/channels/mra';
import { toNodeError } from '../shared/errors';
import { n8nHttpTransport } from '../shared/http-transport';
import { cloudMessagingClient, type ChannelChoice } from './channels';

/** Get Status: the state of Cloud Messaging jobs, one output item per input item. */
export async function getDeliveryStatus(context: IExecuteFunctions, channel: ChannelChoice): Promise<INodeExecutionData[]> {
	if (channel !== 'mra') {
		throw new NodeOperationError(context.getNode(), 'Get Status works with OpenText Cloud Messaging only', {
			description: 'Firebase and AppWorks Gateway keep no delivery status: use the status, messageId and errorCode of the Send results',
		});
	}
	const items = context.getInputData();
	const output: INodeExecutionData[] = [];
	const credential = await context.getCredentials('openTextCloudMessagingApi');
	const transport = n8nHttpTransport(context.helpers, { skipSslCertificateValidation: credential.ignoreSslIssues === true });
	const client = cloudMessagingClient(transport, credential, { retry: { maxAttempts: 3 } });
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const jobId = String(context.getNodeParameter('messageId', itemIndex) ?? '').trim();
			if (jobId === '') throw new NodeOperationError(context.getNode(), 'Message ID is empty', { itemIndex, description: 'Map the messageId of a Send result' });
			const kind = context.getNodeParameter('statusKind', itemIndex) as MraJobKind;
			const status = await client.jobStatus(kind, jobId);
			output.push({
				json: { jobId: status.jobId, jobState: status.jobState, deliveries: status.deliveries as unknown as IDataObject[], events: status.events as IDataObject, raw: status.raw as IDataObject },
				pairedItem: { item: itemIndex },
			});
		} catch (error) {
			const nodeError = toNodeError(context.getNode(), error, itemIndex);
			if (!context.continueOnFail()) throw nodeError;
			output.push({ json: { error: nodeError.message }, pairedItem: { item: itemIndex } });
		}
	}
	return output;
}
