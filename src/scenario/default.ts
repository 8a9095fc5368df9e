/**
 * The built-in default scenario: what `balloonsim run` runs without a file. It is
 * also the format's tutorial, so it is commented for a reader who has never seen one.
 */
import { checkLoadOptions, parseScenarioText, type LoadOptions } from './load.js';
import type { Scenario } from '../model/scenario.js';

/** The source name the default scenario reports in messages and summaries. */
export const DEFAULT_SCENARIO_SOURCE = 'built-in:default';

/** The default scenario, as a scenario file. */
export const DEFAULT_SCENARIO_YAML = `# balloonsim's default scenario: four guests that together boot with more
# memory than the host can give them (16 GiB of guests on 11.5 GiB usable).
# Guest pages get host frames when first touched. Without ballooning the
# guests' touched memory would outgrow the host; the balloons take back what
# idle guests touched once and no longer use, lend it to the guest that
# grows, and give it back when that guest shrinks.
#
# Sizes always carry a unit: B, KiB, MiB, GiB, TiB (powers of 2) or KB, MB, GB,
# TB (powers of 10). Durations too: ms, s, m (minutes), h, d. A bare number
# such as 512 is an error.

name: default
seed: 42              # the root of every random choice: same seed, same run
duration: 20m         # simulated time
tick: 1s              # simulated time per step (frameSize, the host page, defaults to 4KiB)

host:
  memory: 12GiB
  reserved: 512MiB    # kept by the hypervisor, never given to guests
  policy: static      # targets change only when an event below says so
  # swap: 4GiB        # host swap: in the hard and low free-memory states the host
  #                   # pages guest memory out itself (guests pay host swap faults)
  # backPressure: true  # (the default) a guest in distress gets memory back

guests:
  # Each guest boots with \`memory\`; maxMemory (default: memory) and minMemory
  # (default: 0B) bound what the host may ask of it. The driver defaults to virtio.
  # The room between memory and maxMemory is a reserved range held by the
  # balloon, or with growth: hotplug (128 MiB sections) or growth: virtio-mem
  # (2 MiB blocks) memory the host plugs when the guest's target rises.
  # A workload is a list of components: kind anon (heap) or file (page cache),
  # a size that may change over time, and the hot part touched often.

  - name: web         # a daily cycle, squeezed into 20 minutes: 1.5 GiB to 3 GiB
    memory: 4GiB
    workload:
      - { kind: anon, size: { sine: { min: 1.5GiB, max: 3GiB, period: 20m } } }

  - name: db          # grows at 6m, shrinks at 14m: [time, size] steps
    memory: 4GiB
    workload:
      - { kind: anon, size: { steps: [[0s, 1GiB], [6m, 3.5GiB], [14m, 1.5GiB]] } }

  - name: batch       # random bursts: about 1m long, about 3m apart
    memory: 4GiB
    workload:
      - { kind: anon, size: { bursts: { base: 512MiB, peak: 2GiB, every: 3m, length: 1m } } }

  - name: idle        # warms up with 2.5 GiB for a minute, then idles at 256 MiB
    memory: 4GiB
    workload:
      - { kind: anon, size: { steps: [[0s, 2.5GiB], [1m, 256MiB]] }, hot: 5% }

  # Many identical guests: \`count: 8\` makes batch-0 .. batch-7, and an event
  # that names the group applies to each of them.

events:
  # An event has a time and one action. setTarget asks a guest's balloon
  # driver to bring the guest to a size (or a percentage of its maxMemory).
  # At 2m the idle and batch guests are ballooned down: idle's balloon takes
  # the memory it touched while warming up, and the host gets its frames back.
  - { at: 2m, setTarget: { guest: idle, memory: 1GiB } }
  - { at: 2m, setTarget: { guest: batch, memory: 2.5GiB } }
  # At 6m db grows into those frames. At 870s (14.5m), after db has shrunk, its
  # balloon takes back what it no longer uses...
  - { at: 870s, setTarget: { guest: db, memory: 2GiB } }
  # ...so that at 15m idle and batch can have their memory back (deflate).
  - { at: 15m, setTarget: { guest: idle, memory: 4GiB } }
  - { at: 15m, setTarget: { guest: batch, memory: 4GiB } }
  # Other actions: { at: 12m, crash: db } stops a guest; the host takes back its memory.
  # setTarget refuses to shrink a guest below its working set unless force: true
  # (dryRun: true only reports); setPolicy, pausePolicy, resumePolicy, setShares
  # and setReserved change the host; { at: 5m, hotplug: { guest: web, memory: 1GiB } }
  # grows a guest past its boot size. host.policy may be static, proportional,
  # esx, mom, senpai, xen-selfballoon, hyperv, or a JavaScript module.
`;

/**
 * The built-in default scenario, resolved.
 *
 * @param options.durationOverrideMs run for this long instead of 20 minutes
 * @param options.overrides settings changed from the command line (`--set`)
 */
export function defaultScenario(options: Pick<LoadOptions, 'durationOverrideMs' | 'overrides'> = {}): Scenario {
  // Checked here, so that a message names defaultScenario (not parseScenarioText) and a baseDir, which it has no use for, is refused.
  checkLoadOptions(options, 'defaultScenario', ['durationOverrideMs', 'overrides']);
  return parseScenarioText(DEFAULT_SCENARIO_YAML, DEFAULT_SCENARIO_SOURCE, options);
}
