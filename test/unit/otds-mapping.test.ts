import { ConfigurationError } from '../../core/errors';
import { checkConditions, serverTextFilter, valuesMatch } from '../../core/otds/conditions';
import {
	DEFAULT_OTDS_FIELDS,
	DEFAULT_STATUS_ATTRIBUTES,
	READ_ONLY_OTDS_ATTRIBUTES,
	groupKeys,
	memberOfKeys,
	parseOtdsObject,
	toDirectoryGroup,
	toDirectoryUser,
} from '../../core/otds/mapping';
import { applyChanges, checkChanges } from '../../core/otds/writes';

/** The pure parts of the OTDS backend: reading OTDS JSON, matching conditions, computing write-backs. */
const location =
	'oTPerson=04f2d12b-b7aa-4797-b4eb-1b6e6bd5ce2e,orgunit=users,partition=Content Server Members,dc=identity,dc=opentext,dc=net';
const asKeys = {
	userPartitionID: 'Content Server Members',
	name: 'jdoe',
	id: 'jdoe@Content Server Members',
	location,
	attributes: {
		mail: ['jdoe@example.com'],
		oTMemberOf: ['oTGroup=6381fcfe-7b30-4bbb-b849-2cbd8f3a0a48,dc=identity,dc=opentext,dc=net'],
		accountLockedOut: ['FALSE'],
		accountDisabled: ['true'],
		pwdReset: ['false'],
		UserMustChangePasswordAtNextSignIn: ['false'],
		oTDepartment: ['Sales'],
		createTimestamp: ['2025-01-24T10:18:53Z'],
	},
	values: [],
	objectClass: 'oTPerson',
	uuid: '04f2d12b-b7aa-4797-b4eb-1b6e6bd5ce2e',
	description: null,
};

describe('reading OTDS objects', () => {
	it('reads attrsAsKeys and values shapes alike', () => {
		const values = {
			...asKeys,
			attributes: undefined,
			values: Object.entries(asKeys.attributes).map(([name, v]) => ({ name, values: v })),
		};
		expect(parseOtdsObject(values)).toEqual(parseOtdsObject(asKeys));
		expect(parseOtdsObject({ values: [] })).toBeUndefined();
		expect(parseOtdsObject('nope')).toBeUndefined();
	});

	it('maps a user: uuid as id, OTDS id as login, location as dn, status from the flags', () => {
		const user = toDirectoryUser(parseOtdsObject(asKeys)!, DEFAULT_OTDS_FIELDS, DEFAULT_STATUS_ATTRIBUTES, [
			'createTimestamp',
			'MAIL',
			'missing',
		]);
		expect(user).toMatchObject({
			id: '04f2d12b-b7aa-4797-b4eb-1b6e6bd5ce2e',
			login: 'jdoe@Content Server Members',
			dn: location,
			mail: 'jdoe@example.com',
			department: 'Sales',
			status: { disabled: true, locked: false, passwordResetRequired: false },
			attributes: { createTimestamp: '2025-01-24T10:18:53Z', MAIL: 'jdoe@example.com' },
		});
		const onlyMustChange = toDirectoryUser(
			parseOtdsObject({ ...asKeys, attributes: { ...asKeys.attributes, pwdReset: ['true'] } })!,
			DEFAULT_OTDS_FIELDS,
			{
				...DEFAULT_STATUS_ATTRIBUTES,
				passwordResetRequired: ['UserMustChangePasswordAtNextSignIn'],
			},
		);
		expect(onlyMustChange.status.passwordResetRequired).toBe(false);
	});

	it('maps a group, with numMembers as memberCount', () => {
		const raw = {
			numMembers: 7,
			userPartitionID: 'P',
			name: 'Sales',
			id: 'Sales@P',
			location: 'oTGroup=3f92,orgunit=groups,partition=P,dc=identity,dc=opentext,dc=net',
			values: [],
			description: null,
			uuid: '3f92',
		};
		expect(toDirectoryGroup(parseOtdsObject(raw)!, true)).toEqual({
			id: 'Sales@P',
			dn: raw.location,
			name: 'Sales',
			description: undefined,
			memberCount: 7,
			privileged: true,
			attributes: {},
		});
	});

	it('matches oTMemberOf values to groups by location, uuid or id, also in shortened form', () => {
		const group = parseOtdsObject({
			name: 'Sales',
			id: 'Sales@P',
			uuid: '6381FCFE-7b30',
			location: 'oTGroup=6381fcfe-7b30,orgunit=groups,partition=P,dc=identity,dc=opentext,dc=net',
		})!;
		const keys = new Set(groupKeys(group));
		const hits = (value: string) => memberOfKeys(value).some((key) => keys.has(key));
		expect(hits('oTGroup=6381fcfe-7b30,dc=identity,dc=opentext,dc=net')).toBe(true);
		expect(hits('OTGROUP=6381fcfe-7b30, orgunit=groups, partition=P, dc=identity, dc=opentext, dc=net')).toBe(true);
		expect(hits('sales@p')).toBe(true);
		expect(hits('oTGroup=other,dc=identity')).toBe(false);
	});
});

