/**
 * What the snapshot knows of password-changed stamps besides each user's 4-bit hash of it (user-record.ts).
 *
 * A 4-bit hash misses one change in 16. The stamp is a time, though, and every stamp the snapshot
 * stored is at or before the latest one it stored (`upTo`): a stamp read now that is later than that is a
 * change, whatever its hash. For the stamp `upTo` itself, the users stored with exactly that stamp are
 * kept (as 32-bit hashes of their keys): any other user read with that stamp changed. Only a stamp
 * earlier than `upTo` that was never stored (a change written in the same second as, or before, one
 * already seen, and read later; AD's stamps are finer than a second) is left to the hash, and so is a
 * second password of one user in the same second (AD excepted).
 *
 * AD's stamps were whole seconds in states written before: such an `upTo` sorts after every finer stamp of
 * its second ('.' before 'Z'), so those stamps are left to the hash until a later second is stored.
 *
 * A state written before the watermark existed has none: it is not trusted (nothing is "new" by it)
 * until a full or thin read has noted every user's stamp.
 */
import { comparableStamp } from '../change-stamps';
import { hash32 } from './hash';

export interface SerializedPasswordWatermark {
	/** The latest stored stamp (passwordStampOf), or '' when no user has one. */
	upTo: string;
	/** Base64 of the 32-bit key hashes of the users stored with that stamp. */
	atUpTo: string;
}

/** 100-nanosecond intervals between 1601-01-01 (Windows FILETIME) and 1970-01-01. */
const FILETIME_EPOCH_OFFSET = 116444736000000000n;

/** A time as whole seconds in generalized time (YYYYMMDDHHMMSSZ). */
const generalizedSecond = (millis: number): string =>
	new Date(millis)
		.toISOString()
		.replace(/[-:T]/g, '')
		.replace(/\.\d{3}Z$/, 'Z');

/** 100-nanosecond intervals in a second: a FILETIME's unit. */
const FILETIME_TICKS_PER_SECOND = 10_000_000n;

/**
 * A password-changed stamp as text that compares in time order (generalized time, YYYYMMDDHHMMSS…Z):
 * generalized time (pwdChangedTime, pwdUpdateTime) and ISO 8601 (OTDS's passwordChangedTime, in UTC) cut to their
 * second; AD's pwdLastSet (a FILETIME) to its 100 ns (YYYYMMDDHHMMSS.fffffffZ), so that two passwords set in one
 * second are two stamps. Undefined for what is not a time (absent, AD's 0 "must change at next logon").
 */
export function passwordStampOf(value: string | undefined): string | undefined {
	if (value === undefined) return undefined;
	const text = value.trim();
	if (/^\d+$/.test(text)) {
		// A FILETIME of today has 18 digits; shorter digit strings are no time this code knows.
		if (text.length < 15) return undefined;
		const ticks = BigInt(text) - FILETIME_EPOCH_OFFSET;
		const fraction = ((ticks % FILETIME_TICKS_PER_SECOND) + FILETIME_TICKS_PER_SECOND) % FILETIME_TICKS_PER_SECOND;
		const seconds = (ticks - fraction) / FILETIME_TICKS_PER_SECOND;
		return `${generalizedSecond(Number(seconds) * 1000).slice(0, -1)}.${fraction.toString().padStart(7, '0')}Z`;
	}
	if (/^\d{14}[.,Z+-]/.test(text)) return comparableStamp(text);
	// ISO 8601 (OTDS's passwordChangedTime), in UTC so that stamps of any offset compare.
	if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(text)) {
		const millis = Date.parse(text);
		return Number.isNaN(millis) ? undefined : generalizedSecond(millis);
	}
	return undefined;
}

export class PasswordWatermark {
	private constructor(
		/** False for a state written before watermarks: then it says nothing. */
		private tracking: boolean,
		private upTo: string,
		private atUpTo: Set<number>,
	) {}

	/** A watermark for a snapshot that starts empty (every stamp it will hold gets noted). */
	static fresh(): PasswordWatermark {
		return new PasswordWatermark(true, '', new Set());
	}

	/** A watermark that says nothing until every user's stamp was noted (see trackFromNow). */
	static untracked(): PasswordWatermark {
		return new PasswordWatermark(false, '', new Set());
	}

	static decode(serialized: SerializedPasswordWatermark | undefined): PasswordWatermark {
		if (serialized === undefined || typeof serialized.upTo !== 'string' || typeof serialized.atUpTo !== 'string')
			return PasswordWatermark.untracked();
		const bytes = Buffer.from(serialized.atUpTo, 'base64');
		const keys = new Set<number>();
		for (let offset = 0; offset + 4 <= bytes.length; offset += 4) keys.add(bytes.readUInt32LE(offset));
		return new PasswordWatermark(true, serialized.upTo, keys);
	}

	/** Undefined while untracked (the state then carries no watermark). */
	serialize(): SerializedPasswordWatermark | undefined {
		if (!this.tracking) return undefined;
		const bytes = Buffer.alloc(4 * this.atUpTo.size);
		let offset = 0;
		for (const key of [...this.atUpTo].sort((a, b) => a - b)) offset = bytes.writeUInt32LE(key, offset);
		return { upTo: this.upTo, atUpTo: bytes.toString('base64') };
	}

	clone(): PasswordWatermark {
		return new PasswordWatermark(this.tracking, this.upTo, new Set(this.atUpTo));
	}

	/** Whether no stamp was noted (no user had one, or nothing was noted at all). */
	get empty(): boolean {
		return this.upTo === '';
	}

	/** Whether a stamp is at or after the latest one noted: only such stamps change the watermark. */
	reaches(stamp: string | undefined): boolean {
		return stamp !== undefined && stamp >= this.upTo;
	}

	/** Whether a stamp may be new without looking at the user (a cheap test for thin reads; then ask isNew). */
	mayBeNew(stamp: string | undefined): boolean {
		return this.tracking && this.reaches(stamp);
	}

	/** Whether the stamp read now for this user is certainly not the one the snapshot stored for them. */
	isNew(key: string, stamp: string | undefined): boolean {
		if (!this.mayBeNew(stamp)) return false;
		return (stamp as string) > this.upTo || !this.atUpTo.has(hash32(key));
	}

	/** Records that the snapshot now stores this stamp for this user. */
	note(key: string, stamp: string | undefined): void {
		if (stamp !== undefined && stamp > this.upTo) {
			this.upTo = stamp;
			this.atUpTo = new Set([hash32(key)]);
		} else if (stamp !== undefined && stamp === this.upTo) {
			this.atUpTo.add(hash32(key));
		} else if (this.atUpTo.size > 0) {
			this.atUpTo.delete(hash32(key));
		}
	}

	/** Takes in what another watermark noted (both hold stamps the snapshot stores). */
	absorb(other: PasswordWatermark): void {
		if (other.upTo > this.upTo) {
			this.upTo = other.upTo;
			this.atUpTo = new Set(other.atUpTo);
		} else if (other.upTo === this.upTo) {
			for (const key of other.atUpTo) this.atUpTo.add(key);
		}
	}

	/** Every user's stamp has been noted: from now on the watermark is trusted. */
	trackFromNow(): void {
		this.tracking = true;
	}
}
