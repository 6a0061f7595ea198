import type { INodeProperties } from 'n8n-workflow';

import { audienceDefinitionFields, missingUsersOption } from '../../shared/audience';
import { operationsOf, readOptionsCollection, returnAllAndLimit, showFor } from './common';

export const audienceOperations = operationsOf(
	'audience',
	[
		{
			name: 'Resolve',
			value: 'resolve',
			description: 'One item per person from groups, attribute conditions and explicit users',
			action: 'Resolve an audience',
		},
	],
	'resolve',
);

// The name avoids "token": n8n's package scanner masks every such string parameter like a password, and this
// one holds an attribute name, not a secret.
const deviceTokenOption: INodeProperties = {
	displayName: 'Device Token Attribute',
	name: 'deviceRegistrationAttribute',
	type: 'string',
	default: '',
	placeholder: 'otdpDeviceToken',
	description: 'Directory attribute holding the person\'s push device tokens, returned as "deviceTokens"',
};

/** Who the audience is: the same fields for Audience → Resolve and Acknowledgment → List. */
export function audienceFields(resource: string, operation: string[]): INodeProperties[] {
	return audienceDefinitionFields(showFor(resource, operation));
}

export const audienceResolveFields: INodeProperties[] = [
	...audienceFields('audience', ['resolve']),
	...returnAllAndLimit('audience', ['resolve'], true),
	readOptionsCollection('audience', ['resolve'], [deviceTokenOption, missingUsersOption]),
];

export { deviceTokenOption };
