/**
 * File-format pieces of the guest memory model: page fault costs (`faults`),
 * how a workload component touches its pages (`hotTouchEvery`, `skew`,
 * `coldTouchEvery`), how a guest grows past boot (`growth`), and how a
 * component's size changes over time (SIZESPEC curves). Kept apart from
 * schema.ts so that the model's knobs are in one place.
 */
import { z } from 'zod';
import { encodeDetails } from './errors.js';
import { LATENCY_PATTERN, parseLatency } from '../model/latency.js';
import { FAULT_LATENCY_TEXT_DEFAULTS, SKEW_MAX } from '../model/defaults.js';
import { describeValue } from '../util/suggest.js';
import { boundedFractionField, durationField, integerField, sizeField, strictObject, unitLeaf, expandShorthand, exactlyOneOf } from './schema-fields.js';
import { DURATION_PATTERN, parseDuration, parseSize } from '../model/units.js';
import type { GrowthKind, SizeCurve } from '../model/scenario.js';
import { STEPS_MAX } from './limits.js';
import { UnitError } from '../model/unit-error.js';

/** `never`, or a duration after which a killed component starts again (parsed to ms; never is Infinity). */
function parseRestart(value: unknown, where: string): number {
  if (value === 'never') return Number.POSITIVE_INFINITY;
  return parseDuration(value, where);
}

/** A latency with a unit (`150us`, `0.5ms`), parsed to milliseconds (fractions kept). */
export function latencyField(description: string) {
  return unitLeaf(parseLatency, { description, examples: ['1us', '150us', '0.5ms'], pattern: LATENCY_PATTERN });
}

/** `faults: {minor, major, refault}`: what a page fault costs the task that takes it. */
export const faultsSchema = strictObject(
  {
    minor: latencyField('first touch of a page (allocation and zeroing)').prefault(FAULT_LATENCY_TEXT_DEFAULTS.minor),
    major: latencyField('swap-in of a swapped-out page; counts as stall time').prefault(FAULT_LATENCY_TEXT_DEFAULTS.major),
    refault: latencyField('re-read of a dropped page-cache page; counts as stall time').prefault(FAULT_LATENCY_TEXT_DEFAULTS.refault),
  },
  'what page faults cost the workload',
);

/** Extra keys of a workload component: how its pages are touched. */
export const componentAccessFields = {
  hotTouchEvery: durationField('how often the coolest hot pages are touched (default 1s); the hottest are touched `skew` times as often', { positive: true }).optional(),
  skew: z
    .number({ error: (issue) => (issue.input === undefined ? undefined : encodeDetails({ message: `expected a number from 1 to ${SKEW_MAX}, got ${describeValue(issue.input)}` })) })
    .min(1, { error: (issue) => encodeDetails({ message: `skew ${describeValue(issue.input)} is below 1`, hint: 'skew is hottest / coolest touch rate: 1 means uniform' }) })
    .max(SKEW_MAX, { error: encodeDetails({ message: `skew is at most ${SKEW_MAX}` }) })
    .meta({ description: 'hottest / coolest touch rate inside the hot part (default 16; 1 is uniform)' })
    .optional(),
  coldTouchEvery: durationField('how often each cold page is touched (default: never; 0s also means never)').optional(),
  access: z
    .enum(['read', 'mmap'])
    .meta({ description: 'file components: read (read() calls; a page-cache miss is a file refault, not a major fault) or mmap (a mapped file; a miss that readahead has not covered is a major fault). Default read' })
    .optional(),
  order: z
    .enum(['sequential', 'random'])
    .prefault('sequential')
    .meta({ description: 'the order the pages are touched in: sequential (readahead brings neighbours in: 2^pageCluster swapped pages, readAhead of a file) or random (readahead gives up: one page per fault)' }),
  restart: unitLeaf(parseRestart, {
    description: 'what happens after the OOM killer kills it: never (the default: a killed process stays dead), or a delay after which something restarts it (empty, growing again)',
    examples: ['never', '30s', '0s'],
    pattern: `never|(?:${DURATION_PATTERN})`,
  }).prefault('never'),
};

/** Transparent huge pages, as /sys/kernel/mm/transparent_hugepage/enabled says. */
export const THP_MODES = ['always', 'madvise', 'never'] as const;

