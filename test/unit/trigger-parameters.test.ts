/** The trigger's parameters → the core's watch options (nodes/OpenTextDirectoryServicesTrigger/parameters.ts), without n8n. */
import { DEFAULT_EXISTING_LIMIT } from '../../core/changes/existing';
import { ConfigurationError } from '../../core/errors';
import { pollDeadlineMsOf, watchOptionsOf } from '../../nodes/OpenTextDirectoryServicesTrigger/parameters';

describe('trigger parameters → watch options', () => {
	it('LDAP with nothing set: Auto, the credential base, all groups, the documented defaults', () => {
		expect(watchOptionsOf({ source: 'ldap' })).toEqual({
			source: 'ldap',
			watch: {
				conditions: [],
				extraAttributes: [],
				privilegedGroups: [],
				eventTypes: [],
				groupMembers: true,
				bulkThreshold: 100,
				emitExisting: false,
				existingLimit: DEFAULT_EXISTING_LIMIT,
				strategy: 'auto',
				userBaseDN: undefined,
				groupBaseDN: undefined,
				userFilter: undefined,
				groupFilter: undefined,
				groupNames: [],
				attributeMapping: {},
				accesslogDN: undefined,
				captureActor: true,
				reconcileEvery: 12,
				logRecordsPerPoll: 5000,
				tombstoneLifetimeDays: undefined,
			},
		});
	});

	it('LDAP options: trimmed DNs, filters in parentheses, lists split, numbers read, mapping checked', () => {
		const { source, watch } = watchOptionsOf({
			source: 'ldap',
			strategy: 'accesslog',
			events: ['user.updated', 'group.memberAdded'],
			conditions: [{ attribute: 'l', operator: 'equals', value: 'Berlin' }],
			options: {
				userBaseDN: ' ou=people,dc=example,dc=com ',
				groupBaseDN: '  ',
				userFilter: 'employeeType=staff',
				groupFilter: ' (cn=team-*) ',
				groupScope: 'Sales; Engineering, Berlin ;',
				privilegedGroups: 'cn=admins,ou=groups,dc=example,dc=com; Auditors',
				additionalAttributes: 'employeeType, description;lang-en ,',
				attributeMapping: 'login=cn, businessUnit = departmentNumber',
				accesslogDN: ' cn=log ',
				captureActor: false,
				groupMembers: false,
				bulkThreshold: '5',
				emitExisting: true,
				existingLimit: 20,
				reconcileEvery: 0,
				logRecordsPerPoll: 250,
				tombstoneLifetimeDays: 180,
			},
		});
		expect(source).toBe('ldap');
		expect(watch).toMatchObject({
			strategy: 'accesslog',
			eventTypes: ['user.updated', 'group.memberAdded'],
			conditions: [{ attribute: 'l', operator: 'equals', value: 'Berlin' }],
			userBaseDN: 'ou=people,dc=example,dc=com',
			groupBaseDN: undefined,
			userFilter: '(employeeType=staff)',
			groupFilter: '(cn=team-*)',
			// Group names may hold commas: the list is split at semicolons only.
			groupNames: ['Sales', 'Engineering, Berlin'],
			privilegedGroups: ['cn=admins,ou=groups,dc=example,dc=com', 'Auditors'],
			extraAttributes: ['employeeType', 'description;lang-en'],
			attributeMapping: { login: 'cn', businessUnit: 'departmentNumber' },
			accesslogDN: 'cn=log',
			captureActor: false,
			groupMembers: false,
			bulkThreshold: 5,
			emitExisting: true,
			existingLimit: 20,
			reconcileEvery: 0,
			logRecordsPerPoll: 250,
			tombstoneLifetimeDays: 180,
		});
	});

	it('a tombstone lifetime of 0 or less means "read it from the forest"', () => {
		const lifetime = (days: unknown) => {
			const request = watchOptionsOf({ source: 'ldap', options: { tombstoneLifetimeDays: days } });
			return request.source === 'ldap' ? request.watch.tombstoneLifetimeDays : 'not ldap';
		};
		expect(lifetime(0)).toBeUndefined();
		expect(lifetime(-3)).toBeUndefined();
		expect(lifetime(90)).toBe(90);
	});

	it('OTDS REST: partition, group scope as one "contains" text, field overrides for the directory', () => {
		const request = watchOptionsOf({
			source: 'otdsRest',
			conditions: [{ attribute: 'oTDepartment', operator: 'equals', value: 'Sales' }],
			options: {
				partition: ' Staff ',
				groupScope: ' Sales; Ops ',
				attributeMapping: 'businessUnit=oTExtraAttr3',
				additionalAttributes: 'oTExtraAttr9',
				privilegedGroups: 'Admins@Staff',
			},
		});
		expect(request).toEqual({
			source: 'otdsRest',
			watch: {
				conditions: [{ attribute: 'oTDepartment', operator: 'equals', value: 'Sales' }],
				extraAttributes: ['oTExtraAttr9'],
				privilegedGroups: ['Admins@Staff'],
				eventTypes: [],
				groupMembers: true,
				bulkThreshold: 100,
				emitExisting: false,
				existingLimit: DEFAULT_EXISTING_LIMIT,
				partition: 'Staff',
				groupNameContains: 'Sales; Ops',
			},
			fields: { businessUnit: 'oTExtraAttr3' },
		});
		expect(watchOptionsOf({ source: 'otdsRest', options: { partition: ' ', groupScope: '' } })).toMatchObject({
			watch: { partition: undefined, groupNameContains: undefined },
		});
	});

	it('an Attribute Mapping that is not field=attribute, or names a field that cannot be mapped, is refused naming the field', () => {
		expect(() => watchOptionsOf({ source: 'ldap', options: { attributeMapping: 'mobile' } })).toThrow(
			ConfigurationError,
		);
		expect(() => watchOptionsOf({ source: 'ldap', options: { attributeMapping: 'mobile' } })).toThrow(
			/^Attribute Mapping has "mobile": write field=attribute/,
		);
		// The identifier is the profile's own; OTDS REST takes id and login from the object itself.
		expect(() => watchOptionsOf({ source: 'ldap', options: { attributeMapping: 'id=uid' } })).toThrow(
			/^Attribute Mapping names the unknown field "id": use one of login, mail, displayName,/,
		);
		expect(() => watchOptionsOf({ source: 'otdsRest', options: { attributeMapping: 'login=cn' } })).toThrow(
			/^Attribute Mapping names the unknown field "login": use one of mail, displayName,/,
		);
		expect(() => watchOptionsOf({ source: 'ldap', options: { attributeMapping: 'mobile=mo)(bile' } })).toThrow(
			/^Attribute Mapping "mo\)\(bile" is not a valid LDAP attribute name/,
		);
	});
});

describe('Poll Deadline (Minutes)', () => {
	it('defaults to an hour, and refuses what is not a positive number, naming the field', () => {
		expect(pollDeadlineMsOf({})).toBe(60 * 60 * 1000);
		expect(pollDeadlineMsOf({ pollDeadlineMinutes: 5 })).toBe(5 * 60 * 1000);
		for (const bad of [0, -1, 'soon', Number.NaN]) {
			expect(() => pollDeadlineMsOf({ pollDeadlineMinutes: bad })).toThrow(/^Poll Deadline \(Minutes\)/);
		}
	});
});
