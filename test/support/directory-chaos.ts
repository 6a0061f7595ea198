/**
 * Directory chaos: random change sequences against a real slapd, interleaved with faults, polled through the
 * trigger node's own poll() (its static data kept as n8n keeps it: a JSON round trip between polls), checked
 * against the directory itself.
 *
 * One run: a few entries of its own (names start with the run's tag), the trigger activated, then a sequence of
 * operations — creates, title changes, renames, moves between OUs, disable / enable, lockout by failed binds,
 * unlock, administrator password reset and the user's own change, deletes, groups created and deleted, members
 * and nested groups added and removed, bulk runs — and polls, each poll with or without a fault: slapd SIGKILLed
 * at a random LDAP message of the poll (through the relay) and restarted, the connections dropped at a random
 * message, a restart between polls, "Fetch Test Event" (manual mode) before the poll, or the poll's state lost
 * after its items were emitted (n8n stopped before it stored the static data) and the poll repeated.
 *
 * The oracle is a consumer that applies every emitted event to its own picture of the directory:
 * - every change emitted: after each successful poll (the timestamp strategy: after each poll that reconciled,
 *   as it sees deletions only then) the consumer's picture equals the directory as read directly from slapd —
 *   the people (id, DN, title, disabled, locked, password reset required), the groups and their members (people
 *   and nested groups, by id);
 * - nothing emitted twice: the product promises a stable id per change and at-least-once delivery only where a
 *   poll's state was not stored. So an id may come again only in the poll that repeats one whose state was not
 *   stored ("Fetch Test Event", or a lost save), and then it must come with the SAME id (the repeat emits exactly
 *   the ids of the poll it repeats; a consumer drops them by id). Any other repeated id is a duplicate; so is an
 *   event that changes nothing in the consumer's picture (a second user.created or user.disabled for the same
 *   person under a new id, a member added twice), which de-duplication by id could not catch;
 * - a poll that failed emitted nothing and left the stored state exactly as it was; no directory.resync.
 */
import fc from 'fast-check';
import { Attribute, Change, Client, ResultCodeError } from 'ldapts';
import type { IDataObject } from 'n8n-workflow';

import { OpenTextDirectoryServicesTrigger } from '../../nodes/OpenTextDirectoryServicesTrigger/OpenTextDirectoryServicesTrigger.node';
import { ldapCredentialData } from '../../devkit/ldap-credential';
import type { LdapRelay } from '../../devkit/ldap-relay';
import type { Slapd } from '../../devkit/slapd';
import { pollTrigger } from './poll-context';
import type { SlapdStrategyName } from './slapd-strategies';

export const CHAOS_STRATEGIES: SlapdStrategyName[] = ['accesslog', 'timestamp', 'snapshot'];

/** The faults a poll may meet. */
export type PollFault =
	| { kind: 'none' }
	/** slapd SIGKILLed after `at` LDAP messages of the poll, then restarted. */
	| { kind: 'kill'; at: number }
	/** Every connection dropped after `at` LDAP messages of the poll (slapd keeps running). */
	| { kind: 'drop'; at: number }
	/** slapd restarted (SIGTERM, start) before the poll. */
	| { kind: 'restart' }
	/** "Fetch Test Event" (manual mode) first: it must not move the state; the poll then repeats its events. */
	| { kind: 'fetch' }
	/** The poll's items emitted, its state not stored (n8n stopped first): the next poll repeats them. */
	| { kind: 'lostSave' };

export type ChaosOp =
	| { op: 'createUser' }
	| { op: 'title'; user: number }
	| { op: 'rename'; user: number }
	| { op: 'move'; user: number }
	| { op: 'disable'; user: number }
	| { op: 'enable'; user: number }
	| { op: 'lock'; user: number }
	| { op: 'adminReset'; user: number }
	| { op: 'ownPassword'; user: number }
	| { op: 'deleteUser'; user: number }
	| { op: 'createGroup'; member: number }
	| { op: 'addMember'; group: number; user: number }
	| { op: 'removeMember'; group: number; user: number }
	| { op: 'nest'; group: number; sub: number }
	| { op: 'unnest'; group: number; sub: number }
	| { op: 'deleteGroup'; group: number }
	| { op: 'bulk'; creates: number }
	| { op: 'poll'; fault: PollFault };

