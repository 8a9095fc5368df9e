/**
 * The file format of what breaks on purpose: a guest's `behaviour` (honest, or
 * hostile with the attacks it tries), the host's quarantine threshold, and the
 * top-level `faults` section (crashes, and message delays in free-running mode).
 *
 * ```yaml
 * guests:
 *   - { name: mallory, memory: 1GiB, behaviour: hostile }
 *   - { name: eve, memory: 1GiB, behaviour: { kind: hostile, every: 5s, attacks: [forged, flood] } }
 * faults:
 *   until: 10m        # the safety phase: faults happen only before this
 *   settle: 2m        # the liveness phase: every live guest reaches its target within this
 *   crashes:
 *     - { at: 1m, guest: web, how: throw }
 *     - { at: 2m, guest: batch-3, how: kill-worker }
 *   random: { throws: 2, kills: 1 }
 *   messages: { delayed: 20%, maxDelay: 8 }
 * ```
 */
import { z } from 'zod';
import { encodeDetails } from './errors.js';
import { EVENTS_MAX } from './limits.js';
import { describeValue } from '../util/suggest.js';
import { durationField, fractionField, integerField, strictObject } from './schema-fields.js';
import type { AttackKind, CrashHow } from '../model/scenario.js';

/** Every attack a hostile guest can try. */
export const ATTACK_KINDS = ['forged', 'not-owned', 'repeated', 'out-of-range', 'absurd-count', 'flood', 'malformed'] as const satisfies readonly AttackKind[];
/** How an injected crash happens. */
export const CRASH_HOWS = ['throw', 'kill-worker'] as const satisfies readonly CrashHow[];
/** Guest behaviours. */
export const BEHAVIOUR_KINDS = ['honest', 'hostile'] as const;

/** Most junk messages in one flood. */
export const FLOOD_MESSAGES_MAX = 1_000_000;
/** Most random crashes of each kind. */
export const RANDOM_FAULTS_MAX = 10_000;
/** Longest a delayed batch may wait, in turns of the host's event loop. */
export const DELAY_TURNS_MAX = 10_000;

type Covers<Union, Listed> = [Exclude<Union, Listed>] extends [never] ? true : false;
const listsCoverTheirTypes: [Covers<AttackKind, (typeof ATTACK_KINDS)[number]>, Covers<CrashHow, (typeof CRASH_HOWS)[number]>] = [true, true];
void listsCoverTheirTypes;

const hostileSchema = strictObject(
  {
    kind: z.literal('hostile'),
    every: durationField('simulated time between attack rounds', { positive: true }).prefault('5s'),
    attacks: z
      .array(z.enum(ATTACK_KINDS).meta({ description: `an attack: ${ATTACK_KINDS.join(', ')}` }))
      .min(1, { error: encodeDetails({ message: 'a hostile guest needs at least one attack', hint: `choose from ${ATTACK_KINDS.join(', ')}` }) })
      .prefault([...ATTACK_KINDS])
      .meta({ description: 'the attacks it tries, each once per round (default: all)' }),
    flood: integerField('junk messages in one flood', 1, FLOOD_MESSAGES_MAX).prefault(2000),
  },
  'a guest that attacks the host: forged, repeated and out-of-range frame numbers, absurd counts, floods, malformed messages',
);

const honestSchema = strictObject({ kind: z.literal('honest') }, 'a guest that follows the protocol');

const behaviourObjectSchema = z.discriminatedUnion('kind', [honestSchema, hostileSchema]);

/** `behaviour: honest | hostile | {kind: hostile, every, attacks, flood}` on a guest. */
export const behaviourSchema = z
  .union([
    z.enum(BEHAVIOUR_KINDS).transform((kind) => behaviourObjectSchema.parse({ kind })),
    behaviourObjectSchema,
  ])
  .meta({ description: 'honest (the default), hostile, or {kind: hostile, every, attacks, flood}' });

/** `host.quarantineAfter`: protocol violations before the host refuses everything a guest sends (absent or 0: never). */
export const quarantineAfterSchema = integerField('protocol violations after which the host refuses every message of the guest (default and 0: never)', 0, 2 ** 31 - 1);

const crashSchema = strictObject(
  {
    at: durationField('when it happens'),
    guest: z
      .string({ error: (issue) => (issue.input === undefined ? undefined : encodeDetails({ message: `expected a guest name, got ${describeValue(issue.input)}` })) })
      .min(1)
      .meta({ description: 'a guest name, or a count group (every member crashes)' }),
    how: z.enum(CRASH_HOWS).prefault('throw').meta({ description: 'throw: the actor throws mid-step; kill-worker: its worker thread is terminated (free-running mode)' }),
  },
  'a crash: at, guest, how',
);

/** The top-level `faults` section. */
export const faultsSchema = strictObject(
  {
    until: durationField('faults happen only before this time: the safety phase (default: the whole run)').optional(),
    settle: durationField('after `until`, every live guest must reach its target within this long: the liveness phase').prefault('2m'),
    crashes: z
      .array(crashSchema)
      .max(EVENTS_MAX, { error: encodeDetails({ message: `at most ${EVENTS_MAX} crashes` }) })
      .prefault([]),
    random: strictObject(
      {
        throws: integerField('actor throws at seeded random times and guests', 0, RANDOM_FAULTS_MAX).prefault(0),
        kills: integerField('worker kills at seeded random times (free-running mode)', 0, RANDOM_FAULTS_MAX).prefault(0),
      },
      'random crashes in the safety phase',
    ).prefault({}),
    messages: strictObject(
      {
        delayed: fractionField('the share of message batches held back, each way').prefault('0%'),
        maxDelay: integerField('a held batch waits up to this many turns of the host loop', 1, DELAY_TURNS_MAX).prefault(8),
      },
      'message delays and reordering (free-running mode)',
    ).prefault({}),
  },
  'fault injection: crashes and message delays in a safety phase, then a liveness phase',
);

export type FaultsFile = z.output<typeof faultsSchema>;
export type BehaviourFile = z.output<typeof behaviourSchema>;
