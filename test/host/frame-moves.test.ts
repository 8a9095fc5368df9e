import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FRAME_MOVES_WASM_BASE64 } from '../../src/host/frame-moves-wasm.js';
import { allocateTable, frameMovesOf, moveRunDownInJs, moveRunInJs, WASM_TABLE_FRAMES_MAX, wasmTableFramesMax, type FrameMoves } from '../../src/host/frame-moves.js';
import { ownersOf, type OwnerBits, type Owners } from '../../src/messages/table-share.js';
import { freeOwnerOfShard, OWNER_FREE, OWNER_HYPERVISOR, ownerIdOfGuest } from '../../src/host/owners.js';

/** Owners a table holds: free, the hypervisor, shards' pools (negative), guests (positive), and each width's extremes. */
const OWNERS: Record<OwnerBits, number[]> = {
  32: [OWNER_FREE, OWNER_HYPERVISOR, freeOwnerOfShard(0), freeOwnerOfShard(65_535), ownerIdOfGuest(0), ownerIdOfGuest(5), 0x7fff_ffff, -0x8000_0000],
  16: [OWNER_FREE, OWNER_HYPERVISOR, freeOwnerOfShard(0), freeOwnerOfShard(32_766), ownerIdOfGuest(0), ownerIdOfGuest(5), 0x7fff, -0x8000],
};

/** One compare-exchange per frame, as the table's contract says, in plain code: what both moves must do. */
function reference(owners: number[], from: number, end: number, expected: number, newOwner: number): number {
  for (let frame = from; frame < end; frame++) {
    if (owners[frame] !== expected) return frame;
    owners[frame] = newOwner;
  }
  return end;
}

/** `reference` going down: frames from - 1 down to end. */
function referenceDown(owners: number[], from: number, end: number, expected: number, newOwner: number): number {
  for (let top = from; top > end; top--) {
    if (owners[top - 1] !== expected) return top;
    owners[top - 1] = newOwner;
  }
  return end;
}

/** A table in a WebAssembly memory with the given owners, and its moves in WebAssembly and in JavaScript. */
function tableWith(owners: number[], bits: OwnerBits = 32): { table: Owners; wasm: FrameMoves; js: FrameMoves } {
  const share = allocateTable(owners.length, bits);
  expect(share.memory).not.toBeNull();
  const table = ownersOf(share);
  table.set(owners);
  return {
    table,
    wasm: frameMovesOf(share, table),
    js: { up: (from, end, expected, newOwner) => moveRunInJs(table, from, end, expected, newOwner), down: (from, end, expected, newOwner) => moveRunDownInJs(table, from, end, expected, newOwner) },
  };
}

