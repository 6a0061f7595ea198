/**
 * The /otdsws/rest routes after sign-in: current user, users, groups, memberships, partitions.
 * Shapes follow shared/reference/otds-rest.md; choices the reference leaves open are documented in
 * emulators/otds/README.md.
 */
import { requireAdmin, type Principal, type Reply } from './auth';
import { Pager, groupMatches, parseListQuery, userMatches } from './listing';
import {
	EmulatorError,
	READ_ONLY_ATTRIBUTES,
	partitionLocation,
	type NameValues,
	type StoredGroup,
	type StoredUser,
} from './shapes';
import type { OtdsStore } from './store';

export interface RestOptions {
	/** Serve GET /rest/groups/{id}/members (default true). false answers 404, as a server without it would. */
	groupMembersEndpoint?: boolean;
}

const ok = (body: unknown, status = 200): Reply => ({ status, body });
const noContent: Reply = { status: 204 };

function asObject(body: unknown): Record<string, unknown> {
	if (typeof body !== 'object' || body === null || Array.isArray(body))
		throw new EmulatorError(400, 'The request body must be a JSON object');
	return body as Record<string, unknown>;
}

/**
 * Refuses fields OTDS does not take in this request (a PATCH with `attributes` instead of `values` would otherwise
 * change nothing and answer 200).
 */
function onlyFields(body: Record<string, unknown>, allowed: readonly string[], what: string): Record<string, unknown> {
	const unknown = Object.keys(body).filter((name) => !allowed.includes(name));
	if (unknown.length > 0)
		throw new EmulatorError(
			400,
			`Unrecognized field(s) ${unknown.map((name) => `"${name}"`).join(', ')} in ${what}: it takes ${allowed.join(', ')}`,
		);
	return body;
}

/** The fields of a user as GET returns it: what a PUT echoes. */
const USER_OBJECT_FIELDS = [
	'userPartitionID',
	'name',
	'location',
	'id',
	'values',
	'attributes',
	'customAttributes',
	'objectClass',
	'uuid',
	'description',
	'originUUID',
	'urlId',
	'urlLocation',
] as const;
/** A PATCH: the partition, the attributes to merge, the top-level description (pyxecm), and the unchanged name. */
const USER_PATCH_FIELDS = ['userPartitionID', 'name', 'values', 'description'] as const;
const NEW_USER_FIELDS = [
	'userPartitionID',
	'name',
	'values',
	'description',
	'password',
	'location',
	'customAttributes',
	'objectClass',
] as const;
/** A new group: what pyxecm's add_group sends. */
const NEW_GROUP_FIELDS = ['userPartitionID', 'name', 'description'] as const;

function stringList(body: unknown): string[] {
	const list = onlyFields(asObject(body), ['stringList'], 'a membership change').stringList;
	if (
		!Array.isArray(list) ||
		list.length === 0 ||
		!list.every((item) => typeof item === 'string' && item.trim() !== '')
	) {
		throw new EmulatorError(400, 'stringList must be a non-empty list of ids');
	}
	return list as string[];
}

function nameValues(body: Record<string, unknown>): NameValues[] {
	const values = body.values ?? [];
	if (!Array.isArray(values)) throw new EmulatorError(400, 'values must be a list of {name, values}');
	return values.map((item: unknown) => {
		const entry = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
		const list = entry.values;
		if (typeof entry.name !== 'string' || entry.name.trim() === '')
			throw new EmulatorError(400, 'Every item of values needs a name');
		if (!Array.isArray(list) || !list.every((value) => typeof value === 'string')) {
			throw new EmulatorError(400, `values of attribute "${entry.name}" must be a list of strings`);
		}
		return { name: entry.name.trim(), values: list as string[] };
	});
}

export class RestApi {
	private readonly pager = new Pager();

	constructor(
		private readonly store: OtdsStore,
		private readonly options: RestOptions = {},
	) {}

