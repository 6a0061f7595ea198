import { ConfigurationError, NotFoundError } from '../errors';
import { checkReadableAttributeName } from '../directory/attribute-names';
import type { GroupKey, GroupSearch } from '../directory/backend';
import type { DirectoryGroup } from '../model/directory-group';
import type { Entry } from '../../transport/ldap/ldapts';
import type { LdapSession } from '../../transport/ldap/session';
import { isDn, normalizeDn, parseDn } from './dn';
import { attributeTexts } from './attribute-text';
import { attributeValue, attributeValues } from './entry';
import { escapeFilterValue } from './escape';
import { allOf, conditionFilter } from './filter';
import type { FlavourProfile } from './flavours';
import { idFilter } from './identifiers';
import {
	directMemberFilter,
	memberAttributeForClasses,
	memberAttributesOf,
	memberAttributeVaries,
	memberRequests,
} from './member-attributes';
import { countValues, readRangeStep } from './ranged';

/**
 * The configured privileged groups, given by name (`Domain Admins`) or DN. Names compare
 * case-insensitively; DNs compare in their normalized form, so spacing and case do not matter.
 */
export class PrivilegedGroups {
	private readonly names = new Set<string>();
	private readonly dns = new Set<string>();

	constructor(groups: string[] = []) {
		for (const raw of groups) {
			const text = raw.trim();
			if (text === '') continue;
			// "A=B" alone could be a name; a DN has a comma between RDNs.
			if (text.includes(',') && isDn(text)) this.dns.add(normalizeDn(text, 'Privileged Groups'));
			else this.names.add(text.toLowerCase());
		}
	}

	matches(dn: string, name: string): boolean {
		if (this.names.has(name.toLowerCase())) return true;
		if (this.dns.size === 0) return false;
		try {
			return this.dns.has(normalizeDn(dn));
		} catch {
			return false;
		}
	}
}

/** Reads groups from an LDAP directory and returns them as DirectoryGroup, whatever the product. */
export class LdapGroupDirectory {
	constructor(
		private readonly session: LdapSession,
		private readonly profile: FlavourProfile,
		private readonly baseDN: string,
		private readonly privileged: PrivilegedGroups = new PrivilegedGroups(),
	) {
		if (baseDN.trim() === '') {
			throw new ConfigurationError(
				'Base DN',
				'is empty: enter the DN under which groups live, e.g. ou=groups,dc=example,dc=com',
			);
		}
	}

	/** Finds exactly one group, with its direct member count; throws NotFoundError when there is none. */
	async getGroup(key: GroupKey, value: string, extraAttributes: string[] = []): Promise<DirectoryGroup> {
		const attributes = this.attributesToRead(extraAttributes, true);
		const entry = await this.findEntry(key, value, attributes);
		const group = this.toGroup(entry, extraAttributes);
		// AD sends a big group's members in ranges: one group is worth the extra requests to count them.
		if (group.memberCount === undefined) {
			let count = 0;
			for (const attribute of memberAttributesOf(this.profile))
				count += await countValues(this.session, entry, attribute);
			group.memberCount = count;
		}
		return group;
	}

	/** The DN of one group, read without its members (cheap even for a group of 100,000). */
	async resolveDn(key: GroupKey, value: string): Promise<string> {
		return (await this.findEntry(key, value, ['1.1'])).dn;
	}

	/** Streams matching groups page by page. */
	async *searchGroups(search: GroupSearch = {}): AsyncGenerator<DirectoryGroup[]> {
		const components = [this.profile.groupFilter];
		const nameContains = search.nameContains ?? '';
		if (nameContains !== '') components.push(`(${this.profile.group.name}=*${escapeFilterValue(nameContains)}*)`);
		for (const condition of search.conditions ?? []) components.push(conditionFilter(condition));
		const extra = search.extraAttributes ?? [];
		const limit = search.limit && search.limit > 0 ? search.limit : Infinity;
		let returned = 0;
		const pages = this.session.searchPages(
			this.baseDN,
			{
				scope: 'sub',
				filter: allOf(components),
				attributes: this.attributesToRead(extra, true),
				explicitBufferAttributes: this.profile.binaryAttributes,
			},
			Math.min(search.pageSize ?? 100, Number.isFinite(limit) ? Math.max(limit, 1) : Infinity),
		);
		for await (const entries of pages) {
			const groups = entries.slice(0, limit - returned).map((entry) => this.toGroup(entry, extra));
			returned += groups.length;
			if (groups.length > 0) yield groups;
			if (returned >= limit) return;
		}
	}

