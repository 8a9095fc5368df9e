/**
 * The file format of host policies (`host.policy` and the `setPolicy` event):
 * one strict mapping per kind, discriminated by `kind`, each setting with its
 * default. To add a policy: its spec in policy-spec.ts, its mapping and kind
 * here, a case in resolve-policy.ts, and its class in src/host/policies/.
 */
import { z } from 'zod';
import { encodeDetails } from './issue-details.js';
import type { PolicyKind } from '../model/policy-spec.js';
import { durationField, expandShorthand, fractionField, integerField, sizeField, sizeOrPercentField, strictObject } from './schema-fields.js';
import { describeValue } from '../util/suggest.js';

/** A fraction (`75%` or `0.75`) of at most `max`. */
function fractionAtMost(description: string, max: number) {
  return fractionField(description).superRefine((value, ctx) => {
    // Above 1 the fraction itself has been refused already.
    if (value > max && value <= 1) {
      ctx.addIssue({ code: 'custom', message: `${describeValue(value)} is more than ${max * 100}%`, params: { hint: `use at most ${max * 100}% (${max})` }, input: value });
    }
  });
}

/** A positive number (not necessarily whole) up to `max`. */
function positiveNumberField(description: string, max: number) {
  const error = (issue: { input?: unknown }): string | undefined =>
    issue.input === undefined ? undefined : encodeDetails({ message: `expected a number above 0 and at most ${max}, got ${describeValue(issue.input)}` });
  return z.number({ error }).gt(0, { error }).max(max, { error }).meta({ description });
}

const period = (fallback: string) => durationField('how often the policy decides', { positive: true }).prefault(fallback);

const staticPolicySchema = strictObject(
  { kind: z.literal('static'), period: period('1s') },
  'static targets: the host changes targets only when an event says so',
);

const proportionalPolicySchema = strictObject(
  { kind: z.literal('proportional'), period: period('10s') },
  "targets by shares of the host's usable memory (less the high free-memory threshold), within each guest's minMemory and maxMemory",
);

const esxPolicySchema = strictObject(
  {
    kind: z.literal('esx'),
    period: period('30s'),
    tau: fractionAtMost('idle memory tax rate: 0% taxes nothing, 75% (the default) makes an idle page cost 4 active ones', 0.99).prefault('75%'),
    samples: integerField('pages sampled per guest per period to estimate its active fraction', 1, 100_000).prefault(100),
    fastWeight: fractionField('weight of a new sample in the fast moving average').prefault('50%'),
    slowWeight: fractionField('weight of a new sample in the slow moving average').prefault('10%'),
  },
  'VMware ESX: shares, min-funded revocation with an idle memory tax, active memory by sampling',
);

const momPolicySchema = strictObject(
  {
    kind: z.literal('mom'),
    period: period('10s'),
    sampleInterval: durationField('how often host and guest figures are collected', { positive: true }).prefault('5s'),
    samples: integerField('how many collected figures are averaged', 1, 1000).prefault(10),
    pressureThreshold: fractionField('below this host free fraction guests shrink, above it they grow').prefault('20%'),
    criticalFree: fractionField('at or below this host free fraction guests may be pushed into swap').prefault('5%'),
    maxChange: fractionField('largest change of a target per period').prefault('5%'),
    minChange: fractionField('smaller changes are not applied').prefault('0.25%'),
  },
  "oVirt MOM's balloon rules",
);

const senpaiPolicySchema = strictObject(
  {
    kind: z.literal('senpai'),
    period: period('1s'),
    pressureTarget: durationField('memory stall (PSI some) per probe interval that counts as pressure', { positive: true }).prefault('10ms'),
    probeInterval: durationField('how often the limit is probed down without pressure', { positive: true }).prefault('6s'),
    maxProbe: fractionField('largest probe step').prefault('1%'),
    maxBackoff: fractionField('largest back-off step').prefault('100%'),
    coeffProbe: positiveNumberField('probe coefficient', 1_000_000).prefault(10),
    coeffBackoff: positiveNumberField('back-off coefficient', 1_000_000).prefault(20),
    minSize: sizeField('the limit never goes below this').prefault('100MiB'),
  },
  "Meta's Senpai: probe limits down while stall stays under its target, back off when it does not",
);

const xenSelfballoonPolicySchema = strictObject(
  {
    kind: z.literal('xen-selfballoon'),
    period: period('5s'),
    reserve: sizeField('added to committed memory to make the goal').prefault('0B'),
    downHysteresis: integerField('a shrink closes 1/downHysteresis of the gap', 1, 1024).prefault(8),
    upHysteresis: integerField('a growth closes 1/upHysteresis of the gap', 1, 1024).prefault(1),
    minUsable: sizeField('floor of usable memory (0B: the size-dependent floor)').prefault('0B'),
  },
  'Xen self-ballooning toward committed memory',
);

const hypervPolicySchema = strictObject(
  {
    kind: z.literal('hyperv'),
    period: period('1s'),
    buffer: fractionField('memory buffer: the target is committed memory plus this much of it').prefault('20%'),
  },
  'Hyper-V dynamic memory: committed memory plus a buffer, never below the Hyper-V floor',
);

const modulePolicySchema = strictObject(
  {
    kind: z.literal('module'),
    path: z
      .string({ error: (issue) => (issue.input === undefined ? undefined : encodeDetails({ message: `expected the path of a JavaScript module, got ${describeValue(issue.input)}` })) })
      .min(1)
      .meta({ description: 'a JavaScript (ESM) module, relative to the scenario file, exporting createPolicy(context)' }),
    period: period('1s'),
    options: z
      .record(z.string(), z.unknown(), { error: (issue) => (issue.input === undefined ? undefined : encodeDetails({ message: `expected a mapping of options, got ${describeValue(issue.input)}` })) })
      .prefault({})
      .meta({ description: "passed to the module's createPolicy as context.options" }),
  },
  'a policy of your own, in a JavaScript module',
);

const rotatePolicySchema = strictObject(
  {
    kind: z.literal('rotate'),
    period: durationField('how long each group stays squeezed', { positive: true }).prefault('30s'),
    low: sizeOrPercentField("the squeezed group's target: a percentage of each guest's maxMemory").prefault('50%'),
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

/** A policy as the file gives it, after parsing. */
export type PolicyFile = z.output<typeof policySchema>;

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
