/**
 * The frame table as the full audit reads it. A full pass reads every
 * frame's owner: it counts the table per owner, and checks every pooled run
 * and every run of frames a guest maps against the owner it must have. On a
 * large host that is tens of millions of frames (50 million on
 * examples/dense-64.yaml), in runs, since frames move in ranges.
 *
 * Finding where a run of one owner ends is the whole cost. In JavaScript a
 * frame is a load, a compare and a bounds check (about 0.8 ns here); in
 * WebAssembly (table-scans.wat) sixteen frames (thirty-two 16-bit ones) are
 * compared a step with 128-bit SIMD, about five times faster. So where the
 * table lives in a WebAssembly memory (host/frame-moves.ts puts it there
 * when one can hold it) the scan runs there, else in the same loop in
 * JavaScript. Both read plainly: the audit scans at quiescent points.
 */
import { wasm, compiledOnce } from '../util/wasm.js';
import type { Owners, TableShare } from '../messages/table-share.js';
import { TABLE_SCANS_WASM_BASE64 } from './table-scans-wasm.js';

/** A table the audit scans: its owners, and where a run of one owner ends. */
export interface TableScan {
  readonly owners: Owners;
  /** Whether runs are scanned in WebAssembly (else in JavaScript). */
  readonly inWasm: boolean;
  /** The first frame of [from, end) whose owner is not `value`, or `end`; the caller keeps [from, end) inside the table. */
  sameEnd(from: number, end: number, value: number): number;
}

/** Frames of a run read in JavaScript before the rest of it is scanned in WebAssembly. */
const FRAMES_READ_HERE = 32;

/** The compiled module (a few hundred bytes). */
const tableScansModule = compiledOnce(TABLE_SCANS_WASM_BASE64);

/** The scan of a table: in WebAssembly when the table lives in a WebAssembly memory (and the runtime has SIMD), else in JavaScript. */
export function tableScanOf(share: TableShare, owners: Owners): TableScan {
  const module = tableScansModule();
  if (share.memory === null || wasm === undefined || module === null) return tableScanInJs(owners);
  const { exports } = new wasm.Instance(module, { table: { owners: share.memory } });
  const narrow = share.ownerBits === 16;
  const sameEnd = (narrow ? exports.sameEnd16 : exports.sameEnd) as TableScan['sameEnd'];
  return {
    owners,
    inWasm: true,
    sameEnd: (from, end, value) => {
      // A call into WebAssembly costs about as much as a few dozen frames read here, and many runs are short:
      // the first frames are read here, and only a run that goes on past them is scanned there.
      const near = Math.min(end, from + FRAMES_READ_HERE);
      let frame = from;
      while (frame < near && owners[frame] === value) frame++;
      if (frame < near || near === end) return frame;
      // (A value a 16-bit owner cannot hold was never written: the first frame already ended the run.)
      return sameEnd(near, end, value);
    },
  };
}

/** The scan in JavaScript, a frame at a time (tables in a plain SharedArrayBuffer; the tests' tables). */
export function tableScanInJs(owners: Owners): TableScan {
  return {
    owners,
    inWasm: false,
    sameEnd: (from, end, value) => {
      let frame = from;
      while (frame < end && owners[frame] === value) frame++;
      return frame;
    },
  };
}
