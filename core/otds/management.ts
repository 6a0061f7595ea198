/**
 * Directory management over OTDS REST (core/directory/management.ts): create and delete users and groups,
 * enable / disable, unlock, passwords. The calls are those of shared/reference/otds-rest.md and OpenText's
 * pyxecm: `POST /rest/users` `{userPartitionID, name, description, values: [{name, values}]}`,
 * `DELETE /rest/users/{id}`, `PUT /rest/users/{id}/password` `{newPassword}`, `PATCH /rest/users/{id}` for the
 * account flags, `POST /rest/groups` `{userPartitionID, name, description}`, `DELETE /rest/groups/{id}`.
 *
 * The account flags are attributes of the user. Which ones OTDS honours when written is not public: the names
 * read back on real users (`accountDisabled`, `accountLockedOut`, `UserMustChangePasswordAtNextSignIn`) are the
 * defaults, and each is configurable (OtdsStatusAttributes: the first name of a list is the one written to set a
 * flag; clearing one writes "false" to every name of its list that reads true).
 *
 * Every operation reads first and writes only what differs (`changed: false` otherwise). No public OTDS REST call
 * renames a user or moves one to another partition, so Move / Rename refuses anything but the place it is in.
 */
import { ConfigurationError, NotFoundError, RequestError } from '../errors';
import { refuseSecretAttribute } from '../directory/attribute-names';
import type {
	GroupManagementResult,
	GroupRef,
	NewGroup,
	NewUser,
	PresenceOptions,
	UserManagementResult,
	UserMove,
	UserRef,
} from '../directory/management';
import type { DirectoryGroup } from '../model/directory-group';
import type { DirectoryUser } from '../model/directory-user';
import type { OtdsRestClient } from './client';
import { checkOtdsAttributeName } from './conditions';
import type { OtdsLookups } from './lookups';
import {
	READ_ONLY_OTDS_ATTRIBUTES,
	firstAttribute,
	isTrueValue,
	type OtdsFieldMap,
	type OtdsObject,
	type OtdsStatusAttributes,
} from './mapping';

export interface OtdsManagementContext {
	client: OtdsRestClient;
	lookups: OtdsLookups;
	/** The partition of the directory's options, where new users and groups go unless one is given. */
	partition?: string;
	fields: OtdsFieldMap;
	status: OtdsStatusAttributes;
	toUser(user: OtdsObject): DirectoryUser;
	toGroup(group: OtdsObject): DirectoryGroup;
}

type Flag = keyof OtdsStatusAttributes;

/** The editor's names of the flags' attribute settings, for messages. */
const FLAG_SETTING: Record<Flag, string> = {
	disabled: 'Disabled Attribute',
	locked: 'Locked-Out Attribute',
	passwordResetRequired: 'Must Change at Next Sign-In Attribute',
};

export class OtdsManagement {
	constructor(private readonly context: OtdsManagementContext) {
		for (const flag of Object.keys(FLAG_SETTING) as Flag[]) {
			const names = context.status[flag];
			if (!Array.isArray(names) || names.length === 0)
				throw new ConfigurationError(FLAG_SETTING[flag], 'is empty: name the OTDS attribute that holds this flag');
			for (const name of names) checkOtdsAttributeName(name, FLAG_SETTING[flag]);
		}
	}

	// ---- users ---------------------------------------------------------------------------------------

	async createUser(user: NewUser, options: PresenceOptions = {}): Promise<UserManagementResult> {
		const login = requiredText(user.login, 'Login Name', 'enter the sign-in name of the new user');
		const partition = this.partitionFor(user.parent, 'user');
		const password = user.password === undefined || user.password === '' ? undefined : user.password;
		if (password !== undefined && typeof password !== 'string')
			throw new ConfigurationError('Password', 'must be text');
		const values = this.newUserValues(user);
		const existing = await this.userByName(login, partition);
		if (existing) {
			if (options.errorIfPresentOrAbsent)
				throw new ConfigurationError(
					'Login Name',
					`"${login}" already exists in OTDS partition "${partition}": nothing was created`,
				);
			return this.userResult(false, existing);
		}
		const body: Record<string, unknown> = { userPartitionID: partition, name: login, values };
		await this.context.client.call('POST', ['users'], {
			json: body,
			what: `create user "${login}" in partition "${partition}"`,
		});
		const created = await this.requireUserByName(login, partition);
		if (password !== undefined) {
			await this.putPassword(created, password).catch(async (error: unknown) => {
				// A refused first password would leave an account nobody chose: take it back, then report.
				await this.context.client
					.call('DELETE', ['users', created.id], { what: `remove user "${created.id}" again` })
					.catch(() => undefined);
				throw error;
			});
		}
		let current = await this.context.lookups.readUser(created.id);
		// OTDS may clear the must-change flag when a password is set: ask for it after the password.
		if (user.mustChangePassword) current = await this.ensureFlag(current, 'passwordResetRequired', true);
		return this.userResult(true, current);
	}

