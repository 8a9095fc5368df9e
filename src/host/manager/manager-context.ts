/**
 * What the memory manager's steps (targets.ts, back-pressure.ts,
 * scenario-events.ts, shard-boot.ts) may use of the manager they act on.
 * MemoryManager implements it and calls the steps; the steps know the
 * manager only through this interface, so that neither imports the other.
 */
import type { HostToGuest } from '../../messages/protocol.js';
import type { Scenario } from '../../model/scenario.js';
import type { HostEventKind } from '../event-log.js';
import type { Policy, PolicyHostView } from '../policy/policy.js';
import type { PolicyCallGate } from '../policy/policy-calls.js';
import type { FreeMemoryMonitor, FreeMemoryState } from './free-memory-state.js';
import type { GuestRecord } from './guest-record.js';
import type { HypervisorReserve } from './hypervisor-reserve.js';
import type { PolicyModules } from './policies/index.js';
import type { ShardBalancer } from './shard-balance.js';
import type { ShardLayout } from './shards.js';

export interface ManagerContext {
  readonly scenario: Scenario;
  /** One record per guest, by index. */
  readonly records: GuestRecord[];
  readonly layout: ShardLayout;
  readonly freeMemory: FreeMemoryMonitor;
  readonly balancer: ShardBalancer;
  readonly reserve: HypervisorReserve;
  readonly frameBytes: number;
  readonly frames: number;
  /** The run's root seed, from which policies derive theirs. */
  readonly seed: number;
  /** Imported policy modules by absolute path, for `kind: module` policies. */
  readonly policyModules: PolicyModules;
  /** Where module policies say that they call into the user's code (the run's watch), if the run watches. */
  readonly policyCalls: PolicyCallGate | undefined;
  readonly freeState: FreeMemoryState;
  /** Free frames the manager's decisions count on (less those owed to waiting grants). */
  readonly availableFrames: number;
  /** The simulated time of the tick being decided. */
  readonly nowMs: number;
  currentPolicy: Policy;
  policyPaused: boolean;
  nextPolicyMs: number;
  nextObserveMs: number;
  /** Raises back-pressure gave recently (time and pages), counted against free memory until taken. */
  backPressureGiven: Array<{ atMs: number; pages: number }>;
  /** A guest dies by the scenario's order. */
  crash(index: number, why: string): void;
  /** Switches to another policy; it decides at once, in this tick. */
  setPolicy(policy: Policy): void;
  /** Sets a target within [lowest, maxMemory] and tells the guest. */
  setTarget(record: GuestRecord, pages: number, reason: string, lowest?: number): void;
  /** Queues a message for a guest; it goes out with the next orders. */
  send(record: GuestRecord, message: HostToGuest): void;
  /** What a policy sees now. */
  policyView(): PolicyHostView;
  /** Whether back-pressure shields the guest from shrinking now. */
  shielded(record: GuestRecord): boolean;
  /** Records an event in the host's event log. */
  record(kind: HostEventKind, record: GuestRecord | null, detail: string): void;
}
