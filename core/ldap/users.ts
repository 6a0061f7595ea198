import { ConfigurationError, NotFoundError } from '../errors';
import { checkReadableAttributeName } from '../directory/attribute-names';
import type { UserField, UserKey, UserSearch } from '../directory/backend';
import type { DirectoryUser } from '../model/directory-user';
import type { Entry } from '../../transport/ldap/ldapts';
import type { LdapSession } from '../../transport/ldap/session';
import { parseDn } from './dn';
import { attributeTexts } from './attribute-text';
import { attributeValue, attributeValues } from './entry';
import { escapeFilterValue } from './escape';
import { allOf, anyOf, conditionFilter } from './filter';
import type { FlavourProfile } from './flavours';
import { idFilter } from './identifiers';
import { PrimaryGroupNames } from './primary-group';

/** Reads users from an LDAP directory and returns them as DirectoryUser, whatever the product. */
export class LdapUserDirectory {
	/** Adds each person's primary group to their memberOf, where the product keeps it apart (AD). */
	private readonly primaryGroups?: PrimaryGroupNames;

	constructor(
		private readonly session: LdapSession,
		private readonly profile: FlavourProfile,
		private readonly baseDN: string,
		/** Where people's primary groups are looked for (the whole directory); without it memberOf is as the server gives it. */
		primaryGroupsUnder?: string,
	) {
		if (baseDN.trim() === '') {
			throw new ConfigurationError('Base DN', 'is empty: enter the DN under which users live, e.g. dc=example,dc=com');
		}
		if (profile.primaryGroup !== undefined && primaryGroupsUnder !== undefined)
			this.primaryGroups = new PrimaryGroupNames(session, profile, profile.primaryGroup, primaryGroupsUnder);
	}

	/** Finds exactly one user; throws NotFoundError when there is none. */
	async getUser(key: UserKey, value: string, extraAttributes: string[] = []): Promise<DirectoryUser> {
		if (value.trim() === '') throw new ConfigurationError('User', 'is empty: enter the user to look up');
		const attributes = this.attributesToRead(extraAttributes);
		let entries: Entry[];
		if (key === 'dn') {
			parseDn(value, 'User');
			entries = await this.session.searchIfPresent(value, {
				scope: 'base',
				filter: this.profile.userFilter,
				attributes,
				explicitBufferAttributes: this.profile.binaryAttributes,
			});
		} else {
			const attribute = { login: this.profile.user.login, mail: this.profile.user.mail, id: this.profile.user.id }[key];
			const equals = (name: string) => `(${name}=${escapeFilterValue(value)})`;
			const assertion =
				key === 'id'
					? idFilter(this.profile, attribute, value)
					: key === 'login'
						? anyOf([attribute, ...(this.profile.loginAliases ?? [])].map(equals))
						: equals(attribute);
			const filter = allOf([this.profile.userFilter, assertion]);
			entries = await this.session.search(this.baseDN, {
				scope: 'sub',
				filter,
				attributes,
				sizeLimit: 2,
				explicitBufferAttributes: this.profile.binaryAttributes,
			});
		}
		if (entries.length === 0) throw new NotFoundError(`No user with ${key} "${value}" under ${this.baseDN}`);
		if (entries.length > 1) {
			throw new ConfigurationError('User', `"${value}" matches more than one user: look the user up by DN instead`);
		}
		const [user] = await this.withPrimaryGroups([this.toUser(entries[0], extraAttributes)], entries);
		return user;
	}

	/** Streams matching users page by page, so a whole directory never sits in memory at once. */
	async *searchUsers(search: UserSearch = {}): AsyncGenerator<DirectoryUser[]> {
		const components = [this.profile.userFilter];
		if (search.state === 'enabled') components.push(`(!${this.profile.disabledFilter})`);
		if (search.state === 'disabled') components.push(this.profile.disabledFilter);
		for (const condition of search.conditions ?? []) components.push(conditionFilter(condition));
		const extra = search.extraAttributes ?? [];
		const fields = search.fields;
		const limit = search.limit && search.limit > 0 ? search.limit : Infinity;
		let returned = 0;
		const pages = this.session.searchPages(
			this.baseDN,
			{
				scope: 'sub',
				filter: allOf(components),
				attributes: this.attributesToRead(extra, fields),
				explicitBufferAttributes: this.profile.binaryAttributes,
			},
			Math.min(search.pageSize ?? 500, Number.isFinite(limit) ? Math.max(limit, 1) : Infinity),
		);
		for await (const page of pages) {
			const entries = page.slice(0, limit - returned);
			const users = await this.withPrimaryGroups(
				entries.map((entry) => this.toUser(entry, extra, fields)),
				entries,
				fields,
			);
			returned += users.length;
			if (users.length > 0) yield users;
			if (returned >= limit) return;
		}
	}

