/** The push emulators: FCM (fcm.ts), OpenText Cloud Messaging / MRA (mra.ts), AppWorks Gateway (appworks.ts). */
export { startFcmEmulator, googleError, type FcmEmulator, type FcmEmulatorOptions, type FcmDelivery } from './fcm';
export { startMraEmulator, type MraEmulator, type MraEmulatorOptions, type MraSubmission } from './mra';
export {
	startAppWorksEmulator,
	type AppWorksEmulator,
	type AppWorksEmulatorOptions,
	type AppWorksNotification,
} from './appworks';
export { generateTestServiceAccount, type TestServiceAccount } from './service-account';
export { IdempotencyLedger, type HttpEmulator, type ReceivedRequest } from './http-kit';
