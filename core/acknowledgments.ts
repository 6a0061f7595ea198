/**
 * Acknowledgment write-back: "this person acknowledged that notice", recorded on the person's own
 * directory entry, and "who in this audience has, and has not, acknowledged it". Works over any
 * DirectoryBackend and knows nothing of n8n.
 *
 * Storage: one value per acknowledged notice in a multi-valued attribute chosen by configuration:
 *
 *     <notice id>|<time>        e.g.  outage-2026-11-26|2026-11-26T10:00:00.000Z
 *
 * - notice id: 1 to 128 characters among letters, digits and `.` `_` `:` `-`, so never `|` and nothing a
 *   filter or a DN would need to escape;
 * - time: ISO 8601 in UTC with milliseconds (`Date.prototype.toISOString`), the moment of the first
 *   acknowledgment.
 * Values of other shapes in the attribute are left alone and ignored.
 *
 * Which attribute: the directory's schema must allow it on people. inetOrgPerson has no free multi-valued
 * attribute meant for this, so the package proposes an auxiliary object class `otdpRecipient` with
 * `otdpAcknowledgment` (and `otdpDeviceToken`), defined in devkit/schema/otds.schema for the tests;
 * with `auxiliaryObjectClass: 'otdpRecipient'` the store adds the class in the same modify that writes the
 * first acknowledgment (one atomic change: no person ever carries the attribute without the class). On
 * legacy OTDS, a free `oTExtraAttrN` works without any schema change.
 *
 * Idempotence: recording a notice that the person already acknowledged writes nothing and returns the
 * first time (`recorded: false`).
 *
 * Exactly once across processes, on LDAP: the first acknowledgment of a notice also adds the bare notice id
 * (`outage-2026-11-26`, ignored by every reader) in the same modify, as an exclusive add. The server applies a
 * modify whole or not at all and refuses one that adds a value already there, so of any number of writers
 * recording the same notice for the same person at once (two n8n processes handling the same acknowledgment,
 * a link click and an app's POST), exactly one modify lands; the others are refused, read again and answer
 * `recorded: false` with the winner's time. This is the guarantee a workflow can rely on whichever n8n process
 * (main, webhook processor, worker) runs it: branch on `recorded` for whatever must happen once.
 *
 * Other races, and OTDS REST: one whose write is refused because the other changed the entry first reads
 * again and finds the other's value (`recorded: false`); when both values got written, each writer re-reads,
 * keeps the earliest time and removes the others (a writer that finds them already removed is content). Either
 * way the entry converges on one value per notice. `recorded: true` is only answered for a value read back
 * after the write (on OTDS REST two writers may both see their own value before converging).
 *
 * Different notices for one person at once: on LDAP each write adds one value, so all land. OTDS REST has no
 * compare-and-set and writes an attribute's whole list, so a writer that read before another's value landed
 * replaces it. Each OTDS writer therefore reads its value back, looks again after twice its own read-and-write
 * time (by when any writer that read too early has written), and writes again when it is gone, up to
 * RECORD_ATTEMPTS times; then the record fails rather than claim a value it could not read back.
 */
import { resolveAudience, userReference, type AudienceMember, type AudienceSpec, type UserReference } from './audience';
import type { AttributeChange, DirectoryBackend } from './directory/backend';
import { ConfigurationError, RequestError } from './errors';
import { checkAttributeName } from './directory/attribute-names';
import type { DirectoryUser } from './model/directory-user';
import { signalSleep } from '../transport/http/retry';

/** Writes of one acknowledgment before giving up, when other writers keep replacing it. */
const RECORD_ATTEMPTS = 8;

export const NOTICE_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export interface AcknowledgmentOptions {
	/** The multi-valued attribute that holds the acknowledgments, e.g. otdpAcknowledgment. */
	attribute: string;
	/** An auxiliary object class to add to a person in the same modify when they lack it, e.g. otdpRecipient. */
	auxiliaryObjectClass?: string;
}

export interface AcknowledgmentResult {
	/** False when the notice had already been acknowledged: nothing was written. */
	recorded: boolean;
	/** When the person (first) acknowledged the notice, ISO 8601 UTC. */
	at: string;
	noticeId: string;
	userId: string;
	userDn: string;
}

export interface AcknowledgmentStatus {
	noticeId: string;
	acknowledged: boolean;
	/** When, if acknowledged. */
	at?: string;
	user: AudienceMember;
}

/** Checks a notice id; `field` names the editor field in the error. */
export function checkNoticeId(noticeId: string, field = 'Notice ID'): string {
	if (typeof noticeId !== 'string' || !NOTICE_ID_PATTERN.test(noticeId)) {
		throw new ConfigurationError(
			field,
			`"${String(noticeId)}" is not a valid notice ID: use 1 to 128 letters, digits and . _ : - (no spaces, no "|")`,
		);
	}
	return noticeId;
}

