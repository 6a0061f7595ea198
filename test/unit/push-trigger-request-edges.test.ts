/**
 * The acknowledgment webhook's request handling at its edges: the method and content type that choose JSON or a
 * page, the kind and client fields and their bounds, which refusal gets which status and title (410 for an
 * expired link, 401 for a forged or altered one), and what a recorded or repeated acknowledgment emits.
 */
import { signAckToken, type ReplayState } from '../../core/push/ack-token';
import {
	handleAcknowledgment,
	type AcknowledgmentContext,
	type AcknowledgmentRequest,
	type AcknowledgmentSettings,
} from '../../nodes/OpenTextPushTrigger/request';

const SECRET = 'the webhook signing secret, long enough';
const NOW = new Date('2026-11-26T10:00:00.000Z');
const AUDIENCE = '/webhook/0f1e2d3c/acknowledgment';

const settings: AcknowledgmentSettings = {
	linkMode: 'json',
	confirmationQuestion: 'Confirm?',
	thankYouText: 'Thank you.',
	emitDuplicates: false,
	replayWindowSize: 100,
};

function sign(userId = 'jdoe', options: { secret?: string; ttlSeconds?: number; now?: Date } = {}): string {
	return signAckToken(options.secret ?? SECRET, {
		noticeId: 'notice-9',
		userId,
		ttlSeconds: options.ttlSeconds ?? 600,
		now: options.now ?? NOW,
		audience: AUDIENCE,
	});
}

function context(now: Date | 'clock' = NOW): AcknowledgmentContext & { memory: ReplayState; saved: ReplayState } {
	const memory: ReplayState = {};
	const saved: ReplayState = {};
	return {
		secrets: async () => [SECRET],
		replayState: () => ({ memory, saved }),
		acceptsAudience: (audience) => audience === AUDIENCE,
		now: now === 'clock' ? undefined : now,
		memory,
		saved,
	};
}

const request = (fields: Partial<AcknowledgmentRequest>): AcknowledgmentRequest => ({
	contentType: 'application/json',
	query: {},
	body: {},
	...fields,
});

describe('JSON or a page', () => {
	test('a request without a method is a GET; the method is read in any case', async () => {
		const implicit = await handleAcknowledgment(request({ query: { token: sign() } }), settings, context());
		expect(implicit.answer.json).toMatchObject({ status: 'recorded' });
		expect(implicit.item).toMatchObject({ client: 'link' });
		const lower = await handleAcknowledgment(
			request({ method: 'get', query: { token: sign() } }),
			{ ...settings, linkMode: 'recordOnClick' },
			context(),
		);
		expect(lower.answer.html).toContain('Recorded');
		expect(lower.item).toMatchObject({ client: 'link' });
	});

	test('a POST gets a page only when it comes from a form, whatever the link mode', async () => {
		const form = await handleAcknowledgment(
			request({
				method: 'POST',
				contentType: 'Application/X-WWW-Form-Urlencoded; charset=utf-8',
				body: { token: sign() },
			}),
			settings,
			context(),
		);
		expect(form.answer.headers['Content-Type']).toBe('text/html; charset=utf-8');
		expect(form.answer.json).toBeUndefined();
		const app = await handleAcknowledgment(
			request({ method: 'POST', body: { token: sign() } }),
			{ ...settings, linkMode: 'recordOnClick' },
			context(),
		);
		expect(app.answer.json).toMatchObject({ status: 'recorded' });
		expect(app.answer.html).toBeUndefined();
		expect(app.item).toMatchObject({ client: null });
	});

	test('the confirmation page is for links only: a POST records even in that mode', async () => {
		const confirming = { ...settings, linkMode: 'confirmPage' as const };
		const posted = await handleAcknowledgment(
			request({ method: 'POST', body: { token: sign() } }),
			confirming,
			context(),
		);
		expect(posted.answer.json).toMatchObject({ status: 'recorded' });
		expect(posted.item).toBeDefined();
		const page = await handleAcknowledgment(
			request({ method: 'GET', query: { token: sign(), kind: 'read' } }),
			confirming,
			context(),
		);
		expect(page.item).toBeUndefined();
		expect(page.answer.html).toContain('Confirm?');
		expect(page.answer.html).toContain('read');
	});
});

