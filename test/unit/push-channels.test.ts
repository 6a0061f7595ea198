/**
 * The push node's channel registry: each channel's declared reach against what its core channels address, the
 * node's literal credentials list and package.json in step with the registry, the audience check, and the
 * AppWorks Gateway credential test through the channel's own requests.
 */
import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { APPWORKS_REACH, AppWorksChannel, type AppWorksSettings } from '../../core/push/channels/appworks';
import { FCM_REACH, FcmChannel } from '../../core/push/channels/fcm';
import { MRA_EMAIL_REACH, MRA_PUSH_REACH, MRA_SMS_REACH, MraClient } from '../../core/push/channels/mra';
import type { ChannelReach, PushChannel, PushPerson, PushRecipient, RecipientKind } from '../../core/push/types';
import type { HttpRequest, HttpResponse, HttpTransport } from '../../transport/http/types';
import { PUSH_CHANNELS, pushChannel } from '../../nodes/OpenTextPush/channels';
import { getStatusFields } from '../../nodes/OpenTextPush/descriptions/GetStatusDescription';
import { OpenTextPush } from '../../nodes/OpenTextPush/OpenTextPush.node';
import { appWorksSettings } from '../../nodes/OpenTextPush/channels/appworks';
import { checkAudience, type Audience } from '../../nodes/OpenTextPush/recipients';

/** Records requests and answers each with the next scripted response (or throws the scripted failure). */
class ScriptedTransport implements HttpTransport {
	readonly requests: HttpRequest[] = [];
	constructor(private readonly answer: () => HttpResponse) {}
	async request(request: HttpRequest): Promise<HttpResponse> {
		this.requests.push(request);
		return this.answer();
	}
}
const answering = (status: number, body: unknown = {}) => new ScriptedTransport(() => ({ status, headers: {}, body }));

const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
	.privateKey.export({ type: 'pkcs8', format: 'pem' })
	.toString();
const serviceAccount = { project_id: 'p', client_email: 'sender@p.iam.gserviceaccount.com', private_key: privateKey };
const transport = answering(200);

/** Every core channel with the reach its module declares. */
const coreChannels: Array<[string, PushChannel, ChannelReach]> = (() => {
	const mra = new MraClient(transport, {
		baseUrl: 'https://mra.example.com',
		auth: { method: 'basic', username: 'u', password: 'p' },
	});
	return [
		['fcm', new FcmChannel(transport, { serviceAccount }), FCM_REACH],
		['mraPush', mra.pushChannel(), MRA_PUSH_REACH],
		['mraSms', mra.smsChannel(), MRA_SMS_REACH],
		['mraEmail', mra.emailChannel(), MRA_EMAIL_REACH],
		[
			'appworks',
			new AppWorksChannel(transport, {
				api: 'service',
				gatewayUrl: 'https://gw.example.com',
				appName: 'app',
				appKey: 'k',
			}),
			APPWORKS_REACH,
		],
	];
})();

const personFields: Required<Omit<PushPerson, 'userId' | 'displayName'>> = {
	login: 'jdoe',
	mail: 'jdoe@example.com',
	mobile: '+15551234567',
	deviceTokens: ['tok-1'],
};
const bare: Record<Exclude<RecipientKind, 'person'>, PushRecipient> = {
	token: { kind: 'token', token: 'tok-2' },
	topic: { kind: 'topic', topic: 'news' },
	condition: { kind: 'condition', condition: "'news' in topics" },
	group: { kind: 'group', group: 'Finance' },
};

describe('each core channel reaches what it declares', () => {
	test.each(coreChannels)('%s', (_name, channel, reach) => {
		for (const [kind, recipient] of Object.entries(bare)) {
			expect([kind, channel.addresses(recipient).length > 0]).toEqual([
				kind,
				reach.kinds.includes(kind as RecipientKind),
			]);
		}
		const everything: PushRecipient = { kind: 'person', userId: 'u-1', ...personFields };
		expect(channel.addresses(everything).length > 0).toBe(reach.kinds.includes('person'));
		if (!reach.kinds.includes('person')) return;
		// A person is reached through the declared fields, and through no other.
		const nothing: PushRecipient = { kind: 'person', userId: 'u-1' };
		expect(channel.addresses(nothing)).toEqual([]);
		for (const field of Object.keys(personFields) as Array<keyof typeof personFields>) {
			const only: PushRecipient = { kind: 'person', userId: 'u-1', [field]: personFields[field] };
			expect([field, channel.addresses(only).length > 0]).toEqual([field, reach.personFields.includes(field)]);
		}
	});
});