describe('conditions', () => {
	it('compare case-insensitively, any value satisfying', () => {
		expect(valuesMatch(['Sales', 'EMEA'], { attribute: 'x', operator: 'equals', value: 'emea' })).toBe(true);
		expect(valuesMatch(['Waterloo'], { attribute: 'x', operator: 'startsWith', value: 'WAT' })).toBe(true);
		expect(valuesMatch(['a@example.com'], { attribute: 'x', operator: 'endsWith', value: '@EXAMPLE.com' })).toBe(true);
		expect(valuesMatch(['Staff Engineer'], { attribute: 'x', operator: 'contains', value: 'engine' })).toBe(true);
		expect(valuesMatch([], { attribute: 'x', operator: 'present' })).toBe(false);
		expect(valuesMatch([''], { attribute: 'x', operator: 'notPresent' })).toBe(true);
		expect(valuesMatch(['a*b'], { attribute: 'x', operator: 'equals', value: 'a*b' })).toBe(true);
	});

	it('are checked before use', () => {
		expect(() => checkConditions([{ attribute: 'ou)(x', operator: 'equals', value: 'a' }])).toThrow(ConfigurationError);
		expect(() => checkConditions([{ attribute: 'mail', operator: 'like' as never, value: 'a' }])).toThrow(
			/unknown operator/,
		);
		expect(() => checkConditions([{ attribute: 'mail', operator: 'contains' }])).toThrow(/needs a value/);
	});

	it('lend where_filter the most selective value on a searched attribute only', () => {
		const conditions = [
			{ attribute: 'oTDepartment', operator: 'equals' as const, value: 'Engineering and more' },
			{ attribute: 'mail', operator: 'contains' as const, value: 'smith' },
			{ attribute: 'displayName', operator: 'startsWith' as const, value: 'John' },
		];
		expect(serverTextFilter(conditions, ['name', 'mail', 'displayName'])).toBe('smith');
		expect(serverTextFilter(conditions, [])).toBeUndefined();
		expect(serverTextFilter([{ attribute: 'mail', operator: 'notPresent' }], ['mail'])).toBeUndefined();
		expect(serverTextFilter([{ attribute: 'mail', operator: 'equals', value: 'a*' }], ['mail'])).toBeUndefined();
	});
});

describe('write-back values', () => {
	const user = parseOtdsObject({ ...asKeys, attributes: { ...asKeys.attributes, oTExtraAttr3: ['a', 'b'] } })!;

	it('PATCH sends each changed attribute with its complete new values', () => {
		const changes = checkChanges(
			[
				{ attribute: 'OTEXTRAATTR3', action: 'add', values: ['b', 'c'] },
				{ attribute: 'oTExtraAttr3', action: 'remove', values: ['a'] },
				{ attribute: 'title', action: 'set', values: ['Lead', 'Lead'] },
			],
			READ_ONLY_OTDS_ATTRIBUTES,
		);
		expect(applyChanges(user, changes, 'changed', READ_ONLY_OTDS_ATTRIBUTES)).toEqual([
			{ name: 'oTExtraAttr3', values: ['b', 'c'] },
			{ name: 'title', values: ['Lead'] },
		]);
	});

	it('PUT sends every writable attribute, never the ones OTDS maintains', () => {
		const values = applyChanges(
			user,
			[{ attribute: 'mail', action: 'set', values: [] }],
			'all',
			READ_ONLY_OTDS_ATTRIBUTES,
		);
		const names = values.map((value) => value.name);
		expect(names).toEqual(expect.arrayContaining(['mail', 'oTDepartment', 'accountDisabled', 'oTExtraAttr3']));
		expect(names).not.toContain('oTMemberOf');
		expect(names).not.toContain('createTimestamp');
		expect(values.find((value) => value.name === 'mail')).toEqual({ name: 'mail', values: [] });
	});

	it('refuses bad changes', () => {
		expect(() => checkChanges([], READ_ONLY_OTDS_ATTRIBUTES)).toThrow(/is empty/);
		expect(() =>
			checkChanges([{ attribute: 'oTMemberOf', action: 'add', values: ['x'] }], READ_ONLY_OTDS_ATTRIBUTES),
		).toThrow(/maintains itself/);
		expect(() => checkChanges([{ attribute: 'title', action: 'add', values: [] }], READ_ONLY_OTDS_ATTRIBUTES)).toThrow(
			/adds no value/,
		);
		expect(() =>
			checkChanges([{ attribute: 'title', action: 'replace' as never, values: ['x'] }], READ_ONLY_OTDS_ATTRIBUTES),
		).toThrow(/unknown action/);
		expect(() =>
			checkChanges([{ attribute: 'title', action: 'set', values: [1 as never] }], READ_ONLY_OTDS_ATTRIBUTES),
		).toThrow(/text values/);
	});
});
