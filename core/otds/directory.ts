/**
 * OtdsDirectory: the DirectoryBackend over OTDS REST (modern OTDS, no LDAP listener), for the directory
 * node, the audience resolver and the acknowledgment write-back. It works over an already authenticated
 * HttpTransport (n8n's request helper with the OTDS credential, or OtdsAuthenticatingTransport outside n8n).
 *
 * Keys: getUser('login', x) takes the OTDS id `name@partition` (a bare name gets `@<partition>` when a
 * partition is configured); 'id' is the uuid; 'dn' the location; 'mail' the mail address. Groups: 'id' is
 * `name@partition`, 'name' the name, 'dn' the location. See mapping.ts for what each field holds.
 *
 * Retries: reads are retried on 429 (after Retry-After), 502/503/504 and broken connections. Writes here
 * are all idempotent by construction (PATCH/PUT carry the complete new value list of each attribute;
 * membership add/remove are set operations), so they are retried on the same conditions: sending one
 * twice leaves the same state. A write that was not idempotent would only be retried on 429 or a refused
 * connection, where the server certainly did nothing (transport/http/retry.ts).
 */
import { ConfigurationError, NotFoundError, RequestError } from '../errors';
import type {
	AttributeChange,
	DirectMembersPage,
	DirectoryBackend,
	GroupKey,
	GroupSearch,
	MemberListing,
	MembershipChange,
	UserField,
	UserKey,
	UserSearch,
} from '../directory/backend';
import type { DirectoryGroup } from '../model/directory-group';
import type { DirectoryUser } from '../model/directory-user';
import type { RetryPolicy } from '../../transport/http/retry';
import type { HttpTransport, QueryValue } from '../../transport/http/types';
import { normalizeOtdsBaseUrl } from './auth';
import { OtdsRestClient } from './client';
import { checkConditions, checkOtdsAttributeName, matchesAll, serverTextFilter } from './conditions';
import { refuseSecretAttribute } from '../directory/attribute-names';
import {
	DEFAULT_OTDS_FIELDS,
	DEFAULT_STATUS_ATTRIBUTES,
	READ_ONLY_OTDS_ATTRIBUTES,
	groupKeys,
	memberOfKeys,
	normalizeDn,
	parseOtdsObject,
	readStatus,
	toDirectoryGroup,
	toDirectoryUser,
	type OtdsFieldMap,
	type OtdsObject,
	type OtdsStatusAttributes,
} from './mapping';
import { OtdsLookups } from './lookups';
import {
	MembersEndpointMissing,
	directMembersDerived,
	directMembersViaEndpoint,
	membersDerived,
	membersViaEndpoint,
	type MemberContext,
} from './members';
import { checkChanges, patchBody, putBody } from './writes';
import { OtdsManagement } from './management';
import type {
	DirectoryManagement,
	GroupManagementResult,
	GroupRef,
	NewGroup,
	NewUser,
	PresenceOptions,
	UserManagementResult,
	UserMove,
	UserRef,
} from '../directory/management';

export interface OtdsDirectoryOptions {
	/** e.g. https://otds.example.com/otdsws */
	baseUrl: string;
	/** The user partition to work in, e.g. 'Content Server Members'. Empty: all partitions the account sees. */
	partition?: string;
	/** How group members are listed (default 'auto': the members endpoint, else derived from oTMemberOf). */
	membersEndpoint?: 'auto' | 'groupsMembers' | 'derived';
	/** In derived mode, where a group's parent groups are read: its oTMemberOf (default) or GET /groups/{id}/memberof. */
	derivedGroupParents?: 'oTMemberOf' | 'memberof';
	/** Attribute write-back: PATCH with the changed attributes (default, as pyxecm) or PUT with all writable ones. */
	writeMethod?: 'PATCH' | 'PUT';
	/** Names, ids (name@partition), locations or uuids of the groups that grant privileges. */
	privilegedGroups?: string[];
	/** Attribute mapping overrides, e.g. { businessUnit: 'oTExtraAttr3' }. */
	fields?: Partial<OtdsFieldMap>;
	/**
	 * The attributes of the account flags (read: any one "true" sets the flag; written by the management operations:
	 * the first of a list to set it, every one that reads true to clear it). Which ones OTDS honours when written is
	 * not public: the defaults are the names seen on real users.
	 */
	statusAttributes?: Partial<OtdsStatusAttributes>;
	/** Attributes where_filter is taken to search for users (default name, cn, mail, displayName). [] never uses it. */
	userFilterAttributes?: string[];
	/** Same for groups (default name, cn, description). */
	groupFilterAttributes?: string[];
	/** where_location for user searches (an OU DN). */
	userLocation?: string;
	groupLocation?: string;
	/** Ask for attrsAsKeys=true (default true); either answer shape is read. */
	attributesAsKeys?: boolean;
	/** Default page size (default 250, OTDS's own default). */
	pageSize?: number;
	retry?: RetryPolicy;
	timeoutMs?: number;
	/** Pages one listing may take (default 10,000): the OTDS credential's Max Pages per Listing. */
	maxPages?: number;
	/** Check once that the partition exists (GET /rest/partitions/{name}) for a clear error (default true). */
	checkPartition?: boolean;
}

