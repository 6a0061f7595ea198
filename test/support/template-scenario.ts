/**
 * The directory scenario of the templates' end-to-end test (test/n8n/templates.test.ts): who plays which part,
 * the changes made in each directory (OpenLDAP through LDIF, OTDS through the emulator's admin API over HTTP),
 * what each use case must deliver afterwards, and what the three push emulators received, per person.
 *
 * Both directories hold the same fixture people. Every person has one device token, `tok-<uid>`, in
 * `otdpDeviceToken`, except the person OTDS locks (no app on the phone: template 3 reaches them by SMS).
 */
import { Client } from 'ldapts';
import type { OtdsEmulator } from '../../emulators/otds/server';
import type { AppWorksEmulator } from '../../emulators/push/appworks';
import type { FcmEmulator } from '../../emulators/push/fcm';
import { appWorksSource, fcmSource, mraSource } from '../../emulators/push/inbox-sources';
import type { MraEmulator } from '../../emulators/push/mra';
import {
	departmentManagersGroup,
	transitiveUsers,
	type EnterpriseFixture,
	type FixtureMember,
	type FixtureUser,
} from '../../devkit/fixture';
import type { Slapd } from '../../devkit/slapd';

export const PARTITION = 'Content Server Members';
export const TOKEN_ATTRIBUTE = 'otdpDeviceToken';
export const tokenOf = (uid: string): string => `tok-${uid}`;
/** The OTDS user ID of a fixture person: their `login` over OTDS REST, and their user name at the AppWorks Gateway. */
export const otdsId = (uid: string): string => `${uid}@${PARTITION}`;
/** The uid in an OTDS user ID (the AppWorks emulator reports user names in lower case). */
const uidOf = (login: string): string =>
	login.toLowerCase().endsWith(`@${PARTITION}`.toLowerCase()) ? login.slice(0, -PARTITION.length - 1) : login;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One message as a person received it, whichever service carried it. */
export interface Received {
	uid: string;
	/** fcm | push (Cloud Messaging) | sms (Cloud Messaging) | appworks */
	via: 'fcm' | 'push' | 'sms' | 'appworks';
	title: string;
	body: string;
	link?: string;
	priority?: string;
	data: Record<string, string>;
}

/** "<title> → <uid>", sorted: what a use case delivered, comparable as a list. */
export const pairs = (list: Array<{ title: string; uid: string }>): string[] =>
	list.map((d) => `${d.title} → ${d.uid}`).sort();

/** The uid behind a fixture device token, `tok-<uid>`; anything else is shown as `?<address>`. */
const uidOfToken = (token: string): string => (token.startsWith('tok-') ? token.slice(4) : `?${token}`);

/**
 * What the Firebase emulator accepted, with the person each token belongs to. The emulators' records are read
 * by the demo inbox's normalisers (emulators/push/inbox-sources.ts), so the test and the inbox see the same.
 */
export function fcmReceived(fcm: FcmEmulator): Received[] {
	const source = fcmSource(() => fcm.deliveries);
	return source.records().flatMap((record) =>
		source.normalise(record).map((d): Received => ({
			uid: d.addressKind === 'token' ? uidOfToken(d.address) : `?${d.address}`,
			via: 'fcm',
			title: d.title,
			body: d.body,
			data: d.data,
		})),
	);
}

/**
 * What OpenText Cloud Messaging accepted: pushes (one device token each) and SMS (one mobile number each).
 * An SMS is "<title>: <body> <link>"; it is matched to its title by the known titles.
 */