	async deleteUser(ref: UserRef, options: PresenceOptions = {}): Promise<UserManagementResult> {
		const user = await this.findUserOrAbsent(ref, options);
		if (!user) return { changed: false };
		const deleted = await this.deleteObject('users', user, options);
		return { changed: deleted, dn: user.location ?? user.id };
	}

	async setUserEnabled(ref: UserRef, enabled: boolean): Promise<UserManagementResult> {
		return this.changeFlag(ref, 'disabled', !enabled);
	}

	async unlockUser(ref: UserRef): Promise<UserManagementResult> {
		return this.changeFlag(ref, 'locked', false);
	}

	async requirePasswordChange(ref: UserRef): Promise<UserManagementResult> {
		return this.changeFlag(ref, 'passwordResetRequired', true);
	}

	async setPassword(
		ref: UserRef,
		password: string,
		options: { mustChange?: boolean } = {},
	): Promise<UserManagementResult> {
		if (typeof password !== 'string' || password === '')
			throw new ConfigurationError(
				'Password',
				'is empty: enter the new password (an expression or a credential field)',
			);
		const user = await this.context.lookups.findUser(ref.key, ref.value);
		await this.putPassword(user, password);
		let current = await this.context.lookups.readUser(user.id);
		if (options.mustChange) current = await this.ensureFlag(current, 'passwordResetRequired', true);
		return this.userResult(true, current);
	}

	async moveUser(ref: UserRef, move: UserMove): Promise<UserManagementResult> {
		const user = await this.context.lookups.findUser(ref.key, ref.value);
		const newName = move.newName?.trim() || undefined;
		const newParent = move.newParent?.trim() || undefined;
		if (newName === undefined && newParent === undefined)
			throw new ConfigurationError(
				'New Name',
				'and New Parent are both empty: give the new name or where to move the user',
			);
		const sameName = newName === undefined || newName === user.name;
		const samePartition =
			newParent === undefined ||
			newParent.toLowerCase() === (user.partition ?? this.context.partition ?? '').toLowerCase();
		if (sameName && samePartition) return this.userResult(false, user);
		throw new ConfigurationError(
			sameName ? 'New Parent' : 'New Name',
			'cannot be changed over OTDS REST: no public OTDS REST call renames a user or moves one to another partition, so nothing was changed. ' +
				'For a synchronized partition, rename or move the person in the directory OTDS synchronizes from; otherwise create the user under the new name, add it to the same groups and delete the old one',
		);
	}

	// ---- groups --------------------------------------------------------------------------------------

	async createGroup(group: NewGroup, options: PresenceOptions = {}): Promise<GroupManagementResult> {
		const name = requiredText(group.name, 'Group Name', 'enter the name of the new group');
		const partition = this.partitionFor(group.parent, 'group');
		if (group.attributes && Object.keys(group.attributes).length > 0)
			throw new ConfigurationError(
				'Attributes',
				'cannot be given for a new OTDS group: OTDS REST takes a new group as its name and description only; leave them empty',
			);
		const existing = await this.groupByName(name, partition);
		if (existing) {
			if (options.errorIfPresentOrAbsent)
				throw new ConfigurationError(
					'Group Name',
					`"${name}" already exists in OTDS partition "${partition}": nothing was created`,
				);
			return this.groupResult(false, existing);
		}
		const body: Record<string, unknown> = { userPartitionID: partition, name };
		if (group.description !== undefined && group.description !== '') body.description = group.description;
		await this.context.client.call('POST', ['groups'], {
			json: body,
			what: `create group "${name}" in partition "${partition}"`,
		});
		const created = await this.groupByName(name, partition);
		if (!created)
			throw new RequestError(
				'protocol',
				`OTDS accepted the new group "${name}" but does not show it`,
				'Check the group in the OTDS administration; the partition may be synchronized (read-only)',
			);
		return this.groupResult(true, created);
	}