describe('the registry and the node description agree', () => {
	const node = new OpenTextPush();
	const description = node.description;

	test('the Channel options are the registered channels, in order', () => {
		const channel = description.properties.find((property) => property.name === 'channel');
		expect(channel?.options).toEqual([
			{
				name: 'Firebase Cloud Messaging',
				value: 'fcm',
				description: 'Android, iOS and web apps, with a service account',
			},
			{
				name: 'OpenText AppWorks Gateway',
				value: 'appworks',
				description: 'AppWorks mobile clients, addressed by OTDS user and group',
			},
			{
				name: 'OpenText Cloud Messaging',
				value: 'mra',
				description: 'OpenText Notifications (MRA): push, with SMS and email fallback',
			},
		]);
		expect(PUSH_CHANNELS.map((c) => c.option.value)).toEqual(['fcm', 'appworks', 'mra']);
	});

	test("the literal credentials list names each channel's credential, shown for it and tested by its method", () => {
		for (const channel of PUSH_CHANNELS) {
			expect(description.credentials).toContainEqual({
				name: channel.credential,
				required: true,
				testedBy: channel.credentialTest,
				displayOptions: { show: { channel: [channel.option.value] } },
			});
			expect(typeof (node.methods.credentialTest as Record<string, unknown>)[channel.credentialTest]).toBe('function');
		}
		// and the acknowledgment secret, and the directory node's two credentials for Directory Audience
		expect(description.credentials).toHaveLength(PUSH_CHANNELS.length + 3);
		expect(Object.keys(node.methods.credentialTest).sort()).toEqual([
			'acknowledgmentSecretTest',
			'appWorksCredentialTest',
			'cloudMessagingCredentialTest',
			'firebaseCredentialTest',
			'ldapConnectionTest',
			'otdsConnectionTest',
		]);
	});

	test("package.json ships each channel's credential", () => {
		const root = path.resolve(__dirname, '../..');
		const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
			n8n: { credentials: string[] };
		};
		const shipped = manifest.n8n.credentials.map((entry) => {
			const file = path.join(root, entry.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
			const exported = require(file) as Record<string, new () => { name: string }>;
			return Object.values(exported).map((Type) => new Type().name);
		});
		for (const channel of PUSH_CHANNELS) expect(shipped.flat()).toContain(channel.credential);
	});

	test('Get Status: the notice for channels that keep no status, the Message ID and fields for those that do', () => {
		const shownFor = (name: string) =>
			getStatusFields.find((field) => field.name === name)?.displayOptions?.show?.channel;
		expect(shownFor('statusNotice')).toEqual(['fcm', 'appworks']);
		expect(shownFor('messageId')).toEqual(['mra']);
		expect(shownFor('statusKind')).toEqual(['mra']);
		expect(getStatusFields.map((field) => field.name)).toEqual(['statusNotice', 'messageId', 'statusKind']);
	});

	test('an unknown channel value is refused, naming the field', () => {
		expect(() => pushChannel('pager')).toThrow(/^Channel "pager"/);
	});
});

describe('the audience check, from what each channel reaches', () => {
	// What the node refused before the channels declared their reach.
	const works: Record<Audience, { channels: string[]; names: string }> = {
		items: { channels: ['fcm', 'mra', 'appworks'], names: 'every channel' },
		users: { channels: ['fcm', 'mra', 'appworks'], names: 'every channel' },
		groups: { channels: ['appworks'], names: 'OpenText AppWorks Gateway' },
		tokens: { channels: ['fcm', 'mra'], names: 'Firebase Cloud Messaging and OpenText Cloud Messaging' },
		topic: { channels: ['fcm', 'mra'], names: 'Firebase Cloud Messaging and OpenText Cloud Messaging' },
		condition: { channels: ['fcm'], names: 'Firebase Cloud Messaging' },
		directory: { channels: ['fcm', 'mra', 'appworks'], names: 'every channel' },
	};
	const cases = Object.entries(works).flatMap(([audience, allowed]) =>
		PUSH_CHANNELS.map((channel) => [audience as Audience, channel.option.value, allowed] as const),
	);

	test.each(cases)('%s on %s', (audience, value, allowed) => {
		const check = () => checkAudience(audience, pushChannel(value));
		if (allowed.channels.includes(value)) expect(check).not.toThrow();
		else
			expect(check).toThrow(
				`Audience "${audience}" works with ${allowed.names} only: choose another audience or channel`,
			);
	});
});