const index = fc.nat({ max: 7 });
const faultArb: fc.Arbitrary<PollFault> = fc.oneof(
	{ weight: 4, arbitrary: fc.constant<PollFault>({ kind: 'none' }) },
	{ weight: 2, arbitrary: fc.integer({ min: 1, max: 40 }).map<PollFault>((at) => ({ kind: 'kill', at })) },
	{ weight: 2, arbitrary: fc.integer({ min: 1, max: 40 }).map<PollFault>((at) => ({ kind: 'drop', at })) },
	{ weight: 1, arbitrary: fc.constant<PollFault>({ kind: 'restart' }) },
	{ weight: 1, arbitrary: fc.constant<PollFault>({ kind: 'fetch' }) },
	{ weight: 1, arbitrary: fc.constant<PollFault>({ kind: 'lostSave' }) },
);

export const chaosOpArb: fc.Arbitrary<ChaosOp> = fc.oneof(
	fc.constant<ChaosOp>({ op: 'createUser' }),
	index.map<ChaosOp>((user) => ({ op: 'title', user })),
	index.map<ChaosOp>((user) => ({ op: 'rename', user })),
	index.map<ChaosOp>((user) => ({ op: 'move', user })),
	index.map<ChaosOp>((user) => ({ op: 'disable', user })),
	index.map<ChaosOp>((user) => ({ op: 'enable', user })),
	index.map<ChaosOp>((user) => ({ op: 'lock', user })),
	index.map<ChaosOp>((user) => ({ op: 'adminReset', user })),
	index.map<ChaosOp>((user) => ({ op: 'ownPassword', user })),
	index.map<ChaosOp>((user) => ({ op: 'deleteUser', user })),
	index.map<ChaosOp>((member) => ({ op: 'createGroup', member })),
	fc.record({ group: index, user: index }).map<ChaosOp>((r) => ({ op: 'addMember', ...r })),
	fc.record({ group: index, user: index }).map<ChaosOp>((r) => ({ op: 'removeMember', ...r })),
	fc.record({ group: index, sub: index }).map<ChaosOp>((r) => ({ op: 'nest', ...r })),
	fc.record({ group: index, sub: index }).map<ChaosOp>((r) => ({ op: 'unnest', ...r })),
	index.map<ChaosOp>((group) => ({ op: 'deleteGroup', group })),
	fc.integer({ min: 4, max: 12 }).map<ChaosOp>((creates) => ({ op: 'bulk', creates })),
	// About one operation in three is a poll: most polls see a few changes, some many.
	{ weight: 8, arbitrary: faultArb.map<ChaosOp>((fault) => ({ op: 'poll', fault })) },
);

export const chaosSequenceArb = (maxLength: number): fc.Arbitrary<ChaosOp[]> =>
	// size 'max': lengths spread up to maxLength (fast-check's default keeps arrays short).
	fc.array(chaosOpArb, { minLength: 1, maxLength, size: 'max' });

/** What the runs did, added up over all runs (shrinking included). */
export interface ChaosFigures {
	runs: number;
	operations: number;
	polls: number;
	failedPolls: number;
	faults: Record<PollFault['kind'], number>;
	/** Events emitted (the repeats of fetched or unsaved polls included) and of those, repeats dropped by id. */
	events: number;
	repeatsSameId: number;
	/** Convergence checks passed. */
	checks: number;
}

export function emptyFigures(): ChaosFigures {
	return {
		runs: 0,
		operations: 0,
		polls: 0,
		failedPolls: 0,
		faults: { none: 0, kill: 0, drop: 0, restart: 0, fetch: 0, lostSave: 0 },
		events: 0,
		repeatsSameId: 0,
		checks: 0,
	};
}

export interface DirectoryChaosSetup {
	slapd: Slapd;
	/** Between the trigger and slapd; the harness's own reads and writes go to slapd directly. */
	relay: LdapRelay;
	strategy: SlapdStrategyName;
	figures: ChaosFigures;
}

interface UserTruth {
	id: string;
	dn: string;
	title: string | undefined;
	disabled: boolean;
	locked: boolean;
	passwordResetRequired: boolean;
}

interface GroupTruth {
	id: string;
	dn: string;
	members: string[];
}

interface Picture {
	users: Map<string, UserTruth>;
	groups: Map<string, GroupTruth>;
}

class ChaosViolation extends Error {}

function violation(message: string): never {
	throw new ChaosViolation(message);
}

