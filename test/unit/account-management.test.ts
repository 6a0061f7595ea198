import fc from 'fast-check';
import type { Entry } from 'ldapts';
import { canManage } from '../../core/directory/management';
import { ConfigurationError } from '../../core/errors';
import { LdapDirectory } from '../../core/ldap/directory';
import type { LdapSession } from '../../transport/ldap/session';
import { profileFor, type AttributeEdit, type DetectedFlavour } from '../../core/ldap/flavours';
import { domainOf, unicodePwdValue, withAccountDisabled } from '../../core/ldap/flavours/active-directory';
import { ADMIN_LOCK_TIME, EMPTY_GROUP_MEMBER } from '../../core/ldap/flavours/openldap';
import { newEntryAttributes } from '../../core/ldap/manage/new-entry';
import { formatDn, parseDn } from '../../core/ldap/dn';

const entryOf = (attributes: Record<string, string | string[]>): Entry => ({ dn: 'cn=x,dc=test', ...attributes });

/** The entry after a modify with these edits, as a server applies them (attribute names case-insensitive). */
function applied(entry: Entry, edits: AttributeEdit[]): Entry {
	const next: Entry = { ...entry };
	for (const edit of edits) {
		const key = Object.keys(next).find((name) => name.toLowerCase() === edit.attribute.toLowerCase()) ?? edit.attribute;
		if (edit.operation === 'delete') delete next[key];
		else next[key] = edit.values.length === 1 ? (edit.values[0] as string) : (edit.values as string[]);
	}
	return next;
}

it('an LDAP directory can manage accounts and groups, whatever the product', () => {
	for (const flavour of ['activeDirectory', 'openLdap', '389ds', 'openDj', 'other'] as const) {
		expect(canManage(new LdapDirectory({} as LdapSession, profileFor(flavour), 'dc=example,dc=com'))).toBe(true);
	}
});

describe('Active Directory: unicodePwd and userAccountControl', () => {
	it('a password becomes the quoted UTF-16LE bytes unicodePwd takes', () => {
		expect(unicodePwdValue('Pa55')).toEqual(Buffer.from([0x22, 0, 0x50, 0, 0x61, 0, 0x35, 0, 0x35, 0, 0x22, 0]));
		// Beyond ASCII: é is one UTF-16 unit, 😀 a surrogate pair.
		expect(unicodePwdValue('é😀').toString('hex')).toBe('2200e9003dd800de2200');
		fc.assert(
			fc.property(fc.string(), (password) => {
				const bytes = unicodePwdValue(password);
				expect(bytes.toString('utf16le')).toBe(`"${password}"`);
			}),
		);
	});

	it('the disabled bit is set or cleared, every other bit kept', () => {
		expect(withAccountDisabled(0x200, true)).toBe(0x202);
		expect(withAccountDisabled(0x10202, false)).toBe(0x10200);
		expect(withAccountDisabled(0x202, true)).toBe(0x202);
		fc.assert(
			fc.property(fc.integer({ min: 0, max: 0x7fffffff }), fc.boolean(), (control, disabled) => {
				const next = withAccountDisabled(control, disabled);
				expect(next & ~0x2).toBe(control & ~0x2);
				expect((next & 0x2) !== 0).toBe(disabled);
			}),
		);
	});

	it('enable and disable write userAccountControl only when the bit differs', () => {
		const { management } = profileFor('activeDirectory');
		expect(management.setEnabled(entryOf({ userAccountControl: '66050' }), true)).toEqual([
			{ operation: 'replace', attribute: 'userAccountControl', values: ['66048'] },
		]);
		expect(management.setEnabled(entryOf({ userAccountControl: '66048' }), true)).toEqual([]);
		expect(management.unlock(entryOf({ 'msDS-User-Account-Control-Computed': '16', lockoutTime: '1' }))).toEqual([
			{ operation: 'replace', attribute: 'lockoutTime', values: ['0'] },
		]);
		// A lockout that has run out leaves lockoutTime set: the account is not locked, nothing to write.
		expect(management.unlock(entryOf({ 'msDS-User-Account-Control-Computed': '0', lockoutTime: '1' }))).toEqual([]);
	});

	it('a new person: CN from the display name, sAMAccountName and a UPN in the domain of the parent, created disabled', () => {
		const { management } = profileFor('activeDirectory');
		const planned = management.newUser(
			{ login: 'mona', givenName: 'Mona', surname: 'Ager' },
			'OU=People,DC=northwind,DC=test',
		);
		expect(planned.rdn).toEqual({ attribute: 'CN', value: 'Mona Ager' });
		expect(planned.attributes).toMatchObject({
			sAMAccountName: ['mona'],
			userPrincipalName: ['mona@northwind.test'],
			userAccountControl: ['514'],
			givenName: ['Mona'],
			sn: ['Ager'],
		});
		expect(management.disabledUntilPassword).toBe(true);
		expect(domainOf('OU=People,DC=Northwind,DC=Test')).toBe('northwind.test');
		expect(domainOf('ou=people,o=example')).toBeUndefined();
	});
});

