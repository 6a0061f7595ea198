/**
 * Wiring for code that talks to the emulator from outside n8n (tests, demos, benchmarks): an axios
 * transport, OTDS sign-in with renewal, and an OtdsDirectory on top.
 */
import {
	OtdsAuthenticatingTransport,
	type AuthenticatingTransportOptions,
} from '../../core/otds/authenticating-transport';
import type { OtdsAuthSettings } from '../../core/otds/auth';
import { OtdsDirectory, type OtdsDirectoryOptions } from '../../core/otds/directory';
import { createAxiosTransport, type AxiosTransport } from '../../tools/http/axios-transport';
import type { OtdsEmulator } from './server';

export interface EmulatorClient {
	raw: AxiosTransport;
	transport: OtdsAuthenticatingTransport;
	directory: OtdsDirectory;
	close(): void;
}

export interface EmulatorClientOptions extends Partial<OtdsDirectoryOptions> {
	/** Default: the emulator's administrator with a ticket. */
	auth?: OtdsAuthSettings;
	authOptions?: AuthenticatingTransportOptions;
}

export function connectToEmulator(emulator: OtdsEmulator, options: EmulatorClientOptions = {}): EmulatorClient {
	const { auth, authOptions, ...directoryOptions } = options;
	const raw = createAxiosTransport({ timeoutMs: 10_000 });
	const settings: OtdsAuthSettings = auth ?? {
		method: 'ticket',
		baseUrl: emulator.url,
		userName: emulator.adminUser,
		password: emulator.adminPassword,
	};
	const transport = new OtdsAuthenticatingTransport(raw, settings, authOptions);
	const directory = new OtdsDirectory(transport, {
		baseUrl: emulator.url,
		partition: emulator.store.partition,
		retry: { baseDelayMs: 20, maxDelayMs: 200 },
		...directoryOptions,
	});
	return { raw, transport, directory, close: () => raw.close() };
}
