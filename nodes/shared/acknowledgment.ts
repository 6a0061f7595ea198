import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

/** The signing secrets of an `openTextPushAcknowledgmentApi` credential: the current one first, then the previous one. */
export function acknowledgmentSecrets(credential: ICredentialDataDecryptedObject): string[] {
	const secrets = [credential.signingSecret, credential.previousSigningSecret]
		.map((value) => (typeof value === 'string' ? value.trim() : ''))
		.filter((value) => value !== '');
	return secrets;
}