const ADMIN_LOCK_TIME = '000001010000Z';
/** The Bulk Threshold the trigger runs with: bulk runs also produce a directory.bulkChange summary. */
const BULK_THRESHOLD = 10;
/** The timestamp strategy reconciles every this many polls (it sees deletions only then). */
const RECONCILE_EVERY = 3;

let runCounter = 0;

/** One run of `ops`; throws a ChaosViolation (or any error) when the product broke a promise. */
export async function runDirectoryChaos(setup: DirectoryChaosSetup, ops: ChaosOp[]): Promise<void> {
	const run = new ChaosRun(setup, `cx${process.pid.toString(36)}r${(++runCounter).toString(36)}`);
	setup.figures.runs++;
	try {
		await run.start();
		for (const op of ops) await run.apply(op);
		await run.settle();
	} finally {
		await run.cleanUp();
	}
}

class ChaosRun {
	private readonly slapd: Slapd;
	private readonly figures: ChaosFigures;
	private readonly trigger = new OpenTextDirectoryServicesTrigger();
	/** What n8n stores: the node's static data, as JSON. */
	private stored = '{}';
	private admin!: Client;
	/** Users and groups of this run by DN as the harness made them (a user's DN changes with renames and moves). */
	private users: string[] = [];
	private groups: string[] = [];
	private readonly passwords = new Map<string, string>();
	private readonly subOu: string;
	private serial = 0;
	/** The consumer: every id seen, and its picture of the directory. */
	private readonly seen = new Set<string>();
	private readonly picture: Picture = { users: new Map(), groups: new Map() };

	constructor(
		private readonly setup: DirectoryChaosSetup,
		private readonly tag: string,
	) {
		this.slapd = setup.slapd;
		this.figures = setup.figures;
		this.subOu = `ou=${tag},${this.slapd.layout.peopleDN}`;
	}

	async start(): Promise<void> {
		this.admin = await this.connect();
		await this.admin.add(this.subOu, { objectClass: ['top', 'organizationalUnit'], ou: this.tag });
		await this.createUser();
		await this.createUser();
		await this.createGroup(this.users[0]);
		// Activation: records the starting point, emits nothing; the consumer starts from the directory as it is.
		const items = await this.pollOnce('trigger', {});
		if (items !== null) violation(`the first activation emitted ${items.length} items`);
		const truth = await this.readTruth();
		for (const [id, user] of truth.users) this.picture.users.set(id, { ...user });
		for (const [id, group] of truth.groups) this.picture.groups.set(id, { ...group, members: [...group.members] });
	}

	async apply(op: ChaosOp): Promise<void> {
		this.figures.operations++;
		if (op.op === 'poll') return this.poll(op.fault);
		try {
			await this.change(op);
		} catch (error) {
			// The server refused it (e.g. the last member of a groupOfNames, a name taken): it did not happen.
			if (!(error instanceof ResultCodeError)) throw error;
		}
	}

	/** The end of a run: a poll without faults (the timestamp strategy's reconciles), converged, then a quiet poll. */
	async settle(): Promise<void> {
		await this.poll({ kind: 'none' }, { reconcileEvery: 1 });
		const quiet = await this.pollOnce('trigger', { reconcileEvery: 1 });
		if (quiet !== null) violation(`a poll after the last one emitted again: ${describe(quiet)}`);
	}

	async cleanUp(): Promise<void> {
		this.setup.relay.cancelCut();
		if (!this.slapd.running) await this.slapd.restart();
		const client = this.admin ?? (await this.connect());
		try {
			const tagged = async (base: string, filter: string) =>
				(await client.search(base, { scope: 'sub', filter, attributes: ['1.1'] })).searchEntries.map((e) => e.dn);
			for (const dn of await tagged(this.slapd.layout.groupsDN, `(cn=${this.tag}-*)`)) await client.del(dn);
			for (const dn of await tagged(this.slapd.layout.peopleDN, `(uid=${this.tag}-*)`)) await client.del(dn);
			await client.del(this.subOu).catch(() => undefined);
		} finally {
			await client.unbind().catch(() => undefined);
		}
	}

	// ----- the directory's changes (straight to slapd, never through the relay) -----

	private async connect(): Promise<Client> {
		const client = new Client({ url: this.slapd.url, timeout: 10_000 });
		await client.bind(this.slapd.adminDN, this.slapd.adminPassword);
		return client;
	}