export function mraReceived(mra: MraEmulator, fixture: EnterpriseFixture, titles: string[]): Received[] {
	const byMobile = new Map(fixture.users.map((u) => [u.mobile, u.uid]));
	const source = mraSource(() => mra.submissions);
	return source.records().flatMap((record) =>
		source.normalise(record).map((d): Received => {
			if (d.channel === 'mraPush')
				return {
					uid: uidOfToken(d.address),
					via: 'push',
					title: d.title,
					body: d.body,
					link: d.link,
					priority: d.priority,
					data: d.data,
				};
			if (d.channel === 'sms') {
				const title = titles.find((t) => d.body.startsWith(`${t}: `)) ?? d.body;
				return {
					uid: byMobile.get(d.address) ?? `?${d.address}`,
					via: 'sms',
					title,
					body: d.body.slice(title.length + 2),
					data: {},
				};
			}
			return { uid: `?${d.address}`, via: 'sms', title: '(email)', body: '', data: {} };
		}),
	);
}

/** What the AppWorks Gateway delivered: one entry per person reached (a request names many). */
export function appWorksReceived(appworks: AppWorksEmulator): Received[] {
	const source = appWorksSource(() => appworks.notifications);
	return source.records().flatMap((record) =>
		source
			.normalise(record)
			.filter((d) => d.addressKind === 'user')
			.map((d): Received => ({ uid: uidOf(d.address), via: 'appworks', title: d.title, body: d.body, data: d.data })),
	);
}

/** Waits until `read()` has `count` entries, then a little longer to catch any extra ones. */
export async function settled<T>(read: () => T[], count: number, timeoutMs: number): Promise<T[]> {
	const deadline = Date.now() + timeoutMs;
	while (read().length < count && Date.now() < deadline) await sleep(1000);
	await sleep(3000);
	return read();
}

/** The people of the scenario; each plays one part. */
export interface Cast {
	// OpenLDAP (templates 1, 2, 4, 6, 8)
	vpnLeaver: FixtureUser;
	approverJoiner: FixtureUser;
	newAdmin: FixtureUser;
	bulk: FixtureUser[];
	/** The newcomer's manager. */
	manager: FixtureUser;
	approvers: [FixtureUser, FixtureUser, FixtureUser];
	requesters: [FixtureUser, FixtureUser];
	// OTDS (templates 3 and 7)
	/** Locked in OTDS; has no device token, so template 3 sends an SMS. */
	locked: FixtureUser;
	reset: FixtureUser;
	/** A manager disabled in OTDS: told by template 3, left out of template 7's broadcast to All Managers. */
	disabled: FixtureUser;
	/** Joins their department's Managers group in OTDS: now in All Managers. */
	promoted: FixtureUser;
	/** Leaves their department's Managers group in OTDS: no longer in All Managers. */
	demoted: FixtureUser;
	/** In All Managers, but the AppWorks Gateway has no device registered for them. */
	withoutAppWorksDevice: FixtureUser;
	/** Everyone above. */
	used: Set<string>;
}

/** Chooses the cast from the fixture: distinct people, enabled, unlocked, with a manager. */
export function castScenario(fixture: EnterpriseFixture): Cast {
	const used = new Set<string>();
	const pick = (where: (u: FixtureUser) => boolean, role = 'staff'): FixtureUser => {
		const found = fixture.users.find(
			(u) =>
				!used.has(u.uid) &&
				u.role === role &&
				!u.status.disabled &&
				!u.status.lockedOut &&
				!u.status.mustChangePassword &&
				u.manager !== undefined &&
				where(u),
		);
		if (!found) throw new Error(`the fixture has no ${role} left for the scenario`);
		used.add(found.uid);
		return found;
	};
	const directMembers = (group: string) =>
		new Set(fixture.groupByName.get(group)!.members.flatMap((m) => (m.kind === 'user' ? [m.uid] : [])));
	const allManagers = transitiveUsers(fixture, 'All Managers');
	const vpnLeaver = pick((u) => directMembers('VPN Users').has(u.uid));
	const approverJoiner = pick((u) => !directMembers('Finance Approvers').has(u.uid));
	const newAdmin = pick((u) => !directMembers('Domain Admins').has(u.uid));
	const locked = pick(() => true);
	const reset = pick(() => true);
	const inOneManagersGroup = (u: FixtureUser) =>
		allManagers.has(u.uid) && directMembers(departmentManagersGroup(u.department)).has(u.uid);
	const disabled = pick(inOneManagersGroup, 'manager');
	const demoted = pick(inOneManagersGroup, 'manager');
	const withoutAppWorksDevice = pick(inOneManagersGroup, 'manager');
	const promoted = pick((u) => !allManagers.has(u.uid));
	const bulk = fixture.users.filter((u) => !used.has(u.uid)).slice(0, 25);
	const manager = fixture.users.find((u) => u.role === 'manager' && !used.has(u.uid))!;
	const managers = fixture.users.filter((u) => u.role === 'manager' && !used.has(u.uid));
	const approvers: Cast['approvers'] = [managers[0], managers[1], managers[2]];
	for (const a of approvers) used.add(a.uid);
	const requesters: Cast['requesters'] = [pick(() => true), pick(() => true)];
	return {
		vpnLeaver,
		approverJoiner,
		newAdmin,
		bulk,
		manager,
		approvers,
		requesters,
		locked,
		reset,
		disabled,
		promoted,
		demoted,
		withoutAppWorksDevice,
		used,
	};
}

