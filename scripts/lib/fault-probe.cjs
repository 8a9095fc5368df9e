// What a first touch of fresh memory costs on this machine right now: a page fault, with the kernel
// finding and zeroing a page. `node scripts/lib/fault-probe.cjs` prints one JSON line:
// { microsPerPage, systemMicrosPerPage, pages }.
//
// On a virtual machine this varies by eight times and more from hour to hour (docs/benchmarks.md,
// "First touch of memory"): memory the guest kernel has given back to the hypervisor (free page
// reporting, a balloon) must be backed again by the host at the next fault, and a run of balloonsim
// makes hundreds of thousands of such faults. The benchmarks print this figure beside their own so that
// two series can be told apart by the state of the machine they ran on.
'use strict';

const PAGE_BYTES = 4096;
const PROBE_BYTES = 128 * 1024 * 1024;

function probe(bytes) {
  // A SharedArrayBuffer this large comes from mmap: untouched, every page faults at its first write.
  const words = new Int32Array(new SharedArrayBuffer(bytes));
  const step = PAGE_BYTES / Int32Array.BYTES_PER_ELEMENT;
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  // A compare-exchange writes: the fault maps a zeroed page at once (a read first would map the shared zero page).
  for (let i = 0; i < words.length; i += step) Atomics.compareExchange(words, i, 0, 0);
  const wallNs = Number(process.hrtime.bigint() - started);
  const cpu = process.cpuUsage(cpuBefore);
  const pages = bytes / PAGE_BYTES;
  return { microsPerPage: wallNs / 1000 / pages, systemMicrosPerPage: cpu.system / pages, pages };
}

module.exports = { probe };

if (require.main === module) {
  const figures = probe(PROBE_BYTES);
  process.stdout.write(`${JSON.stringify({ microsPerPage: Number(figures.microsPerPage.toFixed(3)), systemMicrosPerPage: Number(figures.systemMicrosPerPage.toFixed(3)), pages: figures.pages })}\n`);
}
