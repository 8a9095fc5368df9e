/** The full audit's reads of the frame table: where a run of one owner ends, in WebAssembly and in JavaScript. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tableScanInJs, tableScanOf } from '../../src/audit/table-scans.js';
import { allocateTable } from '../../src/host/frame-moves.js';
import { freeOwnerOfShard, OWNER_FREE, OWNER_HYPERVISOR, ownerIdOfGuest } from '../../src/host/owners.js';
import { ownersOf, type OwnerBits } from '../../src/messages/table-share.js';
import { assertProperty, describeSeed, propertyParams } from '../support/fc.js';

/** Owners a table holds, the extremes of each width among them (a lane compared wrongly would show there). */
const OWNERS: Record<OwnerBits, number[]> = {
  32: [OWNER_FREE, OWNER_HYPERVISOR, freeOwnerOfShard(0), freeOwnerOfShard(65_535), ownerIdOfGuest(0), ownerIdOfGuest(5), 0x7fff_ffff, -0x8000_0000],
  16: [OWNER_FREE, OWNER_HYPERVISOR, freeOwnerOfShard(0), freeOwnerOfShard(32_766), ownerIdOfGuest(0), ownerIdOfGuest(5), 0x7fff, -0x8000],
};

/** The first frame of [from, end) that is not `value`'s, in plain code: what both scans must find. */
function reference(owners: ArrayLike<number>, from: number, end: number, value: number): number {
  for (let frame = from; frame < end; frame++) if (owners[frame] !== value) return frame;
  return end;
}

/** Runs of owners, long enough to cross the steps of sixteen (or thirty-two) frames and the frames read before WebAssembly is called. */
const runsArb = (bits: OwnerBits) => fc.array(fc.record({ owner: fc.constantFrom(...OWNERS[bits]), length: fc.integer({ min: 1, max: 120 }) }), { minLength: 1, maxLength: 8 });

const params = propertyParams<[Array<{ owner: number; length: number }>, number, number, number]>('finds the first frame of another owner, as a frame-by-frame scan does', { numRuns: 400 });

describe(`table scans ${describeSeed(params.seed)}`, () => {
  it('scan a table in a WebAssembly memory there, and a table in a plain SharedArrayBuffer in JavaScript', () => {
    const share = allocateTable(100);
    expect(tableScanOf(share, ownersOf(share)).inWasm).toBe(true);
    const plain = { frames: 100, ownerBits: 32 as const, memory: null, buffer: new SharedArrayBuffer(400) };
    expect(tableScanOf(plain, ownersOf(plain)).inWasm).toBe(false);
    const narrow = allocateTable(100, 16);
    expect(tableScanOf(narrow, ownersOf(narrow)).inWasm).toBe(true);
  });

  for (const bits of [32, 16] as const)
  it(`${params.name} (${bits}-bit owners)`, () => {
    assertProperty(
      fc.property(runsArb(bits), fc.nat(), fc.nat(), fc.nat(OWNERS[bits].length - 1), (runs, a, b, pick) => {
        const frames = runs.reduce((sum, run) => sum + run.length, 0);
        const share = allocateTable(frames, bits);
        const owners = ownersOf(share);
        let at = 0;
        for (const { owner, length } of runs) {
          owners.fill(owner, at, at + length);
          at += length;
        }
        const from = Math.min(a % (frames + 1), b % (frames + 1));
        const end = Math.max(a % (frames + 1), b % (frames + 1));
        // Mostly the owner at `from`, so that runs go on; sometimes any owner.
        const value = pick % 2 === 0 && from < frames ? owners[from]! : OWNERS[bits][pick]!;
        const expected = reference(owners, from, end, value);
        expect(tableScanOf(share, owners).sameEnd(from, end, value)).toBe(expected);
        expect(tableScanInJs(owners).sameEnd(from, end, value)).toBe(expected);
        // The table is only read.
        expect(Array.from(owners)).toEqual(runs.flatMap(({ owner, length }) => Array<number>(length).fill(owner)));
      }),
      params,
    );
  });

  for (const bits of [32, 16] as const)
  it(`finds one frame of another owner anywhere in a long run of a ${bits}-bit table, at the run's end, and none in a uniform table`, () => {
    const frames = 5_000;
    const share = allocateTable(frames, bits);
    const owners = ownersOf(share);
    const scan = tableScanOf(share, owners);
    owners.fill(ownerIdOfGuest(3));
    expect(scan.sameEnd(0, frames, ownerIdOfGuest(3))).toBe(frames);
    for (const odd of [0, 1, 7, 8, 15, 16, 31, 32, 33, 47, 48, 63, 64, 65, 95, 1_000, 4_095, 4_999]) {
      owners[odd] = OWNER_FREE;
      for (const from of [0, 1, 2, 3, 17]) if (from <= odd) expect([odd, from, scan.sameEnd(from, frames, ownerIdOfGuest(3))]).toEqual([odd, from, odd]);
      owners[odd] = ownerIdOfGuest(3);
    }
    // An owner that differs from the run's in one bit of one lane.
    owners[2_050] = ownerIdOfGuest(3) ^ (bits === 16 ? 0x4000 : 0x4000_0000);
    expect(scan.sameEnd(40, frames, ownerIdOfGuest(3))).toBe(2_050);
    // An empty range, and a range that stops before the odd frame.
    expect(scan.sameEnd(7, 7, ownerIdOfGuest(3))).toBe(7);
    expect(scan.sameEnd(100, 2_050, ownerIdOfGuest(3))).toBe(2_050);
  });
});
