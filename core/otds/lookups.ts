/**
 * Finding one OTDS user or group by any key, and streaming the user and group lists page by page
 * (nextPageCookie). Used by OtdsDirectory (directory.ts).
 */
import { ConfigurationError, NotFoundError, RequestError } from '../errors';
import type { GroupKey, UserKey } from '../directory/backend';
import type { QueryValue } from '../../transport/http/types';
import type { OtdsRestClient } from './client';
import { serverTextFilter } from './conditions';
import { attributeValues, parseOtdsObject, type OtdsObject } from './mapping';

export interface LookupSettings {
	partition?: string;
	mailAttribute: string;
	/** Attributes where_filter is taken to search (users / groups). */
	userFilterAttributes: string[];
	groupFilterAttributes: string[];
	attributesAsKeys: boolean;
	pageSize: number;
	checkPartition: boolean;
}

/** The uuid of a short group DN `oTGroup=<uuid>,dc=identity,dc=opentext,dc=net` (no orgunit or partition), else undefined. */
export function shortGroupDnUuid(dn: string): string | undefined {
	const match =
		/^\s*otgroup\s*=\s*([0-9a-f-]{36})\s*,\s*dc\s*=\s*identity\s*,\s*dc\s*=\s*opentext\s*,\s*dc\s*=\s*net\s*$/i.exec(
			dn,
		);
	return match?.[1].toLowerCase();
}

export class OtdsLookups {
	private partitionChecked?: Promise<void>;

	constructor(
		private readonly client: OtdsRestClient,
		private readonly settings: LookupSettings,
	) {}

	async findUser(key: UserKey, value: string): Promise<OtdsObject> {
		const wanted = (value ?? '').trim();
		if (wanted === '') throw new ConfigurationError('User', 'is empty: enter the user to look up');
		await this.ensurePartition();
		switch (key) {
			case 'login': {
				const id = this.idInPartition(wanted);
				if (id === wanted || !wanted.includes('@')) return this.readUser(id);
				// Names that contain '@' (jdoe@example.com) were seen with id = name on real servers: try both.
				return this.readUser(id).catch((error: unknown) => {
					if (error instanceof NotFoundError) return this.readUser(wanted);
					throw error;
				});
			}
			case 'dn':
				return this.readUser(wanted);
			case 'mail':
				return this.single(
					'users',
					'mail',
					wanted,
					(user) =>
						attributeValues(user, this.settings.mailAttribute).some(
							(mail) => mail.toLowerCase() === wanted.toLowerCase(),
						),
					this.settings.userFilterAttributes,
					this.settings.mailAttribute,
				);
			case 'id': {
				// No public endpoint looks users up by uuid: try the location OTDS builds from it, then scan.
				if (this.settings.partition && /^[0-9a-f-]{36}$/i.test(wanted)) {
					const location = `oTPerson=${wanted},orgunit=users,partition=${this.settings.partition},dc=identity,dc=opentext,dc=net`;
					const found = await this.readUser(location).catch((error: unknown) => {
						if (error instanceof NotFoundError || (error instanceof RequestError && error.kind === 'invalidInput'))
							return undefined;
						throw error;
					});
					if (found && found.uuid?.toLowerCase() === wanted.toLowerCase()) return found;
				}
				return this.single(
					'users',
					'id',
					wanted,
					(user) => user.uuid?.toLowerCase() === wanted.toLowerCase(),
					[],
					'uuid',
				);
			}
			default:
				throw new ConfigurationError('Look Up By', `has an unknown value "${String(key)}"`);
		}
	}

	async readUser(id: string): Promise<OtdsObject> {
		const body = await this.client.getJson(['users', id], {
			qs: { attrsAsKeys: this.asKeys() },
			what: `read user "${id}"`,
			notFound: () =>
				new NotFoundError(
					`No user "${id}" in OTDS${this.settings.partition ? ` (partition ${this.settings.partition})` : ''}`,
				),
		});
		const user = parseOtdsObject(body);
		if (!user) throw new RequestError('protocol', `OTDS answered without a user for "${id}"`, 'Check the Server URL');
		return user;
	}

	async findGroup(key: GroupKey, value: string): Promise<OtdsObject> {
		const wanted = (value ?? '').trim();
		if (wanted === '') throw new ConfigurationError('Group', 'is empty: enter the group to look up');
		await this.ensurePartition();
		const read = async (id: string) => {
			const body = await this.client.getJson(['groups', id], {
				qs: { attrsAsKeys: this.asKeys() },
				what: `read group "${id}"`,
				notFound: () =>
					new NotFoundError(
						`No group "${id}" in OTDS${this.settings.partition ? ` (partition ${this.settings.partition})` : ''}`,
					),
			});
			const group = parseOtdsObject(body);
			if (!group)
				throw new RequestError('protocol', `OTDS answered without a group for "${id}"`, 'Check the Server URL');
			return group;
		};
		if (key === 'id') return read(wanted);
		if (key === 'dn') {
			// oTMemberOf names groups by a short DN (oTGroup=<uuid>,dc=identity,...), which is no address: find its uuid.
			const uuid = shortGroupDnUuid(wanted);
			if (uuid === undefined) return read(wanted);
			return this.single('groups', 'dn', wanted, (group) => group.uuid?.toLowerCase() === uuid, [], 'uuid');
		}
		if (key !== 'name') throw new ConfigurationError('Look Up By', `has an unknown value "${String(key)}"`);
		if (this.settings.partition) return read(`${wanted}@${this.settings.partition}`);
		return this.single(
			'groups',
			'name',
			wanted,
			(group) => group.name.toLowerCase() === wanted.toLowerCase(),
			this.settings.groupFilterAttributes,
			'name',
		);
	}

