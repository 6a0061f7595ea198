/**
 * The package in n8n 2.8.4's queue mode (devkit/n8n/queue-mode.ts): main, two workers and a webhook processor
 * on a throwaway PostgreSQL and Redis, against a real OpenLDAP and the push emulators.
 *
 * - Acknowledgments across processes: the push trigger's window of recent acknowledgments lives in each
 *   process (n8n's static data is written whole by whichever process saves last), so the guarantee lives in
 *   the directory record: Record Acknowledgment answers `recorded: true` once per person and notice, whichever
 *   process runs it (core/acknowledgments.ts). The same acknowledgment sent to main and to the webhook
 *   processor at once, 20 times; two different ones at once, 20 times; later replays.
 * - Overlapping polls: a directory slowed to 15 s per request makes a poll outlast n8n's one-minute tick; the
 *   change comes out once.
 * - A worker SIGKILLed while the push node sends: n8n fails the execution once the job's lock expires and
 *   does not run it again; its Retry ends at once with the same error (the execution kept no run data). Running
 *   the same request again sends nothing twice on a channel that de-duplicates by idempotency key (OpenText
 *   Cloud Messaging), while Firebase, which has no such de-duplication, delivers again.
 *
 * Figures are printed (console.log) for the README's "Scaling" section. Part of `npm test` (about eight
 * minutes; alone: `npm run test:scale`); needs PostgreSQL and Redis (scripts/install-system-deps.sh --tests), and fails
 * loudly without them.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { signAckToken } from '../../core/push/ack-token';
import { startFcmEmulator, type FcmEmulator } from '../../emulators/push/fcm';
import { startMraEmulator, type MraEmulator } from '../../emulators/push/mra';
import { attrLine } from '../../devkit/fixture';
import { ldapCredentialData } from '../../devkit/ldap-credential';
import { startLdapRelay, type LdapRelay } from '../../devkit/ldap-relay';
import {
	ensureN8n,
	executionError,
	nodeItems,
	packPackage,
	readPackageJson,
	type WorkflowJson,
} from '../../devkit/n8n';
import { startN8nQueue, type N8nQueue } from '../../devkit/n8n/queue-mode';
import { startSlapd, type Slapd } from '../../devkit/slapd';

const repoRoot = path.resolve(__dirname, '..', '..');
const pkg = readPackageJson(repoRoot);
const TRIGGER = `${pkg.name}.openTextPushTrigger`;
const DIRECTORY = `${pkg.name}.openTextDirectoryServices`;
const DIRECTORY_TRIGGER = `${pkg.name}.openTextDirectoryServicesTrigger`;
const PUSH = `${pkg.name}.openTextPush`;
const TEST_TIMEOUT = 600_000;
const TRIES = 20;

let queue: N8nQueue | undefined;
let slapd: Slapd | undefined;
let relay: LdapRelay | undefined;
let fcm: FcmEmulator | undefined;
let mra: MraEmulator | undefined;
let tarball: string | undefined;
const secret = crypto.randomBytes(24).toString('base64url');
const credentials: Record<string, { id: string; name: string }> = {};
const figures: Record<string, unknown> = {};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const node = (
	name: string,
	type: string,
	position: [number, number],
	parameters: Record<string, unknown>,
	extra = {},
) => ({
	id: crypto.randomUUID(),
	name,
	type,
	typeVersion: 1,
	position,
	parameters,
	...extra,
});
const main = () => queue!.main;

beforeAll(async () => {
	await ensureN8n();
	tarball = await packPackage(repoRoot);
	[slapd, fcm, mra] = await Promise.all([
		startSlapd({ users: 40, otds: false }),
		startFcmEmulator(),
		startMraEmulator(),
	]);
	relay = await startLdapRelay(slapd.url);
	// A stalled job is noticed after the lock expires and at the next stalled check: 10 s and 5 s here instead of
	// n8n's 60 s and 30 s, so the worker-kill case takes seconds, not minutes (the README gives both).
	queue = await startN8nQueue({
		tarball,
		workers: 2,
		env: {
			QUEUE_WORKER_LOCK_DURATION: '10000',
			QUEUE_WORKER_LOCK_RENEW_TIME: '2000',
			QUEUE_WORKER_STALLED_INTERVAL: '5000',
		},
	});
	await main().setupOwner();
	await main().createApiKey();
	const create = async (key: string, type: string, name: string, data: Record<string, unknown>) => {
		credentials[key] = { id: await main().createCredential(type, name, data), name };
	};
	await create('ldap', 'openTextDirectoryLdapApi', 'slapd', ldapCredentialData(slapd));
	// The slow directory: through the relay, with room for 20 s per request.
	await create('slowLdap', 'openTextDirectoryLdapApi', 'slapd (slow)', {
		...ldapCredentialData(slapd),
		serverUrls: relay.url,
		timeout: 60_000,
	});
	await create('ack', 'openTextPushAcknowledgmentApi', 'Acknowledgment secret', { signingSecret: secret });
	await create('fcm', 'openTextFirebaseCloudMessagingApi', 'Firebase emulator', {
		serviceAccountJson: fcm.account.json,
		apiBaseUrl: fcm.baseUrl,
	});
	await create('mra', 'openTextCloudMessagingApi', 'Cloud Messaging emulator', {
		baseUrl: mra.baseUrl,
		authentication: 'oauth2',
		tokenUrl: mra.tokenUrl,
		clientId: mra.clientId,
		clientSecret: mra.clientSecret,
	});
}, 900_000);

afterAll(async () => {
	console.log(`queue-mode figures: ${JSON.stringify(figures, null, 2)}`);
	await Promise.allSettled([queue?.stop(), relay?.close(), fcm?.stop(), mra?.stop()]);
	await slapd?.stop();
	if (tarball) fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
}, 120_000);

test(
	'every process loads the package: main lists its nodes, the webhook processor answers the trigger, workers run it',
	async () => {
		const types = await main().nodeTypes();
		for (const name of [TRIGGER, DIRECTORY, DIRECTORY_TRIGGER, PUSH]) expect(types).toContain(name);
		for (const process of [main(), queue!.webhook, ...queue!.workers]) {
			expect(process.running).toBe(true);
			expect(process.logs()).not.toMatch(
				/error[^\n]*n8n-nodes-opentext-directory-push|n8n-nodes-opentext-directory-push[^\n]*error/i,
			);
		}
	},
	TEST_TIMEOUT,
);

describe('acknowledgments arriving at main and the webhook processor at once', () => {
	let workflowId = '';
	let webhookPath = '';
	const users = () => slapd!.fixture.users.filter((user) => !user.status.disabled && !user.status.lockedOut);

	beforeAll(async () => {
		const webhookId = crypto.randomUUID();
		webhookPath = `/webhook/${webhookId}/acknowledgment`;
		const workflow: WorkflowJson = {
			name: 'Acknowledgments in queue mode',
			nodes: [
				node(
					'Acknowledgments',
					TRIGGER,
					[0, 0],
					{ linkMode: 'json', options: {} },
					{
						webhookId,
						credentials: { openTextPushAcknowledgmentApi: credentials.ack },
					},
				),
				node(
					'Write acknowledgment',
					DIRECTORY,
					[240, 0],
					{
						source: 'ldap',
						resource: 'acknowledgment',
						operation: 'record',
						user: { __rl: true, mode: 'login', value: '={{ $json.userId }}' },
						noticeId: '={{ $json.noticeId }}',
						attribute: 'otdpAcknowledgment',
						options: { acknowledgedAt: '={{ $json.at }}', auxiliaryObjectClass: 'otdpRecipient' },
					},
					{ credentials: { openTextDirectoryLdapApi: credentials.ldap } },
				),
				{
					...node('First time', 'n8n-nodes-base.filter', [480, 0], {
						conditions: {
							options: { caseSensitive: true, leftValue: '', typeValidation: 'strict', version: 2 },
							conditions: [
								{
									id: crypto.randomUUID(),
									leftValue: '={{ $json.recorded }}',
									rightValue: '',
									operator: { type: 'boolean', operation: 'true', singleValue: true },
								},
							],
							combinator: 'and',
						},
						options: {},
					}),
					typeVersion: 2.2,
				},
				node('Once per person and notice', 'n8n-nodes-base.noOp', [720, 0], {}),
			],
			connections: {
				Acknowledgments: { main: [[{ node: 'Write acknowledgment', type: 'main', index: 0 }]] },
				'Write acknowledgment': { main: [[{ node: 'First time', type: 'main', index: 0 }]] },
				'First time': { main: [[{ node: 'Once per person and notice', type: 'main', index: 0 }]] },
			},
			settings: { executionOrder: 'v1' },
			pinData: {},
		};
		workflowId = await main().createWorkflow(workflow);
		await main().activateWorkflow(workflowId);
		// The webhook processor learns of the activation from the database: wait until it serves the path.
		const deadline = Date.now() + 60_000;
		while ((await post(queue!.webhook.url, {})).status === 404 && Date.now() < deadline) await sleep(500);
	}, 120_000);

	function token(userId: string, noticeId: string): string {
		return signAckToken(secret, { noticeId, userId, ttlSeconds: 3600, audience: webhookPath });
	}
	async function post(base: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
		const res = await fetch(`${base}${webhookPath}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(body),
		});
		const text = await res.text();
		let json: Record<string, unknown> = {};
		try {
			json = JSON.parse(text) as Record<string, unknown>;
		} catch {
			json = { text };
		}
		return { status: res.status, json };
	}
	/** Every finished execution of the workflow so far: what the trigger emitted and whether it was the first time. */
	async function outcomes(expected: number) {
		const executions = await main().waitForExecutions(workflowId, expected, 180_000);
		await sleep(3000); // would one more show up?
		const all = await main().executions(workflowId);
		return all.map((execution) => ({
			status: execution.status,
			emitted: nodeItems(execution, 'Acknowledgments')[0] ?? {},
			recorded: nodeItems(execution, 'Write acknowledgment')[0]?.recorded,
			once: nodeItems(execution, 'Once per person and notice').length,
			count: executions.length,
		}));
	}
	async function storedValues(uid: string, prefix: string): Promise<string[]> {
		const { Client } = await import('ldapts');
		const client = new Client({ url: slapd!.url });
		try {
			await client.bind(slapd!.adminDN, slapd!.adminPassword);
			const { searchEntries } = await client.search(slapd!.layout.userDN(uid), {
				scope: 'base',
				attributes: ['otdpAcknowledgment'],
			});
			return [searchEntries[0]?.otdpAcknowledgment ?? []]
				.flat()
				.map(String)
				.filter((value) => value.startsWith(prefix));
		} finally {
			await client.unbind();
		}
	}

	test(
		`the same acknowledgment to both at once, ${TRIES} times: recorded in the directory once, the once-only branch runs once`,
		async () => {
			const person = users()[0].uid;
			const answers: string[][] = [];
			for (let attempt = 0; attempt < TRIES; attempt++) {
				const body = { token: token(person, `same-${attempt}`), kind: 'acknowledged' };
				const [a, b] = await Promise.all([post(main().url, body), post(queue!.webhook.url, body)]);
				answers.push([String(a.json.status), String(b.json.status)]);
				expect([a.status, b.status]).toEqual([200, 200]);
			}
			const runs = await outcomes(TRIES);
			const perNotice = (notice: string) => runs.filter((run) => run.emitted.noticeId === notice);
			const emittedTwice = Array.from({ length: TRIES }, (_, i) => perNotice(`same-${i}`).length).filter((n) => n > 1);
			figures.sameAcknowledgmentBothProcesses = {
				tries: TRIES,
				answeredRecordedByBoth: answers.filter(([a, b]) => a === 'recorded' && b === 'recorded').length,
				emittedByTheTriggerTwice: emittedTwice.length,
				executions: runs.length,
			};
			for (let attempt = 0; attempt < TRIES; attempt++) {
				const notice = `same-${attempt}`;
				const forNotice = perNotice(notice);
				expect(forNotice.length).toBeGreaterThanOrEqual(1);
				expect(forNotice.every((run) => run.status === 'success')).toBe(true);
				expect(forNotice.filter((run) => run.recorded === true)).toHaveLength(1);
				expect(forNotice.reduce((sum, run) => sum + run.once, 0)).toBe(1);
				expect(await storedValues(person, `${notice}|`)).toHaveLength(1);
			}
		},
		TEST_TIMEOUT,
	);

	test(
		`two different acknowledgments at once, ${TRIES} times: both recorded; replayed later, neither runs the once-only branch again`,
		async () => {
			const [first, second] = [users()[1].uid, users()[2].uid];
			const before = (await main().executions(workflowId)).length;
			const bodies: Array<[Record<string, string>, Record<string, string>]> = [];
			for (let attempt = 0; attempt < TRIES; attempt++) {
				const pair: [Record<string, string>, Record<string, string>] = [
					{ token: token(first, `pair-${attempt}`), kind: 'acknowledged' },
					{ token: token(second, `pair-${attempt}`), kind: 'acknowledged' },
				];
				bodies.push(pair);
				const answers = await Promise.all([post(main().url, pair[0]), post(queue!.webhook.url, pair[1])]);
				expect(answers.map((answer) => answer.json.status)).toEqual(['recorded', 'recorded']);
			}
			let runs = await outcomes(before + 2 * TRIES);
			const onceOf = (uid: string, notice: string) =>
				runs
					.filter((run) => run.emitted.userId === uid && run.emitted.noticeId === notice)
					.reduce((sum, run) => sum + run.once, 0);
			for (let attempt = 0; attempt < TRIES; attempt++) {
				expect([onceOf(first, `pair-${attempt}`), onceOf(second, `pair-${attempt}`)]).toEqual([1, 1]);
				expect(await storedValues(first, `pair-${attempt}|`)).toHaveLength(1);
				expect(await storedValues(second, `pair-${attempt}|`)).toHaveLength(1);
			}

			// Later replays, each to the other process: answered, and the directory says "already recorded".
			const executionsBeforeReplay = runs.length;
			let duplicateAnswers = 0;
			for (const [a, b] of bodies) {
				const answers = await Promise.all([post(queue!.webhook.url, a), post(main().url, b)]);
				duplicateAnswers += answers.filter((answer) => answer.json.status === 'duplicate').length;
				expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
			}
			await sleep(5000);
			runs = await outcomes(executionsBeforeReplay);
			const replayRuns = runs.length - executionsBeforeReplay;
			figures.differentAcknowledgmentsThenReplays = {
				tries: TRIES,
				replaysSent: 2 * TRIES,
				replaysAnsweredDuplicateByTheTrigger: duplicateAnswers,
				replaysEmittedAgainByTheTrigger: replayRuns,
				replaysRecordedAgain: runs.slice(0, replayRuns).filter((run) => run.recorded === true).length,
			};
			for (let attempt = 0; attempt < TRIES; attempt++) {
				expect([onceOf(first, `pair-${attempt}`), onceOf(second, `pair-${attempt}`)]).toEqual([1, 1]);
			}
		},
		TEST_TIMEOUT,
	);
});

