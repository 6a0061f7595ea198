import { PositionIndex } from '../../core/changes/snapshot/position-index';

/** The Map the index replaces: the first position of each hash. */
function reference(hashes: number[]): Map<number, number> {
	const map = new Map<number, number>();
	hashes.forEach((hash, position) => {
		if (!map.has(hash)) map.set(hash, position);
	});
	return map;
}

function seeded(seed: number): () => number {
	let state = seed;
	return () => {
		state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
		return state;
	};
}

describe('PositionIndex', () => {
	it('answers the first position of every hash, as the Map it replaces, for hashes that collide, repeat, are 0 or all ones', () => {
		const next = seeded(7);
		const hashes: number[] = [];
		for (let position = 0; position < 50_000; position++) {
			const roll = next() % 10;
			// Repeats of earlier hashes, the extremes, hashes that differ only in their high or low bits, and random ones.
			if (roll === 0 && hashes.length > 0) hashes.push(hashes[next() % hashes.length]);
			else if (roll === 1) hashes.push(next() % 2 === 0 ? 0 : 0xffffffff);
			else if (roll === 2) hashes.push(((next() % 64) << 26) >>> 0);
			else if (roll === 3) hashes.push(next() % 64);
			else hashes.push(next());
		}
		const index = new PositionIndex(hashes.length, (position) => hashes[position]);
		const expected = reference(hashes);
		for (const [hash, position] of expected) expect(index.get(hash)).toBe(position);
		let absent = 0;
		for (let probe = 0; probe < 20_000; probe++) {
			const hash = next();
			if (expected.has(hash)) continue;
			absent++;
			expect(index.get(hash)).toBeUndefined();
		}
		expect(absent).toBeGreaterThan(19_000);
	});

	it('takes hashes as signed or unsigned 32-bit numbers alike', () => {
		const index = new PositionIndex(2, (position) => [-1, -2147483648][position]);
		expect(index.get(0xffffffff)).toBe(0);
		expect(index.get(-1)).toBe(0);
		expect(index.get(0x80000000)).toBe(1);
	});

	it('keeps free slots, so that a hash it does not hold is answered at once, at any count', () => {
		for (const count of [1, 16, 1024]) {
			const index = new PositionIndex(count, (position) => position * 2 + 1);
			expect(index.get(count * 2 + 1)).toBeUndefined();
			expect(index.get(0)).toBeUndefined();
			expect(index.get(count * 2 - 1)).toBe(count - 1);
		}
	}, 2000);

	it('holds nothing when there are no users', () => {
		const index = new PositionIndex(0, () => {
			throw new Error('not asked');
		});
		expect(index.get(0)).toBeUndefined();
		expect(index.get(123)).toBeUndefined();
	});
});
