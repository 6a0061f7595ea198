import type { IDataObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { OpenTextDirectoryServicesTrigger } from '../../nodes/OpenTextDirectoryServicesTrigger/OpenTextDirectoryServicesTrigger.node';
import { attrLine } from '../../devkit/fixture';
import { ldapCredentialData } from '../../devkit/ldap-credential';
import { pollTrigger } from '../support/poll-context';
import { searchEntryUnder, startLdapRelay, type LdapRelay } from '../../devkit/ldap-relay';
import { startSlapd, type Slapd } from '../../devkit/slapd';
import { TEST_EVENT_LIMIT } from '../../core/changes/watch';
import { LdapSession } from '../../transport/ldap/session';

/**
 * The trigger node's poll() itself, on a real slapd, with the few IPollFunctions it uses: the stored
 * state only moves with a successful poll in trigger mode; "Fetch Test Event" (manual mode) returns real
 * events and leaves the state alone; a server killed in the middle of a poll is a NodeApiError that
 * moves nothing; polls that overlap on a slow directory emit a change once; typos in attributes and filters
 * fail at activation, naming the field.
 * (test/n8n/trigger.test.ts runs the same node inside a real n8n.)
 */
let slapd: Slapd;
let relay: LdapRelay;

beforeAll(async () => {
	slapd = await startSlapd({ users: 60, otds: false });
	relay = await startLdapRelay(slapd.url);
});

afterAll(async () => {
	await relay?.close();
	await slapd?.stop();
});

interface Harness {
	staticData: IDataObject;
	workflowId: string;
	poll(mode: 'trigger' | 'manual', options?: IDataObject, parameters?: IDataObject): Promise<IDataObject[] | null>;
}

let workflows = 0;

/**
 * A workflow with the trigger. `inProcess` runs the same workflow (its static data and id) in another process:
 * a trigger class loaded afresh, with module state of its own, as after a restart of n8n.
 */
function harness(
	credentialOverrides: Record<string, unknown> = {},
	inProcess?: { of: Harness; trigger: OpenTextDirectoryServicesTrigger },
): Harness {
	const staticData: IDataObject = inProcess?.of.staticData ?? {};
	const workflowId = inProcess?.of.workflowId ?? `workflow-${++workflows}`;
	const trigger = inProcess?.trigger ?? new OpenTextDirectoryServicesTrigger();
	return {
		staticData,
		workflowId,
		async poll(mode, options = {}, parameters = {}) {
			const values: IDataObject = {
				source: 'ldap',
				strategy: 'timestamp',
				events: [],
				options: { reconcileEvery: 0, ...options },
				...parameters,
			};
			return pollTrigger(trigger, {
				mode: mode,
				parameters: values,
				staticData,
				workflowId,
				credentials: async () => ldapCredentialData({ ...slapd, url: relay.url }, credentialOverrides),
			});
		},
	};
}

const snapshotOf = (data: IDataObject) => JSON.stringify(data);

async function retitle(index: number, title: string): Promise<string> {
	const dn = slapd.layout.userDN(slapd.fixture.users[index].uid);
	await slapd.ldapmodify(`${attrLine('dn', dn)}changetype: modify\nreplace: title\ntitle: ${title}\n`);
	return dn;
}

describe('the trigger node on a real slapd', () => {
	const watched = harness();

	it('activation stores the starting point and emits nothing', async () => {
		expect(await watched.poll('trigger')).toBeNull();
		expect(watched.staticData.changeState).toMatchObject({ strategy: 'timestamp', generation: 1 });
	});

	it('"Fetch Test Event" returns the real change and leaves the state alone; the next poll still emits it', async () => {
		const dn = await retitle(3, 'Fetched Once');
		const before = snapshotOf(watched.staticData);
		const fetched = await watched.poll('manual');
		expect(fetched?.map((event) => [event.type, (event.user as IDataObject).dn])).toEqual([['user.updated', dn]]);
		expect(snapshotOf(watched.staticData)).toBe(before);
		const polled = await watched.poll('trigger');
		expect(polled?.map((event) => event.id)).toEqual(fetched?.map((event) => event.id));
		expect(await watched.poll('trigger')).toBeNull();
	});

	it('a slapd killed in the middle of a poll is a NodeApiError and moves nothing; the next poll catches up', async () => {
		const dn = await retitle(4, 'Outlived A Crash');
		const before = snapshotOf(watched.staticData);
		// Connecting, binding and reading the root DSE go through; slapd dies once the poll's search has
		// returned its first person, before the rest of the answer.
		const cut = relay.cutAfterServerMessages(
			1,
			async () => {
				slapd.kill();
				while (slapd.running) await new Promise((resolve) => setTimeout(resolve, 10));
			},
			searchEntryUnder(slapd.layout.peopleDN),
		);
		const attempt = expect(watched.poll('trigger')).rejects.toThrow(NodeApiError);
		await cut;
		await attempt;
		expect(snapshotOf(watched.staticData)).toBe(before);
		await slapd.restart();
		const polled = await watched.poll('trigger');
		expect(polled?.map((event) => [event.type, (event.user as IDataObject).dn])).toEqual([['user.updated', dn]]);
	});

	it('a server that stops answering in the middle of a poll is a timeout NodeApiError that moves nothing', async () => {
		const impatient = harness({ timeout: 1500 });
		expect(await impatient.poll('trigger')).toBeNull();
		const dn = await retitle(7, 'Answered Too Late');
		const before = snapshotOf(impatient.staticData);
		// The poll's first person comes through, then nothing for longer than the Operation Timeout.
		const cut = relay.cutAfterServerMessages(
			1,
			() => new Promise((resolve) => setTimeout(resolve, 4000)),
			searchEntryUnder(slapd.layout.peopleDN),
		);
		const attempt = impatient.poll('trigger');
		await expect(attempt).rejects.toThrow(NodeApiError);
		await expect(attempt).rejects.toThrow(/time/i);
		expect(snapshotOf(impatient.staticData)).toBe(before);
		await cut;
		const polled = await impatient.poll('trigger');
		expect(polled?.map((event) => [event.type, (event.user as IDataObject).dn])).toEqual([['user.updated', dn]]);
	});

	it('a poll that starts while the previous one still runs (slow directory) emits nothing: each change comes out once', async () => {
		const overlapping = harness();
		expect(await overlapping.poll('trigger')).toBeNull();
		const dn = await retitle(9, 'Emitted Once');
		// Every request takes 200 ms more, so a poll lasts seconds; n8n starts the next poll on its schedule
		// without waiting for the running one, on the same workflow's static data.
		relay.delayRequests(200);
		let outputs: Array<IDataObject[] | null>;
		try {
			const first = overlapping.poll('trigger');
			await new Promise((resolve) => setTimeout(resolve, 300));
			outputs = await Promise.all([first, overlapping.poll('trigger')]);
		} finally {
			relay.delayRequests(0);
		}
		const emitted = outputs.flatMap((output) => output ?? []);
		expect(emitted.map((event) => [event.type, (event.user as IDataObject).dn])).toEqual([['user.updated', dn]]);
		// The guard is released: the next poll runs and sees what changed since.
		const later = await retitle(10, 'Polled After');
		const next = await overlapping.poll('trigger');
		expect(next?.map((event) => [event.type, (event.user as IDataObject).dn])).toEqual([['user.updated', later]]);
	});

	it('Log Records per Poll: a backlog longer than it is caught up over the next polls, each change once', async () => {
		const logged = harness();
		const options = { logRecordsPerPoll: 100 };
		const parameters = { strategy: 'accesslog' };
		expect(await logged.poll('trigger', options, parameters)).toBeNull();
		const uids = Array.from({ length: 150 }, (_, index) => `backlog-${index}`);
		await slapd.ldapmodify(
			uids
				.map(
					(uid) =>
						`${attrLine('dn', slapd.layout.userDN(uid))}changetype: add\nobjectClass: inetOrgPerson\n${attrLine('uid', uid)}cn: ${uid}\nsn: Backlog\n`,
				)
				.join('\n'),
		);
		// 150 log records: the first poll takes 100 of them, the next one the other 50.
		const first = (await logged.poll('trigger', options, parameters)) ?? [];
		const second = (await logged.poll('trigger', options, parameters)) ?? [];
		expect([first.length, second.length]).toEqual([100, 50]);
		const created = [...first, ...second];
		expect(created.every((event) => event.type === 'user.created')).toBe(true);
		expect(created.map((event) => (event.user as IDataObject).login).sort()).toEqual([...uids].sort());
		expect(await logged.poll('trigger', options, parameters)).toBeNull();
	});

	it('User Filter: only users matching it are watched', async () => {
		const filtered = harness();
		const options = { userFilter: `(uid=${slapd.fixture.users[5].uid})` };
		expect(await filtered.poll('trigger', options)).toBeNull();
		await retitle(6, 'Outside The Filter');
		const inside = await retitle(5, 'Inside The Filter');
		const polled = await filtered.poll('trigger', options);
		expect(polled?.map((event) => (event.user as IDataObject).dn)).toEqual([inside]);
	});

	it.each([
		[
			'Additional Attributes',
			{ additionalAttributes: 'employeeType, departmnt' },
			{},
			/Additional Attributes names "departmnt"/,
		],
		[
			'Segment',
			{},
			{ segment: { condition: [{ attribute: 'locaton', operator: 'equals', value: 'Berlin' }] } },
			/Segment names "locaton"/,
		],
		['Attribute Mapping', { attributeMapping: 'mobile=mobilePhone' }, {}, /Attribute Mapping names "mobilePhone"/],
		['User Filter', { userFilter: '(uid=x' }, {}, /User Filter/],
		['Group Filter', { groupFilter: '(&(cn=a)' }, {}, /Group Filter/],
	])(
		'a typo in %s fails activation with a NodeOperationError naming it, and stores nothing',
		async (_field, options, parameters, message) => {
			const fresh = harness();
			const attempt = fresh.poll('trigger', options, parameters);
			await expect(attempt).rejects.toThrow(NodeOperationError);
			await expect(attempt).rejects.toThrow(message);
			expect(fresh.staticData).toEqual({});
		},
	);

	it('known attribute names pass the schema check, in any case and with options', async () => {
		const fresh = harness();
		expect(await fresh.poll('trigger', { additionalAttributes: 'EmployeeType, description;lang-en' })).toBeNull();
		expect(fresh.staticData.changeState).toBeDefined();
	});

	it.each(['auto', 'openLdap'])(
		'reads the root DSE once per activation (Directory Flavour %s), to choose the profile and the strategy alike',
		async (flavour) => {
			const rootDseReads = jest.spyOn(LdapSession.prototype, 'rootDse');
			try {
				const fresh = harness({ directoryFlavour: flavour });
				expect(
					await fresh.poll(
						'trigger',
						{ additionalAttributes: 'employeeType', attributeMapping: 'mobile=mobile' },
						{ strategy: 'auto' },
					),
				).toBeNull();
				expect(fresh.staticData.changeState).toMatchObject({ strategy: 'accesslog' });
				expect(rootDseReads).toHaveBeenCalledTimes(1);
			} finally {
				rootDseReads.mockRestore();
			}
		},
	);
});

describe('"Fetch Test Event" in the editor, on a real slapd', () => {
	it('before the trigger is active, it samples a real person as the event type the workflow wants', async () => {
		const fresh = harness();
		const [sample] = (await fresh.poll('manual', {}, { events: ['user.locked', 'user.unlocked'] })) ?? [];
		expect(sample).toMatchObject({ type: 'user.locked', sample: true, changes: [{ attribute: 'locked' }] });
		expect((sample.user as IDataObject).dn).toMatch(/,ou=people,/);
		expect(fresh.staticData.changeState).toBeUndefined();
	});

	it('of a backlog it shows the first events, the last of them saying how many more wait; the poll gets them all', async () => {
		const fresh = harness();
		expect(await fresh.poll('trigger')).toBeNull();
		const changed = TEST_EVENT_LIMIT + 5;
		for (let index = 0; index < changed; index++) await retitle(index, `Backlog ${index}`);
		const fetched = (await fresh.poll('manual')) ?? [];
		expect(fetched).toHaveLength(TEST_EVENT_LIMIT);
		expect(fetched[TEST_EVENT_LIMIT - 1].moreEvents).toBe(5);
		expect(fetched.slice(0, -1).some((event) => 'moreEvents' in event)).toBe(false);
		expect(await fresh.poll('trigger')).toHaveLength(changed);
	});
});

describe('Keep Snapshot In: Process Memory, on a real slapd', () => {
	const inMemory = { snapshotStorage: 'process' };
	const chunksOf = (data: IDataObject) => ((data.changeState as IDataObject).snapshot as IDataObject).users as string[];

	it('the static data keeps the cursor and event ids, not the snapshot; each change is emitted once', async () => {
		const held = harness();
		const whole = harness();
		expect(await held.poll('trigger', inMemory)).toBeNull();
		expect(await whole.poll('trigger')).toBeNull();
		expect((held.staticData.changeState as IDataObject).snapshot).toEqual({ heldInProcess: expect.any(String) });
		const chunks = chunksOf(whole.staticData);
		expect(chunks.length).toBeGreaterThan(0);
		for (const chunk of chunks) expect(snapshotOf(held.staticData)).not.toContain(chunk);

		const dn = await retitle(11, 'Held In Memory');
		const polled = await held.poll('trigger', inMemory);
		expect(polled?.map((event) => [event.type, (event.user as IDataObject).dn])).toEqual([['user.updated', dn]]);
		expect(held.staticData.changeState).toMatchObject({ generation: 2, recentIds: [polled?.[0].id] });
		expect(await held.poll('trigger', inMemory)).toBeNull();
		// Back to the static data: the whole state is stored again, and the next change still comes out once.
		expect(await held.poll('trigger')).toBeNull();
		expect(chunksOf(held.staticData).length).toBeGreaterThan(0);
		const again = await retitle(12, 'Stored Whole Again');
		expect((await held.poll('trigger'))?.map((event) => (event.user as IDataObject).dn)).toEqual([again]);
	});

	it('after a restart the first poll starts over from the directory and says why in directory.resync; later changes come out as usual', async () => {
		const before = harness();
		expect(await before.poll('trigger', inMemory)).toBeNull();
		const restarted = harness({}, { of: before, trigger: new (freshTriggerClass())() });
		await retitle(13, 'Changed While Down');
		const stored = snapshotOf(before.staticData);

		// "Fetch Test Event" there: a sample, and the state as it was.
		const [sample] = (await restarted.poll('manual', inMemory)) ?? [];
		expect(sample).toMatchObject({ sample: true });
		expect(snapshotOf(before.staticData)).toBe(stored);

		const resync = (await restarted.poll('trigger', inMemory)) ?? [];
		expect(resync.map((event) => event.type)).toEqual(['directory.resync']);
		expect((resync[0].summary as IDataObject).reason).toMatch(/memory of an n8n process that no longer holds it/);
		expect((restarted.staticData.changeState as IDataObject).snapshot).toEqual({ heldInProcess: expect.any(String) });

		const dn = await retitle(14, 'Changed After The Restart');
		const polled = await restarted.poll('trigger', inMemory);
		expect(polled?.map((event) => [event.type, (event.user as IDataObject).dn])).toEqual([['user.updated', dn]]);
	});

	it('accesslog: after a restart the changes made while n8n was down come out one by one, as a trigger that kept its snapshot saw them', async () => {
		const accesslog = { strategy: 'accesslog' };
		const before = harness();
		const kept = harness();
		expect(await before.poll('trigger', inMemory, accesslog)).toBeNull();
		expect(await kept.poll('trigger', {}, accesslog)).toBeNull();
		const restarted = harness({}, { of: before, trigger: new (freshTriggerClass())() });

		// While down: an update, a rename, a delete, a new person, a member added, a password set, and a change undone.
		const [updated, renamed, deleted, joining, password, undone] = [50, 51, 52, 53, 54, 55].map(
			(index) => slapd.fixture.users[index],
		);
		const dnOf = (uid: string) => slapd.layout.userDN(uid);
		await retitle(50, 'Changed While Down');
		await slapd.ldapmodify(
			`${attrLine('dn', dnOf(renamed.uid))}changetype: modrdn\nnewrdn: uid=${renamed.uid}-renamed\ndeleteoldrdn: 1\n`,
		);
		await slapd.ldapmodify(`${attrLine('dn', dnOf(deleted.uid))}changetype: delete\n`);
		await slapd.ldapmodify(
			`${attrLine('dn', dnOf('newcomer'))}changetype: add\nobjectClass: inetOrgPerson\nuid: newcomer\ncn: New Comer\n` +
				`sn: Comer\nmail: newcomer@${slapd.fixture.mailDomain}\n`,
		);
		const group = slapd.fixture.groups.find((candidate) =>
			candidate.members.every((member) => member.kind !== 'user' || member.uid !== joining.uid),
		)!;
		await slapd.ldapmodify(
			`${attrLine('dn', slapd.layout.groupDN(group.name))}changetype: modify\nadd: member\nmember: ${dnOf(joining.uid)}\n`,
		);
		await slapd.ldapmodify(
			`${attrLine('dn', dnOf(password.uid))}changetype: modify\nreplace: userPassword\nuserPassword: Changed-While-Down-1\n`,
		);
		await retitle(55, 'For A Moment');
		await retitle(55, undone.title);

		const recovered = (await restarted.poll('trigger', inMemory, accesslog)) ?? [];
		const seen = (await kept.poll('trigger', {}, accesslog)) ?? [];
		const comparable = (events: IDataObject[]) =>
			events
				.map(({ detectedAt: _detectedAt, ...event }) => event)
				.sort((a, b) => String(a.id).localeCompare(String(b.id)));
		expect(comparable(recovered)).toEqual(comparable(seen));
		// The deleted person leaves their groups too (the server's memberof-refint, unlogged); an administrator's new
		// password is a reset under this slapd's policy (pwdMustChange).
		expect(new Set(recovered.map((event) => event.type))).toEqual(
			new Set([
				'user.updated',
				'user.renamed',
				'user.deleted',
				'group.memberRemoved',
				'user.created',
				'group.memberAdded',
				'user.passwordResetRequired',
			]),
		);
		expect(recovered.find((event) => event.type === 'user.updated')?.changes).toEqual([
			{ attribute: 'title', before: updated.title, after: 'Changed While Down' },
		]);
		expect((restarted.staticData.changeState as IDataObject).snapshot).toEqual({ heldInProcess: expect.any(String) });

		// Both go on alike.
		const dn = await retitle(56, 'After The Recovery');
		for (const trigger of [restarted, kept]) {
			const polled = await trigger.poll('trigger', trigger === restarted ? inMemory : {}, accesslog);
			expect(polled?.map((event) => [event.type, (event.user as IDataObject).dn])).toEqual([['user.updated', dn]]);
		}
	});

	it('accesslog with a User Filter: the log cannot say who matched it then, so the poll starts over and says why', async () => {
		const accesslog = { strategy: 'accesslog' };
		const options = { ...inMemory, userFilter: `(uid=${slapd.fixture.users[57].uid})` };
		const before = harness();
		expect(await before.poll('trigger', options, accesslog)).toBeNull();
		const restarted = harness({}, { of: before, trigger: new (freshTriggerClass())() });
		await retitle(57, 'Changed While Down, Filtered');
		const resync = (await restarted.poll('trigger', options, accesslog)) ?? [];
		expect(resync.map((event) => event.type)).toEqual(['directory.resync']);
		expect((resync[0].summary as IDataObject).reason).toMatch(
			/no longer holds it .*\(the change log could not tell them: a User Filter, Group Filter or Segment is set/,
		);
	});

	it("accesslog on another server of the credential's list after the restart: its log positions are not this one's, so the poll starts over", async () => {
		const accesslog = { strategy: 'accesslog' };
		const before = harness();
		expect(await before.poll('trigger', inMemory, accesslog)).toBeNull();
		const elsewhere = harness({ serverUrls: slapd.url }, { of: before, trigger: new (freshTriggerClass())() });
		await retitle(58, 'Changed While Down, Elsewhere');
		const resync = (await elsewhere.poll('trigger', inMemory, accesslog)) ?? [];
		expect(resync.map((event) => event.type)).toEqual(['directory.resync']);
		expect((resync[0].summary as IDataObject).reason).toContain(
			`(the change log could not tell them: the stored position is in the log of ${relay.url}, and this poll ran on ${slapd.url})`,
		);
	});
});

/** The trigger class loaded again with fresh module state: what another n8n process (or a restarted one) runs. */
function freshTriggerClass(): typeof OpenTextDirectoryServicesTrigger {
	let loaded: typeof OpenTextDirectoryServicesTrigger | undefined;
	jest.isolateModules(() => {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		loaded = (
			require('../../nodes/OpenTextDirectoryServicesTrigger/OpenTextDirectoryServicesTrigger.node') as {
				OpenTextDirectoryServicesTrigger: typeof OpenTextDirectoryServicesTrigger;
			}
		).OpenTextDirectoryServicesTrigger;
	});
	return loaded!;
}
