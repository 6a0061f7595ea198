import type {
	ICredentialTestFunctions,
	ICredentialsDecrypted,
	IDataObject,
	IExecuteFunctions,
	INodeCredentialTestResult,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { testLdapConnection } from '../../core/ldap/connection-test';
import type { AttributeCondition } from '../../core/ldap/filter';
import type { AccountState, UserKey } from '../../core/directory/backend';
import { LdapUserDirectory } from '../../core/ldap/users';
import { parseLdapConnectionSettings } from '../../transport/ldap/settings';
import { toNodeError } from '../shared/errors';
import { openLdapContext, splitList } from '../shared/ldap';
import { userFields, userOperations } from './descriptions/UserDescription';

export class OpenTextDirectoryServices implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'OpenText Directory Services',
		name: 'openTextDirectoryServices',
		icon: { light: 'file:otds.svg', dark: 'file:otds.dark.svg' },
		group: ['input'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Read users from OpenText Directory Services or the LDAP directory it synchronises from',
		defaults: { name: 'OpenText Directory Services' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'openTextDirectoryLdap',
				required: true,
				testedBy: 'ldapConnectionTest',
				displayOptions: { show: { source: ['ldap'] } },
			},
		],
		properties: [
			{
				displayName: 'Source',
				name: 'source',
				type: 'options',
				noDataExpression: true,
				default: 'ldap',
				options: [
					{
						name: 'LDAP Directory',
						value: 'ldap',
						description: 'Legacy OTDS, or the Active Directory / OpenLDAP / 389 DS that OTDS synchronises from',
					},
				],
				description: 'Where the directory data comes from',
			},
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				default: 'user',
				options: [{ name: 'User', value: 'user' }],
			},
			...userOperations,
			...userFields,
		],
	};

	methods = {
		credentialTest: {
			async ldapConnectionTest(
				this: ICredentialTestFunctions,
				credential: ICredentialsDecrypted,
			): Promise<INodeCredentialTestResult> {
				try {
					const result = await testLdapConnection(parseLdapConnectionSettings(credential.data ?? {}));
					return { status: result.ok ? 'OK' : 'Error', message: result.message };
				} catch (error) {
					return { status: 'Error', message: error instanceof Error ? error.message : String(error) };
				}
			},
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const output: INodeExecutionData[] = [];
		const ldap = await openLdapContext(this.getNode(), await this.getCredentials('openTextDirectoryLdap'));
		try {
			for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
				try {
					const operation = this.getNodeParameter('operation', itemIndex) as string;
					const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
					const baseDN = ((options.baseDN as string) || ldap.settings.baseDN).trim();
					const extraAttributes = splitList(options.additionalAttributes as string);
					const users = new LdapUserDirectory(ldap.session, ldap.profile, baseDN);
					if (operation === 'get') {
						const key = this.getNodeParameter('lookupBy', itemIndex) as UserKey;
						const value = this.getNodeParameter('user', itemIndex) as string;
						const user = await users.getUser(key, value, extraAttributes);
						output.push({ json: user as unknown as IDataObject, pairedItem: { item: itemIndex } });
					} else {
						const returnAll = this.getNodeParameter('returnAll', itemIndex) as boolean;
						const limit = returnAll ? 0 : (this.getNodeParameter('limit', itemIndex) as number);
						const conditions = this.getNodeParameter('conditions.condition', itemIndex, []) as AttributeCondition[];
						const state = this.getNodeParameter('state', itemIndex) as AccountState;
						for await (const page of users.searchUsers({ conditions, state, limit, extraAttributes })) {
							for (const user of page) output.push({ json: user as unknown as IDataObject, pairedItem: { item: itemIndex } });
						}
					}
				} catch (error) {
					const nodeError = toNodeError(this.getNode(), error, itemIndex);
					if (!this.continueOnFail()) throw nodeError;
					output.push({ json: { error: nodeError.message }, pairedItem: { item: itemIndex } });
				}
			}
		} finally {
			await ldap.session.close();
		}
		return [output];
	}
}
