import type { Entry } from 'ldapts';

import { guidToString } from '../../core/ldap/flavours/active-directory';
import { changeStampsFor } from '../../core/changes/change-stamps';
import { DIRECTORY_FLAVOURS, profileFor } from '../../core/ldap/flavours';
import { describeServer } from '../../core/ldap/server-info';

const entry = (attributes: Record<string, string | string[] | Buffer>): Entry => ({ dn: 'cn=x', ...attributes });

describe('account status per directory flavour', () => {
	it('Active Directory: disabled bit, computed lockout, pwdLastSet=0', () => {
		const ad = profileFor('activeDirectory');
		expect(ad.readStatus(entry({ userAccountControl: '514', pwdLastSet: '133' }))).toEqual({
			disabled: true,
			locked: false,
			passwordResetRequired: false,
		});
		expect(
			ad.readStatus(entry({ userAccountControl: '512', 'msDS-User-Account-Control-Computed': '16', lockoutTime: '1' }))
				.locked,
		).toBe(true);
		// lockoutTime stays set after the lockout expired: the computed attribute wins when present.
		expect(
			ad.readStatus(entry({ userAccountControl: '512', 'msDS-User-Account-Control-Computed': '0', lockoutTime: '1' }))
				.locked,
		).toBe(false);
		expect(ad.readStatus(entry({ userAccountControl: '512', pwdLastSet: '0' })).passwordResetRequired).toBe(true);
	});

	it('Active Directory: objectGUID bytes become the canonical GUID text', () => {
		const bytes = Buffer.from('3f2504e04f8941d39a0c0305e82c3301', 'hex');
		expect(guidToString(bytes)).toBe('e004253f-894f-d341-9a0c-0305e82c3301');
	});

	it('OpenLDAP ppolicy: failure lockout, administrative lock, pwdReset', () => {
		const openLdap = profileFor('openLdap');
		expect(openLdap.readStatus(entry({ pwdAccountLockedTime: '20261126101010Z' }))).toEqual({
			disabled: false,
			locked: true,
			passwordResetRequired: false,
		});
		expect(openLdap.readStatus(entry({ pwdAccountLockedTime: '000001010000Z' }))).toEqual({
			disabled: true,
			locked: false,
			passwordResetRequired: false,
		});
		expect(openLdap.readStatus(entry({ pwdReset: 'TRUE' })).passwordResetRequired).toBe(true);
	});

	it('389 DS and OpenDJ / legacy OTDS', () => {
		expect(profileFor('389ds').readStatus(entry({ nsAccountLock: 'true' })).disabled).toBe(true);
		expect(
			profileFor('389ds').readStatus(entry({ passwordExpirationTime: '19700101000000Z' })).passwordResetRequired,
		).toBe(true);
		const otds = profileFor('openDj');
		expect(otds.readStatus(entry({ accountDisabled: 'TRUE', accountLockedOut: 'FALSE' }))).toEqual({
			disabled: true,
			locked: false,
			passwordResetRequired: false,
		});
		expect(
			otds.readStatus(entry({ 'ds-pwp-account-disabled': 'true', UserMustChangePasswordAtNextSignIn: 'TRUE' })),
		).toEqual({ disabled: true, locked: false, passwordResetRequired: true });
		expect(otds.readId(entry({ entryUUID: 'u-1' }))).toBe('u-1');
	});
});

describe('describeServer (root DSE → product)', () => {
	it('recognises Active Directory by its capability OID', () => {
		const info = describeServer({
			supportedCapabilities: ['1.2.840.113556.1.4.800'],
			defaultNamingContext: 'DC=corp,DC=example',
			supportedControl: ['1.2.840.113556.1.4.417', '1.2.840.113556.1.4.841'],
		});
		expect(info.flavour).toBe('activeDirectory');
		expect(info.supportedControlNames).toEqual(['show deleted', 'DirSync']);
	});

	it('recognises OpenLDAP and its accesslog', () => {
		const info = describeServer({
			objectClass: ['top', 'OpenLDAProotDSE'],
			namingContexts: ['dc=example,dc=com', 'cn=accesslog'],
		});
		expect(info).toMatchObject({
			flavour: 'openLdap',
			vendor: 'OpenLDAP',
			namingContexts: ['dc=example,dc=com'],
			changeLogs: ['cn=accesslog'],
		});
	});

	it('recognises 389 DS and OpenDJ by vendor name, with their changelog', () => {
		expect(
			describeServer({ vendorName: '389 Project', vendorVersion: '389-Directory/2.3.4', changelog: 'cn=changelog' }),
		).toMatchObject({ flavour: '389ds', changeLogs: ['cn=changelog'] });
		expect(describeServer({ vendorName: 'ForgeRock AS.', vendorVersion: 'OpenDJ 2.6.0' }).flavour).toBe('openDj');
		expect(describeServer({ vendorName: 'Acme' }).flavour).toBe('other');
	});
});

describe('each profile owns its product name and change stamps', () => {
	it('names the product when the root DSE names no vendor', () => {
		expect(describeServer({ supportedCapabilities: ['1.2.840.113556.1.4.800'] }).vendor).toBe('Active Directory');
		expect(describeServer({ objectClass: ['OpenLDAProotDSE'], vendorVersion: '2.5' }).vendor).toBe('OpenLDAP 2.5');
		expect(describeServer({}).vendor).toBe('an LDAP server');
	});

	it('stamps changes with the attributes each product keeps', () => {
		expect(
			Object.fromEntries(
				DIRECTORY_FLAVOURS.filter((flavour) => flavour !== 'auto').map((flavour) => [
					flavour,
					changeStampsFor(flavour),
				]),
			),
		).toEqual({
			activeDirectory: { passwordChanged: 'pwdLastSet', modified: 'whenChanged', created: 'whenCreated' },
			openLdap: { passwordChanged: 'pwdChangedTime', modified: 'entryCSN', created: 'createTimestamp' },
			'389ds': { passwordChanged: 'pwdUpdateTime', modified: 'modifyTimestamp', created: 'createTimestamp' },
			openDj: { passwordChanged: 'pwdChangedTime', modified: 'modifyTimestamp', created: 'createTimestamp' },
			other: { passwordChanged: 'pwdChangedTime', modified: 'modifyTimestamp', created: 'createTimestamp' },
		});
	});

	it('reads a generic server as OpenLDAP does (inetOrgPerson and ppolicy status)', () => {
		const { productName: _generic, recognises: _any, stamps: _stamps, ...generic } = profileFor('other');
		const { productName: _openLdap, recognises: _openLdapRootDse, stamps: _csn, ...openLdap } = profileFor('openLdap');
		expect(generic).toEqual(openLdap);
	});
});