	async deleteGroup(ref: GroupRef, options: PresenceOptions = {}): Promise<GroupManagementResult> {
		const group = await this.context.lookups
			.findGroup(ref.key, ref.value)
			.catch((error: unknown) => absentUnlessAsked(error, options));
		if (!group) return { changed: false };
		const deleted = await this.deleteObject('groups', group, options);
		return { changed: deleted, dn: group.location ?? group.id };
	}

	// ---- helpers -------------------------------------------------------------------------------------

	/** The `values` of a new user: the named fields by the attribute mapping, then the other attributes, then the flags. */
	private newUserValues(user: NewUser): Array<{ name: string; values: string[] }> {
		const values = new Map<string, { name: string; values: string[] }>();
		const put = (name: string, list: string[], field: string) => {
			const attribute = refuseSecretAttribute(checkOtdsAttributeName(name, field), field);
			if (READ_ONLY_OTDS_ATTRIBUTES.has(attribute.toLowerCase()) || attribute.toLowerCase() === 'description')
				throw new ConfigurationError(
					field,
					attribute.toLowerCase() === 'description'
						? 'names "description": give it as the description, not as an attribute'
						: `names "${attribute}", which OTDS maintains itself and cannot be written`,
				);
			const kept = list.map((value) => String(value)).filter((value) => value !== '');
			if (kept.length > 0) values.set(attribute.toLowerCase(), { name: attribute, values: kept });
		};
		const fields: Array<[keyof NewUser & keyof OtdsFieldMap, string]> = [
			['givenName', 'First Name'],
			['surname', 'Last Name'],
			['displayName', 'Display Name'],
			['mail', 'Email'],
			['department', 'Department'],
			['title', 'Title'],
		];
		for (const [field, label] of fields) {
			const value = user[field];
			if (typeof value === 'string' && value.trim() !== '') put(this.context.fields[field], [value.trim()], label);
		}
		for (const [name, list] of Object.entries(user.attributes ?? {})) {
			if (!Array.isArray(list)) throw new ConfigurationError('Attributes', `needs a list of text values for ${name}`);
			put(name, list, 'Attributes');
		}
		if (user.disabled) put(this.context.status.disabled[0], ['true'], FLAG_SETTING.disabled);
		return [...values.values()];
	}

	private async changeFlag(ref: UserRef, flag: Flag, wanted: boolean): Promise<UserManagementResult> {
		const user = await this.context.lookups.findUser(ref.key, ref.value);
		const after = await this.ensureFlag(user, flag, wanted);
		return this.userResult(after !== user, after);
	}

	/**
	 * Sets or clears an account flag with one PATCH of only the attributes that differ; returns the user read
	 * back, or the same object when nothing had to be written. Setting writes the first attribute of the flag's
	 * list; clearing writes "false" to each of its attributes that reads true.
	 */
	private async ensureFlag(user: OtdsObject, flag: Flag, wanted: boolean): Promise<OtdsObject> {
		const names = this.context.status[flag];
		const writes = wanted
			? isTrueValue(firstAttribute(user, names[0]))
				? []
				: [names[0]]
			: names.filter((name) => isTrueValue(firstAttribute(user, name)));
		if (writes.length === 0) return user;
		await this.context.client.call('PATCH', ['users', user.id], {
			json: {
				userPartitionID: user.partition ?? this.context.partition,
				values: writes.map((name) => ({ name, values: [wanted ? 'true' : 'false'] })),
			},
			safety: 'idempotentWrite',
			what: `${wanted ? 'set' : 'clear'} ${writes.join(', ')} of user "${user.id}"`,
			notFound: () => new NotFoundError(`User "${user.id}" no longer exists in OTDS`),
		});
		return this.context.lookups.readUser(user.id);
	}

	/**
	 * PUT /users/{id}/password. Not retried after the request may have reached OTDS: a password history would refuse
	 * the repeat. The password never appears in an error: a server that quoted it back is cut out of the message.
	 */
	private async putPassword(user: OtdsObject, password: string): Promise<void> {
		await this.context.client
			.call('PUT', ['users', user.id, 'password'], {
				json: { newPassword: password },
				what: `set the password of user "${user.id}"`,
				notFound: () => new NotFoundError(`User "${user.id}" no longer exists in OTDS`),
			})
			.catch((error: unknown) => {
				throw withoutSecret(error, password);
			});
	}

