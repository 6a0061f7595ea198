/**
 * Audiences: the people a message goes to, chosen by groups (nested), attribute conditions and explicit
 * users, combined as a union or an intersection. Works over any DirectoryBackend (LDAP of any flavour,
 * OTDS REST) and knows nothing of n8n.
 *
 * Streaming: people arrive page by page from the backend and leave page by page; what is kept across
 * pages is only the ids seen (to return each person once, when several sources or explicit users could repeat
 * one) and, for an intersection, the ids of each source that is not streamed: as 96-bit hashes (SeenIds, 24 to
 * 48 bytes per person). An audience of 100,000 people by attribute holds one backend page at a time
 * (bench/groups.bench.ts measures it).
 *
 * Intersection plan: one source is streamed with full entries (the "driver": the conditions when given,
 * else the explicit users, else the first group); every other source is read first into its ids
 * (SeenIds, only the ids asked of the directory), and a driver person is kept when every one has them.
 */
import type { AccountState, DirectoryBackend, GroupKey, UserField, UserFields, UserKey } from './directory/backend';
import { ConfigurationError, NotFoundError } from './errors';
import { isDn, parseDn } from './ldap/dn';
import type { AttributeCondition, ConditionOperator } from './directory/conditions';
import type { DirectoryUser } from './model/directory-user';
import { SeenIds } from './seen-ids';

export interface GroupReference {
	key: GroupKey;
	value: string;
}

export interface UserReference {
	key: UserKey;
	value: string;
}

/** A condition on a DirectoryUser field (mapped to the directory's attribute) or on a directory attribute. */
export interface AudienceCondition {
	/** A person field, e.g. department, location, title, businessUnit; the backend says which attribute holds it. */
	field?: UserField;
	/** Or a directory attribute by its own name, e.g. employeeType. */
	attribute?: string;
	operator: ConditionOperator;
	value?: string;
}

export interface AudienceSpec {
	/** Groups by reference, or as text: a DN when the text is one (`cn=Sales,ou=groups,...`), else a name. */
	groups?: Array<GroupReference | string>;
	/** Expand groups of groups (default true). */
	nested?: boolean;
	/** Conditions that must all hold; together they are one source of the audience. */
	conditions?: AudienceCondition[];
	/** People by reference, or as text: a login name. */
	users?: Array<UserReference | string>;
	/** How the sources combine (default union). */
	combine?: 'union' | 'intersection';
	/** Which accounts to keep (default 'enabled': a disabled account cannot read a message). */
	accountState?: AccountState;
	/** Directory attribute holding push device tokens; returned as `deviceTokens`. */
	deviceTokenAttribute?: string;
	/** More attributes to return in `attributes`. */
	extraAttributes?: string[];
	/** Only these fields of each person are needed (default all): see UserFields. */
	fields?: UserFields;
	/** People per page (default 500). */
	pageSize?: number;
	/** Stop after this many people; 0 or undefined: all. */
	limit?: number;
	/** An explicit user that does not exist: fail (default) or skip. */
	missingUsers?: 'error' | 'skip';
}

/** A person of an audience: a DirectoryUser with the device tokens read from the configured attribute. */
export interface AudienceMember extends DirectoryUser {
	deviceTokens: string[];
}

/** A source of people: one group, the conditions, or the explicit users. */
interface Source {
	describe: string;
	/** Whether one person can come twice from this source. */
	mayRepeat: boolean;
	stream(extraAttributes: string[], fields: UserFields | undefined): AsyncGenerator<DirectoryUser[]>;
}

/** Reads "Finance" as a name and "cn=Finance,ou=groups,dc=example,dc=com" as a DN. */
export function groupReference(reference: GroupReference | string): GroupReference {
	if (typeof reference !== 'string') return reference;
	const text = reference.trim();
	if (text === '') throw new ConfigurationError('Groups', 'contains an empty group name');
	return text.includes('=') && text.includes(',') && isDn(text)
		? { key: 'dn', value: text }
		: { key: 'name', value: text };
}

/** Reads text as a login name. */
export function userReference(reference: UserReference | string): UserReference {
	if (typeof reference !== 'string') return reference;
	const text = reference.trim();
	if (text === '') throw new ConfigurationError('Users', 'contains an empty login name');
	return { key: 'login', value: text };
}