	/** Exactly one object of a scan (narrowed by where_filter when the attribute is searched). */
	async single(
		collection: 'users' | 'groups',
		key: string,
		value: string,
		test: (object: OtdsObject) => boolean,
		searched: string[],
		attribute: string,
	): Promise<OtdsObject> {
		const filter = serverTextFilter([{ attribute, operator: 'equals', value }], searched);
		const found: OtdsObject[] = [];
		for await (const page of this.listPages(
			collection,
			{ where_filter: filter, page_size: this.pageSize(undefined, Infinity) },
			`look up ${collection} by ${key}`,
		)) {
			found.push(...page.filter(test));
			if (found.length > 1) break;
		}
		const what = collection === 'users' ? 'user' : 'group';
		if (found.length === 0)
			throw new NotFoundError(
				`No ${what} with ${key} "${value}" in OTDS${this.settings.partition ? ` (partition ${this.settings.partition})` : ''}`,
			);
		if (found.length > 1) {
			throw new ConfigurationError(
				what === 'user' ? 'User' : 'Group',
				`"${value}" matches more than one ${what}: look it up by ${what === 'user' ? 'login' : 'id'} instead`,
			);
		}
		return found[0];
	}

	/** Streams GET /rest/users or /rest/groups page by page, following nextPageCookie. */
	async *listPages(
		collection: 'users' | 'groups',
		qs: Record<string, QueryValue>,
		what: string,
	): AsyncGenerator<OtdsObject[]> {
		await this.ensurePartition();
		const trail = this.client.cookieTrail(`listing ${collection}`);
		let cookie: string | undefined;
		do {
			const body = await this.client.getJson([collection], {
				qs: {
					where_partition_name: this.settings.partition,
					...qs,
					attrsAsKeys: this.asKeys(),
					next_page_cookie: cookie,
				},
				what,
			});
			const items = body[collection];
			if (!Array.isArray(items))
				throw new RequestError(
					'protocol',
					`OTDS answered the ${collection} list without "${collection}"`,
					'Check the Server URL and the OTDS version',
				);
			yield items.map(parseOtdsObject).filter((item): item is OtdsObject => item !== undefined);
			cookie = trail.next(body.nextPageCookie);
		} while (cookie !== undefined);
	}

	/**
	 * GET /rest/{users|groups}/{id}/memberof page by page to the end: the groups an object is directly in. The
	 * answer is paged like the lists (nextPageCookie, requestedPageSize: public C# client).
	 */
	async *memberOfPages(
		collection: 'users' | 'groups',
		id: string,
		what: string,
		notFound: () => Error,
	): AsyncGenerator<OtdsObject[]> {
		const trail = this.client.cookieTrail(`reading what ${id} is a member of`);
		let cookie: string | undefined;
		do {
			const body = await this.client.getJson([collection, id, 'memberof'], {
				qs: { page_size: this.pageSize(undefined, Infinity), attrsAsKeys: this.asKeys(), next_page_cookie: cookie },
				what,
				notFound,
			});
			const groups = Array.isArray(body.groups) ? body.groups : [];
			yield groups.map(parseOtdsObject).filter((group): group is OtdsObject => group !== undefined);
			cookie = trail.next(body.nextPageCookie);
		} while (cookie !== undefined);
	}

	ensurePartition(): Promise<void> {
		if (!this.settings.partition || !this.settings.checkPartition) return Promise.resolve();
		const partition = this.settings.partition;
		this.partitionChecked ??= this.client
			.call('GET', ['partitions', partition], {
				what: `read partition "${partition}"`,
				notFound: () =>
					new ConfigurationError(
						'Partition',
						`"${partition}" does not exist in OTDS: check its name (e.g. Content Server Members)`,
					),
			})
			.then(
				() => undefined,
				(error: unknown) => {
					// An account that may not read partitions can still read users: skip the check then.
					if (error instanceof RequestError && error.kind === 'insufficientAccess') return;
					this.partitionChecked = undefined;
					throw error;
				},
			);
		return this.partitionChecked;
	}

	idInPartition(login: string): string {
		if (!this.settings.partition) return login;
		return login.toLowerCase().endsWith(`@${this.settings.partition.toLowerCase()}`)
			? login
			: `${login}@${this.settings.partition}`;
	}

	asKeys(): true | undefined {
		return this.settings.attributesAsKeys ? true : undefined;
	}

	pageSize(requested: number | undefined, limit: number): number {
		const size = requested && requested > 0 ? requested : this.settings.pageSize;
		return Math.max(1, Math.min(size, Number.isFinite(limit) ? limit : size));
	}
}
