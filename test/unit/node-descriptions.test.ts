/**
 * What a newcomer reads in the editor, checked over every parameter of the four nodes: each field says what
 * it is for, and a list field's placeholder is written with the separator the node splits it on (and its
 * description names).
 */
import type { INodeProperties, INodePropertyCollection, INodeTypeDescription } from 'n8n-workflow';

import { OpenTextDirectoryServices } from '../../nodes/OpenTextDirectoryServices/OpenTextDirectoryServices.node';
import { OpenTextDirectoryServicesTrigger } from '../../nodes/OpenTextDirectoryServicesTrigger/OpenTextDirectoryServicesTrigger.node';
import { OpenTextPush } from '../../nodes/OpenTextPush/OpenTextPush.node';
import { PUSH_CHANNELS, reaches } from '../../nodes/OpenTextPush/channels';
import { AUDIENCE_KIND, checkAudience, listOf, type Audience } from '../../nodes/OpenTextPush/recipients';
import { OpenTextPushTrigger } from '../../nodes/OpenTextPushTrigger/OpenTextPushTrigger.node';
import { privilegedGroupsOf, semicolonList, splitList } from '../../nodes/shared/parameter-text';

const descriptions: INodeTypeDescription[] = [
	new OpenTextDirectoryServices().description,
	new OpenTextDirectoryServicesTrigger().description,
	new OpenTextPush().description,
	new OpenTextPushTrigger().description,
];

interface Field {
	node: string;
	path: string;
	property: INodeProperties;
}

/** Every parameter, those inside collections and fixed collections too. */
function fieldsOf(description: INodeTypeDescription): Field[] {
	const found: Field[] = [];
	const walk = (properties: INodeProperties[], path: string) => {
		for (const property of properties) {
			const here = `${path}${property.displayName}`;
			found.push({ node: description.displayName, path: here, property });
			if (property.type === 'collection') walk(property.options as INodeProperties[], `${here} > `);
			if (property.type === 'fixedCollection')
				for (const group of property.options as INodePropertyCollection[]) walk(group.values, `${here} > `);
		}
	};
	walk(description.properties, '');
	return found;
}

const fields = descriptions.flatMap(fieldsOf);

/** How the nodes split each list-shaped text parameter (nodes/shared/parameter-text.ts, the push node's listOf). */
const LIST_READERS: Record<string, { separator: 'commas' | 'semicolons'; read: (text: string) => string[] }> = {
	privilegedGroups: { separator: 'semicolons', read: (text) => privilegedGroupsOf({ privilegedGroups: text }) },
	groupScope: { separator: 'semicolons', read: semicolonList },
	additionalAttributes: { separator: 'commas', read: splitList },
	attributeMapping: { separator: 'commas', read: splitList },
	users: { separator: 'commas', read: splitList },
	userIds: { separator: 'commas', read: listOf },
	groups: { separator: 'commas', read: listOf },
	deviceTokens: { separator: 'commas', read: listOf },
};

describe('every field a newcomer sees says what it is for', () => {
	it.each(
		fields
			// A notice is its own text; a collection ("Options") is described by its entries.
			.filter(({ property }) => !['notice', 'hidden', 'collection'].includes(property.type))
			.map((field) => [`${field.node}: ${field.path}`, field] as const),
	)('%s', (_name, { property }) => {
		// As n8n's own nodes: Resource and Operation are described by their options.
		if (property.name === 'resource') return;
		if (property.name === 'operation') {
			for (const option of property.options as Array<{ description?: string; action?: string }>) {
				expect(option.description ?? '').not.toBe('');
				expect(option.action ?? '').not.toBe('');
			}
			return;
		}
		expect(property.description ?? property.hint ?? '').not.toBe('');
	});
});

describe('list fields: placeholder, description and the node agree on the separator', () => {
	const lists = fields.filter(
		({ property }) => property.type === 'string' && LIST_READERS[property.name] !== undefined,
	);

	it('finds the list fields (a renamed one would drop out of this check)', () => {
		expect(new Set(lists.map(({ property }) => property.name))).toEqual(new Set(Object.keys(LIST_READERS)));
	});

	it.each(lists.map((field) => [`${field.node}: ${field.path}`, field] as const))('%s', (_name, { property }) => {
		const { separator, read } = LIST_READERS[property.name];
		expect(property.description).toMatch(separator === 'commas' ? /comma/i : /semicolon/i);
		expect(property.description).not.toMatch(separator === 'commas' ? /semicolon/i : /comma/i);
		// A masked field (device tokens) shows no example.
		if (property.typeOptions?.password) return;
		// The example, read the way the node reads it, is the list it shows: two or more entries.
		expect(read(String(property.placeholder ?? '')).length).toBeGreaterThanOrEqual(2);
	});
});

