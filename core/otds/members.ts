/**
 * The people in an OTDS group, direct or through nested groups, two ways:
 * - `groupsMembers`: GET /rest/groups/{id}/members, group by group (breadth first). The endpoint is not
 *   confirmed by any public source, so its answer is read leniently: `members` (each told apart by
 *   objectClass oTPerson / oTGroup), or `users` and `groups` lists; paged with nextPageCookie if present.
 * - `derived`: from the users' own oTMemberOf: the group and (when nested) every group below it are
 *   collected first, from the groups' oTMemberOf (or GET /groups/{id}/memberof per group), then the
 *   partition's users are streamed once and those in any of these groups are kept.
 * Both are cycle-safe (each group is expanded once) and list each person once. The `directMembers…`
 * variants list one group's direct members, people and nested groups alike, without expanding.
 */
import type { QueryValue } from '../../transport/http/types';
import type { OtdsRestClient } from './client';
import { attributeValues, groupKeys, memberOfKeys, parseOtdsObject, type OtdsObject } from './mapping';

export interface MemberContext {
	client: OtdsRestClient;
	/** Streams a collection page by page (users or groups of the configured partition). */
	listPages(collection: 'users' | 'groups', qs: Record<string, QueryValue>, what: string): AsyncGenerator<OtdsObject[]>;
	/** A group's parent groups, page by page (GET /groups/{id}/memberof); MembersEndpointMissing when not served. */
	groupMemberOf(group: OtdsObject): AsyncGenerator<OtdsObject[]>;
	attrsAsKeys: boolean;
	memberOfAttribute: string;
	derivedGroupParents: 'oTMemberOf' | 'memberof';
}

/** Thrown when GET /groups/{id}/members does not exist on this server. */
export class MembersEndpointMissing extends Error {
	constructor() {
		super('GET /rest/groups/{id}/members is not available');
		this.name = 'MembersEndpointMissing';
	}
}

const objectKey = (object: OtdsObject): string => (object.uuid ?? object.id).toLowerCase();

function isGroup(raw: unknown, object: OtdsObject): boolean {
	const objectClass = (object.objectClass ?? '').toLowerCase();
	if (objectClass === 'otgroup') return true;
	if (objectClass === 'otperson') return false;
	return typeof (raw as { numMembers?: unknown }).numMembers === 'number';
}

/** Direct members as one page lists them. */
export interface MemberPage {
	users: OtdsObject[];
	groups: OtdsObject[];
}

/** One page of GET /groups/{id}/members, split into users and groups. */
function splitMembers(body: Record<string, unknown>): MemberPage {
	const users: OtdsObject[] = [];
	const groups: OtdsObject[] = [];
	const add = (list: unknown, kind?: 'user' | 'group') => {
		if (!Array.isArray(list)) return;
		for (const raw of list) {
			const object = parseOtdsObject(raw);
			if (!object) continue;
			if ((kind ?? (isGroup(raw, object) ? 'group' : 'user')) === 'group') groups.push(object);
			else users.push(object);
		}
	};
	add(body.members);
	add(body.users, 'user');
	add(body.groups, 'group');
	return { users, groups };
}

/** A group's direct members, page by page, from GET /groups/{id}/members; `optional`: a 404 ends the listing (a group deleted meanwhile). */
async function* endpointPages(
	context: MemberContext,
	group: OtdsObject,
	pageSize: number,
	optional: boolean,
): AsyncGenerator<MemberPage> {
	let cookie: string | undefined;
	const trail = context.client.cookieTrail(`listing the members of group "${group.id}"`);
	do {
		const body = await context.client
			.getJson(['groups', group.id, 'members'], {
				qs: { page_size: pageSize, attrsAsKeys: context.attrsAsKeys ? true : undefined, next_page_cookie: cookie },
				what: `list the members of group "${group.id}"`,
				notFound: () => new MembersEndpointMissing(),
			})
			.catch((error: unknown) => {
				if (error instanceof MembersEndpointMissing && optional) return undefined;
				throw error;
			});
		if (body === undefined) return;
		yield splitMembers(body);
		cookie = trail.next(body.nextPageCookie);
	} while (cookie !== undefined);
}

