import type { Entry } from '../../../transport/ldap/ldapts';
import type { AccountStatus } from '../../model/directory-user';

/** Which directory attribute holds each field of a DirectoryUser. */
export interface UserAttributeMap {
	id: string;
	login: string;
	mail: string;
	displayName: string;
	givenName: string;
	surname: string;
	department: string;
	location: string;
	title: string;
	businessUnit: string;
	mobile: string;
	employeeNumber: string;
	manager: string;
	memberOf: string;
}

/** What differs between directory products: where users and groups are, what attributes mean. */
export interface FlavourProfile {
	/** Filter selecting user entries. */
	userFilter: string;
	/** Filter selecting group entries. */
	groupFilter: string;
	/** Filter selecting disabled user accounts (its negation selects enabled ones). */
	disabledFilter: string;
	/** Attribute listing a group's members. */
	memberAttribute: string;
	user: UserAttributeMap;
	/** Attributes needed to derive the account status, requested with every user. */
	statusAttributes: string[];
	/** Attributes to request as binary buffers. */
	binaryAttributes: string[];
	/** Derives the account status from the status attributes. */
	readStatus(entry: Entry): AccountStatus;
	/** Reads the stable identifier (binary GUIDs become their canonical text form). */
	readId(entry: Entry): string | undefined;
}

/** The inetOrgPerson attribute names shared by OpenLDAP, 389 DS and generic servers. */
export const INET_ORG_PERSON: UserAttributeMap = {
	id: 'entryUUID',
	login: 'uid',
	mail: 'mail',
	displayName: 'displayName',
	givenName: 'givenName',
	surname: 'sn',
	department: 'ou',
	location: 'l',
	title: 'title',
	businessUnit: 'businessCategory',
	mobile: 'mobile',
	employeeNumber: 'employeeNumber',
	manager: 'manager',
	memberOf: 'memberOf',
};