	handle(method: string, segments: string[], params: URLSearchParams, body: unknown, principal: Principal): Reply {
		const [collection, id, sub, subsub] = segments;
		const asKeys = (params.get('attrsAsKeys') ?? '').toLowerCase() === 'true';
		if (collection === 'currentuser' && segments.length === 1 && method === 'GET') return this.currentUser(principal);
		if (collection === 'partitions') return this.partitions(method, segments);
		if (collection !== 'users' && collection !== 'groups')
			throw new EmulatorError(404, `No resource at /rest/${segments.join('/')}`);
		const users = collection === 'users';
		if (id === undefined) {
			if (method === 'GET') return this.list(collection, params);
			if (method === 'POST') return this.create(collection, body, principal, asKeys);
			throw methodNotAllowed(method);
		}
		const target = users ? this.store.requireUser(id) : this.store.requireGroup(id);
		if (sub === undefined) return this.single(method, target, users, body, principal, asKeys);
		if (sub === 'memberof' && subsub === undefined) {
			if (method === 'GET') return this.memberOf(target, params, asKeys);
			if (method === 'POST') return this.changeMemberOf(target, users, body, principal, 'add');
			throw methodNotAllowed(method);
		}
		if (sub === 'memberof' && subsub === 'deletionset' && segments.length === 4) {
			if (method === 'POST') return this.changeMemberOf(target, users, body, principal, 'remove');
			throw methodNotAllowed(method);
		}
		if (users && sub === 'password' && segments.length === 3) {
			if (method !== 'PUT') throw methodNotAllowed(method);
			requireAdmin(principal);
			const newPassword = onlyFields(asObject(body), ['newPassword'], 'a password change').newPassword;
			if (typeof newPassword !== 'string' || newPassword === '')
				throw new EmulatorError(400, 'newPassword is required');
			this.store.changePassword(target.uuid, newPassword, { checked: true });
			return noContent;
		}
		if (!users && sub === 'members' && segments.length === 3 && this.options.groupMembersEndpoint !== false) {
			if (method !== 'GET') throw methodNotAllowed(method);
			return this.members(target as StoredGroup, params, asKeys);
		}
		throw new EmulatorError(404, `No resource at /rest/${segments.map(encodeURIComponent).join('/')}`);
	}

	private currentUser(principal: Principal): Reply {
		const user = principal.userUuid ? this.store.findUser(principal.userUuid) : undefined;
		const shape = user
			? this.store.userJson(user, false)
			: { id: principal.id, name: principal.name, userPartitionID: principal.partition, objectClass: 'oTPerson' };
		return ok({ user: shape, isAdmin: principal.isAdmin, isSysAdmin: principal.isAdmin });
	}

	private partitions(method: string, segments: string[]): Reply {
		if (method !== 'GET') throw methodNotAllowed(method);
		const shape = (name: string) => {
			const info = this.store.partitions.get(name.toLowerCase());
			if (!info) throw new EmulatorError(404, `Partition "${name}" was not found`);
			const count = <T extends { partition: string }>(items: T[]) =>
				items.filter((item) => item.partition === info.name).length;
			return {
				name: info.name,
				id: info.name,
				description: info.description,
				type: info.type,
				location: partitionLocation(info.name),
				numUsers: count(this.store.allUsers()),
				numGroups: count(this.store.allGroups()),
			};
		};
		if (segments.length === 1)
			return ok({ partitions: [...this.store.partitions.values()].map((info) => shape(info.name)) });
		if (segments.length === 2) return ok(shape(segments[1]));
		throw new EmulatorError(404, `No resource at /rest/${segments.join('/')}`);
	}

	private list(collection: 'users' | 'groups', params: URLSearchParams): Reply {
		const query = parseListQuery(params, collection);
		const requestedPageSize = query.pageSize;
		if (collection === 'users') {
			const matching = this.store.allUsers().filter((user) => userMatches(user, query));
			const page = this.pager.page('users', matching, query, Date.now());
			const items = page.items.map((user) => this.store.userJson(user, query.attrsAsKeys));
			return ok({ users: items, actualPageSize: items.length, requestedPageSize, nextPageCookie: page.nextPageCookie });
		}
		const matching = this.store.allGroups().filter((group) => groupMatches(group, query));
		const page = this.pager.page('groups', matching, query, Date.now());
		const items = page.items.map((group) => this.store.groupJson(group, query.attrsAsKeys));
		return ok({ groups: items, actualPageSize: items.length, requestedPageSize, nextPageCookie: page.nextPageCookie });
	}

	/** Direct members, users and groups, each with its objectClass; paged like the lists. */
	private members(group: StoredGroup, params: URLSearchParams, asKeys: boolean): Reply {
		const query = parseListQuery(params, 'groups');
		const page = this.pager.page(`members:${group.uuid}`, this.store.membersOf(group), query, Date.now());
		const members = page.items.map((member) =>
			this.store.isUser(member)
				? this.store.userJson(member, asKeys)
				: this.store.groupJson(member as StoredGroup, asKeys),
		);
		return ok({
			members,
			actualPageSize: members.length,
			requestedPageSize: query.pageSize,
			nextPageCookie: page.nextPageCookie,
		});
	}

	/** The groups an object is directly in, paged like the lists (nextPageCookie, requestedPageSize: public C# client). */
	private memberOf(target: StoredUser | StoredGroup, params: URLSearchParams, asKeys: boolean): Reply {
		const query = parseListQuery(params, 'groups');
		const page = this.pager.page(`memberof:${target.uuid}`, this.store.groupsOf(target.uuid), query, Date.now());
		const groups = page.items.map((group) => this.store.groupJson(group, asKeys));
		return ok({
			groups,
			actualPageSize: groups.length,
			requestedPageSize: query.pageSize,
			nextPageCookie: page.nextPageCookie,
		});
	}