describe.each<DetectedFlavour>(['activeDirectory', 'openLdap', '389ds', 'openDj', 'other'])(
	'%s: each edit gives the status its profile reads, and repeating it writes nothing',
	(flavour) => {
		const profile = profileFor(flavour);
		const start: Record<DetectedFlavour, Record<string, string>> = {
			activeDirectory: { userAccountControl: '512', pwdLastSet: '133000000000000000' },
			openLdap: {},
			'389ds': {},
			openDj: { accountDisabled: 'FALSE', accountLockedOut: 'FALSE' },
			other: {},
		};
		const status = (entry: Entry) => profile.readStatus(entry);

		it('disable, then enable', () => {
			const enabled = entryOf(start[flavour]);
			expect(profile.management.setEnabled(enabled, true)).toEqual([]);
			const disabled = applied(enabled, profile.management.setEnabled(enabled, false));
			expect(status(disabled)).toMatchObject({ disabled: true, locked: false });
			expect(profile.management.setEnabled(disabled, false)).toEqual([]);
			const again = applied(disabled, profile.management.setEnabled(disabled, true));
			expect(status(again)).toEqual(status(enabled));
			expect(profile.management.unlock(disabled)).toEqual([]);
		});

		it('require a password change, then clear it', () => {
			const entry = entryOf(start[flavour]);
			const required = applied(entry, profile.management.requirePasswordChange(entry));
			expect(status(required).passwordResetRequired).toBe(true);
			expect(profile.management.requirePasswordChange(required)).toEqual([]);
			const cleared = applied(required, profile.management.clearPasswordChange(required));
			expect(status(cleared).passwordResetRequired).toBe(false);
			expect(profile.management.clearPasswordChange(cleared)).toEqual([]);
		});
	},
);

describe('unlock per product', () => {
	it('OpenLDAP: a lockout time is removed, the administrative lock (disabled) is not', () => {
		const { management, readStatus } = profileFor('openLdap');
		const locked = entryOf({ pwdAccountLockedTime: '20261206120000Z' });
		expect(readStatus(locked).locked).toBe(true);
		expect(management.unlock(locked)).toEqual([{ operation: 'delete', attribute: 'pwdAccountLockedTime', values: [] }]);
		expect(management.unlock(entryOf({ pwdAccountLockedTime: ADMIN_LOCK_TIME }))).toEqual([]);
	});

	it('389 DS: a running lockout ends with accountUnlockTime removed and passwordRetryCount 0; one that ran out is left', () => {
		const { management } = profileFor('389ds');
		expect(management.unlock(entryOf({ accountUnlockTime: '29991231000000Z', passwordRetryCount: '3' }))).toEqual([
			{ operation: 'delete', attribute: 'accountUnlockTime', values: [] },
			{ operation: 'replace', attribute: 'passwordRetryCount', values: ['0'] },
		]);
		expect(management.unlock(entryOf({ accountUnlockTime: '20000101000000Z' }))).toEqual([]);
	});

	it("legacy OTDS: OTDS's flag and OpenDJ's lock time", () => {
		const { management, readStatus } = profileFor('openDj');
		const locked = entryOf({ accountLockedOut: 'TRUE', pwdAccountLockedTime: '20261206120000Z' });
		const unlocked = applied(locked, management.unlock(locked));
		expect(readStatus(unlocked).locked).toBe(false);
		expect(management.unlock(unlocked)).toEqual([]);
	});
});

