/**
 * The trigger's parameters → the change strategy that watches the directory (n8n-free core in
 * core/changes/), plus a way to make a realistic sample event for the editor's "Fetch Test Event".
 */
import type { IDataObject, IPollFunctions } from 'n8n-workflow';

import { createLdapChangeStrategy, type LdapStrategyChoice } from '../../core/changes/auto';
import { DirectorySnapshotStrategy } from '../../core/changes/directory-snapshot';
import type { DirectoryEvent, DirectoryEventType } from '../../core/changes/events';
import { DEFAULT_EXISTING_LIMIT } from '../../core/changes/existing';
import type { ChangeStrategy } from '../../core/changes/strategy';
import type { DirectoryBackend } from '../../core/directory/backend';
import { LdapDirectory } from '../../core/ldap/directory';
import { escapeFilterValue } from '../../core/ldap/escape';
import { allOf, anyOf, conditionFilter, type AttributeCondition } from '../../core/ldap/filter';
import type { FlavourProfile } from '../../core/ldap/flavours';
import { readAttributeSchema, type AttributeSchema, type TypedAttribute } from '../../core/ldap/schema';
import type { LdapSession } from '../../transport/ldap/session';
import { normalizeOtdsBaseUrl } from '../../core/otds/auth';
import { attributeMappingOf, otdsFieldMapOf, privilegedGroupsOf, semicolonList, splitList } from '../shared/directory-source';
import { toNodeError } from '../shared/errors';
import { openLdapContext } from '../shared/ldap';
import { OTDS_CREDENTIAL, openOtdsDirectory } from '../shared/otds';

export interface Watch {
	strategy: ChangeStrategy;
	/** Why this strategy (Auto says what it found on the server). */
	reason: string;
	/** The directory itself, for the sample event. */
	backend: DirectoryBackend;
	server: string;
	close(): Promise<void>;
}


/** Schemas read lately, by server: a schema changes rarely, and reading it costs a big entry. */
const schemaCache = new Map<string, { schema: AttributeSchema | undefined; readAt: number }>();
const SCHEMA_MAX_AGE_MS = 60 * 60 * 1000;

/** Refuses attribute names the server's schema does not know (a typo would silently match nobody). */
async function checkTypedAttributes(session: LdapSession, attributes: TypedAttribute[]): Promise<void> {
	if (attributes.length === 0) return;
	let cached = schemaCache.get(session.server);
	if (cached === undefined || Date.now() - cached.readAt > SCHEMA_MAX_AGE_MS) {
		cached = { schema: await readAttributeSchema(session), readAt: Date.now() };
		schemaCache.set(session.server, cached);
	}
	cached.schema?.check(attributes);
}

/** A filter typed in the editor, in parentheses; empty when none. */
function typedFilter(text: unknown): string {
	const trimmed = String(text ?? '').trim();
	return trimmed === '' || trimmed.startsWith('(') ? trimmed : `(${trimmed})`;
}

/** AND of the non-empty parts; undefined when there is none. */
function allOfPresent(parts: string[]): string | undefined {
	const present = parts.filter((part) => part !== '');
	return present.length === 0 ? undefined : allOf(present);
}