	/** Whether the user DN is a direct member, decided by the server's own DN matching. */
	async hasDirectMember(groupDn: string, memberDn: string): Promise<boolean> {
		const entries = await this.session.search(groupDn, {
			scope: 'base',
			filter: allOf([this.profile.groupFilter, directMemberFilter(this.profile, memberDn)]),
			attributes: ['1.1'],
		});
		return entries.length > 0;
	}

	/** The attribute a group lists its members in: by its object class where that decides it (groupOfUniqueNames). */
	async memberAttributeOf(groupDn: string): Promise<string> {
		if (!memberAttributeVaries(this.profile)) return this.profile.memberAttribute;
		const [entry] = await this.session.search(groupDn, {
			scope: 'base',
			filter: this.profile.groupFilter,
			attributes: ['objectClass'],
		});
		return memberAttributeForClasses(this.profile, entry === undefined ? [] : attributeValues(entry, 'objectClass'));
	}

	private async findEntry(key: GroupKey, value: string, attributes: string[]): Promise<Entry> {
		if (value.trim() === '') throw new ConfigurationError('Group', 'is empty: enter the group to look up');
		let entries: Entry[];
		if (key === 'dn') {
			parseDn(value, 'Group');
			entries = await this.session.searchIfPresent(value, {
				scope: 'base',
				filter: this.profile.groupFilter,
				attributes,
				explicitBufferAttributes: this.profile.binaryAttributes,
			});
		} else if (key === 'name' || key === 'id') {
			const assertion =
				key === 'id'
					? idFilter(this.profile, this.profile.group.id, value)
					: `(${this.profile.group.name}=${escapeFilterValue(value)})`;
			entries = await this.session.search(this.baseDN, {
				scope: 'sub',
				filter: allOf([this.profile.groupFilter, assertion]),
				attributes,
				sizeLimit: 2,
				explicitBufferAttributes: this.profile.binaryAttributes,
			});
		} else {
			throw new ConfigurationError('Group', `cannot be looked up by "${String(key)}": use name, dn or id`);
		}
		if (entries.length === 0) throw new NotFoundError(`No group with ${key} "${value}" under ${this.baseDN}`);
		if (entries.length > 1) {
			throw new ConfigurationError('Group', `"${value}" matches more than one group: look the group up by DN instead`);
		}
		return entries[0];
	}

	/** The attributes read for a DirectoryGroup; members only when they are counted. */
	private attributesToRead(extra: string[], withMembers: boolean): string[] {
		const names = new Set<string>([this.profile.group.id, this.profile.group.name, this.profile.group.description]);
		if (withMembers) for (const request of memberRequests(this.profile)) names.add(request);
		for (const name of extra) names.add(checkReadableAttributeName(name, 'Additional Attributes'));
		return [...names];
	}

	/** Maps a group entry. memberCount stays undefined when the server sent the members in ranges. */
	toGroup(entry: Entry, extra: string[]): DirectoryGroup {
		const name = attributeValue(entry, this.profile.group.name) ?? parseDn(entry.dn)[0]?.[0]?.value ?? entry.dn;
		const attributes: Record<string, string | string[]> = {};
		for (const attribute of extra) {
			const values = attributeTexts(entry, attribute);
			if (values.length > 0) attributes[attribute] = values.length === 1 ? values[0] : values;
		}
		const members = memberAttributesOf(this.profile).map((attribute) => readRangeStep(entry, attribute));
		return {
			id: this.profile.readId(entry) ?? entry.dn,
			dn: entry.dn,
			name,
			description: attributeValue(entry, this.profile.group.description),
			memberCount: members.some((step) => step.next !== undefined)
				? undefined
				: // A zero-length DN names nobody: the placeholder of a groupOfNames without members (core/ldap/flavours/openldap.ts).
					members.reduce((sum, step) => sum + step.values.filter((value) => value !== '').length, 0),
			privileged: this.privileged.matches(entry.dn, name),
			attributes,
		};
	}
}
