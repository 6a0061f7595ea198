/**
 * Server URLs as they may be shown in messages: a user name and password typed into a URL
 * (`scheme://user:pass@host`) never are. Shared by the LDAP and HTTP transports and the core.
 */

/** Whether a URL (or a bare host) carries user info before its host. */
export function hasUserInfo(text: string): boolean {
	return /^(?:[a-z][a-z0-9+.-]*:\/\/)?[^/?#\s]*@/i.test(text.trim());
}

/** The text with any user info before a host replaced by `***`: safe to quote in an error. */
export function hideUserInfo(text: string): string {
	return text.replace(/^(\s*(?:[a-z][a-z0-9+.-]*:\/\/)?)[^/?#]*@/i, '$1***@');
}

/** The message for a URL field that holds a user name or password. */
export const USER_INFO_REFUSED =
	'must not contain a user name or password (user:password@): put them in the credential';