describe("the push node's Audience offers on each channel only what that channel reaches", () => {
	const push = new OpenTextPush().description.properties;
	const audiencesOn = (channel: string): string[] => {
		const shown = push.filter(
			(property) => property.name === 'audience' && property.displayOptions?.show?.channel?.includes(channel) === true,
		);
		expect(shown).toHaveLength(1);
		return (shown[0].options as Array<{ value: string; name: string }>).map((option) => option.value).sort();
	};

	it.each(PUSH_CHANNELS.map((channel) => [channel.option.name, channel] as const))('%s', (_name, channel) => {
		const reachable = (Object.keys(AUDIENCE_KIND) as Audience[]).filter((audience) =>
			reaches(channel, AUDIENCE_KIND[audience]),
		);
		expect(audiencesOn(channel.option.value)).toEqual(reachable.sort());
		// Every audience offered passes the run-time check, which stays for expressions and hand-edited workflows.
		for (const audience of reachable) expect(() => checkAudience(audience, channel)).not.toThrow();
	});

	it('Firebase has topics and conditions, the AppWorks Gateway OTDS groups, and no option says "only"', () => {
		expect(audiencesOn('fcm')).toEqual(expect.arrayContaining(['topic', 'condition', 'tokens']));
		expect(audiencesOn('fcm')).not.toContain('groups');
		expect(audiencesOn('appworks')).toEqual(['directory', 'groups', 'items', 'users']);
		const texts = push
			.filter((property) => property.name === 'audience')
			.flatMap((property) => property.options as Array<{ name: string; description?: string }>)
			.map((option) => `${option.name} ${option.description ?? ''}`);
		for (const text of texts) expect(text).not.toMatch(/\bonly\)/);
	});

	it("an audience's own field shows only on the channels that reach it", () => {
		const topic = push.find((property) => property.name === 'topic');
		expect(topic?.displayOptions?.show?.channel).not.toContain('appworks');
		const groups = push.find((property) => property.name === 'groups');
		expect(groups?.displayOptions?.show?.channel).toEqual(['appworks']);
	});
});

describe("n8n's vocabulary for lists", () => {
	const directory = new OpenTextDirectoryServices().description.properties;
	const shownFor = (resource: string, operation: string) =>
		directory.filter(
			(property) =>
				property.displayOptions?.show?.resource?.includes(resource) &&
				property.displayOptions?.show?.operation?.includes(operation),
		);

	it.each([
		['user', 'search', false],
		['group', 'search', false],
		['group', 'getMembers', false],
		// An audience is notified whole: everyone is the common case.
		['audience', 'resolve', true],
	] as const)('%s → %s has Return All (default %s) and a Limit shown when it is off', (resource, operation, all) => {
		const fields = shownFor(resource, operation);
		expect(fields.find((field) => field.name === 'returnAll')?.default).toBe(all);
		const limit = fields.find((field) => field.name === 'limit');
		expect(limit?.displayOptions?.show?.returnAll).toEqual([false]);
		const options = fields.find((field) => field.name === 'options');
		expect((options?.options as INodeProperties[]).map((option) => option.name)).not.toContain('limit');
	});

	it('the list operations of users and groups are called Get Many', () => {
		for (const resource of ['user', 'group']) {
			const operation = directory.find(
				(property) => property.name === 'operation' && property.displayOptions?.show?.resource?.includes(resource),
			);
			const search = (operation?.options as Array<{ value: string; name: string; action: string }>).find(
				(option) => option.value === 'search',
			);
			expect(search).toMatchObject({ name: 'Get Many', action: `Get many ${resource}s` });
		}
	});
});

describe("no parameter is hidden by n8n's credential logic", () => {
	// n8n's editor (2.8.4, ParameterInputList) treats the parameters named in the credentials' displayOptions as
	// authentication fields, and hides every parameter named in a `show` of one of them. A `show: { operation }`
	// on such a field hid the push node's Operation, and with it Get Status.
	it.each(descriptions.map((description) => [description.displayName, description] as const))('%s', (_name, d) => {
		const credentialKeys = new Set((d.credentials ?? []).flatMap((c) => Object.keys(c.displayOptions?.show ?? {})));
		const authFields = d.properties.filter((property) => credentialKeys.has(property.name));
		const hidden = d.properties.filter((property) =>
			authFields.some((field) => property.name in (field.displayOptions?.show ?? {})),
		);
		expect(hidden.map((property) => property.name)).toEqual([]);
	});
});

describe('what few users need waits in Options', () => {
	it("Cloud Messaging's Push Request Override is an option offered on that channel only, not a field of every send", () => {
		const push = new OpenTextPush().description.properties;
		expect(push.map((property) => property.name)).not.toContain('pushOverride');
		const options = push.find((property) => property.name === 'options' && property.type === 'collection');
		const override = (options?.options as INodeProperties[]).find((option) => option.name === 'pushOverride');
		expect(override?.displayOptions?.show).toEqual({ '/channel': ['mra'] });
	});
});