/** `<notice id>|<ISO time>`. */
export function formatAcknowledgment(noticeId: string, at: Date): string {
	return `${checkNoticeId(noticeId)}|${at.toISOString()}`;
}

/** Reads one stored value; undefined when it is not an acknowledgment in our format. */
export function parseAcknowledgment(value: string): { noticeId: string; at: string } | undefined {
	const separator = value.indexOf('|');
	if (separator <= 0) return undefined;
	const noticeId = value.slice(0, separator);
	const at = value.slice(separator + 1);
	if (!NOTICE_ID_PATTERN.test(noticeId) || Number.isNaN(Date.parse(at))) return undefined;
	return { noticeId, at };
}

/** The stored values of one notice, earliest first. */
function valuesFor(values: string[], noticeId: string): Array<{ value: string; at: string }> {
	return values
		.map((value) => ({ value, parsed: parseAcknowledgment(value) }))
		.filter((item) => item.parsed?.noticeId === noticeId)
		.map((item) => ({ value: item.value, at: (item.parsed as { at: string }).at }))
		.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.value.localeCompare(b.value));
}

function attributeOf(user: DirectoryUser, name: string): string[] {
	const key = Object.keys(user.attributes).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
	if (key === undefined) return [];
	const values = user.attributes[key];
	return Array.isArray(values) ? values : [values];
}

function toTime(at: Date | string | undefined): Date {
	if (at === undefined || at === '') return new Date();
	const time = at instanceof Date ? at : new Date(at);
	if (Number.isNaN(time.getTime()))
		throw new ConfigurationError(
			'Acknowledged At',
			`"${String(at)}" is not a date and time: use ISO 8601, e.g. 2026-11-26T10:00:00Z`,
		);
	return time;
}

export class AcknowledgmentStore {
	private readonly attribute: string;
	private readonly auxiliaryObjectClass?: string;

	constructor(
		private readonly backend: DirectoryBackend,
		options: AcknowledgmentOptions,
	) {
		this.attribute = checkAttributeName(options.attribute ?? '', 'Acknowledgment Attribute');
		const auxiliary = options.auxiliaryObjectClass?.trim();
		this.auxiliaryObjectClass = auxiliary ? checkAttributeName(auxiliary, 'Auxiliary Object Class') : undefined;
	}

	/**
	 * Records that the user acknowledged the notice (at `at`, default now); repeating it changes nothing.
	 * Answers `recorded: true` only when this call's value was read back from the directory.
	 */
	async record(user: UserReference | string, noticeId: string, at?: Date | string): Promise<AcknowledgmentResult> {
		checkNoticeId(noticeId);
		const when = toTime(at);
		const reference = userReference(user);
		const read = this.auxiliaryObjectClass ? [this.attribute, 'objectClass'] : [this.attribute];
		const mine = formatAcknowledgment(noticeId, when);
		// OTDS REST writes an attribute's whole value list, computed from a read: a writer who read before our value
		// landed can still replace it. LDAP adds and removes single values, which no one else's write undoes.
		const wholeListWrites = this.backend.kind !== 'ldap';
		let round = 0;
		// Whether a write of ours went through: another writer may have stored the very same value (two processes
		// handling one acknowledgment within the same millisecond), and only the one whose write landed recorded it.
		let written = false;
		for (let attempt = 1; attempt <= RECORD_ATTEMPTS; attempt++) {
			if (attempt > 1) await signalSleep(Math.random() * (2 * round + 20));
			const started = Date.now();
			const before = await this.backend.getUser(reference.key, reference.value, read);
			const result = (recorded: boolean, time: string): AcknowledgmentResult => ({
				recorded,
				at: time,
				noticeId,
				userId: before.id,
				userDn: before.dn,
			});
			const first = valuesFor(attributeOf(before, this.attribute), noticeId)[0];
			if (first) return result(written && first.value === mine, first.at);

			const changes: AttributeChange[] = [];
			const classes = attributeOf(before, 'objectClass').map((name) => name.toLowerCase());
			if (this.auxiliaryObjectClass && !classes.includes(this.auxiliaryObjectClass.toLowerCase())) {
				changes.push({ attribute: 'objectClass', action: 'add', values: [this.auxiliaryObjectClass] });
			}
			// The notice's claim, when the directory can refuse a second one (see the top of this file). An entry that
			// keeps a claim without its timed value (someone removed that one) gets the timed value alone.
			const claim = !wholeListWrites && !attributeOf(before, this.attribute).includes(noticeId);
			changes.push(
				claim
					? { attribute: this.attribute, action: 'add', values: [mine, noticeId], exclusive: true }
					: { attribute: this.attribute, action: 'add', values: [mine] },
			);
			let after: DirectoryUser;
			try {
				after = await this.backend.updateUserAttributes('dn', before.dn, changes);
				written = true;
			} catch (error) {
				// Someone changed the entry between our read and our write (e.g. added the class first): read again.
				if (error instanceof RequestError && /already exists|0x14\b/i.test(error.message)) continue;
				throw this.explainWriteFailure(error, before.dn);
			}
			round = Date.now() - started;
			// Converge after a race: keep the earliest value of this notice, remove the others.
			const stored = valuesFor(attributeOf(after, this.attribute), noticeId);
			if (stored.length > 1)
				await this.removeExtras(
					before.dn,
					stored.slice(1).map((item) => item.value),
				);
			const winner = stored[0];
			// Not read back: another writer's list replaced ours. Write it again.
			if (!winner) continue;
			if (winner.value !== mine || !wholeListWrites) return result(winner.value === mine, winner.at);
			// A writer who read before our value landed writes within about as long as our own read and write took:
			// look again after twice that, and write again if the value is gone.
			await signalSleep(2 * round + Math.random() * 20);
			const settled = valuesFor(
				attributeOf(await this.backend.getUser('dn', before.dn, [this.attribute]), this.attribute),
				noticeId,
			)[0];
			if (settled) return result(settled.value === mine, settled.at);
		}
		throw new RequestError(
			'protocol',
			`The acknowledgment of "${noticeId}" could not be read back from ${reference.value} after ${RECORD_ATTEMPTS} writes: other writers kept replacing the attribute ${this.attribute}`,
			'Run the execution again; if it keeps failing, check that nothing else rewrites the Acknowledgment Attribute',
		);
	}

