import { DirectoryConfigurationError } from '../../core/errors';
import { buildFcmMessage, fcmErrorCode, fcmPayloadBytes } from '../../core/push/channels/fcm';
import { parseServiceAccount } from '../../core/push/channels/fcm-auth';
import { buildMraPushRequest, smsText } from '../../core/push/channels/mra';
import { fcmPushBody, trustedServerMessage } from '../../core/push/channels/appworks';
import { idempotencyKey, messageFingerprint, messageProblem, personFromMember, PushValidationError, recipientLabel, recipientsFromAudience, validateMessage, type PushMessage } from '../../core/push/message';
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
	] as Array<[PushMessage, string]>)('%j is rejected, naming %s', (message, field) => {
		const problem = messageProblem(message);
		expect(problem).toBeInstanceOf(PushValidationError);
		expect(problem).toBeInstanceOf(DirectoryConfigurationError);
		expect(problem?.field).toBe(field);
		expect(() => validateMessage(message)).toThrow(PushValidationError);
	});

	test.each([[{ title: 'Hi' }], [{ body: 'Hi', data: { fromUser: 'a', googleish: 'b' } }], [{ silent: true, data: { k: 'v' } }], [{ title: 'x', link: 'myapp://open/1', ttlSeconds: 0 }]] as Array<[PushMessage]>)(
		'%j is accepted',
		(message) => {
			expect(messageProblem(message)).toBeUndefined();
		},
	);
});

test('fingerprints and idempotency keys are stable and distinguish what differs', () => {
	expect(messageFingerprint({ title: 'a', data: { x: '1', y: '2' } })).toBe(messageFingerprint({ data: { y: '2', x: '1' }, title: 'a' }));
	expect(messageFingerprint({ title: 'a' })).not.toBe(messageFingerprint({ title: 'b' }));
	const key = idempotencyKey('m', 'fcm', { kind: 'token', value: 't' });
	expect(key).toBe(idempotencyKey('m', 'fcm', { kind: 'token', value: 't' }));
	expect(key).not.toBe(idempotencyKey('m', 'mraPush', { kind: 'token', value: 't' }));
	expect(key).not.toBe(idempotencyKey('m2', 'fcm', { kind: 'token', value: 't' }));
});

test('recipients are labelled by user id, token, topic, condition or group; audience members convert', () => {
	const person = personFromMember({ id: 'uuid-1', login: 'jdoe', mail: 'j@x', mobile: '+1', displayName: 'J', deviceTokens: ['t'] });
	expect(person).toEqual({ kind: 'person', userId: 'uuid-1', login: 'jdoe', mail: 'j@x', mobile: '+1', displayName: 'J', deviceTokens: ['t'] });
	expect([person, { kind: 'token', token: 't' }, { kind: 'topic', topic: 'news' }, { kind: 'condition', condition: "'a' in topics" }, { kind: 'group', group: 'G' }].map((recipient) => recipientLabel(recipient as never))).toEqual([
		'uuid-1',
		't',
		'news',
		"'a' in topics",
		'G',
	]);
});

describe('FCM rendering', () => {
	test('a silent message has no notification, a background APNs push and content-available', () => {
		const built = buildFcmMessage({ silent: true, data: { k: 'v' } }, { kind: 'topic', value: 'news' });
		expect(built.topic).toBe('news');
		expect(built.notification).toBeUndefined();
		expect(built.apns).toEqual({ headers: { 'apns-priority': '5', 'apns-push-type': 'background' }, payload: { aps: { 'content-available': 1 } } });
		expect(built.android).toEqual({ priority: 'normal' });
	});

	test('a condition goes as condition; a non-https link is not a web push link', () => {
		const built = buildFcmMessage({ title: 't', link: 'myapp://x' }, { kind: 'condition', value: "'a' in topics" });
		expect(built.condition).toBe("'a' in topics");
		expect(built.webpush).toEqual({ headers: { Urgency: 'normal' } });
		expect((built.android as { notification: unknown }).notification).toEqual({ click_action: 'myapp://x' });
	});

	test('payload bytes count the notification and data in UTF-8', () => {
		const small = fcmPayloadBytes(buildFcmMessage({ title: 'é' }, { kind: 'token', value: 't' }));
		expect(small).toBe(Buffer.byteLength(JSON.stringify({ notification: { title: 'é' }, data: {} })));
	});

	test('error codes come from the FcmError detail, else the Google status', () => {
		expect(fcmErrorCode({ error: { status: 'NOT_FOUND', details: [{ errorCode: 'UNREGISTERED' }] } })).toBe('UNREGISTERED');
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
	const message: PushMessage = { title: 'T', body: 'B', link: 'https://x', data: { a: '1' }, priority: 'high', ttlSeconds: 60, collapseKey: 'c' };
	expect(buildMraPushRequest(message, [{ kind: 'token', value: 'tok' }], { app: 'x' })).toEqual({
		destinations: [{ ref: '1', device_token: 'tok' }],
		notification: { title: 'T', body: 'B', link: 'https://x' },
		data: { a: '1' },
		options: { priority: 'high', ttl_seconds: 60, collapse_key: 'c', silent: false },
		app: 'x',
	});
	expect(smsText(message)).toBe('T: B https://x');
	expect(trustedServerMessage(message)).toEqual({ type: 'notification', displayType: 'show', header: 'T', body: 'B', link: 'https://x', data: { a: '1' } });
	expect(fcmPushBody(message, ['u'], ['g'])).toMatchObject({ users: ['u'], otdsGroups: ['g'], title: 'T', summary: 'B', data: { a: '1', link: 'https://x' }, androidConfig: { priority: 'high', ttl: '60s' } });
});

test('a cached token is fetched once for concurrent callers and again after invalidation or near expiry', async () => {
	let now = 0;
	let issued = 0;
	const cache = new CachedToken(async () => ({ token: `t${++issued}`, expiresInSeconds: 120 }), 60_000, () => now);
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
			yield [{ id: `u${page}`, dn: '', login: `l${page}`, memberOf: [], status: { disabled: false, locked: false, passwordResetRequired: false }, attributes: {}, deviceTokens: [`t${page}`] }];
		}
	}
	const iterator = recipientsFromAudience(pages())[Symbol.asyncIterator]();
	const first = await iterator.next();
	expect(first.value).toEqual([{ kind: 'person', userId: 'u0', login: 'l0', deviceTokens: ['t0'], displayName: undefined, mail: undefined, mobile: undefined }]);
	expect(produced).toBe(1);
});
