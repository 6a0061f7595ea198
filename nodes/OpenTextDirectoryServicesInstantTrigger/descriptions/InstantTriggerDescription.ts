/**
 * The instant trigger's parameters: the polling trigger's own (events, change detection, segment, options),
 * for LDAP only, plus how to listen. Derived from TriggerDescription.ts, so both triggers stay alike.
 */
import type { INodeProperties, INodePropertyCollection, INodePropertyOptions } from 'n8n-workflow';

import { CANNOT_LISTEN_FIELD } from '../../../core/changes/ldap/listen/choose';
import { triggerProperties } from '../../OpenTextDirectoryServicesTrigger/descriptions/TriggerDescription';
import { DEFAULT_READ_INTERVAL_SECONDS, DEFAULT_SAFETY_READ_MINUTES } from '../parameters';

type Option = INodeProperties | INodePropertyOptions | INodePropertyCollection;

/** Whether an option is shown for the LDAP source (options shown only for OTDS REST are left out). */
const shownForLdap = (option: Option): boolean => {
	const show = 'displayOptions' in option ? option.displayOptions?.show : undefined;
	const sources = show?.source ?? show?.['/source'];
	return sources === undefined || sources.includes('ldap');
};

const listenOptions: INodeProperties[] = [
	{
		displayName: CANNOT_LISTEN_FIELD,
		name: 'cannotListen',
		type: 'options',
		default: 'fail',
		options: [
			{
				name: 'Fail',
				value: 'fail',
				description: 'Activation fails with what the directory administrator must enable',
			},
			{
				name: 'Read at an Interval',
				value: 'readAtInterval',
				description: 'Reads changes every few seconds instead (Read Interval)',
			},
		],
		description:
			'What to do when the server cannot announce changes (OpenLDAP without the syncprov overlay, persistent searches not allowed, notifications refused)',
	},
	{
		displayName: 'Read Interval (Seconds)',
		name: 'readIntervalSeconds',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: DEFAULT_READ_INTERVAL_SECONDS,
		description: 'With Read at an Interval: how often a server that cannot listen is read',
	},
	{
		displayName: 'Safety Read (Minutes)',
		name: 'safetyReadMinutes',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: DEFAULT_SAFETY_READ_MINUTES,
		description: 'Reads changes when nothing was announced for this long, in case an announcement was lost on the way',
	},
];

/** The polling trigger's options as the listening trigger reads them: it reconciles every N minutes, not polls. */
const forListening = (option: Option): Option =>
	'name' in option && option.name === 'reconcileEvery'
		? {
				...option,
				displayName: 'Reconcile Every N Minutes',
				description:
					'Timestamp, changelog and USN strategies compare a full snapshot this often, to catch what they cannot see (deletes, memberOf writes); on a timer of its own, so that no announced change waits for it. 0: never.',
			}
		: option;

export const instantTriggerProperties: INodeProperties[] = [
	{
		displayName:
			'Listens to the LDAP directory and starts the workflow within a second of a change. OTDS REST has no change feed: to watch it, use the OpenText Directory Services Trigger, which reads it every minute.',
		name: 'notice',
		type: 'notice',
		default: '',
	},
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
				description:
					'OpenLDAP (syncprov), 389 DS or OpenDJ (persistent search), Active Directory (change notification)',
			},
		],
		description: 'Which directory to listen to',
	},
	...triggerProperties
		.filter((property) => property.name !== 'source' && shownForLdap(property))
		.map((property) =>
			property.name === 'options'
				? {
						...property,
						options: [...(property.options ?? []).filter(shownForLdap).map(forListening), ...listenOptions].sort(
							(a, b) =>
								String('displayName' in a ? a.displayName : a.name).localeCompare(
									String('displayName' in b ? b.displayName : b.name),
								),
						),
					}
				: property,
		),
];
