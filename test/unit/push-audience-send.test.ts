/**
 * One message to a directory audience (core/push/audience-send.ts): a summary counting every person and result,
 * the results not sent listed up to the cap and counted beyond it, pages pulled only as the dispatcher sends,
 * and the same idempotency keys on a second run.
 */
import type { AudienceMember } from '../../core/audience';
import { maxFailuresListed, sendToAudience, type AudienceSendEvent } from '../../core/push/audience-send';
import type { BatchOutcome, ChannelAddress, Delivery, PushChannel, PushRecipient } from '../../core/push/types';

/** Reaches people by login, 10 per request; logins starting with "dead" are unregistered, "bad" failed. */
class LoginChannel implements PushChannel {
	readonly name = 'appworks' as const;
	readonly maxBatchSize = 10;
	keys: string[] = [];
	addresses(recipient: PushRecipient): ChannelAddress[] {
		return recipient.kind === 'person' && recipient.login ? [{ kind: 'user', value: recipient.login }] : [];
	}
	prepare(deliveries: Delivery[]): unknown {
		return deliveries.map((delivery) => delivery.address.value);
	}
	async send(deliveries: Delivery[], _prepared: unknown, context: { idempotencyKey?: string }): Promise<BatchOutcome> {
		this.keys.push(context.idempotencyKey ?? '');
		return {
			outcomes: deliveries.map((delivery) =>
				delivery.address.value.startsWith('dead')
					? { status: 'unregistered' as const, errorCode: 'UNREGISTERED' }
					: delivery.address.value.startsWith('bad')
						? { status: 'failed' as const, errorCode: 'INVALID' }
						: { status: 'sent' as const },
			),
			attempts: 1,
		};
	}
}

function member(login: string | undefined, index: number): AudienceMember {
	return {
		id: `id-${index}`,
		login,
		attributes: {},
		status: { disabled: false },
		deviceTokens: [],
	} as unknown as AudienceMember;
}

/** `count` people in pages of `pageSize`, counting the pages handed out. */
function pages(logins: Array<string | undefined>, pageSize: number, pulled: { pages: number }) {
	return (async function* () {
		for (let start = 0; start < logins.length; start += pageSize) {
			pulled.pages++;
			yield logins.slice(start, start + pageSize).map((login, offset) => member(login, start + offset));
		}
	})();
}

async function run(source: AsyncIterable<AudienceMember[]>, channel: PushChannel, maxFailures?: number) {
	const events: AudienceSendEvent[] = [];
	for await (const event of sendToAudience(source, { title: 'Hi' }, { channels: [channel] }, maxFailures)) {
		events.push(event);
	}
	return events;
}

describe('sendToAudience', () => {
	test('one summary after the results not sent, listed up to the cap and counted beyond it', async () => {
		const logins = Array.from({ length: 95 }, (_, index) =>
			index % 10 === 3 ? `dead${index}` : index % 10 === 7 ? `bad${index}` : index === 50 ? undefined : `user${index}`,
		);
		const events = await run(pages(logins, 20, { pages: 0 }), new LoginChannel(), 5);
		const failures = events.filter((event) => 'failure' in event);
		expect(failures).toHaveLength(5);
		const last = events[events.length - 1];
		expect('summary' in last && last.summary).toMatchObject({
			people: 95,
			pages: 5,
			results: 95,
			byStatus: { sent: 95 - 10 - 9 - 1, unregistered: 10, failed: 9, skipped: 1 },
			failuresListed: 5,
			failuresNotListed: 15,
		});
		expect(events.filter((event) => 'summary' in event)).toHaveLength(1);
	});

	test('pages are pulled as the dispatcher sends, not read ahead', async () => {
		let release: () => void = () => undefined;
		const gate = new Promise<void>((resolve) => (release = resolve));
		class HeldChannel extends LoginChannel {
			override async send(deliveries: Delivery[], prepared: unknown, context: { idempotencyKey?: string }) {
				await gate;
				return super.send(deliveries, prepared, context);
			}
		}
		const pulled = { pages: 0 };
		const source = pages(
			Array.from({ length: 1000 }, (_, index) => `user${index}`),
			10,
			pulled,
		);
		const events = sendToAudience(source, { title: 'Hi' }, { channels: [new HeldChannel()], concurrency: 2 });
		const first = events.next();
		for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
		// Two requests of 10 people in flight: two pages out of a hundred.
		expect(pulled.pages).toBe(2);
		release();
		expect((await first).value).toMatchObject({ summary: { people: 1000, pages: 100, results: 1000 } });
	});

	test('a second run with the same people sends the same idempotency keys', async () => {
		const logins = Array.from({ length: 45 }, (_, index) => `user${index}`);
		const first = new LoginChannel();
		const second = new LoginChannel();
		await run(pages(logins, 7, { pages: 0 }), first);
		await run(pages(logins, 7, { pages: 0 }), second);
		expect(first.keys).toHaveLength(5);
		expect(second.keys).toEqual(first.keys);
	});

	test('Max Failures Listed: a whole number from 0 to 100,000, else an error naming the field', () => {
		expect(maxFailuresListed(undefined)).toBe(1000);
		expect(maxFailuresListed(0)).toBe(0);
		expect(maxFailuresListed('25')).toBe(25);
		for (const bad of [-1, 1.5, 'many', 100_001]) {
			expect(() => maxFailuresListed(bad)).toThrow(/^Max Failures Listed .*whole number from 0 to 100,000/);
		}
	});
});
