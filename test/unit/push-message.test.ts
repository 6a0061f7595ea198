import { ConfigurationError } from '../../core/errors';
import { buildFcmMessage, fcmErrorCode, fcmPayloadBytes } from '../../core/push/channels/fcm';
import { parseServiceAccount } from '../../core/push/channels/fcm-auth';
import { buildMraPushRequest, smsText } from '../../core/push/channels/mra';
import { fcmPushBody, trustedServerMessage } from '../../core/push/channels/appworks';
import {
	idempotencyKey,
	messageFingerprint,
	messageProblem,
	personFromMember,
	PushValidationError,
	recipientLabel,
	recipientsFromAudience,
	validateMessage,
	type PushMessage,
} from '../../core/push/message';
import type { AudienceMember } from '../../core/audience';
import { CachedToken } from '../../core/push/token-cache';

/** The message model, its validation, and how each channel renders it. */
describe('validation', () => {
	test.each([
		[{ title: '', body: '' }, 'Title'],
		[{ silent: true }, 'Data'],
		[{ title: 'x', data: { from: 'me' } }, 'Data'],
		[{ title: 'x', data: { 'google.c.a': '1' } }, 'Data'],
		[{ title: 'x', data: { 'GCM.n': '1' } }, 'Data'],
		[{ title: 'x', data: { message_type: '1' } }, 'Data'],
		[{ title: 'x', data: { count: 3 as unknown as string } }, 'Data'],
		[{ title: 'x', priority: 'urgent' as 'high' }, 'Priority'],
		[{ title: 'x', ttlSeconds: -1 }, 'Time to Live'],
		[{ title: 'x', ttlSeconds: 1.5 }, 'Time to Live'],
		[{ title: 'x', link: 'example.com/no-scheme' }, 'Link'],
		// FCM reserves every key starting with google or gcm, not only google. / gcm. (FCM's error-code page).
		[{ title: 'x', data: { googleish: '1' } }, 'Data'],
		[{ title: 'x', data: { gcmKey: '1' } }, 'Data'],
		// The Admin SDK refuses an image that is not an http(s) URL before sending.
		[{ title: 'x', image: 'myapp://picture.png' }, 'Image'],
		[{ title: 'x', image: 'https://' }, 'Image'],
		[{ title: 'x', image: 'https://cdn.example.com/a b.png' }, 'Image'],
	] as Array<[PushMessage, string]>)('%j is rejected, naming %s', (message, field) => {
		const problem = messageProblem(message);
		expect(problem).toBeInstanceOf(PushValidationError);
		expect(problem).toBeInstanceOf(ConfigurationError);
		expect(problem?.field).toBe(field);
		expect(() => validateMessage(message)).toThrow(PushValidationError);
	});

	test.each([
		[{ title: 'Hi' }],
		[{ body: 'Hi', data: { fromUser: 'a', notification: 'b' } }],
		[{ silent: true, data: { k: 'v' } }],
		[{ title: 'x', link: 'myapp://open/1', ttlSeconds: 0 }],
		// collapse_key is allowed in the data payload (FCM's error-code page).
		[{ title: 'x', data: { collapse_key: 'c' } }],
		[{ title: 'x', image: 'https://cdn.example.com/pictures/lock%201.png?size=2' }],
	] as Array<[PushMessage]>)('%j is accepted', (message) => {
		expect(messageProblem(message)).toBeUndefined();
	});
});

test('fingerprints and idempotency keys are stable and distinguish what differs', () => {
	expect(messageFingerprint({ title: 'a', data: { x: '1', y: '2' } })).toBe(
		messageFingerprint({ data: { y: '2', x: '1' }, title: 'a' }),
	);
	expect(messageFingerprint({ title: 'a' })).not.toBe(messageFingerprint({ title: 'b' }));
	const key = idempotencyKey('m', 'fcm', { kind: 'token', value: 't' });
	expect(key).toBe(idempotencyKey('m', 'fcm', { kind: 'token', value: 't' }));
	expect(key).not.toBe(idempotencyKey('m', 'mraPush', { kind: 'token', value: 't' }));
	expect(key).not.toBe(idempotencyKey('m2', 'fcm', { kind: 'token', value: 't' }));
});

