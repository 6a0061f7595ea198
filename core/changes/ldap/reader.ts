/**
 * Reads what change detection needs from an LDAP directory: thin listings (ids, DNs, status and change
 * stamps only) of every user and group in scope, and whole entries for the few that changed.
 */
import { ConfigurationError, RequestError } from '../../errors';
import type { DirectoryGroup } from '../../model/directory-group';
import type { DirectoryUser } from '../../model/directory-user';
import type { Entry, SearchOptions } from '../../../transport/ldap/ldapts';
import type { LdapSession } from '../../../transport/ldap/session';
import { attributeValue } from '../../ldap/entry';
import { checkReadableAttributeName } from '../../directory/attribute-names';
import { allOf, anyOf } from '../../ldap/filter';
import { compileFilter } from '../../ldap/filter-compiler';
import type { DirectoryFlavour, FlavourProfile } from '../../ldap/flavours';
import { LdapGroupDirectory, PrivilegedGroups } from '../../ldap/groups';
import { idFilter } from '../../ldap/identifiers';
import { parseDn } from '../../ldap/dn';
import { memberAttributesOf, memberRequests } from '../../ldap/member-attributes';
import { readAllValues, readRangeStep } from '../../ldap/ranged';
import { LdapUserDirectory } from '../../ldap/users';
import type { GroupObservation, UserObservation } from '../differ';
import { eventMemberGroupOf, type EventMemberGroup } from '../events';
import { changeStampsFor, stampAssertion, type ChangeStamps } from '../change-stamps';
import { passwordStampOf } from '../snapshot/password-watermark';
import { comparableDn, isAtOrBelow } from '../snapshot/dn-hash';
import { groupRecordOf } from '../snapshot/group-record';
import { recordKeyOf } from '../snapshot/record-key';
import { passwordHashOf, userRecordOf } from '../snapshot/user-record';

/**
 * People per page when every user is read (a first activation, a reconciliation). Small on purpose: V8 decides
 * per allocation site whether its objects go straight to the old generation ("pretenuring") when most of
 * those made since the last young collection are still alive. A page is alive until it is read, and the next
 * one arrives meanwhile, so with 1,000 per page nearly every decoded entry was alive at each young collection,
 * its sites were pretenured, and every entry after that (with its values) was garbage only a full collection
 * frees: 95–108 MB of peak RSS for 100,000 people, and n8n's heap climbing 450 MB between full collections at a
 * million. With 200 per page about half are alive and no site is pretenured: 45–50 MB, and no slower. Max Pages
 * per Search still counts pages of 1,000 here, the size these listings had: the reach stays what it was.
 */
export const WHOLE_LISTING_PAGE_SIZE = 200;
const WHOLE_LISTING_COUNTED_AS = 1000;

/**
 * Groups per page when every group is read with its members (a first activation): as many as make about
 * GROUP_PAGE_VALUES values, from 1 up to 200, chosen from the page before. A page is decoded whole, every
 * member's DN a string, so a page of 200 groups of a million-person directory held all 2.3 million member
 * DNs at once (n8n's heap 145 → 600 MB while the groups were read); one large group at a time holds one
 * group's. Directories of many small groups still read 200 a page after a few pages.
 */
const GROUP_PAGE_VALUES = 20_000;
const GROUP_PAGE_MAX = 200;

/** The next page's number of groups, from the page just read (its values, all attributes) and its size. */
export function nextGroupPageSize(page: Entry[], size: number): number {
	let values = 0;
	for (const entry of page)
		for (const key in entry) {
			const value = entry[key];
			values += Array.isArray(value) ? value.length : 1;
		}
	// A short page is the last one, or the server's own limit: its size says nothing about the groups.
	const perGroup = values / Math.max(page.length, 1);
	const fits = Math.floor(GROUP_PAGE_VALUES / Math.max(perGroup, 1));
	return Math.max(1, Math.min(GROUP_PAGE_MAX, size * 10, fits));
}

