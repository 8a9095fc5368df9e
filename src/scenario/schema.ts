/**
 * The scenario FILE format: what users write, as a zod schema. Sizes and durations
 * are parsed to bytes and milliseconds here, and constant defaults are filled in
 * (they show as `default` in the JSON Schema); defaults that depend on other fields,
 * cross-field rules and `count` expansion are in `resolve.ts`.
 *
 * `z.toJSONSchema(scenarioFileSchema, { io: 'input' })` gives the JSON Schema that
 * editors use.
 */
import { z } from 'zod';
import { DRIVER_BATCH_MAX, EVENTS_MAX, GUESTS_MAX, NAME_LENGTH_MAX, SHARES_MAX, WORKLOAD_COMPONENTS_MAX } from './limits.js';
import { encodeDetails } from './errors.js';
import { describeValue } from '../util/suggest.js';
import { sizeSpecSchema, componentAccessFields, faultsSchema, latencyField, linuxSchema, growthSchema } from './schema-guest-model.js';
import { POLICY_KINDS, freeMemoryStatesSchema, policySchema } from './schema-policy.js';
import { behaviourSchema, faultsSchema as faultPlanSchema, quarantineAfterSchema } from './schema-faults.js';
import { HOST_SWAP_FAULT_TEXT_DEFAULT } from '../model/defaults.js';
import { booleanField, durationField, exactlyOneOf, expandShorthand, fractionField, integerField, nameField, sizeField, sizeOrPercentField, strictObject } from './schema-fields.js';
import type { BackingMode, DriverProfileName, InflateMode, PolicyKind, ScenarioEvent, WorkloadKind } from '../model/scenario.js';

/** Balloon driver profiles a guest can use. */
export const DRIVER_PROFILES = ['virtio', 'vmware', 'xen', 'hyperv'] as const satisfies readonly DriverProfileName[];
/** How a balloon driver takes pages (see DESIGN.md, "Balloon driver"). */
export const INFLATE_MODES = ['noretry', 'reclaim', 'free-only'] as const satisfies readonly InflateMode[];
/** How guest memory is backed by host frames. */
export const BACKING_MODES = ['lazy', 'eager'] as const satisfies readonly BackingMode[];
/** Kinds of workload component. */
export const WORKLOAD_KINDS = ['anon', 'file'] as const satisfies readonly WorkloadKind[];

/** True when `Listed` names every member of `Union`: the lists above and types.ts cannot drift apart. */
type Covers<Union, Listed> = [Exclude<Union, Listed>] extends [never] ? true : false;

// ---- host policy: see schema-policy.ts.

/** Most shards a scenario may ask for. */
export const SHARDS_MAX = 4096;

export { POLICY_KINDS } from './schema-policy.js';

// ---- host

const hostSchema = strictObject(
  {
    memory: sizeField("the host's physical memory", { positive: true }),
    reserved: sizeField('memory the hypervisor keeps for itself').prefault('0B'),
    swap: sizeField('host swap').prefault('0B'),
    backing: z.enum(BACKING_MODES).prefault('lazy').meta({ description: 'lazy: frames on first touch; eager: every boot page at boot' }),
    policy: policySchema.prefault('static'),
    freeMemoryStates: freeMemoryStatesSchema.optional(),
    quarantineAfter: quarantineAfterSchema.optional(),
    backPressure: booleanField("a guest's distress message makes the host stop shrinking it and give memory back (false: the host does not listen)").prefault(true),
    hotplug: booleanField('the host plugs memory when a guest asks to grow past its boot size (false: every plug request fails for good)').prefault(true),
    swapFault: latencyField('what a host swap fault costs the guest task that touches a page the host paged out').prefault(HOST_SWAP_FAULT_TEXT_DEFAULT),
    shards: integerField(
      'groups of consecutive guests whose free frames share one pool, on one thread (default: one per guest, up to 64); results depend on it, never on the number of worker threads, and no more threads than shards are used',
      1,
      SHARDS_MAX,
    ).optional(),
  },
  'the virtualization host',
);

// ---- guests

const driverObjectSchema = strictObject(
  {
    profile: z.enum(DRIVER_PROFILES).prefault('virtio').meta({ description: 'the balloon driver to model' }),
    batch: integerField('frame numbers per inflate or deflate message (default: the profile decides)', 1, DRIVER_BATCH_MAX).optional(),
    inflateMode: z.enum(INFLATE_MODES).prefault('noretry').meta({ description: 'how the balloon takes pages' }),
    deflateOnOom: booleanField('give back 1 MiB to the guest on each OOM event').prefault(false),
    statsInterval: durationField('how often the guest sends stats; 0s turns stats off').prefault('1s'),
    freePageReporting: booleanField('report free pages to the host').prefault(false),
  },
  'the balloon driver',
);