test('recipients are labelled by user id, token, topic, condition or group; audience members convert', () => {
	const person = personFromMember({
		id: 'uuid-1',
		login: 'jdoe',
		mail: 'j@x',
		mobile: '+1',
		displayName: 'J',
		deviceTokens: ['t'],
	});
	expect(person).toEqual({
		kind: 'person',
		userId: 'uuid-1',
		login: 'jdoe',
		mail: 'j@x',
		mobile: '+1',
		displayName: 'J',
		deviceTokens: ['t'],
	});
	expect(
		[
			person,
			{ kind: 'token', token: 't' },
			{ kind: 'topic', topic: 'news' },
			{ kind: 'condition', condition: "'a' in topics" },
			{ kind: 'group', group: 'G' },
		].map((recipient) => recipientLabel(recipient as never)),
	).toEqual(['uuid-1', 't', 'news', "'a' in topics", 'G']);
});

describe('FCM rendering', () => {
	test('a silent message has no notification, a background APNs push and content-available', () => {
		const built = buildFcmMessage({ silent: true, data: { k: 'v' } }, { kind: 'topic', value: 'news' });
		expect(built.topic).toBe('news');
		expect(built.notification).toBeUndefined();
		expect(built.apns).toEqual({
			headers: { 'apns-priority': '5', 'apns-push-type': 'background' },
			payload: { aps: { 'content-available': 1 } },
		});
		expect(built.android).toEqual({ priority: 'normal' });
	});

	test('a condition goes as condition; a non-https link is not a web push link; the link is never an Android click_action', () => {
		const built = buildFcmMessage({ title: 't', link: 'myapp://x' }, { kind: 'condition', value: "'a' in topics" });
		expect(built.condition).toBe("'a' in topics");
		expect(built.webpush).toEqual({ headers: { Urgency: 'normal' } });
		// click_action names an intent action and opens no URL: the apps read the link from data.
		expect((built.android as { notification?: unknown }).notification).toBeUndefined();
		expect(built.data).toEqual({ link: 'myapp://x' });
		// A link of the data's own is kept.
		expect(
			buildFcmMessage({ title: 't', link: 'myapp://x', data: { link: 'mine' } }, { kind: 'token', value: 't' }).data,
		).toEqual({ link: 'mine' });
	});

	test('the collapse key goes into the Web Push Topic and the APNs collapse id only in a form they take', () => {
		const short = buildFcmMessage({ title: 't', collapseKey: 'lock_1' }, { kind: 'token', value: 't' }) as Record<
			string,
			Record<string, Record<string, string>>
		>;
		expect([short.android.collapse_key, short.webpush.headers.Topic, short.apns.headers['apns-collapse-id']]).toEqual([
			'lock_1',
			'lock_1',
			'lock_1',
		]);
		const key = 'account locked: jdoe@example.com (all devices, until an administrator unlocks it again)';
		const long = buildFcmMessage({ title: 't', collapseKey: key }, { kind: 'token', value: 't' }) as Record<
			string,
			Record<string, Record<string, string>>
		>;
		expect(long.android.collapse_key).toBe(key);
		expect(long.webpush.headers.Topic).toMatch(/^[A-Za-z0-9_-]{32}$/);
		expect(Buffer.byteLength(long.apns.headers['apns-collapse-id'])).toBeLessThanOrEqual(64);
		// The same key gives the same values, so the messages still replace each other.
		expect(buildFcmMessage({ title: 'u', collapseKey: key }, { kind: 'token', value: 'v' }).webpush).toEqual(
			long.webpush,
		);
	});

	test('payload bytes count the notification and data in UTF-8', () => {
		const small = fcmPayloadBytes(buildFcmMessage({ title: 'é' }, { kind: 'token', value: 't' }));
		expect(small).toBe(Buffer.byteLength(JSON.stringify({ notification: { title: 'é' }, data: {} })));
	});

	test('error codes come from the FcmError detail, else the Google status', () => {
		expect(fcmErrorCode({ error: { status: 'NOT_FOUND', details: [{ errorCode: 'UNREGISTERED' }] } })).toBe(
			'UNREGISTERED',
		);
		expect(fcmErrorCode({ error: { status: 'UNAVAILABLE' } })).toBe('UNAVAILABLE');
		expect(fcmErrorCode('<html>')).toBeUndefined();
	});

	test('service-account problems name the field and never quote the key', () => {
		expect(() => parseServiceAccount('{not json')).toThrow(/Service Account JSON is not a valid JSON object/);
		const secret = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC';
		const attempt = () => parseServiceAccount({ client_email: 'a@b', private_key: secret });
		expect(attempt).toThrow(/project_id/);
		try {
			attempt();
		} catch (error) {
			expect((error as Error).message).not.toContain(secret);
		}
	});
});

