/**
 * The OpenText Push Trigger in a real n8n, behind n8n's production webhook: signed tokens, refusals by status
 * code (400 malformed, 401 forged or tampered, 410 expired), idempotent replays, exactly one execution per
 * fresh acknowledgment, the confirmation page of links.
 *
 * Needs `npm run build` first.
 */
import { nodeItems } from '../../devkit/n8n';
import { ACK_CREDENTIAL, PushN8n, sleep, TEST_TIMEOUT, TRIGGER_NODE } from './push-support';

describe('the push trigger in a real n8n', () => {
	let setup: PushN8n;
	let n8n: PushN8n['n8n'];

	beforeAll(async () => {
		setup = await PushN8n.start();
		n8n = setup.n8n;
	}, 900_000);

	afterAll(async () => {
		await setup?.stop();
	}, 60_000);

	test(
		"n8n's credential test accepts a strong secret and refuses a short one",
		async () => {
			expect(await n8n.testCredential(ACK_CREDENTIAL, { signingSecret: setup.secret })).toEqual({
				status: 'OK',
				message: expect.any(String),
			});
			const weak = await n8n.testCredential(ACK_CREDENTIAL, { signingSecret: 'short' });
			expect(weak).toEqual({ status: 'Error', message: expect.stringMatching(/at least 16/) });
			expect(weak.message).not.toContain('short');
		},
		TEST_TIMEOUT,
	);

	test(
		'valid, forged, tampered, expired, malformed and replayed acknowledgments',
		async () => {
			const jdoe = setup.token('jdoe');
			const fresh = await setup.post({ token: jdoe, kind: 'acknowledged', client: 'ios-app/3.1' });
			expect(fresh.status).toBe(200);
			expect(JSON.parse(fresh.text)).toEqual({
				status: 'recorded',
				noticeId: 'outage-42',
				kind: 'acknowledged',
				at: expect.any(String),
			});

			// Refusals: no execution.
			const forged = await setup.post({
				token: setup.token('jdoe', { secret: 'somebody else entirely' }),
				kind: 'acknowledged',
			});
			expect(forged.status).toBe(401);
			expect(JSON.parse(forged.text)).toMatchObject({ status: 'rejected', error: 'forged' });
			expect(forged.text).not.toContain(setup.secret);
			const [v, payload, sig] = setup.token('asmith').split('.');
			const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
			const altered = Buffer.from(JSON.stringify({ ...claims, u: 'admin' })).toString('base64url');
			expect((await setup.post({ token: `${v}.${altered}.${sig}` })).status).toBe(401);
			const expired = await setup.post({
				token: setup.token('asmith', { ttlSeconds: 60, now: new Date(Date.now() - 120_000) }),
			});
			expect(expired.status).toBe(410);
			expect(JSON.parse(expired.text)).toMatchObject({ error: 'expired' });
			expect((await setup.post({ kind: 'acknowledged' })).status).toBe(400);
			expect((await setup.post({ token: 'not-a-token' })).status).toBe(400);
			expect((await setup.post({ token: setup.token('asmith'), kind: 'liked' })).status).toBe(400);

			// A replay is answered the same way, idempotently, and not emitted.
			const replay = await setup.post({ token: jdoe, kind: 'acknowledged' });
			expect(replay.status).toBe(200);
			expect(JSON.parse(replay.text)).toEqual({
				status: 'duplicate',
				noticeId: 'outage-42',
				kind: 'acknowledged',
				at: JSON.parse(fresh.text).at,
			});
			// Another kind of the same token is fresh.
			expect(JSON.parse((await setup.post({ token: jdoe, kind: 'read' })).text)).toMatchObject({
				status: 'recorded',
				kind: 'read',
			});

			const executions = await n8n.waitForExecutions(setup.workflowId, 2);
			await sleep(2000); // would a refused or replayed one still show up?
			const items = await setup.emitted();
			expect(items).toHaveLength(executions.length);
			expect(items).toHaveLength(2);
			expect(items).toEqual(
				expect.arrayContaining([
					{
						noticeId: 'outage-42',
						userId: 'jdoe',
						kind: 'acknowledged',
						at: expect.any(String),
						client: 'ios-app/3.1',
						tokenExpiresAt: expect.any(String),
					},
					expect.objectContaining({ userId: 'jdoe', kind: 'read', client: null }),
				]),
			);
		},
		TEST_TIMEOUT,
	);

	test(
		'a link click shows a confirmation page; its form records once',
		async () => {
			const before = (await setup.emitted()).length;
			const link = setup.token('mlee');
			const page = await fetch(`${setup.webhookUrl}?token=${link}`);
			expect(page.status).toBe(200);
			expect(page.headers.get('content-type')).toMatch(/text\/html/);
			const html = await page.text();
			expect(html).toContain('<form method="post">');
			expect(html).toContain(`value="${link}"`);

			const bad = await fetch(
				`${setup.webhookUrl}?token=${setup.token('mlee', { secret: 'not the right secret at all' })}`,
			);
			expect(bad.status).toBe(401);
			expect(await bad.text()).toContain('not valid');

			const confirmed = await setup.post({ token: link, kind: 'acknowledged' }, 'application/x-www-form-urlencoded');
			expect(confirmed.status).toBe(200);
			expect(confirmed.text).toContain('Your acknowledgment was recorded');
			expect(
				(await setup.post({ token: link, kind: 'acknowledged' }, 'application/x-www-form-urlencoded')).status,
			).toBe(200);

			await n8n.waitForExecutions(setup.workflowId, before + 1);
			await sleep(2000);
			const items = await setup.emitted();
			expect(items).toHaveLength(before + 1);
			expect(items.filter((i) => i.userId === 'mlee')).toEqual([
				expect.objectContaining({ kind: 'acknowledged', client: 'link' }),
			]);
		},
		TEST_TIMEOUT,
	);

	test(
		'with "record at once, JSON" links and repeats emitted, a repeat starts the workflow flagged duplicate',
		async () => {
			const { workflowId: id, webhookUrl: url } = await setup.activateTrigger('Push acknowledgments, repeats emitted', {
				linkMode: 'json',
				options: { emitDuplicates: true },
			});
			const link = `${url}?token=${setup.token('rkhan', { webhookUrl: url })}`;
			const first = await fetch(link);
			expect(first.status).toBe(200);
			expect(await first.json()).toMatchObject({ status: 'recorded', kind: 'acknowledged' });
			const again = await fetch(link);
			expect(await again.json()).toMatchObject({ status: 'duplicate' });
			const expired = await fetch(
				`${url}?token=${setup.token('rkhan', { ttlSeconds: 1, now: new Date(Date.now() - 5000), webhookUrl: url })}`,
			);
			expect(expired.status).toBe(410);
			// A token made for the other trigger's webhook is refused here.
			expect((await fetch(`${url}?token=${setup.token('rkhan')}`)).status).toBe(403);

			const executions = await n8n.waitForExecutions(id, 2);
			await sleep(1500);
			const items = (await n8n.executions(id)).map((e) => nodeItems(e, TRIGGER_NODE)[0]);
			expect(executions.length).toBe(2);
			expect(items).toHaveLength(2);
			expect(items).toEqual(
				expect.arrayContaining([
					expect.objectContaining({ userId: 'rkhan', client: 'link' }),
					expect.objectContaining({ userId: 'rkhan', duplicate: true, firstAt: expect.any(String) }),
				]),
			);
			expect(items.filter((i) => i.duplicate === true)).toHaveLength(1);
		},
		TEST_TIMEOUT,
	);
});