export class OtdsDirectory implements DirectoryBackend, DirectoryManagement {
	readonly kind = 'otdsRest' as const;
	readonly client: OtdsRestClient;
	private readonly partition?: string;
	private readonly fields: OtdsFieldMap;
	private readonly status: OtdsStatusAttributes;
	private readonly privileged: Set<string>;
	/** The privileged groups as oTMemberOf keys: a short DN (oTGroup=<uuid>,dc=...) matches the group of that uuid. */
	private readonly privilegedKeys: Set<string>;
	private membersMode: 'auto' | 'groupsMembers' | 'derived';
	private readonly lookups: OtdsLookups;
	private readonly management: OtdsManagement;

	constructor(
		transport: HttpTransport,
		private readonly options: OtdsDirectoryOptions,
	) {
		this.client = new OtdsRestClient(transport, {
			baseUrl: normalizeOtdsBaseUrl(options.baseUrl),
			retry: options.retry,
			timeoutMs: options.timeoutMs,
			maxPages: options.maxPages,
		});
		this.partition = options.partition?.trim() || undefined;
		for (const name of Object.values(options.fields ?? {})) refuseSecretAttribute(String(name), 'Attribute Mapping');
		this.fields = { ...DEFAULT_OTDS_FIELDS, ...(options.fields ?? {}) };
		this.status = { ...DEFAULT_STATUS_ATTRIBUTES, ...(options.statusAttributes ?? {}) };
		this.privileged = new Set((options.privilegedGroups ?? []).map((name) => normalizeDn(name)));
		this.privilegedKeys = new Set(
			(options.privilegedGroups ?? []).flatMap(memberOfKeys).filter((key) => key.startsWith('uuid:')),
		);
		this.membersMode = options.membersEndpoint ?? 'auto';
		this.lookups = new OtdsLookups(this.client, {
			partition: this.partition,
			mailAttribute: this.fields.mail,
			userFilterAttributes: options.userFilterAttributes ?? ['name', 'cn', 'mail', 'displayName'],
			groupFilterAttributes: options.groupFilterAttributes ?? ['name', 'cn', 'description'],
			attributesAsKeys: options.attributesAsKeys ?? true,
			pageSize: options.pageSize ?? 250,
			checkPartition: options.checkPartition ?? true,
		});
		this.management = new OtdsManagement({
			client: this.client,
			lookups: this.lookups,
			partition: this.partition,
			fields: this.fields,
			status: this.status,
			toUser: (user) => this.toUser(user, []),
			toGroup: (group) => this.toGroup(group, []),
		});
		if (!['auto', 'groupsMembers', 'derived'].includes(this.membersMode)) {
			throw new ConfigurationError('Group Members Source', `has an unknown value "${this.membersMode}"`);
		}
		if (options.writeMethod && options.writeMethod !== 'PATCH' && options.writeMethod !== 'PUT') {
			throw new ConfigurationError('Write Method', 'must be PATCH or PUT');
		}
	}

	/** Who the transport is signed in as: GET /rest/currentuser (what a credential test calls). */
	async currentUser(): Promise<{ id: string; name: string; isAdmin: boolean }> {
		const body = await this.client.getJson(['currentuser'], { what: 'read the signed-in user' });
		const user = parseOtdsObject(body.user);
		if (!user)
			throw new RequestError('protocol', 'OTDS answered /rest/currentuser without a user', 'Check the Server URL');
		return { id: user.id, name: user.name, isAdmin: body.isAdmin === true };
	}

