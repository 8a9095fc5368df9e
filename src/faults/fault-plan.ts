/**
 * Turns a scenario's fault plan into concrete faults: which guest's actor
 * throws at which tick (and where in its step), which guest's worker is
 * killed when. Random faults are drawn from the run's seed, so a lockstep run
 * with faults is still a function of the scenario and the seed.
 */
import type { GuestFaults, ThrowPoint } from '../messages/runtime.js';
import type { FaultPlan, Scenario } from '../model/scenario.js';
import { deriveSeed, Random } from '../util/random.js';

/** A worker kill: the worker that hosts `guestIndex` is terminated at `atMs` (free-running mode). */
export interface PlannedKill {
  atMs: number;
  guestIndex: number;
}

/** The faults of one run, ready to inject. */
export interface InjectedFaults {
  plan: FaultPlan;
  /** Per guest, by index: the throws its actor makes. */
  guests: GuestFaults[];
  /** Worker kills, sorted by time. */
  kills: PlannedKill[];
  /** First tick of the liveness phase: no fault happens at or after it. */
  untilTick: number;
}

const THROW_POINTS: ReadonlyArray<ThrowPoint> = ['before-inbox', 'before-send'];

/** The tick at which something due at `atMs` happens (the first tick that starts at or after it). */
export function tickOf(atMs: number, tickMs: number): number {
  return Math.ceil(atMs / tickMs);
}

/** The concrete faults of a scenario run with `seed`, or null if the scenario injects none. */
export function planFaults(scenario: Scenario, seed: number): InjectedFaults | null {
  const plan = scenario.faults;
  if (plan === undefined) return null;
  const names = new Map(scenario.guests.map((guest, index) => [guest.name, index]));
  const untilTick = tickOf(plan.untilMs, scenario.tickMs);
  const throws: Array<Array<{ tick: number; point: ThrowPoint }>> = scenario.guests.map(() => []);
  const kills: PlannedKill[] = [];
  const random = new Random(deriveSeed(seed, 'faults'));
  for (const crash of plan.crashes) {
    const index = names.get(crash.guest);
    if (index === undefined) throw new Error(`planFaults: the fault plan names an unknown guest ${crash.guest}`);
    if (crash.how === 'throw') throws[index]!.push({ tick: tickOf(crash.atMs, scenario.tickMs), point: THROW_POINTS[random.int(THROW_POINTS.length)]! });
    else kills.push({ atMs: crash.atMs, guestIndex: index });
  }
  const guests = scenario.guests.length;
  if (untilTick > 0) {
    for (let i = 0; i < plan.randomThrows; i++) {
      throws[random.int(guests)]!.push({ tick: random.int(untilTick), point: THROW_POINTS[random.int(THROW_POINTS.length)]! });
    }
    for (let i = 0; i < plan.randomKills; i++) {
      kills.push({ atMs: random.int(untilTick) * scenario.tickMs, guestIndex: random.int(guests) });
    }
  }
  for (const list of throws) list.sort((a, b) => a.tick - b.tick);
  kills.sort((a, b) => a.atMs - b.atMs);
  return { plan, guests: throws.map((throwAt) => ({ throwAt })), kills, untilTick };
}