/**
 * `linux: {...}`: the guest kernel's memory settings that the model follows,
 * under their Linux names. Defaults are a Debian 12 guest's.
 */
export const linuxSchema = strictObject(
  {
    transparentHugePages: z
      .enum(THP_MODES)
      .prefault('always')
      .meta({ description: "transparent huge pages (Debian's default: always); always or madvise make khugepaged raise min_free_kbytes (44 MiB on a 1 GiB guest)" }),
    minFree: sizeField('vm.min_free_kbytes (default: Linux sets it from memory size, sqrt(16 x KiB), and THP raises it)').optional(),
    watermarkScale: boundedFractionField('vm.watermark_scale_factor: the gap between the min, low and high watermarks, as a share of memory (default 0.1%, at most 10%)', {
      max: 0.1,
      why: 'vm.watermark_scale_factor goes up to 1000, that is 10%',
    }).prefault('0.1%'),
    pageCluster: integerField('vm.page-cluster: swap-in reads up to 2^pageCluster pages around a fault (default 3: 8 pages; 0 turns swap readahead off)', 0, 6).prefault(3),
    readAhead: sizeField('read_ahead_kb of the disk that holds the files: the readahead window of file reads and mapped-file faults (default 128KiB; 0B turns readahead off)').prefault('128KiB'),
  },
  "the guest kernel's memory settings (free reserve, swap readahead, file readahead)",
);

// ---- growth past boot

/**
 * File format of growth past the boot size (`growth` of a guest): a reserved
 * range held by the balloon (the default), hotplug sections (Xen, Hyper-V),
 * or virtio-mem blocks. Defaults that depend on the kind are filled in by
 * resolve-guests.ts.
 */
/** How a guest can grow past its boot size. */
export const GROWTH_KINDS = ['reserved', 'hotplug', 'virtio-mem'] as const satisfies readonly GrowthKind[];

/** Defaults per kind, as a scenario writes them. */
export const GROWTH_DEFAULTS: Readonly<Record<Exclude<GrowthKind, 'reserved'>, { block: string; onlineDelay: string }>> = {
  // Xen and Hyper-V add memory in 128 MiB sections; Hyper-V's take up to 5 s each to come online.
  hotplug: { block: '128MiB', onlineDelay: '5s' },
  // virtio-mem plugs 2 MiB blocks; 512 MiB took about a second to plug and online on a real guest.
  'virtio-mem': { block: '2MiB', onlineDelay: '250ms' },
};

const growthObjectSchema = strictObject(
  {
    kind: z.enum(GROWTH_KINDS).meta({ description: 'reserved: the room above boot is held by the balloon; hotplug: 128 MiB sections; virtio-mem: 2 MiB blocks' }),
    block: sizeField('the plug unit (default: 128MiB for hotplug, 2MiB for virtio-mem)', { positive: true }).optional(),
    onlineDelay: durationField('how long 128 MiB of plugged memory takes to come online (default: 5s for hotplug, 250ms for virtio-mem)').optional(),
  },
  'how the guest grows past its boot size, up to maxMemory',
);

/** `growth: hotplug` or `growth: {kind: virtio-mem, block: 2MiB, onlineDelay: 250ms}`. */
export const growthSchema = z
  .union([
    z.enum(GROWTH_KINDS).transform((kind, ctx) => expandShorthand(growthObjectSchema, { kind }, ctx, `{kind: ${kind}, ...}`)),
    growthObjectSchema,
  ])
  .meta({ description: `how the guest grows past its boot size: ${GROWTH_KINDS.join(', ')}, or {kind, block, onlineDelay}` });

// ---- workload size curves

/**
 * The file format of a workload size (SIZESPEC): a constant size (`2GiB`) or a
 * mapping with exactly one curve kind: constant, steps, ramp, sine, bursts, trace.
 */
/** The curve kinds a file can use; the same names as `SizeCurve['kind']`. */
export const CURVE_KINDS = ['constant', 'steps', 'ramp', 'sine', 'bursts', 'trace'] as const satisfies readonly SizeCurve['kind'][];

const STEP_EXAMPLE = 'write a step as [10m, 2GiB] or {at: 10m, size: 2GiB}';

