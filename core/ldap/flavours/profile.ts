import type { Entry } from '../../../transport/ldap/ldapts';
import type { NewGroup, NewUser } from '../../directory/management';
import type { GroupAttributeMap, UserAttributeMap } from '../../model/attribute-map';
import type { AccountStatus } from '../../model/directory-user';
import type { RootDse } from '../root-dse';

/**
 * The attributes change detection reads for a product: the one that moves when a password is changed
 * (the status attributes say whether a change is *required*; this one says that one *happened*), and
 * the entry change stamp.
 */
export interface ChangeStamps {
	passwordChanged: string;
	modified: string;
	/** When the entry was created (tells a person who came into the watched scope from a new one). */
	created: string;
}

/**
 * How the people of a group are found (see core/ldap/members.ts):
 * - `memberOf`: ask the server for the entries whose reverse-membership attribute (`user.memberOf`:
 *   memberOf, oTMemberOf) names the group. One paged, indexed search per group. Needs the server to
 *   maintain that attribute (AD always; OpenLDAP with the memberof overlay; OTDS; 389 DS with its plugin).
 * - `memberAttribute`: read the group's member DNs (in ranges on AD) and fetch those entries in batches
 *   of OR-ed equality filters on `dnAttribute`. Works on any server; slower on big groups.
 */
export type MemberLookup = 'memberOf' | 'memberAttribute';

/**
 * AD keeps each person's primary group (Domain Users for most people) in the person's primaryGroupID, the relative
 * id of the group's objectSid, and lists that membership neither in the group's member values nor in the person's
 * memberOf: a group's members read from either leave those people out, and so does a person's memberOf.
 */
export interface PrimaryGroupMembership {
	/** The person's attribute that names the group. */
	userAttribute: string;
	/** The group's attributes valueOf reads. */
	groupAttributes: string[];
	/** The value the group's people hold in userAttribute; undefined when the group cannot be a primary group. */
	valueOf(group: Entry): string | undefined;
	/** The person's attributes groupFilterOf reads. */
	personAttributes: string[];
	/** A filter that finds the person's primary group; undefined when the person's attributes do not tell it. */
	groupFilterOf(person: Entry): string | undefined;
}

/**
 * What differs between directory products: which product a server is, where users and groups are, what
 * attributes mean, and how changes are stamped. One file per product (core/ldap/flavours/), listed in
 * the registry (index.ts).
 */
/** Tells a password set from a moved password-changed stamp, on a person's entry read with `attributes`. */
export interface PasswordSetCheck {
	/** Read for the people whose password looks set, and only for them (they may be large). */
	attributes: string[];
	/** True: the password was set when the stamp says; false: only the stamp moved; undefined: cannot tell. */
	wasSet(entry: Entry): boolean | undefined;
}