const driverSchema = z
  .union([
    // `driver: xen` is `driver: {profile: xen}` with the defaults.
    z.enum(DRIVER_PROFILES).transform((profile, ctx) => expandShorthand(driverObjectSchema, { profile }, ctx, `{profile: ${profile}, ...}`)),
    driverObjectSchema,
  ])
  .meta({ description: `a driver profile (${DRIVER_PROFILES.join(', ')}) or {profile, ...settings}` });

const workloadComponentSchema = strictObject(
  {
    kind: z.enum(WORKLOAD_KINDS).meta({ description: 'anon: anonymous memory; file: page cache' }),
    size: sizeSpecSchema,
    hot: fractionField('the part touched often: 60% or 0.6').prefault('100%'),
    name: nameField('a label for reports (default: kind-index)', NAME_LENGTH_MAX).optional(),
    ...componentAccessFields,
  },
  'one component of what runs in the guest',
);

const guestSchema = strictObject(
  {
    name: nameField('the guest name (with count: the group name)', NAME_LENGTH_MAX),
    count: integerField('this many guests, named name-0 .. name-(count-1)', 1, GUESTS_MAX).optional(),
    memory: sizeField('boot size', { positive: true }),
    maxMemory: sizeField('largest size, with growth room above boot (default: memory)').optional(),
    minMemory: sizeField('floor the host must respect').prefault('0B'),
    kernel: sizeOrPercentField('unreclaimable kernel memory, a size or a percentage of memory (default: 2%, at least 16MiB, at most a quarter)').optional(),
    shares: integerField('weight in proportional policies', 1, SHARES_MAX).prefault(1000),
    swap: sizeField('guest swap').prefault('0B'),
    driver: driverSchema.prefault('virtio'),
    behaviour: behaviourSchema.prefault('honest'),
    workload: z
      .array(workloadComponentSchema)
      .max(WORKLOAD_COMPONENTS_MAX, { error: encodeDetails({ message: `a guest has at most ${WORKLOAD_COMPONENTS_MAX} workload components` }) })
      .prefault([]),
    faults: faultsSchema.optional().meta({ description: 'what page faults cost the workload (minor, major, refault)' }),
    growth: growthSchema.prefault('reserved'),
    linux: linuxSchema.prefault({}),
  },
  'a guest VM, or a group of identical ones with count',
);

// ---- events: `at` plus exactly one action. To add an action, add it to
// `ScenarioEvent` in types.ts, to EVENT_ACTIONS and the mapping here, and a case in resolve-events.ts.

/** The actions an event can have; each event has `at` and exactly one of them. */
export const EVENT_ACTIONS = [
  'setTarget',
  'crash',
  'setPolicy',
  'pausePolicy',
  'resumePolicy',
  'setShares',
  'setReserved',
  'hotplug',
  'resendTarget',
] as const satisfies readonly ScenarioEvent['kind'][];

const guestRefSchema = z
  .string({ error: (issue) => (issue.input === undefined ? undefined : encodeDetails({ message: `expected a guest name, got ${describeValue(issue.input)}` })) })
  .min(1)
  .meta({ description: 'a guest name, or the name of a count group (applies to every member)' });

/** `pausePolicy: true`: an action that takes no settings. */
function flagAction(description: string, action: string) {
  return z
    .literal(true, { error: (issue) => (issue.input === undefined ? undefined : encodeDetails({ message: `expected true, got ${describeValue(issue.input)}`, hint: `write ${action}: true` })) })
    .meta({ description });
}

