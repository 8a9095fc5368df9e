/**
 * File-format pieces of the guest memory model: page fault costs (`faults`)
 * and how a workload component touches its pages (`hotTouchEvery`, `skew`,
 * `coldTouchEvery`). Kept apart from schema.ts so that the model's knobs are
 * in one place.
 */
import { z } from 'zod';
import { encodeDetails } from './issue-details.js';
import { LATENCY_PATTERN, parseLatency } from '../model/latency.js';
import { FAULT_LATENCY_TEXT_DEFAULTS, SKEW_MAX } from '../model/defaults.js';
import { describeValue } from '../util/suggest.js';
import { durationField, fractionField, integerField, sizeField, strictObject, unitLeaf } from './schema-fields.js';
import { DURATION_PATTERN, parseDuration } from '../model/units.js';

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
    watermarkScale: fractionField('vm.watermark_scale_factor: the gap between the min, low and high watermarks, as a share of memory (default 0.1%)').prefault('0.1%'),
    pageCluster: integerField('vm.page-cluster: swap-in reads up to 2^pageCluster pages around a fault (default 3: 8 pages; 0 turns swap readahead off)', 0, 6).prefault(3),
    readAhead: sizeField('read_ahead_kb of the disk that holds the files: the readahead window of file reads and mapped-file faults (default 128KiB; 0B turns readahead off)').prefault('128KiB'),
  },
  "the guest kernel's memory settings (free reserve, swap readahead, file readahead)",
);