	private create(collection: 'users' | 'groups', body: unknown, principal: Principal, asKeys: boolean): Reply {
		requireAdmin(principal);
		const users = collection === 'users';
		const request = onlyFields(
			asObject(body),
			users ? NEW_USER_FIELDS : NEW_GROUP_FIELDS,
			`a new ${users ? 'user' : 'group'}`,
		);
		const partition = request.userPartitionID;
		const name = request.name;
		if (typeof partition !== 'string' || partition === '') throw new EmulatorError(400, 'userPartitionID is required');
		if (typeof name !== 'string' || name.trim() === '') throw new EmulatorError(400, 'name is required');
		if (request.description !== undefined && request.description !== null && typeof request.description !== 'string')
			throw new EmulatorError(400, 'description must be a string or null');
		const description = typeof request.description === 'string' ? request.description : undefined;
		if (!users) return ok(this.store.groupJson(this.store.createGroup({ name, partition, description }), asKeys), 201);
		if (request.password !== undefined && typeof request.password !== 'string')
			throw new EmulatorError(400, 'password must be a string');
		const values = nameValues(request);
		if (values.some((item) => item.name.toLowerCase() === 'description'))
			throw new EmulatorError(400, 'description is a top-level field of the user, not an entry of values');
		const attributes: Record<string, string[]> = {};
		for (const item of values) attributes[item.name] = item.values;
		const password = typeof request.password === 'string' ? request.password : undefined;
		return ok(
			this.store.userJson(
				this.store.createUser({ name, partition, description, attributes, password }, { checked: true }),
				asKeys,
			),
			201,
		);
	}

	private single(
		method: string,
		target: StoredUser | StoredGroup,
		users: boolean,
		body: unknown,
		principal: Principal,
		asKeys: boolean,
	): Reply {
		if (method === 'GET')
			return ok(
				users ? this.store.userJson(target as StoredUser, asKeys) : this.store.groupJson(target as StoredGroup, asKeys),
			);
		if (method === 'DELETE') {
			requireAdmin(principal);
			if (users) this.store.deleteUser(target.uuid);
			else this.store.deleteGroup(target.uuid);
			return noContent;
		}
		if (users && (method === 'PATCH' || method === 'PUT')) {
			requireAdmin(principal);
			const user = target as StoredUser;
			const request = onlyFields(
				asObject(body),
				method === 'PATCH' ? USER_PATCH_FIELDS : USER_OBJECT_FIELDS,
				`a user ${method}`,
			);
			const partition = request.userPartitionID;
			if (
				partition !== undefined &&
				(typeof partition !== 'string' || partition.toLowerCase() !== user.partition.toLowerCase())
			) {
				throw new EmulatorError(
					400,
					`userPartitionID "${String(partition)}" does not match the user's partition "${user.partition}"`,
				);
			}
			if (request.name !== undefined && request.name !== user.name)
				throw new EmulatorError(400, 'The user name cannot be changed here');
			if (
				request.description !== undefined &&
				request.description !== null &&
				typeof request.description !== 'string'
			) {
				throw new EmulatorError(400, 'description must be a string or null');
			}
			let values = nameValues(request);
			if (values.some((item) => item.name.toLowerCase() === 'description')) {
				throw new EmulatorError(400, 'description is a top-level field of the user, not an entry of values');
			}
			if (method === 'PATCH') {
				this.store.writeUserAttributes(user, values, 'merge', request.description as string | null | undefined);
				return ok(this.store.userJson(user, asKeys));
			}
			// PUT carries the whole user as GET returned it (public C# client): what it leaves out is gone, the
			// description included; the attributes OTDS maintains itself come back as read and are not written.
			if (request.name === undefined || !Array.isArray(request.values)) {
				throw new EmulatorError(
					400,
					'A PUT carries the whole user as read by GET (name, values, description...): use PATCH to change some attributes',
				);
			}
			values = values.filter((item) => !READ_ONLY_ATTRIBUTES.has(item.name.toLowerCase()));
			const description = (request.description as string | null | undefined) ?? null;
			this.store.writeUserAttributes(user, values, this.store.options.putSemantics ?? 'replace', description);
			return ok(this.store.userJson(user, asKeys));
		}
		throw methodNotAllowed(method);
	}

	private changeMemberOf(
		target: StoredUser | StoredGroup,
		users: boolean,
		body: unknown,
		principal: Principal,
		change: 'add' | 'remove',
	): Reply {
		requireAdmin(principal);
		// Resolve every group before changing anything: all or nothing.
		const groups = stringList(body).map((ref) => this.store.requireGroup(ref));
		const kind = users ? 'user' : 'group';
		for (const group of groups) {
			if (change === 'add') this.store.addMember(group.uuid, target.uuid, { kind });
			else this.store.removeMember(group.uuid, target.uuid, { kind });
		}
		return noContent;
	}
}

function methodNotAllowed(method: string): EmulatorError {
	return new EmulatorError(405, `Method ${method} is not allowed here`);
}