describe('new entries', () => {
	it('OpenLDAP names people uid=<login>, needs sn, and gives an empty groupOfNames the placeholder member', () => {
		const { management } = profileFor('openLdap');
		const person = management.newUser({ login: 'mona', displayName: 'Mona A.' }, 'ou=people,dc=example,dc=com');
		expect(person.rdn).toEqual({ attribute: 'uid', value: 'mona' });
		expect(person.attributes).toMatchObject({ cn: ['Mona A.'], sn: ['mona'], displayName: ['Mona A.'] });
		expect(management.newGroup({ name: 'Ops' }).attributes.member).toEqual([EMPTY_GROUP_MEMBER]);
	});

	it('legacy OTDS names people by a new UUID, with the login in cn, and refuses renames', () => {
		const { management } = profileFor('openDj');
		const first = management.newUser({ login: 'mona' }, 'orgunit=users,dc=x');
		const second = management.newUser({ login: 'mona' }, 'orgunit=users,dc=x');
		expect(first.rdn.attribute).toBe('oTPerson');
		expect(first.rdn.value).toMatch(/^[0-9a-f-]{36}$/);
		expect(first.rdn.value).not.toBe(second.rdn.value);
		expect(first.attributes).toMatchObject({ cn: ['mona'], oTObjectGUID: [first.rdn.value] });
		expect(management.renameRefusal).toMatch(/UUID/);
	});

	it('more attributes: object classes added, others replaced, credentials and the naming attribute refused', () => {
		const planned = profileFor('openLdap').management.newUser({ login: 'mona' }, 'dc=x');
		const attributes = newEntryAttributes(
			planned,
			{ objectClass: ['otdpRecipient', 'inetOrgPerson'], CN: ['Mo'] },
			'Attributes',
		);
		expect(attributes.objectClass).toEqual(['top', 'person', 'organizationalPerson', 'inetOrgPerson', 'otdpRecipient']);
		expect(attributes.cn).toBeUndefined();
		expect(attributes.CN).toEqual(['Mo']);
		for (const secret of ['userPassword', 'unicodePwd;binary', 'ms-Mcs-AdmPwd', 'oTPassword']) {
			expect(() => newEntryAttributes(planned, { [secret]: ['x'] }, 'Attributes')).toThrow(ConfigurationError);
		}
		expect(() => newEntryAttributes(planned, { UID: ['other'] }, 'Attributes')).toThrow(/naming attribute/);
		expect(() => newEntryAttributes(planned, { 'bad name': ['x'] }, 'Attributes')).toThrow(ConfigurationError);
		expect(() => newEntryAttributes(planned, { title: [1] }, 'Attributes')).toThrow(/texts/);
	});

	it('a new RDN value with DN specials is escaped and reads back the same', () => {
		fc.assert(
			fc.property(
				fc.string({ minLength: 1 }).filter((text) => !text.includes('\0')),
				(value) => {
					const dn = formatDn([[{ type: 'uid', value }], ...parseDn('ou=people,dc=example,dc=com')]);
					expect(parseDn(dn)[0]).toEqual([{ type: 'uid', value }]);
				},
			),
		);
	});
});
