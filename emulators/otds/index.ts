/** The OTDS REST emulator: see server.ts (start), store.ts (state and admin API), faults.ts, admin.ts (HTTP admin API). */
export { startOtdsEmulator, type OtdsEmulator, type OtdsEmulatorOptions } from './server';
export { OtdsStore, type StoreOptions, type NewUser, type NewGroup } from './store';
export { Faults, type FaultMatch } from './faults';
export type { OAuthClient } from './auth';
export type { RequestLogEntry } from './admin';
export { createdAtOf } from './seed';
export { connectToEmulator, type EmulatorClient, type EmulatorClientOptions } from './client-kit';
