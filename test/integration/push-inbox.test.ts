import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import { AppWorksChannel } from '../../core/push/channels/appworks';
import { FcmChannel } from '../../core/push/channels/fcm';
import { MraClient } from '../../core/push/channels/mra';
import { dispatch } from '../../core/push/dispatcher';
import type { PushMessage } from '../../core/push/message';
import type { PushChannel, PushRecipient } from '../../core/push/types';
import { startAppWorksEmulator, type AppWorksEmulator } from '../../emulators/push/appworks';
import { startFcmEmulator, type FcmEmulator } from '../../emulators/push/fcm';
import {
	appWorksSource,
	createInbox,
	fcmSource,
	InboxPeople,
	mraSource,
	type Inbox,
	type InboxMessage,
} from '../../emulators/push/inbox';
import { startMraEmulator, type MraEmulator } from '../../emulators/push/mra';
import { createAxiosTransport, type AxiosTransport } from '../../tools/http/axios-transport';

/**
 * The demo's web inbox over the three push emulators: what the real channels send (Firebase, Cloud Messaging
 * push / SMS / email, AppWorks Gateway) shows per person, labelled with its channel and sender, and the
 * Acknowledge button follows any channel's acknowledgment link.
 */
let fcm: FcmEmulator;
let mra: MraEmulator;
let gateway: AppWorksEmulator;
let transport: AxiosTransport;
let inbox: Inbox;
let ackServer: http.Server;
const acknowledgments: unknown[] = [];
/** The directory's acknowledgment values by "person|notice", as the demo reads them from OTDS. */
const directoryRecords = new Map<string, string>();
const people = new InboxPeople();
const ann = { id: 'ann@Content Server Members', displayName: 'Ann Example' };
const bob = { id: 'bob@Content Server Members', displayName: 'Bob Example' };
const ANN: PushRecipient = {
	kind: 'person',
	userId: ann.id,
	login: ann.id,
	mobile: '+15551230001',
	mail: 'ann@example.com',
	deviceTokens: ['tok-ann'],
};
const BOB: PushRecipient = {
	kind: 'person',
	userId: bob.id,
	login: bob.id,
	mobile: '+15551230002',
	mail: 'Bob@Example.com',
	deviceTokens: [],
};

beforeAll(async () => {
	transport = createAxiosTransport({ timeoutMs: 5_000 });
	people.add(ann, { deviceTokens: ['tok-ann'], mobile: '+15551230001', mail: 'ann@example.com' });
	people.add(bob, { mobile: '+1 555 123-0002', mail: 'bob@example.com' });
	mra = await startMraEmulator();
	gateway = await startAppWorksEmulator({ users: [ann.id] });
	inbox = createInbox({
		sources: [
			fcmSource(() => fcm?.deliveries ?? []),
			mraSource(() => mra.submissions),
			appWorksSource(() => gateway.notifications),
		],
		people,
		senderOf: (delivery) => (delivery.channel === 'appworks' ? 'template 7 (group broadcasts)' : undefined),
		directoryAcknowledgment: (personId, noticeId) => directoryRecords.get(`${personId}|${noticeId}`),
	});
	fcm = await startFcmEmulator({ extraRoutes: inbox.routes });
	ackServer = http.createServer((req, res) => {
		let body = '';
		req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
		req.on('end', () => {
			acknowledgments.push(JSON.parse(body));
			res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'recorded' }));
		});
	});
	await new Promise<void>((resolve) => ackServer.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
	transport.close();
	await Promise.all([fcm.stop(), mra.stop(), gateway.stop(), new Promise((resolve) => ackServer.close(resolve))]);
});

async function send(recipients: PushRecipient[], message: PushMessage, channels: PushChannel[]): Promise<void> {
	for await (const result of dispatch(recipients, message, { channels, messageKey: `inbox-${Math.random()}` }))
		expect(`${result.status} ${result.reason ?? ''}`).toBe('sent ');
}

const mraClient = () =>
	new MraClient(transport, {
		baseUrl: mra.baseUrl,
		auth: { method: 'basic', username: mra.username, password: mra.password },
	});
const summary = (m: InboxMessage) =>
	`${m.channelLabel} | ${m.person?.displayName ?? `? ${m.addressKind}:${m.address}`} | ${m.title} | ${m.body}${m.sender ? ` | from ${m.sender}` : ''}`;