	/**
	 * The attributes read for a DirectoryUser: the profile's fields (only `fields` and the id when given), status
	 * attributes, and the checked extras.
	 */
	attributesToRead(extra: string[], fields?: readonly UserField[]): string[] {
		const map = this.profile.user;
		const names = new Set<string>(fields ? [map.id, ...fields.map((field) => map[field])] : Object.values(map));
		for (const name of this.profile.statusAttributes) names.add(name);
		if (this.primaryGroupsFor(fields) !== undefined)
			for (const name of this.profile.primaryGroup?.personAttributes ?? []) names.add(name);
		for (const name of extra) names.add(checkReadableAttributeName(name, 'Additional Attributes'));
		return [...names];
	}

	/**
	 * The users mapped from `entries` (the same order), with each one's primary group added to memberOf where the
	 * product keeps it apart and memberOf was read.
	 */
	async withPrimaryGroups(
		users: DirectoryUser[],
		entries: Entry[],
		fields?: readonly UserField[],
	): Promise<DirectoryUser[]> {
		await this.primaryGroupsFor(fields)?.addTo(users, entries);
		return users;
	}

	/** The primary groups to add, when the product keeps them apart and the listing reads memberOf. */
	private primaryGroupsFor(fields: readonly UserField[] | undefined): PrimaryGroupNames | undefined {
		return readsMemberOf(fields) ? this.primaryGroups : undefined;
	}

	/**
	 * Maps one user entry read with attributesToRead(extra, fields); a field not read is left empty (not looked for
	 * in the entry). Runs once per person of every listing: kept lean.
	 */
	toUser(entry: Entry, extra: string[], fields?: readonly UserField[]): DirectoryUser {
		const map = this.profile.user;
		const read = fields
			? (attribute: string, field: UserField) => (fields.includes(field) ? firstValue(entry, attribute) : undefined)
			: (attribute: string) => firstValue(entry, attribute);
		const attributes: Record<string, string | string[]> = {};
		for (const name of extra) {
			const values = attributeTexts(entry, name);
			if (values.length > 0) attributes[name] = values.length === 1 ? values[0] : values;
		}
		return {
			id: this.profile.readId(entry) ?? entry.dn,
			dn: entry.dn,
			login: read(map.login, 'login') ?? '',
			mail: read(map.mail, 'mail'),
			displayName: read(map.displayName, 'displayName'),
			givenName: read(map.givenName, 'givenName'),
			surname: read(map.surname, 'surname'),
			department: read(map.department, 'department'),
			location: read(map.location, 'location'),
			title: read(map.title, 'title'),
			businessUnit: read(map.businessUnit, 'businessUnit'),
			mobile: read(map.mobile, 'mobile'),
			employeeNumber: read(map.employeeNumber, 'employeeNumber'),
			manager: read(map.manager, 'manager'),
			memberOf: readsMemberOf(fields) ? allValues(entry, map.memberOf) : [],
			status: this.profile.readStatus(entry),
			attributes,
		};
	}
}

/** The first value as text, without the arrays attributeValue builds (a listing reads 16 per person). */
function firstValue(entry: Entry, name: string): string | undefined {
	const value = entry[name];
	if (value === undefined) return attributeValue(entry, name);
	const single = Array.isArray(value) ? value[0] : value;
	if (single === undefined) return undefined;
	return typeof single === 'string' ? single : single.toString('utf8');
}

/** All values as texts; ldapts's own array is reused when it already holds texts. */
function allValues(entry: Entry, name: string): string[] {
	const value = entry[name];
	if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
	if (typeof value === 'string') return [value];
	return attributeValues(entry, name);
}

/** Whether a listing of these fields (all when none are named) reads memberOf. */
function readsMemberOf(fields: readonly UserField[] | undefined): boolean {
	return !fields || fields.includes('memberOf');
}
