/**
 * The emulator's state: partitions, users, groups, memberships, a clock. Every change made through the
 * REST routes or the admin API (in process here, or over HTTP under /__emulator) goes through these
 * methods, so timestamps move the same way whichever way a test drives it.
 *
 * Timestamps, as the reference describes OTDS: users carry createTimestamp and modifyTimestamp (moved by
 * every change to the user), groups carry createTimestamp only. Whether adding a user to a group moves
 * the USER's modifyTimestamp is not known publicly: off by default (`membershipTouchesUser`).
 */
import { randomUUID } from 'node:crypto';
import {
	ADMIN_PARTITION,
	ADMINS_GROUP,
	CUSTOM_ATTRIBUTES,
	EmulatorError,
	OAUTH_PARTITION,
	READ_ONLY_ATTRIBUTES,
	USER_SCHEMA,
	attributeKey,
	groupLocation,
	isoSeconds,
	memberOfValue,
	objectGuid,
	objectId,
	renderGroup,
	renderUser,
	userLocation,
	type Attributes,
	type MembershipView,
	type NameValues,
	type StoredGroup,
	type StoredUser,
} from './shapes';

export interface StoreOptions {
	/** The partition fixture users live in (default 'Content Server Members'). */
	partition?: string;
	/** The clock (default Date.now); `advanceClock` adds an offset on top. */
	now?: () => number;
	/** Adding or removing a member also moves the member user's modifyTimestamp (default false). */
	membershipTouchesUser?: boolean;
	/**
	 * Reject writes of attributes outside the partition schema with 400 (default true: custom attributes must exist in
	 * the partition's schema, public fact; how strict a real server is, is uncertain). false accepts any name.
	 */
	strictSchema?: boolean;
	/** More attribute names the schema accepts (custom attributes mapped in the partition), besides CUSTOM_ATTRIBUTES. */
	schemaAttributes?: string[];
	/** PUT /users/{id}: 'replace' (default) drops writable attributes the body does not list; 'merge' keeps them. */
	putSemantics?: 'replace' | 'merge';
	/**
	 * A password policy for passwords set over REST (a new user's, PUT /users/{id}/password): shorter ones are
	 * refused with 400, nothing changed. Default: none (the real default policy is not public).
	 */
	passwordPolicy?: { minimumLength: number };
}

/** What `{ checked: true }` asks of a store write: the checks OTDS makes of a REST request (schema, flags, policy). */
export interface WriteChecks {
	checked?: boolean;
}

/** The account flags OTDS keeps as "true" / "false" text (the reference's attribute list). Lower case. */
const BOOLEAN_ATTRIBUTES = new Set(
	[
		'accountDisabled',
		'accountLockedOut',
		'UserMustChangePasswordAtNextSignIn',
		'UserCannotChangePassword',
		'PasswordNeverExpires',
		'pwdReset',
	].map((name) => name.toLowerCase()),
);

export interface PartitionInfo {
	name: string;
	description: string;
	type: 'non-synchronized' | 'synchronized';
}

export interface NewUser {
	name: string;
	partition?: string;
	attributes?: Record<string, string | string[]>;
	description?: string;
	password?: string;
	/** Group references to add the new user to. */
	groups?: string[];
	uuid?: string;
	/** ms since epoch; default now. */
	createdAt?: number;
}

export interface NewGroup {
	name: string;
	partition?: string;
	description?: string;
	/** Member references (users or groups). */
	members?: string[];
	uuid?: string;
	createdAt?: number;
}

const normalizeDn = (dn: string): string =>
	dn
		.trim()
		.toLowerCase()
		.replace(/\s*([,=])\s*/g, '$1');

const toValues = (value: string | string[]): string[] => (Array.isArray(value) ? [...value] : [value]);

export class OtdsStore implements MembershipView {
	readonly partition: string;
	readonly partitions = new Map<string, PartitionInfo>();
	private readonly users = new Map<string, StoredUser>();
	private readonly groups = new Map<string, StoredGroup>();
	private readonly userIds = new Map<string, string>();
	private readonly groupIds = new Map<string, string>();
	/** member uuid → uuids of the groups it is a direct member of. */
	private readonly parents = new Map<string, Set<string>>();
	private readonly clock: () => number;
	private clockOffsetMs = 0;
	private readonly schema: Set<string>;

