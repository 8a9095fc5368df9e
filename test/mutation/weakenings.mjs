#!/usr/bin/env node
// `node test/mutation/weakenings.mjs [name...]`: the auditor's checks weakened by hand, one at a
// time, each run against the tests that must catch it, then put back (issue 13: "the auditor tests
// fail if any of its scans is weakened"). Each weakening replaces one exact piece of a source file;
// a weakening whose text is no longer in the file is reported as stale (the code moved: update the
// list). Prints, per weakening, which test file caught it (or that none did). Exit code 1 if a
// weakening was not caught or is stale. Runs vitest inline (no build needed).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const POWER = 'test/audit/auditor-power.test.ts';
const SCANS = 'test/audit/scans.test.ts';
const CONCURRENT = ['test/audit/concurrent-auditor.test.ts', 'test/audit/concurrent-check.test.ts'];
const GRANTS = ['test/host/device/frame-return.test.ts', 'test/host/device/shard-pool.test.ts'];
const MOVES = 'test/host/frame-moves.test.ts';
const TABLE_SCANS = 'test/audit/table-scans.test.ts';
const PAGE_SCANS = 'test/audit/page-scans.test.ts';

/**
 * The compare of one step of table-scans.wat's sameEnd (`shift` 2: 32-bit owners) or sameEnd16 (`shift` 1), from
 * the line that finds the step's address: `first` and `last` replace the compares of its first and last 16 bytes.
 */
function tableScanStep(shift, { first = '(v128.xor (local.get $values) (v128.load (local.get $at)))', last = '(v128.xor (local.get $values) (v128.load offset=48 (local.get $at)))' } = {}) {
  return [
    `(local.set $at (i32.shl (local.get $from) (i32.const ${shift})))`,
    '        (br_if $stepsDone',
    '          (v128.any_true',
    '            (v128.or',
    '              (v128.or',
    `                ${first}`,
    '                (v128.xor (local.get $values) (v128.load offset=16 (local.get $at))))',
    '              (v128.or',
    '                (v128.xor (local.get $values) (v128.load offset=32 (local.get $at)))',
    `                ${last}`,
  ].join('\n');
}

