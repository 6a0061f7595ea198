import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { toNodeError } from '../shared/errors';
import { directoryCredentialTests, sourceProperty } from '../shared/directory-node';
import { OPERATIONS } from './actions/operations';
import { openDirectorySource, type DirectorySourceKind } from '../shared/directory-source';
import { acknowledgmentFields, acknowledgmentOperations } from './descriptions/AcknowledgmentDescription';
import { audienceOperations, audienceResolveFields } from './descriptions/AudienceDescription';
import { groupFields, groupOperations } from './descriptions/GroupDescription';
import { userFields, userOperations } from './descriptions/UserDescription';
import { getPartitions, searchGroups, searchUsers } from './methods/lists';

export class OpenTextDirectoryServices implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'OpenText Directory Services',
		name: 'openTextDirectoryServices',
		icon: { light: 'file:otds.svg', dark: 'file:otds.dark.svg' },
		group: ['input'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description:
			'Read and change users and groups, resolve audiences and record acknowledgments in OpenText Directory Services or LDAP',
		defaults: { name: 'OpenText Directory Services' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'openTextDirectoryServicesApi',
				required: true,
				testedBy: 'otdsConnectionTest',
				displayOptions: { show: { source: ['otdsRest'] } },
			},
			{
				name: 'openTextDirectoryLdapApi',
				required: true,
				testedBy: 'ldapConnectionTest',
				displayOptions: { show: { source: ['ldap'] } },
			},
		],
		properties: [
			sourceProperty('Where the directory data comes from'),
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				default: 'user',
				options: [
					{ name: 'Acknowledgment', value: 'acknowledgment' },
					{ name: 'Audience', value: 'audience' },
					{ name: 'Group', value: 'group' },
					{ name: 'User', value: 'user' },
				],
			},
			...userOperations,
			...groupOperations,
			...audienceOperations,
			...acknowledgmentOperations,
			...userFields,
			...groupFields,
			...audienceResolveFields,
			...acknowledgmentFields,
		],
	};

	methods = {
		credentialTest: directoryCredentialTests,
		listSearch: { searchUsers, searchGroups },
		loadOptions: { getPartitions },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const output: INodeExecutionData[] = [];
		const kind = this.getNodeParameter('source', 0) as DirectorySourceKind;
		const source = await openDirectorySource(this, kind);
		try {
			for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
				try {
					const resource = this.getNodeParameter('resource', itemIndex) as string;
					const operation = this.getNodeParameter('operation', itemIndex) as string;
					const run = OPERATIONS[resource]?.[operation];
					if (!run)
						throw new NodeOperationError(
							this.getNode(),
							`The operation "${operation}" is not known for "${resource}"`,
							{ itemIndex },
						);
					const backend = await source.backendFor(this.getNodeParameter('options', itemIndex, {}) as IDataObject);
					for (const json of await run(this, backend, itemIndex))
						output.push({ json, pairedItem: { item: itemIndex } });
				} catch (error) {
					const nodeError = toNodeError(this.getNode(), error, itemIndex);
					if (!this.continueOnFail()) throw nodeError;
					output.push({ json: { error: nodeError.message }, pairedItem: { item: itemIndex } });
				}
			}
		} finally {
			await source.close();
		}
		return [output];
	}
}