const stepSchema = z.union(
  [
    z
      .tuple([durationField('when this step starts'), sizeField('the size from then on')], {
        error: (issue) => (issue.code === 'too_small' || issue.code === 'too_big' ? encodeDetails({ message: 'a step has exactly two items: a time and a size', hint: STEP_EXAMPLE }) : undefined),
      })
      .meta({ description: '[TIME, SIZE]' }),
    strictObject({ at: durationField('when this step starts'), size: sizeField('the size from then on') }, 'a step: {at, size}'),
  ],
  {
    error: (issue) =>
      issue.input === undefined ? undefined : encodeDetails({ message: `expected a step, got ${describeValue(issue.input)}`, hint: STEP_EXAMPLE }),
  },
);

const rampSchema = strictObject(
  {
    from: sizeField('the size until `start`'),
    to: sizeField('the size from `end` on'),
    start: durationField('when the ramp starts').prefault('0s'),
    end: durationField('when the ramp ends (default: the end of the scenario)').optional(),
  },
  'a linear ramp from `from` at `start` to `to` at `end`',
);

const sineSchema = strictObject(
  {
    min: sizeField('the smallest size'),
    max: sizeField('the largest size'),
    period: durationField('the length of one cycle', { positive: true }),
    phase: durationField('a shift of the cycle').prefault('0s'),
  },
  'a diurnal cycle: min + (max - min) * (1 - cos(2 pi (t + phase) / period)) / 2',
);

const burstsSchema = strictObject(
  {
    base: sizeField('the size between bursts'),
    peak: sizeField('the size during a burst'),
    every: durationField('the mean gap between bursts', { positive: true }),
    length: durationField('the mean length of a burst', { positive: true }),
  },
  'seeded random bursts with exponential gaps and lengths',
);

const curveObjectSchema = strictObject(
  {
    constant: sizeField('a size that does not change').optional(),
    steps: z
      .array(stepSchema)
      .min(1, { error: encodeDetails({ message: 'steps needs at least one step', hint: 'for example steps: [[0s, 1GiB], [10m, 2GiB]]' }) })
      .max(STEPS_MAX, { error: encodeDetails({ message: `steps has more than ${STEPS_MAX} steps`, hint: 'use a trace file for long series' }) })
      .meta({ description: 'piecewise constant: [[TIME, SIZE], ...], times strictly increasing; 0 before the first step' })
      .optional(),
    ramp: rampSchema.optional(),
    sine: sineSchema.optional(),
    bursts: burstsSchema.optional(),
    trace: z
      .string({ error: (issue) => (issue.input === undefined ? undefined : encodeDetails({ message: `expected the path of a CSV file, got ${describeValue(issue.input)}` })) })
      .min(1, { error: encodeDetails({ message: 'the trace path is empty', hint: 'write the path of a CSV file, relative to the scenario file' }) })
      .meta({ description: 'a CSV file (time,bytes), relative to the scenario file' })
      .optional(),
  },
  'a size curve: exactly one of constant, steps, ramp, sine, bursts, trace',
)
  .superRefine(exactlyOneOf(CURVE_KINDS, 'a size curve', 'for example {sine: {min: 1GiB, max: 2GiB, period: 1h}}'))
  .meta({ minProperties: 1, maxProperties: 1 });

/** What a non-mapping SIZESPEC is refused for: the size parser's own words (a bare number lists the units). */
function sizeSpecError(issue: { input?: unknown }): string | undefined {
  if (issue.input === undefined) return undefined;
  if (Array.isArray(issue.input)) {
    return encodeDetails({ message: 'expected a size or a size curve, got a list', hint: 'for steps, write {steps: [[0s, 1GiB], [10m, 2GiB]]}' });
  }
  try {
    parseSize(issue.input, '');
  } catch (error) {
    if (error instanceof UnitError) return encodeDetails({ message: error.reason, hint: error.hint });
    throw error;
  }
  return undefined;
}

/** SIZESPEC: a size, or a mapping with one curve kind. */
export const sizeSpecSchema = z
  .union([sizeField('a constant size'), curveObjectSchema], { error: sizeSpecError })
  .meta({ description: 'a size (2GiB) or a curve: {constant|steps|ramp|sine|bursts|trace: ...}' });