/** name, file, exact text, its weakened replacement, the tests that must catch it. */
export const WEAKENINGS = [
  // Guest page maps against the table (scans.ts, scanGuestPages).
  ['pages: no duplicate check', 'src/audit/scans.ts', "mustMap[state] === 0 || (marks[word]! & bit) !== 0 || owners[frame] !== ownerId", 'mustMap[state] === 0 || owners[frame] !== ownerId', [POWER]],
  ['pages: no owner check', 'src/audit/scans.ts', "mustMap[state] === 0 || (marks[word]! & bit) !== 0 || owners[frame] !== ownerId", 'mustMap[state] === 0 || (marks[word]! & bit) !== 0', [POWER]],
  ['pages: no must-not-map check', 'src/audit/scans.ts', "mustMap[state] === 0 || (marks[word]! & bit) !== 0 || owners[frame] !== ownerId", '(marks[word]! & bit) !== 0 || owners[frame] !== ownerId', [POWER]],
  ['pages: no range check', 'src/audit/scans.ts', 'if (frame >= frames) bad = true;\n        else {', 'if (frame >= frames) bad = false;\n        else {', [POWER]],
  ['pages: no must-map check', 'src/audit/scans.ts', 'if (frame === -1) bad = mustMap[state] !== 0;', 'if (frame === -1) bad = false;', [POWER]],
  ['pages: paged-out mark on any state', 'src/audit/scans.ts', 'bad = mustMap[state] !== 2 || frame < -3;', 'bad = frame < -3;', [POWER]],
  ['pages: any negative mark', 'src/audit/scans.ts', 'bad = mustMap[state] !== 2 || frame < -3;', 'bad = mustMap[state] !== 2;', [POWER]],
  ['pages: no state check', 'src/audit/scans.ts', 'if (state >= states) bad = true;\n    else {', 'if (state >= states) bad = false;\n    else {', [POWER]],
  ['pages: paged-out count not kept', 'src/audit/scans.ts', 'findings.pagedOut = (findings.pagedOut ?? 0) + pagedOut;', 'findings.pagedOut = findings.pagedOut ?? 0;', [POWER]],
  // Runs of pages checked at once (scans.ts, scanGuestPages: a run with a problem goes page by page).
  ['page runs: no owner check', 'src/audit/scans.ts', 'table.sameEnd(first, last, ownerId) === last && unmarked(marks, first, last)', 'unmarked(marks, first, last)', [SCANS, POWER]],
  ['page runs: no duplicate check', 'src/audit/scans.ts', 'table.sameEnd(first, last, ownerId) === last && unmarked(marks, first, last)', 'table.sameEnd(first, last, ownerId) === last', [SCANS, POWER]],
  ['page runs: marks not set', 'src/audit/scans.ts', '        mark(marks, first, last);\n', '', [SCANS, POWER]],
  ['page runs: marks checked in the first word only', 'src/audit/scans.ts', 'if ((marks[frame >>> 5]! & wordMask(frame, next)) !== 0) return false;', 'if (frame === first && (marks[frame >>> 5]! & wordMask(frame, next)) !== 0) return false;', [SCANS, POWER]],
  ['page runs: no must-not-map check', 'src/audit/scans.ts', 'if (state < states && mustMap[state] !== 0 && last <= frames', 'if (state < states && last <= frames', [SCANS, POWER]],
  ['page runs: no must-map check', 'src/audit/scans.ts', 'if (state < states && mustMap[state] === 0) {', 'if (state < states) {', [SCANS, POWER]],
  ['page runs: unmapped run in an invalid state', 'src/audit/scans.ts', 'if (state < states && mustMap[state] === 0) {', 'if (mustMap[state] === 0) {', [SCANS, POWER]],
  // Pools against the table (scans.ts, scanRange; thread-audit.ts).
  ['pools: no owner check', 'src/audit/scans.ts', "if (((marks[word]! & bit) !== 0 || owners[frame] !== expected) && problems++", 'if ((marks[word]! & bit) !== 0 && problems++', [POWER]],
  ['pools: no pooled-twice check', 'src/audit/scans.ts', "if (((marks[word]! & bit) !== 0 || owners[frame] !== expected) && problems++", 'if (owners[frame] !== expected && problems++', [POWER]],
  ['pools: given-back frames compared with the hypervisor', 'src/audit/thread-audit.ts', 'scanRuns(pool.returnedRuns(), this.scan, marks, pool.freeOwner)', 'scanRuns(pool.returnedRuns(), this.scan, marks, -1)', [POWER]],
  ['pools: untouched frames compared with the pool\'s value', 'src/audit/thread-audit.ts', 'this.scan, marks, OWNER_FREE);', 'this.scan, marks, pool.freeOwner);', [POWER]],
  // Pooled ranges and transit's runs checked at once (scans.ts: a range with a problem goes frame by frame).
  ['pool ranges: no owner check', 'src/audit/scans.ts', 'if (table.sameEnd(start, end, expected) === end && unmarked(marks, start, end)) {', 'if (unmarked(marks, start, end)) {', [SCANS, POWER]],
  ['pool ranges: no pooled-twice check', 'src/audit/scans.ts', 'if (table.sameEnd(start, end, expected) === end && unmarked(marks, start, end)) {', 'if (table.sameEnd(start, end, expected) === end) {', [SCANS, POWER]],
  ['transit runs: no owner check', 'src/audit/scans.ts', 'if (start >= 0 && end <= frames && table.sameEnd(start, end, expected) === end) continue;', 'if (start >= 0 && end <= frames) continue;', [SCANS, POWER]],
  // The table's runs themselves (table-scans.wat, assembled again after each change; table-scans.ts).
  // A step of sameEnd (32-bit owners, shift 2) and of sameEnd16 (16-bit owners, shift 1): the same text in both but
  // for the line that names the step, which makes it unique.
  ['table scan: a step compares twelve of its sixteen frames', 'src/audit/table-scans.wat', tableScanStep(2), tableScanStep(2, { last: '(v128.xor (local.get $values) (local.get $values))' }), [TABLE_SCANS, SCANS]],
  ['table scan: a step compares its frames with themselves', 'src/audit/table-scans.wat', tableScanStep(2), tableScanStep(2, { first: '(v128.xor (v128.load (local.get $at)) (v128.load (local.get $at)))' }), [TABLE_SCANS, SCANS]],
  ['table scan, 16-bit owners: a step compares 24 of its 32 frames', 'src/audit/table-scans.wat', tableScanStep(1), tableScanStep(1, { last: '(v128.xor (local.get $values) (local.get $values))' }), [TABLE_SCANS, SCANS]],
  ['table scan, 16-bit owners: a step compares its frames with themselves', 'src/audit/table-scans.wat', tableScanStep(1), tableScanStep(1, { first: '(v128.xor (v128.load (local.get $at)) (v128.load (local.get $at)))' }), [TABLE_SCANS, SCANS]],
  ['table scan: frames read before WebAssembly not compared', 'src/audit/table-scans.ts', 'while (frame < near && owners[frame] === value) frame++;', 'while (frame < near) frame++;', [TABLE_SCANS, SCANS]],
  // Where runs of pages end (page-scans.wat, assembled again after each change; page-scans.ts).
  ['page runs scan: a step reads twelve of its sixteen map words', 'src/audit/page-scans.wat', '(v128.or (v128.load offset=32 (local.get $at)) (v128.load offset=48 (local.get $at)))', '(v128.load offset=32 (local.get $at))', [PAGE_SCANS, SCANS]],
  ['page runs scan: a step without frames does not compare states', 'src/audit/page-scans.wat', '(br_if $stepsDone\n          (i32.eqz (i8x16.all_true (i8x16.eq (v128.load (i32.add (local.get $stateAt) (local.get $page))) (local.get $states)))))\n        (local.set $at (i32.add (local.get $mapAt) (i32.shl (local.get $page) (i32.const 2))))\n        (br_if $stepsDone\n          (v128.any_true', '(local.set $at (i32.add (local.get $mapAt) (i32.shl (local.get $page) (i32.const 2))))\n        (br_if $stepsDone\n          (v128.any_true', [PAGE_SCANS, SCANS]],
  ['page runs scan: a step of frames takes its last four words as they are', 'src/audit/page-scans.wat', '(i32x4.eq (v128.load offset=48 (local.get $at)) (i32x4.sub (local.get $words) (i32x4.mul (local.get $apart) (v128.const i32x4 3 3 3 3))))', '(i32x4.eq (v128.load offset=48 (local.get $at)) (v128.load offset=48 (local.get $at)))', [PAGE_SCANS, SCANS]],
  ['page runs scan: the word not carried past a step of frames', 'src/audit/page-scans.wat', '(local.set $word (i32.sub (local.get $word) (i32.shl (local.get $frameStep) (i32.const 4))))', '', [PAGE_SCANS, SCANS]],
  ['page runs scan: a page after the steps always a frame up', 'src/audit/page-scans.wat', '(local.set $word (i32.sub (local.get $word) (local.get $frameStep)))', '(local.set $word (i32.sub (local.get $word) (i32.const 1)))', [PAGE_SCANS, SCANS]],
  ['page runs: a run going down checked as going up', 'src/audit/scans.ts', 'const first = frameStep === 1 ? frame : frame - (end - page) + 1;', 'const first = frame;', [SCANS]],
  ['page runs scan: pages read before WebAssembly not checked for a frame', 'src/audit/page-scans.ts', 'while (end < near && mapWords[end] === 0 && pageState[end] === state) end++;', 'while (end < near && pageState[end] === state) end++;', [PAGE_SCANS, SCANS]],
  ['page runs scan (JavaScript): four pages read as three', 'src/audit/page-scans.ts', '(mapWords[end]! | mapWords[end + 1]! | mapWords[end + 2]! | mapWords[end + 3]!) === 0', '(mapWords[end]! | mapWords[end + 1]! | mapWords[end + 2]!) === 0', [PAGE_SCANS, SCANS]],
  ['table: invalid owners counted as valid', 'src/audit/scans.ts', 'if (invalid++ < PROBLEMS_KEPT) invalidFrames.push(frame);', '', [POWER]],
  ['table: a run of owners counted as one frame', 'src/audit/scans.ts', 'counts[owner + offset]! += next - frame;', 'counts[owner + offset]! += 1;', [POWER]],
  // Table against the accounts (auditor.ts).
  ['table: only a guest that owns more than its account', 'src/audit/auditor.ts', 'if (counted !== record.ownedFrames)', 'if (counted > record.ownedFrames)', [POWER]],
  ['table: no hypervisor count', 'src/audit/auditor.ts', 'if (count(OWNER_HYPERVISOR) !== manager.reservedFrames)', 'if (false)', [POWER]],
  ['table: no shard pool count', 'src/audit/auditor.ts', 'if (marked !== returned)', 'if (false)', [POWER]],
  ['table: no free count', 'src/audit/auditor.ts', 'if (count(OWNER_FREE) !== heldUnlisted)', 'if (false)', [POWER]],
  ['table: dead guests not checked', 'src/audit/auditor.ts', 'if (!record.alive && counted !== 0)', 'if (false)', [POWER]],
  ['conservation not checked', 'src/audit/auditor.ts', 'if (total !== manager.frames)', 'if (false)', [POWER]],
  ['failed compare-exchanges not reported', 'src/audit/auditor.ts', 'if (failures !== this.transferFailuresSeen)', 'if (false)', [POWER]],
  // Untouched ranges and transit (auditor.ts, checkUntouched).
  ['untouched: per-shard count not checked', 'src/audit/auditor.ts', 'if (held[shard] !== balancer.untouched[shard])', 'if (false)', [POWER]],
  ['untouched: overlaps not checked', 'src/audit/auditor.ts', 'if (range.start < previous.end)', 'if (false)', [POWER]],
  ['transit: frames not checked', 'src/audit/scans.ts', "frame >= frames || owners[frame] !== expected) && problems++", "frame >= frames || false) && problems++", [POWER]],
  // Each thread's page-map counts (thread-audit.ts).
  ['pages: state counters not compared', 'src/audit/thread-audit.ts', 'if (counted[state] !== counter)', 'if (false)', [POWER]],
  ['pages: mapped counter not compared', 'src/audit/thread-audit.ts', 'if (mapped !== mappedCounter)', 'if (false)', [POWER]],
  ['pages: paged-out counter not compared', 'src/audit/thread-audit.ts', 'if (findings.pagedOut !== pagedOutCounter)', 'if (false)', [POWER]],
  // The concurrent auditor's chunks (concurrent-check.ts).
  ['chunks: no owner check', 'src/audit/concurrent-check.ts', 'if (frame >= frames || Atomics.load(owners, frame) !== ownerId) {', 'if (frame >= frames) {', CONCURRENT],
  ['chunks: no range check', 'src/audit/concurrent-check.ts', 'if (frame >= frames || Atomics.load(owners, frame) !== ownerId) {', 'if (frame < frames && Atomics.load(owners, frame) !== ownerId) {', CONCURRENT],
  ['chunks: no duplicate check', 'src/audit/concurrent-check.ts', 'if (marks[frame] === epoch) {', 'if (false) {', CONCURRENT],
  ['chunks: reclaimed guests not checked', 'src/audit/concurrent-check.ts', 'owner <= guests && reclaimed[owner - 1] === 0) continue;', 'owner <= guests) continue;', CONCURRENT],
  ['chunks: invalid owners taken', 'src/audit/concurrent-check.ts', '(owner < OWNER_HYPERVISOR && owner >= lowestFree)) continue;', 'owner < OWNER_HYPERVISOR) continue;', CONCURRENT],
  // The grant path and take-back (the frame-handling survivors of issue 13).
  ['grant: a failed compare-exchange not recorded', 'src/host/frame-table.ts', 'this.recordFailure(frame, expected, Atomics.load(owners, frame), newOwner);\n      failed++;', 'failed++;', GRANTS],
  // The range moves themselves (frame-moves.wat, assembled again after each change; frame-moves.ts for tables without a WebAssembly memory).
  ['grant: pairs by a plain store instead of the compare-exchange', 'src/host/frame-moves.wat', '(i64.atomic.rmw.cmpxchg (i32.shl (local.get $from) (i32.const 2)) (local.get $expectedPair) (local.get $newPair))', '(block (result i64) (i64.atomic.store (i32.shl (local.get $from) (i32.const 2)) (local.get $newPair)) (local.get $expectedPair))', [...GRANTS, MOVES]],
  ['grant: single frames by a plain store instead of the compare-exchange', 'src/host/frame-moves.wat', '(i32.atomic.rmw.cmpxchg (i32.shl (local.get $frame) (i32.const 2)) (local.get $expected) (local.get $new)))', '(i32.atomic.store (i32.shl (local.get $frame) (i32.const 2)) (local.get $new)) (local.get $expected))', [...GRANTS, MOVES]],
  ['grant: pairs checked by a load, then stored (not atomic)', 'src/host/frame-moves.wat', '(i64.atomic.rmw.cmpxchg (i32.shl (local.get $from) (i32.const 2)) (local.get $expectedPair) (local.get $newPair))', '(if (result i64) (i64.eq (i64.atomic.load (i32.shl (local.get $from) (i32.const 2))) (local.get $expectedPair)) (then (i64.atomic.store (i32.shl (local.get $from) (i32.const 2)) (local.get $newPair)) (local.get $expectedPair)) (else (i64.atomic.load (i32.shl (local.get $from) (i32.const 2)))))', [MOVES]],
  ['grant: a failed pair\'s first frame not checked', 'src/host/frame-moves.wat', 'find which.\n            (if (i32.ne (call $exchangeOne (local.get $from) (local.get $expected) (local.get $new)) (local.get $expected))\n              (then (return (local.get $from))))', 'find which.\n            (drop (call $exchangeOne (local.get $from) (local.get $expected) (local.get $new)))', [MOVES]],
  ['take-back: runs going down by a plain store instead of the compare-exchange', 'src/host/frame-moves.wat', '(i64.atomic.rmw.cmpxchg (i32.shl (i32.sub (local.get $from) (i32.const 2)) (i32.const 2)) (local.get $expectedPair) (local.get $newPair))', '(block (result i64) (i64.atomic.store (i32.shl (i32.sub (local.get $from) (i32.const 2)) (i32.const 2)) (local.get $newPair)) (local.get $expectedPair))', ['test/host/device/frame-return.test.ts', MOVES]],
  ['take-back: runs going down checked by a load, then stored (not atomic)', 'src/host/frame-moves.wat', '(i64.atomic.rmw.cmpxchg (i32.shl (i32.sub (local.get $from) (i32.const 2)) (i32.const 2)) (local.get $expectedPair) (local.get $newPair))', '(if (result i64) (i64.eq (i64.atomic.load (i32.shl (i32.sub (local.get $from) (i32.const 2)) (i32.const 2))) (local.get $expectedPair)) (then (i64.atomic.store (i32.shl (i32.sub (local.get $from) (i32.const 2)) (i32.const 2)) (local.get $newPair)) (local.get $expectedPair)) (else (i64.atomic.load (i32.shl (i32.sub (local.get $from) (i32.const 2)) (i32.const 2)))))', [MOVES]],
  ['take-back: a run\'s frames all pooled, moved or not', 'src/host/device/frame-return.ts', 'pool.putBackRun(frame, moved, step);', 'pool.putBackRun(frame, count, step);', ['test/host/device/frame-return.test.ts']],
  ['grant (JavaScript): a plain store instead of the compare-exchange', 'src/host/frame-moves.ts', 'while (frame < end && Atomics.compareExchange(owners, frame, expected, newOwner) === expected) frame++;', 'while (frame < end && (Atomics.store(owners, frame, newOwner), true)) frame++;', [MOVES]],
  ['take-back (JavaScript): a plain store instead of the compare-exchange', 'src/host/frame-moves.ts', 'while (top > end && Atomics.compareExchange(owners, top - 1, expected, newOwner) === expected) top--;', 'while (top > end && (Atomics.store(owners, top - 1, newOwner), true)) top--;', [MOVES]],
  // Issue 10's split: a device side that writes the table without a compare-exchange, a rebalance that hands one frame to two pools.
  ['take-back: a plain store instead of the compare-exchange', 'src/host/frame-table.ts', 'if (Atomics.compareExchange(this.owners, frame, claimedOwner, newOwner) !== claimedOwner) return false;', 'Atomics.store(this.owners, frame, newOwner);', ['test/host/device/frame-return.test.ts']],
  ['rebalance: transit hands its frames to two pools', 'src/host/manager/shard-balance.ts', 'if (take === runCount) this.used -= 2;\n      else this.words[this.used - 1] = runCount - take;', '', ['test/host/manager/shard-balance.test.ts', POWER]],
  ['take-back: a refused frame handed back without the owner check', 'src/host/device/frame-return.ts', 'refuses(frame, i) && table.ownerOf(frame) === ownerId) {', 'refuses(frame, i)) {', ['test/host/device/frame-return.test.ts']],
];

