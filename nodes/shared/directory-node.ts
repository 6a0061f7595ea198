/**
 * What the two directory nodes (the action node and the trigger) share in their descriptions: the Source
 * choice and the credential tests. (The credentials list itself stays in each node file, where n8n's lint
 * looks for `testedBy`.)
 */
import type {
	ICredentialTestFunctions,
	ICredentialsDecrypted,
	INodeCredentialTestResult,
	INodeProperties,
} from 'n8n-workflow';

import { testLdapCredential } from './ldap';
import { testOtdsCredential } from './otds';

export function sourceProperty(description: string): INodeProperties {
	return {
		displayName: 'Source',
		name: 'source',
		type: 'options',
		noDataExpression: true,
		default: 'otdsRest',
		options: [
			{
				name: 'OTDS REST API',
				value: 'otdsRest',
				description: 'OpenText Directory Services 16 and later, over its REST API',
			},
			{
				name: 'LDAP Directory',
				value: 'ldap',
				description: 'Legacy OTDS, or the Active Directory / OpenLDAP / 389 DS that OTDS synchronises from',
			},
		],
		description,
	};
}

/** The `testedBy` functions of the OTDS REST and LDAP credentials. */
export const directoryCredentialTests = {
	async ldapConnectionTest(
		this: ICredentialTestFunctions,
		credential: ICredentialsDecrypted,
	): Promise<INodeCredentialTestResult> {
		return testLdapCredential(credential);
	},
	async otdsConnectionTest(
		this: ICredentialTestFunctions,
		credential: ICredentialsDecrypted,
	): Promise<INodeCredentialTestResult> {
		return testOtdsCredential(this, credential.data ?? {});
	},
};
