/**
 * The file format of a workload size (SIZESPEC): a constant size (`2GiB`) or a
 * mapping with exactly one curve kind: constant, steps, ramp, sine, bursts, trace.
 */
import { z } from 'zod';
import { STEPS_MAX } from './limits.js';
import { encodeDetails } from './issue-details.js';
import { describeValue } from '../util/suggest.js';
import { durationField, exactlyOneOf, sizeField, strictObject } from './schema-fields.js';
import { parseSize } from '../model/units.js';
import { UnitError } from '../model/unit-error.js';
import type { SizeCurve } from '../model/scenario.js';

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
