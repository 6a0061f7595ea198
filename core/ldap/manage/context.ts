/**
 * What the management operations share: the session, the product's profile and the directories, the raw
 * entry an edit is decided on, and writes whose refusals say what the bind account needs.
 */
import { ConfigurationError, NotFoundError, RequestError } from '../../errors';
import type { UserRef } from '../../directory/management';
import { Attribute, Change, type Entry } from '../../../transport/ldap/ldapts';
import { ldapResultCode } from '../../../transport/ldap/failures';
import type { LdapSession } from '../../../transport/ldap/session';
import type { AttributeEdit, FlavourProfile } from '../flavours';
import type { LdapGroupDirectory } from '../groups';
import type { LdapUserDirectory } from '../users';

/** insufficientAccessRights (RFC 4511). */
const INSUFFICIENT_ACCESS_RIGHTS = 50;

export interface ManageContext {
	session: LdapSession;
	profile: FlavourProfile;
	users: LdapUserDirectory;
	groups: LdapGroupDirectory;
	userBaseDN: string;
	groupBaseDN: string;
}

/** The user's entry with what the product's edits and status read. */
export async function readAccount(context: ManageContext, user: UserRef): Promise<Entry> {
	const { dn } = await context.users.getUser(user.key, user.value);
	return readAccountAt(context, dn);
}

/** The entry at `dn` with what the product's edits and status read. */
export async function readAccountAt(context: ManageContext, dn: string): Promise<Entry> {
	const { profile } = context;
	const entries = await context.session.search(dn, {
		scope: 'base',
		filter: '(objectClass=*)',
		attributes: ['objectClass', ...profile.statusAttributes, ...profile.management.attributes],
		explicitBufferAttributes: profile.binaryAttributes,
	});
	if (entries.length === 0) {
		throw new RequestError(
			'noSuchObject',
			`The entry ${dn} is gone`,
			'It was deleted or moved meanwhile: look it up again',
		);
	}
	return entries[0];
}

/** The edits as one LDAP modify (applied completely or not at all); nothing is sent when there is none. */
export async function applyEdits(
	context: ManageContext,
	dn: string,
	edits: AttributeEdit[],
	what: string,
): Promise<boolean> {
	if (edits.length === 0) return false;
	const changes = edits.map(
		(edit) =>
			new Change({
				operation: edit.operation,
				modification: new Attribute({ type: edit.attribute, values: edit.values as string[] }),
			}),
	);
	await refusalExplained(context, context.session.modify(dn, changes), what, dn);
	return true;
}

/**
 * Runs a write; a refusal for lack of rights says what the bind account needs on this product. Other failures
 * pass unchanged.
 */
export async function refusalExplained<T>(
	context: ManageContext,
	write: Promise<T>,
	what: string,
	dn: string,
): Promise<T> {
	const failure = await failureOf(write);
	if (failure === undefined) return write;
	throw rightsExplained(context, failure, what, dn);
}

/** A refusal for lack of rights said with what the bind account needs on this product; other failures as they are. */
function rightsExplained(context: ManageContext, error: unknown, what: string, dn: string): unknown {
	if (!(error instanceof RequestError) || ldapResultCode(error) !== INSUFFICIENT_ACCESS_RIGHTS) return error;
	return new RequestError(
		'insufficientAccess',
		`The directory refused to ${what} ${dn}: the bind account lacks the rights`,
		`Bind as an account with ${context.profile.management.rightsNeeded}`,
		error.server,
	);
}

/** What an operation failed with, or undefined when it succeeded. */
export async function failureOf(operation: Promise<unknown>): Promise<unknown> {
	return operation.then(
		() => undefined,
		(error: unknown) => error ?? new Error('unknown failure'),
	);
}

/** Refuses an empty required text with a message naming the field. */
export function requiredText(value: unknown, field: string, example: string): string {
	if (typeof value !== 'string' || value.trim() === '') {
		throw new ConfigurationError(field, `is empty: enter ${example}`);
	}
	return value.trim();
}

/** A lookup's NotFoundError as `value`; other failures pass. */
export function absentAs<T>(value: T): (error: unknown) => T {
	return (error: unknown) => {
		if (error instanceof NotFoundError) return value;
		throw error;
	};
}
