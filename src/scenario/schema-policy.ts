/**
 * The file format of host policies (`host.policy` and the `setPolicy` event):
 * one strict mapping per kind, discriminated by `kind`, each setting with its
 * default, parsed straight into the resolved `PolicySpec` (src/model/policy-spec.ts).
 * A setting is written once here, under its resolved name: the file writes it
 * without its unit (`periodMs` is `period: 10s`, `minSizeBytes` is
 * `minSize: 100MiB`, `lowPercentOfMax` is `low: 50%`), and `policyFileOf`
 * turns a spec back into the file's words by the same rule. To add a policy:
 * its spec in src/model/policy-spec.ts, its mapping and kind here, and its
 * class in src/host/manager/policies/.
 */
import { z } from 'zod';
import { encodeDetails } from './errors.js';
import type { PolicyKind, PolicySpec } from '../model/policy-spec.js';
import { boundedFractionField, durationField, expandShorthand, fractionField, integerField, sizeField, sizeOrPercentField, strictObject } from './schema-fields.js';
import { describeValue } from '../util/suggest.js';

/** A positive number (not necessarily whole) up to `max`. */
function positiveNumberField(description: string, max: number) {
  const error = (issue: { input?: unknown }): string | undefined =>
    issue.input === undefined ? undefined : encodeDetails({ message: `expected a number above 0 and at most ${max}, got ${describeValue(issue.input)}` });
  return z.number({ error }).gt(0, { error }).max(max, { error }).meta({ description });
}

/** The units a resolved setting's name ends with, each dropped in the file. */
const UNIT_SUFFIX = /(?:Ms|Bytes|PercentOfMax)$/;

/** The key a file writes a resolved setting under: `periodMs` is `period`, `minSizeBytes` `minSize`. */
type FileKey<Key> = Key extends `${infer Name}Ms` ? Name : Key extends `${infer Name}Bytes` ? Name : Key extends `${infer Name}PercentOfMax` ? Name : Key;

function fileKey(key: string): string {
  return key.replace(UNIT_SUFFIX, '');
}

/**
 * One policy kind: a strict mapping of the file's keys (each resolved name
 * without its unit) whose parse is the resolved spec, keys in the same order.
 */
function policyObject<Shape extends z.core.$ZodLooseShape>(shape: Shape, description: string) {
  const keys = Object.keys(shape);
  const fileShape = Object.fromEntries(keys.map((key) => [fileKey(key), shape[key]])) as { [Key in keyof Shape as FileKey<Key>]: Shape[Key] };
  return strictObject(fileShape, description).transform(
    (file) => Object.fromEntries(keys.map((key) => [key, (file as Record<string, unknown>)[fileKey(key)]])) as { [Key in keyof Shape]: z.output<Shape[Key]> },
  );
}

/**
 * A policy as a file writes it: each setting under its file key, a duration
 * or a size with its unit (by `duration` and `size`), a percentage of
 * maxMemory with `%`.
 */
export function policyFileOf(policy: PolicySpec, units: { duration: (ms: number) => string; size: (bytes: number) => string }): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(policy).map(([key, value]) => {
      if (key.endsWith('Ms')) return [fileKey(key), units.duration(value as number)];
      if (key.endsWith('Bytes')) return [fileKey(key), units.size(value as number)];
      if (key.endsWith('PercentOfMax')) return [fileKey(key), `${value as number}%`];
      return [key, value];
    }),
  );
}

/** A percentage of each guest's maxMemory (`50%`); a size is refused, since a policy's guests may differ in size. */
function percentOfMaxField(description: string) {
  return sizeOrPercentField(description).transform((value, ctx) => {
    if ('percentOfMax' in value) return value.percentOfMax;
    ctx.addIssue({
      code: 'custom',
      message: "the rotate policy takes low as a percentage of each guest's maxMemory (its guests may differ in size)",
      params: { hint: 'for example low: 50%' },
      input: value,
    });
    return z.NEVER;
  });
}

const period = (fallback: string) => durationField('how often the policy decides', { positive: true }).prefault(fallback);

const staticPolicySchema = policyObject(
  { kind: z.literal('static'), periodMs: period('1s') },
  'static targets: the host changes targets only when an event says so',
);

const proportionalPolicySchema = policyObject(
  { kind: z.literal('proportional'), periodMs: period('10s') },
  "targets by shares of the host's usable memory (less the high free-memory threshold), within each guest's minMemory and maxMemory",
);

const esxPolicySchema = policyObject(
  {
    kind: z.literal('esx'),
    periodMs: period('30s'),
    tau: boundedFractionField('idle memory tax rate: 0% taxes nothing, 75% (the default) makes an idle page cost 4 active ones', { max: 0.99 }).prefault('75%'),
    samples: integerField('pages sampled per guest per period to estimate its active fraction', 1, 100_000).prefault(100),
    fastWeight: boundedFractionField('weight of a new sample in the fast moving average', { positive: true, why: 'a weight of 0 never lets a sample in' }).prefault('50%'),
    slowWeight: boundedFractionField('weight of a new sample in the slow moving average', { positive: true, why: 'a weight of 0 never lets a sample in' }).prefault('10%'),
  },
  'VMware ESX: shares, min-funded revocation with an idle memory tax, active memory by sampling',
);

const momPolicySchema = policyObject(
  {
    kind: z.literal('mom'),
    periodMs: period('10s'),
    sampleIntervalMs: durationField('how often host and guest figures are collected', { positive: true }).prefault('5s'),
    samples: integerField('how many collected figures are averaged', 1, 1000).prefault(10),
    pressureThreshold: fractionField('below this host free fraction guests shrink, above it they grow').prefault('20%'),
    criticalFree: fractionField('at or below this host free fraction guests may be pushed into swap').prefault('5%'),
    maxChange: fractionField('largest change of a target per period').prefault('5%'),
    minChange: fractionField('smaller changes are not applied').prefault('0.25%'),
  },
  "oVirt MOM's balloon rules",
);

