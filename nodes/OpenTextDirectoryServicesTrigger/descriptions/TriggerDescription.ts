/** The trigger's parameters: where to watch, which events, how changes are found, and what to add. */
import type { INodeProperties } from 'n8n-workflow';

import { DIRECTORY_EVENT_TYPES } from '../../../core/changes/events';
import { DEFAULT_EXISTING_LIMIT } from '../../../core/changes/existing';
import { operatorOptions } from '../../OpenTextDirectoryServices/descriptions/common';
import { sourceProperty } from '../../shared/directory-node';

const ldapOnly = { show: { source: ['ldap'] } };

/** "user.passwordResetRequired" → "User Password Reset Required". */
function eventLabel(type: string): string {
	const [kind, name] = type.split('.');
	const words = name.replace(/([A-Z])/g, ' $1');
	return `${kind[0].toUpperCase()}${kind.slice(1)} ${words[0].toUpperCase()}${words.slice(1)}`;
}

export const triggerProperties: INodeProperties[] = [
	sourceProperty('Which directory to watch'),
	{
		displayName: 'Events',
		name: 'events',
		type: 'multiOptions',
		// Empty means every event (core/changes/state.ts): the common case, without a wall of 17 chips.
		default: [],
		options: DIRECTORY_EVENT_TYPES.map((type) => ({ name: eventLabel(type), value: type })),
		description: 'Which events start the workflow; empty: every event. The event type is in each item\'s "type".',
	},
	{
		displayName: 'Change Detection',
		name: 'strategy',
		type: 'options',
		default: 'auto',
		displayOptions: ldapOnly,
		options: [
			{
				name: 'Active Directory USN',
				value: 'adUsn',
				description: 'Reads uSNChanged on one domain controller, deleted objects for deletes',
			},
			{ name: 'Auto', value: 'auto', description: "The best the server offers, named in each event's source.strategy" },
			{ name: 'Changelog (389 DS, OpenDJ)', value: 'changelog', description: 'Reads cn=changelog by change number' },
			{
				name: 'Full Snapshot',
				value: 'snapshot',
				description: "Compares every entry's identifier and change stamp each poll; works everywhere",
			},
			{
				name: 'Modify Timestamp',
				value: 'timestamp',
				description:
					'Entries whose change stamp moved; deletes are found by reconciliation. Index the stamp (OpenLDAP: entryCSN) to keep polls cheap.',
			},
			{
				name: 'OpenLDAP Accesslog',
				value: 'accesslog',
				description: 'Reads cn=accesslog: every change, with who made it',
			},
		],
		description: 'How changes are found. Log-based strategies also see changes between polls that cancel out.',
	},
	{
		displayName: 'Segment',
		name: 'segment',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Condition',
		default: {},
		description: 'Only watch people whose attributes meet all of these conditions, e.g. department equals Finance',
		options: [
			{
				name: 'condition',
				displayName: 'Condition',
				values: [
					{
						displayName: 'Attribute',
						name: 'attribute',
						type: 'string',
						default: '',
						placeholder: 'department',
						description: 'Directory attribute name',
					},
					{
						displayName: 'Operator',
						name: 'operator',
						type: 'options',
						default: 'equals',
						options: operatorOptions,
						description: 'How the attribute is compared',
					},
					{
						displayName: 'Value',
						name: 'value',
						type: 'string',
						default: '',
						displayOptions: { hide: { operator: ['present', 'notPresent'] } },
						description: 'Matched literally',
					},
				],
			},
		],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Accesslog DN',
				name: 'accesslogDN',
				type: 'string',
				default: 'cn=accesslog',
				displayOptions: { show: { '/source': ['ldap'] } },
				description: "Suffix of OpenLDAP's accesslog database",
			},
			{
				displayName: 'Additional Attributes',
				name: 'additionalAttributes',
				type: 'string',
				default: '',
				placeholder: 'employeeType, preferredLanguage',
				description: 'Comma-separated attributes to watch and include in events under user.attributes',
			},
			{
				displayName: 'Attribute Mapping',
				name: 'attributeMapping',
				type: 'string',
				default: '',
				placeholder: 'department=division, mobile=telephoneNumber',
				description:
					"Where your directory keeps a person field, as field=attribute pairs separated by commas (overrides the flavour's mapping)",
			},
			{
				displayName: 'Bulk Change Threshold',
				name: 'bulkThreshold',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 100,
				description:
					'When one poll sees more changes than this, a "directory.bulkChange" summary is emitted too (0: never)',
			},
			{
				displayName: 'Capture Actor',
				name: 'captureActor',
				type: 'boolean',
				default: true,
				displayOptions: { show: { '/source': ['ldap'] } },
				description: 'Whether to report who made each change, where the strategy knows it (accesslog)',
			},
			{
				displayName: 'Emit Existing Entries on First Poll',
				name: 'emitExisting',
				type: 'boolean',
				default: false,
				description:
					'Whether the first poll (which records the starting point) also emits a "user.created" or "group.created" item, marked "existing": true, for every user and group already in scope. Groups come without their members. Off: the first poll emits nothing.',
			},
			{
				displayName: 'Existing Entries Limit',
				name: 'existingLimit',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: DEFAULT_EXISTING_LIMIT,
				description:
					'With Emit Existing Entries on First Poll: the most users and groups the first poll may emit (n8n holds all items of one poll in memory). A larger scope fails the first poll with an error and emits nothing, so that nothing is silently left out.',
			},
			{
				displayName: 'Group Base DN',
				name: 'groupBaseDN',
				type: 'string',
				default: '',
				placeholder: 'ou=groups,dc=example,dc=com',
				displayOptions: { show: { '/source': ['ldap'] } },
				description: "Where groups are watched; empty: the credential's Base DN",
			},
			{
				displayName: 'Group Filter',
				name: 'groupFilter',
				type: 'string',
				default: '',
				placeholder: '(businessCategory=IT)',
				displayOptions: { show: { '/source': ['ldap'] } },
				description:
					'An LDAP filter that groups must also match to be watched (RFC 4515, e.g. (businessCategory=IT)); combined with Group Scope. Empty: every group under Group Base DN.',
			},
			{
				displayName: 'Group Scope',
				name: 'groupScope',
				type: 'string',
				default: '',
				placeholder: 'Finance; Domain Admins',
				description:
					'Only watch these groups (names separated by semicolons; OTDS REST: names containing this text). Empty: all groups.',
			},
			{
				displayName: 'Include Groups as Members',
				name: 'groupMembers',
				type: 'boolean',
				default: true,
				description:
					'Whether a group joining or leaving a group (nested membership) is emitted, as group.memberAdded / group.memberRemoved with "memberGroup" instead of "user". Turn off when the workflow addresses the member as a person.',
			},
			{
				displayName: 'Keep Snapshot In',
				name: 'snapshotStorage',
				type: 'options',
				default: 'workflow',
				options: [
					{
						name: 'Workflow Static Data',
						value: 'workflow',
						description:
							'Survives restarts. n8n writes it to its database after every read that emits and copies it into every execution it saves: about 23 bytes a person (22 MB at a million).',
					},
					{
						name: 'Process Memory',
						value: 'process',
						description:
							'For large directories: only the cursor is stored, a few kilobytes. After n8n restarts, or another main instance takes over, the first read starts over from the directory as it is and emits directory.resync: changes made in between are not reported one by one.',
					},
				],
				description: 'Where the snapshot the trigger compares the directory with is kept between reads',
			},
			{
				displayName: 'Log Records per Poll',
				name: 'logRecordsPerPoll',
				type: 'number',
				typeOptions: { minValue: 100 },
				default: 5000,
				displayOptions: { show: { '/source': ['ldap'] } },
				description:
					'Accesslog and changelog strategies: the most log records one poll reads. A longer backlog (after a pause, or a bulk import) is caught up over the next polls, in order, so one poll never holds it all in memory.',
			},
			{
				displayName: 'Partition',
				name: 'partition',
				type: 'string',
				default: '',
				placeholder: 'Content Server Members',
				displayOptions: { show: { '/source': ['otdsRest'] } },
				description: 'The OTDS partition to watch; empty: every partition the account can see',
			},
			{
				displayName: 'Poll Deadline (Minutes)',
				name: 'pollDeadlineMinutes',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 60,
				description:
					'A poll still running after this long fails (nothing emitted, the stored state kept), whatever each request does',
			},
			{
				displayName: 'Privileged Groups',
				name: 'privilegedGroups',
				type: 'string',
				default: '',
				placeholder: 'Domain Admins; cn=otadmins,ou=groups,dc=example,dc=com',
				description: 'Group names or DNs (separated by semicolons) whose events carry group.privileged: true',
			},
			{
				displayName: 'Reconcile Every N Polls',
				name: 'reconcileEvery',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 12,
				displayOptions: { show: { '/source': ['ldap'] } },
				description:
					'Timestamp, changelog and USN strategies compare a full snapshot this often, to catch what they cannot see (deletes, memberOf writes). 0: never.',
			},
			{
				displayName: 'Tombstone Lifetime (Days)',
				name: 'tombstoneLifetimeDays',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				displayOptions: { show: { '/source': ['ldap'], '/strategy': ['adUsn', 'auto'] } },
				description:
					'Active Directory USN strategy: how long the forest keeps deleted objects. 0: read it from the directory (tombstoneLifetime; 60 days when unreadable). A gap between polls longer than this reconciles against the snapshot, since deletions older than it can no longer be seen.',
			},
			{
				displayName: 'User Base DN',
				name: 'userBaseDN',
				type: 'string',
				default: '',
				placeholder: 'ou=people,dc=example,dc=com',
				displayOptions: { show: { '/source': ['ldap'] } },
				description: "Where users are watched; empty: the credential's Base DN",
			},
			{
				displayName: 'User Filter',
				name: 'userFilter',
				type: 'string',
				default: '',
				placeholder: '(employeeType=Employee)',
				displayOptions: { show: { '/source': ['ldap'] } },
				description:
					'An LDAP filter that users must also match to be watched (RFC 4515, e.g. (employeeType=Employee)); combined with Segment. Empty: every user under User Base DN.',
			},
		],
	},
];