const only = process.argv.slice(2);
let failures = 0;
for (const [name, file, text, weakened, tests] of WEAKENINGS) {
  if (only.length > 0 && !only.some((wanted) => name.includes(wanted))) continue;
  const original = readFileSync(file, 'utf8');
  const at = original.indexOf(text);
  if (at < 0 || original.indexOf(text, at + 1) >= 0) {
    process.stdout.write(`STALE   ${name}: the text is ${at < 0 ? 'not' : 'more than once'} in ${file}\n`);
    failures++;
    continue;
  }
  writeFileSync(file, original.slice(0, at) + weakened + original.slice(at + text.length));
  // WebAssembly text runs as the bytes assembled from it: assemble the weakened text (and the original again after).
  const assemble = () => file.endsWith('.wat') && spawnSync(process.execPath, ['scripts/build-wasm.mjs'], { encoding: 'utf8' });
  assemble();
  let caughtBy = [];
  try {
    for (const test of tests) {
      const env = { ...process.env, BALLOONSIM_SEED: process.env.BALLOONSIM_SEED ?? '13', NO_COLOR: '1', FORCE_COLOR: '0' };
      const run = spawnSync('npx', ['vitest', 'run', test], { encoding: 'utf8', env });
      if (run.status !== 0) {
        const output = (run.stdout + run.stderr).replace(/\x1b\[[0-9;]*m/g, '');
        const failed = [...new Set([...output.matchAll(/FAIL +\S+ > (.*)/g)].map((match) => match[1].split(' > ').at(-1).trim()))];
        caughtBy.push(`${test}: ${failed[0] ?? 'failed'}${failed.length > 1 ? ` (+${failed.length - 1} more)` : ''}`);
      }
    }
  } finally {
    writeFileSync(file, original);
    assemble();
  }
  if (caughtBy.length === 0) failures++;
  process.stdout.write(`${caughtBy.length > 0 ? 'caught ' : 'MISSED '} ${name}${caughtBy.length > 0 ? `\n          by ${caughtBy.join('\n          by ')}` : ''}\n`);
}
process.exit(failures > 0 ? 1 : 0);