const senpaiPolicySchema = policyObject(
  {
    kind: z.literal('senpai'),
    periodMs: period('1s'),
    pressureTargetMs: durationField('memory stall (PSI some) per probe interval that counts as pressure', { positive: true }).prefault('10ms'),
    probeIntervalMs: durationField('how often the limit is probed down without pressure', { positive: true }).prefault('6s'),
    maxProbe: fractionField('largest probe step').prefault('1%'),
    maxBackoff: fractionField('largest back-off step').prefault('100%'),
    coeffProbe: positiveNumberField('probe coefficient', 1_000_000).prefault(10),
    coeffBackoff: positiveNumberField('back-off coefficient', 1_000_000).prefault(20),
    minSizeBytes: sizeField('the limit never goes below this').prefault('100MiB'),
  },
  "Meta's Senpai: probe limits down while stall stays under its target, back off when it does not",
);

const xenSelfballoonPolicySchema = policyObject(
  {
    kind: z.literal('xen-selfballoon'),
    periodMs: period('5s'),
    reserveBytes: sizeField('added to committed memory to make the goal').prefault('0B'),
    downHysteresis: integerField('a shrink closes 1/downHysteresis of the gap', 1, 1024).prefault(8),
    upHysteresis: integerField('a growth closes 1/upHysteresis of the gap', 1, 1024).prefault(1),
    minUsableBytes: sizeField('floor of usable memory (0B: the size-dependent floor)').prefault('0B'),
  },
  'Xen self-ballooning toward committed memory',
);

const hypervPolicySchema = policyObject(
  {
    kind: z.literal('hyperv'),
    periodMs: period('1s'),
    buffer: fractionField('memory buffer: the target is committed memory plus this much of it').prefault('20%'),
  },
  'Hyper-V dynamic memory: committed memory plus a buffer, never below the Hyper-V floor',
);

const modulePolicySchema = policyObject(
  {
    kind: z.literal('module'),
    path: z
      .string({ error: (issue) => (issue.input === undefined ? undefined : encodeDetails({ message: `expected the path of a JavaScript module, got ${describeValue(issue.input)}` })) })
      .min(1)
      .meta({ description: 'a JavaScript (ESM) module, relative to the scenario file, exporting createPolicy(context)' }),
    periodMs: period('1s'),
    options: z
      .record(z.string(), z.unknown(), { error: (issue) => (issue.input === undefined ? undefined : encodeDetails({ message: `expected a mapping of options, got ${describeValue(issue.input)}` })) })
      .prefault({})
      .meta({ description: "passed to the module's createPolicy as context.options" }),
  },
  'a policy of your own, in a JavaScript module',
);

const rotatePolicySchema = policyObject(
  {
    kind: z.literal('rotate'),
    periodMs: durationField('how long each group stays squeezed', { positive: true }).prefault('30s'),
    lowPercentOfMax: percentOfMaxField("the squeezed group's target: a percentage of each guest's maxMemory").prefault('50%'),
    groups: integerField('guests are split into this many groups by index; one at a time is squeezed', 2, 1_000_000).prefault(4),
  },
  'a stress-testing policy that keeps memory moving: one group of guests at a time is ballooned down to `low`, the others get their maxMemory',
);

const POLICY_SCHEMAS = [
  staticPolicySchema,
  rotatePolicySchema,
  proportionalPolicySchema,
  esxPolicySchema,
  momPolicySchema,
  senpaiPolicySchema,
  xenSelfballoonPolicySchema,
  hypervPolicySchema,
  modulePolicySchema,
] as const;

/** Host policy kinds; `policy: KIND` is a shorthand for `{kind: KIND}` with defaults. */
export const POLICY_KINDS = ['static', 'proportional', 'esx', 'mom', 'senpai', 'xen-selfballoon', 'hyperv', 'module', 'rotate'] as const satisfies readonly PolicyKind[];

const policyObjectSchema = z.discriminatedUnion('kind', POLICY_SCHEMAS);

/** A host policy: a kind (`policy: mom`) or a mapping with its settings (`policy: {kind: esx, tau: 0%}`). */
export const policySchema = z
  .union([
    z.enum(POLICY_KINDS).transform((kind, ctx) => expandShorthand(policyObjectSchema, { kind }, ctx, `{kind: ${kind}, ...}`)),
    policyObjectSchema,
  ])
  .meta({ description: `the host's overcommit policy: ${POLICY_KINDS.join(', ')}, or {kind, ...settings}` });

/**
 * The parse of a policy is its resolved spec, exactly: a setting missing
 * here or in src/model/policy-spec.ts, or of another type, breaks the build.
 * (A module policy's path is still relative to the file; resolve makes it absolute.)
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const parseIsTheSpec: Same<z.output<typeof policySchema>, PolicySpec> = true;
void parseIsTheSpec;

/** The free-memory state thresholds (`host.freeMemoryStates`), as fractions of host memory. */
export const freeMemoryStatesSchema = strictObject(
  {
    high: fractionField('free memory to reach again before leaving the soft state').prefault('6%'),
    soft: fractionField('below this, the host balloons guests (soft state)').prefault('4%'),
    hard: fractionField('below this, the hard state (host paging)').prefault('2%'),
    low: fractionField('below this, the low state: guests above their target get no new frames').prefault('1%'),
  },
  'host free-memory states, as in ESX',
);
