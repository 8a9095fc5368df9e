/**
 * The order of test files in a mutation run (vitest.mutation.config.ts):
 * quick unit tests first, property and model-based tests last. Stryker stops a
 * mutant's run at its first failing test, so a mutant the unit tests kill costs
 * them alone; vitest's own order (slowest file first, to keep its workers busy)
 * would start every mutant with the slowest test.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Files that run last, slowest last (substrings of their paths). */
const LAST = ['test/host/hostile.test.ts', 'test/host/manager/host-paging.test.ts', 'test/property/broken-host.test.ts', 'test/fuzz/wire.test.ts', 'test/host/hypervisor.model.test.ts'];

function rank(file: string): number {
  const normalised = file.replaceAll('\\', '/');
  const index = LAST.findIndex((path) => normalised.endsWith(path));
  return index < 0 ? -1 : index;
}

export default class FastFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => rank(a.moduleId) - rank(b.moduleId) || a.moduleId.localeCompare(b.moduleId));
  }
}