/** Where and what to watch. */
export interface LdapWatchScope {
	session: LdapSession;
	profile: FlavourProfile;
	flavour: Exclude<DirectoryFlavour, 'auto'>;
	userBaseDN: string;
	groupBaseDN: string;
	/** Segment filter: only users matching it are watched (LDAP filter text, checked). */
	userFilter?: string;
	/** Group scope: only groups matching it are watched. */
	groupFilter?: string;
	extraAttributes?: string[];
	privilegedGroups?: string[];
}

/** A thin listing row: enough to decide whether the whole entry must be read. */
export interface ThinEntry {
	/** Users: the id as read (recordKeyOf gives its record key); groups: the record key. */
	id: string;
	dn: string;
	stamp: string;
	/** Users only: the record fields a thin read can fill. */
	status?: DirectoryUser['status'];
	passwordHash?: number;
	/** Users only: the password-changed stamp in whole seconds, when it is a time. */
	passwordStamp?: string;
}

export interface Observed<T> {
	observation: T;
	stamp: string;
	/** Users, when the scope has a user filter: when the entry was created (see LdapPollCore.apply). */
	created?: string;
}

/** Whole entries read in one poll, by record key. */
export interface Observations {
	users: Map<string, Observed<UserObservation>>;
	groups: Map<string, Observed<GroupObservation>>;
}

/** Ids per search when whole entries are read by id: one OR filter of this many (a poll of 100 changes: one search). */
const FETCH_BATCH = 100;

export class LdapChangeReader {
	readonly stamps: ChangeStamps;
	readonly extraAttributes: string[];
	private readonly users: LdapUserDirectory;
	private readonly groups: LdapGroupDirectory;
	private readonly userFilter: string;
	private readonly groupFilter: string;

	constructor(readonly scope: LdapWatchScope) {
		for (const [field, dn] of [
			['User Base DN', scope.userBaseDN],
			['Group Base DN', scope.groupBaseDN],
		]) {
			if (dn.trim() === '') throw new ConfigurationError(field, 'is empty: enter a DN, e.g. dc=example,dc=com');
			parseDn(dn, field);
		}
		this.stamps = changeStampsFor(scope.flavour);
		this.extraAttributes = (scope.extraAttributes ?? []).map((name) =>
			checkReadableAttributeName(name, 'Additional Attributes'),
		);
		this.users = new LdapUserDirectory(scope.session, scope.profile, scope.userBaseDN);
		this.groups = new LdapGroupDirectory(
			scope.session,
			scope.profile,
			scope.groupBaseDN,
			new PrivilegedGroups(scope.privilegedGroups),
		);
		this.userFilter = allOf([scope.profile.userFilter, this.checkedFilter(scope.userFilter, 'User Filter')]);
		this.groupFilter = allOf([scope.profile.groupFilter, this.checkedFilter(scope.groupFilter, 'Group Filter')]);
	}

	/** Whether people can come into and leave the watched scope without being created or deleted. */
	get hasUserFilter(): boolean {
		return this.scope.userFilter !== undefined && this.scope.userFilter.trim() !== '';
	}

	private checkedFilter(text: string | undefined, field: string): string {
		if (text === undefined || text.trim() === '') return '';
		const trimmed = text.trim();
		compileFilter(trimmed, field);
		return trimmed.startsWith('(') ? trimmed : `(${trimmed})`;
	}

	private get profile(): FlavourProfile {
		return this.scope.profile;
	}

	private userAttributes(): string[] {
		const stamps = [
			this.stamps.passwordChanged,
			this.stamps.modified,
			...(this.hasUserFilter ? [this.stamps.created] : []),
		];
		return [...new Set([...this.users.attributesToRead(this.extraAttributes), ...stamps])];
	}

	private groupAttributes(): string[] {
		const group = this.profile.group;
		const members = memberRequests(this.profile);
		return [
			...new Set([group.id, group.name, group.description, ...members, this.stamps.modified, ...this.extraAttributes]),
		];
	}