	/** DELETE; a 404 (deleted meanwhile) is `false`, or an error when the option asks for one. */
	private async deleteObject(
		collection: 'users' | 'groups',
		object: OtdsObject,
		options: PresenceOptions,
	): Promise<boolean> {
		const what = collection === 'users' ? 'User' : 'Group';
		const deleted = await this.context.client
			.call('DELETE', [collection, object.id], {
				// Deleting twice leaves the same state; the second answers 404, read as "already gone".
				safety: 'idempotentWrite',
				what: `delete ${what.toLowerCase()} "${object.id}"`,
				notFound: () => new NotFoundError(`${what} "${object.id}" does not exist in OTDS`),
			})
			.catch((error: unknown) => absentUnlessAsked(error, options));
		return deleted !== undefined;
	}

	private async findUserOrAbsent(ref: UserRef, options: PresenceOptions): Promise<OtdsObject | undefined> {
		return this.context.lookups
			.findUser(ref.key, ref.value)
			.catch((error: unknown) => absentUnlessAsked(error, options));
	}

	/** The partition a new object goes to: the one given, else the directory's; OTDS needs one. */
	private partitionFor(parent: string | undefined, what: 'user' | 'group'): string {
		const partition = parent?.trim() || this.context.partition;
		if (!partition)
			throw new ConfigurationError(
				'Partition',
				`is empty: choose the OTDS partition to create the ${what} in (Options → Partition, or the Parent / Partition field)`,
			);
		return partition;
	}

	/**
	 * A user by name in a partition, or undefined. OTDS addresses it as `name@partition`; a name that is itself a
	 * mail address was seen as its own id, so that is tried too.
	 */
	private async userByName(name: string, partition: string): Promise<OtdsObject | undefined> {
		for (const id of idsOf(name, partition)) {
			const found = await this.context.lookups.readUser(id).catch((error: unknown) => {
				if (error instanceof NotFoundError) return undefined;
				throw error;
			});
			if (found) return found;
		}
		return undefined;
	}

	private async requireUserByName(name: string, partition: string): Promise<OtdsObject> {
		const user = await this.userByName(name, partition);
		if (!user)
			throw new RequestError(
				'protocol',
				`OTDS accepted the new user "${name}" but does not show it`,
				'Check the user in the OTDS administration; the partition may be synchronized (read-only)',
			);
		return user;
	}

	private async groupByName(name: string, partition: string): Promise<OtdsObject | undefined> {
		for (const id of idsOf(name, partition)) {
			const found = await this.context.lookups.findGroup('id', id).catch((error: unknown) => {
				if (error instanceof NotFoundError) return undefined;
				throw error;
			});
			if (found) return found;
		}
		return undefined;
	}

	private userResult(changed: boolean, user: OtdsObject): UserManagementResult {
		return { changed, dn: user.location ?? user.id, user: this.context.toUser(user) };
	}

	private groupResult(changed: boolean, group: OtdsObject): GroupManagementResult {
		return { changed, dn: group.location ?? group.id, group: this.context.toGroup(group) };
	}
}

/** `name@partition`, and the name alone when it contains '@' (then it may be its own id). */
function idsOf(name: string, partition: string): string[] {
	const id = name.toLowerCase().endsWith(`@${partition.toLowerCase()}`) ? name : `${name}@${partition}`;
	return name.includes('@') && id !== name ? [id, name] : [id];
}

/** A NotFoundError is "absent" (undefined), unless the option makes absence an error; any other error stands. */
function absentUnlessAsked(error: unknown, options: PresenceOptions): undefined {
	if (error instanceof NotFoundError && !options.errorIfPresentOrAbsent) return undefined;
	throw error;
}

function requiredText(value: unknown, field: string, fix: string): string {
	const text = typeof value === 'string' ? value.trim() : '';
	if (text === '') throw new ConfigurationError(field, `is empty: ${fix}`);
	return text;
}

/** The error with every occurrence of the secret cut out of its message (and hint). */
export function withoutSecret(error: unknown, secret: string): unknown {
	if (!(error instanceof Error) || secret === '' || !`${error.message}`.includes(secret)) return error;
	const scrub = (text: string) => text.split(secret).join('[password]');
	if (error instanceof RequestError)
		return new RequestError(error.kind, scrub(error.message), scrub(error.hint), error.server);
	if (error instanceof ConfigurationError)
		return new ConfigurationError(error.field, scrub(error.message.slice(error.field.length + 1)));
	if (error instanceof NotFoundError) return new NotFoundError(scrub(error.message));
	return new Error(scrub(error.message));
}