	/** After a kill the harness's own connection is gone too. */
	private async reconnect(): Promise<void> {
		await this.admin.unbind().catch(() => undefined);
		this.admin = await this.connect();
	}

	private pick(list: string[], at: number): string | undefined {
		return list.length === 0 ? undefined : list[at % list.length];
	}

	private async createUser(): Promise<string> {
		const uid = `${this.tag}-u${++this.serial}`;
		const dn = `uid=${uid},${this.slapd.layout.peopleDN}`;
		const password = `Pw-${uid}-0!`;
		await this.admin.add(dn, {
			objectClass: 'inetOrgPerson',
			uid,
			cn: `Chaos ${uid}`,
			sn: 'Chaos',
			title: 'Starter',
			userPassword: password,
		});
		this.users.push(dn);
		this.passwords.set(dn, password);
		return dn;
	}

	private async createGroup(member: string): Promise<void> {
		const name = `${this.tag}-g${++this.serial}`;
		const dn = `cn=${name},${this.slapd.layout.groupsDN}`;
		await this.admin.add(dn, { objectClass: 'groupOfNames', cn: name, member });
		this.groups.push(dn);
	}

	private replace(dn: string, type: string, values: string[]): Promise<void> {
		return this.admin.modify(
			dn,
			new Change({
				operation: values.length === 0 ? 'delete' : 'replace',
				modification: new Attribute({ type, values }),
			}),
		);
	}

	private members(operation: 'add' | 'delete', group: string, member: string): Promise<void> {
		return this.admin.modify(
			group,
			new Change({ operation, modification: new Attribute({ type: 'member', values: [member] }) }),
		);
	}

	private async moveUser(dn: string, newDn: string): Promise<void> {
		await this.admin.modifyDN(dn, newDn);
		this.users[this.users.indexOf(dn)] = newDn;
		this.passwords.set(newDn, this.passwords.get(dn) as string);
	}

	private async change(op: Exclude<ChaosOp, { op: 'poll' }>): Promise<void> {
		const user = 'user' in op ? this.pick(this.users, op.user) : undefined;
		switch (op.op) {
			case 'createUser':
				await this.createUser();
				return;
			case 'createGroup':
				await this.createGroup(this.pick(this.users, op.member) ?? (await this.createUser()));
				return;
			case 'bulk': {
				for (let i = 0; i < op.creates; i++) await this.createUser();
				for (const dn of this.users) await this.replace(dn, 'title', [`Bulk ${this.serial}`]);
				return;
			}
			case 'nest':
			case 'unnest': {
				const group = this.pick(this.groups, op.group);
				const sub = this.pick(this.groups, op.sub);
				if (group === undefined || sub === undefined || group === sub) return;
				await this.members(op.op === 'nest' ? 'add' : 'delete', group, sub);
				return;
			}
			case 'deleteGroup': {
				const group = this.pick(this.groups, op.group);
				if (group === undefined) return;
				await this.admin.del(group);
				this.groups = this.groups.filter((dn) => dn !== group);
				return;
			}
			default:
		}
		if (user === undefined) return;
		switch (op.op) {
			case 'title':
				await this.replace(user, 'title', [`Title ${++this.serial}`]);
				return;
			case 'rename': {
				const uid = `${this.tag}-u${++this.serial}`;
				await this.moveUser(user, `uid=${uid},${user.slice(user.indexOf(',') + 1)}`);
				return;
			}
			case 'move': {
				const rdn = user.slice(0, user.indexOf(','));
				const parent = user.slice(user.indexOf(',') + 1);
				await this.moveUser(user, `${rdn},${parent === this.subOu ? this.slapd.layout.peopleDN : this.subOu}`);
				return;
			}
			case 'disable':
				await this.replace(user, 'pwdAccountLockedTime', [ADMIN_LOCK_TIME]);
				return;
			case 'enable':
				await this.replace(user, 'pwdAccountLockedTime', []);
				return;
			case 'lock':
				for (let attempt = 0; attempt < 3; attempt++) {
					const client = new Client({ url: this.slapd.url, timeout: 10_000 });
					await client.bind(user, 'not-the-password').catch(() => undefined);
					await client.unbind().catch(() => undefined);
				}
				return;
			case 'adminReset': {
				const password = `Pw-reset-${++this.serial}!`;
				await this.replace(user, 'userPassword', [password]);
				this.passwords.set(user, password);
				return;
			}
			case 'ownPassword': {
				const client = new Client({ url: this.slapd.url, timeout: 10_000 });
				try {
					await client.bind(user, this.passwords.get(user) as string);
					const password = `Pw-own-${++this.serial}!`;
					await client.modify(
						user,
						new Change({
							operation: 'replace',
							modification: new Attribute({ type: 'userPassword', values: [password] }),
						}),
					);
					this.passwords.set(user, password);
				} finally {
					await client.unbind().catch(() => undefined);
				}
				return;
			}
			case 'deleteUser':
				await this.admin.del(user);
				this.users = this.users.filter((dn) => dn !== user);
				return;
			case 'addMember':
			case 'removeMember': {
				const group = this.pick(this.groups, op.group);
				if (group === undefined) return;
				await this.members(op.op === 'addMember' ? 'add' : 'delete', group, user);
				return;
			}
		}
	}

