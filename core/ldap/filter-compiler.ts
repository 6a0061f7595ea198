/**
 * Filter strings are compiled by LdapSession itself (transport/ldap/filter-compiler.ts), so searches pass
 * strings. This name stays for code that wants a filter object up front, e.g. to name its own field in
 * the error about an invalid filter.
 */
export { compileFilter } from '../../transport/ldap/filter-compiler';
