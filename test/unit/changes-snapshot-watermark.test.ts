/**
 * The password watermark (what the snapshot knows of password-changed stamps besides each user's one-byte hash):
 * which stamps it calls new, what it keeps through the stored state, and how two of them merge. Only its public
 * methods are used; the stored form is read back through them.
 */
import { PasswordWatermark, passwordStampOf } from '../../core/changes/snapshot/password-watermark';

const EARLY = '20261206070000Z';
const NOON = '20261206120000Z';
const LATE = '20261206180000Z';

/** A watermark written to the stored state and read back, as the next poll sees it. */
const reread = (watermark: PasswordWatermark) =>
	PasswordWatermark.decode(JSON.parse(JSON.stringify(watermark.serialize())));

describe('password-changed stamps as whole seconds', () => {
	it('generalized time and ISO 8601 cut to their second, AD FILETIME to its 100 ns; anything else is no time', () => {
		expect(passwordStampOf(' 20261206120000.123Z ')).toBe(NOON);
		expect(passwordStampOf('20261206120000Z')).toBe(NOON);
		expect(passwordStampOf('20261206120000+0100')).toBe(NOON);
		// AD's FILETIME to its 100 ns: two passwords set in one second are two stamps, in order.
		expect(passwordStampOf('134093664000000000')).toBe('20251205000000.0000000Z');
		expect(passwordStampOf('134093664009999999')).toBe('20251205000000.9999999Z');
		expect(passwordStampOf('134093664000000001')).toBe('20251205000000.0000001Z');
		expect(passwordStampOf('134093664010000000')).toBe('20251205000001.0000000Z');
		for (const value of [undefined, '0', '12345678901234', 'yesterday', '2026120612000Z', '20261206120000'])
			expect(passwordStampOf(value)).toBeUndefined();
		expect(passwordStampOf('100000000000000')).toBe('16010426174640.0000000Z');
		// Before 1970 the fraction still counts up within its second.
		expect(passwordStampOf('116444735999999999')).toBe('19691231235959.9999999Z');
		expect(passwordStampOf('20261206120000,5Z')).toBe(NOON);
		expect(passwordStampOf('20261206120000-0500')).toBe(NOON);
		expect(passwordStampOf(' 134093664000000000\n')).toBe('20251205000000.0000000Z');
		// ISO 8601 (OTDS's passwordChangedTime): in UTC, whatever its offset, cut to its second.
		expect(passwordStampOf('2026-12-06T12:00:00Z')).toBe(NOON);
		expect(passwordStampOf('2026-12-06T12:00:00.999Z')).toBe(NOON);
		expect(passwordStampOf('2026-12-06T13:00:00+01:00')).toBe(NOON);
		expect(passwordStampOf('2026-12-06T07:00:00-05:00')).toBe(NOON);
		// An extended year (+002026-…) is a time to Date.parse, not a stamp of a directory: no time.
		for (const value of [
			'2026-12-06',
			'2026-13-45T99:00:00Z',
			'2026-12-06 12:00:00Z',
			'x2026-12-06T12:00:00Z',
			'+002026-12-06T12:00:00Z',
		])
			expect(passwordStampOf(value)).toBeUndefined();
		// A time must start the value and be followed by a fraction, a zone or Z.
		for (const value of [
			'x20261206120000Z',
			'T20261206120000.5Z',
			'2026120612000aZ',
			'20261206120000x',
			'20261206120000 Z',
		])
			expect(passwordStampOf(value)).toBeUndefined();
	});
});

