import type { NewUser } from '../../directory/management';
import type { UserAttributeMap } from '../../model/attribute-map';
import type { AttributeEdit, NewEntry } from './profile';

/** A new person's fields under the product's attribute names (only those given). */
export function personFields(user: NewUser, map: UserAttributeMap): Record<string, string[]> {
	const fields: Record<string, string[]> = {};
	const put = (attribute: string, value: string | undefined) => {
		if (value !== undefined && value.trim() !== '') fields[attribute] = [value];
	};
	put(map.givenName, user.givenName);
	put(map.surname, user.surname);
	put(map.displayName, user.displayName);
	put(map.mail, user.mail);
	put(map.department, user.department);
	put(map.title, user.title);
	return fields;
}

/** The full name a person's cn takes when the product names or needs one: display name, else given name and surname, else the login. */
export function commonName(user: NewUser): string {
	const display = user.displayName?.trim();
	if (display) return display;
	const full = [user.givenName, user.surname].map((part) => part?.trim() ?? '').filter((part) => part !== '');
	return full.length > 0 ? full.join(' ') : user.login;
}

/** A person as inetOrgPerson named uid=<login> (OpenLDAP, 389 DS); sn is mandatory on a person, so the login stands in. */
export function inetOrgPersonNamedByUid(user: NewUser, map: UserAttributeMap): NewEntry {
	return {
		rdn: { attribute: 'uid', value: user.login },
		attributes: {
			objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'],
			...personFields(user, map),
			uid: [user.login],
			cn: [commonName(user)],
			sn: [user.surname?.trim() || user.login],
		},
	};
}

/** Replaces an attribute with one value. */
export const replaceWith = (attribute: string, value: string | Buffer): AttributeEdit => ({
	operation: 'replace',
	attribute,
	values: [value],
});

/** Removes an attribute with all its values. */
export const removeAll = (attribute: string): AttributeEdit => ({ operation: 'delete', attribute, values: [] });
