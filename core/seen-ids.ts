/**
 * A set of texts (person ids, DNs) kept as 96-bit hashes in one typed array: what an audience keeps to return each
 * person once, however many people it has. A Set of a million id strings holds each string and an entry for it,
 * 149 bytes per 36-character id (measured), and a million objects for the collector to walk; here it is one array
 * of 12-byte slots kept between a quarter and half full: 24 to 48 bytes per person, nothing for the collector.
 *
 * The price of keeping hashes, not texts: two different texts with the same hash count as one, and the second
 * person would be skipped (or an intersection keep a person it should not). Among n texts that happens with a
 * probability of about n² / 2⁹⁷: 6 in 10¹⁸ for a million people. 64 bits (8 bytes less a slot) made it 3 in 100
 * million for a million people, a person left out of a message now and then across many sends: not kept.
 */

/** Slots the table starts with (a power of two). */
const INITIAL_SLOTS = 1024;

export class SeenIds {
	/** Slot i holds a hash's three words at 3i, 3i + 1 and 3i + 2 (the low word last); a low word of 0 is an empty slot. */
	private slots = new Uint32Array(3 * INITIAL_SLOTS);
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
		const middle = hashMiddle(text);
		const low = hashLow(text);
		for (let slot = low & this.mask; ; slot = (slot + 1) & this.mask) {
			const at = 3 * slot;
			if (this.slots[at] === high && this.slots[at + 1] === middle && this.slots[at + 2] === low) return true;
			if (this.slots[at + 2] === 0) return false;
		}
	}

	/** Adds the text; false when it was there already. */
	add(text: string): boolean {
		if (2 * (this.count + 1) > this.mask + 1) this.grow();
		const added = insert(this.slots, this.mask, hashHigh(text), hashMiddle(text), hashLow(text));
		if (added) this.count++;
		return added;
	}

	private grow(): void {
		const old = this.slots;
		const slots = new Uint32Array(2 * old.length);
		const mask = slots.length / 3 - 1;
		for (let at = 0; at < old.length; at += 3) {
			if (old[at + 2] !== 0) insert(slots, mask, old[at], old[at + 1], old[at + 2]);
		}
		this.slots = slots;
		this.mask = mask;
	}
}

/** Puts a hash in its slot (linear probing); false when it is there already. */
function insert(slots: Uint32Array, mask: number, high: number, middle: number, low: number): boolean {
	for (let slot = low & mask; ; slot = (slot + 1) & mask) {
		const at = 3 * slot;
		if (slots[at] === high && slots[at + 1] === middle && slots[at + 2] === low) return false;
		if (slots[at + 2] === 0) {
			slots[at] = high;
			slots[at + 1] = middle;
			slots[at + 2] = low;
			return true;
		}
	}
}

const hashHigh = (text: string) => murmur32(text, 0x9747b28c);
const hashMiddle = (text: string) => murmur32(text, 0x3c6ef372);
/** Never 0: a slot whose low word is 0 is empty (0 is taken as 1). */
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
