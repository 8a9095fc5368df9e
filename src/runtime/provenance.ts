/**
 * Where a run comes from, as every output of it says: the tool and its
 * version, the Node.js that ran it, the seed, and the scenario as resolved
 * (a scenario file with every default filled in, that runs the same run
 * again). Filled in by the library's `simulate` and by the CLI.
 */
export interface Provenance {
  tool: 'balloonsim';
  /** balloonsim's version (package.json). */
  version: string;
  /** `process.version` of the Node.js that ran it (`v20.20.0`). */
  node: string;
  /** The root seed the run used (the scenario's, or the one passed in). */
  seed: number;
  /** Where the scenario came from: a file path, `built-in:default`, `library`. */
  source: string;
  /** The resolved scenario as a scenario file object, seed included: write it as YAML or JSON and run it. */
  scenario: Record<string, unknown>;
}
