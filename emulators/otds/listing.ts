/**
 * GET /rest/users and GET /rest/groups: the where_* filters, limit, attrsAsKeys and cookie paging.
 *
 * What the emulator's filters do (the reference names them, but not their exact semantics):
 * - where_partition_name: the partition's name, case-insensitive; an unknown partition yields no items.
 * - where_filter: case-insensitive "contains" on the user's name, mail and displayName (users) or the
 *   group's name and description (groups), matched literally (no wildcards).
 * - where_location: objects whose location DN ends with the given DN (under that OU), case-insensitive.
 * - where_state (users): enabled = accountDisabled is not "true"; disabled = it is. Other values: 400.
 * - page_size: default 250, 1..10000; limit: at most that many items over all pages.
 * - next_page_cookie: opaque, from the previous page's nextPageCookie; reusable (a retried page request
 *   gets the same page); a cookie from another query or an unknown one: 400.
 * Order: creation order. Pages are offsets into the current result, like a database cursor without
 * snapshot isolation: changes made between page requests can shift items.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
	EmulatorError,
	firstValue,
	groupLocation,
	isTrue,
	userLocation,
	type StoredGroup,
	type StoredUser,
} from './shapes';

export const DEFAULT_PAGE_SIZE = 250;
const MAX_PAGE_SIZE = 10_000;
const COOKIE_LIFETIME_MS = 15 * 60_000;

export interface ListQuery {
	partition?: string;
	filter?: string;
	location?: string;
	state?: 'enabled' | 'disabled';
	pageSize: number;
	limit?: number;
	attrsAsKeys: boolean;
	cookie?: string;
}

function positiveInt(value: string | null, name: string, max: number): number | undefined {
	if (value === null || value === '') return undefined;
	if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
		throw new EmulatorError(400, `Invalid value "${value}" for ${name}: expected a whole number from 1 to ${max}`);
	}
	return Number(value);
}

export function parseListQuery(params: URLSearchParams, kind: 'users' | 'groups'): ListQuery {
	const state = params.get('where_state') ?? undefined;
	if (state !== undefined && state !== '') {
		if (kind === 'groups') throw new EmulatorError(400, 'where_state is not supported for groups');
		if (state !== 'enabled' && state !== 'disabled')
			throw new EmulatorError(400, `Invalid where_state "${state}": use enabled or disabled`);
	}
	return {
		partition: params.get('where_partition_name') || undefined,
		filter: params.get('where_filter') || undefined,
		location: params.get('where_location') || undefined,
		state: state === 'enabled' || state === 'disabled' ? state : undefined,
		pageSize: positiveInt(params.get('page_size'), 'page_size', MAX_PAGE_SIZE) ?? DEFAULT_PAGE_SIZE,
		limit: positiveInt(params.get('limit'), 'limit', Number.MAX_SAFE_INTEGER),
		attrsAsKeys: (params.get('attrsAsKeys') ?? '').toLowerCase() === 'true',
		cookie: params.get('next_page_cookie') || undefined,
	};
}

const normalizeDn = (dn: string): string =>
	dn
		.toLowerCase()
		.replace(/\s*,\s*/g, ',')
		.trim();
const contains = (value: string | null | undefined, needle: string): boolean =>
	(value ?? '').toLowerCase().includes(needle);

export function userMatches(user: StoredUser, query: ListQuery): boolean {
	if (query.partition && user.partition.toLowerCase() !== query.partition.toLowerCase()) return false;
	if (query.filter) {
		const needle = query.filter.toLowerCase();
		const hit = [user.name, firstValue(user.attributes, 'mail'), firstValue(user.attributes, 'displayName')].some((v) =>
			contains(v, needle),
		);
		if (!hit) return false;
	}
	if (query.location && !normalizeDn(userLocation(user.uuid, user.partition)).endsWith(normalizeDn(query.location)))
		return false;
	if (query.state) {
		const disabled = isTrue(firstValue(user.attributes, 'accountDisabled'));
		if ((query.state === 'disabled') !== disabled) return false;
	}
	return true;
}

export function groupMatches(group: StoredGroup, query: ListQuery): boolean {
	if (query.partition && group.partition.toLowerCase() !== query.partition.toLowerCase()) return false;
	if (query.filter) {
		const needle = query.filter.toLowerCase();
		if (!contains(group.name, needle) && !contains(group.description, needle)) return false;
	}
	if (query.location && !normalizeDn(groupLocation(group.uuid, group.partition)).endsWith(normalizeDn(query.location)))
		return false;
	return true;
}

interface CookieState {
	offset: number;
	fingerprint: string;
	expiresAt: number;
}

export interface Page<T> {
	items: T[];
	nextPageCookie: string | null;
}

/** Hands out page cookies and turns them back into offsets. */
export class Pager {
	private readonly cookies = new Map<string, CookieState>();

	page<T>(kind: string, all: T[], query: ListQuery, now: number): Page<T> {
		const fingerprint = createHash('sha1')
			.update(JSON.stringify([kind, query.partition, query.filter, query.location, query.state, query.limit]))
			.digest('hex');
		let offset = 0;
		if (query.cookie) {
			const state = this.cookies.get(query.cookie);
			if (!state || state.expiresAt < now)
				throw new EmulatorError(400, 'The next_page_cookie is invalid or has expired');
			if (state.fingerprint !== fingerprint)
				throw new EmulatorError(400, 'The next_page_cookie belongs to a different query');
			offset = state.offset;
		}
		const end = Math.min(all.length, offset + query.pageSize, query.limit ?? Number.MAX_SAFE_INTEGER);
		const items = all.slice(offset, Math.max(offset, end));
		let nextPageCookie: string | null = null;
		if (end < all.length && end < (query.limit ?? Number.MAX_SAFE_INTEGER)) {
			nextPageCookie = randomBytes(16).toString('base64');
			this.prune(now);
			this.cookies.set(nextPageCookie, { offset: end, fingerprint, expiresAt: now + COOKIE_LIFETIME_MS });
		}
		return { items, nextPageCookie };
	}

	private prune(now: number): void {
		if (this.cookies.size < 10_000) return;
		for (const [cookie, state] of this.cookies) if (state.expiresAt < now) this.cookies.delete(cookie);
	}
}
