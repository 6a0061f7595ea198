/**
 * Active Directory: was a password really set, or did only pwdLastSet move?
 *
 * pwdLastSet becomes "now" when a password is set, and also when an administrator writes -1 to it: that
 * lifts "must change password at next logon" (or restarts a password's age) without touching the password.
 * Only the replication metadata tells the two apart. A password set writes unicodePwd (the password) and
 * pwdLastSet in one originating update: both attributes' stamps then name the same originating DSA and USN.
 * Writing -1 gives pwdLastSet a stamp of its own, and unicodePwd keeps the one of its last set. Times are not
 * compared: the metadata keeps whole seconds, and an account made, reset and released within two seconds
 * (a script, a test) would look the same either way.
 *
 * The metadata comes from either of two attributes, asked for by name only for the few people whose
 * password looks set (about 1.5 KB each):
 * - `replPropertyMetaData`, binary: a version 1 vector of 48-byte stamps (attribute id, version, originating
 *   time, originating DSA invocation id, originating USN, local USN). Samba returns it; the layout is Samba's
 *   replPropertyMetaDataBlob. Verified on the Samba AD DC here.
 * - `msDS-ReplAttributeMetaData`, the constructed XML form Windows documents (one DS_REPL_ATTR_META_DATA
 *   document per attribute: pszAttributeName, uuidLastOriginatingDsaInvocationID, usnOriginatingChange).
 *   Samba returns none, so this form is not verified against a server.
 * Neither returned (a DC that hides them from this account): undecided, which means what it meant before this
 * check: the moved pwdLastSet counts as a password change.
 */
import { attributeValues, binaryValue } from '../entry';
import type { PasswordSetCheck } from './profile';

/** unicodePwd's and pwdLastSet's attribute ids (1.2.840.113556.1.4.90 and .96: prefix 9 of AD's fixed table). */
export const UNICODE_PWD_ATTRIBUTE_ID = 0x9005a;
export const PWD_LAST_SET_ATTRIBUTE_ID = 0x90060;

/** Which originating update last wrote an attribute: the DSA's invocation id and its USN there. */
export interface OriginatingWrite {
	invocationId: string;
	usn: string;
}

const VECTOR_HEADER_BYTES = 16;
const STAMP_BYTES = 48;

/** The originating writes of unicodePwd and pwdLastSet in the binary replPropertyMetaData; undefined when malformed. */
export function writesFromVector(
	vector: Buffer,
): { password?: OriginatingWrite; stamp?: OriginatingWrite } | undefined {
	if (vector.length < VECTOR_HEADER_BYTES || vector.readUInt32LE(0) !== 1) return undefined;
	const count = vector.readUInt32LE(8);
	if (vector.length < VECTOR_HEADER_BYTES + count * STAMP_BYTES) return undefined;
	const found: { password?: OriginatingWrite; stamp?: OriginatingWrite } = {};
	for (let index = 0; index < count; index++) {
		const offset = VECTOR_HEADER_BYTES + index * STAMP_BYTES;
		const attributeId = vector.readUInt32LE(offset);
		if (attributeId !== UNICODE_PWD_ATTRIBUTE_ID && attributeId !== PWD_LAST_SET_ATTRIBUTE_ID) continue;
		const write = {
			invocationId: vector.subarray(offset + 16, offset + 32).toString('hex'),
			usn: vector.readBigInt64LE(offset + 32).toString(),
		};
		if (attributeId === UNICODE_PWD_ATTRIBUTE_ID) found.password = write;
		else found.stamp = write;
	}
	return found;
}

const element = (document: string, name: string): string | undefined =>
	new RegExp(`<${name}>\\s*([^<]*?)\\s*</${name}>`, 'i').exec(document)?.[1];

/** The same from msDS-ReplAttributeMetaData's XML documents. */
export function writesFromXml(documents: string[]): { password?: OriginatingWrite; stamp?: OriginatingWrite } {
	const found: { password?: OriginatingWrite; stamp?: OriginatingWrite } = {};
	for (const document of documents) {
		const name = element(document, 'pszAttributeName')?.toLowerCase();
		if (name !== 'unicodepwd' && name !== 'pwdlastset') continue;
		const invocationId = element(document, 'uuidLastOriginatingDsaInvocationID');
		const usn = element(document, 'usnOriginatingChange');
		if (invocationId === undefined || usn === undefined) continue;
		const write = { invocationId: invocationId.toLowerCase(), usn };
		if (name === 'unicodepwd') found.password = write;
		else found.stamp = write;
	}
	return found;
}

export const adPasswordSetCheck: PasswordSetCheck = {
	attributes: ['replPropertyMetaData', 'msDS-ReplAttributeMetaData'],
	wasSet(entry) {
		const vector = binaryValue(entry, 'replPropertyMetaData');
		const fromVector = vector === undefined ? undefined : writesFromVector(vector);
		const { password, stamp } =
			fromVector?.password !== undefined && fromVector.stamp !== undefined
				? fromVector
				: writesFromXml(attributeValues(entry, 'msDS-ReplAttributeMetaData'));
		if (password === undefined || stamp === undefined) return undefined;
		return password.invocationId === stamp.invocationId && password.usn === stamp.usn;
	},
};
