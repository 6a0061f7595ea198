import {
	acknowledgmentData,
	acknowledgmentLink,
	AcknowledgmentReplayWindow,
	AckTokenError,
	ackKeyId,
	mergeReplayState,
	parseAckToken,
	signAckToken,
	verifyAckToken,
	type ReplayState,
} from '../../core/push/ack-token';
import { ConfigurationError } from '../../core/errors';

const SECRET = 'correct horse battery staple 42';
const OTHER_SECRET = 'another secret, also long enough';
const NOW = new Date('2026-11-26T10:00:00.000Z');
const AUDIENCE = '/webhook/4f1c2a/acknowledgment';
const LATER = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

function token(overrides: Partial<Parameters<typeof signAckToken>[1]> = {}, secret = SECRET): string {
	return signAckToken(secret, {
		noticeId: 'outage-2026-11-26',
		userId: 'jdoe',
		ttlSeconds: 3600,
		now: NOW,
		audience: AUDIENCE,
		...overrides,
	});
}

/** Replaces the character at `index` by a different base64url character. */
function flip(text: string, index: number): string {
	const c = text[index];
	return text.slice(0, index) + (c === 'A' ? 'B' : 'A') + text.slice(index + 1);
}

describe('acknowledgment tokens', () => {
	test('a valid token verifies and carries its claims', () => {
		const t = token();
		expect(t).toMatch(/^otdp2\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
		expect(encodeURIComponent(t)).toBe(t);
		const result = verifyAckToken(t, SECRET, LATER(10));
		expect(result).toEqual({
			ok: true,
			claims: {
				noticeId: 'outage-2026-11-26',
				userId: 'jdoe',
				issuedAt: NOW.getTime() / 1000,
				expiresAt: NOW.getTime() / 1000 + 3600,
				nonce: expect.any(String),
				audience: AUDIENCE,
				kinds: ['acknowledged', 'read'],
			},
		});
		expect(parseAckToken(t, SECRET, LATER(10)).userId).toBe('jdoe');
		// Two tokens for the same person and notice differ (nonce), both valid.
		expect(token()).not.toBe(t);
	});

	test('during a key rotation, a token signed with the previous secret still verifies', () => {
		const old = token({}, OTHER_SECRET);
		expect(verifyAckToken(old, [SECRET, OTHER_SECRET], NOW).ok).toBe(true);
		expect(verifyAckToken(old, [SECRET], NOW)).toMatchObject({ ok: false, reason: 'forged' });
	});

	test('a token signed with another secret is forged', () => {
		const forged = token({}, OTHER_SECRET);
		const result = verifyAckToken(forged, SECRET, NOW);
		expect(result).toMatchObject({ ok: false, reason: 'forged' });
		expect(() => parseAckToken(forged, SECRET, NOW)).toThrow(AckTokenError);
		try {
			parseAckToken(forged, SECRET, NOW);
		} catch (error) {
			expect((error as AckTokenError).reason).toBe('forged');
		}
	});

	test('a forger who copies our key id into a self-signed token is caught as tampered', () => {
		const [, payload] = token().split('.');
		const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
		expect(claims.k).toBe(ackKeyId(SECRET));
		const crafted = Buffer.from(JSON.stringify({ ...claims, u: 'admin' })).toString('base64url');
		const selfSigned = token({}, OTHER_SECRET).split('.')[2];
		expect(verifyAckToken(`otdp2.${crafted}.${selfSigned}`, SECRET, NOW)).toMatchObject({
			ok: false,
			reason: 'tampered',
		});
	});

	test('a changed payload is tampered', () => {
		const [v, payload, sig] = token().split('.');
		const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
		const longer = Buffer.from(JSON.stringify({ ...claims, e: (claims.e as number) + 86400 })).toString('base64url');
		expect(verifyAckToken(`${v}.${longer}.${sig}`, SECRET, NOW)).toMatchObject({ ok: false, reason: 'tampered' });
		const otherUser = Buffer.from(JSON.stringify({ ...claims, u: 'mallory' })).toString('base64url');
		expect(verifyAckToken(`${v}.${otherUser}.${sig}`, SECRET, NOW)).toMatchObject({ ok: false, reason: 'tampered' });
	});

	test('a changed or shortened signature is tampered', () => {
		const t = token();
		const sigStart = t.lastIndexOf('.') + 1;
		expect(verifyAckToken(flip(t, sigStart + 3), SECRET, NOW)).toMatchObject({ ok: false, reason: 'tampered' });
		expect(verifyAckToken(t.slice(0, -4), SECRET, NOW)).toMatchObject({ ok: false, reason: 'tampered' });
	});

	test('an expired token is refused as expired, still naming its notice and user', () => {
		const t = token({ ttlSeconds: 60 });
		expect(verifyAckToken(t, SECRET, LATER(59)).ok).toBe(true);
		const result = verifyAckToken(t, SECRET, LATER(60));
		expect(result).toMatchObject({
			ok: false,
			reason: 'expired',
			claims: { noticeId: 'outage-2026-11-26', userId: 'jdoe' },
		});
		expect(result.ok === false && result.message).toMatch(/expired at 2026-11-26T10:01:00/);
	});

	test('an expired token that was also altered is tampered, not expired', () => {
		const t = token({ ttlSeconds: 60 });
		expect(verifyAckToken(flip(t, t.length - 2), SECRET, LATER(120))).toMatchObject({ ok: false, reason: 'tampered' });
	});

	test.each([
		['empty', ''],
		['not a string', 42],
		['undefined', undefined],
		['one part', 'abc'],
		['wrong version', 'v2.eyJ9.abc'],
		['four parts', 'otdp2.a.b.c'],
		['not base64url', 'otdp2.a+b/c.def'],
		['payload not JSON', `otdp2.${Buffer.from('hello').toString('base64url')}.abcd`],
		['payload an array', `otdp2.${Buffer.from('[1]').toString('base64url')}.abcd`],
		['claims missing', `otdp2.${Buffer.from('{"n":"x"}').toString('base64url')}.abcd`],
		['too long', `otdp2.${'a'.repeat(3000)}.b`],
	])('a malformed token (%s) is refused as malformed', (_label, value) => {
		expect(verifyAckToken(value, SECRET, NOW)).toMatchObject({ ok: false, reason: 'malformed' });
	});

	test('signing refuses weak secrets and invalid claims, naming the field', () => {
		expect(() => signAckToken('short', { noticeId: 'n', userId: 'u', ttlSeconds: 60, audience: AUDIENCE })).toThrow(
			/Signing Secret/,
		);
		expect(() => token({ noticeId: 'has space' })).toThrow(/Notice ID/);
		expect(() => token({ userId: '' })).toThrow(/User ID/);
		expect(() => token({ ttlSeconds: 0 })).toThrow(ConfigurationError);
		expect(() => token({ ttlSeconds: 31 * 86400 })).toThrow(/30 days/);
		expect(() => verifyAckToken(token(), 'short')).toThrow(ConfigurationError);
	});

	test('the acknowledgment link and data fields', () => {
		const t = token();
		expect(acknowledgmentLink('https://n8n.example.com/webhook/ack', t)).toBe(
			`https://n8n.example.com/webhook/ack?token=${t}`,
		);
		expect(acknowledgmentLink('https://n8n.example.com/webhook/ack?x=1', t)).toBe(
			`https://n8n.example.com/webhook/ack?x=1&token=${t}`,
		);
		expect(() => acknowledgmentLink('/webhook/ack', t)).toThrow(/Acknowledgment Webhook URL/);
		expect(() => acknowledgmentLink('ftp://x/y', t)).toThrow(/https/);

		const data = acknowledgmentData({
			secret: SECRET,
			webhookUrl: 'https://n8n.example.com/webhook/ack',
			noticeId: 'outage-1',
			userId: 'jdoe',
			ttlSeconds: 7200,
			now: NOW,
		});
		expect(data).toEqual({
			noticeId: 'outage-1',
			ackRequired: 'true',
			ackToken: expect.stringMatching(/^otdp2\./),
			ackUrl: expect.stringMatching(/^https:\/\/n8n\.example\.com\/webhook\/ack\?token=otdp2\./),
			ackExpiresAt: '2026-11-26T12:00:00.000Z',
		});
		expect(Object.values(data).every((v) => typeof v === 'string')).toBe(true);
		expect(JSON.stringify(data)).not.toContain(SECRET);
		expect(parseAckToken(data.ackToken, SECRET, NOW)).toMatchObject({ noticeId: 'outage-1', userId: 'jdoe' });
	});
});

describe('the replay window', () => {
	const claims = parseAckToken(token(), SECRET, NOW);

	test('a replayed acknowledgment is a duplicate; another kind or person is not', () => {
		const state: ReplayState = {};
		const window = new AcknowledgmentReplayWindow(state);
		expect(window.check(claims, 'acknowledged', LATER(1))).toEqual({
			duplicate: false,
			firstSeenAt: LATER(1).toISOString(),
		});
		expect(window.check(claims, 'acknowledged', LATER(5))).toEqual({
			duplicate: true,
			firstSeenAt: LATER(1).toISOString(),
		});
		// The same token replayed through a fresh window over the same (persisted) state.
		const reloaded = JSON.parse(JSON.stringify(state)) as ReplayState;
		expect(new AcknowledgmentReplayWindow(reloaded).check(claims, 'acknowledged', LATER(9)).duplicate).toBe(true);
		expect(window.check(claims, 'read', LATER(6)).duplicate).toBe(false);
		expect(window.check({ ...claims, userId: 'asmith' }, 'acknowledged', LATER(7)).duplicate).toBe(false);
	});

	test('entries go when their token expires, and the oldest go beyond the bound', () => {
		const state: ReplayState = {};
		const window = new AcknowledgmentReplayWindow(state, 3);
		window.check(claims, 'acknowledged', LATER(1));
		// After the token's expiry, the entry is pruned (the token itself would be refused as expired).
		window.check({ ...claims, userId: 'other', expiresAt: claims.expiresAt + 7200 }, 'acknowledged', LATER(3601));
		expect(Object.keys(state.seen ?? {})).toEqual(['acknowledged|outage-2026-11-26|other']);

		for (const user of ['u1', 'u2', 'u3', 'u4']) window.check({ ...claims, userId: user }, 'read', LATER(2));
		expect(Object.keys(state.seen ?? {})).toEqual([
			'read|outage-2026-11-26|u2',
			'read|outage-2026-11-26|u3',
			'read|outage-2026-11-26|u4',
		]);
	});
});

describe('merging replay windows', () => {
	test('a merged copy knows what either saw, with the earliest first-seen time', () => {
		const claims = parseAckToken(token(), SECRET, NOW);
		const memory: ReplayState = {};
		const saved: ReplayState = {};
		new AcknowledgmentReplayWindow(saved).check(claims, 'acknowledged', LATER(1));
		new AcknowledgmentReplayWindow(memory).check(claims, 'acknowledged', LATER(3));
		new AcknowledgmentReplayWindow(memory).check(claims, 'read', LATER(4));
		mergeReplayState(memory, { ...saved, seen: { ...saved.seen, junk: 'x' as unknown as [number, number] } });
		expect(Object.keys(memory.seen ?? {}).sort()).toEqual([
			'acknowledged|outage-2026-11-26|jdoe',
			'read|outage-2026-11-26|jdoe',
		]);
		expect(new AcknowledgmentReplayWindow(memory).check(claims, 'acknowledged', LATER(5))).toEqual({
			duplicate: true,
			firstSeenAt: LATER(1).toISOString(),
		});
	});
});

describe('what a token is for: its kinds and its webhook', () => {
	test('the kinds and the audience are signed: changing either is tampering', () => {
		const [v, payload, sig] = token({ kinds: ['acknowledged'] }).split('.');
		const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
		expect(claims).toMatchObject({ a: AUDIENCE, m: ['acknowledged'] });
		for (const changed of [
			{ ...claims, m: ['acknowledged', 'read'] },
			{ ...claims, a: '/webhook/other/acknowledgment' },
		]) {
			const text = Buffer.from(JSON.stringify(changed)).toString('base64url');
			expect(verifyAckToken(`${v}.${text}.${sig}`, SECRET, NOW)).toMatchObject({ ok: false, reason: 'tampered' });
		}
	});

	test('a kind the token does not allow, or another webhook, is refused', () => {
		const linkOnly = token({ kinds: ['acknowledged'] });
		expect(verifyAckToken(linkOnly, SECRET, NOW, { kind: 'read' })).toMatchObject({
			ok: false,
			reason: 'kindNotAllowed',
		});
		expect(verifyAckToken(linkOnly, SECRET, NOW, { kind: 'acknowledged' }).ok).toBe(true);
		const mine = (audience: string) => audience === AUDIENCE;
		expect(
			verifyAckToken(token({ audience: '/webhook/other/acknowledgment' }), SECRET, NOW, { acceptsAudience: mine }),
		).toMatchObject({ ok: false, reason: 'otherAudience' });
		expect(verifyAckToken(token(), SECRET, NOW, { acceptsAudience: mine }).ok).toBe(true);
	});

	test("the app's token may report read or acknowledged; the link's only acknowledged; both name the webhook's path", () => {
		const data = acknowledgmentData({
			secret: SECRET,
			webhookUrl: 'https://n8n.example.com/webhook/4f1c2a/acknowledgment/',
			noticeId: 'outage-1',
			userId: 'jdoe',
			ttlSeconds: 600,
			now: NOW,
		});
		expect(parseAckToken(data.ackToken, SECRET, NOW)).toMatchObject({
			audience: AUDIENCE,
			kinds: ['acknowledged', 'read'],
		});
		const linkToken = new URL(data.ackUrl).searchParams.get('token');
		expect(parseAckToken(linkToken, SECRET, NOW)).toMatchObject({ audience: AUDIENCE, kinds: ['acknowledged'] });
	});

	test('a token of the first format (no kinds, no audience) is refused, saying so', () => {
		const payload = Buffer.from(
			JSON.stringify({ n: 'outage-1', u: 'jdoe', e: 1e10, i: 1, r: 'x', k: ackKeyId(SECRET) }),
		).toString('base64url');
		expect(verifyAckToken(`otdp1.${payload}.abcd`, SECRET, NOW)).toMatchObject({
			ok: false,
			reason: 'malformed',
			message: expect.stringMatching(/earlier format/),
		});
	});

	test('a previous secret shorter than the minimum is named as the previous secret', () => {
		let failure: unknown;
		try {
			verifyAckToken(token(), [SECRET, 'too short'], NOW);
		} catch (error) {
			failure = error;
		}
		expect(failure).toBeInstanceOf(ConfigurationError);
		expect((failure as ConfigurationError).field).toBe('Previous Signing Secret');
		expect(() => verifyAckToken(token(), ['short', SECRET], NOW)).toThrow(/^Signing Secret/);
	});
});
