/**
 * The acknowledgment webhook's request handling without n8n: 400 for what is not a request, 401 for a forged
 * or tampered link, 410 for an expired one, the previous secret still accepted, the confirmation page, JSON
 * or pages by client, and a repeat answered (and emitted only when asked).
 */
import { signAckToken, type ReplayState } from '../../core/push/ack-token';
import {
	handleAcknowledgment,
	webhookAudience,
	type AcknowledgmentContext,
	type AcknowledgmentRequest,
	type AcknowledgmentSettings,
} from '../../nodes/OpenTextPushTrigger/request';

const SECRET = 'the current signing secret, long';
const PREVIOUS = 'the previous signing secret, long';
const NOW = new Date('2026-11-26T10:00:00.000Z');

const settings: AcknowledgmentSettings = {
	linkMode: 'json',
	confirmationQuestion: 'Did you read it?',
	thankYouText: 'Thanks.',
	emitDuplicates: false,
	replayWindowSize: 5000,
};

const WEBHOOK_ID = '4f1c2a77-0d3e-4b8a-9a51-2f1e7c9d0b11';
const AUDIENCE = `/webhook/${WEBHOOK_ID}/acknowledgment`;

function token(userId = 'jdoe', secret = SECRET, ttlSeconds = 3600, now = NOW, audience = AUDIENCE): string {
	return signAckToken(secret, { noticeId: 'outage-42', userId, ttlSeconds, now, audience });
}

/** One trigger's state across requests: its secrets (and whether they were asked for), memory and static data. */
function trigger(secrets = [SECRET, PREVIOUS]) {
	const memory: ReplayState = {};
	const saved: ReplayState = {};
	let secretsAsked = 0;
	const context: AcknowledgmentContext = {
		secrets: async () => {
			secretsAsked++;
			return secrets;
		},
		replayState: () => ({ memory, saved }),
		acceptsAudience: webhookAudience(WEBHOOK_ID, `https://n8n.example.com/webhook-test/${WEBHOOK_ID}/acknowledgment`),
		now: NOW,
	};
	return { context, saved, secretsAsked: () => secretsAsked };
}

const get = (query: Record<string, unknown>): AcknowledgmentRequest => ({
	method: 'GET',
	contentType: '',
	query,
	body: {},
});
const post = (body: unknown, contentType = 'application/json'): AcknowledgmentRequest => ({
	method: 'POST',
	contentType,
	query: {},
	body,
});

