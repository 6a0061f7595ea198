/**
 * Stands in for Node's events module in the ldapts bundle (see gulpfile.js). ldapts uses one emitter of its
 * own, the parser of incoming messages, which emits 'message' and 'error' to listeners added with on(); the
 * sockets it listens to are Node's and keep Node's emitter. Like Node's, emitting 'error' with no listener throws.
 */
type Listener = (...args: unknown[]) => void;

export class EventEmitter {
	private readonly listenersByEvent = new Map<string | symbol, Listener[]>();

	on(event: string | symbol, listener: Listener): this {
		this.listenersByEvent.set(event, [...(this.listenersByEvent.get(event) ?? []), listener]);
		return this;
	}

	addListener(event: string | symbol, listener: Listener): this {
		return this.on(event, listener);
	}

	once(event: string | symbol, listener: Listener): this {
		const wrapper: Listener = (...args) => {
			this.removeListener(event, wrapper);
			listener.apply(this, args);
		};
		return this.on(event, wrapper);
	}

	removeListener(event: string | symbol, listener: Listener): this {
		const listeners = this.listenersByEvent.get(event) ?? [];
		const index = listeners.lastIndexOf(listener);
		if (index >= 0) this.listenersByEvent.set(event, [...listeners.slice(0, index), ...listeners.slice(index + 1)]);
		return this;
	}

	off(event: string | symbol, listener: Listener): this {
		return this.removeListener(event, listener);
	}

	removeAllListeners(event?: string | symbol): this {
		if (event === undefined) this.listenersByEvent.clear();
		else this.listenersByEvent.delete(event);
		return this;
	}

	listenerCount(event: string | symbol): number {
		return this.listenersByEvent.get(event)?.length ?? 0;
	}

	emit(event: string | symbol, ...args: unknown[]): boolean {
		const listeners = this.listenersByEvent.get(event) ?? [];
		if (listeners.length === 0) {
			if (event === 'error')
				throw args[0] instanceof Error ? args[0] : new Error(`Unhandled error: ${String(args[0])}`);
			return false;
		}
		for (const listener of listeners) listener.apply(this, args);
		return true;
	}
}