/** Streams the people of an audience, one AudienceMember per person (by id), in pages of at most pageSize. */
export async function* resolveAudience(
	backend: DirectoryBackend,
	spec: AudienceSpec,
): AsyncGenerator<AudienceMember[]> {
	const pageSize = Math.max(1, Math.floor(spec.pageSize ?? 500));
	const limit = spec.limit && spec.limit > 0 ? spec.limit : Infinity;
	const state = spec.accountState ?? 'enabled';
	const tokenAttribute = spec.deviceTokenAttribute?.trim() || undefined;
	const extra = [...new Set([...(spec.extraAttributes ?? []), ...(tokenAttribute ? [tokenAttribute] : [])])];
	const sources = audienceSources(backend, spec, state);
	if (sources.length === 0) throw new ConfigurationError('Audience', 'is empty: give groups, conditions or users');

	let driver: Source;
	let filters: SeenIds[] = [];
	if (spec.combine === 'intersection' && sources.length > 1) {
		driver =
			sources.find((source) => source.describe === 'conditions') ??
			sources.find((source) => source.describe === 'users') ??
			sources[0];
		filters = [];
		for (const source of sources) {
			if (source === driver) continue;
			const ids = new SeenIds();
			for await (const page of source.stream([], [])) for (const user of page) ids.add(user.id);
			filters.push(ids);
		}
	} else {
		driver = sources[0];
	}
	const streamed = spec.combine === 'intersection' ? [driver] : sources;
	// Each person once: the ids seen, unless a single source already guarantees it.
	const seen = streamed.length > 1 || streamed[0].mayRepeat ? new SeenIds() : undefined;
	let page: AudienceMember[] = [];
	let returned = 0;
	for (const source of streamed) {
		for await (const users of source.stream(extra, spec.fields)) {
			for (const user of users) {
				if (!inState(user, state) || !inEvery(filters, user.id)) continue;
				if (seen && !seen.add(user.id)) continue;
				page.push(toMember(user, tokenAttribute));
				returned++;
				if (page.length >= pageSize || returned >= limit) {
					yield page;
					page = [];
				}
				if (returned >= limit) return;
			}
		}
	}
	if (page.length > 0) yield page;
}

function audienceSources(backend: DirectoryBackend, spec: AudienceSpec, state: AccountState): Source[] {
	const pageSize = Math.max(1, Math.floor(spec.pageSize ?? 500));
	const nested = spec.nested ?? true;
	const sources: Source[] = [];
	const groups = (spec.groups ?? []).map(groupReference);
	for (const group of groups) {
		if (group.key === 'dn') parseDn(group.value, 'Groups');
		sources.push({
			describe: 'group',
			mayRepeat: false,
			stream: (extraAttributes, fields) =>
				backend.groupMembers(group.key, group.value, { nested, extraAttributes, fields, pageSize }),
		});
	}
	const conditions = (spec.conditions ?? []).map((condition) => toAttributeCondition(backend, condition));
	if (conditions.length > 0) {
		sources.push({
			describe: 'conditions',
			mayRepeat: false,
			stream: (extraAttributes, fields) =>
				backend.searchUsers({ conditions, state, extraAttributes, fields, pageSize }),
		});
	}
	const users = (spec.users ?? []).map(userReference);
	if (users.length > 0) {
		sources.push({
			describe: 'users',
			mayRepeat: true,
			stream: (extraAttributes) =>
				explicitUsers(backend, users, extraAttributes, pageSize, spec.missingUsers ?? 'error'),
		});
	}
	return sources;
}

function toAttributeCondition(backend: DirectoryBackend, condition: AudienceCondition): AttributeCondition {
	if ((condition.field === undefined) === (condition.attribute === undefined)) {
		throw new ConfigurationError(
			'Conditions',
			'need either a person field (department, location...) or an attribute name, not both',
		);
	}
	const attribute =
		condition.field !== undefined
			? (backend.userAttribute?.(condition.field) ?? condition.field)
			: (condition.attribute as string);
	return { attribute, operator: condition.operator, value: condition.value };
}

async function* explicitUsers(
	backend: DirectoryBackend,
	users: UserReference[],
	extraAttributes: string[],
	pageSize: number,
	missing: 'error' | 'skip',
): AsyncGenerator<DirectoryUser[]> {
	let page: DirectoryUser[] = [];
	for (const reference of users) {
		const user = await backend.getUser(reference.key, reference.value, extraAttributes).catch((error: unknown) => {
			if (error instanceof NotFoundError && missing === 'skip') return undefined;
			throw error;
		});
		if (user === undefined) continue;
		page.push(user);
		if (page.length >= pageSize) {
			yield page;
			page = [];
		}
	}
	if (page.length > 0) yield page;
}

/** Whether every filter has the id (a loop: a closure per person would be allocated per person). */
function inEvery(filters: SeenIds[], id: string): boolean {
	for (const ids of filters) if (!ids.has(id)) return false;
	return true;
}

function inState(user: DirectoryUser, state: AccountState): boolean {
	if (state === 'enabled') return !user.status.disabled;
	if (state === 'disabled') return user.status.disabled;
	return true;
}

/**
 * The person with their device tokens. The backend's user is fresh and the resolver's own: the tokens are added to
 * it, not to a copy (a copy of its seventeen fields per person was a sixth of what a large send allocated).
 */
function toMember(user: DirectoryUser, tokenAttribute: string | undefined): AudienceMember {
	let deviceTokens: string[] = [];
	if (tokenAttribute !== undefined) {
		const key = Object.keys(user.attributes).find((name) => name.toLowerCase() === tokenAttribute.toLowerCase());
		const values = key === undefined ? [] : user.attributes[key];
		deviceTokens = Array.isArray(values) ? values : [values];
	}
	const member = user as AudienceMember;
	member.deviceTokens = deviceTokens;
	return member;
}