	// ----- polls and faults -----

	private async pollOnce(mode: 'trigger' | 'manual', options: IDataObject): Promise<IDataObject[] | null> {
		// n8n keeps the static data as JSON: every poll starts from a round trip of what was stored.
		const staticData = JSON.parse(this.stored) as IDataObject;
		const items = await pollTrigger(this.trigger, {
			mode,
			parameters: {
				source: 'ldap',
				strategy: this.setup.strategy,
				events: [],
				options: { reconcileEvery: RECONCILE_EVERY, bulkThreshold: BULK_THRESHOLD, ...options },
			},
			staticData,
			credentials: async () => ldapCredentialData({ ...this.slapd, url: this.setup.relay.url }),
		});
		// Whatever the node wrote is stored, in manual mode too (n8n saves changed static data after a manual run).
		this.stored = JSON.stringify(staticData);
		return items;
	}

	private async poll(fault: PollFault, options: IDataObject = {}): Promise<void> {
		this.figures.faults[fault.kind]++;
		this.figures.polls++;
		const relay = this.setup.relay;
		if (fault.kind === 'restart') {
			await this.slapd.restart();
			await this.reconnect();
		}
		if (fault.kind === 'fetch') {
			const before = this.stored;
			const fetched = await this.pollOnce('manual', options);
			if (this.stored !== before) violation('"Fetch Test Event" moved the stored state');
			const polled = await this.pollOnce('trigger', options);
			// No change in between: the poll emits what was fetched, with the same ids (or nothing, when a sample was fetched).
			if (polled !== null) sameIds(fetched ?? [], polled, 'the poll after "Fetch Test Event"');
			return this.deliver(polled ?? [], new Set());
		}
		if (fault.kind === 'lostSave') {
			const before = this.stored;
			const first = (await this.pollOnce('trigger', options)) ?? [];
			await this.deliver(first, new Set());
			this.stored = before;
			const repeated = (await this.pollOnce('trigger', options)) ?? [];
			sameIds(first, repeated, 'the poll repeating one whose state was not stored');
			this.figures.polls++;
			return this.deliver(repeated, new Set(first.map((item) => item.id as string)));
		}
		if (fault.kind === 'kill' || fault.kind === 'drop') {
			const before = this.stored;
			const slapd = this.slapd;
			const cut = relay.cutAfterServerMessages(fault.at, async () => {
				if (fault.kind !== 'kill') return;
				slapd.kill();
				while (slapd.running) await new Promise((resolve) => setTimeout(resolve, 5));
			});
			let items: IDataObject[] | null = null;
			let failure: unknown;
			try {
				items = await this.pollOnce('trigger', options);
			} catch (error) {
				failure = error;
			}
			if (!relay.cancelCut()) await cut;
			if (!slapd.running) {
				await slapd.restart();
				await this.reconnect();
			}
			if (failure !== undefined) {
				this.figures.failedPolls++;
				if (this.stored !== before) violation(`a failed poll (${String(failure)}) changed the stored state`);
				if (!/NodeApiError|NodeOperationError/.test((failure as Error).constructor?.name ?? '')) throw failure;
				return;
			}
			return this.deliver(items ?? [], new Set());
		}
		return this.deliver((await this.pollOnce('trigger', options)) ?? [], new Set());
	}

	// ----- the consumer -----

