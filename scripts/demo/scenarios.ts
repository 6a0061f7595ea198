/**
 * Directory changes a newcomer can make from the inbox's scenario panel (or `npm run demo -- scenario <name>`),
 * each followed by notifications within a poll interval (one minute), plus the critical notice of use case 8.
 */
import type { OtdsEmulator } from '../../emulators/otds/server';
import type { AppWorksEmulator } from '../../emulators/push/appworks';
import type { InboxPeople, InboxScenario } from '../../emulators/push/inbox';
import { attrLine, generalizedTime } from '../../devkit/fixture';
import type { N8nInstance } from '../../devkit/n8n';
import type { Slapd } from '../../devkit/slapd';
import { executionError, nodeItems } from '../../devkit/n8n';
import { DEVICE_TOKEN_ATTRIBUTE, NOTICE_GROUP, PARTITION } from './workflows';

export const SCENARIOS: InboxScenario[] = [
	{
		name: 'hire',
		title: 'Hire a person',
		description: 'A new account in OTDS → a welcome push to the new hire (use case 1)',
	},
	{
		name: 'lock',
		title: 'Lock an account',
		description:
			'Too many failed sign-ins → the person is told how to unlock, by Firebase push and Cloud Messaging (3)',
	},
	{
		name: 'grant-privileged',
		title: 'Grant a privileged group',
		description: 'Someone joins Domain Admins → the person and the Security Administrators are told (2, 4)',
	},
	{
		name: 'bulk-move',
		title: 'Bulk-move a department',
		description: 'Everyone in a department moves office → one bulk-change alert to security (4)',
	},
	{
		name: 'critical-notice',
		title: 'Send a critical notice',
		description: `Runs the critical-notice workflow: ${NOTICE_GROUP} get a notice to acknowledge (8)`,
	},
	{
		name: 'broadcast',
		title: 'Broadcast to a group',
		description: 'Runs template 7: All Managers get an announcement through the AppWorks Gateway (7)',
	},
];

export const tokenOf = (uid: string) => `fcm-demo-${uid}`;

export interface ScenarioContext {
	otds: OtdsEmulator;
	/** The OpenLDAP source, when it runs: every change is made there too (the templates watch it). */
	slapd?: Slapd;
	n8n: N8nInstance;
	criticalWorkflowId: string;
	/** Template 7 (group broadcast through the AppWorks Gateway), when imported. */
	broadcastWorkflowId?: string;
	/** People by device token, mobile, mail and user ID (the inbox reads it; a hire adds one). */
	people: InboxPeople;
	/** The AppWorks Gateway emulator: a hire becomes known to it too. */
	appworks?: AppWorksEmulator;
}

const first = (values: unknown): string =>
	Array.isArray(values) ? String(values[0] ?? '') : typeof values === 'string' ? values : '';

export class Scenarios {
	private hires = 0;
	private readonly used = new Set<string>();

	constructor(private readonly ctx: ScenarioContext) {}

	private attribute(userId: string, name: string): string {
		const user = this.ctx.otds.store.findUser(userId);
		if (!user) return '';
		const key = Object.keys(user.attributes).find((k) => k.toLowerCase() === name.toLowerCase());
		return key ? first(user.attributes[key]) : '';
	}

	/** An enabled, unlocked fixture person with a device token, not used by an earlier scenario. */
	private someone(filter: (id: string) => boolean = () => true): string {
		const fixture = this.ctx.otds.fixture;
		const candidates = (fixture?.users ?? [])
			.filter((u) => u.role === 'staff' && !u.status.disabled && !u.status.lockedOut)
			.map((u) => `${u.uid}@${PARTITION}`)
			.filter((id) => !this.used.has(id) && this.attribute(id, 'accountLockedOut') !== 'true' && filter(id));
		if (candidates.length === 0) throw new Error('No one is left for this scenario: restart the demo');
		this.used.add(candidates[0]);
		return candidates[0];
	}

	/** The same change on the OpenLDAP source (best effort: the OTDS part has happened already). */
	private async mirror(ldif: () => string): Promise<string> {
		const slapd = this.ctx.slapd;
		if (!slapd) return '';
		try {
			await slapd.ldapmodify(ldif());
			return ' The same change was made in OpenLDAP, the second source.';
		} catch (error) {
			return ` (The OpenLDAP copy of the change failed: ${(error as Error).message.split('\n')[0]})`;
		}
	}

	private uidOf(id: string): string {
		return id.slice(0, id.lastIndexOf('@'));
	}

	private name(id: string): string {
		return this.attribute(id, 'displayName') || id;
	}