/** LDAP's BindRequest: the protocol operation's BER tag, [APPLICATION 0] constructed (RFC 4511). */
const BIND_REQUEST = 0x60;

/** The protocol operation's tag of one LDAP message as sent: after the message's SEQUENCE header and its messageID. */
function operationTag(message: Buffer): number {
	const lengthOctets = (at: number) => (message[at] & 0x80 ? 1 + (message[at] & 0x7f) : 1);
	let offset = 1 + lengthOctets(1);
	// messageID: an INTEGER (tag, length, value).
	offset += 1 + lengthOctets(offset + 1) + message[offset + 1];
	return message[offset];
}

describe('a directory slower than the polling interval', () => {
	/** Each LDAP request held this long: an incremental poll makes six, so it takes 90 s and outlasts the one-minute tick. */
	const DELAY_MS = 15_000;
	test(
		'a poll that outlasts the one-minute tick emits a change once (polls run on main only, one at a time per node)',
		async () => {
			const webhookless: WorkflowJson = {
				name: 'Slow directory events',
				nodes: [
					node(
						'Directory Event',
						DIRECTORY_TRIGGER,
						[0, 0],
						{ pollTimes: { item: [{ mode: 'everyMinute' }] }, source: 'ldap' },
						{ credentials: { openTextDirectoryLdapApi: credentials.slowLdap } },
					),
					node('Received', 'n8n-nodes-base.noOp', [240, 0], {}),
				],
				connections: { 'Directory Event': { main: [[{ node: 'Received', type: 'main', index: 0 }]] } },
				settings: { executionOrder: 'v1' },
				pinData: {},
			};
			const workflowId = await main().createWorkflow(webhookless);
			await main().activateWorkflow(workflowId); // the baseline, at full speed
			const person = slapd!.fixture.users[20];
			await slapd!.ldapmodify(
				`${attrLine('dn', slapd!.layout.userDN(person.uid))}changetype: modify\nreplace: title\ntitle: Night Operations Lead\n`,
			);
			relay!.delayRequests(DELAY_MS);
			// Watch the relay: when each poll's requests come, and which are binds (each poll binds once, on a connection
			// of its own), so the test knows a poll outlasted the tick and no other poll ran meanwhile.
			const requestTimes: number[] = [];
			const bindTimes: number[] = [];
			let seen = relay!.requestsSeen().length;
			const watcher = setInterval(() => {
				const requests = relay!.requestsSeen();
				for (; seen < requests.length; seen++) {
					requestTimes.push(Date.now());
					if (operationTag(requests[seen]) === BIND_REQUEST) bindTimes.push(Date.now());
				}
			}, 200);
			try {
				const [execution] = await main().waitForExecutions(workflowId, 1, 240_000);
				const firstRequest = requestTimes[0] ?? Date.now();
				// Long enough after the first emit for the overlapping tick's poll (had it run) to have emitted too.
				await sleep(Math.max(0, firstRequest + 170_000 - Date.now()));
				const executions = await main().executions(workflowId);
				const events = executions.flatMap((e) => nodeItems(e, 'Directory Event'));
				const ofPerson = events.filter((event) => JSON.stringify(event).includes(person.uid));
				const firstPollMs = (Date.parse(String(execution.startedAt)) || Date.now()) - firstRequest;
				figures.slowDirectory = {
					delayPerRequestMs: DELAY_MS,
					requestsOfThePolls: requestTimes.map((t) => t - requestTimes[0]),
					bindsOfThePolls: bindTimes.map((t) => t - requestTimes[0]),
					firstPollTookAtLeastMs: firstPollMs,
					executions: executions.length,
					eventsOfTheChangedPerson: ofPerson.length,
				};
				expect(firstPollMs).toBeGreaterThan(60_000);
				// The tick that came while the first poll ran sent nothing: a second poll would have bound on a
				// connection of its own before the first one's execution started.
				expect(bindTimes.filter((t) => t <= firstRequest + firstPollMs)).toHaveLength(1);
				expect(executions).toHaveLength(1);
				expect(ofPerson.length).toBeGreaterThanOrEqual(1);
				expect(new Set(ofPerson.map((event) => String(event.id))).size).toBe(ofPerson.length);
			} finally {
				clearInterval(watcher);
				relay!.delayRequests(0);
				await main().deactivateWorkflow(workflowId);
			}
		},
		TEST_TIMEOUT,
	);
});