describe('refusals', () => {
	const refusal = async (token: unknown, linkMode: AcknowledgmentSettings['linkMode'] = 'json') => {
		const ctx = context();
		const outcome = await handleAcknowledgment(
			request({ method: 'GET', query: { token } }),
			{ ...settings, linkMode },
			ctx,
		);
		expect(outcome.item).toBeUndefined();
		expect(ctx.saved).toEqual({});
		return outcome.answer;
	};

	test('an expired link is 410 Gone, not 401, as JSON and as a page', async () => {
		const old = sign('jdoe', { ttlSeconds: 60, now: new Date(NOW.getTime() - 61_000) });
		expect(await refusal(old)).toMatchObject({ status: 410, json: { status: 'rejected', error: 'expired' } });
		const page = await refusal(old, 'recordOnClick');
		expect(page.status).toBe(410);
		expect(page.html).toContain('This link has expired');
	});

	test('forged and altered links are 401 with a page saying the link is not valid', async () => {
		const forged = sign('jdoe', { secret: 'somebody else’s secret, long too' });
		expect(await refusal(forged)).toMatchObject({ status: 401, json: { error: 'forged' } });
		expect((await refusal(forged, 'recordOnClick')).html).toContain('This link is not valid');
		const [version, payload, signature] = sign().split('.');
		const altered = [version, payload, signature.slice(0, -2)].join('.');
		expect(await refusal(altered)).toMatchObject({ status: 401, json: { error: 'tampered' } });
		expect((await refusal(altered, 'recordOnClick')).html).toContain('This link is not valid');
	});

	test('a link that is not a token is 400 with a page saying it is incomplete', async () => {
		expect(await refusal('otdp-nothing')).toMatchObject({ status: 400, json: { error: 'malformed' } });
		expect((await refusal('otdp-nothing', 'recordOnClick')).html).toContain('This link is incomplete');
		const missing = await refusal('', 'recordOnClick');
		expect(missing.status).toBe(400);
		expect(missing.html).toContain('This request is not valid');
	});

	test('kind must be one of the two kinds, as text', async () => {
		for (const kind of [['read'], 7, 'Read', '']) {
			const { answer } = await handleAcknowledgment(
				request({ method: 'POST', body: { token: sign(), kind } }),
				settings,
				context(),
			);
			expect(answer).toMatchObject({ status: 400, json: { error: 'malformed' } });
		}
		const { answer } = await handleAcknowledgment(
			request({ method: 'GET', query: { token: sign(), kind: 5 } }),
			settings,
			context(),
		);
		expect(answer.status).toBe(400);
	});

	test('a body that is null or text is refused', async () => {
		for (const body of [null, 'token=x', 3]) {
			const { answer } = await handleAcknowledgment(request({ method: 'POST', body }), settings, context());
			expect(answer).toMatchObject({
				status: 400,
				json: { error: 'malformed', message: 'The body must be a JSON object {"token", "kind"}' },
			});
		}
	});
});

describe('the client field', () => {
	const clientOf = async (client: unknown) => {
		const outcome = await handleAcknowledgment(
			request({ method: 'POST', body: { token: sign(), client } }),
			settings,
			context(),
		);
		return outcome.item ? outcome.item.client : `refused ${outcome.answer.status}`;
	};

	test('a string up to 200 characters or an object up to 2,000 characters of JSON is kept', async () => {
		expect(await clientOf('c'.repeat(200))).toBe('c'.repeat(200));
		const object = { app: 'x'.repeat(2000 - '{"app":""}'.length) };
		expect(JSON.stringify(object)).toHaveLength(2000);
		expect(await clientOf(object)).toEqual(object);
		expect(await clientOf({ app: 'x'.repeat(1991) })).toBe('refused 400');
		expect(await clientOf('c'.repeat(201))).toBe('refused 400');
	});

	test('other types are refused; no client is null, and a form counts as a link', async () => {
		for (const client of [5, true]) {
			expect(await clientOf(client)).toBe('refused 400');
		}
		expect(await clientOf(undefined)).toBeNull();
		expect(await clientOf(null)).toBeNull();
		const form = await handleAcknowledgment(
			request({ method: 'POST', contentType: 'application/x-www-form-urlencoded', body: { token: sign() } }),
			settings,
			context(),
		);
		expect(form.item).toMatchObject({ client: 'link' });
	});
});

