/**
 * The resident counts of a component's logical pages, per group of 32 and
 * per block of 1024 (component-layout.ts): kept as pages come and go, and
 * used to find the rank-th resident page without looking at every entry.
 */
import type { Random } from '../util/random.js';
import { BLOCK_SHIFT, GROUP_SHIFT, type ComponentPages } from './component-layout.js';

/** Tries of a random logical index before `randomResident` counts its way to a resident one. */
const RANDOM_RESIDENT_TRIES = 8;

/** Adds `delta` to the counts of every logical page in [from, to) (a range of resident pages). */
export function addResident(groups: Uint8Array, blocks: Uint16Array, from: number, to: number, delta: number): void {
  for (let index = from; index < to; ) {
    const groupEnd = Math.min(to, ((index >> GROUP_SHIFT) + 1) << GROUP_SHIFT);
    groups[index >> GROUP_SHIFT]! += delta * (groupEnd - index);
    index = groupEnd;
  }
  for (let index = from; index < to; ) {
    const blockEnd = Math.min(to, ((index >> BLOCK_SHIFT) + 1) << BLOCK_SHIFT);
    blocks[index >> BLOCK_SHIFT]! += delta * (blockEnd - index);
    index = blockEnd;
  }
}

/**
 * The logical pages [from, to) are gone: their groups and blocks are
 * recounted from what is left below `from`, where the pages before
 * `written` tell by their `entries` and the rest (an unwritten tail) are resident.
 */
export function forgetResident(groups: Uint8Array, blocks: Uint16Array, entries: Int32Array, written: number, from: number, to: number): void {
  if (from >= to) return;
  const firstGroup = from >> GROUP_SHIFT;
  groups.fill(0, firstGroup, (to + (1 << GROUP_SHIFT) - 1) >> GROUP_SHIFT);
  for (let index = firstGroup << GROUP_SHIFT; index < from; index++) if (index >= written || entries[index]! >= 0) groups[firstGroup]!++;
  const firstBlock = from >> BLOCK_SHIFT;
  blocks.fill(0, firstBlock, (to + (1 << BLOCK_SHIFT) - 1) >> BLOCK_SHIFT);
  for (let group = firstBlock << (BLOCK_SHIFT - GROUP_SHIFT); group <= firstGroup; group++) blocks[firstBlock]! += groups[group]!;
}

/**
 * A uniformly random resident logical page of `component` (-1 if none): a
 * few random tries, then counting through the resident counts of blocks
 * and groups (O(size / 1024)).
 */
export function randomResident(component: ComponentPages, random: Random): number {
  if (component.resident <= 0) return -1;
  const logical = component.logical;
  for (let tries = 0; tries < RANDOM_RESIDENT_TRIES; tries++) {
    const index = random.int(component.size);
    if (logical[index]! >= 0) return index;
  }
  let rank = random.int(component.resident);
  const blocks = component.blockResident;
  let block = 0;
  while (rank >= blocks[block]!) {
    rank -= blocks[block]!;
    block++;
  }
  const groups = component.groupResident;
  let group = (block << BLOCK_SHIFT) >> GROUP_SHIFT;
  while (rank >= groups[group]!) {
    rank -= groups[group]!;
    group++;
  }
  for (let index = group << GROUP_SHIFT; ; index++) {
    if (logical[index]! >= 0) {
      if (rank === 0) return index;
      rank--;
    }
  }
}