	toUserObservation(entry: Entry): Observed<UserObservation> {
		const user = this.users.toUser(entry, this.extraAttributes);
		const passwordChanged = attributeValue(entry, this.stamps.passwordChanged);
		const record = userRecordOf(user, passwordChanged, this.extraAttributes);
		const observed: Observed<UserObservation> = {
			observation: { user, record, passwordStamp: passwordStampOf(passwordChanged) },
			stamp: attributeValue(entry, this.stamps.modified) ?? '',
		};
		if (this.hasUserFilter) observed.created = attributeValue(entry, this.stamps.created);
		return observed;
	}

	/**
	 * A group as read, with all its direct members: AD sends a group of more than 1,500 members as
	 * `member;range=0-1499`, and the rest on request (core/ldap/ranged.ts).
	 */
	async toGroupObservation(entry: Entry): Promise<Observed<GroupObservation>> {
		const group: DirectoryGroup = this.groups.toGroup(entry, this.extraAttributes);
		const memberDns: string[] = [];
		// A zero-length DN names nobody: the placeholder member of a groupOfNames created empty (openldap.ts).
		const add = (value: string) => {
			if (value !== '') memberDns.push(value);
		};
		for (const attribute of memberAttributesOf(this.profile)) {
			const first = readRangeStep(entry, attribute);
			// One value at a time: spreading a million-member group into push() overflows the call stack.
			if (first.next === undefined) for (const value of first.values) add(value);
			else
				for await (const values of readAllValues(this.scope.session, entry.dn, attribute, entry))
					for (const value of values) add(value);
		}
		const record = groupRecordOf(group, memberDns, this.extraAttributes);
		return { observation: { group, memberDns, record }, stamp: attributeValue(entry, this.stamps.modified) ?? '' };
	}

	/** Every user the options select, WHOLE_LISTING_PAGE_SIZE a page. */
	private everyUser(options: SearchOptions): AsyncGenerator<Entry[]> {
		return this.scope.session.searchPages(this.scope.userBaseDN, options, WHOLE_LISTING_PAGE_SIZE, undefined, {
			boundAsPagesOf: WHOLE_LISTING_COUNTED_AS,
		});
	}

	/** Every user in scope, whole (the first activation's baseline). */
	async *allUsers(extraFilter = ''): AsyncGenerator<Array<Observed<UserObservation>>> {
		const options = {
			scope: 'sub' as const,
			filter: compileFilter(allOf([this.userFilter, extraFilter])),
			attributes: this.userAttributes(),
			explicitBufferAttributes: this.profile.binaryAttributes,
		};
		for await (const page of this.everyUser(options)) yield page.map((entry) => this.toUserObservation(entry));
	}

	/** Every group in scope, whole with members. */
	async allGroups(extraFilter = ''): Promise<Array<Observed<GroupObservation>>> {
		const groups: Array<Observed<GroupObservation>> = [];
		for await (const observed of this.eachGroup(extraFilter)) groups.push(observed);
		return groups;
	}

	/**
	 * Every group in scope, one at a time: a caller that keeps only each group's record lets its members' DNs go
	 * (millions of strings in a large directory) before the next group is read.
	 */
	async *eachGroup(extraFilter = ''): AsyncGenerator<Observed<GroupObservation>> {
		const options = {
			scope: 'sub' as const,
			filter: compileFilter(allOf([this.groupFilter, extraFilter])),
			attributes: this.groupAttributes(),
			explicitBufferAttributes: this.profile.binaryAttributes,
		};
		// Every group (a first activation): one first, the size of groups unknown. The groups changed since a stamp
		// (a poll) are few: as many as before in one request, fewer after a page of large ones.
		const first = extraFilter === '' ? 1 : GROUP_PAGE_MAX;
		for await (const page of this.scope.session.searchPages(this.scope.groupBaseDN, options, first, undefined, {
			boundAsPagesOf: GROUP_PAGE_MAX,
			nextPageSize: nextGroupPageSize,
		}))
			for (let index = 0; index < page.length; index++) {
				const entry = page[index];
				// The page no longer holds a group once it is read: its values can go with its observation.
				page[index] = undefined as unknown as typeof entry;
				yield await this.toGroupObservation(entry);
			}
	}