test('MRA and AppWorks render the same message in their own shapes', () => {
	const message: PushMessage = {
		title: 'T',
		body: 'B',
		link: 'https://x',
		data: { a: '1' },
		priority: 'high',
		ttlSeconds: 60,
		collapseKey: 'c',
	};
	expect(buildMraPushRequest(message, [{ kind: 'token', value: 'tok' }], { app: 'x' })).toEqual({
		destinations: [{ ref: '1', device_token: 'tok' }],
		notification: { title: 'T', body: 'B', link: 'https://x' },
		data: { a: '1' },
		options: { priority: 'high', ttl_seconds: 60, collapse_key: 'c', silent: false },
		app: 'x',
	});
	expect(smsText(message)).toBe('T: B https://x');
	expect(trustedServerMessage(message)).toEqual({
		type: 'notification',
		displayType: 'show',
		header: 'T',
		body: 'B',
		link: 'https://x',
		data: { a: '1' },
	});
	expect(fcmPushBody(message, ['u'], ['g'])).toMatchObject({
		users: ['u'],
		otdsGroups: ['g'],
		title: 'T',
		summary: 'B',
		data: { a: '1', link: 'https://x' },
		androidConfig: { priority: 'high', ttl: '60s' },
	});
});

test('a cached token is fetched once for concurrent callers and again after invalidation or near expiry', async () => {
	let now = 0;
	let issued = 0;
	const cache = new CachedToken(
		async () => ({ token: `t${++issued}`, expiresInSeconds: 120 }),
		60_000,
		() => now,
	);
	expect(await Promise.all([cache.get(), cache.get(), cache.get()])).toEqual(['t1', 't1', 't1']);
	now = 59_000;
	expect(await cache.get()).toBe('t1');
	now = 61_000;
	expect(await cache.get()).toBe('t2');
	cache.invalidate('other');
	expect(await cache.get()).toBe('t2');
	cache.invalidate('t2');
	expect(await cache.get()).toBe('t3');
});

test('audience pages become recipient pages one at a time', async () => {
	let produced = 0;
	async function* pages(): AsyncGenerator<AudienceMember[]> {
		for (let page = 0; page < 3; page++) {
			produced++;
			yield [
				{
					id: `u${page}`,
					dn: '',
					login: `l${page}`,
					memberOf: [],
					status: { disabled: false, locked: false, passwordResetRequired: false },
					attributes: {},
					deviceTokens: [`t${page}`],
				},
			];
		}
	}
	const iterator = recipientsFromAudience(pages())[Symbol.asyncIterator]();
	const first = await iterator.next();
	expect(first.value).toEqual([
		{
			kind: 'person',
			userId: 'u0',
			login: 'l0',
			deviceTokens: ['t0'],
			displayName: undefined,
			mail: undefined,
			mobile: undefined,
		},
	]);
	expect(produced).toBe(1);
});