	constructor(readonly options: StoreOptions = {}) {
		this.partition = options.partition ?? 'Content Server Members';
		this.clock = options.now ?? Date.now;
		this.schema = new Set(
			[...USER_SCHEMA, ...CUSTOM_ATTRIBUTES, ...(options.schemaAttributes ?? [])].map((name) => name.toLowerCase()),
		);
		this.addPartition({
			name: this.partition,
			description: 'Non-synchronized user partition',
			type: 'non-synchronized',
		});
		this.addPartition({ name: ADMIN_PARTITION, description: 'OTDS administrators', type: 'non-synchronized' });
		this.addPartition({ name: OAUTH_PARTITION, description: 'OAuth clients', type: 'non-synchronized' });
		this.createGroup({ name: ADMINS_GROUP, partition: ADMIN_PARTITION, description: 'OTDS administrators' });
	}

	/** Whether OTDS grants this user administration: a member of otdsadmins@otds.admin, directly or nested. */
	isAdministrator(userUuid: string): boolean {
		const admins = this.groupIds.get(objectId(ADMINS_GROUP, ADMIN_PARTITION).toLowerCase());
		if (admins === undefined) return false;
		const seen = new Set<string>();
		const queue = [userUuid];
		while (queue.length > 0) {
			for (const parent of this.parents.get(queue.shift() as string) ?? []) {
				if (parent === admins) return true;
				if (!seen.has(parent)) {
					seen.add(parent);
					queue.push(parent);
				}
			}
		}
		return false;
	}

	// ---- clock ---------------------------------------------------------------------------------------

	now(): number {
		return this.clock() + this.clockOffsetMs;
	}

	/** Moves the emulator's clock forward (tests of timestamp-based polling). */
	advanceClock(ms: number): void {
		this.clockOffsetMs += ms;
	}

	addPartition(info: PartitionInfo): void {
		this.partitions.set(info.name.toLowerCase(), info);
	}

	// ---- lookups -------------------------------------------------------------------------------------

	/** A user by id (`name@partition`), uuid, location, or bare name (default partition first). */
	findUser(ref: string): StoredUser | undefined {
		return this.find(ref, this.users, this.userIds, (user) => userLocation(user.uuid, user.partition));
	}

	findGroup(ref: string): StoredGroup | undefined {
		return this.find(ref, this.groups, this.groupIds, (group) => groupLocation(group.uuid, group.partition));
	}

	requireUser(ref: string): StoredUser {
		const user = this.findUser(ref);
		if (!user) throw new EmulatorError(404, `User "${ref}" was not found`);
		return user;
	}

	requireGroup(ref: string): StoredGroup {
		const group = this.findGroup(ref);
		if (!group) throw new EmulatorError(404, `Group "${ref}" was not found`);
		return group;
	}

	private find<T extends { uuid: string; name: string; partition: string }>(
		ref: string,
		all: Map<string, T>,
		ids: Map<string, string>,
		locationOf: (item: T) => string,
	): T | undefined {
		const lower = ref.trim().toLowerCase();
		const byId = ids.get(lower);
		if (byId) return all.get(byId);
		const byUuid = all.get(lower);
		if (byUuid) return byUuid;
		// A location addresses its object; a short DN (oTGroup=<uuid>,dc=..., as oTMemberOf holds) does not.
		const rdn = /^ot(?:person|group)=([0-9a-f-]{36}),/i.exec(ref.trim());
		if (rdn) {
			const found = all.get(rdn[1].toLowerCase());
			return found && normalizeDn(locationOf(found)) === normalizeDn(ref) ? found : undefined;
		}
		const inDefault = ids.get(objectId(lower, this.partition.toLowerCase()));
		if (inDefault) return all.get(inDefault);
		const named = [...all.values()].filter((item) => item.name.toLowerCase() === lower);
		return named.length === 1 ? named[0] : undefined;
	}

	allUsers(): StoredUser[] {
		return [...this.users.values()];
	}

	allGroups(): StoredGroup[] {
		return [...this.groups.values()];
	}

