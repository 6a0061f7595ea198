/**
 * Setting a password, the product's way (its profile's `management.password`):
 * - Active Directory: unicodePwd, the password in double quotes as UTF-16LE;
 * - the others: the Password Modify extended operation (RFC 3062) when the root DSE lists it, so the server
 *   hashes the password and applies its policy; else a replace of userPassword.
 * Where the product takes passwords over an encrypted connection only (AD, 389 DS) and the credential's
 * Connection Security is None, the request is refused here, before anything is sent; where a server says so
 * itself (confidentialityRequired), its refusal is said the same way, and nothing else is tried: a password
 * never goes in clear where the server asked for encryption.
 * The password never appears in a result, an error or a log: errors are built from result codes, and any
 * text that would contain it is replaced.
 */
import { ConfigurationError, RequestError } from '../../errors';
import { ldapResultCode } from '../../../transport/ldap/failures';
import { PASSWORD_MODIFY_OID } from '../../../transport/ldap/session';
import { unicodePwdValue } from '../flavours/active-directory';
import { replaceWith } from '../flavours/new-entries';
import { rootDseValues } from '../root-dse';
import { applyEdits, failureOf, refusalExplained, type ManageContext } from './context';

/**
 * How servers refuse a password their policy does not accept (length, quality, history): constraintViolation
 * (RFC 4511), and on Active Directory also unwillingToPerform (0000052D).
 */
const POLICY_REFUSALS = new Set([19, 53]);
/** confidentialityRequired (RFC 4511). */
const CONFIDENTIALITY_REQUIRED = 13;

/** Checks a password before anything is written; `field` names the editor field. */
export function checkPassword(password: unknown, field = 'Password'): string {
	if (typeof password !== 'string' || password === '') {
		throw new ConfigurationError(field, 'is empty: enter the new password (from an expression or a credential)');
	}
	return password;
}

/** Refuses, before anything is sent, a password that this session cannot carry (AD or 389 DS on plain LDAP). */
export function assertPasswordCanBeSent(context: ManageContext): void {
	const product = context.profile.management.passwordsEncryptedOnly;
	if (product !== undefined && !context.session.encrypted) {
		throw encryptionNeeded(`${product} takes passwords over an encrypted connection only`);
	}
}

function encryptionNeeded(why: string): ConfigurationError {
	return new ConfigurationError(
		'Connection Security',
		`is None, and ${why}: set Connection Security to TLS (ldaps, port 636) or StartTLS in the LDAP credential`,
	);
}

/** Writes the password of the entry at `dn`; the caller has checked it with assertPasswordCanBeSent. */
export async function writePassword(context: ManageContext, dn: string, password: string): Promise<void> {
	assertPasswordCanBeSent(context);
	try {
		if (context.profile.management.password === 'unicodePwd') {
			await applyEdits(context, dn, [replaceWith('unicodePwd', unicodePwdValue(password))], 'set the password of');
		} else if (await supportsPasswordModify(context)) {
			const failure = await failureOf(
				refusalExplained(context, context.session.passwordModify(dn, password), 'set the password of', dn),
			);
			if (ldapResultCode(failure) === CONFIDENTIALITY_REQUIRED && !context.session.encrypted) {
				throw encryptionNeeded(
					'the directory takes passwords over an encrypted connection only (confidentialityRequired)',
				);
			}
			if (failure !== undefined) throw failure;
		} else {
			await applyEdits(context, dn, [replaceWith('userPassword', password)], 'set the password of');
		}
	} catch (error) {
		throw withoutSecret(error, password, dn);
	}
}

async function supportsPasswordModify(context: ManageContext): Promise<boolean> {
	const rootDse = await context.session.rootDse(['supportedExtension']);
	return rootDseValues(rootDse, 'supportedExtension').includes(PASSWORD_MODIFY_OID);
}

/** The failure of a password write, said without the password. */
function withoutSecret(error: unknown, password: string, dn: string): unknown {
	const code = ldapResultCode(error);
	if (code !== undefined && POLICY_REFUSALS.has(code) && error instanceof RequestError) {
		return new RequestError(
			'invalidInput',
			`The directory refused the new password of ${dn} (its password policy: length, complexity or history)`,
			'Choose a password that meets the directory password policy',
			error.server,
		);
	}
	if (!(error instanceof Error) || !error.message.includes(password)) return error;
	const hidden = (text: string) => text.split(password).join('[password]');
	if (error instanceof RequestError) {
		return new RequestError(error.kind, hidden(error.message), hidden(error.hint), error.server);
	}
	return new Error(hidden(error.message));
}
