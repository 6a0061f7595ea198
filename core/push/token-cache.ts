/**
 * An access token kept until shortly before it expires, fetched once for all concurrent callers: a
 * dispatch with 50 requests in flight signs in once, not 50 times.
 */
export interface IssuedToken {
	token: string;
	/** Lifetime the server gave; default one hour when it said nothing. */
	expiresInSeconds?: number;
}

export class CachedToken {
	private current?: { token: string; expiresAt: number };
	private pending?: Promise<string>;

	/**
	 * @param issue fetches a fresh token
	 * @param marginMs renew this long before expiry, so a token does not expire on the way (default 60 s)
	 */
	constructor(
		private readonly issue: () => Promise<IssuedToken>,
		private readonly marginMs = 60_000,
		private readonly now: () => number = Date.now,
	) {}

	/** The cached token while it is good, without waiting; undefined when get() must fetch one. */
	peek(): string | undefined {
		return this.current && this.now() < this.current.expiresAt - this.marginMs ? this.current.token : undefined;
	}

	async get(): Promise<string> {
		const cached = this.peek();
		if (cached !== undefined) return cached;
		this.pending ??= this.issue()
			.then((issued) => {
				this.current = { token: issued.token, expiresAt: this.now() + (issued.expiresInSeconds ?? 3600) * 1000 };
				return issued.token;
			})
			.finally(() => {
				this.pending = undefined;
			});
		return await this.pending;
	}

	/** Forget the token (the server rejected it); the next get() fetches a new one. */
	invalidate(token?: string): void {
		if (token === undefined || this.current?.token === token) this.current = undefined;
	}
}