export async function openWatch(context: IPollFunctions): Promise<Watch> {
	const source = context.getNodeParameter('source') as 'ldap' | 'otdsRest';
	const options = context.getNodeParameter('options', {}) as IDataObject;
	const conditions = context.getNodeParameter('segment.condition', []) as AttributeCondition[];
	const eventTypes = context.getNodeParameter('events', []) as DirectoryEventType[];
	const extraAttributes = splitList(options.additionalAttributes as string | undefined);
	const emit = {
		eventTypes,
		groupMembers: options.groupMembers !== false,
		bulkThreshold: Number(options.bulkThreshold ?? 100),
		emitExisting: options.emitExisting === true,
		existingLimit: Number(options.existingLimit ?? DEFAULT_EXISTING_LIMIT),
	};

	if (source === 'otdsRest') {
		const credentials = await context.getCredentials(OTDS_CREDENTIAL);
		const server = normalizeOtdsBaseUrl(String(credentials.serverUrl ?? ''));
		const partition = String(options.partition ?? '').trim() || undefined;
		const backend = await openOtdsDirectory(context, {
			partition,
			privilegedGroups: privilegedGroupsOf(options),
			fields: otdsFieldMapOf(String(options.attributeMapping ?? '')),
		});
		const strategy = new DirectorySnapshotStrategy({
			backend,
			server,
			partition,
			userSearch: { conditions, state: 'any', extraAttributes },
			groupNameContains: String(options.groupScope ?? '').trim() || undefined,
			...emit,
		});
		return { strategy, reason: 'OTDS REST: a snapshot of identifiers and change stamps, compared each poll', backend, server, close: async () => {} };
	}

	const ldap = await openLdapContext(context.getNode(), await context.getCredentials('openTextDirectoryLdap'));
	try {
		const baseDN = ldap.settings.baseDN;
		const userBaseDN = String(options.userBaseDN ?? '').trim() || baseDN;
		const groupBaseDN = String(options.groupBaseDN ?? '').trim() || baseDN;
		const segment = conditions.map((condition) => conditionFilter(condition, 'Segment'));
		const groups = semicolonList(options.groupScope);
		const mapping = String(options.attributeMapping ?? '');
		const mappingOf = (profile: FlavourProfile) => attributeMappingOf(mapping, Object.keys(profile.user).filter((field) => field !== 'id'));
		const overrideProfile = (profile: FlavourProfile): FlavourProfile => ({ ...profile, user: { ...profile.user, ...mappingOf(profile) } });
		await checkTypedAttributes(ldap.session, [
			...extraAttributes.map((name) => ({ field: 'Additional Attributes', name })),
			...conditions.map((condition) => ({ field: 'Segment', name: condition.attribute })),
			...Object.values(mappingOf(ldap.profile)).map((name) => ({ field: 'Attribute Mapping', name })),
		]);
		const groupScope = groups.length > 0 ? anyOf(groups.map((name) => `(cn=${escapeFilterValue(name)})`)) : '';
		const { strategy, reason } = await createLdapChangeStrategy({
			session: ldap.session,
			strategy: context.getNodeParameter('strategy', 'auto') as LdapStrategyChoice,
			flavour: ldap.settings.flavour,
			userBaseDN,
			groupBaseDN,
			userFilter: allOfPresent([typedFilter(options.userFilter), ...segment]),
			groupFilter: allOfPresent([typedFilter(options.groupFilter), groupScope]),
			extraAttributes,
			privilegedGroups: privilegedGroupsOf(options),
			accesslogDN: String(options.accesslogDN ?? '').trim() || undefined,
			captureActor: options.captureActor !== false,
			reconcileEvery: Number(options.reconcileEvery ?? 12),
			recordsPerPoll: Number(options.logRecordsPerPoll ?? 5000),
			changelogMaxPerPoll: Number(options.logRecordsPerPoll ?? 5000),
			tombstoneLifetimeDays: Number(options.tombstoneLifetimeDays ?? 0) > 0 ? Number(options.tombstoneLifetimeDays) : undefined,
			profileOverride: mapping.trim() === '' ? undefined : overrideProfile,
			...emit,
		});
		const backend = new LdapDirectory(ldap.session, overrideProfile(ldap.profile), userBaseDN);
		return { strategy, reason, backend, server: ldap.session.server, close: () => ldap.session.close() };
	} catch (error) {
		await ldap.session.close();
		throw toNodeError(context.getNode(), error);
	}
}

/**
 * A realistic event for the editor's "Fetch Test Event" when nothing changed yet: a real person of the
 * directory, shaped exactly like a user.updated event, marked `sample: true`.
 */
export async function sampleEvent(watch: Watch): Promise<DirectoryEvent & { sample: true }> {
	let user: DirectoryEvent['user'];
	for await (const page of watch.backend.searchUsers({ limit: 1 })) {
		user = page[0];
		break;
	}
	const now = new Date().toISOString();
	return {
		id: `sample-${user?.id ?? 'user'}`,
		type: 'user.updated',
		occurredAt: now,
		detectedAt: now,
		source: { kind: watch.backend.kind, server: watch.server, strategy: watch.strategy.name },
		user: user ?? { id: 'sample' },
		// As a hashes-only strategy reports it: the earlier value unknown, so no `before`.
		changes: [{ attribute: 'title', after: user?.title ?? null }],
		sample: true,
	};
}