/** The OTDS side of the scenario, through the emulator's admin API over HTTP (as another process would drive it). */
export async function driveOtds(otds: OtdsEmulator, cast: Cast): Promise<void> {
	const admin = async (method: string, route: string, body?: unknown) => {
		const res = await fetch(`${otds.origin}/__emulator/${route}`, {
			method,
			headers: { 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		if (!res.ok) throw new Error(`OTDS emulator: ${method} ${route} answered ${res.status} ${await res.text()}`);
	};
	const user = (u: FixtureUser) => `users/${encodeURIComponent(otdsId(u.uid))}`;
	const managersGroup = (u: FixtureUser) =>
		`groups/${encodeURIComponent(`${departmentManagersGroup(u.department)}@${PARTITION}`)}`;
	await admin('POST', `${user(cast.locked)}/lock`);
	await admin('POST', `${user(cast.disabled)}/disable`);
	await admin('POST', `${user(cast.reset)}/require-password-reset`);
	await admin('POST', `${managersGroup(cast.promoted)}/members`, { member: otdsId(cast.promoted.uid), kind: 'user' });
	await admin(
		'DELETE',
		`${managersGroup(cast.demoted)}/members/${encodeURIComponent(otdsId(cast.demoted.uid))}?kind=user`,
	);
}

/** The people a group holds (nested groups expanded) once some direct memberships were added or removed. */
export function transitiveUsersAfter(
	fixture: EnterpriseFixture,
	groupName: string,
	moves: Array<{ group: string; uid: string; add: boolean }>,
): Set<string> {
	const members = new Map<string, FixtureMember[]>(fixture.groups.map((g) => [g.name, [...g.members]]));
	for (const move of moves) {
		const list = members.get(move.group)!;
		members.set(
			move.group,
			move.add
				? [...list, { kind: 'user', uid: move.uid }]
				: list.filter((m) => !(m.kind === 'user' && m.uid === move.uid)),
		);
	}
	const found = new Set<string>();
	const seen = new Set<string>();
	const stack = [groupName];
	while (stack.length > 0) {
		const name = stack.pop()!;
		if (seen.has(name)) continue;
		seen.add(name);
		for (const member of members.get(name) ?? []) {
			if (member.kind === 'user') found.add(member.uid);
			else stack.push(member.name);
		}
	}
	return found;
}

/** The values of one attribute of an OpenLDAP entry. */
export async function readLdapAttribute(slapd: Slapd, dn: string, attribute: string): Promise<string[]> {
	const client = new Client({ url: slapd.url });
	try {
		await client.bind(slapd.adminDN, slapd.adminPassword);
		const { searchEntries } = await client.search(dn, { scope: 'base', attributes: [attribute] });
		const value = searchEntries[0]?.[attribute];
		return value === undefined ? [] : (Array.isArray(value) ? value : [value]).map(String);
	} finally {
		await client.unbind().catch(() => undefined);
	}
}