	private async deliver(items: IDataObject[], repeatable: Set<string>): Promise<void> {
		for (const item of items) {
			const id = item.id as string;
			this.figures.events++;
			if (this.seen.has(id)) {
				if (!repeatable.has(id)) violation(`emitted twice: ${describe([item])}`);
				this.figures.repeatsSameId++;
				continue;
			}
			this.seen.add(id);
			this.consume(item);
		}
		const state = JSON.parse(this.stored) as { changeState?: { pollsSinceReconcile?: number } };
		const reconciled = state.changeState?.pollsSinceReconcile === 0;
		if (this.setup.strategy !== 'timestamp' || reconciled) await this.converged();
	}

	private consume(item: IDataObject): void {
		const type = item.type as string;
		const user = item.user as (Partial<UserTruth> & { status?: Record<string, boolean> }) | undefined;
		const group = item.group as { id: string; dn?: string } | undefined;
		const memberId = user?.id ?? (item.memberGroup as { id: string } | undefined)?.id;
		const users = this.picture.users;
		const known = user === undefined ? undefined : users.get(user.id as string);
		const must = (condition: boolean, why: string) => {
			if (!condition) violation(`${type} ${why}: ${describe([item])}`);
		};
		const flag = (name: 'disabled' | 'locked' | 'passwordResetRequired', value: boolean) => {
			must(known !== undefined, 'for a person the consumer does not know');
			must(known?.[name] !== value, `repeats what an earlier event said (${name} already ${value})`);
			(known as UserTruth)[name] = value;
		};
		switch (type) {
			case 'user.created':
				must(known === undefined, 'for a person created before');
				users.set(user?.id as string, {
					id: user?.id as string,
					dn: user?.dn as string,
					title: user?.title,
					disabled: user?.status?.disabled === true,
					locked: user?.status?.locked === true,
					passwordResetRequired: user?.status?.passwordResetRequired === true,
				});
				return;
			case 'user.deleted':
				must(known !== undefined, 'for a person the consumer does not know');
				users.delete(user?.id as string);
				return;
			case 'user.renamed':
				must(known !== undefined, 'for a person the consumer does not know');
				must(!sameDn(known?.dn, user?.dn), 'to the DN the person already had');
				(known as UserTruth).dn = user?.dn as string;
				return;
			case 'user.updated': {
				must(known !== undefined, 'for a person the consumer does not know');
				const changes = item.changes as Array<{ attribute: string; after: unknown }>;
				for (const change of changes)
					if (change.attribute === 'title') (known as UserTruth).title = (change.after ?? undefined) as string;
				return;
			}
			case 'user.disabled':
				return flag('disabled', true);
			case 'user.enabled':
				return flag('disabled', false);
			case 'user.locked':
				return flag('locked', true);
			case 'user.unlocked':
				return flag('locked', false);
			case 'user.passwordResetRequired':
				return flag('passwordResetRequired', true);
			case 'user.passwordChanged':
				must(known !== undefined, 'for a person the consumer does not know');
				(known as UserTruth).passwordResetRequired = false;
				return;
			case 'group.created':
				must(!this.picture.groups.has(group?.id as string), 'for a group created before');
				this.picture.groups.set(group?.id as string, { id: group?.id as string, dn: group?.dn as string, members: [] });
				return;
			case 'group.deleted':
				must(this.picture.groups.delete(group?.id as string), 'for a group the consumer does not know');
				return;
			case 'group.updated':
				must(this.picture.groups.has(group?.id as string), 'for a group the consumer does not know');
				return;
			case 'group.memberAdded':
			case 'group.memberRemoved': {
				const known = this.picture.groups.get(group?.id as string);
				must(known !== undefined && memberId !== undefined, 'for a group the consumer does not know');
				const members = (known as GroupTruth).members;
				const at = members.indexOf(memberId as string);
				if (type === 'group.memberAdded') {
					must(at < 0, 'for a member the group already had');
					members.push(memberId as string);
				} else {
					must(at >= 0, 'for a member the group did not have');
					members.splice(at, 1);
				}
				return;
			}
			case 'directory.bulkChange':
				return;
			default:
				violation(`unexpected ${type}: ${describe([item])}`);
		}
	}

	/** The consumer's picture equals the directory (members that are no entry of the picture are left out on both sides). */
	private async converged(): Promise<void> {
		const truth = await this.readTruth();
		const expected = normalise(truth);
		const actual = normalise(this.picture);
		if (expected !== actual)
			violation(`the events emitted do not add up to the directory\n  directory: ${expected}\n  events:    ${actual}`);
		this.figures.checks++;
	}

