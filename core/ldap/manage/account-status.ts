/**
 * Enable / disable, unlock, require a password change, and set a password: each reads the account, asks the
 * product's profile (core/ldap/flavours/<product>.ts, `management`) for the edits, and writes them in one modify,
 * or nothing when the effect is already there. "How do we unlock an AD account" is answered in the profile.
 */
import type { UserManagementResult, UserRef } from '../../directory/management';
import { applyEdits, readAccount, readAccountAt, type ManageContext } from './context';
import { assertPasswordCanBeSent, checkPassword, writePassword } from './password';

async function result(context: ManageContext, dn: string, changed: boolean): Promise<UserManagementResult> {
	return { changed, dn, user: await context.users.getUser('dn', dn) };
}

export async function setUserEnabled(
	context: ManageContext,
	user: UserRef,
	enabled: boolean,
): Promise<UserManagementResult> {
	const { dn } = await context.users.getUser(user.key, user.value);
	return result(context, dn, await setUserEnabledAt(context, dn, enabled));
}

/** Enables or disables the account at `dn`; false when it already was so (nothing written). */
export async function setUserEnabledAt(context: ManageContext, dn: string, enabled: boolean): Promise<boolean> {
	const entry = await readAccountAt(context, dn);
	const edits = context.profile.management.setEnabled(entry, enabled);
	return applyEdits(context, dn, edits, enabled ? 'enable' : 'disable');
}

export async function unlockUser(context: ManageContext, user: UserRef): Promise<UserManagementResult> {
	const entry = await readAccount(context, user);
	const changed = await applyEdits(context, entry.dn, context.profile.management.unlock(entry), 'unlock');
	return result(context, entry.dn, changed);
}

export async function requirePasswordChange(context: ManageContext, user: UserRef): Promise<UserManagementResult> {
	const entry = await readAccount(context, user);
	const edits = context.profile.management.requirePasswordChange(entry);
	const changed = await applyEdits(context, entry.dn, edits, 'require a password change of');
	return result(context, entry.dn, changed);
}

/** Sets the password (always written), then requires or clears the change at the next sign-in as asked. */
export async function setPassword(
	context: ManageContext,
	user: UserRef,
	password: string,
	options: { mustChange?: boolean } = {},
): Promise<UserManagementResult> {
	checkPassword(password);
	assertPasswordCanBeSent(context);
	const { dn } = await context.users.getUser(user.key, user.value);
	await writePassword(context, dn, password);
	await settleMustChange(context, dn, options.mustChange === true);
	return result(context, dn, true);
}

/**
 * After a password was set: the change at the next sign-in required or not, as asked (a server's policy may have
 * decided either way on the reset).
 */
export async function settleMustChange(context: ManageContext, dn: string, mustChange: boolean): Promise<void> {
	const entry = await readAccountAt(context, dn);
	const { management } = context.profile;
	const edits = mustChange ? management.requirePasswordChange(entry) : management.clearPasswordChange(entry);
	await applyEdits(context, dn, edits, mustChange ? 'require a password change of' : 'clear the password change of');
}