export async function* membersViaEndpoint(
	context: MemberContext,
	root: OtdsObject,
	nested: boolean,
	pageSize: number,
): AsyncGenerator<OtdsObject[]> {
	const expanded = new Set<string>([objectKey(root)]);
	const listed = new Set<string>();
	const queue: OtdsObject[] = [root];
	while (queue.length > 0) {
		const group = queue.shift() as OtdsObject;
		// A nested group deleted while we walk is skipped; the root's 404 means the endpoint is missing.
		for await (const { users, groups } of endpointPages(context, group, pageSize, group !== root)) {
			const fresh = users.filter((user) => !listed.has(objectKey(user)));
			for (const user of fresh) listed.add(objectKey(user));
			if (fresh.length > 0) yield fresh;
			if (!nested) continue;
			for (const child of groups) {
				if (expanded.has(objectKey(child))) continue;
				expanded.add(objectKey(child));
				queue.push(child);
			}
		}
	}
}

/** The direct members of a group, people and groups, from GET /groups/{id}/members. */
export function directMembersViaEndpoint(
	context: MemberContext,
	root: OtdsObject,
	pageSize: number,
): AsyncGenerator<MemberPage> {
	return endpointPages(context, root, pageSize, false);
}

async function parentsOf(context: MemberContext, group: OtdsObject): Promise<string[]> {
	if (context.derivedGroupParents === 'oTMemberOf') return attributeValues(group, 'oTMemberOf').flatMap(memberOfKeys);
	const keys: string[] = [];
	const pages = context.groupMemberOf(group);
	// A server without GET /groups/{id}/memberof: no parents known that way.
	const endOnMissing = (error: unknown): IteratorReturnResult<undefined> => {
		if (error instanceof MembersEndpointMissing) return { done: true, value: undefined };
		throw error;
	};
	for (let page = await pages.next().catch(endOnMissing); !page.done; page = await pages.next().catch(endOnMissing))
		keys.push(...page.value.flatMap(groupKeys));
	return keys;
}

export async function* membersDerived(
	context: MemberContext,
	root: OtdsObject,
	nested: boolean,
	pageSize: number,
): AsyncGenerator<OtdsObject[]> {
	const closure = new Set(groupKeys(root));
	if (nested) {
		const children = new Map<string, OtdsObject[]>();
		for await (const page of context.listPages(
			'groups',
			{ page_size: pageSize },
			'list groups to expand nested groups',
		)) {
			for (const group of page) {
				for (const key of await parentsOf(context, group)) {
					const list = children.get(key);
					if (list) list.push(group);
					else children.set(key, [group]);
				}
			}
		}
		const expanded = new Set<string>([objectKey(root)]);
		const queue: OtdsObject[] = [root];
		while (queue.length > 0) {
			const group = queue.shift() as OtdsObject;
			for (const key of groupKeys(group)) {
				for (const child of children.get(key) ?? []) {
					if (expanded.has(objectKey(child))) continue;
					expanded.add(objectKey(child));
					for (const childKey of groupKeys(child)) closure.add(childKey);
					queue.push(child);
				}
			}
		}
	}
	const listed = new Set<string>();
	for await (const page of context.listPages('users', { page_size: pageSize }, 'list users to find group members')) {
		const members = page.filter((user) => {
			if (listed.has(objectKey(user))) return false;
			const hit = attributeValues(user, context.memberOfAttribute).some((value) =>
				memberOfKeys(value).some((key) => closure.has(key)),
			);
			if (hit) listed.add(objectKey(user));
			return hit;
		});
		if (members.length > 0) yield members;
	}
}

/**
 * The direct members of a group without the members endpoint: the groups whose parents (oTMemberOf, or
 * GET /groups/{id}/memberof) name it, then the people whose oTMemberOf does.
 */
export async function* directMembersDerived(
	context: MemberContext,
	root: OtdsObject,
	pageSize: number,
): AsyncGenerator<MemberPage> {
	const keys = new Set(groupKeys(root));
	for await (const page of context.listPages('groups', { page_size: pageSize }, 'list groups to find nested groups')) {
		const groups: OtdsObject[] = [];
		for (const group of page) {
			if (objectKey(group) !== objectKey(root) && (await parentsOf(context, group)).some((key) => keys.has(key)))
				groups.push(group);
		}
		if (groups.length > 0) yield { users: [], groups };
	}
	for await (const users of membersDerived(context, root, false, pageSize)) yield { users, groups: [] };
}