describe('a worker killed while the push node sends', () => {
	test(
		"the execution fails; n8n's retry ends with the same error; the request run again sends nothing twice on Cloud Messaging (idempotency keys), Firebase delivers again",
		async () => {
			const people = slapd!.fixture.users.slice(0, 8).map((user) => ({
				userId: user.uid,
				login: user.uid,
				deviceTokens: [`tok-${user.uid}`],
			}));
			const send = (name: string, channel: string, credential: Record<string, unknown>, x: number, y: number) =>
				node(
					name,
					PUSH,
					[x, y],
					{
						channel,
						operation: 'send',
						audience: 'items',
						title: 'Maintenance tonight',
						body: 'Mail is down from 22:00 to 23:00 UTC.',
						options: { batchSize: 1, concurrency: 1 },
					},
					{ credentials: credential },
				);
			const workflow: WorkflowJson = {
				name: 'Broadcast on a worker',
				nodes: [
					node(
						'Broadcast request',
						'n8n-nodes-base.webhook',
						[0, 0],
						{
							httpMethod: 'POST',
							path: 'queue-broadcast',
							responseMode: 'onReceived',
							options: {},
						},
						{ webhookId: crypto.randomUUID(), typeVersion: 2 },
					),
					node('People', 'n8n-nodes-base.splitOut', [240, 0], { fieldToSplitOut: 'body.people', options: {} }),
					// n8n runs the upper branch first.
					send('Firebase', 'fcm', { openTextFirebaseCloudMessagingApi: credentials.fcm }, 480, -100),
					send('Cloud Messaging', 'mra', { openTextCloudMessagingApi: credentials.mra }, 480, 100),
				],
				connections: {
					'Broadcast request': { main: [[{ node: 'People', type: 'main', index: 0 }]] },
					// Both channels to the same people: n8n runs the Firebase branch first, then Cloud Messaging.
					People: {
						main: [
							[
								{ node: 'Firebase', type: 'main', index: 0 },
								{ node: 'Cloud Messaging', type: 'main', index: 0 },
							],
						],
					},
				},
				settings: { executionOrder: 'v1' },
				pinData: {},
			};
			const workflowId = await main().createWorkflow(workflow);
			await main().activateWorkflow(workflowId);
			await sleep(3000);
			mra!.faults.setLatency(1500);
			const response = await fetch(`${queue!.webhook.url}/webhook/queue-broadcast`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ people }),
			});
			expect(response.status).toBe(200);
			// Kill the worker that runs it once Cloud Messaging has taken three of the eight.
			const deadline = Date.now() + 120_000;
			while (mra!.submissions.filter((s) => s.kind === 'push').length < 3 && Date.now() < deadline) await sleep(100);
			const [running] = await main().executions(workflowId);
			const worker = queue!.workers.find((w) => w.logs().includes(`Worker started execution ${running.id} `));
			expect(worker).toBeDefined();
			const killedAt = Date.now();
			await worker!.kill();
			const submittedBeforeKill = mra!.submissions.filter((s) => s.kind === 'push').length;
			let failed = await main().execution(running.id, false);
			while (['new', 'running', 'unknown'].includes(failed.status) && Date.now() - killedAt < 300_000) {
				await sleep(500);
				failed = await main().execution(running.id, false);
			}
			const markedFailedAfterMs = Date.now() - killedAt;
			mra!.faults.setLatency(0);
			await sleep(5000);
			expect(await main().executions(workflowId)).toHaveLength(1); // n8n does not run it again by itself

			const failedError = executionError(await main().execution(running.id));
			const pushSubmissions = () => mra!.submissions.filter((s) => s.kind === 'push');
			// What the killed worker handed over, including a request in flight when it died.
			const submittedBeforeRerun = pushSubmissions().length;
			const deliveredBeforeRerun = fcm!.deliveries.length;

			// n8n's retry (the Executions list's "Retry"), through its REST API: the stalled execution kept no run
			// data, only its error, which n8n's retry carries over, so the retry ends at once with the same error
			// and sends nothing.
			await main().rest('POST', `/rest/executions/${running.id}/retry`, { loadWorkflow: true });
			const afterRetry = await main().waitForExecutions(workflowId, 2, 120_000);
			const retry = afterRetry.find((execution) => String(execution.id) !== String(running.id))!;
			const retryError = executionError(await main().execution(retry.id));
			expect(pushSubmissions()).toHaveLength(submittedBeforeRerun);

			// The way to recover: run the same request again. The push node's idempotency keys come from the message
			// and the address, so they are the same as in the killed execution.
			const again = await fetch(`${queue!.webhook.url}/webhook/queue-broadcast`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ people }),
			});
			expect(again.status).toBe(200);
			const runs = await main().waitForExecutions(workflowId, 3, 120_000);
			const rerun = runs.find((execution) => ![running.id, retry.id].map(String).includes(String(execution.id)))!;
			const tokensSubmitted = pushSubmissions().map((s) => JSON.stringify(s.content));
			figures.workerKilled = {
				lockDurationMs: 10_000,
				stalledIntervalMs: 5_000,
				failedStatus: failed.status,
				markedFailedAfterMs,
				failedError,
				retry: { status: retry.status, error: retryError },
				rerun: { status: rerun.status },
				cloudMessaging: {
					people: people.length,
					submittedBeforeTheKill: submittedBeforeKill,
					submittedByTheKilledWorkerInAll: submittedBeforeRerun,
					submissionsAfterTheRerun: pushSubmissions().length,
					rerunRequestsAnsweredFromTheIdempotencyLedger: mra!.ledger.duplicates,
				},
				firebase: {
					people: people.length,
					deliveredBeforeTheRerun: deliveredBeforeRerun,
					deliveriesAfterTheRerun: fcm!.deliveries.length,
				},
			};
			expect(['error', 'crashed']).toContain(failed.status);
			expect(retry.status).toBe('error');
			expect(retryError).toBe(failedError);
			expect(rerun.status).toBe('success');
			// Cloud Messaging: each person once; what the killed worker had sent is answered from its ledger.
			expect(pushSubmissions()).toHaveLength(people.length);
			expect(new Set(tokensSubmitted).size).toBe(people.length);
			expect(mra!.ledger.duplicates).toBe(submittedBeforeRerun);
			// Firebase has no de-duplication: what it delivered before the kill it delivers again.
			expect(deliveredBeforeRerun).toBe(people.length);
			expect(fcm!.deliveries).toHaveLength(2 * people.length);
			await queue!.addWorker(); // back to two workers for whatever runs next
		},
		TEST_TIMEOUT,
	);
});