describe('the AppWorks Gateway credential → settings', () => {
	const credential = { gatewayUrl: 'https://gw.example.com', apiType: 'service', appName: 'My App', appKey: 'ak-1' };

	test('the service API posts to fcm-push unless the credential names the deprecated push endpoint', async () => {
		for (const [serviceEndpoint, path] of [
			[undefined, 'fcm-push'],
			['fcm-push', 'fcm-push'],
			['push', 'push'],
		] as const) {
			const settings = appWorksSettings(
				serviceEndpoint === undefined ? credential : { ...credential, serviceEndpoint },
			);
			expect(settings).toMatchObject({ api: 'service', serviceEndpoint: path });
			const sent = answering(400);
			await new AppWorksChannel(sent, settings).checkCredential();
			expect(sent.requests[0].url).toBe(`https://gw.example.com/deployments/notifications/My%20App/${path}`);
		}
	});
});

describe('the AppWorks Gateway credential test', () => {
	const service: AppWorksSettings = {
		api: 'service',
		gatewayUrl: 'https://gw.example.com/',
		appName: 'My App',
		appKey: 'ak-1',
	};
	const trusted: AppWorksSettings = {
		api: 'trustedServer',
		gatewayUrl: 'https://gw.example.com',
		trustedServerKey: 'tsk-1',
	};

	test('sends a notification with no recipients through the API of the settings', async () => {
		const serviceTransport = answering(400);
		await new AppWorksChannel(serviceTransport, service).checkCredential();
		expect(serviceTransport.requests).toEqual([
			{
				method: 'POST',
				url: 'https://gw.example.com/deployments/notifications/My%20App/fcm-push',
				headers: { otagAppKey: 'ak-1' },
				json: { broadcast: false, clientIds: [], users: [], otdsGroups: [], runtimes: [] },
				timeoutMs: 15_000,
			},
		]);
		const trustedTransport = answering(400);
		await new AppWorksChannel(trustedTransport, trusted).checkCredential();
		expect(trustedTransport.requests).toEqual([
			{
				method: 'POST',
				url: 'https://gw.example.com/gateway/v2/notifications',
				headers: {},
				form: {
					key: 'tsk-1',
					message: JSON.stringify({ type: 'credentialTest', displayType: 'none', header: '', body: '' }),
					users: '',
				},
				timeoutMs: 15_000,
			},
		]);
	});

	test.each([
		[service, 400, 'The gateway accepted the app key'],
		[service, 200, 'The gateway accepted the app key'],
		[trusted, 400, 'The gateway accepted the trusted server key'],
	])('an answer that is not a refusal accepts the key (%#)', async (settings, status, message) => {
		await expect(new AppWorksChannel(answering(status), settings).checkCredential()).resolves.toBe(message);
	});

	test.each([
		[service, 401, 'The gateway refused the app key (HTTP 401)'],
		[trusted, 401, 'The gateway refused the trusted server key (HTTP 401)'],
		[service, 403, 'The gateway does not allow this trusted server or app to send notifications (HTTP 403)'],
		[service, 404, 'Nothing answers at this Gateway URL and App Name (HTTP 404): check both'],
		[service, 503, 'The gateway failed (HTTP 503)'],
	])('a refusal or failure says what to check (%#)', async (settings, status, message) => {
		await expect(new AppWorksChannel(answering(status), settings).checkCredential()).rejects.toThrow(message);
	});

	test('no answer is explained by its network code; wrong fields are named before any request', async () => {
		const refused = new ScriptedTransport(() => {
			throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
		});
		await expect(new AppWorksChannel(refused, service).checkCredential()).rejects.toThrow(
			'Could not reach AppWorks Gateway at https://gw.example.com: ECONNREFUSED',
		);
		expect(() => new AppWorksChannel(answering(400), { ...service, appKey: '' })).toThrow(/^App Key is empty/);
		expect(() => new AppWorksChannel(answering(400), { ...trusted, gatewayUrl: 'gw' })).toThrow(/^Gateway URL must be/);
	});
});
