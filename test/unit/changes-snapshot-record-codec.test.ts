/**
 * The text and number forms inside the snapshot's records: base 85 text is told from anything else, and the
 * readers and writers touch exactly the bytes they are asked to (records are packed side by side, so one byte
 * too many damages the next record).
 */
import {
	decodeBase85Into,
	encodeBase85,
	isBase85Text,
	readUint32,
	writeUint32,
} from '../../core/changes/snapshot/record-codec';

describe('base 85 text of the records', () => {
	const block = encodeBase85(Uint8Array.of(0xde, 0xad, 0xbe, 0xef));

	it('is whole blocks of the alphabet only', () => {
		expect(isBase85Text('')).toBe(true);
		expect(isBase85Text(block)).toBe(true);
		expect(isBase85Text(`${block}${block}`)).toBe(true);
		expect(isBase85Text(block.slice(1))).toBe(false);
		// Characters JSON or HTML would escape, and the first one past ASCII.
		for (const foreign of ['"', '\\', "'", '<', '>', '&', '`', '$', ' ', '\u0000', '\u007f', '\u0080', '\u00e9'])
			expect(isBase85Text(`${foreign}${block.slice(1)}`)).toBe(false);
	});

	it('decodes the blocks asked for into the bytes asked for, and no further', () => {
		const text = encodeBase85(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12));
		const target = new Uint8Array(12).fill(0xff);
		decodeBase85Into(text, 5, 1, target, 2);
		expect([...target]).toEqual([0xff, 0xff, 5, 6, 7, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
		decodeBase85Into(text, 0, 2, target, 4);
		expect([...target]).toEqual([0xff, 0xff, 5, 6, 1, 2, 3, 4, 5, 6, 7, 8]);
	});

	it('encodes to 5 characters per 4 bytes, the highest value included', () => {
		const bytes = Uint8Array.of(0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff);
		const text = encodeBase85(bytes);
		expect(text).toHaveLength(10);
		const back = new Uint8Array(8);
		decodeBase85Into(text, 0, 2, back, 0);
		expect(back).toEqual(bytes);
	});
});

describe('32-bit numbers in the records', () => {
	it('are written as their 4 bytes, least significant first, and nothing after them', () => {
		const bytes = new Uint8Array(10).fill(0xaa);
		writeUint32(0x12345678, bytes, 3);
		expect([...bytes]).toEqual([0xaa, 0xaa, 0xaa, 0x78, 0x56, 0x34, 0x12, 0xaa, 0xaa, 0xaa]);
		expect(readUint32(bytes, 3)).toBe(0x12345678);
		writeUint32(0xffffffff, bytes, 0);
		expect(readUint32(bytes, 0)).toBe(0xffffffff);
	});
});