describe('frame moves', () => {
  it('the generated WebAssembly modules (src/host/frame-moves-wasm.ts, src/audit/table-scans-wasm.ts) are the assembly of their .wat files (`npm run build:wasm`)', () => {
    const check = spawnSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  for (const bits of [32, 16] as const)
  it(`moves a run of a ${bits}-bit table, up or down, in WebAssembly and in JavaScript exactly as one compare-exchange per frame does: the same frames, the same stop`, () => {
    const owner = fc.constantFrom(...OWNERS[bits]);
    fc.assert(
      fc.property(
        fc.array(owner, { minLength: 1, maxLength: 70 }).chain((owners) =>
          fc.tuple(fc.constant(owners), fc.nat(owners.length), fc.nat(owners.length), owner, owner, fc.boolean()),
        ),
        ([owners, a, b, expected, newOwner, uniform]) => {
          const from = Math.min(a, b);
          const end = Math.max(a, b);
          // Often a whole run of the expected owner (the common case, all pairs succeed), with one frame changed or not.
          const start = uniform ? owners.map((value, frame) => (frame >= from && frame < end && frame !== b - 1 ? expected : value)) : owners;
          const model = [...start];
          const stop = reference(model, from, end, expected, newOwner);
          const modelDown = [...start];
          const stopDown = referenceDown(modelDown, end, from, expected, newOwner);
          for (const kind of ['wasm', 'js'] as const) {
            const moves = tableWith(start, bits);
            expect(moves[kind].up(from, end, expected, newOwner)).toBe(stop);
            expect([...moves.table]).toEqual(model);
            const movesDown = tableWith(start, bits);
            expect(movesDown[kind].down(end, from, expected, newOwner)).toBe(stopDown);
            expect([...movesDown.table]).toEqual(modelDown);
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });

  for (const bits of [32, 16] as const)
  it(`moves a long run of a ${bits}-bit table in one call and stops at a frame that is not the expected owner's, wherever it sits in a group`, () => {
    for (const odd of [0, 1, 2, 3]) {
      const { table, wasm } = tableWith(new Array(1_000).fill(OWNER_FREE), bits);
      table[501 + odd] = OWNER_HYPERVISOR;
      expect(wasm.up(1, 1_000, OWNER_FREE, ownerIdOfGuest(3))).toBe(501 + odd);
      expect(table[500 + odd]).toBe(ownerIdOfGuest(3));
      expect(table[501 + odd]).toBe(OWNER_HYPERVISOR);
      expect(table[502 + odd]).toBe(OWNER_FREE);
      expect(table[0]).toBe(OWNER_FREE);
      expect(wasm.up(502 + odd, 1_000, OWNER_FREE, ownerIdOfGuest(3))).toBe(1_000);
      // Going down from the top, the same frame stops it, the frames above it moved.
      expect(wasm.down(1_000, 0, ownerIdOfGuest(3), OWNER_FREE)).toBe(502 + odd);
      expect(table[502 + odd]).toBe(OWNER_FREE);
      expect(table[500 + odd]).toBe(ownerIdOfGuest(3));
    }
  });

  it('runs without WebAssembly (node --jitless has none): the table stays a SharedArrayBuffer, and the summary is the same', () => {
    const summaryOf = (flags: string[]): unknown => {
      const run = spawnSync(process.execPath, [...flags, 'bin/balloonsim.js', 'run', '--duration', '2m', '--json'], { encoding: 'utf8' });
      expect(run.status).toBe(0);
      const { timing: _timing, provenance: _provenance, ...summary } = JSON.parse(run.stdout) as Record<string, unknown>;
      return summary;
    };
    expect(summaryOf(['--jitless'])).toEqual(summaryOf([]));
  });

  it('holds the largest table a 32-bit WebAssembly memory can, 2^30 frames (4 GiB, backed lazily), and moves its last frames there', () => {
    const share = allocateTable(WASM_TABLE_FRAMES_MAX);
    expect(share.memory).not.toBeNull();
    const owners = ownersOf(share);
    const moves = frameMovesOf(share, owners);
    expect(moves.up(WASM_TABLE_FRAMES_MAX - 3, WASM_TABLE_FRAMES_MAX, OWNER_FREE, ownerIdOfGuest(2))).toBe(WASM_TABLE_FRAMES_MAX);
    expect(owners[WASM_TABLE_FRAMES_MAX - 1]).toBe(ownerIdOfGuest(2));
  });

  it('holds the largest table the host allows, 2^31 - 1 frames, with 16-bit owners in a WebAssembly memory (4 GiB, backed lazily), and moves its last frames there, up and down', () => {
    const frames = 2 ** 31 - 1;
    expect(wasmTableFramesMax(16)).toBeGreaterThanOrEqual(frames);
    const share = allocateTable(frames, 16);
    expect(share.memory).not.toBeNull();
    const owners = ownersOf(share);
    expect(owners).toBeInstanceOf(Int16Array);
    const moves = frameMovesOf(share, owners);
    expect(moves.up(frames - 9, frames, OWNER_FREE, ownerIdOfGuest(2))).toBe(frames);
    expect(owners[frames - 1]).toBe(ownerIdOfGuest(2));
    expect(owners[frames - 10]).toBe(OWNER_FREE);
    expect(moves.down(frames, frames - 9, ownerIdOfGuest(2), freeOwnerOfShard(7))).toBe(frames - 9);
    expect(owners[frames - 9]).toBe(freeOwnerOfShard(7));
  });

  it('keeps a table too large for a 32-bit WebAssembly memory in a SharedArrayBuffer, moved in JavaScript', () => {
    const share = allocateTable(WASM_TABLE_FRAMES_MAX + 1);
    expect(share.memory).toBeNull();
    const owners = ownersOf(share);
    expect(owners.length).toBe(WASM_TABLE_FRAMES_MAX + 1);
    const moves = frameMovesOf(share, owners);
    expect(moves.up(WASM_TABLE_FRAMES_MAX - 2, WASM_TABLE_FRAMES_MAX + 1, OWNER_FREE, ownerIdOfGuest(1))).toBe(WASM_TABLE_FRAMES_MAX + 1);
    expect(owners[WASM_TABLE_FRAMES_MAX]).toBe(ownerIdOfGuest(1));
    expect(moves.down(WASM_TABLE_FRAMES_MAX + 1, WASM_TABLE_FRAMES_MAX - 1, ownerIdOfGuest(1), OWNER_FREE)).toBe(WASM_TABLE_FRAMES_MAX - 1);
    expect(owners[WASM_TABLE_FRAMES_MAX - 1]).toBe(OWNER_FREE);
    expect(owners[WASM_TABLE_FRAMES_MAX - 2]).toBe(ownerIdOfGuest(1));
  });

  for (const bits of [32, 16] as const)
  for (const direction of ['up', 'down'] as const) {
    it(`never lets two threads both move a frame of a ${bits}-bit table: racing ${direction} over the same frames, every frame is moved by exactly one of them`, async () => {
      // 256 rounds, each over its own 4,096 frames: both threads wait for each other at the start of
      // every round (a spin on a shared counter), so that their moves overlap in time again and again.
      const rounds = 256;
      const region = 4_096;
      const frames = rounds * region;
      const share = allocateTable(frames, bits);
      const gate = new Int32Array(new SharedArrayBuffer(4));
      // In a round each thread moves every frame of the round's region, in runs of 64 in the same
      // order, from free to its own id, and counts the frames its moves say moved (a failed frame is
      // skipped). Exactly one exchange succeeds per frame, so the counts add up to the table and
      // match its owners. The threads run the module's bytes from the source tree (as frameMovesOf
      // does), so no build is needed.
      const code = `
        const { workerData, parentPort } = require('node:worker_threads');
        {
          const { share, id, gate, bytes, direction, rounds, region } = workerData;
          const module = new WebAssembly.Module(Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0)));
          const exports = new WebAssembly.Instance(module, { table: { owners: share.memory } }).exports;
          const [move, moveDown] = share.ownerBits === 16 ? [exports.move16, exports.moveDown16] : [exports.move, exports.moveDown];
          let moved = 0;
          for (let round = 0; round < rounds; round++) {
            Atomics.add(gate, 0, 1);
            while (Atomics.load(gate, 0) < 2 * (round + 1));
            const low = round * region;
            const high = low + region;
            if (direction === 'up') {
              for (let from = low; from < high; from += 64) {
                for (let frame = from; frame < from + 64; ) {
                  const stop = move(frame, from + 64, 0, id);
                  moved += stop - frame;
                  frame = stop + 1;
                }
              }
            } else {
              for (let top = high; top > low; top -= 64) {
                for (let frame = top; frame > top - 64; ) {
                  const stop = moveDown(frame, top - 64, 0, id);
                  moved += frame - stop;
                  frame = stop - 1;
                }
              }
            }
          }
          parentPort.postMessage(moved);
        }`;
      const race = (id: number) =>
        new Promise<number>((resolve, reject) => {
          const worker = new Worker(code, { eval: true, workerData: { share, id, gate, direction, rounds, region, bytes: FRAME_MOVES_WASM_BASE64 } });
          worker.once('message', (moved: number) => void worker.terminate().then(() => resolve(moved)));
          worker.once('error', reject);
        });
      const [a, b] = await Promise.all([race(ownerIdOfGuest(0)), race(ownerIdOfGuest(1))]);
      const owners = ownersOf(share);
      let ownedByA = 0;
      let ownedByB = 0;
      for (let frame = 0; frame < frames; frame++) {
        if (owners[frame] === ownerIdOfGuest(0)) ownedByA++;
        else if (owners[frame] === ownerIdOfGuest(1)) ownedByB++;
      }
      expect(ownedByA + ownedByB).toBe(frames);
      expect([a, b]).toEqual([ownedByA, ownedByB]);
    });
  }
});