	/** Every user in scope, thin: id, DN, change stamp, status and password stamp. */
	async *thinUsers(): AsyncGenerator<ThinEntry[]> {
		const attributes = [
			...new Set([
				this.profile.user.id,
				this.stamps.modified,
				this.stamps.passwordChanged,
				...this.profile.statusAttributes,
			]),
		];
		const options = {
			scope: 'sub' as const,
			filter: compileFilter(this.userFilter),
			attributes,
			explicitBufferAttributes: this.profile.binaryAttributes,
		};
		for await (const page of this.everyUser(options)) {
			yield page.map((entry) => {
				// The id as read: the poller turns it into key bytes itself (recordKeyOf would build a string per user).
				const id = this.profile.readId(entry) ?? entry.dn;
				const passwordChanged = attributeValue(entry, this.stamps.passwordChanged);
				const passwordHash = passwordHashOf(passwordChanged);
				const passwordStamp = passwordStampOf(passwordChanged);
				return {
					id,
					dn: entry.dn,
					stamp: attributeValue(entry, this.stamps.modified) ?? '',
					status: this.profile.readStatus(entry),
					passwordHash,
					passwordStamp,
				};
			});
		}
	}

	/** Every group in scope, thin: id, DN and change stamp (no members). */
	async thinGroups(): Promise<ThinEntry[]> {
		const options = {
			scope: 'sub' as const,
			filter: compileFilter(this.groupFilter),
			attributes: [this.profile.group.id, this.stamps.modified],
			explicitBufferAttributes: this.profile.binaryAttributes,
		};
		const rows: ThinEntry[] = [];
		for await (const page of this.scope.session.searchPages(this.scope.groupBaseDN, options, 1000)) {
			for (const entry of page)
				rows.push({
					id: recordKeyOf(this.profile.readId(entry) ?? entry.dn),
					dn: entry.dn,
					stamp: attributeValue(entry, this.stamps.modified) ?? '',
				});
		}
		return rows;
	}

	/** Whole users by id (text ids as read; ids that are not users are simply not returned). */
	async usersByIds(ids: string[]): Promise<Map<string, Observed<UserObservation>>> {
		return this.usersMatching(ids, this.userFilter);
	}

	/** Whole users by id among those under the user base that match `filter`, by record key. */
	private async usersMatching(ids: string[], filter: string): Promise<Map<string, Observed<UserObservation>>> {
		return this.usersByKey(
			await this.searchByIds(ids, this.scope.userBaseDN, filter, this.profile.user.id, this.userAttributes()),
		);
	}

	/**
	 * Whole users by id that exist under the user base but not in the watched scope (they fail User Filter
	 * or Segment): people who left the scope rather than the directory. Empty when there is no such filter.
	 */
	async usersOutsideScope(ids: string[]): Promise<Map<string, Observed<UserObservation>>> {
		return this.hasUserFilter ? this.usersMatching(ids, this.profile.userFilter) : new Map();
	}

	/**
	 * Users, then groups among the others, of `ids` (record keys) as the server sends them, with what a poll reads
	 * of each: for a change log to take them back to earlier values (accesslog-recovery.ts).
	 */
	async entriesAsSentByIds(ids: string[]): Promise<{ users: Entry[]; groups: Entry[] }> {
		const users = await this.searchByIds(
			ids,
			this.scope.userBaseDN,
			this.userFilter,
			this.profile.user.id,
			this.userAttributes(),
		);
		const found = new Set(users.map((entry) => this.userKeyOf(entry)));
		const groups = await this.searchByIds(
			ids.filter((id) => !found.has(id)),
			this.scope.groupBaseDN,
			this.groupFilter,
			this.profile.group.id,
			this.groupAttributes(),
		);
		return { users, groups };
	}

	/** Whether the scope narrows the product's users or groups with a filter of its own (User / Group Filter, Segment). */
	get hasOwnFilters(): boolean {
		return this.hasUserFilter || (this.scope.groupFilter ?? '').trim() !== '';
	}

