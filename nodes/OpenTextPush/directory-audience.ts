/**
 * Send › Directory Audience: each input item's message goes to the people of a directory audience, read page by
 * page (core/audience.ts) and dispatched as they are read (core/push/audience-send.ts). The node outputs, per
 * input item, one summary item and the recipients not reached (at most Max Failures Listed): n8n never holds
 * one item per person, so an audience of a million people fits one execution.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { resolveAudience } from '../../core/audience';
import { maxFailuresListed, type AudienceSendSummary } from '../../core/push/audience-send';
import { ConfigurationError } from '../../core/errors';
import { PUSH_PERSON_FIELDS } from '../../core/push/message';
import type { DeliveryResult } from '../../core/push/types';
import { audienceSpecFrom } from '../shared/audience';
import { openDirectorySource, type DirectorySource, type DirectorySourceKind } from '../shared/directory-source';
import type { ItemParameter } from './channels';
import { DIRECTORY_AUDIENCE_NAMES, itemRequest } from './recipients';
import { isFailure, sendAudience, type SendSetup } from './send-plan';

/** People per page: a whole number from 1 to 5,000. */
function pageSizeOf(value: unknown): number {
	if (value === undefined || value === '') return 500;
	const number = Number(value);
	if (!Number.isInteger(number) || number < 1 || number > 5000)
		throw new ConfigurationError('People per Page', `is ${String(value)}: use a whole number from 1 to 5,000`);
	return number;
}

export function summaryJson(summary: AudienceSendSummary, channel: string, noticeId?: string): IDataObject {
	const json: IDataObject = {
		summary: true,
		channel,
		people: summary.people,
		pages: summary.pages,
		results: summary.results,
		sent: summary.byStatus.sent,
		failed: summary.byStatus.failed,
		unregistered: summary.byStatus.unregistered,
		skipped: summary.byStatus.skipped,
		failuresListed: summary.failuresListed,
		failuresNotListed: summary.failuresNotListed,
		messageKey: summary.messageKey,
	};
	if (noticeId) json.noticeId = noticeId;
	return json;
}

/**
 * Runs one audience send per input item. `setupOf` builds the channels and secrets for an item; `onFailure` turns
 * a result that was not sent into an output item; `fail` reports an item's error (or throws it).
 */
export async function sendToDirectoryAudiences(
	context: IExecuteFunctions,
	channel: string,
	parameterOf: (itemIndex: number) => ItemParameter,
	setupOf: (itemIndex: number) => Promise<SendSetup>,
	output: INodeExecutionData[],
	resultItem: (result: DeliveryResult, noticeId?: string) => IDataObject,
	fail: (error: unknown, itemIndex: number) => void,
): Promise<number> {
	const items = context.getInputData();
	let problems = 0;
	let source: DirectorySource | undefined;
	try {
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			const summaryAt = output.length;
			try {
				const parameter = parameterOf(itemIndex);
				const request = itemRequest(parameter, items[itemIndex].json, 'directory');
				const options = parameter('audienceOptions', {}) as IDataObject;
				const spec = {
					...audienceSpecFrom(parameter, options, DIRECTORY_AUDIENCE_NAMES),
					pageSize: pageSizeOf(options.pageSize),
					// Only what a message needs is read: a person's other fields would be read and held for nothing.
					fields: PUSH_PERSON_FIELDS,
				};
				const maxFailures = maxFailuresListed(options.maxFailuresListed);
				const setup = await setupOf(itemIndex);
				// One directory connection for the whole execution, opened with the first item's source.
				source ??= await openDirectorySource(context, parameter('directorySource', 'ldap') as DirectorySourceKind);
				const backend = await source.backendFor(options);
				const noticeId = request.acknowledgment?.noticeId;
				for await (const event of sendAudience(request, resolveAudience(backend, spec), setup, maxFailures)) {
					if ('failure' in event) {
						if (isFailure(event.failure)) problems++;
						output.push({ json: resultItem(event.failure, noticeId), pairedItem: { item: itemIndex } });
					} else {
						// The summary leads its item's failures.
						output.splice(summaryAt, 0, {
							json: summaryJson(event.summary, channel, noticeId),
							pairedItem: { item: itemIndex },
						});
					}
				}
			} catch (error) {
				fail(error, itemIndex);
			}
		}
	} finally {
		await source?.close();
	}
	return problems;
}