	memberOfValues(uuid: string): string[] {
		return this.groupsOf(uuid).map((group) => memberOfValue(group.uuid));
	}

	/** The groups `uuid` (user or group) is a direct member of. */
	groupsOf(uuid: string): StoredGroup[] {
		return [...(this.parents.get(uuid) ?? [])]
			.map((id) => this.groups.get(id))
			.filter((g): g is StoredGroup => g !== undefined);
	}

	/** Direct members of a group, users and groups, in insertion order. */
	membersOf(group: StoredGroup): Array<StoredUser | StoredGroup> {
		const members: Array<StoredUser | StoredGroup> = [];
		for (const uuid of group.members) {
			const member = this.users.get(uuid) ?? this.groups.get(uuid);
			if (member) members.push(member);
		}
		return members;
	}

	isUser(item: StoredUser | StoredGroup): item is StoredUser {
		return this.users.has(item.uuid) && 'password' in item;
	}

	userJson(user: StoredUser, attrsAsKeys = true): Record<string, unknown> {
		return renderUser(user, this, attrsAsKeys);
	}

	groupJson(group: StoredGroup, attrsAsKeys = true): Record<string, unknown> {
		return renderGroup(group, this, attrsAsKeys);
	}

	// ---- users ---------------------------------------------------------------------------------------

	createUser(input: NewUser, checks: WriteChecks = {}): StoredUser {
		const partition = this.requirePartition(input.partition ?? this.partition);
		const name = input.name?.trim();
		if (!name) throw new EmulatorError(400, 'The user name is missing');
		if (this.userIds.has(objectId(name, partition).toLowerCase())) {
			throw new EmulatorError(409, `A user named "${name}" already exists in partition "${partition}"`);
		}
		if (checks.checked) {
			this.checkWrite(
				partition,
				Object.entries(input.attributes ?? {}).map(([attribute, value]) => ({
					name: attribute,
					values: toValues(value),
				})),
			);
			if (input.password !== undefined) this.checkPassword(input.password);
		}
		const uuid = (input.uuid ?? randomUUID()).toLowerCase();
		const created = isoSeconds(input.createdAt ?? this.now());
		const attributes: Attributes = {
			accountDisabled: ['false'],
			accountLockedOut: ['false'],
			UserMustChangePasswordAtNextSignIn: ['false'],
			UserCannotChangePassword: ['false'],
			PasswordNeverExpires: ['false'],
			pwdReset: ['false'],
			oTObjectGUID: [objectGuid(uuid)],
			oTSource: [partition],
		};
		for (const [attribute, value] of Object.entries(input.attributes ?? {})) {
			const values = toValues(value);
			if (values.length > 0) attributes[attributeKey(attributes, attribute) ?? attribute] = values;
		}
		attributes.createTimestamp = [created];
		attributes.modifyTimestamp = [attributes.modifyTimestamp?.[0] ?? created];
		if (!attributes.passwordChangedTime) attributes.passwordChangedTime = [created];
		const user: StoredUser = {
			uuid,
			name,
			partition,
			description: input.description ?? null,
			attributes,
			password: input.password ?? randomUUID(),
		};
		this.users.set(uuid, user);
		this.userIds.set(objectId(name, partition).toLowerCase(), uuid);
		for (const group of input.groups ?? []) this.addMember(group, uuid, { kind: 'user', silent: true });
		return user;
	}

	/**
	 * Writes attributes as OTDS does for PATCH (merge: the listed attributes get exactly the listed values;
	 * an empty list removes the attribute) or PUT in replace mode (writable attributes not listed are
	 * dropped). Everything is checked before anything changes: a request is applied entirely or not at all.
	 */
	writeUserAttributes(
		user: StoredUser,
		values: NameValues[],
		mode: 'merge' | 'replace',
		description?: string | null,
	): void {
		this.checkWrite(user.partition, values);
		if (mode === 'replace') {
			for (const key of Object.keys(user.attributes)) {
				if (!READ_ONLY_ATTRIBUTES.has(key.toLowerCase()) && key !== 'passwordChangedTime') delete user.attributes[key];
			}
		}
		for (const item of values) {
			const key = attributeKey(user.attributes, item.name) ?? item.name;
			if (item.values.length === 0) delete user.attributes[key];
			else user.attributes[key] = [...item.values];
		}
		if (description !== undefined) user.description = description;
		this.touch(user);
	}

