/** Provenance: what every output of a run says about where it came from (see runtime/provenance.ts). */
import type { Provenance } from '../runtime/provenance.js';

// Made below the library (scenario/provenance.ts) so that a sweep's cases carry it too.
export { provenanceOf, withProvenance } from '../scenario/provenance.js';

/** One line for humans: `balloonsim 0.1.0, Node v20.20.0, seed 42`. */
export function provenanceLine(provenance: Provenance): string {
  return `${provenance.tool} ${provenance.version}, Node ${provenance.node}, seed ${provenance.seed}`;
}