	private async readTruth(): Promise<Picture> {
		const users = new Map<string, UserTruth>();
		const groups = new Map<string, GroupTruth>();
		const people = await this.admin.search(this.slapd.layout.peopleDN, {
			scope: 'sub',
			filter: `(uid=${this.tag}-*)`,
			attributes: ['entryUUID', 'title', 'pwdAccountLockedTime', 'pwdReset'],
		});
		const idOf = new Map<string, string>();
		for (const entry of people.searchEntries) {
			const id = String(entry.entryUUID);
			const lockedTime = first(entry.pwdAccountLockedTime);
			idOf.set(entry.dn.toLowerCase(), id);
			users.set(id, {
				id,
				dn: entry.dn,
				title: first(entry.title),
				disabled: lockedTime === ADMIN_LOCK_TIME,
				locked: lockedTime !== undefined && lockedTime !== ADMIN_LOCK_TIME,
				passwordResetRequired: first(entry.pwdReset)?.toUpperCase() === 'TRUE',
			});
		}
		const found = await this.admin.search(this.slapd.layout.groupsDN, {
			scope: 'sub',
			filter: `(cn=${this.tag}-*)`,
			attributes: ['entryUUID', 'member'],
		});
		for (const entry of found.searchEntries) idOf.set(entry.dn.toLowerCase(), String(entry.entryUUID));
		for (const entry of found.searchEntries) {
			const members = ([] as unknown[]).concat(entry.member ?? []).map((dn) => idOf.get(String(dn).toLowerCase()));
			const id = String(entry.entryUUID);
			groups.set(id, { id, dn: entry.dn, members: members.filter((m): m is string => m !== undefined) });
		}
		return { users, groups };
	}
}

/** An attribute's one value; ldapts gives an attribute asked for but absent as an empty list. */
function first(value: unknown): string | undefined {
	const values = ([] as unknown[]).concat(value ?? []);
	return values.length === 0 ? undefined : String(values[0]);
}

function sameDn(a: string | undefined, b: string | undefined): boolean {
	return (a ?? '').toLowerCase().replace(/\s*,\s*/g, ',') === (b ?? '').toLowerCase().replace(/\s*,\s*/g, ',');
}

/** A picture as one comparable line: people and groups by id, members that are entries of the picture. */
function normalise(picture: Picture): string {
	const present = new Set([...picture.users.keys(), ...picture.groups.keys()]);
	const users = [...picture.users.values()]
		.map(
			(u) =>
				`${u.id.slice(0, 8)}:${u.dn.toLowerCase().replace(/\s*,\s*/g, ',')}:${u.title ?? '-'}` +
				`:${u.disabled ? 'D' : ''}${u.locked ? 'L' : ''}${u.passwordResetRequired ? 'R' : ''}`,
		)
		.sort();
	const groups = [...picture.groups.values()]
		.map(
			(g) =>
				`${g.id.slice(0, 8)}[${g.members
					.filter((m) => present.has(m))
					.map((m) => m.slice(0, 8))
					.sort()
					.join(',')}]`,
		)
		.sort();
	return `users ${users.join(' ')} | groups ${groups.join(' ')}`;
}

function sameIds(first: IDataObject[], second: IDataObject[], what: string): void {
	const a = first.map((item) => item.id as string).sort();
	const b = second.map((item) => item.id as string).sort();
	if (a.join() !== b.join())
		violation(`${what} emitted other ids\n  first:  ${describe(first)}\n  second: ${describe(second)}`);
}

function describe(items: IDataObject[]): string {
	return items
		.map((item) => {
			const user = item.user as { dn?: string; id?: string } | undefined;
			const group = item.group as { dn?: string } | undefined;
			const who = [user?.dn ?? user?.id, group?.dn].filter(Boolean).join(' in ');
			return `${item.type as string}(${who} #${String(item.id).slice(0, 10)})`;
		})
		.join(', ');
}

export function chaosProperty(setup: DirectoryChaosSetup, maxLength: number): fc.IAsyncProperty<[ChaosOp[]]> {
	return fc.asyncProperty(chaosSequenceArb(maxLength), (ops) => runDirectoryChaos(setup, ops));
}