test("every channel's deliveries show per person, with the channel and, where known, the sender", async () => {
	const status: PushMessage = {
		title: 'Your account is locked',
		body: 'Unlock it yourself.',
		link: 'https://selfservice.example.com/unlock',
	};
	await send([ANN], { title: 'Welcome', body: 'Hello', data: { workflow: 'Demo: onboarding' } }, [
		new FcmChannel(transport, { serviceAccount: fcm.account.json, baseUrl: fcm.baseUrl }),
	]);
	await send([ANN, BOB], status, [mraClient().pushChannel(), mraClient().smsChannel()]);
	await send([BOB], { title: 'Your account was disabled', body: 'Call the help desk.' }, [mraClient().emailChannel()]);
	await send([ANN], { title: 'Maintenance tonight', body: 'VPN is down at 22:00.' }, [
		new AppWorksChannel(transport, {
			api: 'service',
			gatewayUrl: gateway.gatewayUrl,
			appName: 'hrapp',
			appKey: gateway.apps.hrapp,
		}),
	]);

	const messages = inbox.messages();
	expect(messages.map(summary).sort()).toEqual([
		'AppWorks | Ann Example | Maintenance tonight | VPN is down at 22:00. | from template 7 (group broadcasts)',
		'Cloud Messaging push | Ann Example | Your account is locked | Unlock it yourself.',
		'Email | Bob Example | Your account was disabled | Call the help desk.',
		'Firebase push | Ann Example | Welcome | Hello | from Demo: onboarding',
		'SMS | Bob Example |  | Your account is locked: Unlock it yourself. https://selfservice.example.com/unlock',
	]);
	expect(messages.find((m) => m.channel === 'mraPush')).toMatchObject({
		addressKind: 'token',
		address: 'tok-ann',
		link: 'https://selfservice.example.com/unlock',
	});
	expect(new Set(messages.map((m) => m.n)).size).toBe(messages.length);

	// The page reads the same through the Firebase emulator's extra routes.
	const state = (await (await fetch(`${fcm.origin}/inbox/api/state`)).json()) as { messages: InboxMessage[] };
	expect(state.messages.map((m) => m.channel).sort()).toEqual(['appworks', 'email', 'fcm', 'mraPush', 'sms']);
	const page = await (await fetch(`${fcm.origin}/inbox`)).text();
	expect(page).toContain('Cloud Messaging');
});

test('Acknowledge follows the link of a Cloud Messaging or AppWorks message as it does a Firebase one', async () => {
	const ackUrl = `http://127.0.0.1:${(ackServer.address() as AddressInfo).port}/ack`;
	await send(
		[ANN],
		{ title: 'Critical', body: 'Read and acknowledge', data: { ackUrl, ackToken: 'tok-mra', noticeId: 'n-1' } },
		[mraClient().pushChannel()],
	);
	await send(
		[ANN],
		{ title: 'Critical', body: 'Read and acknowledge', data: { ackUrl, ackToken: 'tok-aw', noticeId: 'n-1' } },
		[
			new AppWorksChannel(transport, {
				api: 'trustedServer',
				gatewayUrl: gateway.gatewayUrl,
				trustedServerKey: gateway.trustedServerKey,
			}),
		],
	);
	const critical = inbox.messages().filter((m) => m.data.ackToken);
	expect(critical.map((m) => m.channel).sort()).toEqual(['appworks', 'mraPush']);
	for (const m of critical) {
		const res = await fetch(`${fcm.origin}/inbox/api/messages/${m.n}/ack`, { method: 'POST' });
		expect(await res.json()).toMatchObject({ state: 'recorded' });
	}
	expect(acknowledgments).toEqual([
		{ token: 'tok-mra', kind: 'acknowledged', client: 'demo-inbox' },
		{ token: 'tok-aw', kind: 'acknowledged', client: 'demo-inbox' },
	]);
});

test('a message acknowledged through its link (opened elsewhere) shows the record and no Acknowledge button', async () => {
	const ackUrl = `http://127.0.0.1:${(ackServer.address() as AddressInfo).port}/ack`;
	await send(
		[ANN],
		{ title: 'Critical', body: 'Read and acknowledge', data: { ackUrl, ackToken: 'tok-link', noticeId: 'n-link' } },
		[new FcmChannel(transport, { serviceAccount: fcm.account.json, baseUrl: fcm.baseUrl })],
	);
	type Shown = InboxMessage & { acknowledgeable: boolean; directory: string | null };
	const shown = async (): Promise<Shown> => {
		const state = (await (await fetch(`${fcm.origin}/inbox/api/state`)).json()) as { messages: Shown[] };
		return state.messages.find((m) => m.data.ackToken === 'tok-link') as Shown;
	};
	expect(await shown()).toMatchObject({ acknowledgeable: true, directory: null });
	// The person opened the link in the mail app and confirmed: the Push Trigger's workflow wrote the directory.
	directoryRecords.set(`${ann.id}|n-link`, 'n-link|2026-12-06T10:00:00.000Z');
	expect(await shown()).toMatchObject({ acknowledgeable: false, directory: 'n-link|2026-12-06T10:00:00.000Z' });
	expect(acknowledgments).not.toContainEqual(expect.objectContaining({ token: 'tok-link' }));
});

test('a hire made known to the gateway later is reached by user ID; unknown addresses stay visible', async () => {
	const carol = { id: 'carol@Content Server Members', displayName: 'Carol Newhire' };
	people.add(carol, { deviceTokens: ['tok-carol'] });
	gateway.addUsers([carol.id]);
	const channel = new AppWorksChannel(transport, {
		api: 'service',
		gatewayUrl: gateway.gatewayUrl,
		appName: 'hrapp',
		appKey: gateway.apps.hrapp,
	});
	await send([{ kind: 'person', userId: carol.id, login: carol.id }], { title: 'Welcome', body: 'Hello Carol' }, [
		channel,
	]);
	await send([{ kind: 'token', token: 'tok-nobody' }], { title: 'Stray', body: 'To nobody' }, [
		mraClient().pushChannel(),
	]);
	const last = inbox.messages().slice(-2);
	expect(last.map(summary).sort()).toEqual([
		'AppWorks | Carol Newhire | Welcome | Hello Carol | from template 7 (group broadcasts)',
		'Cloud Messaging push | ? token:tok-nobody | Stray | To nobody',
	]);
});
