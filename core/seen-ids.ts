/**
 * A set of texts (person ids, DNs) kept as 64-bit hashes in one typed array: what an audience keeps to return each
 * person once, however many people it has. A Set of a million id strings holds each string and an entry for it,
 * 149 bytes per 36-character id (measured), and a million objects for the collector to walk; here it is one array
 * of 8-byte slots kept between a quarter and half full: 16 to 32 bytes per person, nothing for the collector.
 *
 * The price of keeping hashes, not texts: two different texts with the same 64-bit hash count as one. Among n
 * texts that happens with a probability of about n² / 2⁶⁵: 3 in 100 million for a million people, 3 in a million for
 * ten million. An audience would then skip the second person (or an intersection keep a person it should not).
 */

/** Slots the table starts with (a power of two). */
const INITIAL_SLOTS = 1024;

export class SeenIds {
	/** Slot i holds a hash's high half at 2i and its low half at 2i + 1; 0, 0 is an empty slot. */
	private slots = new Uint32Array(2 * INITIAL_SLOTS);
	private mask = INITIAL_SLOTS - 1;
	private count = 0;

	/** How many texts were added. */
	get size(): number {
		return this.count;
	}

	/** The bytes the table takes. */
	get byteLength(): number {
		return this.slots.byteLength;
	}

	/** Whether the text was added before. */
	has(text: string): boolean {
		const high = hashHigh(text);
		const low = hashLow(text);
		for (let slot = low & this.mask; ; slot = (slot + 1) & this.mask) {
			const at = 2 * slot;
			if (this.slots[at] === high && this.slots[at + 1] === low) return true;
			if (this.slots[at] === 0 && this.slots[at + 1] === 0) return false;
		}
	}

	/** Adds the text; false when it was there already. */
	add(text: string): boolean {
		if (2 * (this.count + 1) > this.mask + 1) this.grow();
		const added = insert(this.slots, this.mask, hashHigh(text), hashLow(text));
		if (added) this.count++;
		return added;
	}

	private grow(): void {
		const old = this.slots;
		const slots = new Uint32Array(2 * old.length);
		const mask = slots.length / 2 - 1;
		for (let at = 0; at < old.length; at += 2) {
			if (old[at] !== 0 || old[at + 1] !== 0) insert(slots, mask, old[at], old[at + 1]);
		}
		this.slots = slots;
		this.mask = mask;
	}
}

/** Puts a hash in its slot (linear probing); false when it is there already. */
function insert(slots: Uint32Array, mask: number, high: number, low: number): boolean {
	for (let slot = low & mask; ; slot = (slot + 1) & mask) {
		const at = 2 * slot;
		if (slots[at] === high && slots[at + 1] === low) return false;
		if (slots[at] === 0 && slots[at + 1] === 0) {
			slots[at] = high;
			slots[at + 1] = low;
			return true;
		}
	}
}

const hashHigh = (text: string) => murmur32(text, 0x9747b28c);
/** Never 0 (with the high half 0 too it would read as an empty slot): 0 is taken as 1. */
const hashLow = (text: string) => murmur32(text, 0x5bd1e995) || 1;

/** MurmurHash3's 32-bit mix over the text's UTF-16 code units, from a seed: a seed per half. */
function murmur32(text: string, seed: number): number {
	let hash = seed;
	for (let index = 0; index < text.length; index++) {
		let code = Math.imul(text.charCodeAt(index), 0xcc9e2d51);
		code = (code << 15) | (code >>> 17);
		hash ^= Math.imul(code, 0x1b873593);
		hash = (hash << 13) | (hash >>> 19);
		hash = (Math.imul(hash, 5) + 0xe6546b64) | 0;
	}
	hash ^= text.length;
	hash ^= hash >>> 16;
	hash = Math.imul(hash, 0x85ebca6b);
	hash ^= hash >>> 13;
	hash = Math.imul(hash, 0xc2b2ae35);
	hash ^= hash >>> 16;
	return hash >>> 0;
}
