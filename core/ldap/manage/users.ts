/**
 * Creating, deleting and moving / renaming people. What a new person is made of (object classes, naming
 * attribute, mandatory attributes) is the product's profile's `management.newUser`; the steps after the add
 * (password, change at next sign-in, enabled or not) are the same for every product.
 */
import { ConfigurationError, NotFoundError } from '../../errors';
import type { NewUser, PresenceOptions, UserManagementResult, UserMove, UserRef } from '../../directory/management';
import { formatDn, normalizeDn, parseDn, type Rdn } from '../dn';
import { setUserEnabledAt, settleMustChange } from './account-status';
import {
	absentAs,
	applyEdits,
	failureOf,
	readAccountAt,
	refusalExplained,
	requiredText,
	type ManageContext,
} from './context';
import { addEntry } from './new-entry';
import { assertPasswordCanBeSent, checkPassword, writePassword } from './password';

export async function createUser(
	context: ManageContext,
	user: NewUser,
	options: PresenceOptions = {},
): Promise<UserManagementResult> {
	const login = requiredText(user.login, 'Login', 'the sign-in name of the new user');
	const password = user.password === undefined || user.password === '' ? undefined : checkPassword(user.password);
	if (password !== undefined) assertPasswordCanBeSent(context);
	const existing = await context.users.getUser('login', login).catch(absentAs(undefined));
	if (existing !== undefined) {
		if (options.errorIfPresentOrAbsent) {
			throw new ConfigurationError('Login', `"${login}" is taken: the user ${existing.dn} exists`);
		}
		return { changed: false, dn: existing.dn, user: existing };
	}
	const parent = user.parent?.trim() || context.userBaseDN;
	const parentRdns = parseDn(parent, 'Parent DN');
	const { management } = context.profile;
	const planned = management.newUser({ ...user, login }, parent);
	const dn = formatDn([[{ type: planned.rdn.attribute, value: planned.rdn.value }], ...parentRdns]);
	const added = await addEntry(context, dn, planned, user.attributes ?? {}, 'Attributes', 'create the user');
	if (!added) {
		const there = await context.users.getUser('dn', dn).catch(absentAs(undefined));
		if (there === undefined || options.errorIfPresentOrAbsent) {
			throw new ConfigurationError('Login', `makes the DN ${dn}, where an entry exists already`);
		}
		return { changed: false, dn, user: there };
	}
	const failure = await failureOf(completeNewAccount(context, dn, user, password));
	if (failure !== undefined) {
		// The account is not what was asked for (e.g. the password was refused): it goes again, as it came.
		await context.session.delete(dn).catch(() => undefined);
		throw failure;
	}
	return { changed: true, dn, user: await context.users.getUser('dn', dn) };
}

/** After the add: the password, the change at the next sign-in, and enabled or not, as asked. */
async function completeNewAccount(
	context: ManageContext,
	dn: string,
	user: NewUser,
	password: string | undefined,
): Promise<void> {
	const { management } = context.profile;
	if (password !== undefined) {
		await writePassword(context, dn, password);
		await settleMustChange(context, dn, user.mustChangePassword === true);
	} else if (user.mustChangePassword === true) {
		const entry = await readAccountAt(context, dn);
		await applyEdits(context, dn, management.requirePasswordChange(entry), 'require a password change of');
	}
	// AD creates every account disabled: it stays so without a password or when asked.
	const disabled = user.disabled === true || (management.disabledUntilPassword && password === undefined);
	await setUserEnabledAt(context, dn, !disabled);
}

export async function deleteUser(
	context: ManageContext,
	user: UserRef,
	options: PresenceOptions = {},
): Promise<UserManagementResult> {
	const found = await context.users.getUser(user.key, user.value).catch(absentAs(undefined));
	if (found === undefined) {
		if (options.errorIfPresentOrAbsent) throw new NotFoundError(`No user with ${user.key} "${user.value}" to delete`);
		return { changed: false };
	}
	await refusalExplained(context, context.session.delete(found.dn), 'delete the user', found.dn);
	return { changed: true, dn: found.dn };
}

export async function moveUser(context: ManageContext, user: UserRef, move: UserMove): Promise<UserManagementResult> {
	const newName = move.newName?.trim() || undefined;
	const newParent = move.newParent?.trim() || undefined;
	if (newName === undefined && newParent === undefined) {
		throw new ConfigurationError('New Name', 'and New Parent are both empty: give a new name, a new parent or both');
	}
	const superiorGiven = newParent === undefined ? undefined : parseDn(newParent, 'New Parent');
	const { dn } = await context.users.getUser(user.key, user.value);
	const [rdn, ...superior] = parseDn(dn);
	let newRdn: Rdn = rdn;
	if (newName !== undefined && newName !== rdn[0].value) {
		const refusal = context.profile.management.renameRefusal;
		if (refusal !== undefined)
			throw new ConfigurationError('New Name', `cannot be used: ${context.profile.productName} ${refusal}`);
		if (rdn.length > 1) {
			throw new ConfigurationError('New Name', `cannot rename ${dn}: its name has several parts (${formatDn([rdn])})`);
		}
		newRdn = [{ type: rdn[0].type, value: newName }];
	}
	const targetSuperior = superiorGiven ?? superior;
	const sameName = newRdn === rdn;
	const sameParent = normalizeDn(formatDn(targetSuperior)) === normalizeDn(formatDn(superior));
	if (sameName && sameParent) return { changed: false, dn, user: await context.users.getUser('dn', dn) };
	const target = formatDn([newRdn, ...targetSuperior]);
	await refusalExplained(
		context,
		context.session.modifyDN(dn, formatDn([newRdn]), formatDn(targetSuperior)),
		'move or rename the user',
		dn,
	);
	return { changed: true, dn: target, user: await context.users.getUser('dn', target) };
}