describe('what is emitted', () => {
	test('the item says who, what, when, and until when the token was valid', async () => {
		const { item } = await handleAcknowledgment(
			request({ method: 'POST', body: { token: sign('asmith'), kind: 'read', client: { os: 'android' } } }),
			settings,
			context(),
		);
		expect(item).toEqual({
			noticeId: 'notice-9',
			userId: 'asmith',
			kind: 'read',
			at: NOW.toISOString(),
			client: { os: 'android' },
			tokenExpiresAt: new Date(NOW.getTime() + 600_000).toISOString(),
		});
	});

	test('without a clock given, the current time is used', async () => {
		const before = Date.now();
		const { item, answer } = await handleAcknowledgment(
			request({ method: 'POST', body: { token: sign('jdoe', { now: new Date() }) } }),
			settings,
			context('clock'),
		);
		expect(answer.status).toBe(200);
		const at = Date.parse(String(item?.at));
		expect(at).toBeGreaterThanOrEqual(before - 1);
		expect(at).toBeLessThanOrEqual(Date.now() + 1);
	});

	test('a repeat is answered as a duplicate with the first time, and emitted only when asked, flagged', async () => {
		const ctx = context();
		const later = { ...ctx, now: new Date(NOW.getTime() + 5000) };
		await handleAcknowledgment(request({ method: 'POST', body: { token: sign() } }), settings, ctx);
		const quiet = await handleAcknowledgment(request({ method: 'POST', body: { token: sign() } }), settings, later);
		expect(quiet.item).toBeUndefined();
		expect(quiet.answer).toMatchObject({ status: 200, json: { status: 'duplicate', at: NOW.toISOString() } });
		const loud = await handleAcknowledgment(
			request({ method: 'POST', body: { token: sign() } }),
			{ ...settings, emitDuplicates: true },
			later,
		);
		expect(loud.item).toMatchObject({ duplicate: true, firstAt: NOW.toISOString(), at: later.now.toISOString() });
		expect(loud.answer.json).toMatchObject({ status: 'duplicate' });
		const page = await handleAcknowledgment(
			request({ method: 'GET', query: { token: sign() } }),
			{ ...settings, linkMode: 'recordOnClick' },
			later,
		);
		expect(page.answer.html).toContain('Already recorded');
		const emittedPage = await handleAcknowledgment(
			request({ method: 'GET', query: { token: sign() } }),
			{ ...settings, linkMode: 'recordOnClick', emitDuplicates: true },
			later,
		);
		expect(emittedPage.item).toMatchObject({ duplicate: true });
		expect(emittedPage.answer.html).toContain('<title>Already recorded</title>');
		expect(page.answer.html).toContain('Thank you.');
		// A first acknowledgment is not flagged.
		const fresh = await handleAcknowledgment(
			request({ method: 'POST', body: { token: sign('new') } }),
			settings,
			context(),
		);
		expect(fresh.item).not.toHaveProperty('duplicate');
		expect(fresh.item).not.toHaveProperty('firstAt');
	});

	test('the saved replay state holds what memory holds after each acknowledgment, and a bounded number', async () => {
		const ctx = context();
		for (const user of ['a', 'b', 'c']) {
			await handleAcknowledgment(
				request({ method: 'POST', body: { token: sign(user) } }),
				{ ...settings, replayWindowSize: 2 },
				ctx,
			);
		}
		expect(Object.keys(ctx.saved.seen ?? {})).toEqual(['acknowledged|notice-9|b', 'acknowledged|notice-9|c']);
		expect(ctx.saved.seen).toEqual(ctx.memory.seen);
		expect(ctx.saved.seen).not.toBe(ctx.memory.seen);
	});
});
