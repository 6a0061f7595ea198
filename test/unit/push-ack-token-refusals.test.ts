/**
 * What the acknowledgment token verifier refuses, and where its bounds lie: tokens that carry a valid signature
 * but should still not be trusted (another version, claims a signer would never write), and the edges of
 * lifetimes, lengths, secrets and the replay window. Written against observable outcomes (accepted, or refused
 * for which reason), so that a change of the token's inner layout does not touch them; the one place that knows
 * the layout is `resigned` below, which re-signs edited claims the way a holder of the secret could.
 */
import { createHmac } from 'crypto';

import {
	acknowledgmentData,
	acknowledgmentLink,
	AcknowledgmentReplayWindow,
	ackKeyId,
	MAX_TOKEN_LIFETIME_SECONDS,
	mergeReplayState,
	parseAckToken,
	signAckToken,
	verifyAckToken,
	type AckTokenClaims,
	type ReplayState,
	type SignAckTokenInput,
} from '../../core/push/ack-token';
import { ConfigurationError } from '../../core/errors';

const SECRET = 'a signing secret of some length';
const PREVIOUS = 'the signing secret before that';
const NOW = new Date('2026-11-26T10:00:00.000Z');
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

const AUDIENCE = '/webhook/0f1e2d3c/acknowledgment';

function sign(input: Partial<SignAckTokenInput> = {}, secret = SECRET): string {
	const defaults = { noticeId: 'notice-7', userId: 'jdoe', ttlSeconds: 3600, now: NOW, audience: AUDIENCE };
	return signAckToken(secret, { ...defaults, ...input } as SignAckTokenInput);
}

/**
 * A token whose claims were edited and then signed again with `secret`: what someone holding the secret (or a
 * bug in a signer) could produce. `edit` gets the decoded claims and returns the JSON text to sign.
 */
function resigned(token: string, secret: string, edit: (claims: Record<string, unknown>) => string): string {
	const [version, payload] = token.split('.');
	const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
	const edited = Buffer.from(edit(claims), 'utf8').toString('base64url');
	const signature = createHmac('sha256', secret).update(`${version}.${edited}`).digest('base64url');
	return `${version}.${edited}.${signature}`;
}

const reasonOf = (token: unknown, secrets: string | string[] = SECRET, now = NOW) => {
	const result = verifyAckToken(token, secrets, now);
	return result.ok ? 'accepted' : result.reason;
};

describe('signed but not to be trusted', () => {
	test('re-signing unchanged claims gives a token that verifies (the helper below is sound)', () => {
		expect(reasonOf(resigned(sign(), SECRET, (claims) => JSON.stringify(claims)))).toBe('accepted');
	});

	test('a token of another version is refused, even with a valid signature over its payload', () => {
		const [version, payload, signature] = sign().split('.');
		for (const other of [`${version}x`, version.toUpperCase(), 'otdp0', 'otdp1', 'otdp3', '']) {
			expect(reasonOf([other, payload, signature].join('.'))).toBe('malformed');
		}
	});

	test('a payload of JSON that is not an object is malformed, not an exception', () => {
		for (const json of ['null', '5', '"text"', '[]', 'true']) {
			const payload = Buffer.from(json).toString('base64url');
			expect(reasonOf(`otdp1.${payload}.abcd`)).toBe('malformed');
		}
	});

	test('a correctly signed token naming an invalid notice or an empty user is refused', () => {
		const token = sign();
		const edited = (change: Record<string, unknown>) =>
			resigned(token, SECRET, (claims) => JSON.stringify({ ...claims, ...change }));
		expect(reasonOf(edited({ n: 'notice with spaces' }))).toBe('malformed');
		expect(reasonOf(edited({ n: '' }))).toBe('malformed');
		expect(reasonOf(edited({ u: '' }))).toBe('malformed');
		// The same edit to valid values is accepted: only the invalid values are refused.
		expect(reasonOf(edited({ n: 'notice-8', u: 'asmith' }))).toBe('accepted');
	});

	test.each([
		['the notice is a number', { n: 7 }],
		['the user is missing', { u: undefined }],
		['the expiry is text', { e: '1' }],
		['the issue time is missing', { i: undefined }],
		['the nonce is a number', { r: 5 }],
		['the key id is missing', { k: undefined }],
	])('a signed token whose claims are incomplete (%s) is malformed', (_what, change) => {
		expect(reasonOf(resigned(sign(), SECRET, (claims) => JSON.stringify({ ...claims, ...change })))).toBe('malformed');
	});

	test('an expiry or issue time that is not a finite number is malformed', () => {
		const withNumber = (claim: string) =>
			resigned(sign(), SECRET, (claims) =>
				JSON.stringify({ ...claims, [claim]: 0 }).replace(`"${claim}":0`, `"${claim}":1e999`),
			);
		expect(reasonOf(withNumber('e'))).toBe('malformed');
		expect(reasonOf(withNumber('i'))).toBe('malformed');
	});

	test('a signature or payload with characters outside base64url is malformed, not decoded leniently', () => {
		const token = sign();
		const cut = token.lastIndexOf('.');
		const firstDot = token.indexOf('.');
		expect(reasonOf(`${token}!`)).toBe('malformed');
		expect(reasonOf(`${token}=`)).toBe('malformed');
		expect(reasonOf(`${token.slice(0, cut + 1)}*${token.slice(cut + 1)}`)).toBe('malformed');
		expect(reasonOf(`${token.slice(0, firstDot + 1)}!${token.slice(firstDot + 1)}`)).toBe('malformed');
		expect(reasonOf(`${token.slice(0, firstDot + 2)} ${token.slice(firstDot + 2)}`)).toBe('malformed');
	});

	test('a genuine token with anything appended after a further dot is malformed', () => {
		expect(reasonOf(`${sign()}.extra`)).toBe('malformed');
		expect(reasonOf(`${sign()}.`)).toBe('malformed');
	});

	test('an empty signature is malformed', () => {
		const token = sign();
		expect(reasonOf(token.slice(0, token.lastIndexOf('.') + 1))).toBe('malformed');
	});

	test('a forged token with a signature of another length is refused as forged, without an exception', () => {
		const forged = sign({}, PREVIOUS);
		expect(reasonOf(forged.slice(0, -5))).toBe('forged');
		expect(reasonOf(`${forged}AAAA`)).toBe('forged');
	});

	test('a changed payload is caught whichever of several secrets signed it', () => {
		const token = sign({}, PREVIOUS);
		const [version, , signature] = token.split('.');
		const otherPayload = sign({ userId: 'mallory' }, PREVIOUS).split('.')[1];
		expect(reasonOf(`${version}.${otherPayload}.${signature}`, [SECRET, PREVIOUS])).toBe('tampered');
		expect(reasonOf(token, [SECRET, PREVIOUS])).toBe('accepted');
		expect(reasonOf(token, [PREVIOUS, SECRET])).toBe('accepted');
	});
});

