/**
 * Loads the enterprise fixture (devkit/fixture) into the emulator: the same people, groups and
 * nesting as the test slapd, shaped the way OTDS REST returns them.
 */
import { FIXTURE_EPOCH, passwordOf, type EnterpriseFixture, type FixtureUser } from '../../devkit/fixture';
import { isoSeconds, objectId } from './shapes';
import type { OtdsStore } from './store';

const DAY = 24 * 60 * 60 * 1000;
const MINUTE = 60 * 1000;
const bool = (value: boolean): string => (value ? 'true' : 'false');

/** Accounts were created about 400 days before the fixture's epoch, a minute apart, in fixture order. */
export function createdAtOf(index: number): number {
	return FIXTURE_EPOCH.getTime() - 400 * DAY + index * MINUTE;
}

function userAttributes(
	user: FixtureUser,
	fixture: EnterpriseFixture,
	partition: string,
): Record<string, string | string[]> {
	const created = createdAtOf(user.index);
	const modified = Math.max(created, user.passwordChangedAt.getTime());
	const attributes: Record<string, string | string[]> = {
		givenName: user.givenName,
		sn: user.sn,
		displayName: `${user.givenName} ${user.sn}`,
		mail: user.mail,
		title: user.title,
		oTDepartment: user.department,
		oTCompany: fixture.company,
		oTExtraAttr1: user.businessUnit,
		l: user.location,
		c: user.country,
		physicalDeliveryOfficeName: `${user.location} Office`,
		oTMobile: user.mobile,
		employeeNumber: user.employeeNumber,
		oTExternalID1: user.uid,
		oTExternalID2: objectId(user.uid, partition),
		oTExternalID3: `${user.uid}@${fixture.mailDomain}`,
		oTExternalID4: `EXAMPLE\\${user.uid}`,
		accountDisabled: bool(user.status.disabled),
		accountLockedOut: bool(user.status.lockedOut),
		UserMustChangePasswordAtNextSignIn: bool(user.status.mustChangePassword),
		pwdReset: bool(user.status.mustChangePassword),
		PasswordNeverExpires: bool(user.status.passwordNeverExpires),
		passwordChangedTime: isoSeconds(user.passwordChangedAt.getTime()),
		oTLastLoginTimestamp: isoSeconds(user.lastLoginAt.getTime()),
		modifyTimestamp: isoSeconds(modified),
	};
	// The manager as the manager's user id (name@partition): a guess, see README.md.
	if (user.manager !== undefined) attributes.manager = objectId(user.manager, partition);
	return attributes;
}

export function seedFixture(store: OtdsStore, fixture: EnterpriseFixture): void {
	const partition = store.partition;
	for (const user of fixture.users) {
		store.createUser({
			name: user.uid,
			partition,
			uuid: user.uuid,
			password: passwordOf(user.uid),
			attributes: userAttributes(user, fixture, partition),
			createdAt: createdAtOf(user.index),
		});
	}
	// Groups first, members second: a group may list a group defined after it.
	fixture.groups.forEach((group, index) => {
		store.createGroup({
			name: group.name,
			partition,
			description: group.description,
			uuid: group.uuid,
			createdAt: createdAtOf(index),
		});
	});
	for (const group of fixture.groups) {
		const ref = objectId(group.name, partition);
		for (const member of group.members) {
			if (member.kind === 'user') store.addMember(ref, objectId(member.uid, partition), { kind: 'user', silent: true });
			else store.addMember(ref, objectId(member.name, partition), { kind: 'group', silent: true });
		}
	}
}
