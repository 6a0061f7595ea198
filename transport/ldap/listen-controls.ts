/**
 * The controls of the three ways a directory announces changes to a search that stays open, as requests
 * (ldapts controls, written into the search request) and as the values the server answers with (decoded
 * here, because ldapts drops the controls of search entries and knows no intermediate responses).
 *
 * - RFC 4533 content synchronisation (OpenLDAP's syncprov): Sync Request, Sync State on each entry, Sync
 *   Info intermediate responses.
 * - Persistent search (draft-ietf-ldapext-psearch; 389 DS, OpenDJ): its request control and the Entry Change
 *   Notification on each entry.
 * - Active Directory's change notification (LDAP_SERVER_NOTIFICATION_OID): a request control without value;
 *   each changed object comes back as a search entry.
 */
import { BER, BerReader, berBoolean, berEnumerated, berInteger, berOctetString, berSequence } from './ber';
import { Control } from './ldapts';

export const LISTEN_OIDS = {
	syncRequest: '1.3.6.1.4.1.4203.1.9.1.1',
	syncState: '1.3.6.1.4.1.4203.1.9.1.2',
	syncDone: '1.3.6.1.4.1.4203.1.9.1.3',
	syncInfo: '1.3.6.1.4.1.4203.1.9.1.4',
	persistentSearch: '2.16.840.1.113730.3.4.3',
	entryChangeNotification: '2.16.840.1.113730.3.4.7',
	adNotification: '1.2.840.113556.1.4.528',
} as const;

/** A control as it came back from the server, its value still encoded. */
export interface ResponseControl {
	type: string;
	critical: boolean;
	value?: Buffer;
}

/** The part of asn1's BerWriter a control value needs. */
interface ControlValueWriter {
	writeBuffer(buffer: Buffer, tag: number): void;
}

/** A request control whose value is already encoded (or that has none). */
export class EncodedControl extends Control {
	constructor(
		type: string,
		private readonly encodedValue?: Buffer,
		critical = true,
	) {
		super(type, { critical });
	}

	protected override writeControl(writer: ControlValueWriter): void {
		if (this.encodedValue !== undefined) writer.writeBuffer(this.encodedValue, BER.OCTET_STRING);
	}
}

/** RFC 4533 Sync Request, mode refreshAndPersist (3); the cookie says where a previous session got to. */
export function syncRequestControl(cookie?: Buffer | string): Control {
	const parts = [berEnumerated(3)];
	if (cookie !== undefined) parts.push(berOctetString(cookie));
	return new EncodedControl(LISTEN_OIDS.syncRequest, berSequence(...parts));
}

/** Persistent search for every change type (add 1, delete 2, modify 4, rename 8), changes only, with notifications. */
export function persistentSearchControl(): Control {
	return new EncodedControl(
		LISTEN_OIDS.persistentSearch,
		berSequence(berInteger(1 | 2 | 4 | 8), berBoolean(true), berBoolean(true)),
	);
}

/** Active Directory's change notification: no value. */
export function adNotificationControl(): Control {
	return new EncodedControl(LISTEN_OIDS.adNotification);
}

export type SyncStateName = 'present' | 'add' | 'modify' | 'delete';
const SYNC_STATES: SyncStateName[] = ['present', 'add', 'modify', 'delete'];

/** RFC 4533 Sync State control of a search entry. */
export interface SyncState {
	state: SyncStateName;
	entryUUID: Buffer;
	cookie?: Buffer;
}

export function decodeSyncState(value: Buffer): SyncState {
	const reader = new BerReader(value).enter(BER.SEQUENCE);
	const code = reader.integer(BER.ENUMERATED);
	const state = SYNC_STATES[code];
	if (state === undefined) throw new RangeError(`unknown sync state ${code}`);
	const entryUUID = reader.bytesOf();
	const cookie = reader.peekTag() === BER.OCTET_STRING ? reader.bytesOf() : undefined;
	return { state, entryUUID, cookie };
}

/** RFC 4533 Sync Info message (an intermediate response): a new cookie, or the end of a refresh phase. */
export interface SyncInfo {
	kind: 'newCookie' | 'refreshDelete' | 'refreshPresent' | 'syncIdSet';
	cookie?: Buffer;
	/** refreshDelete / refreshPresent: whether the refresh phase is over (the persist phase begins). */
	refreshDone?: boolean;
}

const NEW_COOKIE = 0x80;
const REFRESH_DELETE = 0xa1;
const REFRESH_PRESENT = 0xa2;
const SYNC_ID_SET = 0xa3;

export function decodeSyncInfo(value: Buffer): SyncInfo {
	const outer = new BerReader(value);
	const tag = outer.peekTag();
	if (tag === NEW_COOKIE) return { kind: 'newCookie', cookie: outer.bytesOf(NEW_COOKIE) };
	if (tag === REFRESH_DELETE || tag === REFRESH_PRESENT) {
		const reader = outer.enter(tag);
		const cookie = reader.peekTag() === BER.OCTET_STRING ? reader.bytesOf() : undefined;
		const refreshDone = reader.peekTag() === BER.BOOLEAN ? reader.boolean() : true;
		return { kind: tag === REFRESH_DELETE ? 'refreshDelete' : 'refreshPresent', cookie, refreshDone };
	}
	if (tag === SYNC_ID_SET) {
		const reader = outer.enter(tag);
		const cookie = reader.peekTag() === BER.OCTET_STRING ? reader.bytesOf() : undefined;
		return { kind: 'syncIdSet', cookie };
	}
	throw new RangeError(`unknown sync info choice 0x${(tag ?? 0).toString(16)}`);
}

export type EntryChangeType = 'add' | 'delete' | 'modify' | 'rename';
const CHANGE_TYPES: Record<number, EntryChangeType> = { 1: 'add', 2: 'delete', 4: 'modify', 8: 'rename' };

/** Entry Change Notification of a persistent search's entry. */
export interface EntryChange {
	changeType: EntryChangeType;
	previousDN?: string;
	changeNumber?: number;
}

export function decodeEntryChange(value: Buffer): EntryChange {
	const reader = new BerReader(value).enter(BER.SEQUENCE);
	const code = reader.integer(BER.ENUMERATED);
	const changeType = CHANGE_TYPES[code];
	if (changeType === undefined) throw new RangeError(`unknown change type ${code}`);
	const previousDN = reader.peekTag() === BER.OCTET_STRING ? reader.string() : undefined;
	const changeNumber = reader.peekTag() === BER.INTEGER ? reader.integer() : undefined;
	return { changeType, previousDN, changeNumber };
}
