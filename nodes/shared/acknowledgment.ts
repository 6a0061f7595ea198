import type { ICredentialDataDecryptedObject, INodeCredentialTestResult } from 'n8n-workflow';

import { signAckToken, verifyAckToken } from '../../core/push/ack-token';

/**
 * The signing secrets of an `openTextPushAcknowledgmentApi` credential: the current one always first (even when
 * empty, so an error names the right field), then the previous one when set.
 */
export function acknowledgmentSecrets(credential: ICredentialDataDecryptedObject): string[] {
	const [current, previous] = [credential.signingSecret, credential.previousSigningSecret].map((value) =>
		typeof value === 'string' ? value.trim() : '',
	);
	return previous === '' ? [current] : [current, previous];
}

/** The credential test of `openTextPushAcknowledgmentApi`: the secret signs and verifies a link. */
export function testAcknowledgmentSecret(credential: ICredentialDataDecryptedObject): INodeCredentialTestResult {
	try {
		const secrets = acknowledgmentSecrets(credential);
		const token = signAckToken(secrets[0] ?? '', {
			noticeId: 'credential-test',
			userId: 'test',
			ttlSeconds: 60,
			audience: '/credential-test',
		});
		const result = verifyAckToken(token, secrets);
		if (!result.ok) return { status: 'Error', message: result.message };
		return { status: 'OK', message: 'The secret signs and verifies acknowledgment links' };
	} catch (error) {
		return { status: 'Error', message: error instanceof Error ? error.message : String(error) };
	}
}