	async run(name: string): Promise<string> {
		const store = this.ctx.otds.store;
		switch (name) {
			case 'hire': {
				this.hires++;
				const uid = `newhire${this.hires}`;
				const fixture = this.ctx.otds.fixture;
				const department = fixture?.users[0]?.department ?? 'Finance';
				const given = ['Alex', 'Sam', 'Robin', 'Kim', 'Jo'][(this.hires - 1) % 5];
				const displayName = `${given} Newhire-${this.hires}`;
				store.createUser({
					name: uid,
					partition: PARTITION,
					attributes: {
						givenName: given,
						sn: `Newhire-${this.hires}`,
						displayName,
						mail: `${uid}@example.com`,
						title: 'Analyst',
						oTDepartment: department,
						[DEVICE_TOKEN_ATTRIBUTE]: tokenOf(uid),
					},
				});
				this.ctx.people.add(
					{ id: `${uid}@${PARTITION}`, displayName, department, title: 'Analyst' },
					{ deviceTokens: [tokenOf(uid)], mail: `${uid}@example.com` },
				);
				this.ctx.appworks?.addUsers([`${uid}@${PARTITION}`]);
				const also = await this.mirror(() => {
					const dn = this.ctx.slapd!.layout.userDN(uid);
					return [
						`${attrLine('dn', dn)}changetype: add\nobjectClass: inetOrgPerson\nobjectClass: otdpRecipient\n${attrLine('uid', uid)}${attrLine('cn', displayName)}${attrLine('sn', `Newhire-${this.hires}`)}${attrLine('givenName', given)}${attrLine('displayName', displayName)}mail: ${uid}@example.com\ntitle: Analyst\n${attrLine('ou', department)}${attrLine('departmentNumber', department)}${attrLine(DEVICE_TOKEN_ATTRIBUTE, tokenOf(uid))}`,
						`${attrLine('dn', this.ctx.slapd!.layout.groupDN('All Staff'))}changetype: modify\nadd: member\n${attrLine('member', dn)}`,
					].join('\n');
				});
				return `Hired ${displayName} (${uid}@${PARTITION}) in OTDS. Within a minute the directory trigger sees user.created and the new hire's inbox gets a welcome.${also}`;
			}
			case 'lock': {
				const id = this.someone();
				store.lockUser(id);
				const also = await this.mirror(
					() =>
						`${attrLine('dn', this.ctx.slapd!.layout.userDN(this.uidOf(id)))}changetype: modify\nreplace: pwdAccountLockedTime\npwdAccountLockedTime: ${generalizedTime(new Date())}\n`,
				);
				return `Locked ${this.name(id)} (${id}) in OTDS. Within a minute they get "Your account is locked" with the self-service link, by Firebase push (demo workflow) and by Cloud Messaging (template 3).${also}`;
			}
			case 'grant-privileged': {
				const admins = store.findGroup('Domain Admins');
				const members = new Set(admins ? store.membersOf(admins).map((m) => m.uuid) : []);
				const id = this.someone((candidate) => !members.has(store.findUser(candidate)?.uuid ?? ''));
				store.addMember('Domain Admins', id, { kind: 'user' });
				const also = await this.mirror(
					() =>
						`${attrLine('dn', this.ctx.slapd!.layout.groupDN('Domain Admins'))}changetype: modify\nadd: member\n${attrLine('member', this.ctx.slapd!.layout.userDN(this.uidOf(id)))}`,
				);
				return `Added ${this.name(id)} (${id}) to Domain Admins. Within a minute they are told, and the Security Administrators get a privileged-access alert.${also}`;
			}
			case 'bulk-move': {
				const counts = new Map<string, string[]>();
				for (const user of store.allUsers()) {
					const department = this.attributeOf(user.attributes, 'oTDepartment');
					if (department) counts.set(department, [...(counts.get(department) ?? []), `${user.name}@${user.partition}`]);
				}
				const [department, ids] = [...counts.entries()].sort((a, b) => b[1].length - a[1].length)[0] ?? ['', []];
				if (ids.length === 0) throw new Error('No department to move');
				const office = `Harbour Office ${new Date().toISOString().slice(11, 16)}`;
				for (const id of ids) store.updateUser(id, { l: office, physicalDeliveryOfficeName: office });
				const inLdap = (this.ctx.slapd?.fixture.users ?? []).filter((u) => u.department === department);
				const also = inLdap.length
					? await this.mirror(() =>
							inLdap
								.map(
									(u) =>
										`${attrLine('dn', this.ctx.slapd!.layout.userDN(u.uid))}changetype: modify\nreplace: l\n${attrLine('l', office)}`,
								)
								.join('\n'),
						)
					: '';
				return `Moved the ${ids.length} people of ${department} to "${office}". Within a minute the Security Administrators get one bulk-change alert (threshold 10) instead of ${ids.length} messages.${also}`;
			}
			case 'critical-notice': {
				const execution = await this.ctx.n8n.runWorkflow(this.ctx.criticalWorkflowId, { timeoutMs: 120_000 });
				const error = executionError(execution);
				if (error) throw new Error(`The critical-notice workflow failed: ${error}`);
				const results = nodeItems(execution, 'Push the notice');
				const sent = results.filter((r) => r.status === 'sent' || r.status === 'delivered').length;
				const noticeId = String(results[0]?.noticeId ?? '');
				return `Sent the critical notice ${noticeId} to ${sent} of ${results.length} people in ${NOTICE_GROUP}. Press Acknowledge in their inbox cards: the acknowledgment is written on their OTDS record.`;
			}
			case 'broadcast': {
				if (!this.ctx.broadcastWorkflowId)
					throw new Error('Template 7 (group broadcast) was not imported: start the demo without DEMO_TEMPLATES=0');
				const execution = await this.ctx.n8n.runWorkflow(this.ctx.broadcastWorkflowId, { timeoutMs: 120_000 });
				const error = executionError(execution);
				if (error) throw new Error(`Template 7 (group broadcast) failed: ${error}`);
				const results = nodeItems(execution, 'Broadcast');
				const sent = results.filter((r) => r.status === 'sent').length;
				return `Template 7 sent its announcement through the AppWorks Gateway to ${sent} of ${results.length} members of All Managers (nested groups expanded): their inbox cards show it as AppWorks.`;
			}
			default:
				throw new Error(`No scenario "${name}". Scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}`);
		}
	}

	private attributeOf(attributes: Record<string, unknown>, name: string): string {
		const key = Object.keys(attributes).find((k) => k.toLowerCase() === name.toLowerCase());
		return key ? first(attributes[key]) : '';
	}
}