	/** What OTDS refuses in written attributes (400, nothing changed): read-only ones, outside the schema, a flag not true / false. */
	private checkWrite(partition: string, values: NameValues[]): void {
		for (const item of values) {
			const lower = item.name.toLowerCase();
			if (READ_ONLY_ATTRIBUTES.has(lower)) throw new EmulatorError(400, `Attribute "${item.name}" is read-only`);
			if (this.options.strictSchema !== false && !this.schema.has(lower)) {
				throw new EmulatorError(
					400,
					`Attribute "${item.name}" is not defined in the schema of partition "${partition}"`,
				);
			}
			if (BOOLEAN_ATTRIBUTES.has(lower) && !item.values.every((value) => /^(true|false)$/i.test(value)))
				throw new EmulatorError(400, `Attribute "${item.name}" takes true or false`);
		}
	}

	/** The password policy, when one is set; the error never repeats the password. */
	private checkPassword(password: string): void {
		const minimum = this.options.passwordPolicy?.minimumLength;
		if (minimum !== undefined && password.length < minimum)
			throw new EmulatorError(
				400,
				`The password does not meet the password policy: it needs at least ${minimum} characters`,
			);
	}

	/** Sets single-valued flags (accountLockedOut, ...) and moves modifyTimestamp. */
	setUserValues(ref: string, values: Record<string, string>): StoredUser {
		const user = this.requireUser(ref);
		for (const [name, value] of Object.entries(values))
			user.attributes[attributeKey(user.attributes, name) ?? name] = [value];
		this.touch(user);
		return user;
	}

	touch(user: StoredUser): void {
		user.attributes.modifyTimestamp = [isoSeconds(this.now())];
	}

	renameUser(ref: string, newName: string): StoredUser {
		const user = this.requireUser(ref);
		const name = newName.trim();
		if (!name) throw new EmulatorError(400, 'The new name is missing');
		const newId = objectId(name, user.partition).toLowerCase();
		const existing = this.userIds.get(newId);
		if (existing && existing !== user.uuid)
			throw new EmulatorError(409, `A user named "${name}" already exists in partition "${user.partition}"`);
		this.userIds.delete(objectId(user.name, user.partition).toLowerCase());
		user.name = name;
		this.userIds.set(newId, user.uuid);
		this.touch(user);
		return user;
	}

	changePassword(ref: string, password: string, checks: WriteChecks = {}): StoredUser {
		if (!password) throw new EmulatorError(400, 'The new password is missing');
		const user = this.requireUser(ref);
		if (checks.checked) this.checkPassword(password);
		user.password = password;
		const now = isoSeconds(this.now());
		return this.setUserValues(user.uuid, {
			passwordChangedTime: now,
			pwdReset: 'false',
			UserMustChangePasswordAtNextSignIn: 'false',
		});
	}

	deleteUser(ref: string): void {
		const user = this.requireUser(ref);
		for (const group of this.groupsOf(user.uuid)) group.members.delete(user.uuid);
		this.parents.delete(user.uuid);
		this.users.delete(user.uuid);
		this.userIds.delete(objectId(user.name, user.partition).toLowerCase());
	}

	// ---- admin conveniences (the same operations are served over HTTP by admin.ts) -----------------

	/** Sets (string or list), or removes (null or []) attributes of a user, as an administrator would. */
	updateUser(ref: string, attributes: Record<string, string | string[] | null>): StoredUser {
		const user = this.requireUser(ref);
		// description is the user's top-level field, not an attribute (as the REST PATCH takes it).
		const { description, ...rest } = Object.fromEntries(
			Object.entries(attributes).map(([name, value]) => [
				name.toLowerCase() === 'description' ? 'description' : name,
				value,
			]),
		);
		const values = Object.entries(rest).map(([name, value]) => ({
			name,
			values: value === null ? [] : toValues(value),
		}));
		this.writeUserAttributes(
			user,
			values,
			'merge',
			description === undefined ? undefined : description === null ? null : toValues(description).join(' '),
		);
		return user;
	}

