/**
 * The emulator's admin API over HTTP, under /__emulator, so that other processes (a real n8n, a demo,
 * a benchmark) can drive directory changes and faults. Each route calls the same OtdsStore / Faults
 * method a test in this process would call. Not part of OTDS.
 *
 *   GET    /__emulator/state                          counts, partition, clock
 *   GET    /__emulator/users/{ref}                    a user as OTDS renders it (attrsAsKeys)
 *   POST   /__emulator/users                          {name, partition?, attributes?, password?, groups?, description?}
 *   PATCH  /__emulator/users/{ref}                    {attributes: {name: value | [values] | null}}
 *   POST   /__emulator/users/{ref}/lock | unlock | disable | enable | require-password-reset
 *   POST   /__emulator/users/{ref}/password           {password}
 *   POST   /__emulator/users/{ref}/rename             {name}
 *   DELETE /__emulator/users/{ref}
 *   GET    /__emulator/groups/{ref}
 *   POST   /__emulator/groups                         {name, description?, members?, partition?}
 *   DELETE /__emulator/groups/{ref}
 *   POST   /__emulator/groups/{ref}/members           {member, kind?: 'user' | 'group'}
 *   DELETE /__emulator/groups/{ref}/members/{member}  (?kind=user|group)
 *   POST   /__emulator/faults                         {latencyMs?, rateLimit?, fail?, drop?, dropResponse?, expireTickets?, reset?}
 *          rateLimit {count, retryAfterSeconds?, method?, path?, after?}; fail {count, status?, retryAfterSeconds?, method?, path?, after?};
 *          drop / dropResponse {count, method?, path?, after?} (after: matching requests let through first)
 *   GET    /__emulator/requests   DELETE /__emulator/requests
 *   POST   /__emulator/clock                          {advanceMs}
 * {ref} is a URL-encoded id (name@partition), bare name, uuid or location.
 */
import type { Reply } from './auth';
import type { FaultMatch, Faults } from './faults';
import { EmulatorError } from './shapes';
import type { OtdsStore } from './store';

export interface RequestLogEntry {
	at: string;
	method: string;
	path: string;
	/** Query parameters; never secrets (none are sent in queries, and any such name is masked). */
	query: Record<string, string>;
	status?: number;
	/** Which fault, if any, answered instead of the emulated server. */
	fault?: string;
}

const USER_ACTIONS: Record<string, (store: OtdsStore, ref: string) => unknown> = {
	lock: (store, ref) => store.lockUser(ref),
	unlock: (store, ref) => store.unlockUser(ref),
	disable: (store, ref) => store.disableUser(ref),
	enable: (store, ref) => store.enableUser(ref),
	'require-password-reset': (store, ref) => store.requirePasswordReset(ref),
};