describe('refusals', () => {
	test.each([
		['a body that is not an object', post(['token']), 'The body must be a JSON object {"token", "kind"}'],
		['no token', post({ kind: 'read' }), 'The token is missing'],
		['an unknown kind', post({ token: 'x', kind: 'liked' }), '"kind" must be one of acknowledged, read'],
		[
			'a long client string',
			post({ token: 'x', client: 'c'.repeat(201) }),
			'"client" must be a short string or an object',
		],
		['a large client object', post({ token: 'x', client: { note: 'c'.repeat(2000) } }), '"client" is too large'],
	])('400 for %s, before the secrets are read', async (_what, request, message) => {
		const t = trigger();
		const { answer, item } = await handleAcknowledgment(request, settings, t.context);
		expect(answer).toEqual({
			status: 400,
			headers: { 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' },
			json: { status: 'rejected', error: 'malformed', message },
		});
		expect(item).toBeUndefined();
		expect(t.secretsAsked()).toBe(0);
	});

	test('400 for a token that is not one, 401 for forged and tampered ones, 410 for an expired one', async () => {
		const t = trigger();
		const status = async (value: string) =>
			(await handleAcknowledgment(post({ token: value }), settings, t.context)).answer;
		expect(await status('not-a-token')).toMatchObject({ status: 400, json: { error: 'malformed' } });
		expect(await status(token('jdoe', 'some other secret, not ours'))).toMatchObject({
			status: 401,
			json: { error: 'forged' },
		});
		const [v, payload, signature] = token().split('.');
		const otherPayload = token('asmith').split('.')[1];
		expect(payload).not.toBe(otherPayload);
		expect(await status([v, otherPayload, signature].join('.'))).toMatchObject({
			status: 401,
			json: { error: 'tampered' },
		});
		expect(await status(token('jdoe', SECRET, 60, new Date(NOW.getTime() - 120_000)))).toMatchObject({
			status: 410,
			json: { error: 'expired' },
		});
		expect(t.saved).toEqual({});
	});

	test('a refused link opened in a browser gets a page titled by the refusal', async () => {
		const { answer } = await handleAcknowledgment(
			get({ token: token('jdoe', 'some other secret, not ours') }),
			{ ...settings, linkMode: 'recordOnClick' },
			trigger().context,
		);
		expect(answer.status).toBe(401);
		expect(answer.headers['Content-Type']).toBe('text/html; charset=utf-8');
		expect(answer.html).toContain('<title>This link is not valid</title>');
	});
});

describe('acknowledgments', () => {
	test('an app POSTs JSON: recorded once with the client, a repeat answered as such and not emitted', async () => {
		const t = trigger();
		const first = await handleAcknowledgment(
			post({ token: token(), kind: 'acknowledged', client: 'ios-app/3.1' }),
			settings,
			t.context,
		);
		expect(first.answer).toEqual({
			status: 200,
			headers: { 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' },
			json: { status: 'recorded', noticeId: 'outage-42', kind: 'acknowledged', at: NOW.toISOString() },
		});
		expect(first.item).toEqual({
			noticeId: 'outage-42',
			userId: 'jdoe',
			kind: 'acknowledged',
			at: NOW.toISOString(),
			client: 'ios-app/3.1',
			tokenExpiresAt: new Date(NOW.getTime() + 3600_000).toISOString(),
		});
		expect(Object.keys(t.saved.seen ?? {})).toEqual(['acknowledged|outage-42|jdoe']);
		const again = await handleAcknowledgment(post({ token: token() }), settings, t.context);
		expect(again).toEqual({
			answer: expect.objectContaining({
				json: { status: 'duplicate', noticeId: 'outage-42', kind: 'acknowledged', at: NOW.toISOString() },
			}),
		});
		// Another kind is another acknowledgment.
		expect(
			(await handleAcknowledgment(post({ token: token(), kind: 'read' }), settings, t.context)).item,
		).toMatchObject({ kind: 'read', client: null });
	});

	test('with repeats emitted, a repeat starts the workflow flagged duplicate', async () => {
		const t = trigger();
		const emitting = { ...settings, emitDuplicates: true };
		await handleAcknowledgment(post({ token: token() }), emitting, t.context);
		const again = await handleAcknowledgment(post({ token: token() }), emitting, t.context);
		expect(again.answer.json).toMatchObject({ status: 'duplicate' });
		expect(again.item).toMatchObject({ userId: 'jdoe', duplicate: true, firstAt: NOW.toISOString() });
	});

	test('a link signed with the previous secret is still accepted', async () => {
		const { answer, item } = await handleAcknowledgment(
			get({ token: token('asmith', PREVIOUS) }),
			settings,
			trigger().context,
		);
		expect(answer.status).toBe(200);
		expect(item).toMatchObject({ userId: 'asmith', client: 'link' });
	});

	test('a link opens the confirmation page; its form records the acknowledgment with a page', async () => {
		const t = trigger();
		const confirming = { ...settings, linkMode: 'confirmPage' as const };
		const link = token('mlee');
		const page = await handleAcknowledgment(get({ token: link }), confirming, t.context);
		expect(page.item).toBeUndefined();
		expect(page.answer.status).toBe(200);
		expect(page.answer.headers).toEqual({
			'Cache-Control': 'no-store',
			'Referrer-Policy': 'no-referrer',
			'Content-Type': 'text/html; charset=utf-8',
		});
		expect(page.answer.html).toContain('<form method="post">');
		expect(page.answer.html).toContain(`value="${link}"`);
		expect(page.answer.html).toContain('Did you read it?');
		expect(t.saved).toEqual({});

		const form = await handleAcknowledgment(
			post({ token: link, kind: 'acknowledged' }, 'application/x-www-form-urlencoded'),
			confirming,
			t.context,
		);
		expect(form.answer.status).toBe(200);
		expect(form.answer.html).toContain('Thanks.');
		expect(form.item).toMatchObject({ userId: 'mlee', client: 'link' });
	});

	test('"record at once" links record on the GET itself, with a page or JSON', async () => {
		const page = await handleAcknowledgment(
			get({ token: token(), kind: 'read' }),
			{ ...settings, linkMode: 'recordOnClick' },
			trigger().context,
		);
		expect(page.answer.html).toContain('<title>Recorded</title>');
		expect(page.item).toMatchObject({ kind: 'read', client: 'link' });
		const json = await handleAcknowledgment(get({ token: token() }), settings, trigger().context);
		expect(json.answer.json).toMatchObject({ status: 'recorded' });
	});

	test('the static data starts from what memory and earlier saves hold together', async () => {
		const t = trigger();
		t.saved.seen = { 'read|older|someone': [NOW.getTime() - 1000, NOW.getTime() + 60_000] };
		await handleAcknowledgment(post({ token: token() }), settings, t.context);
		expect(Object.keys(t.saved.seen ?? {}).sort()).toEqual(['acknowledged|outage-42|jdoe', 'read|older|someone']);
	});
});

describe('a token for another webhook or another kind', () => {
	test("403 for a token made for another trigger's webhook, even with the same secret; nothing is recorded", async () => {
		const t = trigger();
		const other = token('jdoe', SECRET, 3600, NOW, '/webhook/0000-other/acknowledgment');
		const { answer, item } = await handleAcknowledgment(post({ token: other }), settings, t.context);
		expect(answer.status).toBe(403);
		expect(answer.json).toMatchObject({ status: 'rejected', error: 'otherAudience' });
		expect(item).toBeUndefined();
		// The test URL of the same trigger is the same webhook.
		const viaTestUrl = token('jdoe', SECRET, 3600, NOW, `/webhook-test/${WEBHOOK_ID}/acknowledgment`);
		expect((await handleAcknowledgment(post({ token: viaTestUrl }), settings, t.context)).answer.status).toBe(200);
	});

	test("403 for a kind the token does not allow: a link's token cannot report read", async () => {
		const t = trigger();
		const linkToken = signAckToken(SECRET, {
			noticeId: 'outage-42',
			userId: 'jdoe',
			ttlSeconds: 3600,
			now: NOW,
			audience: AUDIENCE,
			kinds: ['acknowledged'],
		});
		const { answer, item } = await handleAcknowledgment(post({ token: linkToken, kind: 'read' }), settings, t.context);
		expect(answer.status).toBe(403);
		expect(answer.json).toMatchObject({ error: 'kindNotAllowed' });
		expect(item).toBeUndefined();
		expect((await handleAcknowledgment(post({ token: linkToken }), settings, t.context)).item).toMatchObject({
			kind: 'acknowledged',
		});
	});

	test('a previous secret that is too short fails naming Previous Signing Secret', async () => {
		const t = trigger([SECRET, 'short']);
		await expect(handleAcknowledgment(post({ token: token() }), settings, t.context)).rejects.toThrow(
			/^Previous Signing Secret must be at least 16/,
		);
	});
});