	/** The names of the partitions the signed-in account can see: GET /rest/partitions. */
	async partitions(): Promise<string[]> {
		const body = await this.client.getJson(['partitions'], { what: 'list the partitions' });
		const list = Array.isArray(body.partitions) ? body.partitions : [];
		return list
			.map((partition) =>
				typeof partition === 'object' && partition !== null ? String((partition as { name?: unknown }).name ?? '') : '',
			)
			.filter((name) => name !== '')
			.sort((a, b) => a.localeCompare(b));
	}

	// ---- users ---------------------------------------------------------------------------------------

	async getUser(key: UserKey, value: string, extraAttributes: string[] = []): Promise<DirectoryUser> {
		const extra = this.checkExtra(extraAttributes);
		return this.toUser(await this.lookups.findUser(key, value), extra);
	}

	async *searchUsers(search: UserSearch = {}): AsyncGenerator<DirectoryUser[]> {
		const conditions = checkConditions(search.conditions);
		const extra = this.checkExtra(search.extraAttributes ?? []);
		const state = search.state ?? 'any';
		const limit = search.limit && search.limit > 0 ? search.limit : Infinity;
		const filter = serverTextFilter(
			conditions,
			this.options.userFilterAttributes ?? ['name', 'cn', 'mail', 'displayName'],
		);
		const qs: Record<string, QueryValue> = {
			where_filter: filter,
			where_state: state === 'any' ? undefined : state,
			where_location: this.options.userLocation,
			page_size: this.lookups.pageSize(search.pageSize, limit),
			// The server may only cut the list when every condition is its own (none here).
			limit: conditions.length === 0 && Number.isFinite(limit) ? limit : undefined,
		};
		let returned = 0;
		for await (const page of this.lookups.listPages('users', qs, 'search users')) {
			const users = page
				.filter((user) => state === 'any' || readStatus(user, this.status).disabled === (state === 'disabled'))
				.filter((user) => matchesAll(user, conditions))
				.slice(0, limit - returned)
				.map((user) => this.toUser(user, extra));
			returned += users.length;
			if (users.length > 0) yield users;
			if (returned >= limit) return;
		}
	}

	async updateUserAttributes(key: UserKey, value: string, changes: AttributeChange[]): Promise<DirectoryUser> {
		const checked = checkChanges(changes, READ_ONLY_OTDS_ATTRIBUTES);
		const user = await this.lookups.findUser(key, value);
		const method = this.options.writeMethod ?? 'PATCH';
		// A PUT carries the whole user as GET returns it (values as a list), changed; a PATCH only what changes.
		const json =
			method === 'PUT'
				? putBody(
						await this.client.getJson(['users', user.id], {
							what: `read user "${user.id}"`,
							notFound: () => new NotFoundError(`User "${user.id}" no longer exists in OTDS`),
						}),
						checked,
					)
				: patchBody(user, checked, user.partition ?? this.partition);
		await this.client.call(method, ['users', user.id], {
			json,
			safety: 'idempotentWrite',
			what: `update attributes of user "${user.id}"`,
			notFound: () => new NotFoundError(`User "${user.id}" no longer exists in OTDS`),
		});
		return this.toUser(
			await this.lookups.readUser(user.id),
			checked.map((change) => change.attribute),
		);
	}

	// ---- management (management.ts) ------------------------------------------------------------------

	createUser(user: NewUser, options?: PresenceOptions): Promise<UserManagementResult> {
		return this.management.createUser(user, options);
	}

	deleteUser(user: UserRef, options?: PresenceOptions): Promise<UserManagementResult> {
		return this.management.deleteUser(user, options);
	}

	setUserEnabled(user: UserRef, enabled: boolean): Promise<UserManagementResult> {
		return this.management.setUserEnabled(user, enabled);
	}

	unlockUser(user: UserRef): Promise<UserManagementResult> {
		return this.management.unlockUser(user);
	}

	setPassword(user: UserRef, password: string, options?: { mustChange?: boolean }): Promise<UserManagementResult> {
		return this.management.setPassword(user, password, options);
	}

	requirePasswordChange(user: UserRef): Promise<UserManagementResult> {
		return this.management.requirePasswordChange(user);
	}

	moveUser(user: UserRef, move: UserMove): Promise<UserManagementResult> {
		return this.management.moveUser(user, move);
	}