describe('bounds', () => {
	test('a token expires at its expiry second, not a millisecond before', () => {
		const token = sign({ ttlSeconds: 10 });
		expect(reasonOf(token, SECRET, new Date(at(10).getTime() - 1))).toBe('accepted');
		expect(reasonOf(token, SECRET, at(10))).toBe('expired');
		expect(reasonOf(token, SECRET, at(11))).toBe('expired');
	});

	test('the issue and expiry times are whole seconds, the fraction of the signing second dropped', () => {
		const claims = parseAckToken(sign({ ttlSeconds: 60, now: new Date(NOW.getTime() + 999) }), SECRET, NOW);
		expect(claims.issuedAt).toBe(NOW.getTime() / 1000);
		expect(claims.expiresAt).toBe(NOW.getTime() / 1000 + 60);
	});

	test('a given nonce is carried; without one, every token gets its own', () => {
		expect(parseAckToken(sign({ nonce: 'fixed-nonce' }), SECRET, NOW).nonce).toBe('fixed-nonce');
		const nonces = new Set([sign(), sign(), sign()].map((token) => parseAckToken(token, SECRET, NOW).nonce));
		expect(nonces.size).toBe(3);
		for (const nonce of nonces) expect(nonce.length).toBeGreaterThanOrEqual(12);
	});

	test('lifetimes from one second to thirty days are accepted; outside that, or fractional, refused', () => {
		expect(reasonOf(sign({ ttlSeconds: 1 }))).toBe('accepted');
		expect(reasonOf(sign({ ttlSeconds: MAX_TOKEN_LIFETIME_SECONDS }), SECRET, at(MAX_TOKEN_LIFETIME_SECONDS - 1))).toBe(
			'accepted',
		);
		for (const ttlSeconds of [0, -5, MAX_TOKEN_LIFETIME_SECONDS + 1, 1.5, Number.NaN]) {
			expect(() => sign({ ttlSeconds })).toThrow(/Acknowledgment Valid For/);
		}
	});

	test('user ids from 1 to 256 characters are accepted; blank or longer ones refused', () => {
		expect(parseAckToken(sign({ userId: 'u'.repeat(256) }), SECRET, NOW).userId).toHaveLength(256);
		expect(parseAckToken(sign({ userId: 'x' }), SECRET, NOW).userId).toBe('x');
		for (const userId of ['', '   ', 'u'.repeat(257), 42 as unknown as string]) {
			expect(() => sign({ userId })).toThrow(/User ID must be 1 to 256 characters/);
		}
		expect(() => sign({ noticeId: 7 as unknown as string })).toThrow(
			/Notice ID "7" is not valid: use 1 to 128 letters/,
		);
		expect(() => sign({ noticeId: 'a b' })).toThrow(/Notice ID "a b" is not valid/);
	});

	test('a token of 2,048 characters is read; a longer one is refused unread', () => {
		// A longer nonce makes a longer (genuine) token; find the nonce lengths that give 2,048 and 2,049 characters.
		const ofLength = (length: number) => {
			// Three nonce characters add four token characters: start a little below the size that fits.
			const start = Math.max(1, Math.floor(((length - sign({ nonce: 'n' }).length) * 3) / 4) - 8);
			for (let size = start; size < start + 32; size++) {
				const token = sign({ nonce: 'n'.repeat(size) });
				if (token.length === length) return token;
			}
			throw new Error(`no token of ${length} characters`);
		};
		expect(reasonOf(ofLength(2048))).toBe('accepted');
		expect(reasonOf(ofLength(2049))).toBe('malformed');
	});

	test('secrets: empty entries are ignored, none at all or a short one is a configuration error', () => {
		const token = sign();
		expect(() => verifyAckToken(token, ['', SECRET])).toThrow(/Signing Secret/);
		expect(reasonOf(token, [SECRET, ''])).toBe('accepted');
		expect(() => verifyAckToken(token, [])).toThrow(/Signing Secret/);
		expect(() => verifyAckToken(token, [''])).toThrow(ConfigurationError);
		expect(() => verifyAckToken(token, [SECRET, 'x'.repeat(15)])).toThrow(/at least 16/);
		expect(reasonOf(sign({}, 'y'.repeat(16)), 'y'.repeat(16))).toBe('accepted');
		expect(() => sign({}, 'y'.repeat(15))).toThrow(ConfigurationError);
		expect(() => ackKeyId('short')).toThrow(ConfigurationError);
		expect(() =>
			signAckToken(undefined as unknown as string, { noticeId: 'n', userId: 'u', ttlSeconds: 60, audience: AUDIENCE }),
		).toThrow(/Signing Secret must be at least 16 characters/);
		expect(() => verifyAckToken(token, [])).toThrow(/Signing Secret.*is empty/);
		expect(reasonOf(token, [SECRET, undefined as unknown as string])).toBe('accepted');
		expect(ackKeyId(SECRET)).not.toBe(ackKeyId(PREVIOUS));
		expect(ackKeyId(SECRET)).toBe(ackKeyId(SECRET));
	});

	test('a refusal message says why', () => {
		const messageOf = (token: unknown, now = NOW) => {
			const result = verifyAckToken(token, SECRET, now);
			return result.ok ? '' : result.message;
		};
		try {
			parseAckToken('nothing', SECRET, NOW);
		} catch (error) {
			expect(error).toMatchObject({ name: 'AckTokenError', reason: 'malformed' });
		}
		expect.assertions(13);
		expect(messageOf(undefined)).toMatch(/No token/);
		expect(messageOf('')).toMatch(/No token/);
		expect(messageOf('otdp2..abc')).toMatch(/not base64url/);
		expect(messageOf(`otdp2.${Buffer.from('"text"').toString('base64url')}.abc`)).toMatch(/payload is not an object/);
		expect(messageOf(`otdp2.${Buffer.from('{').toString('base64url')}.abc`)).toMatch(/payload is not JSON/);
		expect(messageOf(`otdp2.${Buffer.from('{}').toString('base64url')}.abc`)).toMatch(/lacks its claims/);
		const token = sign();
		expect(messageOf(`${token.slice(0, -3)}AAA`)).toMatch(/altered after it was signed/);
		expect(messageOf(resigned(token, SECRET, (claims) => JSON.stringify({ ...claims, u: '' })))).toMatch(
			/invalid notice or user ID/,
		);
		expect(messageOf('x'.repeat(3000))).toMatch(/too long/);
		expect(messageOf('a.b')).toMatch(/not an acknowledgment token/);
		expect(messageOf(sign({}, PREVIOUS))).toMatch(/not signed with this webhook's secret/);
		expect(messageOf(sign({ ttlSeconds: 5 }), at(5))).toMatch(/expired at 2026-11-26T10:00:05\.000Z/);
	});
});

describe('links and data fields', () => {
	test('the expiry shown to the app is the token expiry, in whole seconds', () => {
		const data = acknowledgmentData({
			secret: SECRET,
			webhookUrl: 'http://localhost:5678/webhook/ack',
			noticeId: 'notice-7',
			userId: 'jdoe',
			ttlSeconds: 90,
			now: new Date(NOW.getTime() + 750),
		});
		const claims = parseAckToken(data.ackToken, SECRET, NOW);
		expect(data.ackExpiresAt).toBe(new Date(claims.expiresAt * 1000).toISOString());
		expect(data.ackExpiresAt).toBe('2026-11-26T10:01:30.000Z');
		// The link carries a token of its own: it may only report `acknowledged`, the app's token also `read`.
		const linkClaims = parseAckToken(new URL(data.ackUrl).searchParams.get('token'), SECRET, NOW);
		expect(linkClaims).toMatchObject({ noticeId: 'notice-7', userId: 'jdoe', expiresAt: claims.expiresAt });
		expect(linkClaims.kinds).toEqual(['acknowledged']);
		expect(data.ackUrl.startsWith('http://localhost:5678/webhook/ack?')).toBe(true);
	});

	test('a link replaces a token already in the URL, and refuses what is not an http(s) URL', () => {
		const link = acknowledgmentLink('https://example.com/ack?token=old&lang=de', 'new');
		const url = new URL(link);
		expect(url.searchParams.getAll('token')).toEqual(['new']);
		expect(url.searchParams.get('lang')).toBe('de');
		expect(() => acknowledgmentLink('not a url', 'x')).toThrow(/"not a url" is not an absolute URL/);
		expect(() => acknowledgmentLink('mailto:a@example.com', 'x')).toThrow(
			/^Acknowledgment Webhook URL must start with https/,
		);
	});
});

describe('the replay window at its edges', () => {
	const claims: AckTokenClaims = {
		noticeId: 'notice-7',
		userId: 'jdoe',
		issuedAt: NOW.getTime() / 1000,
		expiresAt: NOW.getTime() / 1000 + 60,
		nonce: 'n',
		audience: AUDIENCE,
		kinds: ['read', 'acknowledged'],
	};

	test('an entry is forgotten at its token expiry: a repeat then counts as new', () => {
		const state: ReplayState = {};
		const window = new AcknowledgmentReplayWindow(state);
		window.check(claims, 'read', NOW);
		expect(window.check(claims, 'read', new Date(at(60).getTime() - 1)).duplicate).toBe(true);
		expect(window.check(claims, 'read', at(60))).toEqual({ duplicate: false, firstSeenAt: at(60).toISOString() });
	});

	test('a repeat also drops the expired entries from the stored state', () => {
		const state: ReplayState = {};
		const window = new AcknowledgmentReplayWindow(state);
		window.check({ ...claims, userId: 'short-lived', expiresAt: NOW.getTime() / 1000 + 1 }, 'read', NOW);
		window.check(claims, 'read', NOW);
		expect(window.check(claims, 'read', at(2)).duplicate).toBe(true);
		expect(Object.keys(state.seen ?? {})).toEqual(['read|notice-7|jdoe']);
	});

	test('unreadable entries in the stored state are dropped, readable ones kept', () => {
		const state: ReplayState = {
			seen: {
				text: 'x' as unknown as [number, number],
				words: ['a', 'b'] as unknown as [number, number],
				kept: [NOW.getTime(), NOW.getTime() + 5000],
			},
		};
		new AcknowledgmentReplayWindow(state).check(claims, 'read', NOW);
		expect(Object.keys(state.seen ?? {}).sort()).toEqual(['kept', 'read|notice-7|jdoe']);
	});

	test('a window of n entries keeps exactly the n newest', () => {
		const state: ReplayState = {};
		const window = new AcknowledgmentReplayWindow(state, 2);
		for (const userId of ['a', 'b']) window.check({ ...claims, userId }, 'read', NOW);
		expect(Object.keys(state.seen ?? {})).toHaveLength(2);
		window.check({ ...claims, userId: 'c' }, 'read', NOW);
		expect(Object.keys(state.seen ?? {})).toEqual(['read|notice-7|b', 'read|notice-7|c']);
	});

	test('merging keeps the earlier first-seen time whichever side holds it, and skips unreadable entries', () => {
		const key = AcknowledgmentReplayWindow.key('notice-7', 'jdoe', 'read');
		const expiry = NOW.getTime() + 60_000;
		const state: ReplayState = { seen: { [key]: [1000, expiry] } };
		mergeReplayState(state, { seen: { [key]: [2000, expiry] } });
		expect(state.seen?.[key]).toEqual([1000, expiry]);
		mergeReplayState(state, { seen: { [key]: [500, expiry] } });
		expect(state.seen?.[key]).toEqual([500, expiry]);
		mergeReplayState(state, {
			seen: { other: ['1', expiry] as unknown as [number, number], third: [1, 'x'] as unknown as [number, number] },
		});
		expect(Object.keys(state.seen ?? {})).toEqual([key]);
		const empty: ReplayState = {};
		mergeReplayState(empty, {});
		expect(empty.seen).toEqual({});
	});
});
