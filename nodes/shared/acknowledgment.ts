import type { ICredentialDataDecryptedObject, INodeCredentialTestResult } from 'n8n-workflow';

import { signAckToken, verifyAckToken } from '../../core/push/ack-token';

/** The signing secrets of an `openTextPushAcknowledgmentApi` credential: the current one first, then the previous one. */
export function acknowledgmentSecrets(credential: ICredentialDataDecryptedObject): string[] {
	const secrets = [credential.signingSecret, credential.previousSigningSecret]
		.map((value) => (typeof value === 'string' ? value.trim() : ''))
		.filter((value) => value !== '');
	return secrets;
}

/** The credential test of `openTextPushAcknowledgmentApi`: the secret signs and verifies a link. */
export function testAcknowledgmentSecret(credential: ICredentialDataDecryptedObject): INodeCredentialTestResult {
	try {
		const secrets = acknowledgmentSecrets(credential);
		const token = signAckToken(secrets[0] ?? '', { noticeId: 'credential-test', userId: 'test', ttlSeconds: 60 });
		const result = verifyAckToken(token, secrets);
		if (!result.ok) return { status: 'Error', message: result.message };
		return { status: 'OK', message: 'The secret signs and verifies acknowledgment links' };
	} catch (error) {
		return { status: 'Error', message: error instanceof Error ? error.message : String(error) };
	}
}
