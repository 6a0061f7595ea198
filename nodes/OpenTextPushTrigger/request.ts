/**
 * What the acknowledgment webhook does with one request, free of n8n: checks it (400), verifies the signed
 * token with the current or previous secret (401 forged or tampered, 410 expired, 403 made for another webhook
 * or not allowing the kind reported), shows the confirmation page
 * for a link when asked to, and otherwise records the acknowledgment once (repeats are answered as such). The
 * node reads the request and its parameters, writes the answer and emits the item.
 */
import {
	ACKNOWLEDGMENT_KINDS,
	AcknowledgmentReplayWindow,
	mergeReplayState,
	verifyAckToken,
	type AckTokenFailure,
	type AcknowledgmentKind,
	type ReplayState,
} from '../../core/push/ack-token';
import { confirmationPage, resultPage } from './pages';

export type LinkMode = 'confirmPage' | 'recordOnClick' | 'json';

/** The trigger's parameters. */
export interface AcknowledgmentSettings {
	linkMode: LinkMode;
	confirmationQuestion: string;
	thankYouText: string;
	emitDuplicates: boolean;
	replayWindowSize: number;
}

/** The parts of the HTTP request that matter. */
export interface AcknowledgmentRequest {
	method?: string;
	contentType: string;
	query: Record<string, unknown>;
	body: unknown;
}

/** What to answer: JSON for apps, a page for browsers. */
export interface WebhookAnswer {
	status: number;
	headers: Record<string, string>;
	json?: Record<string, unknown>;
	html?: string;
}

export interface AcknowledgmentOutcome {
	answer: WebhookAnswer;
	/** The item that starts the workflow, when one does. */
	item?: Record<string, unknown>;
}

/** What the handling needs from the node, asked for only once the request is well-formed. */
export interface AcknowledgmentContext {
	/** The signing secrets, the current one first. */
	secrets(): Promise<string[]>;
	/**
	 * The replay state: this process's memory (which sees a repeat arriving before n8n saved the first) and the
	 * workflow's static data, which is written with what memory holds.
	 */
	replayState(): { memory: ReplayState; saved: ReplayState };
	/** Whether a token's audience (the path of the webhook it was made for) is this webhook; see webhookAudience. */
	acceptsAudience(audience: string): boolean;
	now?: Date;
}

/**
 * The audiences a trigger accepts: n8n serves it at `/<webhook endpoint>/<webhook id>/acknowledgment` (production
 * and test differ only in the endpoint), so a token whose path ends with its own webhook id and path is for it.
 */
export function webhookAudience(
	webhookId: string | undefined,
	ownUrl: string | undefined,
): (audience: string) => boolean {
	let ownPath: string | undefined;
	try {
		ownPath = ownUrl ? new URL(ownUrl).pathname.replace(/\/+$/, '') : undefined;
	} catch {
		ownPath = undefined;
	}
	return (audience) =>
		(webhookId !== undefined && webhookId !== '' && audience.endsWith(`/${webhookId}/acknowledgment`)) ||
		(ownPath !== undefined && ownPath !== '' && audience === ownPath);
}

/** HTTP status per refusal: malformed → 400, forged or tampered → 401, expired → 410. */
const REFUSAL_STATUS: Record<AckTokenFailure, number> = {
	malformed: 400,
	forged: 401,
	tampered: 401,
	expired: 410,
	otherAudience: 403,
	kindNotAllowed: 403,
};
const REFUSAL_TITLE: Record<AckTokenFailure, string> = {
	malformed: 'This link is incomplete',
	forged: 'This link is not valid',
	tampered: 'This link is not valid',
	expired: 'This link has expired',
	otherAudience: 'This link is not for this page',
	kindNotAllowed: 'This link cannot do that',
};