	createGroup(group: NewGroup, options?: PresenceOptions): Promise<GroupManagementResult> {
		return this.management.createGroup(group, options);
	}

	deleteGroup(group: GroupRef, options?: PresenceOptions): Promise<GroupManagementResult> {
		return this.management.deleteGroup(group, options);
	}

	// ---- groups --------------------------------------------------------------------------------------

	async getGroup(key: GroupKey, value: string, extraAttributes: string[] = []): Promise<DirectoryGroup> {
		const extra = this.checkExtra(extraAttributes);
		return this.toGroup(await this.lookups.findGroup(key, value), extra);
	}

	async *searchGroups(search: GroupSearch = {}): AsyncGenerator<DirectoryGroup[]> {
		const conditions = checkConditions(search.conditions);
		const extra = this.checkExtra(search.extraAttributes ?? []);
		const nameContains = search.nameContains?.trim() || undefined;
		const limit = search.limit && search.limit > 0 ? search.limit : Infinity;
		const searched = this.options.groupFilterAttributes ?? ['name', 'cn', 'description'];
		const nameSearched = searched.some((name) => ['name', 'cn'].includes(name.toLowerCase()));
		const filter =
			(nameSearched && nameContains && !nameContains.includes('*') ? nameContains : undefined) ??
			serverTextFilter(conditions, searched);
		const qs: Record<string, QueryValue> = {
			where_filter: filter,
			where_location: this.options.groupLocation,
			page_size: this.lookups.pageSize(search.pageSize, limit),
			limit: conditions.length === 0 && !nameContains && Number.isFinite(limit) ? limit : undefined,
		};
		let returned = 0;
		for await (const page of this.lookups.listPages('groups', qs, 'search groups')) {
			const groups = page
				.filter((group) => !nameContains || group.name.toLowerCase().includes(nameContains.toLowerCase()))
				.filter((group) => matchesAll(group, conditions))
				.slice(0, limit - returned)
				.map((group) => this.toGroup(group, extra));
			returned += groups.length;
			if (groups.length > 0) yield groups;
			if (returned >= limit) return;
		}
	}

	async *groupMembers(key: GroupKey, value: string, listing: MemberListing): AsyncGenerator<DirectoryUser[]> {
		const { context, root, pageSize, extra } = await this.memberContext(key, value, listing);
		const pages = this.fromMembersSource(
			() => membersViaEndpoint(context, root, listing.nested, pageSize),
			() => membersDerived(context, root, listing.nested, pageSize),
		);
		for await (const page of pages) yield page.map((user) => this.toUser(user, extra));
	}

	/** The people and groups directly in a group (GET /groups/{id}/members, or derived like groupMembers). */
	async *directMembers(
		key: GroupKey,
		value: string,
		listing: Omit<MemberListing, 'nested'> = {},
	): AsyncGenerator<DirectMembersPage> {
		const { context, root, pageSize, extra } = await this.memberContext(key, value, listing);
		const pages = this.fromMembersSource(
			() => directMembersViaEndpoint(context, root, pageSize),
			() => directMembersDerived(context, root, pageSize),
		);
		for await (const page of pages)
			yield {
				users: page.users.map((user) => this.toUser(user, extra)),
				groups: page.groups.map((group) => this.toGroup(group, [])),
			};
	}

	private async memberContext(key: GroupKey, value: string, listing: Omit<MemberListing, 'nested'>) {
		const extra = this.checkExtra(listing.extraAttributes ?? []);
		const root = await this.lookups.findGroup(key, value);
		const pageSize = this.lookups.pageSize(listing.pageSize, Infinity);
		const context: MemberContext = {
			client: this.client,
			listPages: (collection, qs, what) => this.lookups.listPages(collection, qs, what),
			groupMemberOf: (group) =>
				this.lookups.memberOfPages(
					'groups',
					group.id,
					`read the parent groups of "${group.id}"`,
					() => new MembersEndpointMissing(),
				),
			attrsAsKeys: this.options.attributesAsKeys ?? true,
			memberOfAttribute: this.fields.memberOf,
			derivedGroupParents: this.options.derivedGroupParents ?? 'oTMemberOf',
		};
		return { context, root, pageSize, extra };
	}

