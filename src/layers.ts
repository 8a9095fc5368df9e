/**
 * The direction of imports between the folders of `src`, written down once:
 * docs/design.md ("Layers") explains it, test/layers.test.ts enforces it on
 * every import (static, dynamic `import()`, `export ... from`, type imports).
 *
 * Rules:
 * - A file may import a file of its own folder, or of a folder in a lower
 *   layer (earlier in `LAYERS`). Folders in the same layer sit side by side
 *   and never import each other (guest and host know each other only through
 *   src/messages).
 * - Inside a folder listed in `INNER_LAYERS`, the same rule holds between its
 *   sub-folders; its own top-level files are below every sub-folder.
 * - No cycles: between files, nor between folders (sub-folders included).
 * - The files directly in `src` (the library entry) are on top of everything.
 *
 * A new folder must be added here before anything may import it.
 */
export const LAYERS: ReadonlyArray<ReadonlyArray<string>> = [
  // Small helpers with no concept of the simulator (seeded random, never, messages' "did you mean").
  ['util'],
  // The resolved model: scenario types, policy specs, model defaults, units and byte formatting.
  ['model'],
  // The protocol between guest and host: types, limits, the table of guest-to-host messages, the virtio facts.
  ['messages'],
  // The two sides of the protocol.
  ['guest', 'host'],
  // Checking a run (auditor) and injecting faults into it.
  ['audit', 'faults'],
  // One run: setup, placements, the worker entry, the summary.
  ['runtime'],
  // What a run writes; reading scenario files into the resolved model (an input, beside the outputs).
  ['output', 'scenario'],
  // Checks of a whole run before it starts (validate, run, sweeps and the library share them).
  ['preflight'],
  // Many runs: grids, pools, shards, their tables and reports, runs side by side.
  ['sweep'],
  // The library's functions.
  ['api'],
  // The command line, and the developers' tools (schemas, docs, benchmarks).
  ['cli', 'tools'],
];

/** Sub-folders of a folder, bottom first (the folder's own files are below them). */
export const INNER_LAYERS: Readonly<Record<string, ReadonlyArray<ReadonlyArray<string>>>> = {
  // The per-guest device side validates and applies frames; beside it, the policy API (what a policy sees and
  // returns, its error, dividing memory by weight); the memory manager above both reads the devices' summaries
  // and runs the policies (src/host/manager/policies) through that API.
  host: [['device', 'policy'], ['manager']],
};
