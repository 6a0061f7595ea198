import type { INode, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { ConfigurationError, NotFoundError, RequestError } from '../../core/errors';

/**
 * Turns an error of the domain core into the n8n error a user should see: bad input becomes a
 * NodeOperationError naming the field, a failing directory a NodeApiError with what to do about it.
 */
export function toNodeError(node: INode, error: unknown, itemIndex?: number): NodeOperationError | NodeApiError {
	if (error instanceof NodeOperationError || error instanceof NodeApiError) return error;
	if (error instanceof ConfigurationError) {
		return new NodeOperationError(node, error.message, {
			itemIndex,
			description: `Fix the "${error.field}" setting and run the node again.`,
		});
	}
	if (error instanceof NotFoundError) {
		return new NodeOperationError(node, error.message, {
			itemIndex,
			description: 'Check the value, or look the entry up another way (for example by DN).',
		});
	}
	if (error instanceof RequestError) {
		const response: JsonObject = { kind: error.kind, message: error.message };
		if (error.server) response.server = error.server;
		return new NodeApiError(node, response, { itemIndex, message: error.message, description: error.hint });
	}
	const message = error instanceof Error ? error.message : String(error);
	return new NodeOperationError(node, message, { itemIndex });
}