export interface FlavourProfile {
	/** The product's name for people, when the root DSE names no vendor (the credential test says it). */
	productName: string;
	/**
	 * Whether a root DSE is this product's. The registry asks the profiles in its order; the root DSE
	 * holds the attributes of ROOT_DSE_ATTRIBUTES (core/ldap/server-info.ts).
	 */
	recognises(rootDse: RootDse): boolean;
	/** The attributes change detection compares (core/changes/). */
	stamps: ChangeStamps;
	/** Filter selecting user entries. */
	userFilter: string;
	/** Filter selecting group entries. */
	groupFilter: string;
	/** Filter selecting disabled user accounts (its negation selects enabled ones). */
	disabledFilter: string;
	/** Attribute listing a group's members. */
	memberAttribute: string;
	/**
	 * Ask for the members in ranges (`member;range=0-1499`, then the next ranges; core/ldap/ranged.ts): AD
	 * answers a plain request for a big group with its first MaxValRange (1,500) values only.
	 */
	rangedMembers?: boolean;
	/**
	 * Groups of these object classes list their members in another attribute than memberAttribute, e.g.
	 * `{ groupOfUniqueNames: 'uniqueMember' }` (see core/ldap/member-attributes.ts).
	 */
	memberAttributeByClass?: Record<string, string>;
	/** How groupMembers finds members unless told otherwise. */
	memberLookup: MemberLookup;
	/**
	 * A membership the product keeps on the person instead of in the group's member list (AD's primary group):
	 * core/ldap/members.ts lists those people with the group's other members.
	 */
	primaryGroup?: PrimaryGroupMembership;
	/**
	 * Where the password-changed stamp also moves without a password being set (AD's pwdLastSet = -1): how to
	 * tell from a person's entry whether the password itself was set (core/changes/ldap/password-confirmation.ts).
	 */
	passwordSet?: PasswordSetCheck;
	/**
	 * An attribute holding each entry's own DN that equality filters can use, so that a batch of DNs
	 * can be read with one search: entryDN (OpenLDAP, OpenDJ, 389 DS), distinguishedName (AD).
	 */
	dnAttribute: string;
	user: UserAttributeMap;
	/**
	 * Other attributes a person's login may be typed as, matched as well when users are looked up by login:
	 * AD's userPrincipalName (bob@northwind.test) beside the sAMAccountName (bob).
	 */
	loginAliases?: string[];
	group: GroupAttributeMap;
	/** Attributes needed to derive the account status, requested with every user. */
	statusAttributes: string[];
	/** Attributes to request as binary buffers. */
	binaryAttributes: string[];
	/** Derives the account status from the status attributes. */
	readStatus(entry: Entry): AccountStatus;
	/** Reads the stable identifier (binary GUIDs become their canonical text form). */
	readId(entry: Entry): string | undefined;
	/** How accounts and groups are created, enabled, unlocked and given passwords (core/ldap/manage/). */
	management: AccountManagement;
}

/** One change of one attribute, in the product's names; `delete` with no values removes the attribute. */
export interface AttributeEdit {
	operation: 'add' | 'delete' | 'replace';
	attribute: string;
	values: Array<string | Buffer>;
}

/** A new entry: its naming attribute and value (the RDN under the parent), and all its attributes. */
export interface NewEntry {
	rdn: { attribute: string; value: string };
	attributes: Record<string, string[]>;
}

/**
 * How a product's accounts and groups are managed (core/ldap/manage/ applies it): what a new person and a new
 * group are made of, and which attribute edits enable, disable, unlock and require a password change. Each
 * edit function reads the entry as it is (with `attributes` and the status attributes) and returns no edit when
 * the effect is already there, so that repeating an operation writes nothing.
 */
export interface AccountManagement {
	/** Attributes the edit functions read beyond the profile's statusAttributes. */
	attributes: string[];
	/** A new person under `parentDn` (fields already checked; more attributes are added by the caller). */
	newUser(user: NewUser, parentDn: string): NewEntry;
	/**
	 * Whether a new person must be created disabled until a password is set (AD: an enabled account needs a
	 * password); the password and the enabling follow the add.
	 */
	disabledUntilPassword: boolean;
	/** A new group. */
	newGroup(group: NewGroup): NewEntry;
	/** Why a person cannot be renamed (the naming value is an identifier), when that is so. */
	renameRefusal?: string;
	setEnabled(entry: Entry, enabled: boolean): AttributeEdit[];
	unlock(entry: Entry): AttributeEdit[];
	requirePasswordChange(entry: Entry): AttributeEdit[];
	/** The person need not change the password (after a reset without "must change"). */
	clearPasswordChange(entry: Entry): AttributeEdit[];
	/**
	 * How a new password is written: `unicodePwd` (AD: quoted UTF-16LE), or `passwordModify` (RFC 3062 when the
	 * root DSE lists it, else a replace of userPassword).
	 */
	password: 'unicodePwd' | 'passwordModify';
	/**
	 * The product's name where it takes passwords over an encrypted connection only (AD's unicodePwd, 389's
	 * Password Modify): a password is then refused on plain LDAP before anything is sent.
	 */
	passwordsEncryptedOnly?: string;
	/** The rights the bind account needs, said when the server refuses a change for lack of them. */
	rightsNeeded: string;
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