function object(body: unknown): Record<string, unknown> {
	return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

function text(body: Record<string, unknown>, name: string): string {
	const value = body[name];
	if (typeof value !== 'string' || value === '') throw new EmulatorError(400, `${name} is required`);
	return value;
}

function match(spec: Record<string, unknown>): FaultMatch {
	return {
		method: typeof spec.method === 'string' ? spec.method : undefined,
		path: typeof spec.path === 'string' ? spec.path : undefined,
		after: typeof spec.after === 'number' ? spec.after : undefined,
	};
}

const count = (spec: Record<string, unknown>): number => (typeof spec.count === 'number' ? spec.count : 1);
const kindOf = (value: unknown): 'user' | 'group' | undefined =>
	value === 'user' || value === 'group' ? value : undefined;

export function handleAdmin(
	store: OtdsStore,
	faults: Faults,
	log: RequestLogEntry[],
	method: string,
	segments: string[],
	params: URLSearchParams,
	rawBody: unknown,
): Reply {
	const body = object(rawBody);
	const [resource, ref, action, memberRef] = segments;
	const ok = (value: unknown, status = 200): Reply => ({ status, body: value });
	const user = (reference: string) => store.userJson(store.requireUser(reference));
	const group = (reference: string) => store.groupJson(store.requireGroup(reference));

	if (resource === 'state' && method === 'GET') {
		return ok({
			partition: store.partition,
			users: store.allUsers().length,
			groups: store.allGroups().length,
			now: new Date(store.now()).toISOString(),
		});
	}
	if (resource === 'requests') {
		if (method === 'GET') return ok({ requests: log });
		if (method === 'DELETE') {
			log.length = 0;
			return { status: 204 };
		}
	}
	if (resource === 'clock' && method === 'POST') {
		store.advanceClock(typeof body.advanceMs === 'number' ? body.advanceMs : 0);
		return ok({ now: new Date(store.now()).toISOString() });
	}
	if (resource === 'faults' && method === 'POST') {
		if (body.reset === true) faults.reset();
		if (typeof body.latencyMs === 'number') faults.setLatency(body.latencyMs);
		const rateLimit = object(body.rateLimit);
		if (body.rateLimit)
			faults.rateLimitNext(
				count(rateLimit),
				typeof rateLimit.retryAfterSeconds === 'number'
					? rateLimit.retryAfterSeconds
					: rateLimit.retryAfterSeconds === null
						? null
						: 1,
				match(rateLimit),
			);
		const fail = object(body.fail);
		if (body.fail) {
			const retryAfterSeconds = typeof fail.retryAfterSeconds === 'number' ? fail.retryAfterSeconds : undefined;
			faults.failNext(count(fail), typeof fail.status === 'number' ? fail.status : 503, {
				...match(fail),
				retryAfterSeconds,
			});
		}
		if (body.drop) faults.dropNext(count(object(body.drop)), match(object(body.drop)));
		if (body.dropResponse) faults.dropResponseNext(count(object(body.dropResponse)), match(object(body.dropResponse)));
		if (body.expireTickets === true) faults.expireAllTickets();
		return ok({ pending: faults.pending(), latencyMs: faults.latencyMs });
	}
	if (resource === 'users') {
		if (ref === undefined && method === 'POST') {
			const attributes = object(body.attributes) as Record<string, string | string[]>;
			const groups = Array.isArray(body.groups) ? (body.groups as string[]) : undefined;
			const created = store.createUser({
				name: text(body, 'name'),
				partition: typeof body.partition === 'string' ? body.partition : undefined,
				attributes,
				password: typeof body.password === 'string' ? body.password : undefined,
				description: typeof body.description === 'string' ? body.description : undefined,
				groups,
			});
			return ok(store.userJson(created), 201);
		}
		if (ref !== undefined && action === undefined) {
			if (method === 'GET') return ok(user(ref));
			if (method === 'PATCH')
				return ok(
					store.userJson(store.updateUser(ref, object(body.attributes) as Record<string, string | string[] | null>)),
				);
			if (method === 'DELETE') {
				store.deleteUser(ref);
				return { status: 204 };
			}
		}
		if (ref !== undefined && method === 'POST' && action !== undefined && segments.length === 3) {
			if (USER_ACTIONS[action]) {
				USER_ACTIONS[action](store, ref);
				return ok(user(ref));
			}
			if (action === 'password') return ok(store.userJson(store.changePassword(ref, text(body, 'password'))));
			if (action === 'rename') return ok(store.userJson(store.renameUser(ref, text(body, 'name'))));
		}
	}
	if (resource === 'groups') {
		if (ref === undefined && method === 'POST') {
			const created = store.createGroup({
				name: text(body, 'name'),
				partition: typeof body.partition === 'string' ? body.partition : undefined,
				description: typeof body.description === 'string' ? body.description : undefined,
				members: Array.isArray(body.members) ? (body.members as string[]) : undefined,
			});
			return ok(store.groupJson(created), 201);
		}
		if (ref !== undefined && action === undefined) {
			if (method === 'GET') return ok(group(ref));
			if (method === 'DELETE') {
				store.deleteGroup(ref);
				return { status: 204 };
			}
		}
		if (ref !== undefined && action === 'members') {
			if (method === 'POST' && memberRef === undefined) {
				store.addMember(ref, text(body, 'member'), { kind: kindOf(body.kind) });
				return ok(group(ref));
			}
			if (method === 'DELETE' && memberRef !== undefined) {
				store.removeMember(ref, memberRef, { kind: kindOf(params.get('kind')) });
				return ok(group(ref));
			}
		}
	}
	throw new EmulatorError(404, `No admin route ${method} /__emulator/${segments.join('/')}`);
}