const eventSchema = strictObject(
  {
    at: durationField('when it happens'),
    setTarget: strictObject(
      {
        guest: guestRefSchema,
        memory: sizeOrPercentField("the new target: a size, or a percentage of the guest's maxMemory"),
        force: booleanField("apply it even below the guest's floor (minMemory, Hyper-V floor, working set)").prefault(false),
        dryRun: booleanField('only report what it would do').prefault(false),
      },
      "set a guest's balloon target (the host's guard refuses a target below the guest's floor unless force: true)",
    ).optional(),
    crash: guestRefSchema.optional(),
    setPolicy: policySchema.optional(),
    pausePolicy: flagAction('the policy stops deciding until resumePolicy (host reclaim goes on)', 'pausePolicy').optional(),
    resumePolicy: flagAction('the policy decides again', 'resumePolicy').optional(),
    setShares: strictObject(
      { guest: guestRefSchema, shares: integerField("the guest's new shares", 1, SHARES_MAX) },
      "change a guest's shares",
    ).optional(),
    setReserved: sizeField('memory the hypervisor keeps for itself from now on').optional(),
    hotplug: strictObject(
      { guest: guestRefSchema, memory: sizeField('how much to grow the guest by', { positive: true }) },
      "grow a guest: its target rises by memory (up to maxMemory), which deflates its reserved range or makes it ask the host to plug memory",
    ).optional(),
    resendTarget: guestRefSchema
      .meta({ description: "the host writes the guest's target again, unchanged (a virtio driver works only on target writes: after a deflate-on-OOM this restarts inflation)" })
      .optional(),
  },
  'an event: at, plus one action',
)
  .superRefine(exactlyOneOf(EVENT_ACTIONS, 'an event', 'for example {at: 5m, setTarget: {guest: web, memory: 2GiB}}'))
  .meta({ minProperties: 2, maxProperties: 2 });

const listsCoverTheirTypes: [
  Covers<DriverProfileName, (typeof DRIVER_PROFILES)[number]>,
  Covers<InflateMode, (typeof INFLATE_MODES)[number]>,
  Covers<BackingMode, (typeof BACKING_MODES)[number]>,
  Covers<WorkloadKind, (typeof WORKLOAD_KINDS)[number]>,
  Covers<PolicyKind, (typeof POLICY_KINDS)[number]>,
  Covers<ScenarioEvent['kind'], (typeof EVENT_ACTIONS)[number]>,
] = [true, true, true, true, true, true];
void listsCoverTheirTypes;

// ---- the scenario

/** The scenario file format. Parsing gives sizes in bytes and durations in ms; see `resolve.ts` for the rest. */
export const scenarioFileSchema = strictObject(
  {
    $schema: z.string().optional().meta({ description: 'the JSON Schema of this file, for editors' }),
    name: z.string().min(1).max(200).optional().meta({ description: 'the scenario name (default: the file name)' }),
    seed: integerField('the root seed of every random choice', 0, Number.MAX_SAFE_INTEGER).prefault(1),
    duration: durationField('simulated time to run', { positive: true }).prefault('10m'),
    tick: durationField('simulated time per step (at least 1ms, at most duration)', { positive: true }).prefault('1s'),
    frameSize: sizeField('host frame size: a power of two from 4KiB to 1GiB').prefault('4KiB'),
    host: hostSchema,
    guests: z
      .array(guestSchema)
      .min(1, { error: encodeDetails({ message: 'a scenario needs at least one guest', hint: 'for example guests: [{name: web, memory: 4GiB}]' }) })
      .max(GUESTS_MAX, { error: encodeDetails({ message: `a scenario has at most ${GUESTS_MAX} guest entries` }) }),
    events: z
      .array(eventSchema)
      .max(EVENTS_MAX, { error: encodeDetails({ message: `a scenario has at most ${EVENTS_MAX} events` }) })
      .prefault([]),
    faults: faultPlanSchema.optional(),
  },
  'a balloonsim scenario',
).meta({ title: 'balloonsim scenario' });

/** What a scenario file may contain (before parsing). */
export type ScenarioFileInput = z.input<typeof scenarioFileSchema>;
/** A scenario file after schema parsing: units parsed, constant defaults filled in. */
export type ScenarioFile = z.output<typeof scenarioFileSchema>;
export type GuestFile = ScenarioFile['guests'][number];
export type EventFile = ScenarioFile['events'][number];
export type WorkloadComponentFile = GuestFile['workload'][number];
export type SizeSpecFile = WorkloadComponentFile['size'];

// ---- the published JSON Schema

/**
 * The published JSON Schema of scenario files (schema/scenario.schema.json),
 * generated from the zod schema that validates them, so that the two cannot
 * drift apart: a test compares the committed file with this, and
 * `npm run schema` rewrites it.
 */
/** The JSON Schema (draft 2020-12) of what a scenario file may contain. */
export function scenarioJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(scenarioFileSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
}

/** The schema as the text of schema/scenario.schema.json. */
export function scenarioJsonSchemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}