	/**
	 * Pages from the members endpoint, or derived from oTMemberOf where the server lacks it (Group Members
	 * Source; 'auto' finds out on the first listing and keeps the answer).
	 */
	private async *fromMembersSource<T>(
		viaEndpoint: () => AsyncGenerator<T>,
		derived: () => AsyncGenerator<T>,
	): AsyncGenerator<T> {
		if (this.membersMode !== 'derived') {
			let failure: unknown;
			let yielded = false;
			try {
				for await (const page of viaEndpoint()) {
					yielded = true;
					yield page;
				}
				if (this.membersMode === 'auto') this.membersMode = 'groupsMembers';
				return;
			} catch (error) {
				failure = error;
			}
			if (!(failure instanceof MembersEndpointMissing)) throw failure;
			if (this.membersMode === 'groupsMembers' || yielded) {
				throw new RequestError(
					'protocol',
					'This OTDS does not serve GET /rest/groups/{id}/members',
					"Set Group Members Source to Derived (or Auto): members are then found through the users' oTMemberOf",
				);
			}
			// Nothing was yielded yet, so switching now lists nobody twice.
			this.membersMode = 'derived';
		}
		yield* derived();
	}

	/** Adds the user to the group (POST /users/{id}/memberof); a user already in it is left alone. */
	addGroupMember(
		group: { key: GroupKey; value: string },
		user: { key: UserKey; value: string },
	): Promise<MembershipChange> {
		return this.changeMembership(group, user, 'add');
	}

	/** Removes the user from the group (POST /users/{id}/memberof/deletionset); a non-member is left alone. */
	removeGroupMember(
		group: { key: GroupKey; value: string },
		user: { key: UserKey; value: string },
	): Promise<MembershipChange> {
		return this.changeMembership(group, user, 'remove');
	}

	/** The OTDS attribute behind a DirectoryUser field (for audiences turning fields into conditions). */
	userAttribute(field: UserField): string {
		if (field === 'id') return 'uuid';
		if (field === 'login') return 'id';
		return this.fields[field];
	}

	private async changeMembership(
		groupRef: { key: GroupKey; value: string },
		userRef: { key: UserKey; value: string },
		change: 'add' | 'remove',
	): Promise<MembershipChange> {
		const group = await this.lookups.findGroup(groupRef.key, groupRef.value);
		const user = await this.lookups.findUser(userRef.key, userRef.value);
		const result = (changed: boolean): MembershipChange => ({
			changed,
			groupDn: group.location ?? group.id,
			userDn: user.location ?? user.id,
		});
		if ((await this.isDirectMember(group, user)) === (change === 'add')) return result(false);
		const segments = change === 'add' ? ['users', user.id, 'memberof'] : ['users', user.id, 'memberof', 'deletionset'];
		await this.client.call('POST', segments, {
			json: { stringList: [group.id] },
			safety: 'idempotentWrite',
			what: `${change} user "${user.id}" ${change === 'add' ? 'to' : 'from'} group "${group.id}"`,
			notFound: () => new NotFoundError(`User "${user.id}" or group "${group.id}" no longer exists in OTDS`),
		});
		return result(true);
	}

	/** Whether the user is a direct member, from GET /users/{id}/memberof (the documented read of a user's groups), every page. */
	private async isDirectMember(group: OtdsObject, user: OtdsObject): Promise<boolean> {
		const wanted = new Set(groupKeys(group));
		const pages = this.lookups.memberOfPages(
			'users',
			user.id,
			`read the groups of user "${user.id}"`,
			() => new NotFoundError(`User "${user.id}" no longer exists in OTDS`),
		);
		for await (const page of pages) {
			if (page.some((parent) => groupKeys(parent).some((key) => wanted.has(key)))) return true;
		}
		return false;
	}

	private checkExtra(names: string[]): string[] {
		return names.map((name) =>
			refuseSecretAttribute(checkOtdsAttributeName(name, 'Additional Attributes'), 'Additional Attributes'),
		);
	}

	private toUser(user: OtdsObject, extra: string[]): DirectoryUser {
		return toDirectoryUser(user, this.fields, this.status, extra);
	}

	private toGroup(group: OtdsObject, extra: string[]): DirectoryGroup {
		const names = [group.name, group.id, group.location, group.uuid].filter(
			(name): name is string => name !== undefined,
		);
		const privileged =
			names.some((name) => this.privileged.has(normalizeDn(name))) ||
			groupKeys(group).some((key) => this.privilegedKeys.has(key));
		return toDirectoryGroup(group, privileged, extra);
	}
}