describe('the password watermark', () => {
	it("an AD user's second password in the same second is new, read after the first was stored", () => {
		const first = passwordStampOf('134093664001000000');
		const second = passwordStampOf('134093664008000000');
		const watermark = PasswordWatermark.fresh();
		watermark.note('alice', first);
		const stored = reread(watermark);
		expect(stored.isNew('alice', first)).toBe(false);
		expect(stored.isNew('alice', second)).toBe(true);
	});

	it("a state that stored AD's stamps as whole seconds: finer stamps of that second are no news, later ones are", () => {
		const watermark = PasswordWatermark.decode({ upTo: '20251205000000Z', atUpTo: '' });
		watermark.note('alice', '20251205000000Z');
		const stored = reread(watermark);
		// The same password read again (now to its 100 ns): not a change by the watermark (the hash decides).
		expect(stored.isNew('alice', passwordStampOf('134093664005000000'))).toBe(false);
		expect(stored.isNew('bob', passwordStampOf('134093664005000000'))).toBe(false);
		expect(stored.isNew('alice', passwordStampOf('134093664010000000'))).toBe(true);
	});

	it('is empty until a stamp is noted, also read back; a user without a stamp leaves it empty', () => {
		const watermark = PasswordWatermark.fresh();
		expect(watermark.empty).toBe(true);
		watermark.note('alice', undefined);
		expect(watermark.empty).toBe(true);
		expect(reread(watermark).empty).toBe(true);
		watermark.note('bob', NOON);
		expect(watermark.empty).toBe(false);
		expect(reread(watermark).empty).toBe(false);
		expect(PasswordWatermark.untracked().empty).toBe(true);
	});

	it('a later stamp is new for anyone; at the latest second, only for users not stored with it; earlier, never', () => {
		const watermark = PasswordWatermark.fresh();
		watermark.note('alice', NOON);
		expect(watermark.isNew('alice', NOON)).toBe(false);
		expect(watermark.isNew('bob', NOON)).toBe(true);
		expect(watermark.isNew('alice', LATE)).toBe(true);
		expect(watermark.isNew('bob', EARLY)).toBe(false);
		expect(watermark.isNew('bob', undefined)).toBe(false);
		watermark.note('bob', NOON);
		expect(watermark.isNew('bob', NOON)).toBe(false);
		expect(watermark.reaches(NOON)).toBe(true);
		expect(watermark.reaches(EARLY)).toBe(false);
		expect(watermark.reaches(undefined)).toBe(false);
	});

	it('a later stamp moves it: only that user is stored at the new second; one noted earlier leaves the latest second', () => {
		const watermark = PasswordWatermark.fresh();
		watermark.note('alice', NOON);
		watermark.note('bob', NOON);
		watermark.note('bob', LATE);
		expect(watermark.isNew('bob', LATE)).toBe(false);
		expect(watermark.isNew('alice', LATE)).toBe(true);
		expect(watermark.isNew('alice', NOON)).toBe(false);
		watermark.note('bob', EARLY);
		expect(watermark.isNew('bob', LATE)).toBe(true);
		watermark.note('carol', undefined);
		expect(watermark.isNew('carol', LATE)).toBe(true);
	});

	it('kept through the stored state; a state without one trusts nothing until every stamp was noted', () => {
		const watermark = PasswordWatermark.fresh();
		watermark.note('alice', NOON);
		watermark.note('bob', NOON);
		const stored = reread(watermark);
		expect(stored.isNew('alice', NOON)).toBe(false);
		expect(stored.isNew('bob', NOON)).toBe(false);
		expect(stored.isNew('carol', NOON)).toBe(true);
		expect(stored.isNew('carol', LATE)).toBe(true);
		expect(reread(PasswordWatermark.fresh()).mayBeNew(NOON)).toBe(true);
		for (const damaged of [undefined, { upTo: 1, atUpTo: '' }, { upTo: '', atUpTo: null }]) {
			const untrusted = PasswordWatermark.decode(damaged as never);
			expect(untrusted.mayBeNew(LATE)).toBe(false);
			expect(untrusted.isNew('alice', LATE)).toBe(false);
			expect(untrusted.serialize()).toBeUndefined();
			untrusted.note('alice', NOON);
			untrusted.trackFromNow();
			expect(untrusted.isNew('alice', NOON)).toBe(false);
			expect(untrusted.isNew('bob', NOON)).toBe(true);
			expect(untrusted.serialize()).toEqual(expect.objectContaining({ upTo: NOON }));
		}
	});

	it('the same users at the same second are stored as the same text, whatever order they were noted in', () => {
		const noted = (...keys: string[]) => {
			const watermark = PasswordWatermark.fresh();
			for (const key of keys) watermark.note(key, NOON);
			return watermark.serialize();
		};
		const stored = noted('alice', 'bob', 'carol', 'dave');
		expect(noted('dave', 'carol', 'bob', 'alice')).toEqual(stored);
		expect(noted('carol', 'alice', 'dave', 'bob')).toEqual(stored);
		expect(Buffer.from(stored?.atUpTo ?? '', 'base64')).toHaveLength(16);
	});

	it('a clone changes apart from its original', () => {
		const watermark = PasswordWatermark.fresh();
		watermark.note('alice', NOON);
		const clone = watermark.clone();
		clone.note('bob', NOON);
		clone.note('carol', LATE);
		expect(watermark.isNew('bob', NOON)).toBe(true);
		expect(watermark.isNew('carol', LATE)).toBe(true);
		expect(clone.isNew('carol', LATE)).toBe(false);
		const untracked = PasswordWatermark.untracked().clone();
		expect(untracked.mayBeNew(LATE)).toBe(false);
	});

	it('absorbing another: its later second replaces ours, the same second adds its users, an earlier one changes nothing', () => {
		const ours = () => {
			const watermark = PasswordWatermark.fresh();
			watermark.note('alice', NOON);
			return watermark;
		};
		const theirs = (stamp: string) => {
			const watermark = PasswordWatermark.fresh();
			watermark.note('bob', stamp);
			return watermark;
		};
		const later = ours();
		later.absorb(theirs(LATE));
		expect([later.isNew('bob', LATE), later.isNew('alice', LATE), later.isNew('alice', NOON)]).toEqual([
			false,
			true,
			false,
		]);
		const same = ours();
		same.absorb(theirs(NOON));
		expect([same.isNew('alice', NOON), same.isNew('bob', NOON), same.isNew('carol', NOON)]).toEqual([
			false,
			false,
			true,
		]);
		const earlier = ours();
		earlier.absorb(theirs(EARLY));
		expect([earlier.isNew('alice', NOON), earlier.isNew('bob', NOON)]).toEqual([false, true]);
	});
});
