/**
 * A full check of one workload component's bookkeeping against the guest's
 * page states, for tests: its logical entries, resident and active counts,
 * the resident counts of groups and blocks, the out-lists, and the pages the
 * host paged out.
 */
import { BUCKETS } from './access-pattern.js';
import { ACTIVE_BIT, BLOCK_SHIFT, GROUP_SHIFT, PAGE_MASK, type ComponentPages } from './component-layout.js';
import { frameOfWord, HOST_SWAPPED } from './shared-memory.js';

/**
 * What is wrong with `component` (nothing: an empty list). `stateOf` gives a
 * guest page's state; `owner` marks every page a component holds with its
 * `ownerMark`, so that a page held twice is found across components.
 */
export function checkComponent(component: ComponentPages, stateOf: (page: number) => number, owner: Int32Array, ownerMark: number): string[] {
  const problems: string[] = [];
  const name = component.spec.name;
  let resident = 0;
  let active = 0;
  const outSeen = new Int32Array(BUCKETS);
  if (component.hot !== component.pattern.hotPages(component.size)) problems.push(`${name}: hot is ${component.hot}, size ${component.size} needs ${component.pattern.hotPages(component.size)}`);
  for (let index = 0; index < component.size; index++) {
    const entry = component.logical[index]!;
    if (entry >= 0) {
      const page = entry & PAGE_MASK;
      resident++;
      if ((entry & ACTIVE_BIT) !== 0) active++;
      if (stateOf(page) !== component.state) problems.push(`${name}: logical ${index} holds page ${page} in state ${stateOf(page)}`);
      if (owner[page] !== 0) problems.push(`${name}: page ${page} is held twice`);
      owner[page] = ownerMark;
      continue;
    }
    const bucket = component.pattern.bucketOf(index, component.hot);
    const slot = -entry - 1;
    outSeen[bucket]!++;
    if (slot >= component.outCounts[bucket]! || component.outLists[bucket]![slot] !== index) {
      problems.push(`${name}: logical ${index} says slot ${slot} of bucket ${bucket}, which does not point back`);
    }
    if (problems.length > 10) break;
  }
  if (resident !== component.resident) problems.push(`${name}: ${resident} resident entries, counter says ${component.resident}`);
  if (active !== component.activePages) problems.push(`${name}: ${active} active entries, counter says ${component.activePages}`);
  const groups = new Uint8Array(component.groupResident.length);
  const blocks = new Uint16Array(component.blockResident.length);
  for (let index = 0; index < component.size; index++) {
    if (component.logical[index]! < 0) continue;
    groups[index >> GROUP_SHIFT]!++;
    blocks[index >> BLOCK_SHIFT]!++;
  }
  for (let group = 0; group < groups.length; group++) {
    if (groups[group] !== component.groupResident[group]) {
      problems.push(`${name}: group ${group} has ${groups[group]} resident pages, its count says ${component.groupResident[group]}`);
      break;
    }
  }
  for (let block = 0; block < blocks.length; block++) {
    if (blocks[block] !== component.blockResident[block]) {
      problems.push(`${name}: block ${block} has ${blocks[block]} resident pages, its count says ${component.blockResident[block]}`);
      break;
    }
  }
  for (let bucket = 0; bucket < BUCKETS; bucket++) {
    if (outSeen[bucket] !== component.outCounts[bucket]) problems.push(`${name}: bucket ${bucket} lists ${component.outCounts[bucket]} out pages, ${outSeen[bucket]} are out`);
  }
  if (component.mapWords.length > 0) {
    const pagedOut = new Int32Array(BUCKETS);
    for (let index = 0; index < component.size; index++) {
      const entry = component.logical[index]!;
      if (entry >= 0 && frameOfWord(component.mapWords[entry & PAGE_MASK]!) === HOST_SWAPPED) pagedOut[component.pattern.bucketOf(index, component.hot)]!++;
    }
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      if (pagedOut[bucket] !== component.hostSwap.counts[bucket]) problems.push(`${name}: bucket ${bucket} counts ${component.hostSwap.counts[bucket]} pages paged out by the host, ${pagedOut[bucket]} are`);
      const listed = new Set(component.hostSwap.listed(bucket));
      for (let index = 0; index < component.size; index++) {
        const entry = component.logical[index]!;
        if (entry >= 0 && frameOfWord(component.mapWords[entry & PAGE_MASK]!) === HOST_SWAPPED && component.pattern.bucketOf(index, component.hot) === bucket && !listed.has(index)) {
          problems.push(`${name}: logical ${index} is paged out by the host but not listed in bucket ${bucket}`);
          break;
        }
      }
    }
  }
  return problems;
}