	lockUser(ref: string): StoredUser {
		return this.setUserValues(ref, { accountLockedOut: 'true' });
	}

	unlockUser(ref: string): StoredUser {
		return this.setUserValues(ref, { accountLockedOut: 'false' });
	}

	disableUser(ref: string): StoredUser {
		return this.setUserValues(ref, { accountDisabled: 'true' });
	}

	enableUser(ref: string): StoredUser {
		return this.setUserValues(ref, { accountDisabled: 'false' });
	}

	requirePasswordReset(ref: string): StoredUser {
		return this.setUserValues(ref, { UserMustChangePasswordAtNextSignIn: 'true', pwdReset: 'true' });
	}

	// ---- groups --------------------------------------------------------------------------------------

	createGroup(input: NewGroup): StoredGroup {
		const partition = this.requirePartition(input.partition ?? this.partition);
		const name = input.name?.trim();
		if (!name) throw new EmulatorError(400, 'The group name is missing');
		if (this.groupIds.has(objectId(name, partition).toLowerCase())) {
			throw new EmulatorError(409, `A group named "${name}" already exists in partition "${partition}"`);
		}
		const uuid = (input.uuid ?? randomUUID()).toLowerCase();
		const group: StoredGroup = {
			uuid,
			name,
			partition,
			description: input.description ?? null,
			attributes: {
				createTimestamp: [isoSeconds(input.createdAt ?? this.now())],
				oTObjectGUID: [objectGuid(uuid)],
				oTSource: [partition],
				displayName: [name],
			},
			members: new Set(),
		};
		this.groups.set(uuid, group);
		this.groupIds.set(objectId(name, partition).toLowerCase(), uuid);
		for (const member of input.members ?? []) this.addMember(uuid, member, { silent: true });
		return group;
	}

	deleteGroup(ref: string): void {
		const group = this.requireGroup(ref);
		for (const member of group.members) this.parents.get(member)?.delete(group.uuid);
		for (const parent of this.groupsOf(group.uuid)) parent.members.delete(group.uuid);
		this.parents.delete(group.uuid);
		this.groups.delete(group.uuid);
		this.groupIds.delete(objectId(group.name, group.partition).toLowerCase());
	}

	/** Resolves a member reference: a user first, then a group, unless `kind` says which. */
	resolveMember(ref: string, kind?: 'user' | 'group'): StoredUser | StoredGroup {
		const member =
			(kind !== 'group' ? this.findUser(ref) : undefined) ?? (kind !== 'user' ? this.findGroup(ref) : undefined);
		if (!member) throw new EmulatorError(404, `No ${kind ?? 'user or group'} "${ref}" was found`);
		return member;
	}

	/** Adds a direct member; adding an existing member changes nothing. */
	addMember(groupRef: string, memberRef: string, options: { kind?: 'user' | 'group'; silent?: boolean } = {}): void {
		const group = this.requireGroup(groupRef);
		const member = this.resolveMember(memberRef, options.kind);
		if (member.uuid === group.uuid) throw new EmulatorError(400, `Group "${group.name}" cannot be a member of itself`);
		if (group.members.has(member.uuid)) return;
		group.members.add(member.uuid);
		const parents = this.parents.get(member.uuid) ?? new Set<string>();
		parents.add(group.uuid);
		this.parents.set(member.uuid, parents);
		if (!options.silent && this.options.membershipTouchesUser && this.isUser(member)) this.touch(member);
	}

	/** Removes a direct member; removing a non-member changes nothing. */
	removeMember(groupRef: string, memberRef: string, options: { kind?: 'user' | 'group' } = {}): void {
		const group = this.requireGroup(groupRef);
		const member = this.resolveMember(memberRef, options.kind);
		if (!group.members.delete(member.uuid)) return;
		this.parents.get(member.uuid)?.delete(group.uuid);
		if (this.options.membershipTouchesUser && this.isUser(member)) this.touch(member);
	}

	private requirePartition(name: string): string {
		const partition = this.partitions.get(name.toLowerCase());
		if (!partition) throw new EmulatorError(404, `Partition "${name}" was not found`);
		return partition.name;
	}

	userLocationOf(user: StoredUser): string {
		return userLocation(user.uuid, user.partition);
	}
}