const PRIVATE = { 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' };
const HTML = { ...PRIVATE, 'Content-Type': 'text/html; charset=utf-8' };

export async function handleAcknowledgment(
	request: AcknowledgmentRequest,
	settings: AcknowledgmentSettings,
	context: AcknowledgmentContext,
): Promise<AcknowledgmentOutcome> {
	const isGet = (request.method ?? 'GET').toUpperCase() === 'GET';
	// A browser: a link click, or the confirmation page's form. Apps POST JSON and get JSON.
	const wantsHtml = isGet ? settings.linkMode !== 'json' : /x-www-form-urlencoded/i.test(request.contentType);
	const answer = (status: number, json: Record<string, unknown>, title: string, text: string): WebhookAnswer =>
		wantsHtml ? { status, headers: HTML, html: resultPage(title, text) } : { status, headers: PRIVATE, json };
	const reject = (
		status: number,
		error: string,
		message: string,
		title = 'This request is not valid',
	): AcknowledgmentOutcome => ({
		answer: answer(status, { status: 'rejected', error, message }, title, message),
	});

	let token: unknown;
	let kind: unknown = 'acknowledged';
	let client: unknown;
	if (isGet) {
		token = request.query.token;
		if (request.query.kind !== undefined) kind = request.query.kind;
		client = 'link';
	} else {
		const body = request.body;
		if (typeof body !== 'object' || body === null || Array.isArray(body)) {
			return reject(400, 'malformed', 'The body must be a JSON object {"token", "kind"}');
		}
		const fields = body as Record<string, unknown>;
		token = fields.token;
		if (fields.kind !== undefined) kind = fields.kind;
		client = fields.client ?? (wantsHtml ? 'link' : undefined);
	}
	if (typeof token !== 'string' || token === '') return reject(400, 'malformed', 'The token is missing');
	if (typeof kind !== 'string' || !ACKNOWLEDGMENT_KINDS.includes(kind as AcknowledgmentKind)) {
		return reject(400, 'malformed', `"kind" must be one of ${ACKNOWLEDGMENT_KINDS.join(', ')}`);
	}
	if (
		client !== undefined &&
		!(typeof client === 'string' && client.length <= 200) &&
		!(typeof client === 'object' && client !== null)
	) {
		return reject(400, 'malformed', '"client" must be a short string or an object');
	}
	if (client !== undefined && JSON.stringify(client).length > 2000)
		return reject(400, 'malformed', '"client" is too large');

	const verification = verifyAckToken(token, await context.secrets(), context.now, {
		acceptsAudience: (audience) => context.acceptsAudience(audience),
		kind: kind as AcknowledgmentKind,
	});
	if (!verification.ok) {
		return reject(
			REFUSAL_STATUS[verification.reason],
			verification.reason,
			verification.message,
			REFUSAL_TITLE[verification.reason],
		);
	}
	const claims = verification.claims;

	if (isGet && settings.linkMode === 'confirmPage') {
		return {
			answer: { status: 200, headers: HTML, html: confirmationPage(token, kind, settings.confirmationQuestion) },
		};
	}

	// From here to the end of check() nothing awaits: within this n8n process, concurrent repeats are serialised.
	const { memory, saved } = context.replayState();
	mergeReplayState(memory, saved);
	const seen = new AcknowledgmentReplayWindow(memory, settings.replayWindowSize).check(
		claims,
		kind as AcknowledgmentKind,
		context.now,
	);
	saved.seen = { ...memory.seen };
	const summary = { noticeId: claims.noticeId, kind, at: seen.firstSeenAt };
	if (seen.duplicate && !settings.emitDuplicates)
		return { answer: answer(200, { status: 'duplicate', ...summary }, 'Already recorded', settings.thankYouText) };
	const item: Record<string, unknown> = {
		noticeId: claims.noticeId,
		userId: claims.userId,
		kind,
		at: (context.now ?? new Date()).toISOString(),
		client: client ?? null,
		tokenExpiresAt: new Date(claims.expiresAt * 1000).toISOString(),
	};
	if (seen.duplicate) {
		item.duplicate = true;
		item.firstAt = seen.firstSeenAt;
		return {
			answer: answer(200, { status: 'duplicate', ...summary }, 'Already recorded', settings.thankYouText),
			item,
		};
	}
	return { answer: answer(200, { status: 'recorded', ...summary }, 'Recorded', settings.thankYouText), item };
}