	/** People in scope by record key, as raw entries with `attributes` only (besides their id). */
	async userEntriesByIds(ids: string[], attributes: string[]): Promise<Entry[]> {
		const id = this.profile.user.id;
		return this.searchByIds(ids, this.scope.userBaseDN, this.userFilter, id, [...new Set([id, ...attributes])]);
	}

	/** The record key of a person's raw entry (see userEntriesByIds). */
	userKeyOf(entry: Entry): string | undefined {
		const id = this.profile.readId(entry);
		return id === undefined ? undefined : recordKeyOf(id);
	}

	async groupsByIds(ids: string[]): Promise<Map<string, Observed<GroupObservation>>> {
		return this.groupsByKey(
			await this.searchByIds(
				ids,
				this.scope.groupBaseDN,
				this.groupFilter,
				this.profile.group.id,
				this.groupAttributes(),
			),
		);
	}

	/** Groups by record key, named without their members (to name a nested group that joined or left another). */
	async groupNamesByIds(ids: string[]): Promise<Map<string, EventMemberGroup>> {
		const group = this.profile.group;
		const found = new Map<string, EventMemberGroup>();
		for (const entry of await this.searchByIds(ids, this.scope.groupBaseDN, this.groupFilter, group.id, [
			group.id,
			group.name,
		])) {
			const named = this.groups.toGroup(entry, []);
			found.set(recordKeyOf(named.id), eventMemberGroupOf(named));
		}
		return found;
	}

	/**
	 * Whole entries by id when a log named them without saying whether each is a user or a group: users
	 * first, then groups among the ids that are not users (most changes are people's: one search, not two).
	 */
	async entriesByIds(ids: string[]): Promise<Observations> {
		const users = await this.usersByIds(ids);
		return { users, groups: await this.groupsByIds(ids.filter((id) => !users.has(id))) };
	}

	/** Ids per search; halved when the server's size limit for this account is smaller (see byIds). */
	private fetchBatch = FETCH_BATCH;

	/**
	 * Entries under `base` matching `scopeFilter` whose `idAttribute` has one of `ids`, a batch of ids per
	 * search. A batch never matches more entries than it has ids, so a server size limit below the batch
	 * (OpenLDAP's default for other accounts than the rootdn is 500, but some sites set less) is met by
	 * halving the batch until the answers fit.
	 */
	async searchByIds(
		ids: string[],
		base: string,
		scopeFilter: string,
		idAttribute: string,
		attributes: string[],
	): Promise<Entry[]> {
		const entries: Entry[] = [];
		const usable = ids.filter((id) => !id.startsWith('hash:'));
		let start = 0;
		while (start < usable.length) {
			const batch = usable.slice(start, start + this.fetchBatch);
			const filter = allOf([scopeFilter, anyOf(batch.map((id) => idFilter(this.profile, idAttribute, id)))]);
			const answered = await this.scope.session
				.search(base, {
					scope: 'sub',
					filter: compileFilter(filter),
					attributes,
					explicitBufferAttributes: this.profile.binaryAttributes,
				})
				.catch((error: unknown) => {
					if (error instanceof RequestError && error.kind === 'sizeLimit' && batch.length > 1) return undefined;
					throw error;
				});
			if (answered === undefined) {
				this.fetchBatch = Math.ceil(batch.length / 2);
				continue;
			}
			entries.push(...answered);
			start += batch.length;
		}
		return entries;
	}

	/** Whether a DN is under the watched user or group base. */
	inScope(dn: string): boolean {
		this.normalizedBases ??= [this.scope.userBaseDN, this.scope.groupBaseDN].map((base) => comparableDn(base));
		// Asked for every log record of a poll. Without a backslash every comma of a DN ends an RDN (a quoted one
		// would have to close inside the base as written, which holds no quote): ending in one of the bases as
		// normalized, after a comma, it is below that base. Normalizing is for the other cases.
		if (dn.indexOf('\\') < 0) {
			const lower = dn.toLowerCase();
			const below = (base: string) => lower.endsWith(base) && lower[lower.length - base.length - 1] === ',';
			if (this.normalizedBases.some((base) => lower === base || below(base))) return true;
		}
		const normalized = comparableDn(dn);
		return this.normalizedBases.some((base) => isAtOrBelow(normalized, base));
	}

