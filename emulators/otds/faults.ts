/**
 * Faults a test can switch on while the emulator runs: slowness, refusals (429 with Retry-After),
 * server errors (500/503), dropped connections (before or after the request is carried out), and
 * expiring every ticket at once.
 * Faults apply to /otdsws/... requests only, never to the /__emulator admin routes.
 */

/** Which requests a fault applies to; all when empty. */
export interface FaultMatch {
	method?: string;
	/** A substring of, or a pattern for, the request path (e.g. '/rest/users'). */
	path?: string | RegExp;
	/** Let this many matching requests through first (a failure in the middle of a listing: `after: 1`). */
	after?: number;
}

export interface FaultAction {
	/**
	 * status: answer with it instead; drop: close before handling; dropResponse: handle, then close without
	 * answering; stall: hold the request `holdMs` without handling it, then close (a client timeout before the
	 * service accepted it); stallResponse: handle, hold `holdMs`, then close (a timeout after it was accepted).
	 * The stalls are served by the push emulators (emulators/push/http-kit.ts).
	 */
	kind: 'status' | 'drop' | 'dropResponse' | 'stall' | 'stallResponse';
	status?: number;
	retryAfter?: string;
	holdMs?: number;
}

/** Faults drawn at random: each matching request meets one of `actions` with probability `rate`. */
interface RandomFaults {
	rate: number;
	actions: FaultAction[];
	random: () => number;
	match: FaultMatch;
}

interface Rule extends FaultAction {
	remaining: number;
	/** Matching requests still to let through before the fault applies. */
	passes: number;
	match: FaultMatch;
}

export class Faults {
	/** Added before every matching answer. */
	latencyMs = 0;
	private rules: Rule[] = [];
	private randomFaults: RandomFaults | undefined;

	constructor(private readonly expireTickets: () => void) {}

	setLatency(ms: number): this {
		this.latencyMs = Math.max(0, ms);
		return this;
	}

	/** The next `count` matching requests get 429 with `Retry-After: <seconds>` (null: without the header). */
	rateLimitNext(count: number, retryAfterSeconds: number | null = 1, match: FaultMatch = {}): this {
		return this.add(
			{ kind: 'status', status: 429, retryAfter: retryAfterSeconds === null ? undefined : String(retryAfterSeconds) },
			count,
			match,
		);
	}

	/** The next `count` matching requests get `status` (500 or 503, say), optionally with Retry-After. */
	failNext(count: number, status = 503, options: FaultMatch & { retryAfterSeconds?: number } = {}): this {
		const { retryAfterSeconds, ...match } = options;
		return this.add(
			{ kind: 'status', status, retryAfter: retryAfterSeconds === undefined ? undefined : String(retryAfterSeconds) },
			count,
			match,
		);
	}

	/** The next `count` matching requests have their connection destroyed without an answer. */
	dropNext(count: number, match: FaultMatch = {}): this {
		return this.add({ kind: 'drop' }, count, match);
	}

	/**
	 * The next `count` matching requests are carried out, but their connection is destroyed instead of
	 * answered: the client cannot tell whether a write happened (what makes blind write retries unsafe).
	 */
	dropResponseNext(count: number, match: FaultMatch = {}): this {
		return this.add({ kind: 'dropResponse' }, count, match);
	}

	/** The next `count` matching requests are held `holdMs` unhandled, then closed: the client times out first. */
	stallNext(count: number, holdMs: number, match: FaultMatch = {}): this {
		return this.add({ kind: 'stall', holdMs }, count, match);
	}

	/** The next `count` matching requests are carried out, then held `holdMs` unanswered and closed. */
	stallResponseNext(count: number, holdMs: number, match: FaultMatch = {}): this {
		return this.add({ kind: 'stallResponse', holdMs }, count, match);
	}

	/**
	 * From now on each matching request (that no counted fault takes) meets one of `actions`, drawn with
	 * `random`, with probability `rate` (a chaos run: 0.2 and a seeded generator).
	 */
	injectRandomly(rate: number, actions: FaultAction[], random: () => number, match: FaultMatch = {}): this {
		this.randomFaults = actions.length === 0 ? undefined : { rate, actions, random, match };
		return this;
	}

	/** Every ticket and token issued so far stops working. */
	expireAllTickets(): this {
		this.expireTickets();
		return this;
	}

	/** Faults not yet used up. */
	pending(): number {
		return this.rules.reduce((sum, rule) => sum + rule.remaining, 0);
	}

	reset(): this {
		this.latencyMs = 0;
		this.rules = [];
		this.randomFaults = undefined;
		return this;
	}

	/** The fault for this request, if any, using one of its remaining count. */
	take(method: string, path: string): FaultAction | undefined {
		const rule = this.rules.find((candidate) => {
			if (candidate.remaining <= 0 || !matches(candidate.match, method, path)) return false;
			if (candidate.passes === 0) return true;
			candidate.passes--;
			return false;
		});
		if (!rule) return this.randomFault(method, path);
		rule.remaining--;
		this.rules = this.rules.filter((candidate) => candidate.remaining > 0);
		return { kind: rule.kind, status: rule.status, retryAfter: rule.retryAfter, holdMs: rule.holdMs };
	}

	private randomFault(method: string, path: string): FaultAction | undefined {
		const faults = this.randomFaults;
		if (faults === undefined || !matches(faults.match, method, path) || faults.random() >= faults.rate)
			return undefined;
		return faults.actions[Math.min(faults.actions.length - 1, Math.floor(faults.random() * faults.actions.length))];
	}

	private add(action: FaultAction, count: number, match: FaultMatch): this {
		if (count > 0) this.rules.push({ ...action, remaining: count, passes: Math.max(0, match.after ?? 0), match });
		return this;
	}
}

function matches(match: FaultMatch, method: string, path: string): boolean {
	if (match.method && match.method.toUpperCase() !== method.toUpperCase()) return false;
	if (match.path === undefined) return true;
	return typeof match.path === 'string' ? path.includes(match.path) : match.path.test(path);
}
