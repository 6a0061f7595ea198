/**
 * Attribute names typed by users (additional attributes, conditions, mappings, the acknowledgment
 * attribute), checked before any request so that a name can never change the structure of a filter.
 */
import { ConfigurationError } from '../errors';

/** An attribute name as RFC 4512 allows it (descr or numeric OID, with options); anything else is refused. */
export function isValidAttributeName(name: string): boolean {
	return /^([A-Za-z][A-Za-z0-9-]*|\d+(\.\d+)+)(;[A-Za-z0-9-]+)*$/.test(name);
}

/** Checks an attribute name typed by a user; `field` names the editor field in the error. */
export function checkAttributeName(name: string, field: string): string {
	const trimmed = name.trim();
	if (!isValidAttributeName(trimmed)) {
		throw new ConfigurationError(
			field,
			`"${name}" is not a valid LDAP attribute name: use letters, digits and hyphens, e.g. department`,
		);
	}
	return trimmed;
}

/**
 * Attributes that hold passwords, password hashes, keys or other credentials, in any directory this package
 * reads (the one list; compared without case and without attribute options such as `;binary`). They are never
 * read into events or items: asking for one as an Additional Attribute or a mapped field is refused.
 */
const SECRET_ATTRIBUTES = new Set(
	[
		// RFC 2256 / 3112 and OpenLDAP (ppolicy keeps old hashes in pwdHistory)
		'userPassword',
		'authPassword',
		'pwdHistory',
		'userPKCS12',
		// Active Directory and Samba
		'unicodePwd',
		'dBCSPwd',
		'lmPwdHistory',
		'ntPwdHistory',
		'supplementalCredentials',
		'msDS-ManagedPassword',
		'msDS-KeyCredentialLink',
		'msPKIAccountCredentials',
		'msPKIDPAPIMasterKeys',
		'sambaNTPassword',
		'sambaLMPassword',
		'sambaPasswordHistory',
		'unixUserPassword',
		// LAPS (legacy); Windows LAPS is every msLAPS-* attribute, below
		'ms-Mcs-AdmPwd',
		// Kerberos (MIT / Heimdal LDAP back ends)
		'krbPrincipalKey',
		'krb5Key',
		// OTDS
		'oTPassword',
		'oTPasswordHistory',
	].map((name) => name.toLowerCase()),
);
const SECRET_PREFIXES = ['mslaps-'];

/** Whether an attribute name names a credential (see SECRET_ATTRIBUTES). */
export function isSecretAttribute(name: string): boolean {
	const base = name.trim().split(';')[0].toLowerCase();
	return SECRET_ATTRIBUTES.has(base) || SECRET_PREFIXES.some((prefix) => base.startsWith(prefix));
}

/** Refuses a credential attribute asked for as something to read; `field` names the editor field in the error. */
export function refuseSecretAttribute(name: string, field: string): string {
	if (isSecretAttribute(name)) {
		throw new ConfigurationError(
			field,
			`names "${name.trim()}", which holds a password or key: it is never read into events or items; remove it`,
		);
	}
	return name;
}

/** An attribute name to read and show: a valid name that is not a credential. */
export function checkReadableAttributeName(name: string, field: string): string {
	return refuseSecretAttribute(checkAttributeName(name, field), field);
}
