// Preloaded (node --require) by scripts/side-by-side.mjs into each process it measures: at exit, writes
// the process's CPU time (user + system, every thread: getrusage of the whole process) and its peak
// resident memory, as JSON, to the file BALLOONSIM_CPU_OUT names.
'use strict';
const { writeFileSync } = require('node:fs');
const { isMainThread } = require('node:worker_threads');

// Worker threads load preloads too: only the main thread, which ends last, writes.
const out = process.env.BALLOONSIM_CPU_OUT;
if (isMainThread && out !== undefined && out !== '') {
  process.on('exit', () => {
    const { user, system } = process.cpuUsage();
    writeFileSync(out, JSON.stringify({ cpuSeconds: (user + system) / 1e6, peakResidentBytes: process.resourceUsage().maxRSS * 1024 }));
  });
}