	private normalizedBases: string[] | undefined;

	/** One entry by DN, as a user or a group of the watched scope; undefined when it is neither (or gone). */
	async entryByDn(
		dn: string,
	): Promise<
		| { kind: 'user'; observed: Observed<UserObservation> }
		| { kind: 'group'; observed: Observed<GroupObservation> }
		| undefined
	> {
		parseDn(dn, 'Changed entry DN');
		const read = (filter: string, attributes: string[]) =>
			this.scope.session.searchIfPresent(dn, {
				scope: 'base',
				filter: compileFilter(filter),
				attributes,
				explicitBufferAttributes: this.profile.binaryAttributes,
			});
		const users = await read(this.userFilter, this.userAttributes());
		if (users.length > 0) return { kind: 'user', observed: this.toUserObservation(users[0]) };
		const groups = await read(this.groupFilter, this.groupAttributes());
		if (groups.length > 0) return { kind: 'group', observed: await this.toGroupObservation(groups[0]) };
		return undefined;
	}

	/**
	 * Users and groups whose change stamp is at or after `since` (generalized time, whole seconds). Both
	 * searches are sent at once on the one connection (LDAP answers them by message id): one round trip,
	 * and the server works on both together.
	 */
	async changedSince(
		since: string,
	): Promise<{ users: Array<Observed<UserObservation>>; groups: Array<Observed<GroupObservation>> }> {
		const stampFilter = this.stampSince(since);
		const readUsers = async () => {
			const users: Array<Observed<UserObservation>> = [];
			for await (const page of this.allUsers(stampFilter)) users.push(...page);
			return users;
		};
		const [users, groups] = await Promise.all([readUsers(), this.allGroups(stampFilter)]);
		return { users, groups };
	}

	/**
	 * Users and groups whose change stamp is at or after `since`, by record key: at most `limit` of each (the
	 * server stops there and ldapts hands over what came, so more changed entries are simply not all here).
	 * Both searches go out at once, unpaged. For a log strategy reading ahead of its log (accesslog.ts).
	 */
	async changedSinceAtMost(since: string, limit: number): Promise<Observations> {
		const stampFilter = this.stampSince(since);
		const read = (base: string, scopeFilter: string, attributes: string[]) =>
			this.scope.session.search(base, {
				scope: 'sub',
				filter: compileFilter(allOf([scopeFilter, stampFilter])),
				attributes,
				sizeLimit: limit,
				explicitBufferAttributes: this.profile.binaryAttributes,
			});
		const [userEntries, groupEntries] = await Promise.all([
			read(this.scope.userBaseDN, this.userFilter, this.userAttributes()),
			read(this.scope.groupBaseDN, this.groupFilter, this.groupAttributes()),
		]);
		return { users: this.usersByKey(userEntries), groups: await this.groupsByKey(groupEntries) };
	}

	/** Users as read, by record key. */
	private usersByKey(entries: Entry[]): Map<string, Observed<UserObservation>> {
		const found = new Map<string, Observed<UserObservation>>();
		for (const entry of entries) {
			const observed = this.toUserObservation(entry);
			found.set(observed.observation.record.id, observed);
		}
		return found;
	}

	/** Groups as read (with all their members), by record key. */
	private async groupsByKey(entries: Entry[]): Promise<Map<string, Observed<GroupObservation>>> {
		const found = new Map<string, Observed<GroupObservation>>();
		for (const entry of entries) {
			const observed = await this.toGroupObservation(entry);
			found.set(observed.observation.record.id, observed);
		}
		return found;
	}

	/** The filter of entries whose change stamp is at or after `since`. */
	private stampSince(since: string): string {
		return `(${this.stamps.modified}>=${stampAssertion(this.stamps.modified, since)})`;
	}
}