	/** Removes duplicate values of a notice; another writer that removed them first is not an error. */
	private async removeExtras(dn: string, extra: string[]): Promise<void> {
		await this.backend
			.updateUserAttributes('dn', dn, [{ attribute: this.attribute, action: 'remove', values: extra }])
			.catch((error: unknown) => {
				if (error instanceof RequestError && /no such (value|attribute)|0x10\b/i.test(error.message)) return;
				throw error;
			});
	}

	/** When the user acknowledged the notice, or undefined. */
	async acknowledgedAt(user: UserReference | string, noticeId: string): Promise<string | undefined> {
		checkNoticeId(noticeId);
		const reference = userReference(user);
		const found = await this.backend.getUser(reference.key, reference.value, [this.attribute]);
		return valuesFor(attributeOf(found, this.attribute), noticeId)[0]?.at;
	}

	/**
	 * Who in the audience has (`acknowledged`), has not (`pending`) or either (`all`) acknowledged the
	 * notice, streamed in the audience's pages. The acknowledgment attribute is read with each person.
	 */
	async *list(
		noticeId: string,
		audience: AudienceSpec,
		show: 'all' | 'acknowledged' | 'pending' = 'all',
	): AsyncGenerator<AcknowledgmentStatus[]> {
		checkNoticeId(noticeId);
		const extraAttributes = [...(audience.extraAttributes ?? []), this.attribute];
		for await (const members of resolveAudience(this.backend, { ...audience, extraAttributes })) {
			const statuses: AcknowledgmentStatus[] = [];
			for (const user of members) {
				const at = valuesFor(attributeOf(user, this.attribute), noticeId)[0]?.at;
				const acknowledged = at !== undefined;
				if (show === 'acknowledged' && !acknowledged) continue;
				if (show === 'pending' && acknowledged) continue;
				statuses.push({ noticeId, acknowledged, at, user });
			}
			if (statuses.length > 0) yield statuses;
		}
	}

	/** A schema refusal becomes a configuration error that says what to change. */
	private explainWriteFailure(error: unknown, dn: string): unknown {
		if (!(error instanceof RequestError)) return error;
		if (!/not allowed|undefined attribute type|object ?class violation|0x41\b|0x11\b/i.test(error.message))
			return error;
		const suggestion = this.auxiliaryObjectClass
			? `check that the auxiliary object class ${this.auxiliaryObjectClass} is in the schema and allows ${this.attribute}`
			: `choose an attribute that the person's object classes allow, or set an auxiliary object class that allows it (e.g. otdpRecipient with otdpAcknowledgment)`;
		return new ConfigurationError(
			'Acknowledgment Attribute',
			`"${this.attribute}" cannot be written on ${dn}: ${suggestion}. The directory said: ${error.message}`,
		);
	}
}
